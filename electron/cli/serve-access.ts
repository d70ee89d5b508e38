import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from '../engine/core/tools';

/**
 * How a person reaches `hyper2kvm serve`: the URL on this machine, through an SSH port forward
 * from their workstation when they are logged in over SSH (the bridge never listens beyond
 * loopback), or in the default browser (`--open`, what the desktop entry runs).
 */

export interface SshSession {
  /** The address the client connected to: reachable from the workstation, unlike our hostname. */
  serverAddress: string;
  serverPort: number;
  user: string;
}

/** From SSH_CONNECTION ("client_ip client_port server_ip server_port"), which sshd sets; null when not over SSH. */
export function sshSession(env: NodeJS.ProcessEnv, user: string): SshSession | null {
  const fields = env.SSH_CONNECTION?.trim().split(/\s+/) ?? [];
  if (fields.length !== 4) return null;
  const port = Number(fields[3]);
  if (!fields[2] || !Number.isInteger(port)) return null;
  return { serverAddress: fields[2], serverPort: port, user };
}

/**
 * The command to run on the workstation. The same port number on both ends: the bridge accepts
 * pages only from its own origin (http://127.0.0.1:PORT), so the browser must use that port.
 */
export function sshForwardCommand(session: SshSession, bridgeHost: string, port: number): string {
  const target = bridgeHost.includes(':') ? `[${bridgeHost}]` : bridgeHost;
  const sshPort = session.serverPort === 22 ? '' : ` -p ${session.serverPort}`;
  return `ssh -N -L ${port}:${target}:${port}${sshPort} ${session.user}@${session.serverAddress}`;
}

export function servingMessage(openUrl: string, forward: string | null): string {
  if (!forward) return `hyper2kvm is serving the wizard. Open this URL in a browser on this machine:\n\n  ${openUrl}\n\nPress Ctrl-C to stop.`;
  return [
    'hyper2kvm is serving the wizard on this host, on loopback only. You are logged in over SSH:',
    'on your workstation, forward the port (same number on both ends), then open the URL there.',
    '',
    `  ${forward}`,
    `  ${openUrl}`,
    '',
    'Press Ctrl-C to stop.',
  ].join('\n');
}

export interface OpenedBrowser {
  /** Why the browser was not opened, or null when xdg-open was started. */
  notOpened: string | null;
  /** Removes the redirect file (also removed after a minute on its own). */
  cleanup(): void;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A page only this user can read that sends the browser on to `openUrl`; returns its path. */
export function writeRedirect(openUrl: string, dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `open-${randomBytes(8).toString('hex')}.html`);
  const target = escapeHtml(openUrl);
  writeFileSync(file, `<!doctype html>\n<meta charset="utf-8">\n<meta http-equiv="refresh" content="0;url=${target}">\n<title>hyper2kvm</title>\n<p><a href="${target}">Open hyper2kvm</a></p>\n`, { mode: 0o600 });
  return file;
}

/**
 * Opens the wizard in the default browser. The URL carries the bridge's token, and a command
 * line is visible to every local user (ps), so the browser is given a file only this user can
 * read that redirects to the URL, not the URL itself.
 */
export function openInBrowser(openUrl: string, dir: string, env: NodeJS.ProcessEnv = process.env): OpenedBrowser {
  const none = (notOpened: string): OpenedBrowser => ({ notOpened, cleanup: () => undefined });
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return none('there is no graphical session here (no DISPLAY or WAYLAND_DISPLAY)');
  const xdgOpen = findTool('xdg-open');
  if (!xdgOpen) return none('xdg-open is not installed (sudo apt-get install xdg-utils)');
  const file = writeRedirect(openUrl, dir);
  const cleanup = (): void => rmSync(file, { force: true });
  setTimeout(cleanup, 60_000).unref();
  const child = spawn(xdgOpen, [file], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return { notOpened: null, cleanup };
}
