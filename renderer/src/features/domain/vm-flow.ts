import { create } from 'zustand';
import type { StoreApi, UseBoundStore } from 'zustand';
import type { EngineError } from '../../../../shared/contract/errors';
import type { JobEvent } from '../../../../shared/contract/events';
import type { DomainPlan } from '../../../../shared/contract/models/libvirt';
import { engine } from '../../app/app-store';
import { toErrorValue } from '../../app/errors';
import { applyBootEvent, replayBootEvents } from './boot-view';
import type { BootView } from './boot-view';
import { applyDefineEvent, replayDefineEvents } from './define-view';
import type { DefineView } from './define-view';
import { defineRequest, initialDomainDraft, planRequest, verifyRequest } from './domain-draft';
import type { DomainDraft, VerifyChoice, VmTarget } from './domain-draft';

/**
 * One "create a VM and prove it boots" flow: the target disks, the domain options with their
 * live XML preview, the define job, and the boot verification with its live console and
 * screenshots. The Convert wizard continues into one flow after its Result step; the Create VM
 * page has another, for a disk chosen directly. Each keeps its own state and jobs.
 */

export type PlanPreview =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; plan: DomainPlan }
  | { status: 'error'; error: EngineError };

export interface NetworkEntry {
  name: string;
  active: boolean;
}

export interface VmFlowState {
  target: VmTarget | null;
  draft: DomainDraft | null;
  preview: PlanPreview;
  networks: NetworkEntry[] | null;
  defineStarting: boolean;
  defineStartError: EngineError | null;
  define: DefineView | null;
  undefining: boolean;
  undefineError: EngineError | null;
  /** The name of a domain this flow defined and then removed on request. */
  removed: string | null;
  verifyChoice: VerifyChoice;
  verifyStarting: boolean;
  verifyStartError: EngineError | null;
  verify: BootView | null;
  cancelling: boolean;
  cancelError: EngineError | null;
  /** The newest screenshot, fetched from the engine as a data: URL. */
  shot: { name: string; atMs: number; url: string } | null;
  syncError: EngineError | null;
}

export interface VmFlow {
  readonly useStore: UseBoundStore<StoreApi<VmFlowState>>;
  /** Starts over for other disks (keeps nothing of the previous target). */
  readonly setTarget: (target: VmTarget) => void;
  readonly updateDraft: (patch: Partial<DomainDraft>) => void;
  readonly schedulePreview: (delayMs?: number) => void;
  readonly loadNetworks: () => Promise<void>;
  readonly define: () => Promise<void>;
  readonly undefine: () => Promise<void>;
  readonly setVerifyChoice: (patch: Partial<VerifyChoice>) => void;
  readonly startVerify: () => Promise<void>;
  readonly cancelVerify: () => Promise<void>;
  /** Subscribes to the engine's events once (the feature's start). */
  readonly connect: () => void;
}

function initialState(): VmFlowState {
  return {
    target: null,
    draft: null,
    preview: { status: 'idle' },
    networks: null,
    defineStarting: false,
    defineStartError: null,
    define: null,
    undefining: false,
    undefineError: null,
    removed: null,
    verifyChoice: { firmware: 'bios', timeoutSeconds: '' },
    verifyStarting: false,
    verifyStartError: null,
    verify: null,
    cancelling: false,
    cancelError: null,
    shot: null,
    syncError: null,
  };
}

export function definedResult(state: VmFlowState) {
  return state.define?.outcome?.type === 'done' && state.removed === null ? state.define.outcome.result : null;
}

export function verifying(state: VmFlowState): boolean {
  return state.verifyStarting || (state.verify !== null && state.verify.outcome === null);
}

