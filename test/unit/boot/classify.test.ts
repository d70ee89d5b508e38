import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BootReason, BootVerdict, MilestoneKind } from '../../../shared/contract/models/boot';
import { BootClassifier, hintFor } from '../../../electron/engine/boot/classify';
import { MARKERS } from '../../../electron/engine/boot/markers';
import { BootReason as BootReasonSchema } from '../../../shared/contract/models/boot';

const sample = (name: string): string => readFileSync(join(import.meta.dirname, 'samples', name), 'utf8');

/** Feeds a serial transcript line by line, one second apart, the way the log grows. */
function feedSerialOverTime(c: BootClassifier, raw: string, stepMs = 1000): number {
  const pieces = raw.split(/(?<=\n)/);
  let at = 0;
  for (const piece of pieces) {
    at += stepMs;
    c.feedSerial(piece, at);
    if (c.outcome) break;
  }
  return at;
}

interface SerialCase {
  sample: string;
  firmware: 'bios' | 'uefi';
  verdict: BootVerdict;
  reason: BootReason;
  detail: RegExp;
  milestones: MilestoneKind[];
  excerptEndsWith: string;
}

/** Serial logs captured from real boots on this project's test machines (see the integration tests). */
const SERIAL_CASES: SerialCase[] = [
  {
    sample: 'debian-bios-login.serial.txt',
    firmware: 'bios',
    verdict: 'booted',
    reason: 'login-prompt',
    detail: /reached its login prompt/,
    milestones: ['firmware', 'bootloader', 'kernel', 'init', 'login'],
    excerptEndsWith: 'h2k-debian login:',
  },
  {
    sample: 'kernel-panic-init.serial.txt',
    firmware: 'bios',
    verdict: 'failed',
    reason: 'kernel-panic',
    detail: /^The kernel panicked: Attempted to kill init! exitcode=0x00000100\.$/,
    milestones: ['firmware', 'bootloader', 'kernel', 'init'],
    excerptEndsWith: 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100',
  },
  {
    sample: 'root-on-sda.serial.txt',
    firmware: 'bios',
    verdict: 'failed',
    reason: 'root-not-found',
    // "Gave up waiting" comes first; the ALERT line a moment later names the device.
    detail: /^The initramfs could not find the root device \/dev\/sda1 and dropped to a shell\.$/,
    milestones: ['firmware', 'bootloader', 'kernel', 'init'],
    excerptEndsWith: 'ALERT!  /dev/sda1 does not exist.  Dropping to a shell!',
  },
  {
    sample: 'fstab-missing-disk.serial.txt',
    firmware: 'bios',
    verdict: 'failed',
    reason: 'emergency-mode',
    detail: /emergency mode/,
    milestones: ['firmware', 'bootloader', 'kernel', 'init'],
    excerptEndsWith: 'Reached target emergency.target - Emergency Mode.',
  },
  {
    sample: 'grub-rescue.serial.txt',
    firmware: 'bios',
    verdict: 'failed',
    reason: 'grub-rescue',
    detail: /grub rescue>/,
    milestones: ['firmware', 'bootloader'],
    excerptEndsWith: 'error: unknown filesystem.\ngrub rescue>',
  },
  {
    sample: 'seabios-no-bootable-device.serial.txt',
    firmware: 'bios',
    verdict: 'failed',
    reason: 'no-bootable-device',
    detail: /No bootable device/,
    milestones: ['firmware'],
    excerptEndsWith: 'Boot failed: not a bootable disk',
  },
  {
    sample: 'ovmf-efi-shell.serial.txt',
    firmware: 'uefi',
    verdict: 'failed',
    reason: 'efi-shell',
    detail: /built-in shell/,
    milestones: ['firmware'],
    excerptEndsWith: 'UEFI Interactive Shell v2.2',
  },
];

