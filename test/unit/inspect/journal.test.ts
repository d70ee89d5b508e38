import { describe, expect, it } from 'vitest';
import { countEntries, failedUnits, hasJournalFiles, journalQueries, parseJournalJson, parseListBoots, startupMs, summarizeJournal, toJournalEntry } from '../../../electron/engine/inspect/linux/journal';

/*
 * Real journalctl output (systemd 252.39, Debian 12) on the linuxLived fixture's journal: the
 * export text of test/support/lived-guest.ts (livedJournalExport()) written to
 * DIR/0f1e2d3c4b5a69788796a5b4c3d2e1f0/system.journal by
 * `/lib/systemd/systemd-journal-remote --output=...system.journal lived.export`, then each query
 * of journalQueries run as the comment above it says. journalctl prints JSON fields in hash order,
 * so the order differs from run to run; the values do not.
 */

/** `journalctl --directory DIR --no-pager -q --list-boots -o json` */
const LIST = [
  "[{\"index\":-1,\"boot_id\":\"a5c1e0f24b7d4e3a9c8b1d2e3f405162\",\"first_entry\":1763971200000000,\"last_entry\":1763974800000000},{\"index\":0,\"boot_id\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\",\"first_entry\":1764057600000000,\"last_entry\":1764058200000000}]",
  "",
].join('\n');

/** `journalctl --directory DIR --no-pager -q -b 7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b -p 0..3 -n 200 -o json --output-fields=__REALTIME_TIMESTAMP,PRIORITY,MESSAGE,MESSAGE_ID,UNIT,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,JOB_RESULT,KERNEL_USEC,INITRD_USEC,USERSPACE_USEC` */
const ERRORS = [
  "{\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=7;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=2c4408;t=64466aabb0868;x=952ca6100be53d3e\",\"PRIORITY\":\"3\",\"__MONOTONIC_TIMESTAMP\":\"2901000\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\",\"__REALTIME_TIMESTAMP\":\"1764057602001000\",\"MESSAGE\":\"piix4_smbus 0000:00:07.3: SMBus Host Controller not enabled!\"}",
  "{\"__REALTIME_TIMESTAMP\":\"1764057605000000\",\"_SYSTEMD_UNIT\":\"ifup@ens192.service\",\"__MONOTONIC_TIMESTAMP\":\"5900000\",\"SYSLOG_IDENTIFIER\":\"ifup\",\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=8;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=5a06e0;t=64466aae8cb40;x=a728f624389d9721\",\"MESSAGE\":\"ifup: failed to bring up ens192\",\"PRIORITY\":\"3\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\"}",
  "{\"__MONOTONIC_TIMESTAMP\":\"7900000\",\"_SYSTEMD_UNIT\":\"h2k-report.service\",\"SYSLOG_IDENTIFIER\":\"h2k-report\",\"__REALTIME_TIMESTAMP\":\"1764057607000000\",\"PRIORITY\":\"3\",\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=b;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=788b60;t=64466ab074fc0;x=f71c13787bfd5e09\",\"MESSAGE\":\"h2k-report: cannot write /srv/reports/daily.csv: No such file or directory\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\"}",
  "{\"PRIORITY\":\"3\",\"__MONOTONIC_TIMESTAMP\":\"7903000\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\",\"_SYSTEMD_UNIT\":\"init.scope\",\"__REALTIME_TIMESTAMP\":\"1764057607003000\",\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=d;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=789718;t=64466ab075b78;x=632e743598974264\",\"MESSAGE\":\"Failed to start h2k-report.service - Daily report.\",\"MESSAGE_ID\":\"be02cf6855d2428ba40df7e9d022f03d\",\"SYSLOG_IDENTIFIER\":\"systemd\",\"JOB_RESULT\":\"failed\",\"UNIT\":\"h2k-report.service\"}",
  "",
].join('\n');

/** `journalctl --directory DIR --no-pager -q -b 7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b -p 4..4 -o cat --output-fields=PRIORITY` */
const WARNINGS = [
  "4",
  "4",
  "4",
  "4",
  "",
].join('\n');

