import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EngineFailure } from '../../../electron/engine/core/errors';
import type { EngineError } from '../../../shared/contract/errors';

const SAMPLES = fileURLToPath(new URL('../samples/formats/', import.meta.url));

/** Absolute path of a committed sample under test/unit/samples/formats/. */
export function samplePath(relative: string): string {
  return `${SAMPLES}${relative}`;
}

export function sampleText(relative: string): string {
  return readFileSync(samplePath(relative), 'utf8');
}

/** The error value a call throws; fails the test when it throws nothing or something else. */
export function failureOf(action: () => unknown): EngineError {
  try {
    action();
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected an EngineFailure, but the call succeeded');
}

export async function asyncFailureOf(action: () => Promise<unknown>): Promise<EngineError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected an EngineFailure, but the call succeeded');
}

/**
 * Rebuilds the head of a real disk file from a `.head.hex` sample (rows of "offset: hex", all-zero
 * rows left out) together with the file's real size.
 */
export function sampleHead(relative: string): { head: Buffer; fileSize: number } {
  const text = sampleText(relative);
  const fileSize = Number(/^file-size: (\d+)$/m.exec(text)?.[1]);
  const headSize = Number(/^head-size: (\d+)$/m.exec(text)?.[1]);
  const head = Buffer.alloc(headSize);
  for (const match of text.matchAll(/^([0-9a-f]{6}): ([0-9a-f]+)$/gm)) {
    Buffer.from(match[2]!, 'hex').copy(head, parseInt(match[1]!, 16));
  }
  return { head, fileSize };
}
