import { create } from 'zustand';
import type { EngineError } from '../../../../shared/contract/errors';
import type { ProgressSnapshot } from '../../../../shared/contract/events';
import type { ConvertOptions } from '../../../../shared/contract/models/convert';
import type { SourcePlan } from '../../../../shared/contract/models/source';
import { appEnvironment, engine, onceConnected, useAppStore } from '../../app/app-store';
import { toErrorValue, uiError } from '../../app/errors';
import { wizardJobFollower } from '../../app/job-follower';
import { showRepairWhenAsked } from '../repair';
import { uploadBatch, UploadError } from '../../app/uploads';
import type { DropInput } from '../../components/drop-reader';
import { initialDraft, toConvertOptions } from './options';
import type { OptionsDraft, PreviewState, UploadOrigin } from './options';
import { conversionRun } from './run-state';
import type { RunView } from './run-state';
import { newBatchId, selectUploads, sourceAfterUpload, sourceFromPaths } from './source-choice';
import { reachableSteps } from './steps';
import type { StepId, WizardFacts } from './steps';

export type SourceState =
  | { status: 'empty' }
  | { status: 'reading' }
  | { status: 'uploading'; files: number; progress: ProgressSnapshot }
  | { status: 'planning'; path: string }
  | { status: 'ready'; path: string; plan: SourcePlan; upload: UploadOrigin | null }
  | { status: 'error'; path: string | null; error: EngineError };

export interface ConvertState {
  step: StepId;
  source: SourceState;
  /** Dropped files that were not uploaded, and why. */
  skipped: Array<{ name: string; reason: string }>;
  draft: OptionsDraft | null;
  preview: PreviewState;
  /** The options the current preview was computed for. */
  previewedFor: ConvertOptions | null;
  starting: boolean;
  startError: EngineError | null;
  run: RunView | null;
  cancelling: boolean;
  cancelError: EngineError | null;
  /** Fetching a running job's events again (after a reconnection or a reload) failed. */
  syncError: EngineError | null;
}

const initialState: ConvertState = {
  step: 'source',
  source: { status: 'empty' },
  skipped: [],
  draft: null,
  preview: { status: 'idle' },
  previewedFor: null,
  starting: false,
  startError: null,
  run: null,
  cancelling: false,
  cancelError: null,
  syncError: null,
};

export const useConvertStore = create<ConvertState>()(() => ({ ...initialState }));

const get = useConvertStore.getState;
const set = useConvertStore.setState;

let uploadAbort: AbortController | null = null;
let previewTimer: ReturnType<typeof setTimeout> | null = null;
let previewRequest = 0;
/** The destination survives "Convert another": people convert several VMs to one place. */
let rememberedOutDir = '';

export function wizardFacts(state: ConvertState): WizardFacts {
  return {
    hasPlan: state.source.status === 'ready',
    running: state.starting || (state.run !== null && state.run.outcome === null),
    hasJob: state.run !== null,
    succeeded: state.run?.outcome?.type === 'done',
    hasRepairPlan: state.run?.repairPlan != null,
  };
}

export function goTo(step: StepId): void {
  if (!reachableSteps(wizardFacts(get())).has(step)) return;
  set({ step });
  if (step === 'options') schedulePreview(0);
}

// ---- Source -------------------------------------------------------------------------------

export async function planPath(path: string, upload: UploadOrigin | null = null): Promise<void> {
  set({ source: { status: 'planning', path } });
  try {
    const plan = await engine().call('source.plan', { path });
    if (get().source.status !== 'planning') return; // the user chose something else meanwhile
    const previous = get().draft;
    const defaultOutDir = useAppStore.getState().info?.defaultOutDir ?? '';
    const fresh = initialDraft(plan, defaultOutDir, upload);
    // A new source gets a new name and no overwrite; the destination and format stay as chosen.
    const draft = previous
      ? { ...fresh, outDir: previous.outDir || fresh.outDir, format: previous.format, compress: previous.compress, inspect: previous.inspect, repair: previous.repair, networkRepair: previous.networkRepair, serialConsole: previous.serialConsole }
      : { ...fresh, outDir: rememberedOutDir || fresh.outDir };
    set({ source: { status: 'ready', path, plan, upload }, draft, preview: { status: 'idle' }, previewedFor: null });
  } catch (error) {
    set({ source: { status: 'error', path, error: toErrorValue(error) } });
  }
}

export function handleDrop(input: Promise<DropInput>): void {
  if (wizardFacts(get()).running) return;
  uploadAbort?.abort();
  set({ source: { status: 'reading' }, skipped: [], step: 'source' });
  void input.then(
    (value) => acceptSourceInput(value),
    (error: unknown) => set({ source: { status: 'error', path: null, error: uiError('DROP_UNUSABLE', `The dropped items could not be read: ${toErrorValue(error).message}`, 'Drop the files again, or pick them with the buttons.') } }),
  );
}

