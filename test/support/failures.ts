import type { EngineError } from '../../shared/contract/errors';
import { EngineFailure } from '../../electron/engine/core/errors';

/** The error value a promise rejects with; fails the test if it resolves or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineFailure) return error.value;
    throw error;
  }
  throw new Error('expected a failure, but it succeeded');
}
