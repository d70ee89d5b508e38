import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preflightItems } from '../../../electron/engine/vcenter/preflight';
import type { PreflightFacts } from '../../../electron/engine/vcenter/preflight';
import { actionBehaviour, countsText, forEachBounded, orderedItems, summarizeSelection, verdictOf } from '../../../renderer/src/features/vcenter/preflight-model';
import type { PreflightState } from '../../../renderer/src/features/vcenter/migrate-options';
import { PreflightReport, VmDetailsResult } from '../../../shared/contract/api/vcenter';
import type { PreflightItem } from '../../../shared/contract/api/vcenter';

const SAMPLES = join(import.meta.dirname, 'samples', 'vcenter');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));
const poweredOn = PreflightReport.parse(sample('preflight-powered-on.json'));
const poweredOff = PreflightReport.parse(sample('preflight-powered-off.json'));
const vm = VmDetailsResult.parse(sample('vm.json')).vm;

/** The engine's own rules on the recorded VM, changed so that every kind of action shows up. */
function engineItems(): PreflightItem[] {
  const facts: PreflightFacts = {
    vm: { ...vm, powerState: 'poweredOn', toolsRunningStatus: 'guestToolsRunning', snapshots: [], disks: vm.disks.map((d) => ({ ...d, parents: Array.from({ length: 9 }, (_, i) => `[LocalDS_0] x/disk1-00000${i}.vmdk`) })) },
    destination: { path: '/srv/out', usable: true, isDirectory: true, writable: true, freeBytes: 1024 },
    existingOutputs: ['/srv/out/DC0_H0_VM0.qcow2'],
    domainName: 'DC0_H0_VM0',
    libvirt: { uri: 'qemu:///system', domains: null, error: 'no socket' },
    downloadBytes: 10 * 2 ** 30,
    alreadyDownloadedBytes: 0,
    outputBytes: 20 * 2 ** 30,
  };
  return preflightItems(facts);
}

describe('pre-flight actions', () => {
  it('asks before powering off, with the engine\'s own question (recorded report)', () => {
    const item = poweredOn.items.find((i) => i.id === 'powered-on')!;
    expect(item.actions.map((a) => actionBehaviour(a, 'DC0_H0_VM0'))).toEqual([{ kind: 'call', call: 'vcenter.powerOff', question: item.actions[0]!.confirm }]);
  });

  it('turns every action the engine offers into something the page can do', () => {
    const behaviours = new Map<string, string>();
    for (const item of engineItems()) for (const action of item.actions) behaviours.set(action.id, actionBehaviour(action, 'DC0_H0_VM0').kind);
    expect(Object.fromEntries(behaviours)).toEqual({
      'shutdown-guest': 'call',
      'power-off': 'call',
      'choose-destination': 'choose-destination',
      'choose-name': 'choose-name',
      'consolidate-snapshots': 'help',
      'start-libvirt': 'help',
    });
    const help = actionBehaviour({ id: 'start-libvirt', label: 'How to start libvirt' }, 'x');
    expect(help.kind === 'help' && help.text).toContain('systemctl');
  });

  it('makes up a question for a call action that has none', () => {
    expect(actionBehaviour({ id: 'power-off', label: 'Power off', call: 'vcenter.powerOff' }, 'web01')).toEqual({ kind: 'call', call: 'vcenter.powerOff', question: 'Power off web01?' });
  });

  it('lists blockers, then warnings, then notes, keeping the engine\'s order within each', () => {
    const mixed: PreflightItem[] = [
      { id: 'a', severity: 'info', title: 'a', message: '', hint: '', actions: [] },
      { id: 'b', severity: 'blocker', title: 'b', message: '', hint: '', actions: [] },
      { id: 'c', severity: 'warning', title: 'c', message: '', hint: '', actions: [] },
      { id: 'd', severity: 'blocker', title: 'd', message: '', hint: '', actions: [] },
    ];
    expect(orderedItems(mixed).map((i) => i.id)).toEqual(['b', 'd', 'c', 'a']);
  });

  it.each([
    [{ blocker: 1, warning: 0, info: 2 }, '1 blocker, 2 notes'],
    [{ blocker: 2, warning: 1, info: 0 }, '2 blockers, 1 warning'],
    [{ blocker: 0, warning: 0, info: 0 }, 'No problems found'],
  ])('counts %j read "%s"', (counts, text) => {
    expect(countsText(counts)).toBe(text);
  });
});

describe('several VMs at once', () => {
  const request = { connectionId: 'vc-0123456789abcdef', vmId: 'vm-48' };
  const ready = (report: PreflightReport): PreflightState => ({ status: 'ready', request, report });

  it.each<[string, PreflightState | undefined, string]>([
    ['not asked yet', undefined, 'checking'],
    ['in flight', { status: 'loading', request }, 'checking'],
    ['powered on (recorded)', ready(poweredOn), 'blocked'],
    ['powered off (recorded)', ready(poweredOff), 'ready'],
    ['a warning', ready({ ...poweredOff, counts: { ...poweredOff.counts, warning: 1 } }), 'warnings'],
    ['failed', { status: 'error', request, error: { code: 'VSPHERE_UNREACHABLE', kind: 'failure', message: 'm', hint: 'h' } }, 'failed'],
  ])('verdict when %s', (_name, state, verdict) => {
    expect(verdictOf(state)).toBe(verdict);
  });

  it('says how many can go and which blockers they share', () => {
    const states = new Map<string, PreflightState>([
      ['vm-1', ready(poweredOn)],
      ['vm-2', ready(poweredOn)],
      ['vm-3', ready(poweredOff)],
      ['vm-4', { status: 'loading', request }],
    ]);
    expect(summarizeSelection(['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5'], states)).toEqual({
      total: 5,
      checking: 2,
      ready: 1,
      warnings: 0,
      blocked: 2,
      failed: 0,
      commonBlockers: [{ id: 'powered-on', title: 'The VM is running', vms: 2 }],
    });
  });

  it('runs at most `limit` checks at once and every one of them, even when some fail', async () => {
    let running = 0;
    let peak = 0;
    const done: string[] = [];
    const ids = Array.from({ length: 10 }, (_, i) => `vm-${i}`);
    await forEachBounded(ids, 3, async (id) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5 + (Number(id.slice(3)) % 3) * 5));
      running--;
      done.push(id);
      if (id === 'vm-4') throw new Error('this one fails');
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([...ids].sort());
  });
});
