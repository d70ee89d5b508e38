import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../fixtures/cache-dir';

export interface BridgeProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The URL to open: it carries the token in its fragment. */
  openUrl: string;
  token: string;
  pid: number;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string | null>;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM (the bridge cancels running jobs and cleans up), SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
}

export interface BridgeProcessOptions {
  /** HYPER2KVM_HOME: jobs, uploads and everything else the app keeps. */
  home: string;
  /** HYPER2KVM_OUT_DIR: the default destination the wizard proposes. */
  outDir: string;
  startTimeoutMs?: number;
  /** More `serve` options (`--host ::1`, `--max-upload-gib N`). */
  args?: string[];
  /** Options for node itself, before the script (`--import` a test module). */
  nodeArgs?: string[];
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts the real bridge as the user would (`hyper2kvm serve --json`, from the build in dist/)
 * and returns once it prints where it listens.
 */
export async function startBridgeProcess(options: BridgeProcessOptions): Promise<BridgeProcess> {
  const cli = join(repoRoot(), 'dist', 'node', 'cli.mjs');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm run test:e2e does).`);
  if (!existsSync(join(repoRoot(), 'dist', 'renderer', 'index.html'))) throw new Error('dist/renderer is missing: run `npm run build` first.');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cli, 'serve', '--json', ...(options.args ?? [])], {
    cwd: repoRoot(),
    env: { ...process.env, HYPER2KVM_HOME: options.home, HYPER2KVM_OUT_DIR: options.outDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const lines = createInterface({ input: child.stdout });

  const listening = await new Promise<{ url: string; openUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The bridge did not start within ${options.startTimeoutMs ?? 20_000} ms.\n${stderr}`)), options.startTimeoutMs ?? 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The bridge exited (${code ?? signal}) before listening.\n${stderr}`));
    });
    lines.on('line', (line) => {
      let message: { type?: string; url?: string; openUrl?: string };
      try {
        message = JSON.parse(line) as typeof message;
      } catch {
        return;
      }
      if (message.type === 'listening' && message.url && message.openUrl) {
        clearTimeout(timer);
        resolve({ url: message.url, openUrl: message.openUrl });
      }
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
    throw error;
  });

  let token: string;
  try {
    token = new URL(listening.openUrl).hash.replace(/^#token=/, '');
  } catch (error) {
    // A URL that does not parse must not leave the server running.
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
    throw new Error(`The bridge printed an open URL that is not a URL (${listening.openUrl}): ${(error as Error).message}`);
  }
  const exited = new Promise<number | string | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? child.signalCode);
    else child.once('exit', (code, signal) => resolve(code ?? signal));
  });
  return {
    ...listening,
    token,
    pid: child.pid!,
    exited,
    stderr: () => stderr,
    async stop() {
      lines.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      if (await waitForExit(child, 15_000)) return;
      process.kill(child.pid!, 'SIGKILL');
      await waitForExit(child, 5000);
    },
  };
}
