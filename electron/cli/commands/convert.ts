import { ConvertResult } from '../../../shared/contract/models/convert';
import { formatBytes, formatDuration, formatRate } from '../../../shared/format';
import { parseCommandArgs, usageError } from '../args';
import { emitJson, reportFailure, say } from '../io';
import { repairFailure, sayTail, FIX_IDS_HELP, TAIL_FLAGS, TAIL_HELP, tailOptionsFrom, tailResultJson } from '../tail-flags';
import { followJob, resultOf } from '../jobs';
import type { Command } from './types';

const usage = 'hyper2kvm convert SOURCE --out DIR [--format qcow2|raw] [--compress] [--name NAME] [--overwrite] [--inspect] [--repair [--only ID,...] [--skip ID,...]] [--define [--connect URI]] [--verify-boot] [--json]';

export const convertCommand: Command = {
  name: 'convert',
  summary: 'Convert a VMDK, VMX, OVF, OVA or VM folder into qcow2 or raw disks',
  usage,
  help: `SOURCE is a .vmdk (any VMware subformat, snapshot chains are flattened), a .vmx, an .ovf,
an .ova (read in place, its manifest verified) or a folder holding one of those.

Options:
  --out DIR          destination folder (created if its parent exists)
  --format FORMAT    qcow2 (default) or raw
  --compress         compress the qcow2 output
  --name NAME        base name of the outputs (default: the VM's name)
  --overwrite        replace existing outputs (never done without this flag)
${TAIL_HELP}
  --json             print one JSON event per line, then {"type":"result",...}

${FIX_IDS_HELP}

Outputs are written under a temporary name and renamed only once complete, checked and (with
--repair) repaired; a repair that fails keeps nothing and leaves the disks as converted.
Ctrl-C cancels: the tool is stopped and partial files are removed.
Exit codes: 0 success, 1 failure, 2 bad input or usage, 130 cancelled.`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      out: { type: 'string' },
      format: { type: 'string', default: 'qcow2' },
      compress: { type: 'boolean', default: false },
      name: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
      ...TAIL_FLAGS,
      json: { type: 'boolean', default: false },
    }, usage);
    if (positionals.length !== 1) throw usageError(positionals.length ? 'Give exactly one SOURCE.' : 'SOURCE is missing.', usage);
    if (!values.out) throw usageError('--out DIR is missing.', usage);
    if (values.format !== 'qcow2' && values.format !== 'raw') throw usageError(`--format must be qcow2 or raw, not "${values.format}".`, usage);
    const source = positionals[0]!;
    const options = { outDir: values.out, format: values.format, compress: values.compress ?? false, overwrite: values.overwrite ?? false, ...tailOptionsFrom(values, usage), ...(values.name ? { name: values.name } : {}) } as const;
    const { client } = ctx.engine();

    const end = await followJob(client, ctx.io, () => client.call('convert.start', { source, options }));
    if (end.type === 'done') {
      const result = resultOf(end, ConvertResult);
      const repairProblem = repairFailure(result.repair);
      if (ctx.io.json) {
        emitJson(ctx.io, {
          type: 'result',
          ok: repairProblem === null,
          jobId: result.jobId,
          outputs: result.outputs,
          durationMs: result.durationMs,
          recordPath: result.recordPath,
          ...tailResultJson(result, repairProblem),
        });
      } else {
        say(ctx.io, `\nDone in ${formatDuration(result.durationMs / 1000)}:`);
        for (const o of result.outputs) {
          say(ctx.io, `  ${o.path}  ${o.format}, ${formatBytes(o.virtualSize)} virtual, ${formatBytes(o.actualSize)} on disk, ${formatRate(o.bytesPerSecond)}`);
        }
        say(ctx.io, `  record: ${result.recordPath}`);
        sayTail(ctx.io, result);
      }
      // Converted but not repaired as asked: the disks are there, the script must know.
      return repairProblem ? 1 : 0;
    }
    return reportFailure(ctx.io, end.type === 'failed' ? end.error : { code: 'CANCELLED', kind: 'cancelled', message: 'The conversion was cancelled.', hint: 'Nothing was left behind.' });
  },
};
