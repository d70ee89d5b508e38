import fc from 'fast-check';
import { expect } from 'vitest';
import type { EngineError } from '../../../shared/contract/errors';
import { EngineFailure } from '../../../electron/engine/core/errors';

/**
 * The fuzzing harness (issue 11). Every parser of bytes that come from outside (a VM's files, a
 * guest's disk, qemu-img, vCenter) is fed generated and mutated inputs, and must answer each
 * with a result or an error value (EngineFailure with a code, a message and a hint): never
 * another exception, never a hang, never an allocation out of proportion to its input.
 *
 * `npm test` runs a bounded number of cases per parser with a fixed seed, so it is repeatable;
 * `npm run fuzz` runs many more with a fresh seed each time. A failing case prints its seed and
 * the shrunk input: keep it as a table test next to the parser's own tests.
 *   HYPER2KVM_FUZZ_RUNS=N   cases per parser (default 300)
 *   HYPER2KVM_FUZZ_SEED=S   replay a run (`npm run fuzz` prints the seed it used)
 */

const BASE_RUNS = Number(process.env.HYPER2KVM_FUZZ_RUNS ?? '') || 300;
/** The bounded run is repeatable; the long run (`npm run fuzz`) sets a seed of its own. */
const SEED = process.env.HYPER2KVM_FUZZ_SEED === undefined ? 20_250_101 : Number(process.env.HYPER2KVM_FUZZ_SEED);

/** Longest a single case may take. Real inputs parse in milliseconds; this catches hangs and backtracking blow-ups, with room for a loaded machine. */
const MAX_MS_PER_CASE = 2000;
/** More memory than any parse of these small inputs needs, by two orders of magnitude. */
const MAX_HEAP_GROWTH = 128 * 1024 * 1024;

export interface FuzzOptions {
  /** Share of the base number of cases (slower properties, such as ones touching files, use less). */
  weight?: number;
}

export function fuzzParameters(options: FuzzOptions = {}): fc.Parameters<unknown> {
  return { numRuns: Math.max(10, Math.ceil(BASE_RUNS * (options.weight ?? 1))), seed: SEED, endOnFailure: false };
}

/** A vitest timeout for a property with that many runs: generous, since each case is bounded itself. */
export function fuzzTimeout(options: FuzzOptions = {}): number {
  return Math.max(60_000, fuzzParameters(options).numRuns! * 200);
}

export function reportSeed(): void {
  if (process.env.HYPER2KVM_FUZZ_SEED !== undefined) process.stderr.write(`[fuzz] seed ${SEED}, ${BASE_RUNS} cases per parser\n`);
}

/** Checks one outcome: an error value must be complete, anything else thrown is a crash. */
function checkThrown(error: unknown): EngineError {
  if (!(error instanceof EngineFailure)) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`crashed instead of answering with an error value: ${what}`, { cause: error });
  }
  const value = error.value;
  expect(value.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  expect(value.message.length).toBeGreaterThan(0);
  expect(value.hint.length).toBeGreaterThan(0);
  return value;
}

function memory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function checkCost(started: number, before: number, label: string): void {
  const elapsed = performance.now() - started;
  if (elapsed > MAX_MS_PER_CASE) throw new Error(`${label} took ${Math.round(elapsed)} ms on one input (more than ${MAX_MS_PER_CASE} ms): a hang or a blow-up`);
  const growth = memory() - before;
  if (growth > MAX_HEAP_GROWTH) throw new Error(`${label} grew the heap by ${Math.round(growth / 1024 / 1024)} MiB on one input: an allocation out of proportion`);
}

/** The property for a synchronous parser: returns its result, or the error value it threw. */
export function resultOrErrorValue<T>(label: string, run: () => T): { ok: true; value: T } | { ok: false; error: EngineError } {
  const before = memory();
  const started = performance.now();
  let outcome: { ok: true; value: T } | { ok: false; error: EngineError };
  try {
    outcome = { ok: true, value: run() };
  } catch (error) {
    outcome = { ok: false, error: checkThrown(error) };
  }
  checkCost(started, before, label);
  return outcome;
}

