import { afterEach, describe, expect, it } from 'vitest';
import {
  containerViewObjectSpec,
  filterSpec,
  readRetrieveResult,
  retrieveAll,
  retrievePages,
  withContainerView,
} from '../../../electron/engine/vsphere/property-collector';
import { VsphereSession } from '../../../electron/engine/vsphere/session';
import { child, parseXml, path, renderXml } from '../../../electron/engine/vsphere/xml';
import { FakeVcenter, HOST, response, sample, withXsiPrefix, xmlReply } from './fake-vcenter';
import { failureOf } from '../../support/failures';

const PC = { type: 'PropertyCollector', value: 'propertyCollector' };
const VIEW = { type: 'ContainerView', value: 'session[s]view-1' };

/** A page with one VM per id, and a token unless it is the last page. */
function page(method: 'RetrievePropertiesEx' | 'ContinueRetrievePropertiesEx', ids: number[], token?: string): string {
  const objects = ids.map((id) => `<objects><obj type="VirtualMachine">vm-${id}</obj><propSet><name>name</name><val xsi:type="xsd:string">VM${id}</val></propSet></objects>`).join('');
  return response(method, `<returnval>${token ? `<token>${token}</token>` : ''}${objects}</returnval>`);
}

const openSession = (fake: FakeVcenter): Promise<VsphereSession> => VsphereSession.open({ host: HOST, user: 'u', password: 'p', dispatcher: fake.agent });

afterEach(() => FakeVcenter.closeAll());

describe('request specs', () => {
  it('builds the traversal from a container view in vim25 element order', () => {
    const spec = filterSpec([{ type: 'VirtualMachine', paths: ['name', 'runtime.powerState'] }], [containerViewObjectSpec(VIEW)]);
    expect(renderXml(spec)).toBe(
      '<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet></propSet>' +
        '<objectSet><obj type="ContainerView">session[s]view-1</obj><skip>true</skip>' +
        '<selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>',
    );
  });
});

describe('reading results', () => {
  it.each([
    ['vcsim', sample('page-first.xml')],
    ['xsi', withXsiPrefix(sample('page-first.xml'))],
  ])('reads objects, properties and the token of a recorded first page (%s)', (_label, xml) => {
    const result = readRetrieveResult(child(path(parseXml(xml), 'Body', 'RetrievePropertiesExResponse'), 'returnval'));
    expect(result.token).toBe('page-1');
    expect(result.objects.map((o) => o.obj.value)).toEqual(['vm-57', 'vm-60', 'vm-63']);
    expect(result.objects[0]?.props.get('name')?.text).toBe('DC0_H0_VM0');
    expect(result.objects[0]?.props.get('config.hardware.numCPU')?.text).toBe('1');
  });

  it('reads the last page without a token, and an empty answer as no objects', () => {
    const last = readRetrieveResult(child(path(parseXml(sample('page-last.xml')), 'Body', 'ContinueRetrievePropertiesExResponse'), 'returnval'));
    expect(last.token).toBeUndefined();
    expect(last.objects.map((o) => o.obj.value)).toEqual(['vm-66']);
    expect(readRetrieveResult(undefined)).toEqual({ objects: [] });
  });

  it('keeps missing properties with their fault', () => {
    const result = readRetrieveResult(child(path(parseXml(sample('missing-not-authenticated.xml')), 'Body', 'RetrievePropertiesExResponse'), 'returnval'));
    expect(result.objects[0]?.missing.map((m) => [m.path, m.fault.type])).toEqual([
      ['name', 'NotAuthenticated'],
      ['childEntity', 'NotAuthenticated'],
    ]);
  });
});

