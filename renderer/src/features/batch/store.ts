import { create } from 'zustand';
import type { PlanValidation } from '../../../../shared/contract/api/batch';
import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent } from '../../../../shared/contract/events';
import type { BatchStatus, PlanProblem } from '../../../../shared/contract/models/batch';
import { engine, onceConnected } from '../../app/app-store';
import { toErrorValue } from '../../app/errors';
import { EMPTY_ROWS, mergeStatus } from './batch-model';
import type { RowSet, StateFilter } from './batch-model';

/** How often the page asks the engine how the batch is doing. */
export const POLL_MS = 1000;
/** Quiet time after a keystroke before the plan is checked again. */
const VALIDATE_DELAY_MS = 400;

export interface JobRecordView {
  vm: string;
  jobId: string;
  record: unknown;
  events: JobEvent[];
}

export interface BatchState {
  path: string;
  text: string;
  /** The text as last loaded or saved: a run reads the file, so edits are saved first. */
  savedText: string | null;
  validation: PlanValidation | null;
  /** Problems shown in the editor: the last check's, or those a start was refused for. */
  problems: readonly PlanProblem[];
  checking: boolean;
  planError: EngineError | null;
  batchId: string | null;
  status: Omit<BatchStatus, 'vms'> | null;
  rows: RowSet;
  busy: boolean;
  actionError: EngineError | null;
  filter: StateFilter;
  query: string;
  record: JobRecordView | { vm: string; loading: true } | { vm: string; error: EngineError } | null;
}

export const useBatchStore = create<BatchState>()(() => ({
  path: '',
  text: '',
  savedText: null,
  validation: null,
  problems: [],
  checking: false,
  planError: null,
  batchId: null,
  status: null,
  rows: EMPTY_ROWS,
  busy: false,
  actionError: null,
  filter: 'all',
  query: '',
  record: null,
}));

const set = useBatchStore.setState;
const get = useBatchStore.getState;

let validateTimer: ReturnType<typeof setTimeout> | null = null;
let validateSerial = 0;
let pollTimer: ReturnType<typeof setInterval> | null = null;
let polling = false;

async function validate(checks: 'static' | 'full', text?: string): Promise<PlanValidation | null> {
  const { path } = get();
  if (!path.trim()) return null;
  const serial = ++validateSerial;
  set({ checking: true });
  try {
    const validation = await engine().call('batch.validate', { path: path.trim(), checks, ...(text !== undefined ? { text } : {}) });
    if (serial !== validateSerial) return null; // a newer check is under way
    set({ validation, problems: validation.problems, planError: null, checking: false, ...(text === undefined ? { text: validation.text, savedText: validation.text } : {}) });
    return validation;
  } catch (error) {
    if (serial === validateSerial) set({ planError: toErrorValue(error), checking: false });
    return null;
  }
}

export function setPath(path: string): void {
  set({ path });
}

/** Reads the plan file and checks everything it names. */
export async function loadPlan(path = get().path): Promise<void> {
  set({ path, validation: null, problems: [], planError: null });
  await validate('full');
}

/** The editor changed: the text alone is checked again once typing pauses. */
export function editText(text: string): void {
  set({ text });
  if (validateTimer) clearTimeout(validateTimer);
  validateTimer = setTimeout(() => void validate('static', text), VALIDATE_DELAY_MS);
}

export async function checkPlan(): Promise<void> {
  await validate('full', get().text);
}

export async function savePlan(): Promise<boolean> {
  const { path, text } = get();
  set({ busy: true, actionError: null });
  try {
    await engine().call('batch.save', { path: path.trim(), text });
    set({ savedText: text, busy: false });
    return true;
  } catch (error) {
    set({ busy: false, actionError: toErrorValue(error) });
    return false;
  }
}

