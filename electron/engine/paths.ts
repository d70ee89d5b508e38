import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the app keeps its own files. HYPER2KVM_HOME moves all of it (tests use a temporary one);
 * otherwise the XDG data folder, as desktop users expect.
 */
export function appHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HYPER2KVM_HOME) return env.HYPER2KVM_HOME;
  const data = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'hyper2kvm');
}

export function jobsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(appHome(env), 'jobs');
}

/** Where converted disks go unless the user picks another folder. */
export function defaultOutDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HYPER2KVM_OUT_DIR || join(homedir(), 'hyper2kvm-output');
}