export async function acceptSourceInput(input: DropInput): Promise<void> {
  if (input.kind === 'paths') {
    const choice = sourceFromPaths(input.paths);
    if ('problem' in choice) {
      set({ source: { status: 'error', path: null, error: uiError('DROP_UNUSABLE', choice.problem, 'Drop a single disk, the files of one VM, or its folder.') } });
      return;
    }
    return planPath(choice.source);
  }
  const env = appEnvironment();
  if (env.mode !== 'bridge') {
    set({ source: { status: 'error', path: null, error: uiError('DROP_UNUSABLE', 'This window cannot read dropped files.', 'Use the file browser to choose the source instead.') } });
    return;
  }
  const selection = selectUploads(input.items);
  const skipped = selection.skipped.map((s) => ({ name: s.file.relativePath, reason: s.reason }));
  if (selection.problem) {
    set({ skipped, source: { status: 'error', path: null, error: uiError('DROP_UNUSABLE', selection.problem, 'Drop a disk (.vmdk), a VM (.vmx, .ovf, .ova) or the folder that holds one.') } });
    return;
  }
  const files = selection.upload.map((i) => i.file);
  const abort = new AbortController();
  uploadAbort = abort;
  const total = files.reduce((sum, f) => sum + f.size, 0);
  set({ skipped, source: { status: 'uploading', files: files.length, progress: { fraction: 0, bytesDone: 0, bytesTotal: total, bytesPerSecond: null, etaSeconds: null } } });
  try {
    const batch = newBatchId((n) => crypto.getRandomValues(new Uint8Array(n)));
    const uploaded = await uploadBatch(files, batch, env.token, abort.signal, (progress) => {
      if (uploadAbort === abort) set({ source: { status: 'uploading', files: files.length, progress } });
    });
    if (uploadAbort !== abort) return;
    uploadAbort = null;
    const source = sourceAfterUpload(uploaded);
    const first = selection.upload[0]!;
    const droppedFolder = first.relativePath.includes('/') ? first.relativePath.split('/')[0]! : null;
    if (source) await planPath(source, { batchFolder: uploaded[0]!.folder, droppedFolder });
  } catch (error) {
    if (uploadAbort !== abort) return;
    uploadAbort = null;
    const value = error instanceof UploadError ? error.value : toErrorValue(error);
    set({ source: value.code === 'CANCELLED' ? { status: 'empty' } : { status: 'error', path: null, error: value } });
  }
}

export function cancelUpload(): void {
  uploadAbort?.abort();
}

export function clearSource(): void {
  uploadAbort?.abort();
  uploadAbort = null;
  set({ source: { status: 'empty' }, skipped: [] });
}

// ---- Options and preview --------------------------------------------------------------------

export function updateDraft(patch: Partial<OptionsDraft>): void {
  const draft = get().draft;
  if (!draft) return;
  set({ draft: { ...draft, ...patch } });
  schedulePreview();
}

/** Previews follow typing with a short delay; an answer to an older request is dropped. */
export function schedulePreview(delayMs = 300): void {
  if (previewTimer) clearTimeout(previewTimer);
  previewTimer = setTimeout(() => {
    previewTimer = null;
    void refreshPreview();
  }, delayMs);
}

export async function refreshPreview(): Promise<void> {
  const { source, draft } = get();
  if (source.status !== 'ready' || !draft) return;
  const options = toConvertOptions(draft);
  if (!options) {
    set({ preview: { status: 'idle' }, previewedFor: null });
    return;
  }
  const requestId = ++previewRequest;
  set({ preview: { status: 'loading', requestId } });
  try {
    const preview = await engine().call('convert.preview', { source: source.path, options });
    if (requestId !== previewRequest) return;
    set({ preview: { status: 'ready', requestId, preview }, previewedFor: options });
  } catch (error) {
    if (requestId !== previewRequest) return;
    set({ preview: { status: 'error', requestId, error: toErrorValue(error) }, previewedFor: options });
  }
}

// ---- Run ----------------------------------------------------------------------------------

const conversionJob = wizardJobFollower<RunView>({
  link: engine,
  store: useConvertStore,
  reducer: conversionRun,
  maxBuffered: 2000,
});

export async function startConversion(): Promise<void> {
  const { source, draft } = get();
  if (source.status !== 'ready' || !draft || get().starting) return;
  const options = toConvertOptions(draft);
  if (!options) return;
  set({ startError: null, cancelError: null, step: 'run' });
  try {
    await conversionJob.start(() => engine().call('convert.start', { source: source.path, options }));
  } catch (error) {
    set({ startError: toErrorValue(error), step: 'options' });
  }
}

export function cancelConversion(): Promise<void> {
  set({ cancelError: null });
  return conversionJob.cancel().catch((error: unknown) => set({ cancelError: toErrorValue(error) }));
}

/** "Convert another": back to an empty Source step; the destination choice is kept. */
export function resetWizard(): void {
  uploadAbort?.abort();
  uploadAbort = null;
  rememberedOutDir = get().draft?.outDir ?? rememberedOutDir;
  set({ ...initialState });
}

let connected = false;

/** Wires the feature to the engine once: its events, reconnections, a job already running. */
export function connectConvertFeature(): void {
  if (connected) return;
  connected = true;
  conversionJob.listen();
  showRepairWhenAsked(useConvertStore);
  engine().onReconnect(() => {
    if (get().step === 'options') schedulePreview(0);
  });
  // A page opened (or reloaded) while a conversion runs shows that conversion.
  onceConnected(() => void conversionJob.resume('convert', () => set({ step: 'run' })));
}
