import { cancelledError, EngineFailure, fail } from '../core/errors';
import './error-codes';
import type { RawCall } from './session';
import { readLocalizedFault } from './soap-response';
import type { SoapFault } from './soap-response';
import { child, children, el, moRefElement, moRefOf, textOf, typed } from './xml';
import type { MoRef, XmlElement, XmlNode } from './xml';

/**
 * Reading properties of many objects through the PropertyCollector: a container view over the
 * inventory, RetrievePropertiesEx with maxObjects, then ContinueRetrievePropertiesEx until the
 * server sends no token. Element order matters to vCenter (it validates against its schema),
 * so the builders below follow the vim25 order.
 */

export interface PropertySet {
  /** Managed object type; a base type (ManagedEntity) also matches its subtypes. */
  type: string;
  paths: readonly string[];
}

export interface ObjectContent {
  obj: MoRef;
  /** Property path → the `<val>` element. Unset properties are simply absent. */
  props: ReadonlyMap<string, XmlNode>;
  /** Properties the server could not read, with why. */
  missing: { path: string; fault: SoapFault }[];
}

export function propertySpec(set: PropertySet): XmlElement {
  return el('propSet', el('type', set.type), ...set.paths.map((p) => el('pathSet', p)));
}

/** Every object the view shows, not the view itself. */
export function containerViewObjectSpec(view: MoRef): XmlElement {
  return el(
    'objectSet',
    moRefElement('obj', view),
    el('skip', 'true'),
    typed('selectSet', 'TraversalSpec', el('name', 'view'), el('type', 'ContainerView'), el('path', 'view'), el('skip', 'false')),
  );
}

export function objectSpec(obj: MoRef): XmlElement {
  return el('objectSet', moRefElement('obj', obj), el('skip', 'false'));
}

export function filterSpec(propSets: readonly PropertySet[], objectSets: readonly XmlElement[]): XmlElement {
  return el('specSet', ...propSets.map(propertySpec), ...objectSets);
}

export function retrieveOptions(maxObjects?: number): XmlElement {
  return maxObjects === undefined ? el('options') : el('options', el('maxObjects', String(maxObjects)));
}

export function readObjectContent(node: XmlNode): ObjectContent | undefined {
  const obj = moRefOf(child(node, 'obj'));
  if (!obj) return undefined;
  const props = new Map<string, XmlNode>();
  for (const prop of children(node, 'propSet')) {
    const name = textOf(prop, 'name')?.trim();
    const val = child(prop, 'val');
    if (name && val) props.set(name, val);
  }
  const missing = children(node, 'missingSet').map((m) => {
    const faultNode = child(m, 'fault');
    return { path: textOf(m, 'path')?.trim() ?? '', fault: faultNode ? readLocalizedFault(faultNode) : { type: 'Unknown', message: '' } };
  });
  return { obj, props, missing };
}

/** A RetrieveResult: its objects and the token for the next page, if any. */
export function readRetrieveResult(returnval: XmlNode | undefined): { objects: ObjectContent[]; token?: string } {
  if (!returnval) return { objects: [] };
  const objects = children(returnval, 'objects')
    .map(readObjectContent)
    .filter((o): o is ObjectContent => o !== undefined);
  const token = textOf(returnval, 'token')?.trim();
  return token ? { objects, token } : { objects };
}

export interface RetrieveOptions {
  /** Objects per page; vCenter may send fewer. Undefined lets the server choose. */
  maxObjects?: number;
  signal?: AbortSignal;
}

/**
 * Runs RetrievePropertiesEx and follows the tokens, handing each page to onPage as it arrives
 * (so a listing of thousands of VMs never holds more than one page of XML).
 * Returns the number of objects seen.
 */
export async function retrievePages(
  raw: RawCall,
  propertyCollector: MoRef,
  spec: XmlElement,
  onPage: (objects: ObjectContent[]) => void | Promise<void>,
  options: RetrieveOptions = {},
): Promise<number> {
  const { signal } = options;
  let response = await raw('RetrievePropertiesEx', propertyCollector, [spec, retrieveOptions(options.maxObjects)], signal);
  let page = readRetrieveResult(child(response, 'returnval'));
  let count = 0;
  const seenTokens = new Set<string>();
  for (;;) {
    count += page.objects.length;
    await onPage(page.objects);
    const token = page.token;
    if (token === undefined) return count;
    if (seenTokens.has(token)) {
      return fail('VSPHERE_BAD_RESPONSE', 'The server sent the same paging token twice.', 'This is a server problem; try again with a different page size.', { details: { token } });
    }
    seenTokens.add(token);
    if (signal?.aborted) {
      await cancelQuietly(raw, propertyCollector, token);
      throw new EngineFailure(cancelledError());
    }
    response = await raw('ContinueRetrievePropertiesEx', propertyCollector, [el('token', token)], signal);
    page = readRetrieveResult(child(response, 'returnval'));
  }
}

/** Frees the server's copy of the remaining pages; failure to do so is not worth an error. */
async function cancelQuietly(raw: RawCall, propertyCollector: MoRef, token: string): Promise<void> {
  try {
    await raw('CancelRetrievePropertiesEx', propertyCollector, [el('token', token)], AbortSignal.timeout(5_000));
  } catch {
    // the results expire on the server anyway
  }
}

export async function retrieveAll(raw: RawCall, propertyCollector: MoRef, spec: XmlElement, options: RetrieveOptions = {}): Promise<ObjectContent[]> {
  const all: ObjectContent[] = [];
  await retrievePages(raw, propertyCollector, spec, (objects) => void all.push(...objects), options);
  return all;
}

/** Properties of one object; undefined when it does not exist any more. */
export async function retrieveOne(raw: RawCall, propertyCollector: MoRef, obj: MoRef, paths: readonly string[], signal?: AbortSignal): Promise<ObjectContent | undefined> {
  const objects = await retrieveAll(raw, propertyCollector, filterSpec([{ type: obj.type, paths }], [objectSpec(obj)]), { signal });
  return objects.find((o) => o.obj.value === obj.value);
}

/**
 * Creates a container view over `container` (recursive), runs `work` with it and destroys it,
 * also when work fails. Views live in the session: run this inside session.withRelogin.
 */
export async function withContainerView<T>(
  raw: RawCall,
  viewManager: MoRef,
  container: MoRef,
  types: readonly string[],
  work: (view: MoRef) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const response = await raw('CreateContainerView', viewManager, [moRefElement('container', container), ...types.map((t) => el('type', t)), el('recursive', 'true')], signal);
  const view = moRefOf(child(response, 'returnval'));
  if (!view) return fail('VSPHERE_BAD_RESPONSE', 'CreateContainerView returned no view.', 'This does not look like vCenter or ESXi.');
  try {
    return await work(view);
  } finally {
    try {
      await raw('DestroyView', view, [], AbortSignal.timeout(10_000));
    } catch {
      // A view dies with its session; a failed destroy leaves nothing behind for long.
    }
  }
}
