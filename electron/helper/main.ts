import { HELPER_MAX_LINE_BYTES } from '../../shared/contract/helper';
import { LocalToolRunner } from '../engine/core/tool-runner';
import { LineReader } from '../engine/privilege/line-reader';
import { HELPER_CONFIG_PATH, loadAllowedRoots, StartupError } from './config';
import { createHandlers } from './ops';
import { HelperServer } from './server';
import { CONFIG_OVERRIDE_VARIABLE, invokingUid, resetEnvironment, startupProblem } from './startup';

/**
 * hyper2kvm's privileged helper: started once per app session through pkexec, it reads requests
 * as JSON lines on stdin and answers on stdout (shared/contract/helper.ts). It logs to stderr
 * only. It ends when stdin closes (the app quit or closed it), after cancelling what still runs
 * and removing the partial outputs.
 */

/** Exit status when the helper refuses to start (not root, bad config, test override misused). */
const EXIT_REFUSED = 2;

function log(message: string): void {
  process.stderr.write(`hyper2kvm-helper[${process.pid}]: ${message}\n`);
}

async function main(): Promise<void> {
  const env = { ...process.env };
  const problem = startupProblem({ euid: process.geteuid?.() ?? null, env, electron: process.versions.electron });
  if (problem) {
    log(`refusing to start: ${problem}`);
    process.exit(EXIT_REFUSED);
  }
  const configPath = env[CONFIG_OVERRIDE_VARIABLE] ?? HELPER_CONFIG_PATH;
  const uid = invokingUid(env);
  resetEnvironment(process.env);
  process.umask(0o022);

  let roots: string[];
  try {
    roots = await loadAllowedRoots(configPath, log);
  } catch (error) {
    log(`refusing to start: ${error instanceof StartupError ? error.message : String(error)}`);
    process.exit(EXIT_REFUSED);
  }
  log(`ready (invoked by ${uid === null ? 'root' : `uid ${uid}`}; writes under ${roots.length > 0 ? roots.join(', ') : 'nothing: no allowed folder exists'})`);

  let stopping = false;
  const server = new HelperServer({
    handlers: createHandlers({ tools: new LocalToolRunner(), roots, invokingUid: uid, log }),
    write: (line) => process.stdout.write(line),
    log,
  });
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (server.activeCount > 0) log(`${reason}: cancelling ${server.activeCount} running request(s)`);
    await server.shutdown();
    process.exit(0);
  };

  const reader = new LineReader(HELPER_MAX_LINE_BYTES, {
    line: (text) => server.onLine(text),
    oversized: (head, bytes) => server.onOversized(head, bytes),
    invalid: (bytes) => server.onInvalidText(bytes),
  });
  process.stdin.on('data', (chunk: Buffer) => reader.push(chunk));
  process.stdin.on('end', () => {
    reader.end();
    void stop('stdin closed');
  });
  // The app is gone when its end of our stdout is: nobody is left to read results.
  process.stdout.on('error', () => void stop('stdout closed'));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
}

main().catch((error: unknown) => {
  log(`fatal: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