describe('BootClassifier on real serial logs', () => {
  it.each(SERIAL_CASES)('$sample → $verdict ($reason)', (c) => {
    const classifier = new BootClassifier({ firmware: c.firmware });
    feedSerialOverTime(classifier, sample(c.sample));
    const outcome = classifier.outcome;
    expect(outcome).toMatchObject({ verdict: c.verdict, reason: c.reason, excerptSource: 'serial' });
    expect(outcome?.detail).toMatch(c.detail);
    expect(outcome?.excerpt.trimEnd().endsWith(c.excerptEndsWith)).toBe(true);
    expect(outcome?.excerpt.includes('\x1b')).toBe(false);
    expect(outcome?.hint).toBe(hintFor(c.reason, c.firmware));
    expect(classifier.milestones.map((m) => m.kind)).toEqual(c.milestones);
  });

  it('compresses the initramfs waiting loop in the excerpt', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    feedSerialOverTime(classifier, sample('root-on-sda.serial.txt'));
    expect(classifier.outcome?.excerpt).toMatch(/^Begin: Running \/scripts\/local-block \.\.\. done\. \[×\d+\]$/m);
  });

  it('gets no verdict from a guest without a serial console: only firmware and GRUB speak', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    feedSerialOverTime(classifier, sample('no-serial-console.serial.txt'));
    expect(classifier.outcome).toBeNull();
    expect(classifier.milestones.map((m) => m.kind)).toEqual(['firmware', 'bootloader']);
  });

  it('times the milestones by when their lines arrived, in boot order', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    feedSerialOverTime(classifier, sample('debian-bios-login.serial.txt'));
    const times = classifier.milestones.map((m) => m.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(classifier.milestones.find((m) => m.kind === 'kernel')?.text).toMatch(/^\[\s+0\.000000\] Linux version 6\.1\./);
    expect(classifier.milestones.find((m) => m.kind === 'bootloader')?.text).toBe('GRUB loading.');
    expect(classifier.milestones.find((m) => m.kind === 'init')?.text).toBe('[    4.775695] Run /init as init process');
    expect(classifier.milestones.every((m) => m.source === 'serial')).toBe(true);
  });

  it('decides the same however the log is cut into reads', () => {
    const raw = sample('debian-bios-login.serial.txt');
    for (const size of [1, 13, 512, raw.length]) {
      const classifier = new BootClassifier({ firmware: 'bios' });
      for (let i = 0; i < raw.length && !classifier.outcome; i += size) classifier.feedSerial(raw.slice(i, i + size), i);
      expect(classifier.outcome?.reason).toBe('login-prompt');
      expect(classifier.milestones.map((m) => m.kind)).toEqual(['firmware', 'bootloader', 'kernel', 'init', 'login']);
    }
  });

  it('sees the login prompt before its line ends (a prompt waits for input)', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial('Debian GNU/Linux 12 h2k-debian ttyS0\r\n\r\nh2k-debian login: ', 41_000);
    expect(classifier.outcome).toMatchObject({ verdict: 'booted', reason: 'login-prompt', atMs: 41_000 });
    expect(classifier.outcome?.excerpt).toBe('Debian GNU/Linux 12 h2k-debian ttyS0\n\nh2k-debian login:');
  });

  it('does not decide on half a line that is not a prompt', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial('[   30.308827] Kernel panic - not syncing: VFS: Unable to mo', 1);
    expect(classifier.outcome).toBeNull();
    classifier.feedSerial('unt root fs on unknown-block(0,0)\r\n', 2);
    expect(classifier.outcome?.detail).toBe('The kernel panicked: VFS: Unable to mount root fs on unknown-block(0,0).');
  });
});

describe('BootClassifier on screen text (tesseract output of real screenshots)', () => {
  it.each([
    ['debian-login.screen.txt', 'bios', 'booted', 'login-prompt'],
    ['seabios-no-bootable-device.screen.txt', 'bios', 'failed', 'no-bootable-device'],
    // tesseract reads "Shell>" as "Shel I>": the screen patterns allow for it.
    ['ovmf-efi-shell.screen.txt', 'uefi', 'failed', 'efi-shell'],
  ] as const)('%s → %s (%s)', (name, firmware, verdict, reason) => {
    const classifier = new BootClassifier({ firmware });
    classifier.feedScreen(sample(name), 30_000);
    expect(classifier.outcome).toMatchObject({ verdict, reason, excerptSource: 'screen', atMs: 30_000 });
    expect(classifier.outcome?.excerpt).toBe(sample(name).split('\n').map((l) => l.trim()).filter(Boolean).join('\n'));
  });

  it('follows a guest without serial console on its screen: kernel, init, login', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial(sample('no-serial-console.serial.txt'), 1500);
    classifier.feedScreen(sample('debian-grub-loading.screen.txt'), 22_000);
    classifier.feedScreen(sample('no-serial-console-kernel.screen.txt'), 37_000);
    classifier.feedScreen(sample('no-serial-console-initramfs.screen.txt'), 73_000);
    expect(classifier.outcome).toBeNull();
    classifier.feedScreen(sample('debian-login.screen.txt'), 135_000);
    expect(classifier.outcome).toMatchObject({ verdict: 'booted', reason: 'login-prompt', excerptSource: 'screen' });
    expect(classifier.milestones.map((m) => [m.kind, m.source, m.atMs])).toEqual([
      ['firmware', 'serial', 1500],
      ['bootloader', 'serial', 1500],
      ['kernel', 'screen', 37_000],
      ['init', 'screen', 73_000],
      ['login', 'screen', 135_000],
    ]);
  });

  it('takes milestones from the screen when the serial console is silent', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial(sample('no-bootloader.serial.txt'), 900);
    classifier.feedScreen(sample('debian-grub-loading.screen.txt'), 12_000);
    expect(classifier.outcome).toBeNull();
    expect(classifier.milestones).toEqual([
      { kind: 'firmware', atMs: 900, source: 'serial', text: 'SeaBIOS (version 1.16.2-debian-1.16.2-1)' },
      { kind: 'bootloader', atMs: 12_000, source: 'screen', text: 'Booting Debian GNU/Linux, with Linux 6.1.0-50-amd64°' },
    ]);
  });
});