/** `journalctl --directory DIR --no-pager -q -b 7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b -o json --output-fields=__REALTIME_TIMESTAMP,PRIORITY,MESSAGE,MESSAGE_ID,UNIT,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,JOB_RESULT,KERNEL_USEC,INITRD_USEC,USERSPACE_USEC MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c MESSAGE_ID=39f53479d3a045ac8e11786248231fbf MESSAGE_ID=b07a249cd024414a82dd00cd181378ff` */
const EVENTS = [
  "{\"UNIT\":\"ifup@ens192.service\",\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=9;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=5a0ac8;t=64466aae8cf28;x=c2a48202d7bbd5a2\",\"PRIORITY\":\"4\",\"_SYSTEMD_UNIT\":\"init.scope\",\"__REALTIME_TIMESTAMP\":\"1764057605001000\",\"SYSLOG_IDENTIFIER\":\"systemd\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\",\"MESSAGE\":\"ifup@ens192.service: Failed with result 'exit-code'.\",\"__MONOTONIC_TIMESTAMP\":\"5901000\",\"MESSAGE_ID\":\"d9b373ed55a64feb8242e02dbe79a49c\"}",
  "{\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=a;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=694920;t=64466aaf80d80;x=698ba591537a4f6c\",\"MESSAGE\":\"Finished ifup@ens192.service - ifup for ens192.\",\"JOB_RESULT\":\"done\",\"__REALTIME_TIMESTAMP\":\"1764057606000000\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\",\"PRIORITY\":\"6\",\"SYSLOG_IDENTIFIER\":\"systemd\",\"__MONOTONIC_TIMESTAMP\":\"6900000\",\"_SYSTEMD_UNIT\":\"init.scope\",\"MESSAGE_ID\":\"39f53479d3a045ac8e11786248231fbf\",\"UNIT\":\"ifup@ens192.service\"}",
  "{\"__REALTIME_TIMESTAMP\":\"1764057607002000\",\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=c;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=789330;t=64466ab075790;x=3c2bbdabf78f8680\",\"__MONOTONIC_TIMESTAMP\":\"7902000\",\"MESSAGE_ID\":\"d9b373ed55a64feb8242e02dbe79a49c\",\"UNIT\":\"h2k-report.service\",\"_SYSTEMD_UNIT\":\"init.scope\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\",\"MESSAGE\":\"h2k-report.service: Failed with result 'exit-code'.\",\"PRIORITY\":\"4\",\"SYSLOG_IDENTIFIER\":\"systemd\"}",
  "{\"MESSAGE_ID\":\"b07a249cd024414a82dd00cd181378ff\",\"SYSLOG_IDENTIFIER\":\"systemd\",\"USERSPACE_USEC\":\"4560000\",\"MESSAGE\":\"Startup finished in 1.204s (kernel) + 2.317s (initrd) + 4.560s (userspace) = 8.081s.\",\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=e;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=895440;t=64466ab1818a0;x=bfd09d8f109854f5\",\"__REALTIME_TIMESTAMP\":\"1764057608100000\",\"KERNEL_USEC\":\"1204000\",\"INITRD_USEC\":\"2317000\",\"PRIORITY\":\"6\",\"__MONOTONIC_TIMESTAMP\":\"9000000\",\"_BOOT_ID\":\"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b\"}",
  "",
].join('\n');

