import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kindOf } from '../../../shared/contract/errors';
import { here, ownerRecordFor, ownerStatus } from '../../../electron/engine/core/job-owner';
import type { Here, OwnerRecord } from '../../../electron/engine/core/job-owner';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';
import { destinationOf, eventLogFacts, interruptedError, overlayFolders, stagePhrase, sweepDecision, sweepInterruptedJobs } from '../../../electron/engine/pipeline/interrupted-jobs';

/**
 * Real samples, from test/integration/pipeline/interrupted-job.test.ts: `hyper2kvm convert
 * disk.vmdk --out OUT --verify-boot --json` killed with kill -9 while its verification domain
 * ran; the job folder's owner.json, events.jsonl (progress lines left out) and boot/domain.xml.
 */
const OWNER: OwnerRecord = {
  schema: 'hyper2kvm.job-owner/1',
  pid: 22324,
  startTime: 2630341,
  bootId: 'c69c30df-8359-42e4-98d8-87979e50b561',
  host: 'vm',
  batch: false,
  cwd: '/work/main',
  kind: 'convert',
  title: 'Convert /work/main/.cache/fixtures/debian-guest-097d950a7895/disk.vmdk',
  request: {
    source: '/work/main/.cache/fixtures/debian-guest-097d950a7895/disk.vmdk',
    options: { format: 'qcow2', compress: false, outDir: '/tmp/hyper2kvm-tests-22264-LoVVVY/h2k-interrupted-uJpyWe/out', overwrite: false, inspect: false, verifyBoot: {} },
  },
  cli: ['hyper2kvm', 'convert', '/work/main/.cache/fixtures/debian-guest-097d950a7895/disk.vmdk', '--out', '/tmp/hyper2kvm-tests-22264-LoVVVY/h2k-interrupted-uJpyWe/out', '--format', 'qcow2', '--verify-boot'],
};

const EVENTS_KILLED_IN_VERIFY_BOOT = `{"type":"job-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.546Z","kind":"convert","title":"Convert /work/main/.cache/fixtures/debian-guest-097d950a7895/disk.vmdk","stages":[{"id":"probe","label":"Probe source"},{"id":"verify","label":"Verify manifest"},{"id":"preflight","label":"Check destination"},{"id":"convert","label":"Convert disks"},{"id":"check","label":"Check outputs"},{"id":"finalize","label":"Finalize"},{"id":"verify-boot","label":"Boot the guest and prove it"}]}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.546Z","stage":"probe","label":"Probe source"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.636Z","stage":"probe","level":"info","message":"VMDK with 1 disk(s): disk.vmdk (monolithicSparse, 3.0 GiB)"}
{"type":"stage-done","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.637Z","stage":"probe","durationMs":91}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.642Z","stage":"verify","label":"Verify manifest"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.642Z","stage":"verify","level":"info","message":"Not an OVF package: nothing to verify"}
{"type":"stage-done","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.643Z","stage":"verify","durationMs":1}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.643Z","stage":"preflight","label":"Check destination"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.645Z","stage":"preflight","level":"info","message":"Output needs about 747.6 MiB; 48.2 GiB free at the destination"}
{"type":"stage-done","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.646Z","stage":"preflight","durationMs":3}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.646Z","stage":"convert","label":"Convert disks"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:03.647Z","stage":"convert","level":"info","message":"Converting disk.vmdk → /tmp/hyper2kvm-tests-22264-LoVVVY/h2k-interrupted-uJpyWe/out/disk.qcow2 (qcow2)"}
{"type":"stage-done","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.366Z","stage":"convert","durationMs":720}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.367Z","stage":"check","label":"Check outputs"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.397Z","stage":"check","level":"info","message":"disk.qcow2: check passed"}
{"type":"stage-done","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.397Z","stage":"check","durationMs":30}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.397Z","stage":"finalize","label":"Finalize"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.398Z","stage":"finalize","level":"info","message":"Wrote /tmp/hyper2kvm-tests-22264-LoVVVY/h2k-interrupted-uJpyWe/out/disk.qcow2"}
{"type":"stage-done","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.398Z","stage":"finalize","durationMs":1}
{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.494Z","stage":"verify-boot","label":"Boot the guest and prove it"}
{"type":"log","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.565Z","stage":"verify-boot","level":"info","message":"Starting h2k-verify-20261207-172703-e97947 (TCG, software emulation, BIOS, 1024 MiB) on a throwaway overlay of /tmp/hyper2kvm-tests-22264-LoVVVY/h2k-interrupted-uJpyWe/out/disk.qcow2."}
`;