describe('shapes we cannot boot here (hand-written in the form these systems print)', () => {
  it.each([
    ['Windows 10 blue screen', 'screen', 'Your PC ran into a problem and needs to restart. We\'re just\ncollecting some error info, and then we\'ll restart for you.\n\n20% complete\n\nIf you call a support person, give them this info:\nStop code: INACCESSIBLE BOOT DEVICE', 'windows-stop-code', /stop code INACCESSIBLE_BOOT_DEVICE/],
    ['Windows 7 stop screen', 'screen', '*** STOP: 0x0000007B (0xFFFFF880009A9928,0xFFFFFFFFC0000034,0x0000000000000000,0x0000000000000000)', 'windows-stop-code', /INACCESSIBLE_BOOT_DEVICE/],
    ['Windows Boot Manager', 'screen', 'Windows Boot Manager\nWindows failed to start. A recent hardware or software change might be the cause.\nStatus: 0xc000000e', 'windows-stop-code', /Boot Manager could not start Windows/],
    ['dracut (RHEL 8) waiting for its root LV', 'serial', '[  191.1] dracut-initqueue[437]: Warning: dracut-initqueue: timeout, still waiting for following initqueue hooks:\r\n', 'dracut-timeout', /dracut timed out/],
    ['dracut saying the root device is gone', 'serial', 'Warning: /dev/mapper/rhel-root does not exist\r\n\r\nGenerating "/run/initramfs/rdsosreport.txt"\r\n', 'root-not-found', /\/dev\/mapper\/rhel-root/],
    ['GRUB without a configuration', 'serial', '                             GNU GRUB  version 2.06\r\n\r\n   Minimal BASH-like line editing is supported.\r\n\r\ngrub> ', 'grub-rescue', /no configuration/],
    ['OVMF with nothing to boot', 'serial', 'BdsDxe: No bootable option or device was found.\r\n', 'no-bootable-device', /No bootable device/],
    ['cloud-init finishing', 'serial', '[   61.2] cloud-init[612]: Cloud-init v. 23.1.2 finished at Wed, 25 Nov 2026 19:00:00 +0000. Datasource DataSourceNoCloud.  Up 61.10 seconds\r\n', 'cloud-init-finished', /cloud-init finished/],
    ['systemd rescue', 'serial', 'You are in rescue mode. After logging in, type "journalctl -xb" to view\r\n', 'emergency-mode', /emergency mode/],
  ] as const)('%s', (_name, source, text, reason, detail) => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    if (source === 'screen') classifier.feedScreen(text, 5000);
    else classifier.feedSerial(text, 5000);
    expect(classifier.outcome?.reason).toBe(reason);
    expect(classifier.outcome?.detail).toMatch(detail);
  });
});

