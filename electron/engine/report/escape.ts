import { formatBytes as formatSharedBytes } from '../../../shared/format';

/** Escapes text for HTML element content and quoted attribute values (and SVG text). */
export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Bytes for people, as the wizard and the CLI say them (shared/format); a dash when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '—' : formatSharedBytes(bytes);
}
