import { describe, expect, it } from 'vitest';
import { faultToError, isSessionFault, readLocalizedFault, readSoapEnvelope } from '../../../electron/engine/vsphere/soap-response';
import type { SoapFault } from '../../../electron/engine/vsphere/soap-response';
import { child, parseXml, path } from '../../../electron/engine/vsphere/xml';
import { faultEnvelope, sample, withXsiPrefix } from './fake-vcenter';

const context = { method: 'PowerOffVM_Task', server: 'vc.example.test:443' };

function faultOf(xml: string): SoapFault {
  const outcome = readSoapEnvelope(parseXml(xml));
  if (outcome.kind !== 'fault') throw new Error(`expected a fault, got ${outcome.kind}`);
  return outcome.fault;
}

/** NoPermission as vCenter 7 sends it; vcsim never refuses a privilege. */
const noPermission = faultEnvelope(
  'Permission to perform this operation was denied.',
  '<NoPermissionFault xmlns="urn:vim25" xsi:type="NoPermission"><object type="VirtualMachine">vm-42</object><privilegeId>VirtualMachine.Interact.PowerOff</privilegeId><missingPrivileges><entity type="VirtualMachine">vm-42</entity><privileges>VirtualMachine.Interact.PowerOff</privileges></missingPrivileges></NoPermissionFault>',
);

describe('SOAP envelopes', () => {
  it.each([
    ['service-content.xml', 'RetrieveServiceContentResponse'],
    ['login.xml', 'LoginResponse'],
    ['page-first.xml', 'RetrievePropertiesExResponse'],
    ['page-last.xml', 'ContinueRetrievePropertiesExResponse'],
    ['session-is-active.xml', 'SessionIsActiveResponse'],
  ])('%s is a %s', (name, element) => {
    for (const text of [sample(name), withXsiPrefix(sample(name))]) {
      const outcome = readSoapEnvelope(parseXml(text));
      expect(outcome.kind).toBe('response');
      if (outcome.kind === 'response') expect(outcome.response.name).toBe(element);
    }
  });

  it.each([
    ['fault-invalid-login.xml', 'InvalidLogin', 'Login failure'],
    ['fault-not-authenticated.xml', 'NotAuthenticated', ''],
    ['fault-invalid-token.xml', 'InvalidArgument', 'unknown or already used token'],
  ])('%s is the fault %s', (name, type, message) => {
    for (const text of [sample(name), withXsiPrefix(sample(name))]) {
      const fault = faultOf(text);
      expect(fault.type).toBe(type);
      expect(fault.message).toBe(message);
    }
  });

  it('falls back to the element name when a fault has no xsi:type', () => {
    expect(faultOf(faultEnvelope('x', '<InvalidLoginFault xmlns="urn:vim25"/>')).type).toBe('InvalidLogin');
    expect(faultOf(faultEnvelope('x', '')).type).toBe('ServerFaultCode');
  });

  it.each([
    ['an HTML page', '<html><body>Login</body></html>'],
    ['an empty body', '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>'],
    ['an envelope of another namespace', '<Envelope><Body><x/></Body></Envelope>'],
  ])('says when an answer is not SOAP: %s', (_label, text) => {
    expect(readSoapEnvelope(parseXml(text)).kind).toBe('not-soap');
  });

  it('reads a task error and a per-property fault (LocalizedMethodFault)', () => {
    const task = parseXml(sample('task-error.xml'));
    const errorVal = path(task, 'Body', 'RetrievePropertiesExResponse', 'returnval', 'objects')?.children.find((p) => child(p, 'name')?.text === 'info.error');
    const fault = readLocalizedFault(child(errorVal, 'val')!);
    expect(fault.type).toBe('InvalidPowerState');
    expect(fault.message).toBe('*types.InvalidPowerState');
    const missing = parseXml(sample('missing-not-authenticated.xml'));
    const missingFault = path(missing, 'Body', 'RetrievePropertiesExResponse', 'returnval', 'objects', 'missingSet', 'fault');
    expect(isSessionFault(readLocalizedFault(missingFault!))).toBe(true);
  });
});

describe('faults as errors', () => {
  it.each([
    ['InvalidLogin', sample('fault-invalid-login.xml'), 'VSPHERE_LOGIN_FAILED', 'bad-input'],
    ['NotAuthenticated', sample('fault-not-authenticated.xml'), 'VSPHERE_SESSION_EXPIRED', 'failure'],
    ['NoPermission', noPermission, 'VSPHERE_NO_PERMISSION', 'bad-input'],
    ['InvalidArgument', sample('fault-invalid-token.xml'), 'VSPHERE_FAULT', 'failure'],
    ['MethodNotFound', faultEnvelope('ExportVm not implemented', '<MethodNotFoundFault xmlns="urn:vim25" xsi:type="MethodNotFound"/>'), 'VSPHERE_FAULT', 'failure'],
  ])('%s → %s', (_type, xml, code, kind) => {
    const error = faultToError(faultOf(xml), context);
    expect(error.code).toBe(code);
    expect(error.kind).toBe(kind);
    expect(error.hint.length).toBeGreaterThan(10);
  });

  it('names the missing privilege and the object', () => {
    const error = faultToError(faultOf(noPermission), context);
    expect(error.message).toBe('The vCenter account lacks the privilege VirtualMachine.Interact.PowerOff on VirtualMachine vm-42 (needed for PowerOffVM_Task).');
    expect(error.evidence?.details).toMatchObject({ privilege: 'VirtualMachine.Interact.PowerOff', missingPrivileges: ['VirtualMachine.Interact.PowerOff'], object: 'VirtualMachine:vm-42', faultType: 'NoPermission' });
  });

  it('carries the fault type and the server message for other faults', () => {
    const error = faultToError(faultOf(sample('fault-invalid-token.xml')), { ...context, method: 'ContinueRetrievePropertiesEx' });
    expect(error.message).toBe('vc.example.test:443 refused ContinueRetrievePropertiesEx: unknown or already used token');
    expect(error.evidence?.details).toMatchObject({ faultType: 'InvalidArgument', faultMessage: 'unknown or already used token', method: 'ContinueRetrievePropertiesEx' });
  });

  it('reports a task that ended in error as VSPHERE_TASK_FAILED', () => {
    const error = faultToError({ type: 'InvalidPowerState', message: 'The attempted operation cannot be performed in the current state (Powered off).' }, { ...context, task: 'task-68' });
    expect(error.code).toBe('VSPHERE_TASK_FAILED');
    expect(error.evidence?.details).toMatchObject({ task: 'task-68', faultType: 'InvalidPowerState' });
  });

  it('puts no credentials into a login error, whatever the fault says', () => {
    const error = faultToError({ type: 'InvalidLogin', message: 'Cannot complete login due to an incorrect user name or password.' }, { method: 'Login', server: 'vc:443' });
    expect(Object.keys(error.evidence?.details ?? {}).sort()).toEqual(['faultType', 'server']);
  });
});
