import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootClassifier } from '../../../electron/engine/boot/classify';
import { ConsoleScreen } from '../../../electron/engine/boot/console-screen';
import type { ConsolePatch } from '../../../electron/engine/boot/console-screen';

/** Serial output recorded from real boots under qemu (samples/). */
const sample = (name: string): string => readFileSync(join(import.meta.dirname, 'samples', name), 'utf8');
const apply = (lines: string[], patch: ConsolePatch): string[] => [...lines.slice(0, patch.from), ...patch.lines];

describe('the serial console through a terminal emulator', () => {
  it('shows GRUB\u2019s menu as the box it draws, not a column of "|" and split words', async () => {
    const screen = new ConsoleScreen();
    await screen.write(sample('debian-bios-login.serial.txt'));
    const lines = screen.lines();
    const title = lines.findIndex((l) => l.includes('GNU GRUB  version 2.06'));
    expect(title).toBeGreaterThan(0);
    // The box, as on screen: its top edge, the entry inside its frame, its bottom edge.
    expect(lines[title + 2]).toMatch(/^ [+┌][-─]{76}[+┐]$/);
    expect(lines[title + 3]).toMatch(/^ [|│]\*Debian GNU\/Linux, with Linux 6\.1\.0-50-amd64 +[|│]/);
    expect(lines.slice(title, title + 20).some((l) => /^\s*[|│]\s*$/.test(l))).toBe(false);
    expect(lines).toContain('      Use the ^ and v keys to select which entry is highlighted.');
    expect(lines.slice(0, title)).toContain('SeaBIOS (version 1.16.2-debian-1.16.2-1)');
    // The firmware's lines before GRUB cleared the screen are still there, and the end is the prompt.
    expect(lines.slice(0, title).join('\n')).toContain('Booting from Hard Disk...');
    expect(lines.at(-1)).toBe('h2k-debian login:');
    // systemd's "\r\r\n" line ends: one line each, not a blank line after every line.
    const tail = lines.slice(-12);
    expect(tail.filter((l) => l.trim() === '').length).toBeLessThanOrEqual(3);
    screen.dispose();
  });

  it('sends changes that rebuild the console exactly, however the output is cut into reads', async () => {
    const raw = sample('debian-bios-login.serial.txt');
    const screen = new ConsoleScreen();
    let shown: string[] = [];
    let patches = 0;
    for (let i = 0; i < raw.length; i += 997) {
      await screen.write(raw.slice(i, i + 997));
      const patch = screen.patch();
      if (patch) {
        patches++;
        shown = apply(shown, patch);
      }
    }
    expect(shown).toEqual(screen.lines());
    expect(patches).toBeGreaterThan(10);
    expect(screen.patch()).toBeNull();
    screen.dispose();
  });

  it('quotes the verdict\u2019s excerpt single-spaced, as the console showed it', async () => {
    const raw = sample('fstab-missing-disk.serial.txt');
    const screen = new ConsoleScreen();
    await screen.write(raw);
    const excerpt = screen.excerpt(30).split('\n');
    expect(excerpt.length).toBeLessThanOrEqual(30);
    // No line followed by a blank one, line after line (what "\r\r\n" made of it before).
    const blanks = excerpt.filter((l) => l.trim() === '').length;
    expect(blanks).toBeLessThan(excerpt.length / 4);
    screen.dispose();
  });
});

describe('the classifier\u2019s own lines', () => {
  it('are single-spaced when systemd ends lines with "\\r\\r\\n", also when a read ends between the two', () => {
    const classifier = new BootClassifier({ firmware: 'bios' });
    classifier.feedSerial('[  OK  ] Started one.service.\r', 1);
    classifier.feedSerial('\r\n[  OK  ] Started two.service.\r\r\n', 2);
    classifier.feedSerial('[  OK  ] Reached target emergency.target - Emergency Mode.\r\r\n', 3);
    const outcome = classifier.finish(4, 'timeout');
    expect(outcome.excerpt).toBe('[  OK  ] Started one.service.\n[  OK  ] Started two.service.\n[  OK  ] Reached target emergency.target - Emergency Mode.');
  });
});
