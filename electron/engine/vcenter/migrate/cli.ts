import type { ResolvedMigrateOptions } from '../../../../shared/contract/api/vcenter';
import { tailCli } from '../../pipeline/cli';
import type { Connection } from '../connections';

/**
 * The equivalent command line, stored in the job record so that any run can be replayed; the
 * password is never in it (a placeholder for the file it would be read from).
 */
export function migrateCli(connection: Connection, vmName: string, options: ResolvedMigrateOptions): string[] {
  return [
    'hyper2kvm',
    'migrate',
    '--server',
    connection.endpoint.display,
    '--user',
    connection.user,
    '--password-file',
    'PASSWORD_FILE',
    ...(connection.info.trust.kind === 'ca' ? ['--ca', connection.info.trust.caFile] : ['--thumbprint', connection.info.trust.sha256]),
    '--vm',
    vmName,
    '--out',
    options.outDir,
    '--format',
    options.format,
    ...(options.compress ? ['--compress'] : []),
    ...(options.name ? ['--name', options.name] : []),
    ...(options.overwrite ? ['--overwrite'] : []),
    '--parallel',
    String(options.parallelDisks),
    ...(options.maxBytesPerSecond ? ['--limit', String(options.maxBytesPerSecond / 1e6)] : []),
    '--retries',
    String(options.retries),
    ...(options.keepDownloads ? ['--keep-downloads'] : []),
    ...tailCli(options),
  ];
}
