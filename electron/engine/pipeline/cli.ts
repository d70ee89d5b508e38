import type { TailOptions } from './tail';

/**
 * The tail's options as command-line flags, for the job record's equivalent command (every run
 * can be replayed from its record). The same flags on `convert` and `migrate`.
 */
export function tailCli(o: Pick<TailOptions, 'inspect' | 'repair' | 'define' | 'verifyBoot'>): string[] {
  const out: string[] = [];
  if (o.inspect && !o.repair) out.push('--inspect');
  if (o.repair) {
    out.push('--repair');
    if (o.repair.only?.length) out.push('--only', o.repair.only.join(','));
    if (o.repair.skip?.length) out.push('--skip', o.repair.skip.join(','));
    if (o.repair.network && o.repair.network !== 'pin-name') out.push('--network-repair', o.repair.network);
    if (o.repair.serialConsole) out.push('--serial-console');
    for (const [from, to] of Object.entries(o.repair.macs ?? {})) out.push('--new-mac', `${from}=${to ?? 'any'}`);
  }
  if (o.define) {
    out.push('--define');
    const connection = o.define.options?.connection;
    if (connection) out.push('--connect', connection);
    if (o.define.placement) out.push('--placement', o.define.placement);
  }
  if (o.verifyBoot) out.push('--verify-boot', ...(o.verifyBoot.timeoutSeconds ? ['--boot-timeout', String(o.verifyBoot.timeoutSeconds)] : []));
  return out;
}
