import { z } from 'zod';

/**
 * Errors are values. Every failure the engine reports carries a stable code (for scripts and
 * tests), a sentence for a human, a hint saying what to do next, and the evidence that shows
 * why (the command that failed, its exit code and the tail of its stderr).
 */

/** How a failure should be treated by callers: the CLI maps these to exit codes 2, 1 and 130. */
export const ErrorKind = z.enum(['bad-input', 'failure', 'cancelled']);
export type ErrorKind = z.infer<typeof ErrorKind>;

/**
 * The catalogue of stable error codes. Adding a code is fine; renaming one breaks scripts.
 * Each code has a fixed kind so that the CLI's exit code never depends on wording.
 */
export const ERROR_CODES = {
  // Requests that do not make sense (wrong arguments, schema violations).
  INVALID_REQUEST: 'bad-input',
  UNKNOWN_METHOD: 'bad-input',
  // Sources
  SOURCE_NOT_FOUND: 'bad-input',
  SOURCE_UNREADABLE: 'bad-input',
  SOURCE_UNSUPPORTED: 'bad-input',
  SOURCE_NOT_A_DISK: 'bad-input',
  SOURCE_EMPTY_FOLDER: 'bad-input',
  VMDK_GARBLED: 'bad-input',
  VMDK_TRUNCATED: 'bad-input',
  VMDK_EXTENT_MISSING: 'bad-input',
  VMDK_EXTENT_OUTSIDE_FOLDER: 'bad-input',
  VMDK_PARENT_MISSING: 'bad-input',
  VMX_GARBLED: 'bad-input',
  VMX_DISK_MISSING: 'bad-input',
  OVF_GARBLED: 'bad-input',
  OVF_DISK_MISSING: 'bad-input',
  OVA_GARBLED: 'bad-input',
  OVA_UNSAFE_ENTRY: 'bad-input',
  OVA_MANIFEST_MISMATCH: 'bad-input',
  OVA_MANIFEST_GARBLED: 'bad-input',
  // Destinations
  DEST_NOT_FOUND: 'bad-input',
  DEST_NOT_WRITABLE: 'bad-input',
  DEST_NO_SPACE: 'bad-input',
  OUTPUT_EXISTS: 'bad-input',
  OUTPUT_NAME_INVALID: 'bad-input',
  // Tools and the work itself
  TOOL_MISSING: 'failure',
  TOOL_FAILED: 'failure',
  CONVERT_FAILED: 'failure',
  CHECK_FAILED: 'failure',
  IO_FAILED: 'failure',
  PRIVILEGE_DENIED: 'failure',
  HELPER_FAILED: 'failure',
  JOB_NOT_FOUND: 'bad-input',
  INTERNAL: 'failure',
  CANCELLED: 'cancelled',
} as const satisfies Record<string, ErrorKind>;

/**
 * Feature areas register their own codes here (inspection, libvirt, vSphere...), so the
 * catalogue stays one object that the CLI and the UI can rely on.
 */
export type KnownErrorCode = keyof typeof ERROR_CODES;

export const ErrorEvidence = z
  .object({
    /** The command as an argument vector, exactly as run (never with secrets in it). */
    command: z.array(z.string()).optional(),
    exitCode: z.number().int().nullable().optional(),
    signal: z.string().nullable().optional(),
    /** The last lines of the tool's stderr (bounded). */
    stderrTail: z.string().optional(),
    /** The file the problem is about, when there is one. */
    path: z.string().optional(),
    /** Line number in `path`, when the problem is at a line. */
    line: z.number().int().optional(),
    /** Anything else that helps: expected vs actual hash, sizes, offsets... */
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ErrorEvidence = z.infer<typeof ErrorEvidence>;

export const EngineError = z
  .object({
    code: z.string().min(1),
    kind: ErrorKind,
    message: z.string().min(1),
    hint: z.string(),
    evidence: ErrorEvidence.optional(),
  })
  .strict();
export type EngineError = z.infer<typeof EngineError>;

export function kindOf(code: string): ErrorKind {
  return (ERROR_CODES as Record<string, ErrorKind>)[code] ?? extraCodes.get(code) ?? 'failure';
}

const extraCodes = new Map<string, ErrorKind>();

/** Whether a code has a declared kind (in the catalogue above or a feature's own). */
export function isDeclaredErrorCode(code: string): boolean {
  return code in ERROR_CODES || extraCodes.has(code);
}

/** Lets a feature module declare codes of its own without editing this file. */
export function registerErrorCodes(codes: Record<string, ErrorKind>): void {
  for (const [code, kind] of Object.entries(codes)) extraCodes.set(code, kind);
}

export function engineError(
  code: string,
  message: string,
  hint: string,
  evidence?: ErrorEvidence,
): EngineError {
  return evidence === undefined
    ? { code, kind: kindOf(code), message, hint }
    : { code, kind: kindOf(code), message, hint, evidence };
}

/** The process exit code the CLI uses for an error of this kind. */
export function exitCodeFor(error: Pick<EngineError, 'kind'>): number {
  switch (error.kind) {
    case 'bad-input':
      return 2;
    case 'cancelled':
      return 130;
    default:
      return 1;
  }
}
