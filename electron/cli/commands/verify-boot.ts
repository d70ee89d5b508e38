import { BootVerification } from '../../../shared/contract/models/boot';
import { LibvirtConnection } from '../../../shared/contract/models/libvirt';
import type { JobEvent } from '../../../shared/contract/events';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, reportFailure, say } from '../io';
import type { CliIo } from '../io';
import { followJob, resultOf } from '../jobs';
import type { Command } from './types';

const usage = 'hyper2kvm verify-boot DISK [--firmware bios|uefi] [--timeout SECONDS] [--format qcow2|raw] [--memory MiB] [--connect URI] [--console] [--json]';

export const verifyBootCommand: Command = {
  name: 'verify-boot',
  summary: 'Boot a converted disk safely and prove whether the guest comes up',
  usage,
  help: `Boots a throwaway copy-on-write overlay of DISK (DISK itself is only read) as a transient
libvirt domain without network, watches its serial console and its screen, and decides:
  booted    login prompt, systemd target reached or the guest agent answered
  failed    kernel panic, emergency mode, root device not found, grub rescue, no bootable
            device, EFI shell, Windows stop code...
  timeout   none of these within the time allowed
with the milestones seen (firmware, bootloader, kernel, init, login) and their times, the
log excerpt that decided and screenshots. The domain and the overlay are always removed, also
on Ctrl-C or error. The evidence stays in the job folder (boot-verification.json, boot/).

Options:
  --firmware FW      bios (default) or uefi
  --timeout SECONDS  give up after this long (default 120 with KVM, 300 with software
                     emulation; a Debian guest needs ~40 s without KVM)
  --format FORMAT    qcow2 or raw (default: read from the disk by qemu-img)
  --memory MiB       guest memory (default 1024)
  --connect URI      qemu:///session (default) or qemu:///system
  --console          copy the guest's serial console to stderr as it arrives
  --json             print one JSON event per line (serial text, milestones and screenshots
                     are "observation" events), then
                     {"type":"result","ok":true,"verdict":"booted"|"failed"|"timeout",
                      "reason":"...","milestones":[...],"evidence":{...},...}

"ok" says that the check ran; the verdict says how the guest fared.
Exit codes: 0 the check ran, whatever the verdict; 1 the check itself failed; 2 bad input or
usage (no such disk...); 130 cancelled.`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.argv,
      {
        firmware: { type: 'string' },
        timeout: { type: 'string' },
        format: { type: 'string' },
        memory: { type: 'string' },
        connect: { type: 'string' },
        console: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    if (positionals.length !== 1) throw usageError(positionals.length ? 'Give exactly one DISK.' : 'DISK is missing.', usage);
    if (values.firmware !== undefined && values.firmware !== 'bios' && values.firmware !== 'uefi') throw usageError(`--firmware must be bios or uefi, not "${values.firmware}".`, usage);
    if (values.format !== undefined && values.format !== 'qcow2' && values.format !== 'raw') throw usageError(`--format must be qcow2 or raw, not "${values.format}".`, usage);
    const timeoutSeconds = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 3600)) throw usageError(`--timeout must be a number of seconds from 1 to 3600, not "${values.timeout}".`, usage);
    const memoryMiB = values.memory === undefined ? undefined : Number(values.memory);
    if (memoryMiB !== undefined && !(Number.isInteger(memoryMiB) && memoryMiB >= 128)) throw usageError(`--memory must be a whole number of MiB, at least 128, not "${values.memory}".`, usage);
    const connection = values.connect === undefined ? undefined : LibvirtConnection.safeParse(values.connect);
    if (connection && !connection.success) throw usageError(`--connect must be qemu:///session or qemu:///system, not "${values.connect}".`, usage);

    const { client } = ctx.engine();
    const stopConsole = values.console ? client.onJobEvent(consoleCopier(ctx.io)) : () => undefined;
    let end;
    try {
      end = await followJob(client, ctx.io, () =>
        client.call('boot.verify', {
          disk: positionals[0]!,
          ...(values.firmware ? { firmware: values.firmware as 'bios' | 'uefi' } : {}),
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
          ...(values.format ? { format: values.format as 'qcow2' | 'raw' } : {}),
          ...(memoryMiB ? { memoryMiB } : {}),
          ...(connection?.success ? { connection: connection.data } : {}),
        }),
      );
    } finally {
      stopConsole();
    }
    if (end.type !== 'done') {
      return reportFailure(ctx.io, end.type === 'failed' ? end.error : { code: 'CANCELLED', kind: 'cancelled', message: 'The verification was cancelled.', hint: 'The verification domain and its overlay were removed; the disk was not changed.' });
    }
    const result = resultOf(end, BootVerification);
    if (ctx.io.json) emitJson(ctx.io, resultLine(end.jobId, result));
    else printVerdict(ctx.io, result);
    return 0;
  },
};

/** The last line of `verify-boot --json`. */
export function resultLine(jobId: string, r: BootVerification): Record<string, unknown> {
  return {
    type: 'result',
    ok: true,
    jobId,
    verdict: r.verdict,
    reason: r.reason,
    detail: r.detail,
    hint: r.hint,
    milestones: r.milestones,
    verdictAtMs: r.verdictAtMs,
    excerpt: r.excerpt,
    excerptSource: r.excerptSource,
    evidence: r.evidence,
    disk: r.disk,
    firmware: r.firmware,
    accelerator: r.accelerator,
    durationMs: r.durationMs,
    notes: r.notes,
  };
}

function printVerdict(io: CliIo, r: BootVerification): void {
  const label = r.verdict === 'booted' ? 'BOOTED' : r.verdict === 'failed' ? 'FAILED' : 'TIMEOUT';
  say(io, `\n${label} (${r.reason}) after ${(r.verdictAtMs / 1000).toFixed(1)} s: ${r.detail}`);
  if (r.hint) say(io, `  what to do: ${r.hint}`);
  for (const m of r.milestones) say(io, `  ${`${(m.atMs / 1000).toFixed(1)} s`.padStart(8)}  ${m.kind.padEnd(10)} ${m.text.slice(0, 100)}`);
  if (r.excerpt) {
    say(io, `  ${r.excerptSource === 'screen' ? 'screen' : 'serial console'} (last lines):`);
    for (const line of r.excerpt.trimEnd().split('\n').slice(-8)) say(io, `    ${line}`);
  }
  say(io, `  serial log: ${r.evidence.serialLog}`);
  if (r.evidence.finalScreenshot) say(io, `  screenshot: ${r.evidence.finalScreenshot}`);
  for (const note of r.notes) say(io, `  note: ${note}`);
}

/** --console: the guest's serial text on stderr as it arrives (stdout stays for results). */
function consoleCopier(io: CliIo): (event: JobEvent) => void {
  return (event) => {
    if (event.type === 'observation' && event.observation.kind === 'console-text') io.stderr.write(event.observation.text);
  };
}
