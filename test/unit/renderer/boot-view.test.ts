import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendConsole, applyBootEvent, consoleText, initialBootView, MAX_BOOT_LOG_LINES, replayBootEvents, timeline, verdictText } from '../../../renderer/src/features/domain/boot-view';
import type { BootView } from '../../../renderer/src/features/domain/boot-view';
import { JobEvent } from '../../../shared/contract/events';

/** Event logs of real verify-boot jobs (`hyper2kvm verify-boot --json`), as the engine sent them. */
function recorded(name: string): JobEvent[] {
  return readFileSync(join(import.meta.dirname, 'samples', name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JobEvent.parse(JSON.parse(line)));
}

const debian = recorded('verify-boot-debian.events.jsonl');
const grubRescue = recorded('verify-boot-grub-rescue.events.jsonl');
const jobOf = (events: JobEvent[]): string => events[0]!.jobId;

describe('the Verify boot step from a real Debian boot', () => {
  it('ends with verdict booted, every milestone, the login prompt on the console and the last screenshot', () => {
    const view = replayBootEvents(jobOf(debian), debian);
    expect(view.outcome?.type).toBe('done');
    if (view.outcome?.type !== 'done') return;
    expect(view.outcome.result).toMatchObject({ verdict: 'booted', reason: 'login-prompt' });
    expect(view.milestones.map((m) => m.kind)).toEqual(['firmware', 'bootloader', 'kernel', 'init', 'login']);
    expect(view.console.endsWith('h2k-debian login: ')).toBe(true);
    expect(view.console).toContain('SeaBIOS (version');
    expect(view.console).not.toMatch(/\n\s*\n\s*\n/); // GRUB's redraws do not leave screens of blank lines
    expect(view.screenshots).toBe(debian.filter((e) => e.type === 'observation' && e.observation.kind === 'screenshot').length);
    expect(view.screenshot?.name).toBe(view.outcome.result.evidence.finalScreenshot!.split('/').at(-1));
    expect(view.title).toMatch(/^Verify that disk\.raw boots$/);
  });

  it('grows the console and the timeline while the guest boots', () => {
    let view = initialBootView(jobOf(debian));
    const shown = new Set<string>();
    const reached: number[] = [];
    for (const event of debian) {
      const before = view.console;
      view = applyBootEvent(view, event);
      // Text once shown stays (only runs of blank lines are folded).
      expect(view.console.startsWith(before.trimEnd())).toBe(true);
      shown.add(view.console);
      reached.push(timeline(view).filter((s) => s.state === 'reached').length);
    }
    expect(shown.size).toBeGreaterThan(20);
    expect(reached).toEqual([...reached].sort((a, b) => a - b));
    expect(reached.at(-1)).toBe(5);
    expect(timeline(view).map((s) => [s.kind, s.state])).toEqual([
      ['firmware', 'reached'],
      ['bootloader', 'reached'],
      ['kernel', 'reached'],
      ['init', 'reached'],
      ['login', 'reached'],
    ]);
  });

  it('says so when it booted', () => {
    const view = replayBootEvents(jobOf(debian), debian);
    if (view.outcome?.type !== 'done') throw new Error('not done');
    expect(verdictText(view.outcome.result)).toEqual({ variant: 'success', title: `The guest booted (${(view.outcome.result.verdictAtMs / 1000).toFixed(1)} s)` });
  });
});

describe('the Verify boot step from a guest stuck in GRUB rescue', () => {
  it('shows the failure, the prompt it stopped at, and where in the boot it stopped', () => {
    const view = replayBootEvents(jobOf(grubRescue), grubRescue);
    if (view.outcome?.type !== 'done') throw new Error('not done');
    expect(view.outcome.result).toMatchObject({ verdict: 'failed', reason: 'grub-rescue' });
    expect(view.console).toMatch(/\nerror: unknown filesystem\.\ngrub rescue> ?$/);
    expect(verdictText(view.outcome.result).variant).toBe('danger');
    expect(timeline(view).map((s) => s.state)).toEqual(['reached', 'reached', 'stopped', 'pending', 'pending']);
  });
});

describe('applyBootEvent', () => {
  const jobId = jobOf(grubRescue);
  const base = { jobId, at: '2026-11-25T20:53:30.000Z' };

  it('ignores observations of a kind it does not know, and other jobs', () => {
    const view = replayBootEvents(jobId, grubRescue.slice(0, 3));
    const unknown = { ...base, type: 'observation', stage: 'verify-boot', observation: { kind: 'temperature', celsius: 40 } } as unknown as JobEvent;
    expect(applyBootEvent(view, unknown)).toBe(view);
    const other = JobEvent.parse({ ...base, jobId: 'other-job-1', type: 'observation', stage: 'verify-boot', observation: { kind: 'console-text', atMs: 1, text: 'x' } });
    expect(applyBootEvent(view, other)).toBe(view);
  });

  it('keeps a milestone once, and nothing after the job ended', () => {
    const milestone = JobEvent.parse({ ...base, type: 'observation', stage: 'verify-boot', observation: { kind: 'milestone', milestone: { kind: 'firmware', atMs: 500, source: 'serial', text: 'SeaBIOS' } } });
    let view: BootView = applyBootEvent(applyBootEvent(initialBootView(jobId), milestone), milestone);
    expect(view.milestones).toHaveLength(1);
    view = applyBootEvent(view, JobEvent.parse({ ...base, type: 'cancelled', stage: 'verify-boot' }));
    expect(view.outcome).toEqual({ type: 'cancelled' });
    expect(applyBootEvent(view, JobEvent.parse({ ...base, type: 'observation', stage: 'verify-boot', observation: { kind: 'console-text', atMs: 9, text: 'late' } }))).toBe(view);
  });

  it('shows a result that does not match the contract as an error, not as a verdict', () => {
    const view = applyBootEvent(initialBootView(jobId), JobEvent.parse({ ...base, type: 'done', result: { verdict: 'booted' } }));
    expect(view.outcome).toMatchObject({ type: 'failed', error: { code: 'INTERNAL' } });
  });

  it('keeps the newest log lines only', () => {
    let view = initialBootView(jobId);
    for (let i = 0; i < MAX_BOOT_LOG_LINES + 5; i++) view = applyBootEvent(view, JobEvent.parse({ ...base, type: 'log', level: 'info', message: `line ${i}` }));
    expect(view.log).toHaveLength(MAX_BOOT_LOG_LINES);
    expect(view.log[0]!.message).toBe('line 5');
  });
});

describe('appendConsole', () => {
  it.each([
    ['plain text is appended', 'a\n', 'b\n', 'a\nb\n'],
    ['blank runs become one blank line', 'GRUB\n', '\n   \n\n\n  \nkernel', 'GRUB\n\nkernel'],
    ['also across two pieces', 'GRUB\n\n', '\n\nkernel', 'GRUB\n\nkernel'],
    ['one blank line stays', 'ttyS0\n', '\nlogin: ', 'ttyS0\n\nlogin: '],
  ])('%s', (_name, current, piece, expected) => {
    expect(appendConsole(current, piece).text).toBe(expected);
  });

  it('drops whole old lines beyond the limit and counts what it dropped', () => {
    const { text, dropped } = appendConsole('first line\nsecond line\n', 'third line\n', 20);
    expect(text).toBe('third line\n');
    expect(dropped).toBe('first line\nsecond line\n'.length);
  });
});

describe('the console as the engine\u2019s terminal shows it', () => {
  it('rebuilds the terminal\u2019s lines from its changes, GRUB\u2019s box included, and shows them instead of the text', async () => {
    const { ConsoleScreen } = await import('../../../electron/engine/boot/console-screen');
    const raw = readFileSync(join(import.meta.dirname, '..', 'boot', 'samples', 'debian-bios-login.serial.txt'), 'utf8');
    const screen = new ConsoleScreen();
    const jobId = 'job-screen-1';
    let view = initialBootView(jobId);
    for (let i = 0; i < raw.length; i += 4096) {
      await screen.write(raw.slice(i, i + 4096));
      const patch = screen.patch();
      if (!patch) continue;
      const event = JobEvent.parse({ type: 'observation', jobId, at: '2026-12-07T00:00:00Z', stage: 'verify-boot', observation: { kind: 'console-screen', atMs: i, ...patch } });
      view = applyBootEvent(view, event);
      const text = JobEvent.parse({ type: 'observation', jobId, at: '2026-12-07T00:00:00Z', stage: 'verify-boot', observation: { kind: 'console-text', atMs: i, text: 'ignored while the screen is known ' } });
      view = applyBootEvent(view, text);
    }
    expect(view.screen).toEqual(screen.lines());
    const shown = consoleText(view);
    expect(shown).toContain(' |*Debian GNU/Linux, with Linux 6.1.0-50-amd64');
    expect(shown).not.toContain('ignored while the screen is known');
    expect(shown.endsWith('h2k-debian login:')).toBe(true);
    screen.dispose();
  });
});
