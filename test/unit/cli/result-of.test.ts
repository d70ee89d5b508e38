import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resultOf } from '../../../electron/cli/jobs';
import { EngineFailure } from '../../../electron/engine/core/errors';

const Result = z.object({ jobId: z.string(), outputs: z.array(z.object({ path: z.string() })) });
const done = (result: unknown) => ({ type: 'done' as const, jobId: '20261207-110000-abcdef', at: '2026-12-07T11:00:00.000Z', result });

describe('resultOf: a job result checked where the CLI reads it (issue 14)', () => {
  it('gives the typed result when it fits the contract', () => {
    expect(resultOf(done({ jobId: 'j', outputs: [{ path: '/out/a.qcow2' }] }), Result).outputs[0]!.path).toBe('/out/a.qcow2');
  });

  it('turns a result that does not fit into an INTERNAL error value naming what did not fit', () => {
    try {
      resultOf(done({ jobId: 'j', outputs: [{ path: 7 }] }), Result);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EngineFailure);
      const value = (error as EngineFailure).value;
      expect(value).toMatchObject({ code: 'INTERNAL', kind: 'failure' });
      expect(value.message).toContain('outputs.0.path');
      expect(value.hint).toMatch(/bug/);
    }
  });
});