const DOMAIN_XML_DISK = `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap'/>
      <source file='/tmp/hyper2kvm-tests-22264-LoVVVY/hyper2kvm-boot-EdVeUs/overlay-1.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <boot order='1'/>
    </disk>`;

/** The machine the sample was taken on, with the processes each case needs. */
function at(processes: Record<number, number>, overrides: Partial<Omit<Here, 'startTimeOf'>> = {}): Here {
  return { host: 'vm', bootId: 'c69c30df-8359-42e4-98d8-87979e50b561', ...overrides, startTimeOf: (pid) => processes[pid] ?? null };
}

describe('which job folders the start-up sweep takes', () => {
  const cases: Array<{ name: string; hasJobRecord: boolean; owner: OwnerRecord | null; here: Here; expected: ReturnType<typeof sweepDecision> }> = [
    { name: 'finished (job.json written), owner gone', hasJobRecord: true, owner: OWNER, here: at({}), expected: { sweep: false, reason: 'finished' } },
    { name: 'no owner file (an older version, or a folder made a moment ago)', hasJobRecord: false, owner: null, here: at({}), expected: { sweep: false, reason: 'no-owner' } },
    { name: 'owner alive: same pid, same start time', hasJobRecord: false, owner: OWNER, here: at({ 22324: 2630341 }), expected: { sweep: false, reason: 'owner-alive' } },
    { name: 'owner dead: no process with its pid', hasJobRecord: false, owner: OWNER, here: at({}), expected: { sweep: true } },
    { name: 'owner dead: its pid reused by a later process', hasJobRecord: false, owner: OWNER, here: at({ 22324: 2639999 }), expected: { sweep: true } },
    { name: 'owner dead: same pid and start time, but in an earlier boot', hasJobRecord: false, owner: OWNER, here: at({ 22324: 2630341 }, { bootId: '0b5e3c7a-1d2f-4c47-9e0a-6f1c2d3e4f50' }), expected: { sweep: true } },
    { name: 'batch-run, owner dead: left to the batch resume', hasJobRecord: false, owner: { ...OWNER, batch: true }, here: at({}), expected: { sweep: false, reason: 'batch' } },
    { name: 'owner on another machine (shared jobs folder)', hasJobRecord: false, owner: { ...OWNER, host: 'other' }, here: at({}), expected: { sweep: false, reason: 'owner-unknown' } },
    { name: 'owner start time unknown (no /proc when it started)', hasJobRecord: false, owner: { ...OWNER, startTime: 0 }, here: at({}), expected: { sweep: false, reason: 'owner-unknown' } },
  ];
  for (const c of cases) {
    it(c.name, () => expect(sweepDecision({ hasJobRecord: c.hasJobRecord, owner: c.owner }, c.here)).toEqual(c.expected));
  }

  it('takes this very process, read from /proc, as alive (and a made-up start time as dead)', () => {
    const me = ownerRecordFor({ kind: 'convert', title: 't', request: null, cli: null, batch: false });
    expect(me.pid).toBe(process.pid);
    expect(me.startTime).toBeGreaterThan(0);
    expect(ownerStatus(me, here())).toBe('alive');
    expect(ownerStatus({ ...me, startTime: me.startTime + 1 }, here())).toBe('dead');
  });
});

