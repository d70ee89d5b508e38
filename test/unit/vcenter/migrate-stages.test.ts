import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MigrateResult, PreflightReport } from '../../../shared/contract/api/vcenter';
import { JobEvent } from '../../../shared/contract/events';
import { engineError } from '../../../shared/contract/errors';
import { cancelledError, EngineFailure, toEngineError } from '../../../electron/engine/core/errors';
import { MIGRATE_STAGES } from '../../../electron/engine/vcenter/migrate-job';
import { byDisk, convertArgs, CONVERT_READS } from '../../../electron/engine/vcenter/migrate/convert';
import { bytesAhead, eachLimited, firstRealError, Lanes, newLane } from '../../../electron/engine/vcenter/migrate/lane';
import type { Lane } from '../../../electron/engine/vcenter/migrate/lane';
import { describeLane, downloadOrder, sizeMismatch } from '../../../electron/engine/vcenter/migrate/plan';
import { logLevelOf, preflightVerdict } from '../../../electron/engine/vcenter/migrate/preflight';
import { diskTransfer, downloadedLine, transferRecord } from '../../../electron/engine/vcenter/migrate/transfer';
import { StagedFile } from '../../../electron/engine/vcenter/staged-file';

/**
 * The pure parts of the vCenter migration's stages (electron/engine/vcenter/migrate/). The
 * recorded samples are real: test/unit/renderer/samples/vcenter/README.md says how they were
 * taken (the engine's `vcenter.preflight` and `migrate.start` against the govmomi simulator).
 * The stages themselves run against the simulator in test/integration/vcenter.
 */

