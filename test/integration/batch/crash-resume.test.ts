import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../../electron/engine/batch/journal';
import { processesMentioning } from '../../../electron/engine/core/processes';
import { runCommand } from '../../../electron/engine/core/tool-runner';
import { vmdkSamples } from '../../fixtures';
import type { VmdkSamples } from '../../fixtures';
import { CLI_BIN, runCliProcess } from '../../support/cli';
import { processesMatching, waitUntil } from '../../support/processes';
import { journalRecords, sampleSources, writePlan } from './batch-env';

/**
 * kill -9 of the batch runner at random moments (and at chosen ones: while a hook runs, right
 * after a VM's outputs were renamed into place), then `batch resume`, again and again until the
 * batch completes. Then every output must be byte-identical to a clean run's (qemu-img
 * compare), no VM may have been done twice (one succeeded job per VM), no partial file and no
 * process of a dead attempt may be left.
 */

const SEED = Number(process.env.H2K_CRASH_SEED ?? Date.now() % 100_000);

/** A small, seeded PRNG (mulberry32): a failing run can be replayed with H2K_CRASH_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type KillWhen = { kind: 'delay'; ms: number } | { kind: 'event'; match: (event: Record<string, unknown>) => boolean; label: string };

interface Round {
  when: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

let samples: VmdkSamples;
let work: string;
let home: string;

function planFor(dir: string): string {
  return writePlan(dir, {
    defaults: {
      destination: 'out',
      concurrency: 2,
      // A hook that takes a moment, so that some kills land while it runs (its process must not survive).
      hooks: { 'after-convert': [{ command: ['/bin/sh', '-c', `sleep 1.5; echo "$HYPER2KVM_VM_NAME converted"`] }] },
    },
    vms: sampleSources(samples).map((s, i) => ({ ...s, ...(i % 2 === 1 ? { format: 'raw' } : {}) })),
  });
}

/** Runs `batch run|resume --json`, killing it with SIGKILL when `when` says (or not at all). */
function runUntilKilled(args: string[], when: KillWhen | null): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args, '--json'], { env: { ...process.env, HYPER2KVM_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const timer = when?.kind === 'delay' ? setTimeout(kill, when.ms) : undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (when?.kind !== 'event' || !line.trim()) continue;
        try {
          if (when.match(JSON.parse(line) as Record<string, unknown>)) kill();
        } catch {
          // not JSON
        }
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ when: when === null ? 'to the end' : when.kind === 'delay' ? `after ${when.ms} ms` : when.label, code, signal });
    });
  });
}


