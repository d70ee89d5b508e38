import { EngineError, engineError, registerErrorCodes } from '../../../shared/contract/errors';
import type { EngineError as EngineErrorValue } from '../../../shared/contract/errors';
import { RemoteError } from '../../../shared/rpc/client';

/** Failures the wizard itself detects, before or instead of reaching the engine. */
registerErrorCodes({
  ENGINE_DISCONNECTED: 'failure',
  UPLOAD_FAILED: 'failure',
  UPLOAD_REFUSED: 'bad-input',
  DROP_UNUSABLE: 'bad-input',
});

export function uiError(code: string, message: string, hint: string, evidence?: EngineErrorValue['evidence']): EngineErrorValue {
  return engineError(code, message, hint, evidence);
}

export const disconnectedError = (): EngineErrorValue =>
  uiError('ENGINE_DISCONNECTED', 'The wizard is not connected to the engine right now.', 'It reconnects by itself; try again once the banner at the top is gone.');

/**
 * Whatever a call threw, as an error value the UI can show. Anything that is not already an
 * error value (a bug in the page) keeps its message but never its stack.
 */
export function toErrorValue(error: unknown): EngineErrorValue {
  if (error instanceof RemoteError) return error.value;
  const asValue = EngineError.safeParse(error);
  if (asValue.success) return asValue.data;
  const message = error instanceof Error ? error.message : String(error);
  return uiError('INTERNAL', `Unexpected problem in the wizard: ${message || 'no details'}`, 'This is a bug: please report it with what you did just before.');
}
