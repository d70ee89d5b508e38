import type { RepairRecord } from '../../../shared/contract/models/repair';
import type { Application, Evidence, Finding, InspectionReport, Severity } from '../../../shared/contract/models/inspection';
import { SEVERITY_LABEL, USER_COLUMNS, VERDICT_TEXT, bootloaderFacts, identityFacts, osFacts, osTitle, userRows } from '../../../shared/report-facts';
import {
  ATTRIBUTE_COLUMNS,
  attributeRows,
  BTRFS_USAGE_COLUMNS,
  btrfsUsageRows,
  bytesText,
  bytesUsage,
  DISK_DEVICE_COLUMNS,
  diskDeviceRows,
  extFacts,
  filesystemFacts,
  filesystemName,
  inodeText,
  inodeUsage,
  ntfsFacts,
  OLDER_REPORT_TEXT,
  SNAPSHOT_COLUMNS,
  snapshotRows,
  storageDetailsRead,
  SUBVOLUME_COLUMNS,
  subvolumeRows,
  xfsFacts,
} from '../../../shared/report-facts-storage';
import type { UsageMeasure } from '../../../shared/report-facts-storage';
import {
  BOOT_COLUMNS,
  bootRows,
  bootTimeline,
  CHAIN_COLUMNS,
  chainEmptyText,
  chainRows,
  JOURNAL_ERROR_COLUMNS,
  journalErrorRows,
  journalFacts,
  journalStatement,
  LOGIN_COLUMNS,
  loginRows,
  SERVICES_STATE_TEXT,
  servicesState,
  SOCKET_COLUMNS,
  socketRows,
  TIMER_COLUMNS,
  timerRows,
  UNIT_COLUMNS,
  unitRows,
  unitSummary,
} from '../../../shared/report-facts-services';
import { escapeHtml as e, formatBytes } from './escape';
import { barChart, COLORS, partitionLayout, usageChart } from './svg';

/**
 * The inspection report as ONE self-contained HTML file: inline CSS, inline SVG charts, no
 * script, no external request of any kind (a Content-Security-Policy says so too), every value
 * from the guest escaped. It opens in any browser, prints to PDF, and can be mailed as is.
 */

export interface RenderOptions {
  /** Boot verification screenshots by their path in the report, as data:image/png;base64 URIs. */
  images?: Readonly<Record<string, string>>;
  /** Shown in the title and the header (default: the VM's hostname or product name). */
  title?: string;
  /** Every collapsed list open: for printing (a PDF cannot be clicked, and Chromium does not print closed details). */
  expanded?: boolean;
}

const READINESS: Record<InspectionReport['summary']['readiness'], { label: string; text: string; color: string }> = {
  ready: { ...VERDICT_TEXT.ready, color: '#3e8635' },
  'needs-repair': { ...VERDICT_TEXT['needs-repair'], color: '#f0ab00' },
  blocked: { ...VERDICT_TEXT.blocked, color: '#c9190b' },
};

