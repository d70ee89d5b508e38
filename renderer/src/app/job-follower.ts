import type { EngineError } from '../../../shared/contract/errors';
import type { JobEvent } from '../../../shared/contract/events';
import { eventsAfterSnapshot } from '../components/job-run';
import type { EngineLink } from './connection';
import { toErrorValue } from './errors';

/** What the follower needs of the link to the engine. */
export type JobLink = Pick<EngineLink, 'call' | 'onJobEvent' | 'onReconnect'>;

/** The part of a feature's store that follows one job at a time. */
export interface FollowedJobState<View> {
  starting: boolean;
  run: View | null;
  cancelling: boolean;
}

/** A run view as a pure function of its events (see components/job-run). */
export interface RunReducer<View> {
  initial: (jobId: string) => View;
  apply: (view: View, event: JobEvent) => View;
}

/** A feature's store (a zustand store is one). */
export interface JobStore<View> {
  getState: () => FollowedJobState<View>;
  setState: (patch: Partial<FollowedJobState<View>>) => void;
}

export interface JobFollowerOptions<View> {
  /** The link to the engine (the app's `engine`; a test brings its own). */
  link: () => JobLink;
  store: JobStore<View>;
  reducer: RunReducer<View>;
  /** Events kept at most while the start call or a catch-up is under way. */
  maxBuffered: number;
  /** After every change of a run that has ended: the feature moves on (to its result, say). */
  onEnded?: (run: View) => void;
  /** A live event of a job this feature does not follow. */
  onOtherJob?: (event: JobEvent) => void;
  /** After fetching the job's events again: null when that worked, else why it did not. */
  onSync?: (error: EngineError | null) => void;
}

export interface JobFollower {
  /**
   * Starts a job with `begin` (the feature's start call). The engine announces the job before
   * it answers, so events that arrive meanwhile are kept and replayed. Rejects with the call's
   * error once `starting` is cleared.
   */
  start(begin: () => Promise<{ jobId: string }>): Promise<void>;
  /** Asks the engine to cancel the run; rejects with its error once `cancelling` is cleared. */
  cancel(): Promise<void>;
  /**
   * Shows the engine's running job of `kind` (its events so far, then live), unless the page
   * has a run already: after a reload the engine still has the job, only the page forgot it.
   * `show` moves the page to its run.
   */
  resume(kind: string, show: () => void): Promise<void>;
  /** After the socket came back: fetch the job's events again, since some were missed. */
  catchUp(): Promise<void>;
  /** Subscribes to the engine's job events, and catches up after each reconnection. */
  listen(): void;
}

/**
 * The event plumbing every page with a running job needs: events buffered while the start
 * call or a catch-up is under way, live events reduced into the view, and the replay after a
 * reconnection that neither loses nor repeats an event.
 */
export function jobFollower<View extends { jobId: string; outcome: object | null }>(options: JobFollowerOptions<View>): JobFollower {
  const { link, reducer } = options;
  const get = options.store.getState;
  const set = options.store.setState;
  /** Events that arrive before we know which job they belong to, or while catching up. */
  let pending: JobEvent[] = [];
  let catchingUp = false;

  const settle = (): void => {
    const run = get().run;
    if (!run?.outcome) return;
    options.onEnded?.(run);
    set({ cancelling: false });
  };

  const onJobEvent = (event: JobEvent): void => {
    const state = get();
    if (state.starting || catchingUp) {
      if (pending.length < options.maxBuffered) pending.push(event);
      return;
    }
    if (!state.run || event.jobId !== state.run.jobId) {
      options.onOtherJob?.(event);
      return;
    }
    set({ run: reducer.apply(state.run, event) });
    settle();
  };

  const catchUp = async (): Promise<void> => {
    const run = get().run;
    if (!run || run.outcome) return;
    catchingUp = true;
    pending = [];
    try {
      const { events } = await link().call('jobs.get', { jobId: run.jobId });
      const missed = eventsAfterSnapshot(events, pending.filter((e) => e.jobId === run.jobId));
      set({ run: [...events, ...missed].reduce(reducer.apply, reducer.initial(run.jobId)) });
      options.onSync?.(null);
    } catch (error) {
      options.onSync?.(toErrorValue(error));
    } finally {
      catchingUp = false;
      pending = [];
      settle();
    }
  };

  return {
    async start(begin) {
      pending = [];
      set({ starting: true, run: null, cancelling: false });
      try {
        const { jobId } = await begin();
        const early = pending.filter((e) => e.jobId === jobId);
        pending = [];
        set({ starting: false, run: early.reduce(reducer.apply, reducer.initial(jobId)) });
        settle();
      } catch (error) {
        pending = [];
        set({ starting: false });
        throw error;
      }
    },
    async cancel() {
      const run = get().run;
      if (!run || run.outcome) return;
      set({ cancelling: true });
      try {
        await link().call('jobs.cancel', { jobId: run.jobId });
      } catch (error) {
        set({ cancelling: false });
        throw error;
      }
    },
    async resume(kind, show) {
      const busy = (): boolean => get().run !== null || get().starting;
      if (busy()) return;
      try {
        const jobs = await link().call('jobs.list', {});
        const running = jobs.find((j) => j.kind === kind && j.state === 'running');
        if (!running || busy()) return;
        set({ run: reducer.initial(running.jobId) });
        show();
        await catchUp();
      } catch {
        // Nothing to resume is the usual case; a failure here only means we cannot show it.
      }
    },
    catchUp,
    listen() {
      link().onJobEvent(onJobEvent);
      link().onReconnect(() => void catchUp());
    },
  };
}

/**
 * The store of a wizard whose Run step follows a job and hands over to a Result step: it shows
 * a failed catch-up as `syncError`. (Its steps are its own; the follower only moves to 'result'.)
 */
export interface WizardJobStore<View> {
  getState: () => FollowedJobState<View> & { step: string };
  setState: (patch: Partial<FollowedJobState<View>> & { step?: 'result'; syncError?: EngineError | null }) => void;
}

/**
 * A job followed by a wizard: when the job succeeds while its Run step is on screen, the wizard
 * moves on to its Result step (a step the user went to meanwhile stays on screen).
 */
export function wizardJobFollower<View extends { jobId: string; outcome: { type: string } | null }>(
  options: Omit<JobFollowerOptions<View>, 'store' | 'onEnded' | 'onSync'> & { store: WizardJobStore<View> },
): JobFollower {
  const { store } = options;
  return jobFollower({
    ...options,
    onEnded: (run) => {
      if (run.outcome?.type === 'done' && store.getState().step === 'run') store.setState({ step: 'result' });
    },
    onSync: (syncError) => store.setState({ syncError }),
  });
}
