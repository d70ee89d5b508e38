import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// Loading the engine's errors module loads every feature's catalogue (core/error-catalogue).
import { fail } from '../../../electron/engine/core/errors';
// The bridge declares its own (it raises them itself, in the bridge process).
import '../../../electron/bridge/error-codes';
import { isDeclaredErrorCode, kindOf } from '../../../shared/contract/errors';

const electronDir = fileURLToPath(new URL('../../../electron', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

/** Codes written out where an error value is made: fail('X', …), engineError('X', …), failureCode: 'X'. */
function raisedCodes(): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /\b(?:fail|engineError|usageFailure)\(\s*'([A-Z][A-Z0-9_]+)'|\bfailureCode:\s*'([A-Z][A-Z0-9_]+)'/g;
  for (const file of sources(electronDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(pattern)) found.set(m[1] ?? m[2]!, file.slice(electronDir.length + 1));
  }
  return found;
}

describe('the error catalogue (issue 14)', () => {
  it('declares a kind for every code the engine, the CLI and the bridge raise', () => {
    const codes = raisedCodes();
    expect(codes.size).toBeGreaterThan(50);
    const undeclared = [...codes].filter(([code]) => !isDeclaredErrorCode(code)).map(([code, file]) => `${code} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it("gives features' codes their declared kind once the engine's errors module is loaded", () => {
    expect(typeof fail).toBe('function');
    expect(kindOf('BATCH_PLAN_INVALID')).toBe('bad-input');
    expect(kindOf('REPAIR_DISK_REFUSED')).toBe('bad-input');
    expect(kindOf('HOOK_TIMEOUT')).toBe('failure');
  });
});
