import { join } from 'node:path';
import { startBridge, packageRoot } from '../../bridge/server';
import { appHome } from '../../engine/paths';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, say } from '../io';
import type { Command } from './types';

const usage = 'hyper2kvm serve [--port N] [--host 127.0.0.1] [--json]';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the wizard on loopback for a browser (the bridge)',
  usage,
  help: `Starts the engine and serves the wizard at http://127.0.0.1:PORT/ with a random token
for this run. Open the printed URL (it carries the token) in a browser on this machine.
Only loopback addresses are allowed; requests without the token or from another page's
origin are refused. Stop with Ctrl-C (running jobs are cancelled and cleaned up).

Options:
  --port N       port to listen on (default: a free one)
  --host ADDR    127.0.0.1 (default) or ::1
  --json         print {"type":"listening","url":...,"openUrl":...} on one line`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, { port: { type: 'string' }, host: { type: 'string' }, json: { type: 'boolean', default: false } }, usage);
    const host = values.host ?? '127.0.0.1';
    if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') throw usageError(`--host must be a loopback address, not "${host}".`, usage);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be a port number, not "${values.port}".`, usage);
    const { engine } = ctx.engine({ elevate: true });
    const bridge = await startBridge({
      engine,
      host,
      port,
      staticDir: join(packageRoot(import.meta.url), 'dist', 'renderer'),
      uploadsDir: join(appHome(), 'uploads'),
    });
    if (ctx.io.json) emitJson(ctx.io, { type: 'listening', url: bridge.url, openUrl: bridge.openUrl });
    else say(ctx.io, `hyper2kvm is serving the wizard. Open this URL in a browser on this machine:\n\n  ${bridge.openUrl}\n\nPress Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await engine.shutdown();
    await bridge.close();
    return 0;
  },
};
