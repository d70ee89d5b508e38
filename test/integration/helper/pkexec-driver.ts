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

interface Spec {
  launcher: string;
  convert?: { source: string; sourceFormat: string; partial: string; final: string };
  refusedSources?: Array<{ path: string; format: string; partial: string }>;
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

await main();