/** Saves the edits if there are any, then runs the plan (or resumes it from its journal). */
export async function startBatch(mode: 'run' | 'resume', retryFailed = false): Promise<void> {
  const { text, savedText, path } = get();
  if (text !== savedText && !(await savePlan())) return;
  set({ busy: true, actionError: null });
  try {
    const started = await engine().call('batch.start', { path: path.trim(), mode, retryFailed });
    attach(started.batchId);
    set({ busy: false });
  } catch (error) {
    const value = toErrorValue(error);
    // A plan refused for its problems shows them in place, in the editor.
    const problems = value.code === 'BATCH_PLAN_INVALID' ? ((value.evidence?.details?.problems ?? []) as PlanProblem[]) : get().problems;
    set({ busy: false, actionError: value, problems });
  }
}

/** Shows a batch the engine runs (or ran): its status, then every second what changed. */
export function attach(batchId: string): void {
  set({ batchId, rows: EMPTY_ROWS, status: null, record: null });
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = setInterval(() => void poll(), POLL_MS);
  void poll();
}

export async function poll(): Promise<void> {
  const { batchId, rows } = get();
  if (!batchId || polling) return;
  polling = true;
  try {
    const status = await engine().call('batch.status', { batchId, ...(rows.rev > 0 ? { since: rows.rev } : {}) });
    if (get().batchId !== batchId) return;
    const { vms, ...rest } = status;
    set({ status: rest, rows: mergeStatus(get().rows, { vms, partial: status.partial, rev: status.rev }) });
    // An ended run changes no more; the last answer is kept on screen.
    if (status.state === 'ended' && pollTimer) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  } catch (error) {
    set({ actionError: toErrorValue(error) });
  } finally {
    polling = false;
  }
}

async function control(action: () => Promise<unknown>): Promise<void> {
  set({ busy: true, actionError: null });
  try {
    await action();
  } catch (error) {
    set({ actionError: toErrorValue(error) });
  } finally {
    set({ busy: false });
    await poll();
  }
}

const id = (): string => {
  const batchId = get().batchId;
  if (!batchId) throw new Error('No batch is shown.');
  return batchId;
};

export const pauseBatch = (): Promise<void> => control(() => engine().call('batch.pause', { batchId: id() }));
export const resumeBatch = (): Promise<void> => control(() => engine().call('batch.resume', { batchId: id() }));
export const stopBatch = (cancelRunning: boolean): Promise<void> => control(() => engine().call('batch.stop', { batchId: id(), cancelRunning }));
export const cancelVm = (vm: string): Promise<void> => control(() => engine().call('batch.cancelVm', { batchId: id(), vm }));

export async function retryVms(vms?: string[]): Promise<void> {
  await control(async () => {
    await engine().call('batch.retry', { batchId: id(), ...(vms ? { vms } : {}) });
    // A run that had ended goes on as a new run of the same journal: follow it.
    if (!pollTimer) attach(id());
  });
}

export async function openRecord(vm: string): Promise<void> {
  set({ record: { vm, loading: true } });
  try {
    const { jobId, record, events } = await engine().call('batch.jobRecord', { batchId: id(), vm });
    set({ record: { vm, jobId, record, events } });
  } catch (error) {
    set({ record: { vm, error: toErrorValue(error) } });
  }
}

export function closeRecord(): void {
  set({ record: null });
}

export function setFilter(filter: StateFilter): void {
  set({ filter });
}

export function setQuery(query: string): void {
  set({ query });
}

/** A reloaded page (or a reopened app) shows the batch the engine is running, if any. */
export function connectBatchFeature(): void {
  onceConnected(() => {
    void (async () => {
      try {
        const batches = await engine().call('batch.list', {});
        const current = batches.find((b) => b.state !== 'ended') ?? batches[0];
        if (current && !get().batchId) {
          set({ path: get().path || current.plan });
          attach(current.batchId);
          if (!get().validation) await loadPlan(current.plan);
        }
      } catch {
        // Nothing to show yet: the page starts empty.
      }
    })();
  });
}
