import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../electron/engine/privilege/line-reader';

type Event = ['line', string] | ['oversized', string, number] | ['invalid', number];

function read(chunks: Array<string | Buffer>, max = 16, end = false): Event[] {
  const events: Event[] = [];
  const reader = new LineReader(max, {
    line: (text) => events.push(['line', text]),
    oversized: (head, bytes) => events.push(['oversized', head, bytes]),
    invalid: (bytes) => events.push(['invalid', bytes]),
  });
  for (const chunk of chunks) reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  if (end) reader.end();
  return events;
}

describe('LineReader', () => {
  it.each<[string, Array<string | Buffer>, Event[], boolean?]>([
    ['one line', ['{"a":1}\n'], [['line', '{"a":1}']]],
    ['two lines in one chunk', ['a\nb\n'], [['line', 'a'], ['line', 'b']]],
    ['a line split over chunks', ['ab', 'c', 'd\n'], [['line', 'abcd']]],
    ['CRLF', ['abc\r\n'], [['line', 'abc']]],
    ['incomplete line waits', ['abc'], []],
    ['incomplete line at the end of the stream', ['abc'], [['line', 'abc']], true],
    ['exactly the limit', ['x'.repeat(16) + '\n'], [['line', 'x'.repeat(16)]]],
    ['one byte over the limit', ['x'.repeat(17) + '\nok\n'], [['oversized', 'x'.repeat(17), 17], ['line', 'ok']]],
    ['oversized over many chunks, then a good line', ['{"v":1,"id":7,', 'y'.repeat(40), 'z'.repeat(40), '}\nnext\n'], [['oversized', `{"v":1,"id":7,${'y'.repeat(40)}`, 95], ['line', 'next']]],
    ['oversized without a newline at the end', ['x'.repeat(40)], [['oversized', 'x'.repeat(40), 40]], true],
    ['a multi-byte character split between chunks', [Buffer.from([0x22, 0xc3]), Buffer.from([0xa9, 0x22, 0x0a])], [['line', '"é"']]],
    ['not UTF-8', [Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), 'ok\n'], [['invalid', 3], ['line', 'ok']]],
    ['empty lines are lines', ['\n\n'], [['line', ''], ['line', '']]],
  ])('%s', (_name, chunks, expected, end = false) => {
    expect(read(chunks, 16, end)).toEqual(expected);
  });

  it('never holds more than the limit while skipping', () => {
    const events = read(['a'.repeat(10), 'b'.repeat(1_000_000), '\n'], 16);
    expect(events).toHaveLength(1);
    expect(events[0]?.[0]).toBe('oversized');
    expect(events[0]?.[2]).toBe(1_000_010);
  });
});
