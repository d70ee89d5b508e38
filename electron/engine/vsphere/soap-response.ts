import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import './error-codes';
import { NS, child, children, moRefOf, textOf } from './xml';
import type { XmlNode } from './xml';

/**
 * What a SOAP answer means: the method's response element, or a fault turned into an error
 * value. Pure: the transport hands in the parsed document and the HTTP status.
 */

export interface SoapFault {
  /** The vim25 fault type: InvalidLogin, NotAuthenticated, NoPermission, InvalidArgument... */
  type: string;
  /** faultstring, or the localizedMessage of a task's fault. */
  message: string;
  /** The fault's own element (privilegeId, object...). */
  detail?: XmlNode;
}

export type SoapOutcome = { kind: 'response'; response: XmlNode } | { kind: 'fault'; fault: SoapFault } | { kind: 'not-soap'; reason: string };

export function readSoapEnvelope(doc: XmlNode): SoapOutcome {
  if (doc.ns !== NS.soapenv || doc.name !== 'Envelope') return { kind: 'not-soap', reason: `root element <${doc.name}> is not a SOAP envelope` };
  const body = doc.children.find((c) => c.ns === NS.soapenv && c.name === 'Body');
  if (!body) return { kind: 'not-soap', reason: 'the SOAP envelope has no Body' };
  const first = body.children[0];
  if (!first) return { kind: 'not-soap', reason: 'the SOAP body is empty' };
  if (first.ns === NS.soapenv && first.name === 'Fault') return { kind: 'fault', fault: readFault(first) };
  return { kind: 'response', response: first };
}

function readFault(fault: XmlNode): SoapFault {
  const message = (textOf(fault, 'faultstring') ?? '').trim();
  const detail = child(fault, 'detail')?.children[0];
  if (!detail) return { type: (textOf(fault, 'faultcode') ?? 'UnknownFault').replace(/^.*:/, ''), message };
  return { type: faultTypeOf(detail), message, detail };
}

/** `<NoPermissionFault xsi:type="NoPermission">` → NoPermission; the element name is the fallback. */
export function faultTypeOf(detail: XmlNode): string {
  return detail.xsiType ?? detail.name.replace(/Fault$/, '');
}

/** A LocalizedMethodFault (task info.error, missingSet fault): `<fault xsi:type=…/><localizedMessage/>`. */
export function readLocalizedFault(node: XmlNode): SoapFault {
  const inner = child(node, 'fault');
  const message = (textOf(node, 'localizedMessage') ?? '').trim();
  if (!inner) return { type: node.xsiType ?? 'UnknownFault', message };
  return { type: faultTypeOf(inner), message, detail: inner };
}

/** Faults that mean "this session is not logged in" (expired, terminated, never was). */
export function isSessionFault(fault: SoapFault): boolean {
  return fault.type === 'NotAuthenticated';
}

export interface FaultContext {
  /** The vim25 method that failed, e.g. "PowerOffVM_Task". */
  method: string;
  /** host:port, for the message. */
  server: string;
  /** Set when the fault is a task's info.error. */
  task?: string;
}

/**
 * Turns a fault into the error a user sees. Never includes request arguments: a Login fault
 * must not carry the password (nor the user name) anywhere.
 */
export function faultToError(fault: SoapFault, context: FaultContext): EngineError {
  const base = { method: context.method, server: context.server, faultType: fault.type, ...(context.task ? { task: context.task } : {}) };
  switch (fault.type) {
    case 'InvalidLogin':
      return engineError('VSPHERE_LOGIN_FAILED', `${context.server} rejected the user name or password.`, 'Check the user name (for vCenter usually with its domain, e.g. administrator@vsphere.local) and the password.', {
        details: { server: context.server, faultType: fault.type },
      });
    case 'NotAuthenticated':
      return engineError('VSPHERE_SESSION_EXPIRED', `The session with ${context.server} has ended and logging in again did not help.`, 'Connect again; if this keeps happening, ask the vCenter administrator whether sessions are being terminated.', {
        details: base,
      });
    case 'NoPermission': {
      const privilege = textOf(fault.detail, 'privilegeId')?.trim() || undefined;
      const missing = children(fault.detail, 'missingPrivileges').flatMap((m) => children(m, 'privileges').map((p) => p.text.trim()));
      const object = moRefOf(child(fault.detail, 'object'));
      const named = privilege ?? missing[0];
      const what = named ? `the privilege ${named}` : 'a privilege';
      const on = object ? ` on ${object.type} ${object.value}` : '';
      return engineError('VSPHERE_NO_PERMISSION', `The vCenter account lacks ${what}${on} (needed for ${context.method}).`, `Ask the vCenter administrator to grant ${named ?? 'the missing privilege'} to this account, or connect with an account that has it.`, {
        details: { ...base, ...(named ? { privilege: named } : {}), ...(missing.length > 0 ? { missingPrivileges: missing } : {}), ...(object ? { object: `${object.type}:${object.value}` } : {}), faultMessage: fault.message },
      });
    }
    case 'ManagedObjectNotFound': {
      const object = moRefOf(child(fault.detail, 'obj'));
      const what = object ? `${object.type} ${object.value}` : 'The object';
      return engineError('VSPHERE_NOT_FOUND', `${what} does not exist on ${context.server} (any more).`, 'Refresh the inventory: it may have been removed or re-registered under a new id.', {
        details: { ...base, ...(object ? { object: `${object.type}:${object.value}` } : {}), faultMessage: fault.message },
      });
    }
    default: {
      const said = fault.message || fault.type;
      if (context.task) {
        return engineError('VSPHERE_TASK_FAILED', `The vCenter task ${context.method} failed: ${said}`, 'See the fault type and message below; the task is also listed in the vSphere Client under Recent Tasks.', {
          details: { ...base, faultMessage: fault.message },
        });
      }
      return engineError('VSPHERE_FAULT', `${context.server} refused ${context.method}: ${said}`, 'See the fault type and message below.', { details: { ...base, faultMessage: fault.message } });
    }
  }
}
