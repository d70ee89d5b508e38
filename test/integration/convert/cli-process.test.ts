import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { CLI_BIN, runCliProcess } from '../../support/cli';
import { processesMatching, waitUntil } from '../../support/processes';
import { sameContent, slowDisk } from '../../support/sources';

// The real `npx hyper2kvm` entry point in a child process: bundling, exit codes and signals.

let samples: VmdkSamples;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  expect(existsSync(join(CLI_BIN, '..', '..', 'dist', 'node', 'cli.mjs')), 'run `npm run build` first (npm test does)').toBe(true);
  samples = await vmdkSamples();
  work = mkdtempSync(join(tmpdir(), 'h2k-cli-'));
  env = { HYPER2KVM_HOME: join(work, 'home') };
});

describe('hyper2kvm (the built CLI)', () => {
  it('--help documents every command and the exit codes', async () => {
    const run = await runCliProcess(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['plan', 'convert', 'serve']) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(run.stdout).toContain('hyper2kvm convert SOURCE --out DIR [--format qcow2|raw] [--compress]');
    expect(run.stdout).toMatch(/0 success, 1 failure, 2 bad input or usage, 130 cancelled/);
  });

  it('convert --json ends with one result line listing path, format and virtualSize', async () => {
    const out = join(work, 'ok');
    const run = await runCliProcess(['convert', samples.monolithicSparse, '--out', out, '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.every((l) => typeof l.type === 'string')).toBe(true);
    expect(run.result).toMatchObject({ type: 'result', ok: true, outputs: [{ format: 'qcow2', virtualSize: samples.virtualSize }] });
    const [output] = run.result.outputs as Array<{ path: string }>;
    expect(sameContent(output!.path, samples.raw, 'qcow2', 'raw')).toBe(true);
  });

  it('exits 2 on bad input with the error value as the result line', async () => {
    const run = await runCliProcess(['convert', join(work, 'missing.vmdk'), '--out', join(work, 'x'), '--json'], { env });
    expect(run.code).toBe(2);
    expect(run.lines.at(-2)).toMatchObject({ type: 'failed', stage: 'probe', error: { code: 'SOURCE_NOT_FOUND' } });
    expect(run.result).toMatchObject({ type: 'result', ok: false, error: { code: 'SOURCE_NOT_FOUND', kind: 'bad-input' } });
  });

  it('prints a readable error (code, message, what to do) without --json', async () => {
    const run = await runCliProcess(['convert', join(work, 'missing.vmdk'), '--out', join(work, 'x')], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[SOURCE_NOT_FOUND\]: .*missing\.vmdk does not exist\./m);
    expect(run.stderr).toMatch(/what to do: /);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('Ctrl-C cancels: exit 130, the tool is gone, no partial output is left', async () => {
    const source = await slowDisk();
    const out = join(work, 'cancel');
    mkdirSync(out, { recursive: true });
    let sent = false;
    const run = await runCliProcess(['convert', source, '--out', out, '--json'], {
      env,
      onLine: (line, child) => {
        const progress = line.progress as { fraction?: number } | undefined;
        if (!sent && line.type === 'progress' && line.stage === 'convert' && (progress?.fraction ?? 0) > 0.05) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.lines.some((l) => l.type === 'cancelled')).toBe(true);
    expect(run.result).toMatchObject({ type: 'result', ok: false, error: { code: 'CANCELLED', kind: 'cancelled' } });
    expect(readdirSync(out)).toEqual([]);
    expect(await waitUntil(() => processesMatching(source).length === 0, 5000)).toBe(true);
  });
});
