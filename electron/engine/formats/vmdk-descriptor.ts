import { fail } from '../core/errors';
import { excerpt, hasControlCharacters, numberedLines, withoutTrailingNuls } from './text-lines';

export { classifyVmdkHead, GD_AT_END, SECTOR_BYTES } from './vmdk-sparse';
export type { SparseHeader, VmdkFileKind } from './vmdk-sparse';

/**
 * The VMDK descriptor: the small text that says which files hold a virtual disk's data and how
 * they chain to a parent. It is either a file of its own (monolithicFlat, twoGbMax*, ESXi's vmfs,
 * vmfsSparse and seSparse, snapshot deltas) or embedded in a sparse extent (monolithicSparse,
 * streamOptimized). Keys are case-insensitive, as VMware treats them.
 */

export type VmdkExtentType = 'FLAT' | 'SPARSE' | 'ZERO' | 'VMFS' | 'VMFSSPARSE' | 'VMFSRDM' | 'VMFSRAW' | 'SESPARSE';

export interface VmdkExtent {
  access: 'RW' | 'RDONLY' | 'NOACCESS';
  sizeSectors: number;
  type: VmdkExtentType;
  /** null for ZERO extents, which have no file. */
  fileName: string | null;
  /** Where the extent's data starts inside its file (FLAT extents only; 0 otherwise). */
  offsetSectors: number;
}

export interface VmdkDescriptor {
  version: number;
  /** Content id, lower-case hex ("" when the descriptor has none). */
  cid: string;
  /** "ffffffff" when the disk has no parent. */
  parentCid: string;
  createType: string;
  parentFileNameHint: string | null;
  extents: VmdkExtent[];
  /**
   * The disk database, keyed WITHOUT the "ddb." prefix: `ddb.adapterType`, `ddb['geometry.cylinders']`,
   * `ddb.virtualHWVersion`, `ddb.longContentID`, `ddb.uuid`... Known keys are stored in VMware's
   * spelling whatever case the file used; unknown keys as written.
   */
  ddb: Record<string, string>;
  /** Sum of the extents, in bytes. */
  virtualSizeBytes: number;
  /** Other header settings as written, keyed in lower case (encoding, isnativesnapshot, changetrackpath...). */
  otherSettings: Record<string, string>;
}

const EXTENT_TYPES: ReadonlySet<string> = new Set<VmdkExtentType>(['FLAT', 'SPARSE', 'ZERO', 'VMFS', 'VMFSSPARSE', 'VMFSRDM', 'VMFSRAW', 'SESPARSE']);
const ACCESS_MODES: ReadonlySet<string> = new Set(['RW', 'RDONLY', 'NOACCESS']);

const DDB_SPELLING = new Map(
  [
    'adapterType',
    'geometry.cylinders',
    'geometry.heads',
    'geometry.sectors',
    'geometry.biosCylinders',
    'geometry.biosHeads',
    'geometry.biosSectors',
    'virtualHWVersion',
    'longContentID',
    'uuid',
    'toolsVersion',
    'toolsInstallType',
    'thinProvisioned',
    'deletable',
    'encoding',
    'grain',
    'sidecars',
    'iofilters',
  ].map((key) => [key.toLowerCase(), key]),
);

const HEX_ID = /^[0-9a-f]{1,8}$/i;
const DIGITS = /^\d+$/;

const HINT =
  'A VMDK descriptor is a small text file written by VMware. Compare it with the copy on the datastore, or export the disk again; do not edit it by hand unless you know the format.';

