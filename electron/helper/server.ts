import type { ZodError } from 'zod';
import { HELPER_MAX_LINE_BYTES, HELPER_OPS, HELPER_PROTOCOL_VERSION, HelperCancel, HelperRequest, HelperRequestId, isHelperOpName } from '../../shared/contract/helper';
import type { HelperMessage } from '../../shared/contract/helper';
import { engineError } from '../../shared/contract/errors';
import type { EngineError } from '../../shared/contract/errors';
import { toEngineError } from '../engine/core/errors';
import { HELPER_REQUEST_TOO_LARGE, HELPER_UNKNOWN_OP } from '../engine/privilege/error-codes';
import type { HelperHandlers, HelperOpContext } from './ops';

/**
 * The dispatcher: one line in, exactly one result line out per request (plus progress lines
 * while it runs). Every line is validated before anything is done with it; a line that cannot
 * be attributed to a request is answered with id null so that the client sees it was refused.
 */
export interface HelperServerOptions {
  handlers: HelperHandlers;
  /** Writes one complete line (newline included) to the client. */
  write(line: string): void;
  log(message: string): void;
  /** Requests allowed to run at once; more are refused (the app runs one or two). */
  maxActive?: number;
}

interface Active {
  controller: AbortController;
  done: Promise<void>;
}

export class HelperServer {
  private readonly active = new Map<number, Active>();
  private closing = false;

  constructor(private readonly options: HelperServerOptions) {}

  onLine(text: string): void {
    if (text.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.refuse(null, 'INVALID_REQUEST', 'The request is not valid JSON.');
      return;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      this.refuse(null, 'INVALID_REQUEST', 'The request must be a JSON object.');
      return;
    }
    if ((message as { type?: unknown }).type === 'cancel') {
      this.onCancel(message);
      return;
    }
    const claimedId = HelperRequestId.safeParse((message as { id?: unknown }).id);
    const id = claimedId.success ? claimedId.data : null;
    const request = HelperRequest.safeParse(message);
    if (!request.success) {
      this.refuse(id, 'INVALID_REQUEST', `The request is malformed: ${issues(request.error)}`);
      return;
    }
    const { op, params } = request.data;
    if (this.active.has(request.data.id)) {
      // Answering under that id would look like the result of the running request.
      this.refuse(null, 'INVALID_REQUEST', `Request id ${request.data.id} is already in use by a running request.`);
      return;
    }
    if (!isHelperOpName(op)) {
      this.refuse(request.data.id, HELPER_UNKNOWN_OP, `"${op.slice(0, 64)}" is not an operation of the helper. It knows: ${Object.keys(HELPER_OPS).join(', ')}.`);
      return;
    }
    const parsed = HELPER_OPS[op].params.safeParse(params);
    if (!parsed.success) {
      this.refuse(request.data.id, 'INVALID_REQUEST', `Invalid parameters for ${op}: ${issues(parsed.error)}`);
      return;
    }
    if (this.closing) {
      this.refuse(request.data.id, 'INVALID_REQUEST', 'The helper is shutting down.');
      return;
    }
    if (this.active.size >= (this.options.maxActive ?? 8)) {
      this.refuse(request.data.id, 'INVALID_REQUEST', `Too many requests at once (${this.active.size} are running).`);
      return;
    }
    this.start(request.data.id, op, parsed.data);
  }

  onOversized(head: string, bytes: number): void {
    this.refuse(idFromHead(head), HELPER_REQUEST_TOO_LARGE, `The request is ${bytes} bytes long; the helper accepts at most ${HELPER_MAX_LINE_BYTES} bytes per line.`);
  }

  onInvalidText(bytes: number): void {
    this.refuse(null, 'INVALID_REQUEST', `The request (${bytes} bytes) is not valid UTF-8.`);
  }

  /** Cancels whatever runs and waits until each request has cleaned up and sent its result. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const running = [...this.active.values()];
    for (const entry of running) entry.controller.abort();
    await Promise.allSettled(running.map((entry) => entry.done));
  }

  get activeCount(): number {
    return this.active.size;
  }

  private onCancel(message: object): void {
    const cancel = HelperCancel.safeParse(message);
    if (!cancel.success) {
      this.refuse(null, 'INVALID_REQUEST', `The cancel message is malformed: ${issues(cancel.error)}`);
      return;
    }
    const entry = this.active.get(cancel.data.id);
    if (!entry) {
      this.options.log(`cancel for #${cancel.data.id}, which is not running (already finished?)`);
      return;
    }
    this.options.log(`#${cancel.data.id} cancel requested`);
    entry.controller.abort();
  }

  private start(id: number, op: string, params: unknown): void {
    const controller = new AbortController();
    let lastFraction = -1;
    const ctx: HelperOpContext = {
      signal: controller.signal,
      progress: (fraction) => {
        const clamped = Math.min(1, Math.max(0, fraction));
        if (clamped === lastFraction || !this.active.has(id)) return;
        lastFraction = clamped;
        this.send({ v: HELPER_PROTOCOL_VERSION, id, type: 'progress', fraction: clamped });
      },
    };
    const handler = this.options.handlers[op as keyof HelperHandlers] as (p: unknown, c: HelperOpContext) => Promise<unknown>;
    this.options.log(`#${id} ${op}`);
    const done = (async () => {
      try {
        const value = await handler(params, ctx);
        this.active.delete(id);
        this.options.log(`#${id} ok`);
        this.send({ v: HELPER_PROTOCOL_VERSION, id, type: 'result', ok: true, value: value ?? null });
      } catch (error) {
        this.active.delete(id);
        const value = toEngineError(error);
        this.options.log(`#${id} failed: ${value.code} ${value.message}`);
        this.send({ v: HELPER_PROTOCOL_VERSION, id, type: 'result', ok: false, error: value });
      }
    })();
    this.active.set(id, { controller, done });
  }

  private refuse(id: number | null, code: string, message: string): void {
    const error: EngineError = engineError(code, message, hintFor(code));
    this.options.log(`${id === null ? 'unattributed line' : `#${id}`} refused: ${code} ${message}`);
    this.send({ v: HELPER_PROTOCOL_VERSION, id, type: 'result', ok: false, error });
  }

  private send(message: HelperMessage): void {
    this.options.write(`${JSON.stringify(message)}\n`);
  }
}

function hintFor(code: string): string {
  switch (code) {
    case HELPER_REQUEST_TOO_LARGE:
      return 'Requests are a few hundred bytes; a longer one is a bug in the app or not from the app at all.';
    case HELPER_UNKNOWN_OP:
      return 'The helper only performs the operations on its allow-list. Update the app and the helper together.';
    default:
      return 'The helper only accepts requests that match its schema exactly; this one is a bug in the app or not from the app at all.';
  }
}

/** One line per problem, with the field it is about: "params.output: must be an absolute path". */
function issues(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `${where}${issue.message}`;
    })
    .join('; ');
}

/**
 * The id of an oversized request, when the line starts the way the app writes requests
 * ({"v":1,"id":N,…}); anything less certain is not attributed.
 */
export function idFromHead(head: string): number | null {
  const match = /^\s*\{\s*"v"\s*:\s*1\s*,\s*"id"\s*:\s*(\d{1,10})\s*,/.exec(head);
  if (!match) return null;
  const id = HelperRequestId.safeParse(Number(match[1]));
  return id.success ? id.data : null;
}
