import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootloaderFacts, identityFacts, osFacts } from '../../../shared/report-facts';
import { attributeRows, btrfsUsageRows, bytesText, diskDeviceRows, extFacts, filesystemFacts, inodeText, ntfsFacts, OLDER_REPORT_TEXT, snapshotRows, subvolumeRows, xfsFacts } from '../../../shared/report-facts-storage';
import { bootRows, journalErrorRows, journalFacts, journalStatement, loginRows, SERVICES_STATE_TEXT, socketRows, timerRows, unitRows, unitSummary } from '../../../shared/report-facts-services';
import { groupFindings, VERDICTS } from '../../../renderer/src/features/reports/report-model';
import { evaluateFindings } from '../../../electron/engine/inspect/findings';
import { noOsIdentity } from '../../../electron/engine/inspect/inspector';
import { escapeHtml, formatBytes } from '../../../electron/engine/report/escape';
import { renderInspectionHtml } from '../../../electron/engine/report/render-html';
import { barChart, partitionLayout, usageChart } from '../../../electron/engine/report/svg';
import { InspectionReport, INSPECTION_REPORT_KIND, INSPECTION_SCHEMA_VERSION, summarizeFindings } from '../../../shared/contract/models/inspection';
import type { BootVerification } from '../../../shared/contract/models/boot';

const MiB = 1024 * 1024;
const HOSTILE = `<script>alert("x")</script><img src=http://evil.example/x.png onerror=alert(1)>`;

/** A Debian-like report whose guest-controlled strings try to break out of the HTML. */
function sampleReport(): InspectionReport {
  const os = { ...noOsIdentity(), root: '/dev/sda1', type: 'linux', distro: 'debian', productName: '12.15', majorVersion: 12, minorVersion: 15, arch: 'x86_64', hostname: HOSTILE, osinfo: 'debian12', packageFormat: 'deb', packageManagement: 'apt', firmware: 'bios' as const };
  const filesystems = [{ device: '/dev/sda1', type: 'ext4', version: '1.0', label: `lbl"'&`, uuid: '5b2d7c1e', size: 3000 * MiB, used: 2990 * MiB, free: 10 * MiB, mountpoint: '/', encrypted: false, details: null }];
  const linux = {
    fstab: [{ line: 2, spec: '/dev/sda1', style: 'device-name' as const, mountpoint: '/', vfstype: 'ext4', options: 'defaults', dump: 0, pass: 1 }],
    crypttab: [],
    bootloader: { kind: 'grub2' as const, configPath: '/boot/grub/grub.cfg', entries: [{ title: HOSTILE, kernel: '/boot/vmlinuz', initrd: null, cmdline: 'ro quiet', line: 3 }], defaults: {}, defaultsPath: null, kernelCmdline: 'ro quiet', vmwareParams: [], serialConsole: false },
    kernels: [{ version: '6.1.0', vmlinuz: '/boot/vmlinuz-6.1.0', initramfs: '/boot/initrd.img-6.1.0', modules: true, virtio: { virtio_pci: 'missing' as const, virtio_blk: 'missing' as const, virtio_scsi: 'missing' as const }, virtioBootable: false }],
    systemd: { defaultTarget: 'multi-user.target', enabledUnits: [{ unit: 'ssh.service', wantedBy: 'multi-user.target', path: '/etc/systemd/system/multi-user.target.wants/ssh.service' }], unitFiles: [], timers: [], sockets: [] },
    vmwareTools: { present: true, evidence: [{ note: 'package open-vm-tools 12.2.0' }] },
    cloudInit: { present: false, disabled: false, datasources: [] },
    selinux: { mode: 'absent' as const, policy: null },
    identity: null,
    users: [],
    logins: [],
    journal: null,
  };
  const network = [{ source: 'ifupdown' as const, file: '/etc/network/interfaces', line: 7, interface: 'ens192', mac: '00:50:56:8a:2f:11', setsName: null, method: 'static' as const, addresses: ['10.20.30.40/24'], gateway: '10.20.30.1', dns: [] }];
  const boot = { firmware: 'bios' as const, esp: null };
  const mountpoints = [{ device: '/dev/sda1', path: '/' }];
  const findings = evaluateFindings({ operatingSystems: [os], os, filesystems, mountpoints, network, boot, linux, windows: null });
  return InspectionReport.parse({
    schemaVersion: INSPECTION_SCHEMA_VERSION,
    kind: INSPECTION_REPORT_KIND,
    generatedAt: '2026-11-25T20:00:00.000Z',
    durationMs: 41_000,
    producer: { hyper2kvm: '0.1.0', libguestfs: '1.48.6' },
    disks: [
      {
        id: 'disk1',
        path: '/vms/web/web.vmdk',
        format: 'vmdk',
        device: '/dev/sda',
        virtualSize: 3 * 1024 * MiB,
        allocatedSize: 800 * MiB,
        partitionTable: 'mbr',
        partitions: [
          { device: '/dev/sda1', number: 1, start: MiB, size: 3000 * MiB, type: '83', typeName: 'Linux', bootable: true, name: null },
          { device: '/dev/sda2', number: 2, start: 3001 * MiB, size: MiB, type: '82', typeName: 'Linux swap', bootable: false, name: null },
        ],
      },
    ],
    os,
    operatingSystems: [os],
    filesystems,
    mountpoints,
    driveLetters: [],
    applications: [
      { name: 'open-vm-tools', version: '12.2.0', epoch: 2, release: '1+deb12u4', arch: 'amd64', summary: HOSTILE, origin: 'dpkg' },
      { name: 'adduser', version: '3.134', arch: 'all', origin: 'dpkg' },
    ],
    network,
    boot,
    linux,
    windows: null,
    findings,
    summary: summarizeFindings(findings),
    notes: ['/etc could not be read: <b>oops</b>'],
  });
}

