import { z } from 'zod';
import { EngineError } from './errors';

/**
 * The wire protocol of the privileged helper (electron/helper), run as root through pkexec.
 *
 * One JSON object per line in each direction. The app sends requests and cancels:
 *   { "v":1, "id":7, "op":"disk.convert", "params":{…} }
 *   { "v":1, "type":"cancel", "id":7 }
 * The helper answers each request with any number of progress lines and exactly one result:
 *   { "v":1, "id":7, "type":"progress", "fraction":0.42 }
 *   { "v":1, "id":7, "type":"result", "ok":true, "value":… }
 *   { "v":1, "id":7, "type":"result", "ok":false, "error":{ code, kind, message, hint, evidence } }
 * A line the helper cannot attribute to a request is answered with `"id": null`.
 *
 * Everything the helper receives is hostile until proven otherwise: every object is strict
 * (unknown fields are refused, not ignored), every size is capped, and every value that ends up
 * on a tool's command line is checked so that it cannot be read as an option.
 */

export const HELPER_PROTOCOL_VERSION = 1;
/** Longest line either side accepts, newline excluded. Requests are a few hundred bytes. */
export const HELPER_MAX_LINE_BYTES = 64 * 1024;
/** PATH_MAX on Linux. */
export const HELPER_MAX_PATH_BYTES = 4096;

const LEADING_DASH = "must not start with '-' (a tool would read it as an option)";

/** True for "/a/b": no empty, "." or ".." segments and no trailing slash. */
export function isNormalisedAbsolutePath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (path === '/') return true;
  return path
    .slice(1)
    .split('/')
    .every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * A path the helper will touch. The checks run in this order and stop at the first failure, so
 * the error names the real problem ("-o" is reported as an option, not as a relative path).
 */
export const HelperPath = z
  .string()
  .min(1, 'must not be empty')
  .refine((s) => !s.startsWith('-'), { message: LEADING_DASH, abort: true })
  .refine((s) => !s.includes('\0'), { message: 'must not contain NUL characters', abort: true })
  .refine((s) => new TextEncoder().encode(s).length <= HELPER_MAX_PATH_BYTES, { message: `must be at most ${HELPER_MAX_PATH_BYTES} bytes`, abort: true })
  .refine((s) => s.startsWith('/'), { message: 'must be an absolute path', abort: true })
  .refine((s) => !s.split('/').includes('..'), { message: "must not contain '..'", abort: true })
  .refine(isNormalisedAbsolutePath, { message: "must be normalised (no '.' segments, '//' or trailing '/')", abort: true });

/** A word that becomes a tool argument: refused when it could be read as an option, then allow-listed. */
function toolWord<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .refine((s) => !s.startsWith('-'), { message: LEADING_DASH, abort: true })
    .pipe(z.enum(values));
}

/** Source formats the helper lets qemu-img open: what VMware exports, and what we produce. */
export const HELPER_SOURCE_FORMATS = ['vmdk', 'raw', 'qcow2', 'vpc', 'vhdx', 'vdi'] as const;
export const HelperSourceFormat = toolWord(HELPER_SOURCE_FORMATS);
export const HelperOutputFormat = toolWord(['qcow2', 'raw']);

const ByteCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** Where the source disk is: a file, or a byte range of an uncompressed OVA read in place. */
export const HelperDiskLocator = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('file'), path: HelperPath }),
  z.strictObject({
    type: z.literal('tar-member'),
    archive: HelperPath,
    /** The member's name inside the tar, for messages only (never opened by name). */
    member: z.string().min(1).max(1024),
    offset: ByteCount,
    size: ByteCount.positive(),
    format: HelperSourceFormat,
  }),
]);
export type HelperDiskLocator = z.infer<typeof HelperDiskLocator>;

export const HelperHello = z.strictObject({
  name: z.literal('hyper2kvm-helper'),
  version: z.string(),
  protocol: z.number().int(),
  euid: z.number().int(),
  pid: z.number().int(),
  /** The user who ran pkexec (PKEXEC_UID), null when started directly by root. */
  invokingUid: z.number().int().nullable(),
  /** Folders (real paths) under which the helper writes. */
  allowedRoots: z.array(z.string()),
  ops: z.array(z.string()),
});
export type HelperHello = z.infer<typeof HelperHello>;