const samples = join(__dirname, '../renderer/samples/vcenter');
const events = (name: string): JobEvent[] =>
  readFileSync(join(samples, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JobEvent.parse(JSON.parse(l)));
const preflightSample = (name: string): PreflightReport => PreflightReport.parse(JSON.parse(readFileSync(join(samples, name), 'utf8')));
const logs = (all: JobEvent[], stage: string): string[] => all.flatMap((e) => (e.type === 'log' && e.stage === stage ? [e.message] : []));

const succeeded = events('migrate-succeeded.events.jsonl');
const blocked = events('migrate-blocked.events.jsonl');
const succeededResult = MigrateResult.parse(succeeded.flatMap((e) => (e.type === 'done' ? [e.result] : []))[0]);

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const location = (path: string) => ({ datacenterPath: 'DC0', datastore: 'LocalDS_0', path });
const file = (name: string, size: number, diskId = 'disk1'): StagedFile => new StagedFile(`[LocalDS_0] DC0_H0_VM0/${name}`, location(`DC0_H0_VM0/${name}`), size, `/tmp/none/${name}`, diskId);

function lane(diskId: string, files: StagedFile[], state: Partial<Pick<Lane, 'cursor' | 'startedAt' | 'endedAt' | 'resumedBytes' | 'aheadBytes' | 'results'>> = {}): Lane {
  const planned = newLane({ diskId, label: diskId, links: [], files, spec: {}, flat: undefined, virtualSize: 0, final: `/out/${diskId}.qcow2`, partial: `/out/.${diskId}.qcow2.part-job`, resumedBytes: 0 });
  return Object.assign(planned, state);
}

describe('the migration announces its stages in the order they run', () => {
  it('preflight → plan → transfer → convert, as the recorded job announced them before the tail', () => {
    const started = succeeded[0]!;
    expect(started.type).toBe('job-started');
    const announced = started.type === 'job-started' ? started.stages.slice(0, 4) : [];
    expect(MIGRATE_STAGES.map(({ id, label }) => ({ id, label }))).toEqual(announced);
  });
});

describe('the pre-flight verdict', () => {
  it('a powered-on VM is blocked with the very error the recorded job failed with', () => {
    const report = preflightSample('preflight-powered-on.json');
    const failed = blocked.find((e) => e.type === 'failed');
    expect(failed?.type).toBe('failed');
    const verdict = preflightVerdict({ name: report.vm.name, datacenterPath: 'DC0' }, report.items);
    expect(verdict).toEqual({ go: false, error: failed?.type === 'failed' ? failed.error : null });
  });

  it('a powered-off VM goes on with its notes, which are the recorded result’s pre-flight items', () => {
    const report = preflightSample('preflight-powered-off.json');
    const verdict = preflightVerdict({ name: report.vm.name, datacenterPath: 'DC0' }, report.items);
    expect(verdict).toEqual({ go: true, notes: succeededResult.preflight });
  });

  it('blockers first; then a VM whose datacenter is unknown cannot have its files located', () => {
    const notes = preflightSample('preflight-powered-off.json').items;
    const verdict = preflightVerdict({ name: 'DC0_H0_VM0' }, notes);
    expect(verdict).toEqual({ go: false, error: engineError('VCENTER_DISK_UNSUPPORTED', 'The datacenter of DC0_H0_VM0 is not known, so its files cannot be located.', 'Refresh the inventory and try again.') });
    expect(verdict.go ? null : verdict.error.kind).toBe('bad-input');
    const on = preflightSample('preflight-powered-on.json').items;
    const both = preflightVerdict({ name: 'DC0_H0_VM0' }, on);
    expect(both.go ? null : both.error.code).toBe('VCENTER_PREFLIGHT_BLOCKED');
  });

  it('several blockers are all named, the first one’s hint given', () => {
    const [poweredOn] = preflightSample('preflight-powered-on.json').items;
    const second = { ...poweredOn!, id: 'encrypted', title: 'The VM is encrypted', hint: 'Decrypt it first.' };
    const verdict = preflightVerdict({ name: 'vm', datacenterPath: 'DC0' }, [poweredOn!, second]);
    expect(verdict.go).toBe(false);
    if (verdict.go) return;
    expect(verdict.error.message).toBe('vm cannot be migrated yet: the vm is running; the vm is encrypted.');
    expect(verdict.error.hint).toBe(poweredOn!.hint);
    expect((verdict.error.evidence?.details as { blockers: Array<{ id: string }> }).blockers.map((b) => b.id)).toEqual(['powered-on', 'encrypted']);
  });

  it.each([
    ['info', 'info'],
    ['warning', 'warn'],
    ['blocker', 'error'],
  ] as const)('a %s item is logged at %s, as the recorded log shows', (severity, level) => {
    expect(logLevelOf({ severity })).toBe(level);
  });

  it('the recorded pre-flight log has one line per item, blocker first, at those levels', () => {
    const report = preflightSample('preflight-powered-on.json');
    const lines = blocked.flatMap((e) => (e.type === 'log' && e.stage === 'preflight' ? [`${e.level} ${e.message}`] : []));
    expect(lines).toEqual(report.items.map((i) => `${logLevelOf(i)} ${i.title}: ${i.message}`));
  });
});

describe('the plan of a lane', () => {
  it('downloads small files (descriptors, deltas) before the big extents, each group in chain order', () => {
    const order = downloadOrder([
      { name: 'disk1.vmdk', size: 2_293_760 },
      { name: 'base.vmdk', size: 21_430_272 },
      { name: 'disk1-000001.vmdk', size: 512 },
      { name: 'base-flat.vmdk', size: 8 * GiB },
      { name: 'base.vmdk (text)', size: 65_536 },
    ]);
    expect(order.map((f) => f.name)).toEqual(['disk1-000001.vmdk', 'base.vmdk (text)', 'disk1.vmdk', 'base.vmdk', 'base-flat.vmdk']);
  });

  it.each([
    // The recorded job: vcsim reports 1 MiB for a fixture whose files say 2.5 GiB.
    ['disk-202-0', MiB, 2.5 * GiB, "disk-202-0: vCenter says 1.0 MiB, the disk's files say 2.5 GiB; the files win."],
    ['disk-202-0', 2.5 * GiB, 2.5 * GiB, null],
    // A capacity of 0 means vCenter did not say: nothing to compare.
    ['disk1', 0, 2.5 * GiB, null],
  ])('%s: vCenter %d bytes, files %d', (label, capacity, virtual, expected) => {
    expect(sizeMismatch(label, capacity, virtual)).toBe(expected);
  });

  it('the recorded warning is the one sizeMismatch writes', () => {
    expect(logs(succeeded, 'plan')[0]).toBe(sizeMismatch('disk-202-0', MiB, 2.5 * GiB));
  });

  it.each([
    // The recorded job's snapshot chain: the two files are the result's transfer files.
    ['snapshot chain, nothing here yet', 2, [2_293_760, 21_430_272], 0, 'disk-202-0: snapshot chain of 2, monolithicSparse, 2 file(s), 22.6 MiB to fetch, 2.5 GiB virtual'],
    ['one link', 1, [21_430_272], 0, 'disk-202-0: monolithicSparse, 1 file(s), 20.4 MiB to fetch, 2.5 GiB virtual'],
    ['a resume', 2, [2_293_760, 21_430_272], 2_293_760 + 4 * MiB, 'disk-202-0: snapshot chain of 2, monolithicSparse, 2 file(s), 22.6 MiB to fetch (6.2 MiB already here), 2.5 GiB virtual'],
  ])('%s', (_, linkCount, fileSizes, resumedBytes, expected) => {
    const links = Array.from({ length: linkCount }, () => ({ createType: 'monolithicSparse' }));
    expect(describeLane({ label: 'disk-202-0', links, fileSizes, resumedBytes, virtualSize: 2.5 * GiB })).toBe(expected);
  });

  it('the recorded plan line is the one describeLane writes', () => {
    const disk = succeededResult.transfer.disks[0]!;
    const links = [{ createType: 'monolithicSparse' }, { createType: 'monolithicSparse' }];
    expect(logs(succeeded, 'plan')[1]).toBe(describeLane({ label: disk.label, links, fileSizes: disk.files.map((f) => f.bytes), resumedBytes: 0, virtualSize: 2.5 * GiB }));
  });
});

describe('how far the download is from a byte the converter wants', () => {
  const delta = file('disk1.vmdk', 1000);
  const base = file('base.vmdk', 5000);
  const running = lane('disk1', [delta, base], { cursor: 0, startedAt: 1 });
  const other = file('other.vmdk', 100, 'disk2');
  delta.setAvailable(400);

  it.each([
    ['bytes already on disk', delta, 300, 0],
    ['the file being downloaded: what is left up to the offset', delta, 900, 500],
    ['a later file: the rest of the earlier ones too', base, 2000, 600 + 2000],
    ['a file of no lane (another job’s)', other, 50, Infinity],
  ])('%s', (_, target, offset, expected) => {
    expect(bytesAhead([running], target, offset)).toBe(expected);
  });

  it('a lane that has not started, or has gone past the file, is out of reach (the server reads ahead)', () => {
    const a = file('a.vmdk', 100);
    const b = file('b.vmdk', 100);
    expect(bytesAhead([lane('disk1', [a, b])], b, 50)).toBe(Infinity);
    expect(bytesAhead([lane('disk1', [a, b], { cursor: 1, startedAt: 1 })], a, 50)).toBe(Infinity);
  });
});

describe('the lanes of a job', () => {
  it('counts bytes read ahead on the file’s own lane, once the lanes are planned', () => {
    const lanes = new Lanes(new AbortController().signal);
    const f1 = file('a.vmdk', 100, 'disk1');
    const f2 = file('b.vmdk', 100, 'disk2');
    lanes.noteAhead(f1, 10); // before the plan: no lane yet
    const planned = [lane('disk1', [f1]), lane('disk2', [f2])];
    lanes.adopt(planned);
    lanes.noteAhead(f2, 64);
    lanes.noteAhead(f2, 36);
    expect(planned.map((l) => l.aheadBytes)).toEqual([0, 100]);
  });

  it('a failed lane hands its error to its files’ readers and stops every lane', async () => {
    const job = new AbortController();
    const lanes = new Lanes(job.signal);
    const f = file('a.vmdk', 100);
    const waiting = lane('disk2', [file('b.vmdk', 100, 'disk2')]);
    lanes.adopt([lane('disk1', [f]), waiting]);
    const started = lanes.waitStarted(waiting);
    const error = engineError('VSPHERE_DOWNLOAD_FAILED', 'gone', 'retry');
    lanes.fail(lanes.list[0]!, new EngineFailure(error));
    expect(f.failure).toEqual(error);
    expect(lanes.signal.aborted).toBe(true);
    expect(job.signal.aborted).toBe(false);
    await expect(started).rejects.toMatchObject({ value: { code: 'CANCELLED' } });
  });

  it('a lane whose download begins lets its converter start', async () => {
    const lanes = new Lanes(new AbortController().signal);
    const l = lane('disk1', [file('a.vmdk', 1)]);
    const started = lanes.waitStarted(l);
    l.started.resolve();
    await expect(started).resolves.toBeUndefined();
  });

  it('stops when the job is cancelled', () => {
    const job = new AbortController();
    const lanes = new Lanes(job.signal);
    job.abort();
    expect(lanes.signal.aborted).toBe(true);
  });
});

describe('running lanes a few at a time', () => {
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

  it.each([1, 2, 3, 8])('at most %d at once, started in order', async (limit) => {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6], limit, new AbortController().signal, async (n) => {
      order.push(n);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
    expect(most).toBe(Math.min(limit, 6));
  });

  it('the first failure stops new starts and is what it throws', async () => {
    const seen: number[] = [];
    const run = eachLimited([1, 2, 3, 4], 1, new AbortController().signal, async (n) => {
      seen.push(n);
      await tick();
      if (n === 2) throw new EngineFailure(engineError('CONVERT_FAILED', 'no', 'hint'));
    });
    await expect(run).rejects.toMatchObject({ value: { code: 'CONVERT_FAILED' } });
    expect(seen).toEqual([1, 2]);
  });

  it('starts nothing more once stopped', async () => {
    const stop = new AbortController();
    const seen: number[] = [];
    const run = eachLimited([1, 2, 3], 1, stop.signal, async (n) => {
      seen.push(n);
      stop.abort();
      await tick();
    });
    await expect(run).rejects.toMatchObject({ value: { code: 'CANCELLED' } });
    expect(seen).toEqual([1]);
  });
});

describe('the error that explains transfer ∥ convert', () => {
  const download = new EngineFailure(engineError('VSPHERE_DOWNLOAD_FAILED', 'The server went away.', 'Check it.'));
  const converter = new EngineFailure(engineError('CONVERT_FAILED', 'qemu-img failed.', 'See its output.'));
  const cancelled = new EngineFailure(cancelledError());
  const ok: PromiseSettledResult<unknown> = { status: 'fulfilled', value: undefined };
  const no = (reason: unknown): PromiseSettledResult<unknown> => ({ status: 'rejected', reason });

  it.each([
    ['both ended well', [ok, ok], false, undefined],
    ['the download failed, so the converter was stopped', [no(download), no(cancelled)], false, 'VSPHERE_DOWNLOAD_FAILED'],
    ['the converter failed, so the download was stopped', [no(cancelled), no(converter)], false, 'CONVERT_FAILED'],
    ['both failed: the transfer’s, listed first', [no(download), no(converter)], false, 'VSPHERE_DOWNLOAD_FAILED'],
    ['only cancellations', [no(cancelled), no(cancelled)], false, 'CANCELLED'],
    ['the user cancelled, whatever else broke on the way', [no(download), no(cancelled)], true, 'CANCELLED'],
  ])('%s', (_, results, jobCancelled, code) => {
    const job = new AbortController();
    if (jobCancelled) job.abort();
    const error = firstRealError(results, job.signal);
    expect(error === undefined ? undefined : toEngineError(error).code).toBe(code);
  });
});

describe('the convert stage', () => {
  const spec = { driver: 'vmdk', file: { driver: 'http', url: 'http://127.0.0.1:40000/disk1/disk1.vmdk' } };
  it.each([
    ['qcow2', false, ['convert', '-p', '-m', '4', '-O', 'qcow2', `json:${JSON.stringify(spec)}`, '/out/.vm.qcow2.part-j']],
    ['qcow2', true, ['convert', '-p', '-m', '4', '-c', '-O', 'qcow2', `json:${JSON.stringify(spec)}`, '/out/.vm.qcow2.part-j']],
    ['raw', false, ['convert', '-p', '-m', '4', '-O', 'raw', `json:${JSON.stringify(spec)}`, '/out/.vm.qcow2.part-j']],
  ] as const)('qemu-img convert to %s (compressed: %s) with its reads overlapped', (format, compress, expected) => {
    expect(CONVERT_READS).toBe(4);
    expect(convertArgs({ spec, partial: '/out/.vm.qcow2.part-j' }, { format, compress })).toEqual(expected);
  });

  it('lists the converted disks in the VM’s order, whichever finished first', () => {
    expect(byDisk([{ diskId: 'disk10' }, { diskId: 'disk2' }, { diskId: 'disk1' }]).map((d) => d.diskId)).toEqual(['disk1', 'disk2', 'disk10']);
  });
});

describe('the transfer’s record', () => {
  it('reproduces the recorded job’s transfer result from its lane', () => {
    const recorded = succeededResult.transfer;
    const files = recorded.disks[0]!.files.map((f) => file(f.name.replace('[LocalDS_0] DC0_H0_VM0/', ''), f.bytes));
    for (const f of files) f.markComplete();
    const t0 = 1_764_104_363_329; // when transfer ∥ convert began (the recorded stage-started)
    const l = lane('disk1', files, { startedAt: t0, endedAt: t0 + 986, cursor: 2, results: files.map((f) => ({ name: f.dsPath, bytes: f.size, resumedFrom: 0 })) });
    l.label = 'disk-202-0';
    expect(transferRecord([l], t0)).toEqual(recorded);
  });

  it('a resume: files complete from an earlier job count as resumed from their end, partial ones from where they were', () => {
    const done = file('disk1.vmdk', 2_293_760);
    done.markComplete();
    const partial = file('base.vmdk', 21_430_272);
    partial.markComplete();
    const notReached = file('base-2.vmdk', 1000);
    const l = lane('disk1', [done, partial, notReached], { resumedBytes: 2_293_760, startedAt: 10, endedAt: 2010, aheadBytes: 512, results: [{ name: partial.dsPath, bytes: 17_236_992, resumedFrom: 4_193_280 }] });
    expect(diskTransfer(l)).toEqual({
      diskId: 'disk1',
      label: 'disk1',
      files: [
        { name: done.dsPath, bytes: 2_293_760, resumedFrom: 2_293_760 },
        { name: partial.dsPath, bytes: 21_430_272, resumedFrom: 4_193_280 },
        { name: notReached.dsPath, bytes: 1000, resumedFrom: 0 },
      ],
      bytes: 2_293_760 + 21_430_272 + 1000,
      resumedBytes: 2_293_760 + 4_193_280,
      aheadBytes: 512,
      durationMs: 2000,
    });
  });

  it('overall: from the start to the last lane’s end, summed over the disks', () => {
    const a = lane('disk1', [file('a.vmdk', 3000)], { startedAt: 100, endedAt: 1100, aheadBytes: 5 });
    const b = lane('disk2', [file('b.vmdk', 1000, 'disk2')], { startedAt: 100, endedAt: 2100, resumedBytes: 400 });
    const record = transferRecord([a, b], 100);
    expect(record).toMatchObject({ bytes: 4000, resumedBytes: 400, aheadBytes: 5, durationMs: 2000, bytesPerSecond: 2000 });
  });

  // The recorded job logged "Downloaded 22.6 MiB in 1 s (24 MB/s)" after 987 ms; shared/format.ts
  // has printed rates in MiB/s since, so the line keeps its shape with today's units.
  it.each([
    ['the recorded job', 23_724_032, 987, 'Downloaded 22.6 MiB in 1 s (23 MiB/s)'],
    ['a slow link', 23_724_032, 5_000, 'Downloaded 22.6 MiB in 5 s (4.5 MiB/s)'],
    ['everything resumed, no time spent', 23_724_032, 0, 'Downloaded 22.6 MiB in 0 s (– MiB/s)'],
  ])('the closing line: %s', (_, bytes, elapsedMs, expected) => {
    expect(downloadedLine(bytes, elapsedMs)).toBe(expected);
    expect(logs(succeeded, 'transfer')[0]).toMatch(/^Downloaded 22\.6 MiB in 1 s \(/);
  });
});
