import { batchApi } from './batch';
import { coreApi } from './core';
import { convertApi } from './convert';
import { inspectApi } from './inspect';
import { libvirtApi } from './libvirt';
import { repairApi } from './repair';
import { vcenterApi } from './vcenter';
import type { InputOf, MethodTable, OutputOf, ParsedInputOf } from './define';

/**
 * The whole API: every call any front end (wizard over IPC or WebSocket, CLI, tests) can make.
 * Feature areas keep their calls in their own file and are merged here.
 */
export const api = {
  ...coreApi,
  ...convertApi,
  ...inspectApi,
  ...libvirtApi,
  ...repairApi,
  ...vcenterApi,
  ...batchApi,
} satisfies MethodTable;

export type Api = typeof api;
export type MethodName = keyof Api;
export type CallInput<M extends MethodName> = InputOf<Api[M]>;
export type CallParams<M extends MethodName> = ParsedInputOf<Api[M]>;
export type CallOutput<M extends MethodName> = OutputOf<Api[M]>;

/**
 * What travels with one call besides its parameters. `signal` is aborted when the caller gives
 * up on the answer (a `cancel` message: the page or dialog that asked was closed, or a newer
 * search replaced it) or its connection goes away; a handler doing slow work (HTTP requests, a
 * child process) passes it on so that work stops too.
 */
export interface CallContext {
  signal: AbortSignal;
}

/**
 * What the engine implements: one async function per call, given validated parameters. The RPC
 * server always passes the context; it is optional in the type so that code (and tests) calling
 * a handler directly need not invent one, and handlers that ignore it keep compiling.
 */
export type ApiHandlers = { [M in MethodName]: (params: CallParams<M>, context?: CallContext) => Promise<CallOutput<M>> };

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(api, name);
}

export * from './define';
export * from './core';
