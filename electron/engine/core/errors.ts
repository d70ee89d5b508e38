import './error-catalogue';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError, ErrorEvidence } from '../../../shared/contract/errors';

/**
 * The engine's one exception type. Code that fails throws this with a complete error value;
 * the job boundary and the RPC server unwrap `.value`. Anything else that escapes is a bug and
 * is reported as INTERNAL (with its message, never its stack, shown to the user).
 */
export class EngineFailure extends Error {
  constructor(readonly value: EngineError) {
    super(value.message);
    this.name = 'EngineFailure';
  }
}

export function fail(code: string, message: string, hint: string, evidence?: ErrorEvidence): never {
  throw new EngineFailure(engineError(code, message, hint, evidence));
}

export function cancelledError(): EngineError {
  return engineError('CANCELLED', 'The job was cancelled.', 'Start it again when you are ready; nothing was left behind.');
}

/** Turns whatever was thrown into an error value. */
export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineFailure) return error.value;
  if (isAbortError(error)) return cancelledError();
  const message = error instanceof Error ? error.message : String(error);
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno === 'string') return fromErrno(error as NodeJS.ErrnoException);
  return engineError('INTERNAL', `Unexpected problem: ${message}`, 'This is a bug. Please report it together with the job record.');
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}

/** File system errors, named for people. */
export function fromErrno(error: NodeJS.ErrnoException, path = error.path): EngineError {
  const where = path ? ` (${path})` : '';
  const evidence: ErrorEvidence = path ? { path, details: { errno: error.code } } : { details: { errno: error.code } };
  switch (error.code) {
    case 'ENOENT':
      return engineError('IO_FAILED', `A file or folder does not exist${where}.`, 'Check the path.', evidence);
    case 'EACCES':
    case 'EPERM':
      return engineError('IO_FAILED', `Permission denied${where}.`, 'Choose a location you can write to, or run with the rights it needs.', evidence);
    case 'ENOSPC':
      return engineError('DEST_NO_SPACE', `The disk is full${where}.`, 'Free some space or choose another destination.', evidence);
    case 'EROFS':
      return engineError('DEST_NOT_WRITABLE', `The file system is read-only${where}.`, 'Choose a writable destination.', evidence);
    default:
      return engineError('IO_FAILED', `${error.message}`, 'Check the path and the permissions.', evidence);
  }
}

/** Throws the standard cancellation error if the signal is aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new EngineFailure(cancelledError());
}
