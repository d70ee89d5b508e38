import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { engineError } from '../../shared/contract/errors';
import { EngineFailure } from '../engine/core/errors';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with our error values: unknown flags and missing values are usage errors (exit 2). */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new EngineFailure(engineError('INVALID_REQUEST', (error as Error).message.replace(/\.$/, '') + '.', `Usage: ${usage}`));
  }
}

export function usageError(message: string, usage: string): EngineFailure {
  return new EngineFailure(engineError('INVALID_REQUEST', message, `Usage: ${usage}`));
}
