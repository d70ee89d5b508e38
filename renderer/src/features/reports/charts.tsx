import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DiskInfo, Filesystem, InspectionReport } from '../../../../shared/contract/models/inspection';
import { formatBytes } from '../../../../shared/format';
import { diskSegments, severityCounts, usageRows } from './report-model';
import type { UsageLevel } from './report-model';

/**
 * The viewer's charts: findings by severity and file system usage (recharts), and each disk's
 * partitions drawn to scale (plain boxes: a layout, not a chart). Animations are off: a report
 * is read, not watched, and a PDF or screenshot taken at once must show the final bars.
 */

export function FindingsChart({ report }: { report: InspectionReport }): ReactNode {
  const data = severityCounts(report);
  return (
    <div className="h2k-chart" data-testid="chart-findings" aria-label="Findings by severity">
      <ResponsiveContainer width="100%" height={data.length * 36 + 16}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 40, bottom: 4, left: 8 }}>
          <XAxis type="number" allowDecimals={false} hide />
          <YAxis type="category" dataKey="label" width={96} tickLine={false} axisLine={false} />
          <Bar dataKey="count" isAnimationActive={false} barSize={18} minPointSize={2}>
            {data.map((d) => (
              <Cell key={d.severity} fill={d.color} />
            ))}
            <LabelList dataKey="count" position="right" />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

const LEVEL_COLOR: Record<UsageLevel, string> = { ok: '#0066cc', high: '#f0ab00', full: '#c9190b', unknown: '#8a8d90' };

export function UsageChart({ report }: { report: InspectionReport }): ReactNode {
  const rows = usageRows(report).filter((r) => r.usedPercent !== null);
  if (!rows.length) return <p className="h2k-muted">No file system could be measured (none could be mounted).</p>;
  const data = rows.map((r) => ({ ...r, usedShare: r.usedPercent!, freeShare: 100 - r.usedPercent! }));
  return (
    <div className="h2k-chart" data-testid="chart-usage" aria-label="File system usage">
      <ResponsiveContainer width="100%" height={data.length * 40 + 40}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 96, bottom: 4, left: 8 }} stackOffset="none">
          <CartesianGrid horizontal={false} strokeDasharray="3 3" />
          <XAxis type="number" domain={[0, 100]} unit=" %" ticks={[0, 25, 50, 75, 100]} />
          <YAxis type="category" dataKey="label" width={150} tickLine={false} />
          <Tooltip
            formatter={(value, name, item) => {
              const row = (item as { payload?: (typeof data)[number] }).payload;
              if (!row) return [String(value), String(name)];
              return name === 'usedShare' ? [`${formatBytes(row.used ?? 0)} (${row.usedShare} %)`, 'Used'] : [formatBytes(row.free ?? 0), 'Free'];
            }}
          />
          <Bar dataKey="usedShare" stackId="usage" isAnimationActive={false} barSize={20}>
            {data.map((d) => (
              <Cell key={d.device} fill={LEVEL_COLOR[d.level]} />
            ))}
          </Bar>
          <Bar dataKey="freeShare" stackId="usage" fill="#d2d2d2" isAnimationActive={false} barSize={20}>
            <LabelList dataKey="usedShare" position="right" formatter={(v: unknown) => `${String(v)} % used`} className="h2k-chart-label" />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

const PARTITION_TONES = ['#3e8635', '#0066cc', '#8476d1', '#009596', '#f4c145', '#ec7a08', '#6753ac', '#4cb140'];

/** One disk to scale: partitions as coloured blocks with their file system, unallocated space grey. */
export function PartitionLayout({ disk, filesystems }: { disk: DiskInfo; filesystems: readonly Filesystem[] }): ReactNode {
  const segments = diskSegments(disk, filesystems);
  if (!disk.partitions.length) return <p className="h2k-muted">No partition table: {disk.partitionTable === 'none' ? 'the file system, if any, spans the whole disk.' : 'it could not be read.'}</p>;
  return (
    <div className="h2k-disk-layout" data-testid="partition-layout" data-disk={disk.id} role="img" aria-label={`${disk.id}: ${segments.map((s) => `${s.label} ${s.detail}`).join('; ')}`}>
      {segments.map((s, i) => (
        <div
          key={`${s.label}-${i}`}
          className={`h2k-disk-segment h2k-disk-${s.kind}`}
          style={{ left: `${s.left}%`, width: `${s.width}%`, ...(s.kind === 'partition' ? { background: PARTITION_TONES[s.tone % PARTITION_TONES.length] } : {}) }}
          title={`${s.label}: ${s.detail}`}
          data-testid="partition-segment"
          data-kind={s.kind}
        >
          {s.width > 9 ? (
            <>
              <span className="h2k-disk-segment-label">{s.label}</span>
              <span className="h2k-disk-segment-detail">{s.detail}</span>
            </>
          ) : null}
        </div>
      ))}
    </div>
  );
}