beforeAll(async () => {
  samples = await vmdkSamples();
  work = mkdtempSync(join(tmpdir(), 'h2k-batch-crash-'));
  home = join(work, 'home');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`kill -9 of the batch runner, then resume (seed ${SEED})`, () => {
  it('ends with every output identical to a clean run, no VM done twice, nothing left behind', async () => {
    const clean = join(work, 'clean');
    const cleanRun = await runCliProcess(['batch', 'run', planFor(clean), '--json'], { env: { HYPER2KVM_HOME: home } });
    expect(cleanRun.code, cleanRun.stderr).toBe(0);

    const dir = join(work, 'crashed');
    const plan = planFor(dir);
    const next = random(SEED);
    const kills: KillWhen[] = [
      // While a hook runs: its process (its own group) must not outlive the runner's next start.
      { kind: 'event', label: 'while an after-convert hook runs', match: (e) => e.type === 'log' && String(e.message).startsWith('after-convert: running') },
      // Between the rename into place and the record of the VM's end.
      { kind: 'event', label: 'right after a finalize', match: (e) => e.type === 'stage-done' && e.stage === 'finalize' },
      // Then at random: after a random time, or when a random stage of a random VM starts.
      ...Array.from({ length: 4 }, (): KillWhen => {
        if (next() < 0.5) return { kind: 'delay', ms: Math.round(300 + next() * 3000) };
        let seen = 0;
        const n = 1 + Math.floor(next() * 12);
        return { kind: 'event', label: `at the ${n}th stage start`, match: (e) => e.type === 'stage-started' && ++seen >= n };
      }),
    ];
    const rounds: Round[] = [];
    for (const [i, when] of kills.entries()) {
      rounds.push(await runUntilKilled(['batch', i === 0 ? 'run' : 'resume', plan], when));
      const records = journalRecords(join(dir, 'plan.journal.jsonl'));
      // A kill may land after the batch completed: then there is nothing left to resume.
      if (records.at(-1)?.t === 'run-end' && (records.at(-1) as { reason: string }).reason === 'complete') break;
    }
    const last = await runUntilKilled(['batch', 'resume', plan], null);
    rounds.push(last);
    expect(last.code, JSON.stringify(rounds)).toBe(0);
    expect(rounds.filter((r) => r.signal === 'SIGKILL').length, JSON.stringify(rounds)).toBeGreaterThanOrEqual(3);

    const cleared = journalRecords(join(dir, 'plan.journal.jsonl')).filter((r): r is Extract<JournalRecord, { t: 'vm-cleared' }> => r.t === 'vm-cleared');
    console.log(`seed ${SEED}: ${rounds.map((r) => `${r.when} → ${r.signal ?? `exit ${r.code}`}`).join('; ')}; cleared after crashes: ${cleared.map((c) => `${c.vm} (${c.killed.length} process(es); ${c.removed.map((f) => f.slice(f.lastIndexOf('/') + 1)).join(', ') || 'no file'})`).join(', ') || 'nothing'}`);

    // Every output byte-identical to the clean run's.
    const names = sampleSources(samples).map((s, i) => `${s.name}.${i % 2 === 1 ? 'raw' : 'qcow2'}`);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([...names].sort());
    for (const name of names) {
      const same = await runCommand('/usr/bin/qemu-img', ['compare', '-q', join(clean, 'out', name), join(dir, 'out', name)], { okExitCodes: [0, 1] });
      expect(same.exitCode, `${name} differs from the clean run`).toBe(0);
    }

    // No VM done twice: one 'done' per VM in the journal, one succeeded job per VM on disk.
    const records = journalRecords(join(dir, 'plan.journal.jsonl'));
    const dones = records.filter((r): r is Extract<JournalRecord, { t: 'vm-end' }> => r.t === 'vm-end' && r.state === 'done');
    expect(dones.map((r) => r.vm).sort()).toEqual(sampleSources(samples).map((s) => s.name).sort());
    const succeededJobs = new Map<string, number>();
    for (const jobId of readdirSync(join(home, 'jobs'))) {
      const path = join(home, 'jobs', jobId, 'job.json');
      // An attempt killed with its runner wrote none, or only part of one (the resume redid it).
      let record: { state: string; request: { source: string; options: { outDir: string; name: string } } };
      try {
        record = JSON.parse(readFileSync(path, 'utf8')) as typeof record;
      } catch {
        continue;
      }
      if (record.state === 'succeeded' && record.request.options.outDir === join(dir, 'out')) succeededJobs.set(record.request.options.name, (succeededJobs.get(record.request.options.name) ?? 0) + 1);
    }
    expect(Object.fromEntries(succeededJobs)).toEqual(Object.fromEntries(sampleSources(samples).map((s) => [s.name, 1])));

    // Each VM done with the job the journal names for it, and its outputs as recorded.
    const status = await runCliProcess(['batch', 'status', plan, '--json'], { env: { HYPER2KVM_HOME: home } });
    expect(status.result).toMatchObject({ ok: true, state: 'idle', totals: { done: 6, failed: 0, queued: 0 } });

    // Nothing of the killed attempts is left: no partial file, no process.
    expect(readdirSync(join(dir, 'out')).filter((n) => n.includes('.part-'))).toEqual([]);
    expect(await waitUntil(() => processesMatching(dir).length === 0, 10_000)).toBe(true);
    expect(processesMentioning(`HYPER2KVM_BATCH_PLAN=${plan}`, { environ: true })).toEqual([]);
    expect(existsSync(join(dir, 'plan.journal.jsonl.lock'))).toBe(false);
  });
});
