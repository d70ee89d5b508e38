import { setTimeout as sleep } from 'node:timers/promises';
import { cancelledError, EngineFailure, fail } from '../core/errors';
import './error-codes';
import { filterSpec, objectSpec, retrieveAll } from './property-collector';
import type { RawCall, VsphereSession } from './session';
import { faultToError, readLocalizedFault } from './soap-response';
import { child, moRefOf, numberOf } from './xml';
import type { MoRef, XmlNode } from './xml';

/**
 * Waiting for vCenter tasks (PowerOffVM_Task, CreateSnapshot_Task...): poll info.state,
 * info.progress and info.error through the PropertyCollector until the task ends. Polling
 * starts fast (most tasks finish in well under a second) and slows down for long ones.
 */

export type TaskState = 'queued' | 'running' | 'success' | 'error';

export interface TaskSnapshot {
  state: TaskState;
  /** 0..100 while running, when the server reports it. */
  progress?: number;
  /** info.result (e.g. the new snapshot's reference). */
  result?: XmlNode;
  /** info.error as the error value a user sees. */
  error?: ReturnType<typeof faultToError>;
}

const TASK_PATHS = ['info.state', 'info.progress', 'info.error', 'info.result'] as const;

export function readTaskSnapshot(props: ReadonlyMap<string, XmlNode>, context: { method: string; server: string; task: string }): TaskSnapshot {
  const raw = props.get('info.state')?.text.trim();
  const state: TaskState = raw === 'success' || raw === 'error' || raw === 'running' || raw === 'queued' ? raw : 'queued';
  const progress = numberOf(props.get('info.progress'));
  const result = props.get('info.result');
  const errorNode = props.get('info.error');
  const error = state === 'error' && errorNode ? faultToError(readLocalizedFault(errorNode), context) : undefined;
  return { state, ...(progress !== undefined ? { progress } : {}), ...(result ? { result } : {}), ...(error ? { error } : {}) };
}

export interface WaitOptions {
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** First delay between polls; doubles up to maxPollMs. */
  pollMs?: number;
  maxPollMs?: number;
}

export async function waitForTask(raw: RawCall, propertyCollector: MoRef, task: MoRef, context: { method: string; server: string }, options: WaitOptions = {}): Promise<XmlNode | undefined> {
  let delay = options.pollMs ?? 100;
  const maxDelay = options.maxPollMs ?? 2_000;
  let lastProgress = -1;
  for (;;) {
    const [content] = await retrieveAll(raw, propertyCollector, filterSpec([{ type: 'Task', paths: TASK_PATHS }], [objectSpec(task)]), { signal: options.signal });
    if (!content) return fail('VSPHERE_NOT_FOUND', `The task ${task.value} (${context.method}) disappeared before it finished.`, 'Look for it in the vSphere Client under Recent Tasks.', { details: { task: task.value } });
    const snapshot = readTaskSnapshot(content.props, { ...context, task: task.value });
    if (snapshot.progress !== undefined && snapshot.progress !== lastProgress) {
      lastProgress = snapshot.progress;
      options.onProgress?.(snapshot.progress);
    }
    if (snapshot.state === 'success') return snapshot.result;
    if (snapshot.state === 'error') throw new EngineFailure(snapshot.error ?? faultToError({ type: 'UnknownFault', message: '' }, { ...context, task: task.value }));
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      // Stop waiting; the task itself keeps running on the server (vCenter tasks are not ours to cancel here).
      throw new EngineFailure(cancelledError());
    }
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** Starts a *_Task method and waits for it; the whole is repeated once if the session was lost before the task started. */
export async function runTask(session: VsphereSession, method: string, self: MoRef, args: Parameters<RawCall>[2], options: WaitOptions = {}): Promise<XmlNode | undefined> {
  const task = moRefOf(child(await session.call(method, self, args, options.signal), 'returnval'));
  if (!task) return fail('VSPHERE_BAD_RESPONSE', `${method} returned no task.`, 'This does not look like vCenter or ESXi.');
  return session.withRelogin((raw) => waitForTask(raw, session.serviceContent.propertyCollector, task, { method, server: session.server }, options), options.signal);
}
