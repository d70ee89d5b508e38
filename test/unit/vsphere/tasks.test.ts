import { afterEach, describe, expect, it } from 'vitest';
import { readRetrieveResult } from '../../../electron/engine/vsphere/property-collector';
import { VsphereSession } from '../../../electron/engine/vsphere/session';
import { readTaskSnapshot, runTask } from '../../../electron/engine/vsphere/tasks';
import { createSnapshot } from '../../../electron/engine/vsphere/vm-operations';
import { child, moRefOf, parseXml, path } from '../../../electron/engine/vsphere/xml';
import type { XmlNode } from '../../../electron/engine/vsphere/xml';
import { FakeVcenter, HOST, response, sample, withXsiPrefix, xmlReply } from './fake-vcenter';
import { failureOf } from '../../support/failures';

const context = { method: 'CreateSnapshot_Task', server: 'vc:443', task: 'task-70' };

function propsOf(xml: string): ReadonlyMap<string, XmlNode> {
  const result = readRetrieveResult(child(path(parseXml(xml), 'Body', 'RetrievePropertiesExResponse'), 'returnval'));
  return result.objects[0]!.props;
}

function taskInfo(state: string, progress?: number): string {
  const props = [`<propSet><name>info.state</name><val xsi:type="TaskInfoState">${state}</val></propSet>`];
  if (progress !== undefined) props.push(`<propSet><name>info.progress</name><val xsi:type="xsd:int">${progress}</val></propSet>`);
  if (state === 'success') props.push('<propSet><name>info.result</name><val xsi:type="ManagedObjectReference" type="VirtualMachineSnapshot">snapshot-9</val></propSet>');
  return response('RetrievePropertiesEx', `<returnval><objects><obj type="Task">task-1</obj>${props.join('')}</objects></returnval>`);
}

afterEach(() => FakeVcenter.closeAll());

describe('task info', () => {
  it.each([['vcsim'], ['xsi']])('reads a finished CreateSnapshot_Task with its result (%s)', (variant) => {
    const xml = variant === 'xsi' ? withXsiPrefix(sample('task-success.xml')) : sample('task-success.xml');
    const snapshot = readTaskSnapshot(propsOf(xml), context);
    expect(snapshot.state).toBe('success');
    expect(snapshot.progress).toBe(0);
    expect(moRefOf(snapshot.result)).toEqual({ type: 'VirtualMachineSnapshot', value: 'snapshot-71' });
    expect(snapshot.error).toBeUndefined();
  });

  it('reads a failed task as VSPHERE_TASK_FAILED with the fault type', () => {
    const snapshot = readTaskSnapshot(propsOf(sample('task-error.xml')), { ...context, method: 'PowerOffVM_Task' });
    expect(snapshot.state).toBe('error');
    expect(snapshot.error?.code).toBe('VSPHERE_TASK_FAILED');
    expect(snapshot.error?.evidence?.details).toMatchObject({ faultType: 'InvalidPowerState', task: 'task-70', method: 'PowerOffVM_Task' });
  });
});

describe('waiting for tasks', () => {
  it('polls until success, reports progress, and returns the result', async () => {
    const states = [taskInfo('queued'), taskInfo('running', 10), taskInfo('running', 60), taskInfo('success', 100)];
    const fake = new FakeVcenter({
      CreateSnapshot_Task: () => xmlReply(response('CreateSnapshot_Task', '<returnval type="Task">task-1</returnval>')),
      RetrievePropertiesEx: (_e, n) => xmlReply(states[Math.min(n, states.length) - 1]!),
    });
    const session = await VsphereSession.open({ host: HOST, user: 'u', password: 'p', dispatcher: fake.agent });
    const progress: number[] = [];
    const snapshot = await createSnapshot(session, { type: 'VirtualMachine', value: 'vm-1' }, { name: 'copy <1>', pollMs: 1, onProgress: (p) => progress.push(p) });
    expect(snapshot).toEqual({ type: 'VirtualMachineSnapshot', value: 'snapshot-9' });
    expect(progress).toEqual([10, 60, 100]);
    expect(fake.count('RetrievePropertiesEx')).toBe(4);
    expect(fake.calls('CreateSnapshot_Task')[0]?.body).toContain('<name>copy &lt;1&gt;</name><description/><memory>false</memory><quiesce>false</quiesce>');
  });

  it('stops waiting (the task keeps running on the server) when aborted', async () => {
    const controller = new AbortController();
    const fake = new FakeVcenter({
      PowerOffVM_Task: () => xmlReply(response('PowerOffVM_Task', '<returnval type="Task">task-1</returnval>')),
      RetrievePropertiesEx: () => {
        controller.abort();
        return xmlReply(taskInfo('running', 5));
      },
    });
    const session = await VsphereSession.open({ host: HOST, user: 'u', password: 'p', dispatcher: fake.agent });
    const error = await failureOf(runTask(session, 'PowerOffVM_Task', { type: 'VirtualMachine', value: 'vm-1' }, [], { signal: controller.signal, pollMs: 5_000 }));
    expect(error.code).toBe('CANCELLED');
  });
});
