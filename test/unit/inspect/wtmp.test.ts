import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseUtmp, recentLogins, UTMP_RECORD_SIZE, wtmpTail } from '../../../electron/engine/inspect/linux/wtmp';

/**
 * A real wtmp written by util-linux 2.38 from this text with `utmpdump -r -o wtmp < wtmp.txt`
 * (the binary is gzipped and base64'd here: `gzip -9 -n -c wtmp | base64`):
 *
 * [2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0-28-amd64      ] [0.0.0.0        ] [2025-11-24T16:00:01,000000+00:00]
 * [1] [00053] [~~  ] [runlevel] [~           ] [6.1.0-28-amd64      ] [0.0.0.0        ] [2025-11-24T16:00:04,000000+00:00]
 * [6] [00412] [tyS0] [LOGIN   ] [ttyS0       ] [                    ] [0.0.0.0        ] [2025-11-24T16:00:05,000000+00:00]
 * [7] [00412] [tyS0] [root    ] [ttyS0       ] [                    ] [0.0.0.0        ] [2025-11-24T16:02:10,000000+00:00]
 * [8] [00412] [tyS0] [        ] [ttyS0       ] [                    ] [0.0.0.0        ] [2025-11-24T16:10:00,000000+00:00]
 * [2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0-28-amd64      ] [0.0.0.0        ] [2025-11-25T16:00:01,000000+00:00]
 * [7] [00801] [ts/0] [admin   ] [pts/0       ] [192.0.2.10          ] [192.0.2.10     ] [2025-11-25T16:05:00,250000+00:00]
 * [8] [00801] [ts/0] [        ] [pts/0       ] [                    ] [0.0.0.0        ] [2025-11-25T16:20:00,000000+00:00]
 * [7] [00902] [tty1] [operator] [tty1        ] [                    ] [0.0.0.0        ] [2025-11-25T16:30:00,000000+00:00]
 */
const WTMP = gunzipSync(
  Buffer.from(
    'H4sIAAAAAAACA2NigIA6Bvygrk5BoSg1KT+/BLcaMz1DPQNdIwvdxNwUMxOGEQsYG1UyiVYLxKbEhn9pXk5qWWrOaPjjBywkhD8b' +
      'EM8BRkJJSWWwAR51IGkff3dPP4ZRQAiwkhD+7CSEfxHe0mcUwEATCeHPQUL4j4YscSCimfjwZxqtf6kOGi+pklT+KDIzMBSUFOvj' +
      'Tf9A6cSU3Mw8PGoMLY30DPSM9AxHeE5Zc1k1c8IFZoYDDExcxJQ/xIb/aMlCHDC4Tlr6b2MGl/+G+NSB5PMLUosSS/KLRkMYP+i4' +
      'SXz4AwDYnl4ngA0AAA==',
    'base64',
  ),
);

/**
 * `last -f wtmp --time-format iso` on the same file (host TZ=UTC):
 *
 * operator tty1                          2025-11-25T16:30:00+00:00   gone - no logout
 * admin    pts/0        192.0.2.10       2025-11-25T16:05:00+00:00 - 2025-11-25T16:20:00+00:00  (00:15)
 * reboot   system boot  6.1.0-28-amd64   2025-11-25T16:00:01+00:00   still running
 * root     ttyS0                         2025-11-24T16:02:10+00:00 - 2025-11-24T16:10:00+00:00  (00:07)
 * reboot   system boot  6.1.0-28-amd64   2025-11-24T16:00:01+00:00   still running
 */
const LAST_LOGINS = [
  { user: 'operator', line: 'tty1', host: null, at: '2025-11-25T16:30:00.000Z' },
  { user: 'admin', line: 'pts/0', host: '192.0.2.10', at: '2025-11-25T16:05:00.250Z' },
  { user: 'root', line: 'ttyS0', host: null, at: '2025-11-24T16:02:10.000Z' },
];

describe('wtmp records (glibc x86-64 struct utmp)', () => {
  it('reads every field of a record as utmpdump wrote it', () => {
    expect(WTMP.length).toBe(9 * UTMP_RECORD_SIZE);
    const records = parseUtmp(WTMP);
    expect(records.map((r) => r.type)).toEqual([2, 1, 6, 7, 8, 2, 7, 8, 7]);
    // utmpdump -r copies the 4-byte id field as written between the brackets, spaces included.
    expect(records[0]).toEqual({ type: 2, pid: 0, line: '~', id: '~~  ', user: 'reboot', host: '6.1.0-28-amd64', session: 0, sec: 1764000001, usec: 0 });
    expect(records[6]).toEqual({ type: 7, pid: 801, line: 'pts/0', id: 'ts/0', user: 'admin', host: '192.0.2.10', session: 0, sec: 1764086700, usec: 250000 });
  });

  it.each([
    { name: 'the logins last lists, newest first', data: WTMP, max: 50, expected: LAST_LOGINS },
    { name: 'at most max', data: WTMP, max: 2, expected: LAST_LOGINS.slice(0, 2) },
    { name: 'a torn last record is ignored', data: WTMP.subarray(0, 7 * UTMP_RECORD_SIZE + 100), max: 50, expected: [LAST_LOGINS[1], LAST_LOGINS[2]] },
    { name: 'an empty wtmp (rotated) has no logins', data: Buffer.alloc(0), max: 50, expected: [] },
    { name: 'a file of zeros (preallocated) has no logins', data: Buffer.alloc(4 * UTMP_RECORD_SIZE), max: 50, expected: [] },
  ])('$name', ({ data, max, expected }) => {
    expect(recentLogins(data, max)).toEqual(expected);
  });

  it.each([
    { size: 0, expected: { offset: 0, size: 0 } },
    { size: 9 * UTMP_RECORD_SIZE, expected: { offset: 0, size: 9 * UTMP_RECORD_SIZE } },
    // A torn last record: whole records only, the partial one is not asked for.
    { size: 9 * UTMP_RECORD_SIZE + 17, expected: { offset: 0, size: 9 * UTMP_RECORD_SIZE } },
    { size: 5000 * UTMP_RECORD_SIZE, expected: { offset: 3000 * UTMP_RECORD_SIZE, size: 2000 * UTMP_RECORD_SIZE } },
  ])('reads the tail of a $size byte wtmp', ({ size, expected }) => {
    expect(wtmpTail(size)).toEqual(expected);
  });
});
