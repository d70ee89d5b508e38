import { memoryChannelPair } from '../../shared/rpc/memory';
import { RpcClient } from '../../shared/rpc/client';
import { serveChannel } from '../../shared/rpc/server';
import { toEngineError } from './core/errors';
import type { Engine } from './service';

/**
 * The in-memory transport: a client talking to an engine in the same process through the very
 * same protocol (validation, error values, events) as the wizard does over IPC or WebSocket.
 * The CLI and the contract tests use it.
 */
export function connectInProcess(engine: Engine): RpcClient {
  const [clientSide, engineSide] = memoryChannelPair();
  serveChannel(engineSide, engine.handlers, engine, toEngineError);
  return new RpcClient(clientSide);
}
