/** Human formatting shared by the wizard, the CLI and the reports, so they all say the same. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${BYTE_UNITS[unit]}`;
}

const MiB = 1024 * 1024;

/**
 * Throughput in MiB/s: the same binary units as every size beside it (a 104.0 MiB disk copied
 * at 52.0 MiB/s takes 2 s), never a decimal MB/s next to a MiB.
 */
export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null) return '– MiB/s';
  return `${(bytesPerSecond / MiB).toFixed(bytesPerSecond < 10 * MiB ? 1 : 0)} MiB/s`;
}

/** 75 → "1 min 15 s"; null → "unknown" (we never make one up). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatPercent(fraction: number): string {
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)} %`;
}
