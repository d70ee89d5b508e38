import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../../electron/engine/core/tool-runner';

/**
 * Makes sure a libvirt daemon answers on qemu:///system for integration tests.
 *
 * There is no systemd on the test machines and Debian 12 only has the monolithic libvirtd, so we
 * start the daemons by hand: virtlogd first (without it every domain start fails with "Failed to
 * connect socket to '/run/libvirt/virtlogd-sock'"), then libvirtd with an absolute pid file.
 *
 * A daemon that was already running is left alone. One we started lives until the end of the
 * test run (stopTestDaemons, from the run's global teardown): each test file is a process of its
 * own, and a file stopping the daemon when it is done could pull the floor from under a guest
 * another file (or a bridge process it started) still runs.
 */

const LIBVIRTD = '/usr/sbin/libvirtd';
const VIRTLOGD = '/usr/sbin/virtlogd';
const VIRSH = '/usr/bin/virsh';
const LIBVIRTD_PID = '/run/hyper2kvm-test-libvirtd.pid';
const VIRTLOGD_PID = '/run/hyper2kvm-test-virtlogd.pid';
const VIRTLOGD_SOCKET = '/run/libvirt/virtlogd-sock';

export interface LibvirtdHandle {
  /** Which daemons this process started (stopped at the end of the run, not on release). */
  readonly started: { libvirtd: boolean; virtlogd: boolean };
  release(): Promise<void>;
}

let current: Promise<LibvirtdHandle> | null = null;
let users = 0;

/** Idempotent within a test process: every caller gets the same handle. */
export async function ensureLibvirtd(): Promise<LibvirtdHandle> {
  users += 1;
  current ??= start();
  return current;
}

async function start(): Promise<LibvirtdHandle> {
  const started = { libvirtd: false, virtlogd: false };
  if (!virtlogdAlive()) {
    await runCommand(VIRTLOGD, ['-d', '-p', VIRTLOGD_PID]);
    await waitFor(() => existsSync(VIRTLOGD_SOCKET), 'virtlogd socket');
    started.virtlogd = true;
    markStartedByThisRun(VIRTLOGD_PID);
  }
  if (!(await libvirtdAnswers())) {
    await runCommand(LIBVIRTD, ['-d', '-p', LIBVIRTD_PID]);
    await waitForAsync(libvirtdAnswers, 'libvirtd on qemu:///system');
    started.libvirtd = true;
    markStartedByThisRun(LIBVIRTD_PID);
  }

  return {
    started,
    release() {
      users -= 1;
      if (users === 0) current = null;
      return Promise.resolve();
    },
  };
}

/**
 * Which daemons this test run started is noted in the run's scratch root (shared by its workers),
 * so that the run's end stops only those: not a daemon another run, or the machine, started.
 */
function startedMarker(pidFile: string, root = process.env.HYPER2KVM_TEST_SCRATCH): string | null {
  return root ? join(root, `started-${basename(pidFile)}`) : null;
}

function markStartedByThisRun(pidFile: string): void {
  const marker = startedMarker(pidFile);
  if (marker) writeFileSync(marker, `${readPid(pidFile) ?? ''}\n`);
}

/** Stops the daemons this run's tests started, at the end of the run (its scratch root says which). */
export async function stopTestDaemons(root: string): Promise<void> {
  for (const pidFile of [LIBVIRTD_PID, VIRTLOGD_PID]) {
    if (existsSync(startedMarker(pidFile, root)!)) await stopByPidFile(pidFile);
  }
}

async function libvirtdAnswers(): Promise<boolean> {
  try {
    await runCommand(VIRSH, ['-c', 'qemu:///system', 'version'], { env: { LIBVIRT_DEFAULT_URI: 'qemu:///system' } });
    return true;
  } catch {
    return false;
  }
}

function virtlogdAlive(): boolean {
  // The socket file outlives a killed daemon, so look for a live process behind a pid file too.
  if (!existsSync(VIRTLOGD_SOCKET)) return false;
  for (const pidFile of [VIRTLOGD_PID, '/run/virtlogd.pid']) {
    const pid = readPid(pidFile);
    if (pid !== null && processAlive(pid)) return true;
  }
  return false;
}

async function stopByPidFile(pidFile: string): Promise<void> {
  const pid = readPid(pidFile);
  if (pid === null || !processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && processAlive(pid); i++) await sleep(100);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

function readPid(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(ready: () => boolean, what: string): Promise<void> {
  await waitForAsync(() => Promise.resolve(ready()), what);
}

async function waitForAsync(ready: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`Timed out waiting for ${what}`);
}