describe('where the dead job was', () => {
  it('during a stage: the one started and not done (the kill -9 during boot verification)', () => {
    const facts = eventLogFacts(EVENTS_KILLED_IN_VERIFY_BOOT);
    expect(facts.startedAt).toBe('2026-12-07T17:27:03.546Z');
    expect(facts.running).toEqual([{ id: 'verify-boot', label: 'Boot the guest and prove it' }]);
    expect(facts.done.map((s) => s.id)).toEqual(['probe', 'verify', 'preflight', 'convert', 'check', 'finalize']);
    expect(facts.done[3]).toEqual({ id: 'convert', label: 'Convert disks', durationMs: 720 });
    expect(stagePhrase(facts)).toBe('the stage "Boot the guest and prove it" (verify-boot)');
  });

  it('between stages, with the last line cut short by the kill', () => {
    const lines = EVENTS_KILLED_IN_VERIFY_BOOT.split('\n');
    const upToConvertDone = lines.slice(0, lines.findIndex((l) => l.includes('"stage-done"') && l.includes('"convert"')) + 1).join('\n');
    const facts = eventLogFacts(`${upToConvertDone}\n{"type":"stage-started","jobId":"20261207-172703-e97947","at":"2026-12-07T17:27:04.3`);
    expect(facts.running).toEqual([]);
    expect(stagePhrase(facts)).toBe('the work after the stage "Convert disks" (convert)');
  });

  it('before any stage (or no event log at all)', () => {
    expect(stagePhrase(eventLogFacts(''))).toBe('its start, before its first stage');
  });
});

describe('the error value', () => {
  it('names the stage and what was undone; a failure, with what to do', () => {
    const error = interruptedError(eventLogFacts(EVENTS_KILLED_IN_VERIFY_BOOT), ['stopped the verification domain h2k-verify-20261207-172703-e97947 (qemu:///session)'], { pid: 22324 });
    expect(error).toMatchObject({ code: 'JOB_INTERRUPTED', kind: 'failure', hint: 'Run the job again. Its converted disks were finished and are kept: remove them, or let the new run overwrite them.', evidence: { details: { pid: 22324, stage: 'verify-boot' } } });
    expect(error.message).toBe(
      'The process running this job stopped (killed or crashed) during the stage "Boot the guest and prove it" (verify-boot). Undone: stopped the verification domain h2k-verify-20261207-172703-e97947 (qemu:///session).',
    );
    expect(kindOf('JOB_INTERRUPTED')).toBe('failure');
  });

  it('says so when nothing was left; before finalize there is no finished disk to mention', () => {
    const error = interruptedError(eventLogFacts(''), [], {});
    expect(error.message).toBe('The process running this job stopped (killed or crashed) during its start, before its first stage. Nothing was left to undo.');
    expect(error.hint).toBe('Run the job again.');
  });
});

describe('what the sweep removes besides libvirt', () => {
  it('the destination of a convert or migrate request, relative ones from the owner’s folder', () => {
    expect(destinationOf(OWNER.request, OWNER.cwd)).toBe('/tmp/hyper2kvm-tests-22264-LoVVVY/h2k-interrupted-uJpyWe/out');
    expect(destinationOf({ server: 'vc', vmId: 'vm-1', options: { outDir: 'out' } }, '/home/u')).toBe('/home/u/out');
    // A verify-boot or define job names disks, not a destination.
    expect(destinationOf({ disk: '/x/disk.qcow2', format: 'qcow2' }, '/')).toBeNull();
    expect(destinationOf(null, '/')).toBeNull();
  });

  it('the temporary overlay folder the domain XML names, never a disk of another shape', () => {
    expect(overlayFolders(DOMAIN_XML_DISK)).toEqual(['/tmp/hyper2kvm-tests-22264-LoVVVY/hyper2kvm-boot-EdVeUs']);
    expect(overlayFolders("<source file='/var/lib/libvirt/images/web.qcow2'/>")).toEqual([]);
    expect(overlayFolders("<source file='/data/hyper2kvm-boot-EdVeUs/disk.qcow2'/>")).toEqual([]);
  });
});

