import { create } from 'zustand';
import type { AppInfo } from '../../../shared/contract/api/core';
import type { EngineError } from '../../../shared/contract/errors';
import type { ConnectionStatus, EngineLink } from './connection';
import type { Environment } from './environment';
import { toErrorValue } from './errors';

/** App-wide state: the link to the engine, what the engine told us about itself, the open feature. */
export interface AppState {
  connection: ConnectionStatus;
  info: AppInfo | null;
  infoError: EngineError | null;
  feature: string;
  setFeature: (feature: string) => void;
}

export const useAppStore = create<AppState>()((set) => ({
  connection: { state: 'connecting', failures: 0, nextAttemptAt: null },
  info: null,
  infoError: null,
  feature: 'convert',
  setFeature: (feature) => set({ feature }),
}));

let environment: Environment | null = null;

/** The environment the app was started in (set once by main.tsx). */
export function appEnvironment(): Environment {
  if (!environment) throw new Error('The app environment is not set up yet.');
  return environment;
}

export function engine(): EngineLink {
  return appEnvironment().link;
}

/**
 * Runs `action` once, as soon as the link to the engine is open (at once if it already is): a
 * feature picks up what the engine kept for it (a running job) when it can first ask.
 */
export function onceConnected(action: () => void): void {
  let done = false;
  const check = (state: string): void => {
    if (done || state !== 'open') return;
    done = true;
    action();
  };
  check(useAppStore.getState().connection.state);
  useAppStore.subscribe((s) => check(s.connection.state));
}

async function loadInfo(link: EngineLink): Promise<void> {
  try {
    const info = await link.call('app.info', {});
    useAppStore.setState({ info, infoError: null });
  } catch (error) {
    useAppStore.setState({ infoError: toErrorValue(error) });
  }
}

export function startApp(env: Environment): void {
  environment = env;
  const { link } = env;
  useAppStore.setState({ connection: link.status });
  link.onStatus((connection) => {
    useAppStore.setState({ connection });
    if (connection.state === 'open') void loadInfo(link);
  });
  if (link.status.state === 'open') void loadInfo(link);
}
