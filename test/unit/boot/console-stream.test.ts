import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleTextStream } from '../../../electron/engine/boot/console-stream';
import { terminalLines } from '../../../electron/engine/boot/terminal-text';

const sample = (name: string): string => readFileSync(join(import.meta.dirname, 'samples', name), 'utf8');

/** Feeds `raw` in pieces of `size` and concatenates what comes out, as the wizard does. */
function streamed(raw: string, size: number): { text: string; pieces: string[] } {
  const stream = new ConsoleTextStream();
  const pieces: string[] = [];
  for (let i = 0; i < raw.length; i += size) pieces.push(stream.push(raw.slice(i, i + size)));
  return { text: pieces.join(''), pieces };
}

describe('ConsoleTextStream', () => {
  it.each([
    ['a prompt without newline comes out at once', ['Debian GNU/Linux 12 h2k-debian ttyS0\r\n\r\nh2k-debian login: '], ['Debian GNU/Linux 12 h2k-debian ttyS0\n\nh2k-debian login: ']],
    ['a line written in two reads is not repeated', ['Booting from ', 'Hard Disk...\r\n'], ['Booting from ', 'Hard Disk...\n']],
    ['an escape sequence cut between reads is held back, then dropped', ['[\x1b[0;3', '2m  OK  \x1b[0m] Started\r\n'], ['[', '  OK  ] Started\n']],
    ['a read with nothing visible gives nothing', ['\x1b[?25l'], ['']],
    ["systemd's \\r\\r\\n is one line end, also when a read ends between the returns and the newline", ['[  OK  ] Started\r', '\r\nnext\r\r\n'], ['[  OK  ] Started', '\nnext\n']],
  ])('%s', (_name, reads, pieces) => {
    const stream = new ConsoleTextStream();
    expect(reads.map((r) => stream.push(r))).toEqual(pieces);
  });

  it.each([1, 13, 64 * 1024])('the real Debian boot transcript read %i bytes at a time: the same lines as read whole, ending at the login prompt', (size) => {
    const raw = sample('debian-bios-login.serial.txt');
    const { text } = streamed(raw, size);
    expect(text).not.toMatch(/\x1b|\r/); // eslint-disable-line no-control-regex
    expect(text.split('\n').filter(Boolean)).toEqual(terminalLines(raw).filter(Boolean));
    // One line per systemd status line, not a blank line after each.
    expect(text).toContain('[  OK  ] Reached target graphical.target - Graphical Interface.\n         Starting systemd-update-ut');
    expect(text.endsWith('Debian GNU/Linux 12 h2k-debian ttyS0\n\nh2k-debian login: ')).toBe(true);
  });
});
