import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openInBrowser, servingMessage, sshForwardCommand, sshSession, writeRedirect } from '../../../electron/cli/serve-access';

describe('serve over SSH', () => {
  it.each([
    ['192.0.2.10 50522 198.51.100.7 22', { serverAddress: '198.51.100.7', serverPort: 22, user: 'admin' }],
    ['2001:db8::10 50522 2001:db8::7 2222', { serverAddress: '2001:db8::7', serverPort: 2222, user: 'admin' }],
  ])('reads SSH_CONNECTION "%s"', (value, session) => {
    expect(sshSession({ SSH_CONNECTION: value }, 'admin')).toEqual(session);
  });

  it.each([undefined, '', 'garbage', '1.2.3.4 5 6.7.8.9 notaport'])('is not over SSH with SSH_CONNECTION=%j', (value) => {
    expect(sshSession(value === undefined ? {} : { SSH_CONNECTION: value }, 'admin')).toBeNull();
  });

  it.each<[string, number, string, number, string]>([
    ['198.51.100.7', 22, '127.0.0.1', 41527, 'ssh -N -L 41527:127.0.0.1:41527 admin@198.51.100.7'],
    ['198.51.100.7', 2222, '127.0.0.1', 8765, 'ssh -N -L 8765:127.0.0.1:8765 -p 2222 admin@198.51.100.7'],
    ['2001:db8::7', 22, '::1', 8765, 'ssh -N -L 8765:[::1]:8765 admin@2001:db8::7'],
  ])('forwards the same port number on both ends (%s:%d, bridge on %s)', (serverAddress, serverPort, host, port, command) => {
    expect(sshForwardCommand({ serverAddress, serverPort, user: 'admin' }, host, port)).toBe(command);
  });

  it('prints the ssh command and the URL to open on the workstation', () => {
    const message = servingMessage('http://127.0.0.1:8765/#token=abc', 'ssh -N -L 8765:127.0.0.1:8765 admin@198.51.100.7');
    expect(message).toContain('loopback only');
    expect(message).toMatch(/^ {2}ssh -N -L 8765:127\.0\.0\.1:8765 admin@198\.51\.100\.7\n {2}http:\/\/127\.0\.0\.1:8765\/#token=abc$/m);
    expect(servingMessage('http://127.0.0.1:8765/#token=abc', null)).toMatch(/in a browser on this machine:\n\n {2}http:\/\/127\.0\.0\.1:8765\/#token=abc\n/);
  });
});

describe('serve --open', () => {
  it('does not start a browser without a graphical session, and says why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2k-open-'));
    try {
      const opened = openInBrowser('http://127.0.0.1:1/#token=secret', join(dir, 'open'), { PATH: '/usr/bin' });
      expect(opened.notOpened).toMatch(/no graphical session/);
      expect(existsSync(join(dir, 'open')) ? readdirSync(join(dir, 'open')) : []).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands the browser a private page that redirects to the URL, not the URL (its token would show in ps)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2k-open-'));
    try {
      const file = writeRedirect('http://127.0.0.1:8765/#token=a"b<c', join(dir, 'open'));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'open')).mode & 0o777).toBe(0o700);
      expect(readFileSync(file, 'utf8')).toContain('<meta http-equiv="refresh" content="0;url=http://127.0.0.1:8765/#token=a&quot;b&lt;c">');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
