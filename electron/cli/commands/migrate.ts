import { MigrateResult } from '../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../shared/contract/errors';
import { formatBytes, formatDuration, formatRate } from '../../../shared/format';
import { RemoteError } from '../../../shared/rpc/client';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, say } from '../io';
import { followJob, resultOf } from '../jobs';
import { repairFailure, sayTail, FIX_IDS_HELP, TAIL_FLAGS, TAIL_HELP, tailOptionsFrom, tailResultJson } from '../tail-flags';
import type { Command } from './types';
import { cliLogin, CONNECTION_HELP, CONNECTION_OPTIONS, reportVcenterFailure, vmSelector } from './vcenter';

const usage =
  'hyper2kvm migrate --server URL --user USER --password-file FILE [--ca FILE | --thumbprint SHA256] --vm VM --out DIR [--format qcow2|raw] [--compress] [--name NAME] [--overwrite] [--parallel N] [--limit MBPS] [--retries N] [--keep-downloads] [--inspect] [--repair [--only ID,...]] [--define [--connect URI]] [--verify-boot] [--json]';

/** `hyper2kvm migrate`: a VM from vCenter into qcow2/raw disks, downloading and converting at once. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Migrate a VM from vCenter or ESXi: download its disks and convert them at the same time',
  usage,
  help: `Runs the pre-flight checks (a blocker stops before anything moves), then downloads every
file of each disk's snapshot chain and converts the disk while it downloads. A dropped
connection resumes where it stopped; an interrupted migration (Ctrl-C, crash) keeps what it
downloaded next to the outputs, and running the same command again resumes from there.

Options:
  --vm VM              the VM's name, or its id (vm-42)
  --out DIR            destination folder (created if its parent exists)
  --format FORMAT      qcow2 (default) or raw
  --compress           compress the qcow2 output
  --name NAME          base name of the outputs (default: the VM's name)
  --overwrite          replace existing outputs
  --parallel N         disks copied at once (default 2)
  --limit MBPS         bandwidth limit for all downloads, in MB/s
  --retries N          failed attempts in a row before a download gives up (default 6)
  --keep-downloads     keep the downloaded VMware files after success
${TAIL_HELP}
${CONNECTION_HELP}

${FIX_IDS_HELP}

Exit codes: 0 success, 1 failure, 2 bad input (blockers, certificate, credentials), 130 cancelled.`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(
      ctx.argv,
      {
        ...CONNECTION_OPTIONS,
        vm: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string', default: 'qcow2' },
        compress: { type: 'boolean', default: false },
        name: { type: 'string' },
        overwrite: { type: 'boolean', default: false },
        parallel: { type: 'string' },
        limit: { type: 'string' },
        retries: { type: 'string' },
        'keep-downloads': { type: 'boolean', default: false },
        ...TAIL_FLAGS,
      },
      usage,
    );
    if (positionals.length > 0) throw usageError(`Unexpected argument "${positionals[0]}".`, usage);
    if (!values.vm) throw usageError('--vm VM is missing.', usage);
    if (!values.out) throw usageError('--out DIR is missing.', usage);
    if (values.format !== 'qcow2' && values.format !== 'raw') throw usageError(`--format must be qcow2 or raw, not "${values.format}".`, usage);
    const number = (flag: string, text: string | undefined, min: number, max: number): number | undefined => {
      if (text === undefined) return undefined;
      const value = Number(text);
      if (!Number.isFinite(value) || value < min || value > max) throw usageError(`--${flag} must be a number from ${min} to ${max}, not "${text}".`, usage);
      return value;
    };
    const parallel = number('parallel', values.parallel, 1, 8);
    const limit = number('limit', values.limit, 0.1, 100_000);
    const retries = number('retries', values.retries, 1, 50);
    const options = {
      outDir: values.out,
      format: values.format,
      compress: values.compress ?? false,
      overwrite: values.overwrite ?? false,
      keepDownloads: values['keep-downloads'] ?? false,
      ...(values.name ? { name: values.name } : {}),
      ...(parallel !== undefined ? { parallelDisks: Math.round(parallel) } : {}),
      ...(limit !== undefined ? { maxBytesPerSecond: limit * 1e6 } : {}),
      ...(retries !== undefined ? { retries: Math.round(retries) } : {}),
      ...tailOptionsFrom(values, usage),
    } as const;

    const { client } = ctx.engine();
    let connectionId: string | undefined;
    try {
      const connection = await cliLogin(client, values, usage);
      connectionId = connection.connectionId;
      const { vm } = await client.call('vcenter.vm', { connectionId, ...vmSelector(values.vm) });
      const end = await followJob(client, ctx.io, () => client.call('migrate.start', { connectionId: connection.connectionId, vmId: vm.id, options }));
      if (end.type === 'done') {
        const result = resultOf(end, MigrateResult);
        const repairProblem = repairFailure(result.repair);
        if (ctx.io.json) {
          emitJson(ctx.io, {
            type: 'result',
            ok: repairProblem === null,
            jobId: result.jobId,
            source: result.source,
            vm: result.vm,
            outputs: result.outputs,
            transfer: result.transfer,
            stagingDir: result.stagingDir,
            durationMs: result.durationMs,
            recordPath: result.recordPath,
            ...tailResultJson(result, repairProblem),
          });
        } else {
          const t = result.transfer;
          say(ctx.io, `\nMigrated ${result.source.vmName} in ${formatDuration(result.durationMs / 1000)}: downloaded ${formatBytes(t.bytes)} at ${formatRate(t.bytesPerSecond)}${t.resumedBytes ? ` (${formatBytes(t.resumedBytes)} resumed)` : ''}`);
          for (const o of result.outputs) say(ctx.io, `  ${o.path}  ${o.format}, ${formatBytes(o.virtualSize)} virtual, ${formatBytes(o.actualSize)} on disk`);
          say(ctx.io, `  VM: ${result.vm.vcpus ?? '?'} vCPU, ${result.vm.memoryMiB ?? '?'} MiB, ${result.vm.firmware ?? 'bios'}, ${result.vm.nics.map((n) => `${n.mac ?? '?'} on ${n.network ?? '?'}`).join(', ') || 'no NICs'}`);
          say(ctx.io, `  record: ${result.recordPath}`);
          sayTail(ctx.io, result);
        }
        return repairProblem ? 1 : 0;
      }
      const error: EngineError = end.type === 'failed' ? end.error : { code: 'CANCELLED', kind: 'cancelled', message: 'The migration was cancelled.', hint: 'What was downloaded is kept: run the same command again to resume.' };
      if (!ctx.io.json && error.code === 'VCENTER_PREFLIGHT_BLOCKED') printBlockers(error, (text) => ctx.io.stderr.write(text + '\n'));
      return reportVcenterFailure(ctx.io, error);
    } catch (error) {
      const value = error instanceof RemoteError ? error.value : (error as { value?: EngineError }).value;
      if (!value) throw error;
      return reportVcenterFailure(ctx.io, value);
    } finally {
      if (connectionId) await client.call('vcenter.logout', { connectionId }).catch(() => undefined);
    }
  },
};

function printBlockers(error: EngineError, write: (text: string) => void): void {
  const blockers = (error.evidence?.details?.blockers ?? []) as Array<{ title: string; message: string; hint: string }>;
  for (const b of blockers) write(`BLOCKER ${b.title}: ${b.message}\n  what to do: ${b.hint}`);
}