/** `journalctl --directory DIR --no-pager -q -b a5c1e0f24b7d4e3a9c8b1d2e3f405162 -o json --output-fields=__REALTIME_TIMESTAMP,PRIORITY,MESSAGE,MESSAGE_ID,UNIT,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,JOB_RESULT,KERNEL_USEC,INITRD_USEC,USERSPACE_USEC MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c MESSAGE_ID=39f53479d3a045ac8e11786248231fbf MESSAGE_ID=b07a249cd024414a82dd00cd181378ff` */
const PREVEVENTS = [
  "{\"__CURSOR\":\"s=1f4eaef57c3547c782d91d2019180abf;i=3;b=a5c1e0f24b7d4e3a9c8b1d2e3f405162;m=87cda0;t=644528d3f3200;x=b0011503b3886921\",\"INITRD_USEC\":\"2400000\",\"MESSAGE\":\"Startup finished in 1.310s (kernel) + 2.400s (initrd) + 4.290s (userspace) = 8.000s.\",\"USERSPACE_USEC\":\"4290000\",\"PRIORITY\":\"6\",\"__MONOTONIC_TIMESTAMP\":\"8900000\",\"_BOOT_ID\":\"a5c1e0f24b7d4e3a9c8b1d2e3f405162\",\"SYSLOG_IDENTIFIER\":\"systemd\",\"MESSAGE_ID\":\"b07a249cd024414a82dd00cd181378ff\",\"KERNEL_USEC\":\"1310000\",\"__REALTIME_TIMESTAMP\":\"1763971208000000\"}",
  "",
].join('\n');

/**
 * One entry whose MESSAGE holds escape sequences and an invalid UTF-8 byte, and whose
 * SYSLOG_IDENTIFIER is set twice: export format with a binary field, written by
 * systemd-journal-remote, printed by `journalctl --directory DIR -q -o json --output-fields=...`.
 */
const BINARY = '{"__CURSOR":"s=45465a57ccf7491d80437c6a7e90d98a;i=1;b=7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b;m=970fe0;t=64466ab25d440;x=dad917bc69fdd28b","MESSAGE":[100,105,115,107,32,101,114,114,111,114,32,27,91,51,49,109,114,101,100,27,91,48,109,32,255],"PRIORITY":"2","__REALTIME_TIMESTAMP":"1764057609000000","__MONOTONIC_TIMESTAMP":"9900000","_BOOT_ID":"7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b","SYSLOG_IDENTIFIER":["smartd","smartd-alt"]}';

const LAST_BOOT = '7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b';

describe('journalctl --list-boots -o json', () => {
  it.each([
    {
      name: 'two boots, oldest first',
      stdout: LIST,
      expected: [
        { index: -1, bootId: 'a5c1e0f24b7d4e3a9c8b1d2e3f405162', first: '2025-11-24T08:00:00.000Z', last: '2025-11-24T09:00:00.000Z' },
        { index: 0, bootId: LAST_BOOT, first: '2025-11-25T08:00:00.000Z', last: '2025-11-25T08:10:00.000Z' },
      ],
    },
    // `journalctl --directory EMPTY --list-boots -o json` on a folder without journal files prints nothing.
    { name: 'no journal files', stdout: '', expected: [] },
    // systemd 250 and older print the table whatever -o says.
    { name: 'the table of an older journalctl', stdout: 'IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY\n  0 7d3e9b1c2a4f4d8e8b6c5a4f3e2d1c0b Tue 2025-11-25 08:00:00 UTC Tue 2025-11-25 08:10:00 UTC\n', expected: null },
  ])('$name', ({ stdout, expected }) => {
    expect(parseListBoots(stdout)).toEqual(expected);
  });
});

