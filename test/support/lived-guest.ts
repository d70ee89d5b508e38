import { DEBIAN_IDENTITY } from '../fixtures/debian/config';

/**
 * What the linuxLived inspect variant (test/support/inspect-fixtures.ts) holds of a guest that
 * has run: its persistent journal as journal export text (https://systemd.io/JOURNAL_EXPORT_FORMATS/),
 * which systemd-journal-remote turns into journal files, and its wtmp as `utmpdump -r` text.
 * Everything is derived from the constants here, so the same recipe writes the same journal.
 *
 * The messages are the ones systemd 252 writes (text, MESSAGE_ID and fields as in
 * src/core/unit.c, job.c and manager.c), so the inspection meets what a real guest holds.
 */

export const LIVED_BOOTS = {
  /** The boot before last: clean, "Startup finished" with its timings. */
  previous: 'a5c1e0f24b7d4e3a9c8b1d2e3f405162',
  /** The last boot: a unit that failed (and stayed failed), one that failed and then started. */
  last: '7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b',
} as const;

/** The unit that failed in the last boot (and was still failed when the journal ends). */
export const LIVED_FAILED_UNIT = 'h2k-report.service';
/** Failed once in the last boot, then started on its retry: not a failed unit. */
export const LIVED_RECOVERED_UNIT = 'ifup@ens192.service';
/** 1.204 s kernel + 2.317 s initrd + 4.560 s userspace, as "Startup finished" says. */
export const LIVED_STARTUP_MS = 8081;

/** 2025-11-24T08:00:00Z, the previous boot's first entry. */
const T0 = 1_763_971_200_000_000;
const DAY = 86_400_000_000;
const S = 1_000_000;

type Fields = Array<[string, string]>;

interface Entry {
  boot: string;
  /** Microseconds after the boot's first entry. */
  after: number;
  fields: Fields;
}

const pid1 = (unit: string): Fields => [
  ['SYSLOG_IDENTIFIER', 'systemd'],
  ['_PID', '1'],
  ['_COMM', 'systemd'],
  ['_SYSTEMD_UNIT', 'init.scope'],
  ['UNIT', unit],
];

function entries(): Entry[] {
  const p = LIVED_BOOTS.previous;
  const l = LIVED_BOOTS.last;
  return [
    { boot: p, after: 0, fields: [['PRIORITY', '5'], ['SYSLOG_IDENTIFIER', 'kernel'], ['_TRANSPORT', 'kernel'], ['MESSAGE', 'Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)']] },
    { boot: p, after: 3 * S, fields: [['PRIORITY', '4'], ['SYSLOG_IDENTIFIER', 'kernel'], ['_TRANSPORT', 'kernel'], ['MESSAGE', 'vmw_pvscsi: using 64bit dma']] },
    {
      boot: p,
      after: 8 * S,
      fields: [
        ['PRIORITY', '6'],
        ['SYSLOG_IDENTIFIER', 'systemd'],
        ['_PID', '1'],
        ['MESSAGE_ID', 'b07a249cd024414a82dd00cd181378ff'],
        ['KERNEL_USEC', '1310000'],
        ['INITRD_USEC', '2400000'],
        ['USERSPACE_USEC', '4290000'],
        ['MESSAGE', 'Startup finished in 1.310s (kernel) + 2.400s (initrd) + 4.290s (userspace) = 8.000s.'],
      ],
    },
    { boot: p, after: 3600 * S, fields: [['PRIORITY', '6'], ['SYSLOG_IDENTIFIER', 'systemd-logind'], ['_SYSTEMD_UNIT', 'systemd-logind.service'], ['MESSAGE', 'System is powering down.']] },

    { boot: l, after: 0, fields: [['PRIORITY', '5'], ['SYSLOG_IDENTIFIER', 'kernel'], ['_TRANSPORT', 'kernel'], ['MESSAGE', 'Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)']] },
    { boot: l, after: 2 * S, fields: [['PRIORITY', '4'], ['SYSLOG_IDENTIFIER', 'kernel'], ['_TRANSPORT', 'kernel'], ['MESSAGE', 'vmw_pvscsi: using 64bit dma']] },
    { boot: l, after: 2 * S + 1000, fields: [['PRIORITY', '3'], ['SYSLOG_IDENTIFIER', 'kernel'], ['_TRANSPORT', 'kernel'], ['MESSAGE', 'piix4_smbus 0000:00:07.3: SMBus Host Controller not enabled!']] },
    { boot: l, after: 5 * S, fields: [['PRIORITY', '3'], ['SYSLOG_IDENTIFIER', 'ifup'], ['_SYSTEMD_UNIT', LIVED_RECOVERED_UNIT], ['MESSAGE', 'ifup: failed to bring up ens192']] },
    { boot: l, after: 5 * S + 1000, fields: [['PRIORITY', '4'], ['MESSAGE_ID', 'd9b373ed55a64feb8242e02dbe79a49c'], ['UNIT_RESULT', 'exit-code'], ...pid1(LIVED_RECOVERED_UNIT), ['MESSAGE', `${LIVED_RECOVERED_UNIT}: Failed with result 'exit-code'.`]] },
    { boot: l, after: 6 * S, fields: [['PRIORITY', '6'], ['MESSAGE_ID', '39f53479d3a045ac8e11786248231fbf'], ['JOB_TYPE', 'start'], ['JOB_RESULT', 'done'], ...pid1(LIVED_RECOVERED_UNIT), ['MESSAGE', 'Finished ifup@ens192.service - ifup for ens192.']] },
    { boot: l, after: 7 * S, fields: [['PRIORITY', '3'], ['SYSLOG_IDENTIFIER', 'h2k-report'], ['_SYSTEMD_UNIT', LIVED_FAILED_UNIT], ['MESSAGE', 'h2k-report: cannot write /srv/reports/daily.csv: No such file or directory']] },
    { boot: l, after: 7 * S + 2000, fields: [['PRIORITY', '4'], ['MESSAGE_ID', 'd9b373ed55a64feb8242e02dbe79a49c'], ['UNIT_RESULT', 'exit-code'], ...pid1(LIVED_FAILED_UNIT), ['MESSAGE', `${LIVED_FAILED_UNIT}: Failed with result 'exit-code'.`]] },
    { boot: l, after: 7 * S + 3000, fields: [['PRIORITY', '3'], ['MESSAGE_ID', 'be02cf6855d2428ba40df7e9d022f03d'], ['JOB_TYPE', 'start'], ['JOB_RESULT', 'failed'], ...pid1(LIVED_FAILED_UNIT), ['MESSAGE', `Failed to start ${LIVED_FAILED_UNIT} - Daily report.`]] },
    {
      boot: l,
      after: 8100 * 1000,
      fields: [
        ['PRIORITY', '6'],
        ['SYSLOG_IDENTIFIER', 'systemd'],
        ['_PID', '1'],
        ['MESSAGE_ID', 'b07a249cd024414a82dd00cd181378ff'],
        ['KERNEL_USEC', '1204000'],
        ['INITRD_USEC', '2317000'],
        ['USERSPACE_USEC', '4560000'],
        ['MESSAGE', 'Startup finished in 1.204s (kernel) + 2.317s (initrd) + 4.560s (userspace) = 8.081s.'],
      ],
    },
    { boot: l, after: 600 * S, fields: [['PRIORITY', '4'], ['SYSLOG_IDENTIFIER', 'sshd'], ['_SYSTEMD_UNIT', 'ssh.service'], ['MESSAGE', 'pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.10  user=admin']] },
  ];
}