describe('HTML report', () => {
  const report = sampleReport();
  const html = renderInspectionHtml(report);

  it('is one self-contained document: no script, no external reference, a CSP that forbids them', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    // Real tags only (the hostile hostname is there as escaped text): every image is inline data.
    for (const tag of html.match(/<(img|a|iframe|object|embed|source|use|image)\b[^>]*>/gi) ?? []) expect(tag).toMatch(/src="data:/);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    // SVG namespace URIs are identifiers, not requests; nothing else may carry http(s) in markup.
    const withoutNamespaces = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
    expect(withoutNamespaces).not.toMatch(/="https?:/);
  });

  it('escapes every guest-controlled string', () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(html).toContain('lbl&quot;&#39;&amp;');
    expect(html).toContain('&lt;b&gt;oops&lt;/b&gt;');
  });

  it('shows the verdict, the counts and each finding with its code, evidence and fix', () => {
    // Low free space is a blocker only the administrator can fix: blocked, not just "needs repair".
    expect(report.summary).toMatchObject({ readiness: 'blocked', blockers: 3 });
    expect(html).toContain('>Blocked</span>');
    expect(html).toContain('3 blockers');
    for (const f of report.findings) {
      expect(html).toContain(f.code);
      expect(html).toContain(escapeHtml(f.fix.label));
    }
    expect(html).toContain('<code>/etc/fstab:2</code>');
  });

  it('draws the charts inline: findings by severity, partition layout, file system usage', () => {
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('<title>Findings by severity</title>');
    expect(html).toContain('<title>File system usage</title>');
    expect(html).toContain('/dev/sda (disk1) — 3.0 GiB');
    // 2990 of 3000 MiB used: drawn in the blocker color.
    expect(html).toMatch(/fill="#c9190b"\/><text[^>]*>100% of 2\.9 GiB/);
  });

  it('lists packages with their full version, and the Linux details', () => {
    expect(html).toContain('2:12.2.0-1+deb12u4');
    expect(html).toContain('Installed packages (2)');
    expect(html).toContain('ssh.service');
    expect(html).toMatch(/<span class="badge" style="background:#c9190b">missing<\/span>/);
  });

  it('shows boot verification with inlined screenshots when given, and refuses non-data images', () => {
    const bootVerification: BootVerification = {
      verdict: 'booted',
      reason: 'login-prompt',
      detail: 'The guest reached its login prompt on the serial console.',
      hint: '',
      milestones: [{ kind: 'login', atMs: 41_000, source: 'serial', text: 'h2k-debian login:' }],
      verdictAtMs: 41_000,
      excerpt: 'Debian GNU/Linux 12 h2k-debian ttyS0\n\nh2k-debian login:',
      excerptSource: 'serial',
      evidence: {
        serialLog: '/jobs/x/serial.log',
        serialBytes: 12000,
        screenshots: [
          { path: '/jobs/x/shot-1.png', atMs: 5000 },
          { path: '/jobs/x/shot-2.png', atMs: 10000 },
        ],
        finalScreenshot: '/jobs/x/shot-2.png',
        agentAnswered: false,
      },
      disk: { path: '/out/web.qcow2', format: 'qcow2', untouched: true },
      firmware: 'bios',
      accelerator: 'tcg',
      connection: 'qemu:///session',
      domainName: 'h2k-verify-x',
      timeoutSeconds: 300,
      durationMs: 45_000,
      notes: [],
    };
    const withBoot = renderInspectionHtml(
      { ...report, bootVerification },
      { images: { '/jobs/x/shot-1.png': 'data:image/png;base64,iVBORw0KGgo=', '/jobs/x/shot-2.png': 'http://screenshots.example/x.png' } },
    );
    expect(withBoot).toContain('<h2>Boot verification</h2>');
    expect(withBoot).toContain('h2k-debian login:');
    expect(withBoot).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(withBoot).not.toContain('screenshots.example');
  });

  it('renders a report without an OS', () => {
    const none = renderInspectionHtml({ ...report, os: noOsIdentity(), operatingSystems: [], linux: null, applications: [], network: [], findings: [], summary: summarizeFindings([]) });
    expect(none).toContain('<title>Inspection: No operating system found</title>');
    expect(none).toContain('No findings');
  });
});

