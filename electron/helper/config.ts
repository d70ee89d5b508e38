import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { HelperPath } from '../../shared/contract/helper';
import { ancestry, configFileProblem, DEFAULT_ALLOWED_ROOTS, directoryChainProblem } from './confinement';
import { directoryFacts } from './guards';

/**
 * Where the helper may write: /var/lib/libvirt/images, plus folders an administrator lists in
 * /etc/hyper2kvm/helper.json:
 *   { "allowedRoots": ["/srv/vm-images"] }
 * The file widens what root writes on behalf of users, so it is refused unless only root can
 * change it (and every folder above it).
 */
export const HELPER_CONFIG_PATH = '/etc/hyper2kvm/helper.json';

const MAX_CONFIG_BYTES = 64 * 1024;

const HelperConfig = z.strictObject({ allowedRoots: z.array(HelperPath).max(64) });

/** A problem that stops the helper from starting; main prints it and exits. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function loadAllowedRoots(configPath: string, log: (message: string) => void): Promise<string[]> {
  const configured = await readConfiguredRoots(configPath);
  const roots: string[] = [];
  for (const root of [...DEFAULT_ALLOWED_ROOTS, ...configured]) {
    const real = await usableRoot(root, log);
    if (real !== null && !roots.includes(real)) roots.push(real);
  }
  return roots;
}

async function readConfiguredRoots(configPath: string): Promise<string[]> {
  let facts;
  try {
    facts = await lstat(configPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StartupError(`cannot read ${configPath}: ${(error as Error).message}`);
  }
  const problem = configFileProblem({ uid: facts.uid, mode: facts.mode, isFile: facts.isFile(), isSymbolicLink: facts.isSymbolicLink() });
  if (problem) throw new StartupError(`refusing ${configPath}: it ${problem}`);
  const folderProblem = directoryChainProblem(await directoryFacts(ancestry(dirname(configPath))));
  if (folderProblem) throw new StartupError(`refusing ${configPath}: ${folderProblem}`);
  if (facts.size > MAX_CONFIG_BYTES) throw new StartupError(`refusing ${configPath}: larger than ${MAX_CONFIG_BYTES} bytes`);

  let json: unknown;
  try {
    json = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (error) {
    throw new StartupError(`refusing ${configPath}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = HelperConfig.safeParse(json);
  if (!parsed.success) throw new StartupError(`refusing ${configPath}: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  return parsed.data.allowedRoots;
}

/** The root's real path when it exists and is safe to write into; otherwise null (and why, on stderr). */
async function usableRoot(root: string, log: (message: string) => void): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(root);
    if (!(await stat(real)).isDirectory()) {
      log(`allowed root ${root} is not a folder; ignored`);
      return null;
    }
  } catch {
    log(`allowed root ${root} does not exist; ignored`);
    return null;
  }
  const problem = directoryChainProblem(await directoryFacts(ancestry(real)));
  if (problem) {
    log(`allowed root ${root} is unsafe (${problem}); ignored`);
    return null;
  }
  return real;
}