/** Mirrors the engine's QemuImgCheck (electron/engine/formats/qemu-img.ts). */
export const HelperCheckResult = z.strictObject({
  ok: z.boolean(),
  corruptions: ByteCount,
  leaks: ByteCount,
  checkErrors: ByteCount,
  imageEndOffset: ByteCount.optional(),
  totalClusters: ByteCount.optional(),
  allocatedClusters: ByteCount.optional(),
  fragmentedClusters: ByteCount.optional(),
  compressedClusters: ByteCount.optional(),
});

export const HelperConvertParams = z
  .strictObject({
    source: HelperDiskLocator,
    sourceFormat: HelperSourceFormat,
    /** A partial name (".NAME.part-JOBID") that does not exist yet, in an allowed root. */
    output: HelperPath,
    format: HelperOutputFormat,
    compress: z.boolean(),
  })
  .refine((p) => !p.compress || p.format === 'qcow2', { message: 'only qcow2 output can be compressed', path: ['compress'] });

/**
 * The allow-list: every operation the helper performs, with the schema of its parameters and of
 * its value. There is deliberately no "run this command". To add an operation (the libvirt
 * issue adds e.g. "libvirt.define" and "file.copyIntoImages"), add its schemas here and its
 * handler in electron/helper/ops.ts; the dispatcher and the client pick it up from this table.
 */
export const HELPER_OPS = {
  'app.hello': { params: z.strictObject({}), value: HelperHello },
  'disk.convert': { params: HelperConvertParams, value: z.null() },
  'disk.check': { params: z.strictObject({ path: HelperPath, format: z.literal('qcow2') }), value: HelperCheckResult },
  'file.finalize': { params: z.strictObject({ partial: HelperPath, final: HelperPath, overwrite: z.boolean() }), value: z.null() },
  'file.remove': { params: z.strictObject({ path: HelperPath }), value: z.null() },
} as const;

export type HelperOpName = keyof typeof HELPER_OPS;
export type HelperParams<K extends HelperOpName> = z.output<(typeof HELPER_OPS)[K]['params']>;
export type HelperValue<K extends HelperOpName> = z.output<(typeof HELPER_OPS)[K]['value']>;

export function isHelperOpName(op: string): op is HelperOpName {
  return Object.prototype.hasOwnProperty.call(HELPER_OPS, op);
}

export const HelperRequestId = z.number().int().nonnegative().max(2 ** 31 - 1);

/** The envelope; `params` is checked against the op's own schema once the op is known. */
export const HelperRequest = z.strictObject({
  v: z.literal(HELPER_PROTOCOL_VERSION),
  id: HelperRequestId,
  op: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()),
});
export type HelperRequest = z.infer<typeof HelperRequest>;

export const HelperCancel = z.strictObject({
  v: z.literal(HELPER_PROTOCOL_VERSION),
  type: z.literal('cancel'),
  id: HelperRequestId,
});
export type HelperCancel = z.infer<typeof HelperCancel>;

export const HelperProgress = z.strictObject({
  v: z.literal(HELPER_PROTOCOL_VERSION),
  id: HelperRequestId,
  type: z.literal('progress'),
  fraction: z.number().min(0).max(1),
});
export type HelperProgress = z.infer<typeof HelperProgress>;

export const HelperResult = z.discriminatedUnion('ok', [
  z.strictObject({
    v: z.literal(HELPER_PROTOCOL_VERSION),
    id: HelperRequestId.nullable(),
    type: z.literal('result'),
    ok: z.literal(true),
    value: z.unknown(),
  }),
  z.strictObject({
    v: z.literal(HELPER_PROTOCOL_VERSION),
    id: HelperRequestId.nullable(),
    type: z.literal('result'),
    ok: z.literal(false),
    error: EngineError,
  }),
]);
export type HelperResult = z.infer<typeof HelperResult>;

/** Anything the helper writes on stdout. */
export const HelperMessage = z.union([HelperProgress, HelperResult]);
export type HelperMessage = z.infer<typeof HelperMessage>;