export function createVmFlow(): VmFlow {
  const useStore = create<VmFlowState>()(() => initialState());
  const get = useStore.getState;
  const set = useStore.setState;

  /** Events that arrive while a start call has not answered yet (the job announces itself first). */
  let pending: JobEvent[] = [];
  let previewTimer: ReturnType<typeof setTimeout> | null = null;
  let previewRequest = 0;
  let fetchingShot = false;
  let connected = false;

  const refreshPreview = async (): Promise<void> => {
    const { target, draft } = get();
    const request = target && draft ? planRequest(target, draft) : null;
    if (!request) {
      set({ preview: { status: 'idle' } });
      return;
    }
    const id = ++previewRequest;
    set({ preview: { status: 'loading' } });
    try {
      const plan = await engine().call('libvirt.plan', request);
      if (id === previewRequest) set({ preview: { status: 'ready', plan } });
    } catch (error) {
      if (id === previewRequest) set({ preview: { status: 'error', error: toErrorValue(error) } });
    }
  };

  const schedulePreview = (delayMs = 300): void => {
    if (previewTimer) clearTimeout(previewTimer);
    previewTimer = setTimeout(() => {
      previewTimer = null;
      void refreshPreview();
    }, delayMs);
  };

  /** Fetches the newest screenshot the view names; one request at a time, the newest wins. */
  const fetchShot = async (): Promise<void> => {
    if (fetchingShot) return;
    const view = get().verify;
    const wanted = view?.screenshot;
    if (!view || !wanted || get().shot?.name === wanted.name) return;
    fetchingShot = true;
    try {
      const image = await engine().call('boot.screenshot', { jobId: view.jobId, name: wanted.name });
      if (get().verify?.jobId === view.jobId) set({ shot: { name: image.name, atMs: wanted.atMs, url: `data:${image.mime};base64,${image.base64}` } });
    } catch {
      // An unchanged screen is deleted right after it is taken: the next one will come.
    } finally {
      fetchingShot = false;
    }
    if (get().verify?.screenshot?.name !== get().shot?.name) void fetchShot();
  };

  const settleVerify = (): void => {
    const view = get().verify;
    if (!view) return;
    if (view.outcome) set({ cancelling: false });
    if (view.outcome?.type === 'done') {
      // The report's picture: the screen when the verdict fell.
      const final = view.outcome.result.evidence.finalScreenshot;
      const name = final ? final.slice(final.lastIndexOf('/') + 1) : null;
      if (name && view.screenshot?.name !== name) {
        const shot = view.outcome.result.evidence.screenshots.find((s) => s.path === final);
        set({ verify: { ...view, screenshot: { name, atMs: shot?.atMs ?? view.outcome.result.verdictAtMs } } });
      }
    }
    void fetchShot();
  };

  const onJobEvent = (event: JobEvent): void => {
    const state = get();
    if (state.defineStarting || state.verifyStarting) {
      if (pending.length < 5000) pending.push(event);
      return;
    }
    if (state.define && event.jobId === state.define.jobId) {
      set({ define: applyDefineEvent(state.define, event) });
      if (get().define?.outcome?.type === 'done') set({ removed: null });
    } else if (state.verify && event.jobId === state.verify.jobId) {
      set({ verify: applyBootEvent(state.verify, event) });
      settleVerify();
    }
  };

  /** After the link came back: the events of running jobs are fetched again. */
  const catchUp = async (): Promise<void> => {
    const { define, verify } = get();
    try {
      if (define && !define.outcome) set({ define: replayDefineEvents(define.jobId, (await engine().call('jobs.get', { jobId: define.jobId })).events) });
      if (verify && !verify.outcome) {
        set({ verify: replayBootEvents(verify.jobId, (await engine().call('jobs.get', { jobId: verify.jobId })).events) });
        settleVerify();
      }
      set({ syncError: null });
    } catch (error) {
      set({ syncError: toErrorValue(error) });
    }
  };

  const loadNetworks = async (): Promise<void> => {
    const connection = get().draft?.connection ?? 'qemu:///session';
    try {
      set({ networks: await engine().call('libvirt.networks', { connection }) });
    } catch {
      // Without the list the name is typed by hand; defining tells if it is wrong.
      set({ networks: null });
    }
  };

  return {
    useStore,
    setTarget(target) {
      if (verifying(get())) return;
      const draft = initialDomainDraft(target.vm);
      set({ ...initialState(), networks: get().networks, target, draft, verifyChoice: { firmware: draft.firmware, timeoutSeconds: '' } });
      schedulePreview(0);
    },
    updateDraft(patch) {
      const draft = get().draft;
      if (!draft) return;
      const next = { ...draft, ...patch };
      // The verification boots with the firmware the VM gets, unless changed there.
      set({ draft: next, ...(patch.firmware ? { verifyChoice: { ...get().verifyChoice, firmware: patch.firmware } } : {}) });
      if (patch.connection && patch.connection !== draft.connection) void loadNetworks();
      schedulePreview();
    },
    schedulePreview,
    loadNetworks,
    async define() {
      const { target, draft, defineStarting } = get();
      const request = target && draft ? defineRequest(target, draft) : null;
      if (!request || defineStarting || verifying(get())) return;
      pending = [];
      set({ defineStarting: true, defineStartError: null, define: null, removed: null, undefineError: null });
      try {
        const { jobId } = await engine().call('libvirt.define', request);
        const early = pending.filter((e) => e.jobId === jobId);
        pending = [];
        set({ defineStarting: false, define: replayDefineEvents(jobId, early) });
      } catch (error) {
        pending = [];
        set({ defineStarting: false, defineStartError: toErrorValue(error) });
      }
    },
    async undefine() {
      const defined = definedResult(get());
      if (!defined || get().undefining) return;
      set({ undefining: true, undefineError: null });
      try {
        await engine().call('libvirt.undefine', { name: defined.name, connection: defined.connection });
        set({ undefining: false, removed: defined.name });
      } catch (error) {
        set({ undefining: false, undefineError: toErrorValue(error) });
      }
    },
    setVerifyChoice(patch) {
      set({ verifyChoice: { ...get().verifyChoice, ...patch } });
    },
    async startVerify() {
      const state = get();
      if (!state.target || verifying(state) || state.defineStarting) return;
      const plan = state.preview.status === 'ready' ? state.preview.plan : null;
      const request = verifyRequest(state.target, state.draft, plan, definedResult(state), state.verifyChoice);
      if (!request) return;
      pending = [];
      set({ verifyStarting: true, verifyStartError: null, verify: null, shot: null, cancelling: false, cancelError: null });
      try {
        const { jobId } = await engine().call('boot.verify', request);
        const early = pending.filter((e) => e.jobId === jobId);
        pending = [];
        set({ verifyStarting: false, verify: replayBootEvents(jobId, early) });
        settleVerify();
      } catch (error) {
        pending = [];
        set({ verifyStarting: false, verifyStartError: toErrorValue(error) });
      }
    },
    async cancelVerify() {
      const view = get().verify;
      if (!view || view.outcome) return;
      set({ cancelling: true, cancelError: null });
      try {
        await engine().call('jobs.cancel', { jobId: view.jobId });
      } catch (error) {
        set({ cancelling: false, cancelError: toErrorValue(error) });
      }
    },
    connect() {
      if (connected) return;
      connected = true;
      engine().onJobEvent(onJobEvent);
      engine().onReconnect(() => {
        void catchUp();
        if (get().draft) schedulePreview(0);
      });
    },
  };
}
