import { chmod, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_UPLOAD_BYTES, exitCleanlyOnFatalError, packageRoot, startBridge } from '../../bridge/server';
import { appHome } from '../../engine/paths';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, say } from '../io';
import { openInBrowser, servingMessage, sshForwardCommand, sshSession } from '../serve-access';
import type { Command } from './types';

const usage = 'hyper2kvm serve [--port N] [--host 127.0.0.1|::1|localhost] [--max-upload-gib N] [--open] [--json]';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the wizard on loopback for a browser (the bridge)',
  usage,
  help: `Starts the engine and serves the wizard at http://127.0.0.1:PORT/ with a random token
for this run. Open the printed URL (it carries the token) in a browser on this machine.
Only loopback addresses are allowed; requests without the token, from another page's
origin or for another host name are refused. Stop with Ctrl-C (running jobs are cancelled
and cleaned up, and the files dropped in the browser are removed).

On a headless host, over SSH: nothing listens beyond loopback, so forward the port from
your workstation, using the same port number on both ends. Logged in over SSH, serve prints
the ssh command to run there. Or in one step, from the workstation (-t: closing the
connection stops serve):
  ssh -t -L 8765:127.0.0.1:8765 admin@kvm-host hyper2kvm serve --port 8765
then open the printed URL in the workstation's browser.

Options:
  --port N             port to listen on (default: a free one)
  --host ADDR          127.0.0.1 (default), ::1 or localhost
  --max-upload-gib N   largest file the browser may drop, in GiB (default ${DEFAULT_MAX_UPLOAD_BYTES / 1024 ** 3})
  --open               also open the wizard in the default browser (the desktop entry does)
  --json               print {"type":"listening","url":...,"openUrl":...} on one line (with
                       "sshForward": the ssh command, when logged in over SSH)`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, { port: { type: 'string' }, host: { type: 'string' }, 'max-upload-gib': { type: 'string' }, open: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } }, usage);
    const host = values.host ?? '127.0.0.1';
    if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') throw usageError(`--host must be a loopback address, not "${host}".`, usage);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be a port number, not "${values.port}".`, usage);
    const maxUploadGiB = values['max-upload-gib'] === undefined ? DEFAULT_MAX_UPLOAD_BYTES / 1024 ** 3 : Number(values['max-upload-gib']);
    if (!Number.isFinite(maxUploadGiB) || maxUploadGiB <= 0) throw usageError(`--max-upload-gib must be a positive number, not "${values['max-upload-gib']}".`, usage);
    // The app's folder holds job records and dropped disks: this user's only.
    await mkdir(appHome(), { recursive: true, mode: 0o700 });
    await chmod(appHome(), 0o700);
    const { engine } = ctx.engine({ elevate: true });
    const bridge = await startBridge({
      engine,
      host,
      port,
      staticDir: join(packageRoot(import.meta.url), 'dist', 'renderer'),
      uploadsDir: join(appHome(), 'uploads'),
      maxUploadBytes: Math.floor(maxUploadGiB * 1024 ** 3),
    });
    exitCleanlyOnFatalError(
      async () => {
        await engine.shutdown();
        await bridge.close();
      },
      (message) => process.stderr.write(`hyper2kvm serve: ${message}\n`),
    );
    const ssh = sshSession(process.env, userInfo().username);
    const forward = ssh ? sshForwardCommand(ssh, host, bridge.port) : null;
    if (ctx.io.json) emitJson(ctx.io, { type: 'listening', url: bridge.url, openUrl: bridge.openUrl, ...(forward ? { sshForward: forward } : {}) });
    else say(ctx.io, servingMessage(bridge.openUrl, forward));
    const browser = values.open ? openInBrowser(bridge.openUrl, join(appHome(), 'open')) : null;
    if (browser?.notOpened) say(ctx.io, `Not opening a browser: ${browser.notOpened}.`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      // SIGHUP: the terminal closed (the desktop entry runs serve in one).
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
    });
    browser?.cleanup();
    await engine.shutdown();
    await bridge.close();
    return 0;
  },
};