describe('SVG pieces', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [3 * 1024 * MiB, '3.0 GiB'],
    [200 * MiB, '200.0 MiB'], // as the wizard and the CLI say it (one formatBytes, issue 14)
    [null, '—'],
  ])('formats %s bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('gives tiny partitions a visible minimum width and scales the rest', () => {
    const svg = partitionLayout(1000 * MiB, [
      { start: MiB, size: MiB, label: 'sda1', sublabel: 'BIOS boot' },
      { start: 2 * MiB, size: 998 * MiB, label: 'sda2', sublabel: 'ext4' },
    ], 'disk');
    const widths = [...svg.matchAll(/<rect x="(\d+)" y="4" width="(\d+)" height="44" fill="#(?!f0f0f0)/g)].map((m) => Number(m[2]));
    expect(widths).toEqual([6, 639]);
  });

  it('bars and usage rows carry escaped labels', () => {
    expect(barChart([{ label: '<b>', value: 2, color: '#000' }], 't')).toContain('&lt;b&gt;');
    expect(usageChart([{ label: 'x', size: null, used: null }], 't', formatBytes)).toContain('usage unknown');
  });
});

describe('the HTML export says what the viewer says (issue 14)', () => {
  // Real reports from inspection runs on the fixtures, the same ones the viewer's tests use.
  const sample = (name: string): InspectionReport => InspectionReport.parse(JSON.parse(readFileSync(new URL(`../renderer/samples/${name}`, import.meta.url), 'utf8')));
  it.each(['inspection-linux-legacy.json', 'inspection-win10-hibernated.json'])('%s: every identity and boot loader fact, the verdict and the finding groups', (name) => {
    const report = sample(name);
    const html = renderInspectionHtml(report);
    // The viewer renders exactly these rows (shared/report-facts); the export must carry each one.
    const rows = [...osFacts(report), ...bootloaderFacts(report), ...identityFacts(report)];
    expect(rows.length).toBeGreaterThan(5);
    for (const [label, value] of rows) expect(html).toContain(`<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`);
    expect(html).toContain(escapeHtml(VERDICTS[report.summary.readiness].label));
    expect(html).toContain(escapeHtml(VERDICTS[report.summary.readiness].text));
    for (const group of groupFindings(report.findings)) expect(html).toContain(escapeHtml(group.label));
  });

  /** Every table row of the document as the text of its cells (tags dropped, entities read back). */
  function tableRows(html: string): string[][] {
    const text = (cell: string): string =>
      cell
        .replace(/<[^>]+>/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&')
        .replace(/^└ /, ''); // the subvolume tree's branch mark, drawn by both
    return [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((c) => text(c[1]!))).filter((r) => r.length);
  }

  it.each(['inspection-debian-services.json', 'inspection-linux-legacy.json', 'inspection-win10-hibernated.json'])('%s: the File systems and Services and logs rows (issue 15)', (name) => {
    const report = sample(name);
    const html = renderInspectionHtml(report);
    const rows = tableRows(html);
    // The viewer's tables are built from exactly these rows (shared/report-facts-storage, -services).
    const shared = [
      ...diskDeviceRows(report),
      ...report.filesystems.flatMap((fs) => [...subvolumeRows(fs).map((r) => r.cells), ...snapshotRows(fs), ...btrfsUsageRows(fs), ...attributeRows(fs).map((a) => a.cells)]),
      ...unitRows(report),
      ...timerRows(report),
      ...socketRows(report),
      ...bootRows(report),
      ...journalErrorRows(report),
      ...loginRows(report),
    ];
    for (const row of shared) expect(rows).toContainEqual(row);
    const facts = [...report.filesystems.flatMap((fs) => [...filesystemFacts(fs), ...xfsFacts(fs), ...extFacts(fs), ...ntfsFacts(fs)]), ...journalFacts(report)];
    for (const [label, value] of facts) expect(html).toContain(`<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`);
    // The usage bars' words: space always, inodes where the file system's details were read.
    for (const fs of report.filesystems) {
      expect(html).toContain(`Space: ${escapeHtml(bytesText(fs))}`);
      if (fs.details) expect(html).toContain(`Inodes: ${escapeHtml(inodeText(fs))}`);
    }
    if (name === 'inspection-debian-services.json') {
      // The sample has all of it: 211 unit files, 6 timers, 13 sockets, 2 boots, 3 errors, 3 logins.
      expect(shared.length).toBeGreaterThan(211 + 6 + 13 + 2 + 3 + 3);
      expect(html).toContain(escapeHtml(unitSummary(report)));
      expect(html).toContain('<tr class="immutable"><td><code>/etc/fstab</code></td>');
      expect(html).toContain('apt-daily.service failed');
      expect(html).not.toContain(escapeHtml(OLDER_REPORT_TEXT));
    } else {
      // Older reports: the sections are there and say the facts were not read.
      expect(html).toContain(escapeHtml(OLDER_REPORT_TEXT));
      if (report.linux) expect(html).toContain(escapeHtml(journalStatement(report)));
      if (report.linux) expect(journalStatement(report)).toBe(SERVICES_STATE_TEXT['older-report']);
    }
  });

  it('says plainly that there is no persistent journal', () => {
    const report = sample('inspection-debian-services.json');
    const volatile = { ...report, linux: { ...report.linux!, journal: { persistent: false, size: null, boots: [], lastBoot: null } } };
    const html = renderInspectionHtml(volatile);
    expect(html).toContain(escapeHtml(journalStatement(volatile)));
    expect(html).toContain('No persistent journal');
    expect(html).not.toContain('<h4>Boots</h4>');
  });
});