/** Parses a descriptor. `source` names the file in messages and evidence. */
export function parseVmdkDescriptor(text: string, source?: string): VmdkDescriptor {
  let version: number | undefined;
  let cid = '';
  let parentCid = 'ffffffff';
  let createType: string | undefined;
  let parentFileNameHint: string | null = null;
  const extents: VmdkExtent[] = [];
  const ddb: Record<string, string> = {};
  const otherSettings: Record<string, string> = {};

  for (const { number, text: raw } of numberedLines(withoutTrailingNuls(text))) {
    if (hasControlCharacters(raw)) garbledDescriptor(source, 'binary data where text was expected (is this a disk data file rather than its descriptor?)', number);
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;

    if (/^(RW|RDONLY|NOACCESS)(\s|$)/i.test(line)) {
      extents.push(parseExtentLine(line, number, source));
      continue;
    }

    const setting = /^([A-Za-z0-9_.:-]+)\s*=\s*(.*)$/.exec(line);
    if (!setting) return garbledDescriptor(source, `"${excerpt(line)}" is neither a setting, an extent nor a comment`, number);
    const key = setting[1]!;
    const value = unquote(setting[2]!);
    const lower = key.toLowerCase();

    if (lower.startsWith('ddb.')) {
      const ddbKey = key.slice(4);
      ddb[DDB_SPELLING.get(ddbKey.toLowerCase()) ?? ddbKey] = value;
      continue;
    }
    switch (lower) {
      case 'version':
        if (!DIGITS.test(value)) garbledDescriptor(source, `version "${excerpt(value)}" is not a number`, number);
        version = Number(value);
        break;
      case 'cid':
        if (!HEX_ID.test(value)) garbledDescriptor(source, `CID "${excerpt(value)}" is not a hexadecimal content id`, number);
        cid = value.toLowerCase();
        break;
      case 'parentcid':
        if (!HEX_ID.test(value)) garbledDescriptor(source, `parentCID "${excerpt(value)}" is not a hexadecimal content id`, number);
        parentCid = value.toLowerCase();
        break;
      case 'createtype':
        createType = value;
        break;
      case 'parentfilenamehint':
        parentFileNameHint = value === '' ? null : value;
        break;
      default:
        otherSettings[lower] = value;
    }
  }

  if (createType === undefined || createType === '') return garbledDescriptor(source, 'it has no createType line');
  if (extents.length === 0) garbledDescriptor(source, 'it lists no extents (lines such as RW 2048 SPARSE "disk-s001.vmdk")');

  const virtualSizeBytes = extents.reduce((sum, extent) => sum + extent.sizeSectors * 512, 0);
  return {
    version: version ?? 1,
    cid,
    parentCid,
    createType,
    parentFileNameHint,
    extents,
    ddb,
    virtualSizeBytes,
    otherSettings,
  };
}

/**
 * An extent line: ACCESS SIZE TYPE ["FILE" [OFFSET]]. The file name is everything between the first
 * and the last double quote, because VMware writes names with spaces and quotes unescaped.
 */
function parseExtentLine(line: string, number: number, source: string | undefined): VmdkExtent {
  const garbled = (problem: string): never => garbledDescriptor(source, problem, number);
  const parts = /^(\S+)\s+(\S+)\s+(\S+)(.*)$/.exec(line);
  if (!parts) return garbled(`extent line "${excerpt(line)}" is incomplete (expected access, size and type)`);
  const access = parts[1]!.toUpperCase();
  const size = parts[2]!;
  const type = parts[3]!.toUpperCase();
  const rest = parts[4]!.trim();

  if (!ACCESS_MODES.has(access)) garbled(`unknown extent access "${excerpt(parts[1]!)}"`);
  if (!DIGITS.test(size) || !Number.isSafeInteger(Number(size))) garbled(`extent size "${excerpt(size)}" is not a number of sectors`);
  if (!EXTENT_TYPES.has(type)) garbled(`unknown extent type "${excerpt(parts[3]!)}"`);

  if (type === 'ZERO') {
    if (rest !== '') garbled('a ZERO extent has no file, but this line names one');
    return { access: access as VmdkExtent['access'], sizeSectors: Number(size), type: 'ZERO', fileName: null, offsetSectors: 0 };
  }

  const lastQuote = rest.lastIndexOf('"');
  if (!rest.startsWith('"') || lastQuote === 0) garbled(`the extent's file name must be in double quotes (got "${excerpt(rest)}")`);
  const fileName = rest.slice(1, lastQuote);
  if (fileName === '') garbled('the extent has an empty file name');
  const after = rest.slice(lastQuote + 1).trim();
  if (after !== '' && (!DIGITS.test(after) || !Number.isSafeInteger(Number(after)))) garbled(`extent offset "${excerpt(after)}" is not a number of sectors`);

  return {
    access: access as VmdkExtent['access'],
    sizeSectors: Number(size),
    type: type as VmdkExtentType,
    fileName,
    offsetSectors: after === '' ? 0 : Number(after),
  };
}

/** Throws VMDK_GARBLED naming the file and, when there is one, the line. */
export function garbledDescriptor(source: string | undefined, problem: string, line?: number): never {
  const name = capitalise(source ?? 'the VMDK descriptor');
  return fail('VMDK_GARBLED', line === undefined ? `${name} is not a usable VMDK descriptor: ${problem}.` : `${name}, line ${line}: ${problem}.`, HINT, {
    ...(source === undefined ? {} : { path: source }),
    ...(line === undefined ? {} : { line }),
  });
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1);
  return trimmed;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
