import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DefineResult, LibvirtConnection } from '../../../shared/contract/models/libvirt';
import type { ToolRunner } from '../core/tool-runner';
import { putDisksBack } from '../libvirt/define';
import { destroyDomain, undefineDomainByName } from '../libvirt/virsh';
import { VERIFY_ATTEMPTS_MAX, verificationDomainName } from '../boot/verify-stage';

/**
 * The libvirt side of a job whose process died (kill -9, a power cut) after the define stage:
 * its failure cleanups never ran, so the domain it defined is still there (holding the VM's name:
 * the next attempt would be refused), its disks may sit in libvirt's images folder, and a
 * throwaway verification domain may still be booting. The define stage writes what it did to
 * the job folder the moment it has done it; a resume reads that back and undoes it.
 */

const MARKER = 'domain-defined.json';

const DefinedMarker = z.object({
  connection: LibvirtConnection,
  name: z.string(),
  nvram: z.boolean(),
  disks: DefineResult.shape.disks,
});

/** Written by the define stage right after the domain exists (and removed by its own undo). */
export async function recordDefined(jobDir: string, result: DefineResult): Promise<void> {
  const marker: z.infer<typeof DefinedMarker> = { connection: result.connection, name: result.name, nvram: result.domain.firmware.type === 'uefi', disks: result.disks };
  await writeFile(join(jobDir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
}

export async function forgetDefined(jobDir: string): Promise<void> {
  await rm(join(jobDir, MARKER), { force: true });
}

async function readDefined(jobDir: string): Promise<z.infer<typeof DefinedMarker> | null> {
  const text = await readFile(join(jobDir, MARKER), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = DefinedMarker.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    // Cut short by the crash itself: the domain may exist, but we cannot tell which; the next
    // attempt's define then names it in its collision error.
    return null;
  }
}

/** Whether the dead job had started its boot verification (its event log says so). */
async function reachedVerifyBoot(jobDir: string): Promise<boolean> {
  const events = await readFile(join(jobDir, 'events.jsonl'), 'utf8').catch(() => '');
  return events.includes('"stage":"verify-boot"');
}

/**
 * Stops the dead job's verification domains, undefines the domain it defined and puts its disks
 * back where the convert stage wrote them. Returns what it did, one line each, for the journal.
 */
export async function clearLeftoverDomains(jobId: string, jobDir: string, tools: ToolRunner): Promise<string[]> {
  const done: string[] = [];
  const ctx = { tools, signal: AbortSignal.timeout(120_000) };
  const defined = await readDefined(jobDir);
  // Verification boots on the defined domain's connection, else on the session connection.
  const verifyConnection = defined?.connection ?? ((await reachedVerifyBoot(jobDir)) ? 'qemu:///session' : null);
  if (verifyConnection) {
    for (let attempt = 1; attempt <= VERIFY_ATTEMPTS_MAX; attempt++) {
      const name = verificationDomainName(jobId, attempt);
      if (await destroyDomain(ctx, verifyConnection, name).catch(() => false)) done.push(`stopped the verification domain ${name} (${verifyConnection})`);
    }
  }
  if (defined) {
    try {
      await undefineDomainByName(ctx, defined.connection, defined.name, { nvram: defined.nvram });
      done.push(`undefined the domain ${defined.name} (${defined.connection})`);
    } catch {
      // Gone already (removed by hand): nothing to undo.
    }
    await putDisksBack({ ...ctx, log: () => undefined }, defined.disks);
    for (const disk of defined.disks) if (disk.placement !== 'in-place') done.push(`put back ${disk.from} (was ${disk.placement === 'move' ? 'moved to' : 'copied to'} ${disk.path})`);
    await forgetDefined(jobDir);
  }
  return done;
}
