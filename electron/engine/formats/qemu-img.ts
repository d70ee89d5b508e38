import { z } from 'zod';
import { fail } from '../core/errors';
import { QEMU_IMG_OUTPUT_UNEXPECTED } from './error-codes';

/**
 * Readers for what qemu-img prints: the `-p` progress of convert, and the JSON of `info` and
 * `check`. The JSON is validated, so a qemu-img that changes its output fails loudly here instead
 * of feeding `undefined` to the stages. Unknown keys are kept out of the typed result but allowed,
 * because qemu adds fields between versions.
 */

/** "    (45.03/100%)" → 0.4503. Anything else (including empty lines between \r updates) → null. */
export function parseProgressLine(line: string): number | null {
  const match = /^\s*\((\d{1,3}(?:\.\d+)?)\/100%\)\s*$/.exec(line);
  if (!match) return null;
  const percent = Number(match[1]);
  return percent > 100 ? null : percent / 100;
}

export interface QemuImgVmdkExtent {
  filename: string;
  virtualSize: number;
  /** "SPARSE", "FLAT"...; absent for the main file of a monolithic image, where qemu prints "". */
  format?: string;
  compressed?: boolean;
  clusterSize?: number;
}

export interface QemuImgInfo {
  filename: string;
  format: string;
  virtualSize: number;
  /** Bytes allocated on the host; 0 when qemu-img cannot tell (it omits the field then). */
  actualSize: number;
  dirty?: boolean;
  backingFilename?: string;
  fullBackingFilename?: string;
  backingFormat?: string;
  clusterSize?: number;
  formatSpecific?: { type: string; data: Record<string, unknown> };
  vmdk?: { createType: string; cid?: number; parentCid?: number; extents: QemuImgVmdkExtent[] };
  encrypted?: boolean;
}

const SIZE = z.number().int().nonnegative();