describe('the last boot', () => {
  it('keeps the errors in order, attributing systemd messages to their unit', () => {
    expect(parseJournalJson(ERRORS).map(toJournalEntry)).toEqual([
      { at: '2025-11-25T08:00:02.001Z', priority: 3, source: 'kernel', message: 'piix4_smbus 0000:00:07.3: SMBus Host Controller not enabled!' },
      { at: '2025-11-25T08:00:05.000Z', priority: 3, source: 'ifup@ens192.service', message: 'ifup: failed to bring up ens192' },
      { at: '2025-11-25T08:00:07.000Z', priority: 3, source: 'h2k-report.service', message: 'h2k-report: cannot write /srv/reports/daily.csv: No such file or directory' },
      { at: '2025-11-25T08:00:07.003Z', priority: 3, source: 'h2k-report.service', message: 'Failed to start h2k-report.service - Daily report.' },
    ]);
  });

  it('decodes a message printed as bytes and takes the first of a repeated field', () => {
    expect(parseJournalJson(BINARY).map(toJournalEntry)).toEqual([{ at: '2025-11-25T08:00:09.000Z', priority: 2, source: 'smartd', message: 'disk error \u001b[31mred\u001b[0m \ufffd' }]);
  });

  it.each([
    { name: 'a unit that failed and stayed failed; one that failed, then started, is not listed', stdout: EVENTS, expected: ['h2k-report.service'] },
    { name: 'a clean boot', stdout: PREVEVENTS, expected: [] },
    { name: 'no events at all', stdout: '', expected: [] },
  ])('failed units: $name', ({ stdout, expected }) => {
    expect(failedUnits(parseJournalJson(stdout))).toEqual(expected);
  });

  it.each([
    // "Startup finished in 1.204s (kernel) + 2.317s (initrd) + 4.560s (userspace) = 8.081s."
    { name: 'systemd’s own measure', stdout: EVENTS, first: Date.parse('2025-11-25T08:00:00Z') * 1000, expected: 8081 },
    { name: 'the previous boot', stdout: PREVEVENTS, first: Date.parse('2025-11-24T08:00:00Z') * 1000, expected: 8000 },
    // Without the *_USEC fields: from the boot's first entry to the message (8.1 s after it).
    { name: 'no timing fields', stdout: EVENTS.replace(/"(KERNEL|INITRD|USERSPACE)_USEC":"\d+",?/g, '').replace(/,}/g, '}'), first: Date.parse('2025-11-25T08:00:00Z') * 1000, expected: 8100 },
    { name: 'a boot that never finished starting', stdout: EVENTS.split('\n').filter((l) => !l.includes('Startup finished')).join('\n'), first: 0, expected: null },
  ])('start-up time: $name', ({ stdout, first, expected }) => {
    expect(startupMs(parseJournalJson(stdout), first)).toBe(expected);
  });

  it('counts the warnings journalctl printed one per line', () => {
    expect(countEntries(WARNINGS)).toBe(4);
    expect(countEntries('')).toBe(0);
  });

  it('summarises the whole journal as the report carries it', () => {
    const boots = parseListBoots(LIST)!;
    expect(summarizeJournal({ size: 8 * 1024 * 1024, boots, lastBoot: { errors: ERRORS, warnings: WARNINGS, events: EVENTS } })).toEqual({
      persistent: true,
      size: 8 * 1024 * 1024,
      boots,
      lastBoot: { bootId: LAST_BOOT, startupMs: 8081, failedUnits: ['h2k-report.service'], errors: parseJournalJson(ERRORS).map(toJournalEntry), warningCount: 4 },
    });
    expect(summarizeJournal({ size: 4096, boots: [] })).toEqual({ persistent: true, size: 4096, boots: [], lastBoot: null });
  });
});

describe('queries and listings', () => {
  it('names the boot by its id (an empty -b would mean the host’s own boot)', () => {
    expect(journalQueries.errors('/j', LAST_BOOT)).toEqual(expect.arrayContaining(['-b', LAST_BOOT, '-p', '0..3', '-n', '200']));
    expect(journalQueries.events('/j', LAST_BOOT).filter((a) => a.startsWith('MESSAGE_ID='))).toHaveLength(3);
  });

  it.each([
    // guestfish `find /var/log/journal` on the linuxLived fixture
    { listing: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', '0f1e2d3c4b5a69788796a5b4c3d2e1f0/system.journal'], expected: true },
    // A file journald closed uncleanly keeps the suffix ~ and is still read.
    { listing: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', '0f1e2d3c4b5a69788796a5b4c3d2e1f0/system@00062a-b.journal~'], expected: true },
    { listing: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0'], expected: false },
    { listing: [], expected: false },
  ])('journal files in $listing', ({ listing, expected }) => {
    expect(hasJournalFiles(listing)).toBe(expected);
  });
});
