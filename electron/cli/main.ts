import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineError } from '../../shared/contract/errors';
import { RemoteError } from '../../shared/rpc/client';
import type { RpcClient } from '../../shared/rpc/client';
import { packageRoot } from '../bridge/server';
import { toEngineError } from '../engine/core/errors';
import { connectInProcess } from '../engine/connect';
import { helperSession } from '../engine/privilege/helper-client';
import { helperCommand, isRootProcess } from '../engine/privilege/locate';
import { createEngine } from '../engine/service';
import type { Engine } from '../engine/service';
import { COMMANDS } from './commands';
import type { Command } from './commands/types';
import { defaultIo, reportFailure } from './io';
import type { CliIo } from './io';

export function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'hyper2kvm — move VMware virtual machines to KVM/libvirt',
    '',
    'Usage: hyper2kvm COMMAND [options]    (hyper2kvm COMMAND --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command that does work accepts --json: one JSON event per line on stdout, ending',
    'with {"type":"result","ok":true|false,...}.',
    'Exit codes: 0 success, 1 failure, 2 bad input or usage, 130 cancelled.',
    '',
    ...COMMANDS.flatMap((c) => [`${c.usage}`, ...c.help.split('\n').map((l) => `    ${l}`), '']),
  ].join('\n');
}

/** Runs the CLI with arguments (without node and script); resolves to the exit code. */
export async function runCli(args: string[], io?: CliIo): Promise<number> {
  const [name, ...rest] = args;
  const json = rest.includes('--json');
  const out = io ?? defaultIo(json);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.stdout.write(generalHelp() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    // Loaded on demand, like the doctor's checks: --help stays lean.
    const { printVersion, versionReport } = await import('./version');
    printVersion(out, await versionReport(packageRoot(import.meta.url), version()));
    return 0;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) {
    return reportFailure(out, { code: 'INVALID_REQUEST', kind: 'bad-input', message: `There is no command "${name}".`, hint: `Run hyper2kvm --help. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.` });
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.stdout.write(`Usage: ${command.usage}\n\n${command.summary}.\n\n${command.help}\n`);
    return 0;
  }
  let connection: { engine: Engine; client: RpcClient } | null = null;
  let helper: ReturnType<typeof helperSession> | null = null;
  try {
    return await command.run({
      argv: rest,
      io: out,
      engine: (options) => {
        if (!connection) {
          if (options?.elevate && !isRootProcess()) helper = helperSession({ command: helperCommand(packageRoot(import.meta.url), process.execPath), elevate: true });
          const session = helper;
          const engine = createEngine({ transport: 'memory', version: version(), ...(session ? { elevate: () => session.elevate() } : {}) });
          connection = { engine, client: connectInProcess(engine) };
        }
        return connection;
      },
    });
  } catch (error) {
    return reportFailure(out, asErrorValue(error));
  } finally {
    const c = connection as { engine: Engine; client: RpcClient } | null;
    if (c) {
      c.client.close();
      await c.engine.shutdown();
    }
    await (helper as ReturnType<typeof helperSession> | null)?.close();
  }
}

function asErrorValue(error: unknown): EngineError {
  return error instanceof RemoteError ? error.value : toEngineError(error);
}