describe('verdicts that need time', () => {
  it('waits after "Reached target multi-user" for a login prompt, then settles without one', () => {
    const classifier = new BootClassifier({ firmware: 'bios', settleMs: 10_000 });
    classifier.feedSerial('[  OK  ] Reached target multi-user.target - Multi-User System.\r\n', 40_000);
    expect(classifier.outcome).toBeNull();
    classifier.tick(49_999);
    expect(classifier.outcome).toBeNull();
    classifier.tick(50_000);
    expect(classifier.outcome).toMatchObject({ verdict: 'booted', reason: 'systemd-target', atMs: 40_000 });
  });

  it('prefers the login prompt that comes during the settle time', () => {
    const classifier = new BootClassifier({ firmware: 'bios', settleMs: 10_000 });
    classifier.feedSerial('[  OK  ] Reached target graphical.target - Graphical Interface.\r\n', 40_000);
    classifier.feedSerial('\r\nweb01 login: ', 43_000);
    expect(classifier.outcome).toMatchObject({ reason: 'login-prompt', atMs: 43_000 });
  });

  it('lets a failure during the settle time win over the provisional success', () => {
    const classifier = new BootClassifier({ firmware: 'bios', settleMs: 10_000 });
    classifier.feedSerial('[  OK  ] Reached target multi-user.target - Multi-User System.\r\n', 40_000);
    classifier.feedSerial('[   45.0] Kernel panic - not syncing: Fatal exception\r\n', 45_000);
    expect(classifier.outcome?.reason).toBe('kernel-panic');
  });

  it('counts a provisional success at the end of the watch', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial('[  OK  ] Reached target multi-user.target - Multi-User System.\r\n', 40_000);
    expect(classifier.finish(42_000, 'timeout')).toMatchObject({ verdict: 'booted', reason: 'systemd-target' });
  });

  it('takes a guest-agent answer as booted', () => {
    const classifier = new BootClassifier({ firmware: 'uefi' });
    classifier.agentAnswered(33_000);
    expect(classifier.outcome).toMatchObject({ verdict: 'booted', reason: 'guest-agent', atMs: 33_000, hint: '' });
  });

  it('names the last stage and the last thing systemd waited for when time runs out', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    feedSerialOverTime(classifier, sample('debian-bios-login.serial.txt').split('Begin: Running /scripts/init-bottom')[0]!, 100);
    classifier.feedSerial('[ ***  ] A start job is running for /dev/disk/by-uuid/1234-ABCD (1min 2s / 1min 30s)\r\n', 90_000);
    const outcome = classifier.finish(300_000, 'timeout', { timeoutSeconds: 300 });
    expect(outcome.verdict).toBe('timeout');
    expect(outcome.detail).toMatch(/within 300 s; the last stage seen was the init at \d+\.\d s; last sign: systemd was waiting for \/dev\/disk\/by-uuid\/1234-ABCD\.$/);
  });

  it('reports a guest that stopped by itself', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial('SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n', 800);
    expect(classifier.finish(5000, 'guest-stopped')).toMatchObject({ verdict: 'failed', reason: 'guest-stopped', excerpt: 'SeaBIOS (version 1.16.2-debian-1.16.2-1)' });
  });

  it('reports a hypervisor that paused the guest', () => {
    const classifier = new BootClassifier({ firmware: 'uefi' });
    expect(classifier.finish(3000, 'hypervisor-error', { message: 'The hypervisor paused the guest (unknown).' })).toMatchObject({
      verdict: 'failed',
      reason: 'hypervisor-error',
      detail: 'The hypervisor paused the guest (unknown).',
      excerptSource: 'none',
    });
  });
});

describe('a boot loader that never starts (real no-bootloader disk)', () => {
  const serial = sample('no-bootloader.serial.txt');
  const screen = sample('no-bootloader.screen.txt');

  it('is a hang once serial and screen have both stayed at "Booting from Hard Disk..." long enough', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial(serial, 900);
    classifier.feedScreen(screen, 10_000);
    expect(classifier.stalledAfterFirmware(40_000, 45_000)).toBe(false);
    classifier.feedScreen(screen, 35_000);
    expect(classifier.stalledAfterFirmware(46_000, 45_000)).toBe(true);
    expect(classifier.decideBootloaderHang(46_000)).toMatchObject({ verdict: 'failed', reason: 'bootloader-hang' });
  });

  it('is no hang when the screen moved on (Windows boots graphically with a silent serial port)', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial(serial, 900);
    classifier.feedScreen('', 40_000);
    expect(classifier.stalledAfterFirmware(60_000, 45_000)).toBe(false);
    expect(classifier.finish(300_000, 'timeout', { screenRead: true }).reason).toBe('timeout');
  });

  it('is a hang at the timeout too, but only if the screen was read', () => {
    const unread = new BootClassifier({ firmware: 'bios' });
    unread.feedSerial(serial, 900);
    expect(unread.finish(300_000, 'timeout', { screenRead: false }).reason).toBe('timeout');
    const read = new BootClassifier({ firmware: 'bios' });
    read.feedSerial(serial, 900);
    read.feedScreen(screen, 290_000);
    expect(read.finish(300_000, 'timeout', { screenRead: true }).reason).toBe('bootloader-hang');
  });
});

describe('the marker table', () => {
  it('uses only reasons the contract knows, and every reason has a hint', () => {
    for (const marker of MARKERS) if (marker.outcome) expect(BootReasonSchema.options).toContain(marker.outcome.reason);
    for (const reason of BootReasonSchema.options) {
      const hint = hintFor(reason, 'bios');
      if (['login-prompt', 'systemd-target', 'cloud-init-finished', 'guest-agent'].includes(reason)) expect(hint).toBe('');
      else expect(hint.length).toBeGreaterThan(20);
    }
  });

  it('suggests the other firmware when the firmware finds nothing to boot', () => {
    expect(hintFor('no-bootable-device', 'bios')).toMatch(/UEFI/);
    expect(hintFor('no-bootable-device', 'uefi')).toMatch(/BIOS/);
    expect(hintFor('efi-shell', 'uefi')).toMatch(/BIOS/);
  });
});
