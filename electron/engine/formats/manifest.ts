import { fail } from '../core/errors';
import { excerpt, hasControlCharacters, numberedLines } from './text-lines';

/**
 * The manifest (.mf) of an OVF package: one `ALGORITHM(file)= hexdigest` line per file, as ovftool
 * writes (SHA1 before ovftool 4, SHA256 since, SHA512 on request). OpenSSL 3's `dgst` spells the
 * algorithms SHA2-256 and SHA2-512; those are read as SHA256 and SHA512.
 *
 * Integrity only: a manifest proves the files match the manifest, not who wrote them. The
 * certificate (.cert) that signs a manifest is ignored; signatures are not verified.
 */

export type ManifestAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface ManifestEntry {
  algorithm: ManifestAlgorithm;
  file: string;
  /** Lower-case hex. */
  digest: string;
}

const HEX_LENGTH: Record<ManifestAlgorithm, number> = { SHA1: 40, SHA256: 64, SHA512: 128 };
const ALIASES: Record<string, ManifestAlgorithm> = { SHA1: 'SHA1', SHA256: 'SHA256', 'SHA2-256': 'SHA256', SHA512: 'SHA512', 'SHA2-512': 'SHA512' };

const HINT = 'The manifest (.mf) lists a checksum for each file of the package. Export the VM again, or remove the .mf to skip verification if you trust the files.';

export function parseManifest(text: string, source?: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Map<string, number>();
  for (const { number, text: raw } of numberedLines(text)) {
    if (hasControlCharacters(raw)) garbledManifest(source, 'binary data where text was expected', number);
    const line = raw.trim();
    if (line === '') continue;
    // The file name is everything between the first "(" and the last ")=": names may hold parentheses.
    const match = /^([A-Za-z0-9-]+)\((.*)\)\s*=\s*([0-9A-Za-z]*)$/.exec(line);
    if (!match) return garbledManifest(source, `"${excerpt(line)}" is not an ALGORITHM(file)= digest line`, number);
    const algorithm = ALIASES[match[1]!.toUpperCase()];
    if (algorithm === undefined) return garbledManifest(source, `the algorithm "${excerpt(match[1]!)}" is not one of SHA1, SHA256, SHA512`, number);
    const file = match[2]!;
    checkFileName(file, source, number);
    const digest = match[3]!.toLowerCase();
    if (!/^[0-9a-f]*$/.test(digest) || digest.length !== HEX_LENGTH[algorithm]) {
      garbledManifest(source, `the ${algorithm} digest of ${file} must be ${HEX_LENGTH[algorithm]} hexadecimal digits`, number);
    }
    const key = `${algorithm} ${file}`;
    if (seen.has(key)) garbledManifest(source, `${file} is listed twice (first at line ${seen.get(key)})`, number);
    seen.set(key, number);
    entries.push({ algorithm, file, digest });
  }
  if (entries.length === 0) garbledManifest(source, 'it lists no files');
  return entries;
}

/** Manifest entries name files at the top of the package; anything that walks elsewhere is refused. */
function checkFileName(file: string, source: string | undefined, line: number): void {
  if (file === '' || file === '.' || file === '..' || file.includes('/') || file.includes('\\') || file.includes('\u0000')) {
    garbledManifest(source, `"${excerpt(file)}" is not a plain file name of the package`, line);
  }
}

function garbledManifest(source: string | undefined, problem: string, line?: number): never {
  const name = source ?? 'The manifest';
  return fail('OVA_MANIFEST_GARBLED', line === undefined ? `${name} cannot be read: ${problem}.` : `${name}, line ${line}: ${problem}.`, HINT, {
    ...(source === undefined ? {} : { path: source }),
    ...(line === undefined ? {} : { line }),
  });
}