describe('sweepInterruptedJobs on real folders', () => {
  it('records the dead single job, removes its partial output, and leaves the live, batch and finished ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'h2k-sweep-'));
    const jobsDir = join(root, 'jobs');
    const out = join(root, 'out');
    mkdirSync(out, { recursive: true });
    const me = ownerRecordFor({ kind: 'convert', title: 'Convert disk.vmdk', request: { source: '/src/disk.vmdk', options: { outDir: out } }, cli: ['hyper2kvm', 'convert'], batch: false });
    // Dead: this process's pid with another start time (a pid reused since).
    const dead = { ...me, startTime: me.startTime + 1 };
    const folders: Record<string, { owner: OwnerRecord | null; jobJson?: boolean }> = {
      '20261207-172703-dead00': { owner: dead },
      '20261207-172703-live00': { owner: me },
      '20261207-172703-batch0': { owner: { ...dead, batch: true } },
      '20261207-172703-done00': { owner: dead, jobJson: true },
      '20261207-172703-noown0': { owner: null },
    };
    for (const [id, f] of Object.entries(folders)) {
      const dir = join(jobsDir, id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'events.jsonl'), EVENTS_KILLED_IN_VERIFY_BOOT.split('\n').slice(0, 11).join('\n') + '\n');
      if (f.owner) writeFileSync(join(dir, 'owner.json'), JSON.stringify(f.owner));
      if (f.jobJson) writeFileSync(join(dir, 'job.json'), '{"state":"succeeded"}\n');
      writeFileSync(join(out, `.disk.qcow2.part-${id}`), 'partial');
    }

    const swept = await sweepInterruptedJobs({ jobsDir, tools: new LocalToolRunner(), now: () => new Date('2026-12-07T18:00:00.000Z') });
    expect(swept.map((s) => s.jobId)).toEqual(['20261207-172703-dead00']);

    const deadDir = join(jobsDir, '20261207-172703-dead00');
    const record = JSON.parse(readFileSync(join(deadDir, 'job.json'), 'utf8')) as Record<string, unknown> & { error: { message: string } };
    expect(record).toMatchObject({ schema: 'hyper2kvm.job/1', jobId: '20261207-172703-dead00', kind: 'convert', state: 'failed', startedAt: '2026-12-07T17:27:03.546Z', endedAt: '2026-12-07T18:00:00.000Z', cli: ['hyper2kvm', 'convert'], result: null, error: { code: 'JOB_INTERRUPTED' } });
    expect(record.error.message).toBe(`The process running this job stopped (killed or crashed) during the stage "Convert disks" (convert). Undone: removed the partial output ${join(out, '.disk.qcow2.part-20261207-172703-dead00')}.`);
    expect(existsSync(join(deadDir, 'owner.json'))).toBe(false);
    expect(existsSync(join(deadDir, 'sweep.claim'))).toBe(false);
    expect(JSON.parse(readFileSync(join(deadDir, 'events.jsonl'), 'utf8').trimEnd().split('\n').at(-1)!)).toMatchObject({ type: 'failed', stage: 'convert', error: { code: 'JOB_INTERRUPTED' } });
    expect(existsSync(join(out, '.disk.qcow2.part-20261207-172703-dead00'))).toBe(false);

    // The others are untouched: no record written, their partial outputs kept.
    for (const id of ['20261207-172703-live00', '20261207-172703-batch0', '20261207-172703-noown0']) {
      expect(existsSync(join(jobsDir, id, 'job.json')), id).toBe(false);
      expect(existsSync(join(out, `.disk.qcow2.part-${id}`)), id).toBe(true);
    }
    expect(readFileSync(join(jobsDir, '20261207-172703-done00', 'job.json'), 'utf8')).toBe('{"state":"succeeded"}\n');

    // Once recorded, a second sweep finds nothing.
    expect(await sweepInterruptedJobs({ jobsDir, tools: new LocalToolRunner() })).toEqual([]);
  });
});