export async function resultOrErrorValueAsync<T>(label: string, run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: EngineError }> {
  const before = memory();
  const started = performance.now();
  let outcome: { ok: true; value: T } | { ok: false; error: EngineError };
  try {
    outcome = { ok: true, value: await run() };
  } catch (error) {
    outcome = { ok: false, error: checkThrown(error) };
  }
  checkCost(started, before, label);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Inputs: real samples, mutated the way a fuzzer does (AFL-style edits), and plain noise.

/** Tokens that matter to text formats: delimiters, escapes, and numbers at the edges. */
const TEXT_TOKENS = [
  '"', "'", '=', ' = ', '\n', '\r\n', '\r', '\t', '\\', '\0', '#', ';', '[', ']', '{', '}', '<', '>', '/>', '</', '&', '&amp;', '&#x0;', '&#99999999;', '<![CDATA[', ']]>', '<!--', '-->', '<?', '?>',
  '%', '%E0%A4%A', '|', '|22', '|7', ':', '::', ',', '.', '..', '../', '/', '*', '$', '${', '`', '-', '--', '0', '-1', '1e309', 'NaN', 'Infinity', '0x', '0xffffffff', '4294967296',
  '9007199254740993', '99999999999999999999999999', '18446744073709551615', '\u00ff', '\u00e9', '\ud800', '\ufeff', '\u2028', 'x'.repeat(300), ' '.repeat(200), '\n'.repeat(50), '('.repeat(40), 'a'.repeat(5000),
];

type TextEdit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number; to: number }
  | { kind: 'truncate'; at: number };

const position = fc.nat({ max: 1_000_000 });
const editText = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TEXT_TOKENS) }, { weight: 2, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) });

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, text: editText }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.nat({ max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.nat({ max: 400 }), to: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
);

export function applyTextEdits(seed: string, edits: readonly TextEdit[]): string {
  let text = seed;
  for (const edit of edits) {
    const at = edit.at % (text.length + 1);
    switch (edit.kind) {
      case 'insert':
        text = text.slice(0, at) + edit.text + text.slice(at);
        break;
      case 'delete':
        text = text.slice(0, at) + text.slice(at + edit.length);
        break;
      case 'duplicate': {
        const piece = text.slice(at, at + edit.length);
        const to = edit.to % (text.length + 1);
        text = text.slice(0, to) + piece + text.slice(to);
        break;
      }
      case 'truncate':
        text = text.slice(0, at);
        break;
    }
  }
  return text;
}

/** Real samples with up to 12 edits each, and now and then text from nowhere. */
export function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(textEdit, { maxLength: 12 })).map(([seed, edits]) => applyTextEdits(seed, edits));
  return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 1, arbitrary: fc.string({ maxLength: 2000 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2000 }) });
}

type ByteEdit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; bytes: number[] }
  | { kind: 'number'; at: number; value: bigint; width: 1 | 2 | 4 | 8 }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: number[] };

/** Values that break size and offset arithmetic. */
const EDGE_NUMBERS = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x1_0000_0000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 512n, 4096n, 65536n, 0x1fffffffffffffn];

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: position, bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('number' as const), at: position, value: fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.bigInt({ min: 0n, max: 0xffffffffffffffffn })), width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), bytes: fc.array(fc.nat({ max: 255 }), { maxLength: 600 }) }) },
);

export function applyByteEdits(seed: Buffer, edits: readonly ByteEdit[], aligned: readonly number[] = []): Buffer {
  let bytes = Buffer.from(seed);
  for (const edit of edits) {
    if (edit.kind === 'extend') {
      bytes = Buffer.concat([bytes, Buffer.from(edit.bytes)]);
      continue;
    }
    if (bytes.length === 0) continue;
    // Numbers land on the fields of the format (header offsets) half of the time.
    const at = edit.kind === 'number' && aligned.length > 0 && edit.at % 2 === 0 ? aligned[(edit.at >> 1) % aligned.length]! % bytes.length : edit.at % bytes.length;
    switch (edit.kind) {
      case 'flip':
        bytes[at] = bytes[at]! ^ (1 << edit.bit);
        break;
      case 'set':
        Buffer.from(edit.bytes).copy(bytes, at);
        break;
      case 'number': {
        const field = Buffer.alloc(8);
        field.writeBigUInt64LE(edit.value & 0xffffffffffffffffn);
        field.copy(bytes, at, 0, Math.min(edit.width, bytes.length - at));
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, at);
        break;
    }
  }
  return bytes;
}

/** Real binary samples with up to 10 edits each; `aligned` lists offsets of the format's fields. */
export function mutatedBytes(seeds: readonly Buffer[], aligned: readonly number[] = []): fc.Arbitrary<Buffer> {
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(byteEdit, { maxLength: 10 })).map(([seed, edits]) => applyByteEdits(seed, edits, aligned));
  return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)) });
}

/** File sizes: plausible ones and the edges of integer arithmetic. */
export const fileSizes = fc.oneof(fc.nat({ max: 1 << 30 }), fc.constantFrom(0, 1, 511, 512, 65536, 2 ** 31, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER));
