import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TerminalText, terminalLines } from '../../../electron/engine/boot/terminal-text';

const sample = (name: string): string => readFileSync(join(import.meta.dirname, 'samples', name), 'utf8');

describe('terminalLines', () => {
  it.each([
    ['CRLF line ends', 'a\r\nb\r\n', ['a', 'b']],
    ['colours are dropped', '[\x1b[0;32m  OK  \x1b[0m] Reached target \x1b[0;1;39mmulti-user.target\x1b[0m - Multi-User System.\r\n', ['[  OK  ] Reached target multi-user.target - Multi-User System.']],
    ['cursor moves start a new line (GRUB, OVMF draw this way)', 'one\x1b[07;01Htwo\x1b[2J\x1b[01;01Hthree', ['one', 'two', '', 'three']],
    ['reset and private modes vanish', '\x1bc\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16.2)\r\n', ['', '', 'SeaBIOS (version 1.16.2)']],
    ['a lone CR ends a line', 'progress 1\rprogress 2\n', ['progress 1', 'progress 2']],
    ['other control bytes are dropped', 'a\x00b\x07c\n', ['abc']],
    ['a line without newline is kept at the end', 'h2k-debian login: ', ['h2k-debian login: ']],
  ])('%s', (_name, raw, lines) => expect(terminalLines(raw)).toEqual(lines));

  it('reads the real SeaBIOS transcript', () => {
    expect(terminalLines(sample('seabios-no-bootable-device.serial.txt')).filter(Boolean)).toEqual([
      'SeaBIOS (version 1.16.2-debian-1.16.2-1)',
      'Machine UUID 8c13a245-4713-4cc1-bbb4-fdbd3c74ee0b',
      'Booting from Hard Disk...',
      'Boot failed: not a bootable disk',
      'No bootable device.',
    ]);
  });
});

describe('TerminalText fed in pieces', () => {
  it('gives the same lines whatever the chunking, escape sequences cut in two included', () => {
    const raw = sample('debian-bios-login.serial.txt');
    const whole = terminalLines(raw);
    for (const size of [1, 7, 64, 4096]) {
      const t = new TerminalText();
      const lines: string[] = [];
      for (let i = 0; i < raw.length; i += size) lines.push(...t.push(raw.slice(i, i + size)));
      lines.push(...t.flush());
      // CRLF cut between two reads adds an empty line; compare the text that carries meaning.
      expect(lines.filter(Boolean)).toEqual(whole.filter(Boolean));
    }
  });

  it('holds back an escape sequence cut at the end of a read', () => {
    const t = new TerminalText();
    expect(t.push('text\x1b[0;3')).toEqual([]);
    expect(t.currentLine).toBe('text');
    expect(t.push('2mOK\n')).toEqual(['textOK']);
  });

  it('shows the prompt being written as the current line', () => {
    const t = new TerminalText();
    expect(t.push('Debian GNU/Linux 12 h2k-debian ttyS0\r\n\r\nh2k-debian login: ')).toEqual(['Debian GNU/Linux 12 h2k-debian ttyS0', '']);
    expect(t.currentLine).toBe('h2k-debian login: ');
  });
});