const CSS = `
:root{--text:#151515;--muted:#6a6e73;--line:#d2d2d2;--bg:#f0f0f0;--blocker:${COLORS.blocker};--warning:${COLORS.warning};--info:${COLORS.info}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "Red Hat Text","Segoe UI",Helvetica,Arial,sans-serif;color:var(--text);background:var(--bg)}
main{max-width:1100px;margin:0 auto;padding:24px}
header.top{background:#151515;color:#fff;padding:20px 24px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top p{margin:4px 0 0;color:#c7c7c7;font-size:13px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:18px 20px;margin:0 0 18px;break-inside:avoid-page}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:16px 0 8px}
table{border-collapse:collapse;width:100%;margin:6px 0 10px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line);font-size:13px;overflow-wrap:anywhere}
th{background:#fafafa;font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;font-weight:500}
.verdict{display:flex;gap:18px;align-items:center;flex-wrap:wrap}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.verdict .badge{font-size:16px;padding:6px 14px;border-radius:16px}
.counts span{display:inline-block;margin-right:14px;font-weight:600}
.finding{border-left:5px solid var(--line);padding:8px 12px;margin:10px 0;background:#fafafa;break-inside:avoid}
.finding.blocker{border-color:var(--blocker)}.finding.warning{border-color:var(--warning)}.finding.info{border-color:var(--info)}
.finding h4{margin:0 0 4px;font-size:14px}
.finding .code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:var(--muted);margin-left:8px}
.finding ul{margin:6px 0;padding-left:20px}
.fix{font-size:13px}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.muted{color:var(--muted)}
.chart{max-width:100%;height:auto;display:block;margin:6px 0 10px}
details summary{cursor:pointer;font-weight:600;margin:6px 0}
pre{background:#151515;color:#f0f0f0;padding:10px;border-radius:4px;overflow-x:auto;font-size:12px;white-space:pre-wrap}
img.shot{max-width:100%;border:1px solid var(--line);margin:6px 0}
.meter{margin:4px 0 8px}.meter .bar{height:10px;background:#e4e4e4;border-radius:3px;overflow:hidden}.meter .bar span{display:block;height:100%;background:#0066cc}.meter.high .bar span{background:var(--warning)}.meter.full .bar span{background:var(--blocker)}
.fs{border-top:1px solid var(--line);padding-top:6px;margin-top:14px}
tr.immutable td{background:#fce8e6}
.timeline{position:relative;height:24px;background:var(--bg);border:1px solid var(--line);border-radius:3px;margin:6px 0 10px;overflow:hidden}.timeline span{position:absolute;top:3px;bottom:3px;min-width:4px;background:#73bcf7;border-radius:2px;font-size:11px;padding:0 3px;overflow:hidden}.timeline span.last{background:#0066cc;color:#fff}
footer{color:var(--muted);font-size:12px;text-align:center;padding:12px}
@media print{body{background:#fff}main{padding:0}section{border:none;padding:8px 0}header.top{background:#fff;color:#000;border-bottom:2px solid #000}header.top p{color:#333}details{display:block}details>summary{display:none}}
`;