const InfoJson = z.looseObject({
  filename: z.string(),
  format: z.string(),
  'virtual-size': SIZE,
  'actual-size': SIZE.optional(),
  'dirty-flag': z.boolean().optional(),
  'backing-filename': z.string().optional(),
  'full-backing-filename': z.string().optional(),
  'backing-filename-format': z.string().optional(),
  'cluster-size': SIZE.optional(),
  encrypted: z.boolean().optional(),
  'format-specific': z.looseObject({ type: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
});

const VmdkData = z.looseObject({
  'create-type': z.string(),
  cid: SIZE.optional(),
  'parent-cid': SIZE.optional(),
  extents: z
    .array(
      z.looseObject({
        filename: z.string(),
        'virtual-size': SIZE,
        format: z.string().optional(),
        compressed: z.boolean().optional(),
        'cluster-size': SIZE.optional(),
      }),
    )
    .default([]),
});

/** Accepts the object of `qemu-img info --output=json` and the array of `--backing-chain` (top image first). */
export function parseQemuImgInfo(json: string): QemuImgInfo[] {
  const value = parseJson(json, 'info');
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) unexpected('info', 'an empty list of images', json);
  return list.map((item, index) => {
    const parsed = InfoJson.safeParse(item);
    if (!parsed.success) return unexpected('info', `image ${index}: ${z.prettifyError(parsed.error)}`, json);
    return toInfo(parsed.data, json);
  });
}

function toInfo(data: z.infer<typeof InfoJson>, json: string): QemuImgInfo {
  const info: QemuImgInfo = {
    filename: data.filename,
    format: data.format,
    virtualSize: data['virtual-size'],
    actualSize: data['actual-size'] ?? 0,
  };
  if (data['dirty-flag'] !== undefined) info.dirty = data['dirty-flag'];
  if (data['backing-filename'] !== undefined) info.backingFilename = data['backing-filename'];
  if (data['full-backing-filename'] !== undefined) info.fullBackingFilename = data['full-backing-filename'];
  if (data['backing-filename-format'] !== undefined) info.backingFormat = data['backing-filename-format'];
  if (data['cluster-size'] !== undefined) info.clusterSize = data['cluster-size'];
  if (data.encrypted !== undefined) info.encrypted = data.encrypted;
  const specific = data['format-specific'];
  if (specific !== undefined) {
    info.formatSpecific = { type: specific.type, data: specific.data };
    if (specific.type === 'vmdk') {
      const vmdk = VmdkData.safeParse(specific.data);
      if (!vmdk.success) return unexpected('info', `the vmdk details: ${z.prettifyError(vmdk.error)}`, json);
      info.vmdk = {
        createType: vmdk.data['create-type'],
        ...(vmdk.data.cid === undefined ? {} : { cid: vmdk.data.cid }),
        ...(vmdk.data['parent-cid'] === undefined ? {} : { parentCid: vmdk.data['parent-cid'] }),
        extents: vmdk.data.extents.map((extent) => ({
          filename: extent.filename,
          virtualSize: extent['virtual-size'],
          ...(extent.format ? { format: extent.format } : {}),
          ...(extent.compressed === undefined ? {} : { compressed: extent.compressed }),
          ...(extent['cluster-size'] === undefined ? {} : { clusterSize: extent['cluster-size'] }),
        })),
      };
    }
  }
  return info;
}

export interface QemuImgCheck {
  /** No corruptions and no errors during the check. Leaks only waste space and do not make it false. */
  ok: boolean;
  corruptions: number;
  leaks: number;
  checkErrors: number;
  imageEndOffset?: number;
  totalClusters?: number;
  allocatedClusters?: number;
  fragmentedClusters?: number;
  compressedClusters?: number;
}

const CheckJson = z.looseObject({
  'check-errors': SIZE,
  corruptions: SIZE.optional(),
  leaks: SIZE.optional(),
  'image-end-offset': SIZE.optional(),
  'total-clusters': SIZE.optional(),
  'allocated-clusters': SIZE.optional(),
  'fragmented-clusters': SIZE.optional(),
  'compressed-clusters': SIZE.optional(),
});

/**
 * `qemu-img check --output=json`. It exits 2 when it found corruptions and 3 for leaks only, and
 * still prints the JSON: run it with okExitCodes [0, 2, 3] and judge by `ok`. Exit 63 means the
 * format has no check (raw, flat VMDK extents) and prints no JSON.
 */
export function parseQemuImgCheck(json: string): QemuImgCheck {
  const parsed = CheckJson.safeParse(parseJson(json, 'check'));
  if (!parsed.success) return unexpected('check', z.prettifyError(parsed.error), json);
  const data = parsed.data;
  const corruptions = data.corruptions ?? 0;
  const checkErrors = data['check-errors'];
  const check: QemuImgCheck = { ok: corruptions === 0 && checkErrors === 0, corruptions, leaks: data.leaks ?? 0, checkErrors };
  if (data['image-end-offset'] !== undefined) check.imageEndOffset = data['image-end-offset'];
  if (data['total-clusters'] !== undefined) check.totalClusters = data['total-clusters'];
  if (data['allocated-clusters'] !== undefined) check.allocatedClusters = data['allocated-clusters'];
  if (data['fragmented-clusters'] !== undefined) check.fragmentedClusters = data['fragmented-clusters'];
  if (data['compressed-clusters'] !== undefined) check.compressedClusters = data['compressed-clusters'];
  return check;
}

function parseJson(json: string, command: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    return unexpected(command, `not JSON (${error instanceof Error ? error.message : String(error)})`, json);
  }
}

function unexpected(command: string, problem: string, output: string): never {
  return fail(QEMU_IMG_OUTPUT_UNEXPECTED, `qemu-img ${command} printed something unexpected: ${problem}`, 'Check that the qemu-utils package is installed and up to date; this version of qemu-img may print a different format.', {
    details: { output: output.length > 2000 ? `${output.slice(0, 2000)}…` : output },
  });
}
