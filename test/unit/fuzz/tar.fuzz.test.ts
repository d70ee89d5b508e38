import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { checkEntrySafety, listTar, plainEntryName } from '../../../electron/engine/formats/tar';
import { base256, END_OF_ARCHIVE, member, paxMember } from '../formats/tar-builder';
import { applyByteEdits, fuzzParameters, fuzzTimeout, mutatedText, reportSeed, resultOrErrorValue, resultOrErrorValueAsync } from './harness';

/**
 * Issue 11: the OVA reader (a tar walker that seeks over the data) on generated archives —
 * ustar, GNU long names, pax headers, base-256 sizes, links, hostile names — with the headers'
 * checksums kept right half of the time, so the fields behind the checksum are reached too.
 */

reportSeed();

const work = mkdtempSync(join(tmpdir(), 'h2k-fuzz-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NAME_TOKENS = ['disk1.vmdk', 'vm.ovf', 'vm.mf', './', '../', '..', '/', '/etc/passwd', 'C:\\x', 'a\\b', '\u0001', '\u00e9', 'x'.repeat(150), 'PaxHeaders.0/x', ''];
const name = fc.oneof(fc.constantFrom(...NAME_TOKENS), fc.string({ maxLength: 120 }), fc.array(fc.constantFrom(...NAME_TOKENS), { maxLength: 4 }).map((parts) => parts.join('')));
const TYPES = ['0', '\0', '1', '2', '3', '4', '5', '6', '7', 'g', 'x', 'L', 'K', 'S', 'V', 'Z'];
const sizes = fc.oneof(fc.nat({ max: 3000 }), fc.constantFrom(0, 511, 512, 513, 0o77777777777, 2 ** 33));

/** Mostly absent: most entries are well-formed, so the walk gets past the first header. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const entry = fc.record({
  name,
  type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('0', '5') }, { weight: 1, arbitrary: fc.constantFrom(...TYPES) }),
  linkName: sometimes(name),
  prefix: sometimes(fc.string({ maxLength: 60 })),
  size: sometimes(sizes),
  data: fc.uint8Array({ maxLength: 1500 }),
  base256Size: sometimes(fc.bigInt({ min: 0n, max: 2n ** 88n })),
  pax: sometimes(fc.dictionary(fc.constantFrom('path', 'linkpath', 'size', 'mtime', 'uid', 'comment', 'GNU.sparse.size'), mutatedText(['disk1.vmdk', '123', '../x', '-1', '1e30', 'zz']))),
  longName: sometimes(fc.string({ maxLength: 600 })),
});

type Entry = typeof entry extends fc.Arbitrary<infer E> ? E : never;

function archive(entries: readonly Entry[], terminated: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) parts.push(paxMember(e.pax));
    if (e.longName !== undefined) parts.push(member({ name: '././@LongLink', type: 'L' }, Buffer.from(`${e.longName}\0`)));
    parts.push(
      member(
        {
          name: e.name,
          type: e.type,
          ...(e.linkName === undefined ? {} : { linkName: e.linkName }),
          ...(e.prefix === undefined ? {} : { prefix: e.prefix }),
          ...(e.size === undefined ? {} : { size: e.size }),
          ...(e.base256Size === undefined ? {} : { sizeField: base256(e.base256Size) }),
        },
        Buffer.from(e.data),
      ),
    );
  }
  if (terminated) parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** Sets every header-looking block's checksum right again, as a careful attacker would. */
function fixChecksums(bytes: Buffer): Buffer {
  for (let at = 0; at + 512 <= bytes.length; at += 512) {
    const block = bytes.subarray(at, at + 512);
    if (!block.toString('latin1', 257, 262).startsWith('ustar')) continue;
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  }
  return bytes;
}

const archives = fc
  .tuple(fc.array(entry, { maxLength: 5 }), fc.boolean(), fc.oneof(fc.constant([]), fc.array(fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: 1_000_000 }), bit: fc.nat({ max: 7 }) }), { maxLength: 8 })), fc.boolean())
  .map(([entries, terminated, flips, fix]) => {
    const bytes = applyByteEdits(archive(entries, terminated), flips);
    return fix ? fixChecksums(bytes) : bytes;
  });

describe('fuzz: tar (OVA) reader', () => {
  it('lists generated and damaged archives, and judges every entry it lists', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(archives, async (bytes) => {
        const path = join(work, `case-${n++ % 4}.ova`);
        writeFileSync(path, bytes);
        const listed = await resultOrErrorValueAsync('listTar', () => listTar(path));
        if (!listed.ok) return;
        for (const e of listed.value) {
          if (e.dataOffset < 0 || e.dataOffset + e.size > bytes.length) throw new Error(`entry ${JSON.stringify(e.name)} lies outside the archive (${e.dataOffset}+${e.size} of ${bytes.length} bytes)`);
          resultOrErrorValue('checkEntrySafety', () => checkEntrySafety(e));
          resultOrErrorValue('plainEntryName', () => plainEntryName(e.name));
        }
      }),
      fuzzParameters({ weight: 0.5 }),
    );
  }, fuzzTimeout());
});
