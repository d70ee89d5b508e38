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
