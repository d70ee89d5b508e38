import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { imageInfo } from '../../../electron/engine/disk/qemu-img';
import { openHelper } from '../../../electron/engine/privilege/helper-client';

/**
 * Runs as the unprivileged test user (pkexec.test.ts starts it with setpriv): opens the helper
 * through the real pkexec, exactly as the app does, performs the steps it is given and prints
 * one JSON object saying what happened to each.
 *   node --import scripts/ts-register.mjs pkexec-driver.ts '<json spec>'
 */

/** One helper call, in order; its outcome goes into `report.steps`. */
type Step =
  | { op: 'convert'; source: string; sourceFormat: string; partial: string; format?: 'qcow2' | 'raw' }
  | { op: 'finalize'; partial: string; final: string; overwrite: boolean }
  | { op: 'remove'; path: string };

/**
 * The race of issue 11: `requests` conversions of FOLDER/src while swap-loop.mjs swaps it
 * between a hard link to a readable file and a symbolic link to a root-only one. Each output
 * that converts is finalized; its owner and mode are recorded before and after.
 */
interface Race {
  folder: string;
  good: string;
  secret: string;
  outputs: string;
  requests: number;
}

interface Spec {
  launcher: string;
  convert?: { source: string; sourceFormat: string; partial: string; final: string };
  refusedSources?: Array<{ path: string; format: string; partial: string }>;
  steps?: Step[];
  race?: Race;
}

interface FileFacts {
  mode: number;
  uid: number;
  gid: number;
}

function factsOf(path: string): FileFacts | null {
  try {
    const s = statSync(path);
    return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
  } catch {
    return null;
  }
}

type Outcome = { ok: true; value?: unknown } | { ok: false; error: unknown };

async function attempt(work: () => Promise<unknown>): Promise<Outcome> {
  try {
    const value = await work();
    return value === undefined ? { ok: true } : { ok: true, value };
  } catch (error) {
    return { ok: false, error: error instanceof EngineFailure ? error.value : String(error) };
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
  const report: Record<string, unknown> = { uid: process.getuid?.() };
  const log: string[] = [];
  let ops: Awaited<ReturnType<typeof openHelper>> | null = null;
  report.open = await attempt(async () => {
    ops = await openHelper({ command: [spec.launcher], elevate: true, startTimeoutMs: 60_000, onLog: (line) => log.push(line) });
    return ops.hello;
  });
  const session = ops as Awaited<ReturnType<typeof openHelper>> | null;
  if (session) {
    const { convert } = spec;
    if (convert) {
      const fractions: number[] = [];
      const signal = new AbortController().signal;
      report.convert = await attempt(() =>
        session.convert({ source: { type: 'file', path: convert.source }, sourceFormat: convert.sourceFormat, output: convert.partial, format: 'qcow2', compress: false }, { signal, onFraction: (f) => fractions.push(f) }),
      );
      report.fractions = fractions;
      report.check = await attempt(() => session.check(convert.partial, { signal }));
      // The check stage reads the output back without the helper: the user must be able to.
      report.infoAsUser = await attempt(async () => (await imageInfo(new LocalToolRunner(), { type: 'file', path: convert.partial }, 'qcow2', signal))[0]?.virtualSize);
      report.finalize = await attempt(() => session.finalize(convert.partial, convert.final, false));
    }
    report.steps = [];
    for (const step of spec.steps ?? []) (report.steps as Outcome[]).push(await runStep(session, step));
    if (spec.race) report.race = await race(session, spec.race);
    report.refused = [];
    for (const source of spec.refusedSources ?? []) {
      (report.refused as Outcome[]).push(
        await attempt(() =>
          session.convert({ source: { type: 'file', path: source.path }, sourceFormat: source.format, output: source.partial, format: 'qcow2', compress: false }, { signal: new AbortController().signal, onFraction: () => undefined }),
        ),
      );
    }
    await session.close();
  }
  report.helperLog = log;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runStep(session: Awaited<ReturnType<typeof openHelper>>, step: Step): Promise<Outcome> {
  const signal = new AbortController().signal;
  switch (step.op) {
    case 'convert':
      return attempt(async () => {
        await session.convert({ source: { type: 'file', path: step.source }, sourceFormat: step.sourceFormat, output: step.partial, format: step.format ?? 'qcow2', compress: false }, { signal, onFraction: () => undefined });
        return factsOf(step.partial);
      });
    case 'finalize':
      return attempt(() => session.finalize(step.partial, step.final, step.overwrite));
    case 'remove':
      return attempt(() => session.remove(step.path));
  }
}

async function race(session: Awaited<ReturnType<typeof openHelper>>, spec: Race): Promise<Record<string, unknown>> {
  const swapper = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'swap-loop.mjs'), spec.folder, spec.good, spec.secret], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: swapper.stdout });
  const output: string[] = [];
  lines.on('line', (line) => output.push(line));
  while (!output.includes('ready')) await new Promise((resolve) => setTimeout(resolve, 5));
  const requests: Array<Record<string, unknown>> = [];
  for (let i = 0; i < spec.requests; i++) {
    const partial = join(spec.outputs, `.race${i}.raw.part-race`);
    const final = join(spec.outputs, `race${i}.raw`);
    const convert = await attempt(() => session.convert({ source: { type: 'file', path: join(spec.folder, 'src') }, sourceFormat: 'raw', output: partial, format: 'raw', compress: false }, { signal: new AbortController().signal, onFraction: () => undefined }));
    const entry: Record<string, unknown> = { convert };
    if (convert.ok) {
      entry.partial = factsOf(partial);
      entry.finalize = await attempt(() => session.finalize(partial, final, false));
      entry.final = factsOf(final);
    }
    requests.push(entry);
  }
  const exited = new Promise((resolve) => swapper.once('close', resolve));
  swapper.kill('SIGTERM');
  await exited;
  return { requests, swaps: Number(output.at(-1)) };
}

await main();
