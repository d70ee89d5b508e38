import { resolve } from 'node:path';
import { LocalToolRunner } from '../../engine/core/tool-runner';
import type { CheckStatus, HostCheck } from '../../engine/host/checks';
import { defaultOutDir } from '../../engine/paths';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, say } from '../io';
import type { CliIo } from '../io';
import type { Command } from './types';

const usage = 'hyper2kvm doctor [--out DIR] [--connect URI] [--json]';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check this host: tools, KVM, libvirtd, free space, polkit',
  usage,
  help: `Looks at this host the way the app will use it and says, for anything missing, what to
install or start:
  - the tools (qemu-img, qemu, libguestfs, hivex, libvirt, pkexec, tesseract, chromium),
    with their versions, the kernel libguestfs builds its appliance from, UEFI firmware;
  - KVM: usable, or why not (no /dev/kvm, no permission, qemu cannot run a vCPU with it);
  - libvirtd: whether the connection answers, and its versions;
  - free space where converted disks, libvirt images, job records and the appliance go;
  - polkit: the helper's policy and launcher installed, polkitd answering, an agent to ask
    for the password.
Nothing is changed.

Options:
  --out DIR        where converted disks will go (default: the app's default output folder)
  --connect URI    libvirt connection to try (default: qemu:///system)
  --json           print one {"type":"check",...} line per check, then
                   {"type":"result","ok":true|false,"checks":[...]}

Exit codes: 0 nothing stops conversions (warnings name features that will not work or will be
slow), 1 a problem does (qemu-img missing, no free space).`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, { out: { type: 'string' }, connect: { type: 'string', default: 'qemu:///system' }, json: { type: 'boolean', default: false } }, usage);
    if (!/^[a-z][a-z0-9+]*:\/\//.test(values.connect)) throw usageError(`--connect must be a libvirt URI such as qemu:///system, not "${values.connect}".`, usage);
    // Loaded on demand: --help and the other commands do not pay for the checks' code.
    const { runDoctor } = await import('../../engine/host/doctor');
    const checks = await runDoctor({
      tools: new LocalToolRunner(),
      outDir: resolve(values.out ?? defaultOutDir()),
      connection: values.connect,
    });
    const ok = !checks.some((c) => c.status === 'problem');
    if (ctx.io.json) {
      for (const check of checks) emitJson(ctx.io, { type: 'check', ...check });
      emitJson(ctx.io, { type: 'result', ok, checks });
    } else {
      printChecks(ctx.io, checks);
    }
    return ok ? 0 : 1;
  },
};

const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warning: 'warn', problem: 'FAIL' };

function printChecks(io: CliIo, checks: readonly HostCheck[]): void {
  const width = Math.max(...checks.map((c) => c.title.length));
  for (const check of checks) {
    say(io, `${MARK[check.status]}  ${check.title.padEnd(width)}  ${check.summary}`);
    const indent = ' '.repeat(width + 8);
    if (check.fix) say(io, `${indent}what to do: ${check.fix}`);
    if (check.evidence && check.status !== 'ok') {
      for (const line of check.evidence.trim().split('\n').slice(-4)) say(io, `${indent}| ${line}`);
    }
  }
  const count = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  say(io, `\n${count('problem')} problem(s), ${count('warning')} warning(s), ${count('ok')} ok.`);
}