/** The journal in export format: one entry per paragraph, each ended by an empty line. */
export function livedJournalExport(): string {
  const starts: Record<string, number> = { [LIVED_BOOTS.previous]: T0, [LIVED_BOOTS.last]: T0 + DAY };
  return entries()
    .map((e) =>
      [
        `__REALTIME_TIMESTAMP=${starts[e.boot]! + e.after}`,
        // Monotonic time counts from the kernel's start, ~0.9 s before its first message.
        `__MONOTONIC_TIMESTAMP=${900_000 + e.after}`,
        `_BOOT_ID=${e.boot}`,
        `_MACHINE_ID=${DEBIAN_IDENTITY.machineId}`,
        `_HOSTNAME=${DEBIAN_IDENTITY.hostname}`,
        ...(e.fields.some(([k]) => k === '_TRANSPORT') ? [] : ['_TRANSPORT=journal']),
        ...e.fields.map(([k, v]) => `${k}=${v}`),
        '',
        '',
      ].join('\n'),
    )
    .join('');
}

/** The boots' first and last entries, as ISO times (what the inspection must report). */
export function livedBootTimes(): Record<string, { first: string; last: string }> {
  const out: Record<string, { first: string; last: string }> = {};
  const starts: Record<string, number> = { [LIVED_BOOTS.previous]: T0, [LIVED_BOOTS.last]: T0 + DAY };
  for (const e of entries()) {
    const at = new Date((starts[e.boot]! + e.after) / 1000).toISOString();
    const b = (out[e.boot] ??= { first: at, last: at });
    if (at < b.first) b.first = at;
    if (at > b.last) b.last = at;
  }
  return out;
}

/**
 * The guest's wtmp as `utmpdump -r` reads it: two boots, a console login, an ssh login from a
 * remote host with its logout, and a login still open.
 */
export const LIVED_WTMP_DUMP = [
  '[2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0-28-amd64      ] [0.0.0.0        ] [2025-11-24T08:00:01,000000+00:00]',
  '[1] [00053] [~~  ] [runlevel] [~           ] [6.1.0-28-amd64      ] [0.0.0.0        ] [2025-11-24T08:00:08,000000+00:00]',
  '[6] [00412] [tyS0] [LOGIN   ] [ttyS0       ] [                    ] [0.0.0.0        ] [2025-11-24T08:00:09,000000+00:00]',
  '[7] [00412] [tyS0] [root    ] [ttyS0       ] [                    ] [0.0.0.0        ] [2025-11-24T08:02:10,000000+00:00]',
  '[8] [00412] [tyS0] [        ] [ttyS0       ] [                    ] [0.0.0.0        ] [2025-11-24T08:40:00,000000+00:00]',
  '[2] [00000] [~~  ] [reboot  ] [~           ] [6.1.0-28-amd64      ] [0.0.0.0        ] [2025-11-25T08:00:01,000000+00:00]',
  '[7] [00801] [ts/0] [admin   ] [pts/0       ] [192.0.2.10          ] [192.0.2.10     ] [2025-11-25T08:09:00,250000+00:00]',
  '[8] [00801] [ts/0] [        ] [pts/0       ] [                    ] [0.0.0.0        ] [2025-11-25T08:20:00,000000+00:00]',
  '[7] [00902] [tty1] [operator] [tty1        ] [                    ] [0.0.0.0        ] [2025-11-25T08:30:00,000000+00:00]',
  '',
].join('\n');
