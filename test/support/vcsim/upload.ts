import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { engineError } from '../../../shared/contract/errors';
import { EngineFailure, fromErrno } from '../../../electron/engine/core/errors';
import { datastoreFileUrl } from '../../../electron/engine/vsphere/datastore-download';
import type { DatastoreLocation, FileAccess } from '../../../electron/engine/vsphere/datastore-download';
import { networkErrorToError } from '../../../electron/engine/vsphere/network-errors';

/**
 * Puts a file into a simulator's datastore (PUT on /folder): how the tests and benches place real
 * VMDKs in vcsim's VM folders. The product only reads datastores, so this lives with the tests.
 */

export interface UploadOptions {
  access: FileAccess;
  target: DatastoreLocation;
  source: string;
  signal?: AbortSignal;
}

export async function uploadDatastoreFile(options: UploadOptions): Promise<{ bytes: number }> {
  const { access, target, source, signal } = options;
  const description = `[${target.datastore}] ${target.path}`;
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch (error) {
    throw new EngineFailure(fromErrno(error as NodeJS.ErrnoException, source));
  }
  let response: Dispatcher.ResponseData;
  try {
    response = await request(datastoreFileUrl(access.origin, target), {
      method: 'PUT',
      dispatcher: access.dispatcher,
      signal,
      headers: { ...access.headers(), 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: createReadStream(source),
    });
  } catch (error) {
    if (error instanceof EngineFailure) throw error;
    throw new EngineFailure(networkErrorToError(error, { server: access.server, operation: `upload of ${description}` }));
  }
  await response.body.dump().catch(() => undefined);
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new EngineFailure(
      engineError('VSPHERE_DOWNLOAD_FAILED', `The upload of ${description} failed (HTTP ${response.statusCode}).`, 'Check that the datastore and folder exist and the account may write there.', {
        details: { server: access.server, file: description, httpStatus: response.statusCode },
      }),
    );
  }
  return { bytes: size };
}
