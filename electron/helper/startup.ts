/**
 * What the helper decides before it reads a single request: whether it may run at all, who
 * asked for it, and which environment its tools get.
 */

/** Test-only: points the helper at another config file (a temporary allowed root). */
export const CONFIG_OVERRIDE_VARIABLE = 'HYPER2KVM_HELPER_CONFIG';

export interface StartupFacts {
  euid: number | null;
  env: Readonly<Record<string, string | undefined>>;
  /** process.versions.electron: set when the packaged app's Electron runs us as Node. */
  electron: string | undefined;
}

/**
 * Why the helper must not start, or null. The config override would let whoever sets it choose
 * where root writes, so it is refused whenever a real user could have set it: under pkexec
 * (PKEXEC_UID) and in the packaged app (Electron as Node). pkexec and our wrapper wipe the
 * environment anyway; this is the second lock on the same door.
 */
export function startupProblem(facts: StartupFacts): string | null {
  if (facts.euid !== 0) return 'must run as root: the app starts it through pkexec (or directly when the app itself runs as root)';
  const pkexecUid = facts.env.PKEXEC_UID;
  if (pkexecUid !== undefined && pkexecUid !== '' && !/^\d{1,10}$/.test(pkexecUid)) return `PKEXEC_UID is not a user id (${pkexecUid.slice(0, 40)})`;
  if (facts.env[CONFIG_OVERRIDE_VARIABLE] !== undefined) {
    if (pkexecUid !== undefined && pkexecUid !== '') return `${CONFIG_OVERRIDE_VARIABLE} is for tests only and is refused under pkexec`;
    if (facts.electron !== undefined) return `${CONFIG_OVERRIDE_VARIABLE} is for tests only and is refused in the packaged app`;
    if (!facts.env[CONFIG_OVERRIDE_VARIABLE]?.startsWith('/')) return `${CONFIG_OVERRIDE_VARIABLE} must be an absolute path`;
  }
  return null;
}

/** The user who ran pkexec, or null when root started us directly. */
export function invokingUid(env: Readonly<Record<string, string | undefined>>): number | null {
  const value = env.PKEXEC_UID;
  return value === undefined || value === '' ? null : Number(value);
}

/**
 * The only environment the helper and its tools see. Whatever the caller had (PATH, LD_*,
 * NODE_OPTIONS, QEMU_*, locale) is dropped: tools are named by absolute path and their messages
 * are parsed, so they get a fixed PATH and the C locale.
 */
export const HELPER_ENVIRONMENT: Readonly<Record<string, string>> = {
  PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C',
};

export function resetEnvironment(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(env)) delete env[key];
  Object.assign(env, HELPER_ENVIRONMENT);
}
