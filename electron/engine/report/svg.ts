import { escapeHtml } from './escape';

/**
 * Inline SVG charts for the self-contained report: no script, no external font or image, text
 * escaped. Sizes are in CSS pixels of a fixed viewBox; the SVG scales to the column width.
 */

export const COLORS = {
  blocker: '#c9190b',
  warning: '#f0ab00',
  info: '#2b9af3',
  used: '#0066cc',
  free: '#d2d2d2',
  unknown: '#8a8d90',
  partition: ['#3e8635', '#0066cc', '#8476d1', '#009596', '#f4c145', '#ec7a08', '#6753ac', '#4cb140'],
  gap: '#f0f0f0',
  text: '#151515',
  muted: '#6a6e73',
} as const;

export interface Bar {
  label: string;
  value: number;
  color: string;
}

/** Horizontal bars with their value, e.g. findings by severity. */
export function barChart(bars: readonly Bar[], title: string): string {
  const width = 480;
  const rowHeight = 28;
  const labelWidth = 110;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * rowHeight + 8;
  const rows = bars
    .map((bar, i) => {
      const y = 4 + i * rowHeight;
      const w = Math.round(((width - labelWidth - 50) * bar.value) / max);
      return [
        `<text x="0" y="${y + 17}" font-size="13" fill="${COLORS.text}">${escapeHtml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(w, bar.value > 0 ? 3 : 0)}" height="18" rx="2" fill="${bar.color}"/>`,
        `<text x="${labelWidth + Math.max(w, 0) + 8}" y="${y + 17}" font-size="13" fill="${COLORS.text}">${bar.value}</text>`,
      ].join('');
    })
    .join('');
  return `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${rows}</svg>`;
}

export interface UsageRow {
  label: string;
  size: number | null;
  used: number | null;
}

/** One stacked bar per file system: used vs free, with the percentage. */
export function usageChart(rows: readonly UsageRow[], title: string, format: (bytes: number) => string): string {
  const width = 640;
  const rowHeight = 34;
  const labelWidth = 150;
  const barWidth = width - labelWidth - 150;
  const height = rows.length * rowHeight + 8;
  const body = rows
    .map((row, i) => {
      const y = 4 + i * rowHeight;
      const known = row.size !== null && row.size > 0 && row.used !== null;
      const fraction = known ? Math.min(1, Math.max(0, row.used! / row.size!)) : 0;
      const usedWidth = Math.round(barWidth * fraction);
      const color = fraction > 0.95 ? COLORS.blocker : fraction > 0.85 ? COLORS.warning : COLORS.used;
      const caption = known ? `${Math.round(fraction * 100)}% of ${format(row.size!)}` : row.size ? `${format(row.size)}, usage unknown` : 'usage unknown';
      return [
        `<text x="0" y="${y + 20}" font-size="13" fill="${COLORS.text}">${escapeHtml(truncate(row.label, 22))}</text>`,
        `<rect x="${labelWidth}" y="${y + 6}" width="${barWidth}" height="20" rx="3" fill="${known ? COLORS.free : COLORS.gap}"/>`,
        known ? `<rect x="${labelWidth}" y="${y + 6}" width="${usedWidth}" height="20" rx="3" fill="${color}"/>` : '',
        `<text x="${labelWidth + barWidth + 10}" y="${y + 20}" font-size="12" fill="${COLORS.muted}">${escapeHtml(caption)}</text>`,
      ].join('');
    })
    .join('');
  return `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${body}</svg>`;
}

export interface Segment {
  start: number;
  size: number;
  label: string;
  sublabel: string;
}

/**
 * A disk drawn to scale: partitions as colored blocks, unallocated space as grey gaps. Tiny
 * partitions (BIOS boot, 1 MiB) get a minimum width so they stay visible; their label is in
 * the table under the drawing.
 */
export function partitionLayout(diskSize: number, segments: readonly Segment[], title: string): string {
  const width = 640;
  const height = 64;
  const minWidth = 6;
  const scale = (bytes: number): number => (diskSize > 0 ? (bytes / diskSize) * width : 0);
  const sorted = [...segments].sort((a, b) => a.start - b.start);
  const blocks = sorted
    .map((s, i) => {
      const x = Math.min(width - minWidth, Math.round(scale(s.start)));
      const w = Math.max(minWidth, Math.round(scale(s.size)));
      const color = COLORS.partition[i % COLORS.partition.length]!;
      const showText = w > 70;
      return [
        `<rect x="${x}" y="4" width="${Math.min(w, width - x)}" height="44" fill="${color}" stroke="#ffffff" stroke-width="1"><title>${escapeHtml(`${s.label} ${s.sublabel}`)}</title></rect>`,
        showText ? `<text x="${x + 6}" y="22" font-size="12" fill="#ffffff">${escapeHtml(truncate(s.label, Math.floor(w / 7)))}</text>` : '',
        showText ? `<text x="${x + 6}" y="39" font-size="11" fill="#ffffff">${escapeHtml(truncate(s.sublabel, Math.floor(w / 6.5)))}</text>` : '',
      ].join('');
    })
    .join('');
  return `<svg class="chart layout" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title><rect x="0" y="4" width="${width}" height="44" fill="${COLORS.gap}"/>${blocks}<text x="0" y="62" font-size="11" fill="${COLORS.muted}">0</text><text x="${width}" y="62" font-size="11" fill="${COLORS.muted}" text-anchor="end">${escapeHtml(title)}</text></svg>`;
}

function truncate(text: string, max: number): string {
  if (max <= 1) return '';
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}
