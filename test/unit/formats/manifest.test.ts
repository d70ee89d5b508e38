import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../electron/engine/formats/manifest';
import type { ManifestAlgorithm } from '../../../electron/engine/formats/manifest';
import { failureOf, samplePath, sampleText } from './helpers';

/** The files the sample manifests describe, with their place among the samples. */
const DESCRIBED: Record<string, string> = {
  'ovftool-vsphere6-efi.ovf': 'ovf/ovftool-vsphere6-efi.ovf',
  'qemu-monolithicFlat.vmdk': 'vmdk/qemu-monolithicFlat.vmdk',
};

describe('parseManifest on real manifests', () => {
  it.each<{ sample: string; algorithm: ManifestAlgorithm }>([
    { sample: 'manifest/ovftool-sha256.mf', algorithm: 'SHA256' },
    { sample: 'manifest/ovftool3-sha1.mf', algorithm: 'SHA1' },
    { sample: 'manifest/ovftool-sha512.mf', algorithm: 'SHA512' },
    { sample: 'manifest/openssl3-sha2-256.mf', algorithm: 'SHA256' },
    { sample: 'manifest/windows-crlf-upper.mf', algorithm: 'SHA256' },
  ])('$sample', ({ sample, algorithm }) => {
    const entries = parseManifest(sampleText(sample), sample);
    expect(entries.map((entry) => entry.file)).toEqual(Object.keys(DESCRIBED));
    for (const entry of entries) {
      expect(entry.algorithm).toBe(algorithm);
      // The digests are the real ones of the sample files, in lower case whatever the manifest used.
      const actual = createHash(algorithm.toLowerCase()).update(readFileSync(samplePath(DESCRIBED[entry.file]!))).digest('hex');
      expect(entry.digest).toBe(actual);
    }
  });

  it('accepts file names with spaces and parentheses', () => {
    const digest = 'a'.repeat(64);
    expect(parseManifest(`SHA256(My VM (copy)-disk1.vmdk)= ${digest}\n`)).toEqual([{ algorithm: 'SHA256', file: 'My VM (copy)-disk1.vmdk', digest }]);
  });
});

describe('parseManifest refuses garbled and hostile manifests', () => {
  const sha256 = '3f'.repeat(32);
  it.each([
    { name: 'a digest of the wrong length', text: `SHA256(disk1.vmdk)= ${sha256.slice(0, 62)}\n`, line: 1, says: /64 hexadecimal digits/ },
    { name: 'a SHA1-length digest labelled SHA256', text: `SHA1(a.ovf)= ${'b'.repeat(40)}\nSHA256(disk1.vmdk)= ${'c'.repeat(40)}\n`, line: 2, says: /64 hexadecimal digits/ },
    { name: 'a digest that is not hex', text: `SHA256(disk1.vmdk)= ${'g'.repeat(64)}\n`, line: 1, says: /hexadecimal/ },
    { name: 'an unknown algorithm', text: `MD5(disk1.vmdk)= ${'d'.repeat(32)}\n`, line: 1, says: /"MD5"/ },
    { name: 'a path with a folder', text: `SHA256(disks/disk1.vmdk)= ${sha256}\n`, line: 1, says: /not a plain file name/ },
    { name: 'a path that climbs out', text: `SHA256(../../etc/passwd)= ${sha256}\n`, line: 1, says: /not a plain file name/ },
    { name: 'a bare ".."', text: `\nSHA256(..)= ${sha256}\n`, line: 2, says: /not a plain file name/ },
    { name: 'a Windows path', text: `SHA256(..\\evil.dll)= ${sha256}\n`, line: 1, says: /not a plain file name/ },
    { name: 'a line of another format (sha256sum)', text: `${sha256}  disk1.vmdk\n`, line: 1, says: /not an ALGORITHM\(file\)= digest line/ },
    { name: 'the same file twice', text: `SHA256(a.vmdk)= ${sha256}\nSHA256(a.vmdk)= ${sha256}\n`, line: 2, says: /listed twice \(first at line 1\)/ },
    { name: 'binary junk', text: `SHA256(a.vmdk)= ${sha256}\n\u0000\u0001\u0002`, line: 2, says: /binary data/ },
    { name: 'no entries at all', text: '\r\n\r\n', line: undefined, says: /lists no files/ },
  ])('$name', ({ text, line, says }) => {
    const error = failureOf(() => parseManifest(text, 'vm.mf'));
    expect(error.code).toBe('OVA_MANIFEST_GARBLED');
    expect(error.kind).toBe('bad-input');
    expect(error.message).toMatch(says);
    expect(error.evidence?.line).toBe(line);
    expect(error.evidence?.path).toBe('vm.mf');
  });
});