function dl(rows: ReadonlyArray<[string, string | number | null | undefined]>): string {
  const items = rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (!items.length) return '';
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`;
}

function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>, emptyText = 'None.'): string {
  if (!rows.length) return `<p class="muted">${e(emptyText)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function severityBadge(severity: Severity): string {
  return `<span class="badge" style="background:${COLORS[severity]}">${e(severity)}</span>`;
}

function evidenceText(ev: Evidence): string {
  const where = [ev.path ? `${ev.path}${ev.line ? `:${ev.line}` : ''}` : null, ev.registryKey ? `${ev.registryKey}${ev.registryValue ? ` → ${ev.registryValue}` : ''}` : null, ev.device ?? null]
    .filter(Boolean)
    .join(' ');
  const parts = [where ? `<code>${e(where)}</code>` : '', ev.excerpt ? ` <span class="mono">${e(ev.excerpt)}</span>` : '', ev.note ? ` <span class="muted">${e(ev.note)}</span>` : ''];
  return parts.join('');
}

function renderFinding(f: Finding): string {
  return `<div class="finding ${e(f.severity)}"><h4>${e(f.title)}<span class="code">${e(f.code)}</span></h4><p>${e(f.explanation)}</p>${
    f.evidence.length ? `<ul>${f.evidence.map((ev) => `<li>${evidenceText(ev)}</li>`).join('')}</ul>` : ''
  }<p class="fix"><strong>Fix:</strong> ${e(f.fix.label)} <span class="muted">(${f.fix.automatic ? 'hyper2kvm does this' : 'needs the administrator'})</span></p></div>`;
}

function appVersion(a: Application): string {
  const epoch = a.epoch ? `${a.epoch}:` : '';
  return `${epoch}${a.version}${a.release ? `-${a.release}` : ''}`;
}

export function renderInspectionHtml(report: InspectionReport, options: RenderOptions = {}): string {
  const title = options.title ?? osTitle(report);
  const s = report.summary;
  const verdict = READINESS[s.readiness];
  const parts: string[] = [];

  // Overview
  parts.push(
    `<section id="overview"><h2>Overview</h2><div class="verdict"><span class="badge" style="background:${verdict.color}">${e(verdict.label)}</span><span>${e(verdict.text)}</span></div>
<p class="counts"><span style="color:${COLORS.blocker}">${s.blockers} blocker${s.blockers === 1 ? '' : 's'}</span><span style="color:#8f6800">${s.warnings} warning${s.warnings === 1 ? '' : 's'}</span><span style="color:${COLORS.info}">${s.infos} note${s.infos === 1 ? '' : 's'}</span></p>
${dl([
  ...osFacts(report),
  ['Disks', report.disks.map((d) => `${d.id}: ${d.format}, ${formatBytes(d.virtualSize)} virtual, ${formatBytes(d.allocatedSize)} allocated`).join('; ')],
])}</section>`,
  );

  // Findings
  const bySeverity = (sev: Severity): Finding[] => report.findings.filter((f) => f.severity === sev);
  parts.push(
    `<section id="findings"><h2>Findings</h2>${barChart(
      (['blocker', 'warning', 'info'] as const).map((sev) => ({ label: SEVERITY_LABEL[sev], value: bySeverity(sev).length, color: COLORS[sev] })),
      'Findings by severity',
    )}${
      report.findings.length
        ? (['blocker', 'warning', 'info'] as const)
            .filter((sev) => bySeverity(sev).length)
            .map((sev) => `<h3>${severityBadge(sev)} ${e(SEVERITY_LABEL[sev])}</h3>${bySeverity(sev).map(renderFinding).join('')}`)
            .join('')
        : '<p>No findings: nothing needs attention.</p>'
    }</section>`,
  );

  // Disks and partitions
  parts.push(
    `<section id="disks"><h2>Disks and partitions</h2>${report.disks
      .map((d) => {
        const fsByDevice = new Map(report.filesystems.map((f) => [f.device, f]));
        const layout = partitionLayout(
          d.virtualSize,
          d.partitions.map((p) => {
            const fs = fsByDevice.get(p.device);
            return { start: p.start, size: p.size, label: p.device.replace('/dev/', ''), sublabel: `${fs?.type ?? p.typeName ?? ''} ${formatBytes(p.size)}`.trim() };
          }),
          `${d.device} (${d.id}) — ${formatBytes(d.virtualSize)}`,
        );
        return `<h3>${e(d.id)} <span class="muted">${e(d.path)}</span></h3>${dl([
          ['Format', d.format],
          ['Virtual size', formatBytes(d.virtualSize)],
          ['Allocated', formatBytes(d.allocatedSize)],
          ['Partition table', d.partitionTable],
          ['Device in the appliance', d.device],
        ])}${layout}${table(
          ['Partition', 'Start', 'Size', 'Type', 'Name', 'File system'],
          d.partitions.map((p) => [
            `<code>${e(p.device)}</code>${p.bootable ? ' <span class="muted">(boot)</span>' : ''}`,
            e(formatBytes(p.start)),
            e(formatBytes(p.size)),
            e(p.typeName ?? p.type ?? ''),
            e(p.name ?? ''),
            e(fsByDevice.get(p.device)?.type ?? ''),
          ]),
          'No partitions (the file system, if any, spans the whole disk).',
        )}`;
      })
      .join('')}</section>`,
  );

  // File systems
  parts.push(
    `<section id="filesystems"><h2>File systems</h2>${
      report.filesystems.length ? usageChart(report.filesystems.map((f) => ({ label: `${f.device.replace('/dev/', '')}${f.mountpoint ? ` ${f.mountpoint}` : ''}`, size: f.size, used: f.used })), 'File system usage', formatBytes) : ''
    }${table(
      ['Device', 'Type', 'Label', 'UUID', 'Mounted at', 'Size', 'Used', 'Free'],
      report.filesystems.map((f) => [
        `<code>${e(f.device)}</code>`,
        e(f.type) + (f.encrypted ? ' <span class="badge" style="background:#6753ac">encrypted</span>' : ''),
        e(f.label ?? ''),
        `<span class="mono">${e(f.uuid ?? '')}</span>`,
        e(f.mountpoint ?? report.driveLetters.find((l) => l.device === f.device)?.letter ?? ''),
        e(formatBytes(f.size)),
        e(formatBytes(f.used)),
        e(formatBytes(f.free)),
      ]),
      'No file system found.',
    )}${report.driveLetters.length ? `<h3>Drive letters</h3>${table(['Letter', 'Device'], report.driveLetters.map((l) => [e(l.letter), `<code>${e(l.device)}</code>`]))}` : ''}${renderFilesystemDetails(report)}</section>`,
  );

  // Network
  parts.push(
    `<section id="network"><h2>Network configuration</h2>${table(
      ['Tool', 'Interface', 'Method', 'Addresses', 'Gateway', 'DNS', 'Pinned MAC', 'Where'],
      report.network.map((n) => [
        e(n.source),
        e(n.setsName ? `${n.interface ?? ''} → ${n.setsName}` : (n.interface ?? '')),
        e(n.method),
        e(n.addresses.join(', ')),
        e(n.gateway ?? ''),
        e(n.dns.join(', ')),
        n.mac ? `<span class="mono">${e(n.mac)}</span>` : '',
        `<code>${e(n.file)}${n.line ? `:${n.line}` : ''}</code>`,
      ]),
      'No network configuration found.',
    )}</section>`,
  );

  if (report.linux) parts.push(renderLinux(report, options));
  if (report.linux) parts.push(renderServices(report, options));
  if (report.windows) parts.push(renderWindows(report, options));

  // Applications
  parts.push(
    `<section id="applications"><h2>Installed ${report.windows ? 'applications' : 'packages'} (${report.applications.length})</h2><details${report.applications.length <= 60 || options.expanded ? ' open' : ''}><summary>Show all ${report.applications.length}</summary>${table(
      ['Name', 'Version', report.windows ? 'Publisher' : 'Architecture', 'Summary'],
      [...report.applications]
        .sort((a, b) => (a.displayName ?? a.name).localeCompare(b.displayName ?? b.name))
        .map((a) => [e(a.displayName ?? a.name), `<span class="mono">${e(appVersion(a))}</span>`, e(report.windows ? (a.publisher ?? '') : (a.arch ?? '')), e(a.summary ?? a.description ?? '')]),
      'None found.',
    )}</details></section>`,
  );

  if (report.repair) parts.push(renderRepair(report.repair, options));
  if (report.bootVerification) parts.push(renderBoot(report, options));

  if (report.notes.length) parts.push(`<section id="notes"><h2>Notes</h2><ul>${report.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul></section>`);

  const generated = `Generated ${report.generatedAt} by hyper2kvm ${report.producer.hyper2kvm}${report.producer.libguestfs ? ` with libguestfs ${report.producer.libguestfs}` : ''}; inspection took ${(report.durationMs / 1000).toFixed(1)} s. Report schema ${report.schemaVersion}.`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hyper2kvm ${e(report.producer.hyper2kvm)}">
<title>${e(`Inspection: ${title}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><h1>${e(title)}</h1><p>${e(`Inspection report · ${verdict.label} · ${report.generatedAt}`)}</p></header>
<main>
${parts.join('\n')}
</main>
<footer>${e(generated)}</footer>
</body>
</html>
`;
}

function renderLinux(report: InspectionReport, options: RenderOptions): string {
  const l = report.linux!;
  const bl = l.bootloader;
  const virtioCell = (state: string | undefined): string => {
    const color = state === 'missing' ? COLORS.blocker : state === 'unknown' || state === undefined ? COLORS.unknown : '#3e8635';
    return `<span class="badge" style="background:${color}">${e(state ?? 'unknown')}</span>`;
  };
  return `<section id="linux"><h2>Linux details</h2>
<h3>fstab</h3>${table(
    ['Line', 'Device', 'Style', 'Mountpoint', 'Type', 'Options'],
    l.fstab.map((f) => [e(f.line), `<code>${e(f.spec)}</code>`, e(f.style), e(f.mountpoint), e(f.vfstype), e(f.options)]),
    'No /etc/fstab entries.',
  )}
${identityFacts(report).length ? `<h3>Identity</h3>${dl(identityFacts(report))}` : ''}
<h3>Accounts that can log in</h3>${table(USER_COLUMNS, userRows(report).map((row) => row.map((cell) => e(cell))), 'No account with a login shell (or /etc/passwd was not read).')}
<h3>Boot loader</h3>${dl(bootloaderFacts(report))}${table(
    ['Entry', 'Kernel', 'Initramfs', 'Command line'],
    bl.entries.map((b) => [e(b.title), `<code>${e(b.kernel ?? '')}</code>`, `<code>${e(b.initrd ?? '')}</code>`, `<span class="mono">${e(b.cmdline)}</span>`]),
    'No boot entries found.',
  )}
<h3>Kernels</h3>${table(
    ['Version', 'Initramfs', 'virtio_pci', 'virtio_blk', 'virtio_scsi', 'Boots from virtio'],
    l.kernels.map((k) => [
      e(k.version),
      `<code>${e(k.initramfs ?? 'none')}</code>`,
      virtioCell(k.virtio.virtio_pci),
      virtioCell(k.virtio.virtio_blk),
      virtioCell(k.virtio.virtio_scsi),
      e(k.virtioBootable === null ? 'unknown' : k.virtioBootable ? 'yes' : 'no'),
    ]),
    'No kernels found in /boot.',
  )}
<h3>Services</h3>${dl([
    ['Default target', l.systemd?.defaultTarget ?? (l.systemd ? 'unknown' : 'no systemd')],
    ['VMware Tools', l.vmwareTools.present ? 'installed' : 'not found'],
    ['cloud-init', l.cloudInit.present ? `installed${l.cloudInit.disabled ? ' (disabled)' : ''}${l.cloudInit.datasources.length ? `, data sources ${l.cloudInit.datasources.join(', ')}` : ''}` : 'not found'],
    ['SELinux', `${l.selinux.mode}${l.selinux.policy ? ` (${l.selinux.policy})` : ''}`],
  ])}${
    l.systemd?.enabledUnits.length
      ? `<details${options.expanded ? ' open' : ''}><summary>Enabled units (${l.systemd.enabledUnits.length})</summary>${table(
          ['Unit', 'Wanted by'],
          l.systemd.enabledUnits.map((u) => [e(u.unit), e(u.wantedBy)]),
        )}</details>`
      : ''
  }</section>`;
}

/** A usage bar with its words (the same words the viewer prints beside its bar). */
function meter(title: string, usage: UsageMeasure | null, fallback: string): string {
  if (!usage) return `<p class="muted">${e(title)}: ${e(fallback)}</p>`;
  const level = usage.fraction > 0.95 ? ' full' : usage.fraction > 0.85 ? ' high' : '';
  return `<div class="meter${level}"><div>${e(title)}: ${e(usage.text)}</div><div class="bar"><span style="width:${(usage.fraction * 100).toFixed(1)}%"></span></div></div>`;
}

const esc = (rows: ReadonlyArray<ReadonlyArray<string>>): string[][] => rows.map((row) => row.map((cell) => e(cell)));

/** What each file system's own tools said, and how the kernel saw each disk (the viewer's "File systems" tab). */
function renderFilesystemDetails(report: InspectionReport): string {
  const head = `<h3>Disk devices</h3>${storageDetailsRead(report) ? '' : `<p class="muted">${e(OLDER_REPORT_TEXT)}</p>`}${table(DISK_DEVICE_COLUMNS, esc(diskDeviceRows(report)), 'No disk.')}`;
  const each = report.filesystems
    .map((fs) => {
      const d = fs.details;
      const parts = [`<div class="fs"><h3>${e(filesystemName(report, fs))} <span class="muted">${e(fs.type)}</span></h3>${dl(filesystemFacts(fs))}`, meter('Space', bytesUsage(fs), bytesText(fs))];
      if (d) parts.push(meter('Inodes', inodeUsage(fs), inodeText(fs)));
      if (d?.btrfs) {
        const subvolumes = subvolumeRows(fs);
        parts.push(
          `<h4>Subvolumes</h4>${table(
            SUBVOLUME_COLUMNS,
            subvolumes.map((r) => [`<span class="mono" style="padding-left:${r.depth * 18}px">${r.depth ? '└ ' : ''}${e(r.path)}</span>`, ...r.cells.slice(1).map((c) => e(c))]),
            'No subvolume besides the top level.',
          )}<h4>Snapper snapshots</h4>${table(SNAPSHOT_COLUMNS, esc(snapshotRows(fs)), 'No snapper snapshot.')}<h4>Space by kind</h4>${table(BTRFS_USAGE_COLUMNS, esc(btrfsUsageRows(fs)), 'Not read.')}`,
        );
      }
      if (d?.xfs) parts.push(`<h4>XFS geometry</h4>${dl(xfsFacts(fs))}`);
      if (d?.ext) {
        const attrs = attributeRows(fs);
        parts.push(
          `<h4>ext state and features</h4>${dl(extFacts(fs))}<h4>File attributes</h4>${
            attrs.length
              ? `<table><thead><tr>${ATTRIBUTE_COLUMNS.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${attrs
                  .map((a) => `<tr${a.immutable ? ' class="immutable"' : ''}>${a.cells.map((c, i) => `<td>${i === 2 && a.immutable ? `<strong>${e(c)}</strong>` : i < 2 ? `<code>${e(c)}</code>` : e(c)}</td>`).join('')}</tr>`)
                  .join('')}</tbody></table>`
              : '<p class="muted">No file a repair may edit was checked.</p>'
          }`,
        );
      }
      const ntfs = ntfsFacts(fs);
      if (ntfs.length) parts.push(`<h4>NTFS</h4>${dl(ntfs)}`);
      return `${parts.join('')}</div>`;
    })
    .join('');
  return head + each;
}

/** systemd's units, timers and sockets, the journal and the logins (the viewer's "Services and logs" tab). */
function renderServices(report: InspectionReport, options: RenderOptions): string {
  const state = servicesState(report);
  const logins = `<h3>Recent logins</h3>${table(LOGIN_COLUMNS, esc(loginRows(report)), state === 'read' ? 'No login recorded in /var/log/wtmp.' : 'Not read.')}`;
  if (state !== 'read') return `<section id="services"><h2>Services and logs</h2><p class="muted">${e(SERVICES_STATE_TEXT[state])}</p>${logins}</section>`;
  const units = unitRows(report);
  const statement = journalStatement(report);
  const failed = report.linux?.journal?.lastBoot?.failedUnits ?? [];
  const timeline = bootTimeline(report)
    .map((s) => `<span${s.index === 0 ? ' class="last"' : ''} style="left:${s.left.toFixed(2)}%;width:${s.width.toFixed(2)}%" title="${e(s.label)}">${e(s.index)}</span>`)
    .join('');
  const journal = statement
    ? `<p class="muted">${e(statement)}</p>`
    : `${dl(journalFacts(report))}${failed.length ? `<p>${failed.map((u) => `<span class="badge" style="background:${COLORS.blocker}">${e(u)} failed</span>`).join(' ')}</p>` : ''}<h4>Boots</h4>${
        timeline ? `<div class="timeline" role="img" aria-label="${e(bootTimeline(report).map((s) => s.label).join('; '))}">${timeline}</div>` : ''
      }${table(BOOT_COLUMNS, esc(bootRows(report)), 'No boot recorded.')}<h4>Errors of the last boot</h4>${table(JOURNAL_ERROR_COLUMNS, esc(journalErrorRows(report)), 'No error in the last boot.')}`;
  return `<section id="services"><h2>Services and logs</h2>
<h3>Reached at boot</h3>${table(CHAIN_COLUMNS, esc(chainRows(report)), chainEmptyText(report))}
<h3>Unit files</h3><p class="muted">${e(unitSummary(report))}</p><details${units.length <= 60 || options.expanded ? ' open' : ''}><summary>Show all ${units.length}</summary>${table(UNIT_COLUMNS, esc(units), 'No unit file.')}</details>
<h3>Timers</h3>${table(TIMER_COLUMNS, esc(timerRows(report)), 'No timer.')}
<h3>Sockets</h3>${table(SOCKET_COLUMNS, esc(socketRows(report)), 'No socket.')}
<h3>Journal</h3>${journal}
${logins}</section>`;
}

/** hyper2kvm's first-boot actions on a repaired Windows guest: waiting, or their log once it booted. */
function renderFirstBoot(w: NonNullable<InspectionReport['windows']>): string {
  const fb = w.firstBoot;
  if (!fb) return '';
  const body = fb.log === null ? '<p class="muted">Waiting for the first boot on KVM: the actions run once, as SYSTEM, before the logon screen.</p>' : `<pre class="diff">${e(fb.log)}</pre>${fb.truncated ? '<p class="muted">(the log’s last 64 KiB)</p>' : ''}`;
  return `<h3>First-boot actions</h3><p>Log: <code>${e(fb.logPath)}</code></p>${body}`;
}

function renderWindows(report: InspectionReport, options: RenderOptions): string {
  const w = report.windows!;
  return `<section id="windows"><h2>Windows details</h2>${dl([
    ['Product', w.productName],
    ['Edition', w.editionId],
    ['Installation type', w.installationType],
    ['Version', w.majorVersion === null ? w.currentVersion : `${w.majorVersion}.${w.minorVersion ?? 0}`],
    ['Build', w.build ? `${w.build}${w.ubr !== null ? `.${w.ubr}` : ''}` : null],
    ['Release', w.displayVersion],
    ['Installed', w.installDate],
    ['Registered owner', w.registeredOwner],
    ['Hostname', w.hostname],
    ['Domain', w.domain],
    ['System root', w.systemRoot],
    ['Control set', w.controlSet],
    ['VMware Tools', w.vmwareTools.present ? 'installed' : 'not found'],
    ['Group Policy', w.groupPolicy.present ? 'applied' : 'none found'],
    ['Antivirus', w.antivirus.map((a) => a.name).join(', ') || 'none found'],
    ['Hibernation', w.hibernation.hibernated ? 'HIBERNATED' : w.hibernation.hiberfilPresent ? 'hiberfil.sys present, not hibernated' : 'no hiberfil.sys'],
    ['Fast Startup', w.hibernation.fastStartup === null ? null : w.hibernation.fastStartup ? 'on' : 'off'],
  ])}
${renderFirstBoot(w)}<h3>Storage drivers</h3>${table(
    ['Service', 'Present', 'Start', 'StartOverride', 'Group', 'Image'],
    w.storageDrivers
      .filter((d) => d.present || d.service === 'viostor' || d.service === 'vioscsi')
      .map((d) => [e(d.service), e(d.present ? 'yes' : 'no'), e(d.start ?? ''), e(d.startOverride ? JSON.stringify(d.startOverride) : ''), e(d.group ?? ''), `<code>${e(d.imagePath ?? '')}</code>`]),
  )}
<h3>Network adapters</h3>${table(
    ['Interface', 'DHCP', 'Addresses', 'Gateways', 'DNS', 'DHCP lease'],
    w.networkAdapters.map((a) => [`<code>${e(a.id)}</code>`, e(a.dhcp === null ? '' : a.dhcp ? 'yes' : 'no'), e(a.addresses.join(', ')), e(a.gateways.join(', ')), e(a.dns.join(', ')), e(a.dhcpAddress ?? '')]),
  )}
<h3>Firewall</h3>${table(
    ['Profile', 'Enabled'],
    w.firewall.map((f) => [e(f.profile), e(f.enabled === null ? 'unknown' : f.enabled ? 'yes' : 'no')]),
  )}${
    w.environment.length
      ? `<details${options.expanded ? ' open' : ''}><summary>System environment (${w.environment.length})</summary>${table(
          ['Name', 'Value'],
          w.environment.map((v) => [e(v.name), `<span class="mono">${e(v.value)}</span>`]),
        )}</details>`
      : ''
  }</section>`;
}

const DATA_PNG = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/;

/** What the repair changed: each applied fix with its file diffs (originals kept in the guest) and commands. */
function renderRepair(record: RepairRecord, options: RenderOptions): string {
  const applied = record.fixes.filter((f) => f.applied);
  const headline = record.error ? `Not repaired: ${record.error.message}` : record.applied ? `${applied.length} fix(es) applied` : 'Nothing was written';
  const fixes = applied
    .map((f) => {
      const changes = f.changes
        .map((c) => `<details${options.expanded ? ' open' : ''}><summary>${e(c.action)} ${e(c.path)}${c.backup ? ` (original kept as ${e(c.backup)})` : ''}</summary>${c.diff ? `<pre class="diff">${e(c.diff)}</pre>` : `<p class="muted">sha256 ${e(c.beforeSha256 ?? '—')} → ${e(c.afterSha256 ?? 'removed')}</p>`}</details>`)
        .join('');
      const commands = f.commandOutcomes.map((c) => `<p><code>$ ${e(c.argv.join(' '))}</code> <span class="muted">${c.ok ? `${(c.durationMs / 1000).toFixed(1)} s` : 'failed'}</span></p>`).join('');
      const registry = f.registry?.length
        ? `<details${options.expanded ? ' open' : ''}><summary>${f.registry.length} registry change(s)</summary>${table(
            ['Key', 'Value', 'Before', 'After'],
            f.registry.map((r) => [`<code>${e(r.key)}</code>`, e(r.value === null ? '(the key)' : `${r.value || '(default)'}${r.type ? ` ${r.type}` : ''}`), e(r.before ?? '(absent)'), e(r.after ?? '(removed)')]),
          )}</details>`
        : '';
      const firstBoot = (f.firstBoot ?? []).map((a) => `<details${options.expanded ? ' open' : ''}><summary>runs once at the first boot: ${e(a.path)}</summary><pre class="diff">${e(a.script.replace(/\r\n/g, '\n'))}</pre></details>`).join('');
      return `<div class="finding"><h3>${e(f.title)}</h3><p>${e(f.reason)}</p>${changes}${registry}${firstBoot}${commands}</div>`;
    })
    .join('');
  const warnings = (record.plan.warnings ?? []).map((w) => `<p><strong>Warning:</strong> ${e(w.message)} <span class="muted">${e(w.hint)}</span></p>`).join('');
  return `<section id="repair"><h2>Repairs</h2><p>${e(headline)}</p>${warnings}${fixes}</section>`;
}

function renderBoot(report: InspectionReport, options: RenderOptions): string {
  const b = report.bootVerification!;
  const color = b.verdict === 'booted' ? '#3e8635' : b.verdict === 'failed' ? COLORS.blocker : COLORS.warning;
  const shots = b.evidence.screenshots
    .map((shot) => {
      const uri = options.images?.[shot.path];
      return uri && DATA_PNG.test(uri) ? `<figure><img class="shot" alt="${e(`Screen at ${(shot.atMs / 1000).toFixed(0)} s`)}" src="${uri}"><figcaption class="muted">${e(`${(shot.atMs / 1000).toFixed(0)} s`)}${shot.text ? ` — ${e(shot.text.slice(0, 200))}` : ''}</figcaption></figure>` : '';
    })
    .join('');
  return `<section id="boot"><h2>Boot verification</h2><div class="verdict"><span class="badge" style="background:${color}">${e(b.verdict)}</span><span>${e(b.detail)}</span></div>${dl([
    ['Reason', b.reason],
    ['Next step', b.hint],
    ['Reached after', `${(b.verdictAtMs / 1000).toFixed(1)} s`],
    ['Firmware', b.firmware],
    ['Accelerator', b.accelerator],
    ['Guest agent', b.evidence.agentAnswered ? 'answered' : 'no answer'],
  ])}${table(
    ['At', 'Stage', 'Seen on', 'Line'],
    b.milestones.map((m) => [e(`${(m.atMs / 1000).toFixed(1)} s`), e(m.kind), e(m.source), `<span class="mono">${e(m.text)}</span>`]),
    'No boot milestone was seen.',
  )}${b.excerpt ? `<h3>${e(b.excerptSource === 'screen' ? 'Screen text' : 'Serial console')}</h3><pre>${e(b.excerpt)}</pre>` : ''}${shots}</section>`;
}
