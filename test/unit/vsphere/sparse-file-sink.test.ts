import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { dropBytes, isAllZero, sinkClosed, sparseFileSink } from '../../../electron/engine/vsphere/sparse-file-sink';

const dir = mkdtempSync(join(tmpdir(), 'h2k-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KiB = 1024;
const BATCH = 64 * KiB;
const data = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => ((i * 31 + seed) % 251) + 1));
const zeros = (n: number): Buffer => Buffer.alloc(n);

/** Streams `parts` in network-sized chunks into a sink; returns the file and every reported size, each checked against the file at that moment. */
async function sink(name: string, parts: Buffer[], mode: 'new' | 'resume' = 'new', startAt = 0): Promise<{ file: string; reported: number[] }> {
  const file = join(dir, name);
  const reported: number[] = [];
  const body = Buffer.concat(parts);
  const chunks = Array.from({ length: Math.ceil(body.length / (16 * KiB)) }, (_, i) => body.subarray(i * 16 * KiB, (i + 1) * 16 * KiB));
  await pipeline(
    Readable.from(chunks),
    sparseFileSink(file, mode, startAt, (size) => {
      // A reader may read up to any reported size: the file is at least that long.
      expect(statSync(file).size).toBeGreaterThanOrEqual(size);
      reported.push(size);
    }, BATCH),
  );
  return { file, reported };
}

describe('the download sink', () => {
  it.each([
    ['data only', [data(300 * KiB, 1)]],
    ['data, a zero run, data', [data(200 * KiB, 2), zeros(512 * KiB), data(100 * KiB, 3)]],
    ['a trailing zero run', [data(128 * KiB, 4), zeros(640 * KiB)]],
    ['nothing but zeros', [zeros(1024 * KiB)]],
    ['a zero run not aligned to the batches', [data(10 * KiB, 5), zeros(333 * KiB), data(7 * KiB, 6)]],
    ['an empty body', []],
  ])('writes exactly the bytes that came: %s', async (name, parts) => {
    const { file, reported } = await sink(`new-${name}`, parts);
    const expected = Buffer.concat(parts);
    expect(readFileSync(file).equals(expected)).toBe(true);
    expect(reported[0]).toBe(0);
    expect(reported.at(-1)).toBe(expected.length);
    expect([...reported].sort((a, b) => a - b)).toEqual(reported);
  });

  it('leaves holes for zero runs: the staging folder needs only the space of the data', async () => {
    const { file } = await sink('holes', [data(64 * KiB, 7), zeros(4096 * KiB), data(64 * KiB, 8)]);
    const stats = statSync(file);
    expect(stats.size).toBe(4224 * KiB);
    expect(stats.blocks * 512).toBeLessThan(1024 * KiB);
  });

  it('resumes after the bytes already on disk, at their offset', async () => {
    const head = data(100 * KiB, 9);
    const rest = [zeros(200 * KiB), data(50 * KiB, 10)];
    writeFileSync(join(dir, 'resume'), head);
    const { file, reported } = await sink('resume', rest, 'resume', head.length);
    expect(readFileSync(file).equals(Buffer.concat([head, ...rest]))).toBe(true);
    expect(reported.at(-1)).toBe(350 * KiB);
  });

  it.each([
    ['data, then zeros', [data(BATCH, 11), zeros(BATCH * 3)], BATCH],
    ['data, zeros, then part of a batch of data', [data(BATCH, 12), zeros(BATCH * 2), data(16 * KiB, 13)], BATCH * 3 + 16 * KiB],
  ])('keeps every byte that arrived when the transfer breaks (%s); the file ends at written data', async (name, parts, kept) => {
    const file = join(dir, `broken-${name}`);
    const body = Buffer.concat(parts);
    async function* broken(): AsyncGenerator<Buffer> {
      for (let at = 0; at < body.length; at += 16 * KiB) yield body.subarray(at, at + 16 * KiB);
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('connection reset');
    }
    const sink = sparseFileSink(file, 'new', 0, () => undefined, BATCH);
    await expect(pipeline(Readable.from(broken()), sink)).rejects.toThrow('connection reset');
    await sinkClosed(sink);
    // A zero run at the end was never written: a resume fetches it again from the file's end.
    expect(statSync(file).size).toBe(kept);
    expect(readFileSync(file).equals(body.subarray(0, kept))).toBe(true);
  });
});

describe('helpers', () => {
  it.each([
    [Buffer.alloc(0), true],
    [Buffer.alloc(3 * 1024 * 1024), true],
    [Buffer.concat([Buffer.alloc(2 * 1024 * 1024), Buffer.from([1])]), false],
    [Buffer.from([0, 0, 7, 0]), false],
  ])('isAllZero %#', (buffer, zero) => {
    expect(isAllZero(buffer)).toBe(zero);
  });

  it('dropBytes removes a prefix across buffers', () => {
    const list = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fgh')];
    expect(Buffer.concat(dropBytes(list, 0)).toString()).toBe('abcdefgh');
    expect(Buffer.concat(dropBytes(list, 4)).toString()).toBe('efgh');
    expect(Buffer.concat(dropBytes(list, 5)).toString()).toBe('fgh');
    expect(dropBytes(list, 8)).toEqual([]);
  });
});
