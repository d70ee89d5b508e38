import type { RpcClient } from '../../../shared/rpc/client';
import type { Engine } from '../../engine/service';
import type { CliIo } from '../io';

export interface CommandContext {
  /** Arguments after the command name. */
  argv: string[];
  io: CliIo;
  /**
   * Connects to an in-process engine, created on first use (commands like --help need none).
   * `elevate`: jobs may start the pkexec helper to write where this user cannot (the bridge,
   * which a desktop user drives from a browser); scripts run with the rights they have.
   */
  engine(options?: { elevate?: boolean }): { engine: Engine; client: RpcClient };
}

/** One `hyper2kvm <name>` command. `run` returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help: options and examples. */
  help: string;
  run(ctx: CommandContext): Promise<number>;
}
