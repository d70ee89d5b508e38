import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../../electron/engine/core/tool-runner';

/**
 * The real pkexec path for tests, on machines without systemd: a system D-Bus on the standard
 * socket, polkitd, our policy installed with its exec.path pointing at a test copy of the helper
 * launcher, and a JavaScript rules file that grants the action to a test user (there is no
 * authentication agent to type a password into, so without the rule pkexec must refuse).
 *
 * Daemons that were already running are left alone; the ones started here are stopped again by
 * `release`. Everything installed is removed again, and a policy file that was there before is
 * put back.
 */

const DBUS_DAEMON = '/usr/bin/dbus-daemon';
const DBUS_SEND = '/usr/bin/dbus-send';
const POLKITD = '/usr/lib/polkit-1/polkitd';
const PKACTION = '/usr/bin/pkaction';
const PKCHECK = '/usr/bin/pkcheck';
const SETPRIV = '/usr/bin/setpriv';
const USERADD = '/usr/sbin/useradd';
const GETENT = '/usr/bin/getent';
const SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';
const ACTIONS_DIR = '/usr/share/polkit-1/actions';
const RULES_DIR = '/etc/polkit-1/rules.d';

/** Debian 12 packages this needs (CI installs them): pkexec, polkitd, dbus (dbus-daemon, dbus-send). */
export const POLKIT_PACKAGES = ['pkexec', 'polkitd', 'dbus'] as const;

export interface PolkitDaemons {
  readonly started: { dbus: boolean; polkitd: boolean };
  release(): Promise<void>;
}

/** Makes sure the system bus and polkitd answer; starts what is missing. */
export async function ensurePolkit(): Promise<PolkitDaemons> {
  const started = { dbus: false, polkitd: false };
  const children: number[] = [];
  let configDir: string | null = null;

  if (!(await busAnswers())) {
    configDir = mkdtempSync(join(tmpdir(), 'h2k-dbus-'));
    const config = join(configDir, 'system.conf');
    writeFileSync(config, SYSTEM_BUS_CONFIG);
    mkdirSync('/run/dbus', { recursive: true });
    // A socket file left by a bus that died would make the new one fail to listen.
    rmSync(SYSTEM_BUS_SOCKET, { force: true });
    children.push(startDaemon(DBUS_DAEMON, [`--config-file=${config}`, '--nofork', '--nopidfile']));
    started.dbus = true;
    await waitFor(busAnswers, 'the system D-Bus');
  }
  if (!(await polkitAnswers())) {
    children.push(startDaemon(POLKITD, ['--no-debug']));
    started.polkitd = true;
    await waitFor(polkitAnswers, 'polkitd on the system bus');
  }

  return {
    started,
    async release() {
      // polkitd first: it is a client of the bus.
      for (const pid of children.reverse()) await stopProcess(pid);
      if (started.dbus) rmSync(SYSTEM_BUS_SOCKET, { force: true });
      if (configDir) rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/** A bus config of type system on the standard socket, with the services' own policies included. */
const SYSTEM_BUS_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${SYSTEM_BUS_SOCKET}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
`;

function startDaemon(file: string, args: string[]): number {
  const child = spawn(file, args, { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error(`Could not start ${file}`);
  return child.pid;
}

async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    if (!existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function nameHasOwner(name: string): Promise<boolean> {
  try {
    const { stdout } = await runCommand(DBUS_SEND, ['--system', '--print-reply', '--reply-timeout=2000', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`]);
    return stdout.includes('boolean true');
  } catch {
    return false;
  }
}

function busAnswers(): Promise<boolean> {
  return existsSync(SYSTEM_BUS_SOCKET) ? nameHasOwner('org.freedesktop.DBus') : Promise.resolve(false);
}

function polkitAnswers(): Promise<boolean> {
  return nameHasOwner('org.freedesktop.PolicyKit1');
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** A system user for the test (created once, kept: it owns nothing). */
export async function ensureTestUser(name: string): Promise<{ name: string; uid: number; gid: number }> {
  const lookup = async (): Promise<string | null> => {
    try {
      return (await runCommand(GETENT, ['passwd', name])).stdout;
    } catch {
      return null;
    }
  };
  let entry = await lookup();
  if (entry === null) {
    await runCommand(USERADD, ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
    entry = await lookup();
  }
  const fields = (entry ?? '').trim().split(':');
  return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Runs a command as `user`, with that user's groups (as a login would set them). */
export function asUser(user: { uid: number; gid: number }, command: readonly string[]): string[] {
  return [SETPRIV, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...command];
}

// The launcher and policy rendered with a test install's paths (the Debian package uses the same).
export { renderLauncher, renderPolicy } from '../../build/templates';

/** A polkit JavaScript rule (polkit ≥ 106) that grants one action to one user without asking. */
export function grantRule(actionId: string, userName: string): string {
  return `// Installed by hyper2kvm's tests; removed when they end.
polkit.addRule(function (action, subject) {
  if (action.id === ${JSON.stringify(actionId)} && subject.user === ${JSON.stringify(userName)}) {
    return polkit.Result.YES;
  }
});
`;
}

export interface InstalledFiles {
  /** Removes what was installed and restores what was there before. */
  remove(): void;
}

/**
 * Writes root-owned files (policy, rules, launcher), remembering what to undo. A file that
 * already existed is moved aside and put back on remove.
 */
export function installFiles(files: ReadonlyArray<{ path: string; content: string; mode: number }>): InstalledFiles {
  const undo: Array<() => void> = [];
  for (const file of files) {
    if (existsSync(file.path)) {
      const backup = `${file.path}.h2k-test-backup`;
      renameSync(file.path, backup);
      undo.push(() => renameSync(backup, file.path));
    } else {
      undo.push(() => rmSync(file.path, { force: true }));
    }
    writeFileSync(file.path, file.content, { mode: file.mode });
    chmodSync(file.path, file.mode);
  }
  return {
    remove() {
      for (const step of undo.reverse()) step();
    },
  };
}

export const POLKIT_PATHS = { actionsDir: ACTIONS_DIR, rulesDir: RULES_DIR } as const;

/** Waits until polkitd knows the action (it watches the actions folder). */
export async function waitForAction(actionId: string): Promise<void> {
  await waitFor(async () => {
    try {
      await runCommand(PKACTION, ['--action-id', actionId]);
      return true;
    } catch {
      return false;
    }
  }, `polkit action ${actionId}`);
}

/**
 * Waits until polkitd's verdict for `user` on `actionId` is `authorised` (it reloads rules when
 * the rules folder changes). pkcheck runs as the user and checks itself (sh's $$ becomes pkcheck).
 */
export async function waitForVerdict(user: { uid: number; gid: number }, actionId: string, authorised: boolean): Promise<void> {
  await waitFor(async () => {
    const [file, ...args] = asUser(user, ['/bin/sh', '-c', `exec ${PKCHECK} --action-id ${actionId} --process $$`]);
    try {
      await runCommand(file!, args);
      return authorised;
    } catch {
      return !authorised;
    }
  }, `polkit verdict ${authorised ? 'yes' : 'no'} for uid ${user.uid} on ${actionId}`);
}