describe('paging', () => {
  it('follows tokens until the last page and asks for maxObjects', async () => {
    const fake = new FakeVcenter({
      RetrievePropertiesEx: () => xmlReply(page('RetrievePropertiesEx', [1, 2], 'tok-1')),
      ContinueRetrievePropertiesEx: (exchange) =>
        exchange.body.includes('<token>tok-1</token>') ? xmlReply(page('ContinueRetrievePropertiesEx', [3, 4], 'tok-2')) : xmlReply(page('ContinueRetrievePropertiesEx', [5])),
    });
    const session = await openSession(fake);
    const pages: string[][] = [];
    const count = await session.withRelogin((raw) =>
      retrievePages(raw, PC, filterSpec([{ type: 'VirtualMachine', paths: ['name'] }], [containerViewObjectSpec(VIEW)]), (objects) => void pages.push(objects.map((o) => o.obj.value)), { maxObjects: 2 }),
    );
    expect(count).toBe(5);
    expect(pages).toEqual([['vm-1', 'vm-2'], ['vm-3', 'vm-4'], ['vm-5']]);
    expect(fake.calls('RetrievePropertiesEx')[0]?.body).toContain('<options><maxObjects>2</maxObjects></options>');
    expect(fake.calls('ContinueRetrievePropertiesEx').map((c) => /<token>(.*)<\/token>/.exec(c.body)?.[1])).toEqual(['tok-1', 'tok-2']);
  });

  it('stops a server that sends the same token twice', async () => {
    const fake = new FakeVcenter({
      RetrievePropertiesEx: () => xmlReply(page('RetrievePropertiesEx', [1], 'same')),
      ContinueRetrievePropertiesEx: () => xmlReply(page('ContinueRetrievePropertiesEx', [2], 'same')),
    });
    const session = await openSession(fake);
    const error = await failureOf(session.withRelogin((raw) => retrieveAll(raw, PC, filterSpec([], []))));
    expect(error.code).toBe('VSPHERE_BAD_RESPONSE');
    expect(fake.count('ContinueRetrievePropertiesEx')).toBe(1);
  });

  it('cancels the remaining pages on the server when aborted between pages', async () => {
    const controller = new AbortController();
    const fake = new FakeVcenter({
      RetrievePropertiesEx: () => xmlReply(page('RetrievePropertiesEx', [1], 'tok-1')),
      CancelRetrievePropertiesEx: () => xmlReply(response('CancelRetrievePropertiesEx')),
    });
    const session = await openSession(fake);
    const error = await failureOf(session.withRelogin((raw) => retrievePages(raw, PC, filterSpec([], []), () => controller.abort(), { signal: controller.signal })));
    expect(error.code).toBe('CANCELLED');
    expect(fake.count('ContinueRetrievePropertiesEx')).toBe(0);
    expect(fake.calls('CancelRetrievePropertiesEx')[0]?.body).toContain('<token>tok-1</token>');
  });

  it('starts the whole listing over (new view, first page) when the session dies between pages', async () => {
    let views = 0;
    const fake = new FakeVcenter({
      CreateContainerView: () => xmlReply(response('CreateContainerView', `<returnval type="ContainerView">view-${++views}</returnval>`)),
      RetrievePropertiesEx: () => xmlReply(page('RetrievePropertiesEx', [1], 'tok')),
      ContinueRetrievePropertiesEx: (_e, n) => (n === 1 ? xmlReply(sample('fault-not-authenticated.xml'), 500) : xmlReply(page('ContinueRetrievePropertiesEx', [2]))),
    });
    const session = await openSession(fake);
    const ids = await session.withRelogin((raw) =>
      withContainerView(raw, { type: 'ViewManager', value: 'ViewManager' }, { type: 'Folder', value: 'group-d1' }, ['VirtualMachine'], async (view) =>
        (await retrieveAll(raw, PC, filterSpec([{ type: 'VirtualMachine', paths: ['name'] }], [containerViewObjectSpec(view)]))).map((o) => o.obj.value),
      ),
    );
    expect(ids).toEqual(['vm-1', 'vm-2']);
    expect(fake.logins).toBe(2);
    expect(fake.count('CreateContainerView')).toBe(2);
    expect(fake.calls('RetrievePropertiesEx')[1]?.body).toContain('view-2');
  });

  it('destroys the container view even when the work inside fails', async () => {
    const fake = new FakeVcenter({
      CreateContainerView: () => xmlReply(response('CreateContainerView', '<returnval type="ContainerView">view-9</returnval>')),
      RetrievePropertiesEx: () => xmlReply(sample('fault-invalid-token.xml'), 500),
    });
    const session = await openSession(fake);
    const error = await failureOf(
      session.withRelogin((raw) => withContainerView(raw, { type: 'ViewManager', value: 'ViewManager' }, { type: 'Folder', value: 'group-d1' }, ['VirtualMachine'], (view) => retrieveAll(raw, PC, filterSpec([], [containerViewObjectSpec(view)])))),
    );
    expect(error.code).toBe('VSPHERE_FAULT');
    expect(fake.calls('DestroyView')[0]?.body).toContain('<_this type="ContainerView">view-9</_this>');
  });
});
