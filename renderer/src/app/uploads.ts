import type { EngineError } from '../../../shared/contract/errors';
import type { ProgressSnapshot } from '../../../shared/contract/events';
import { BRIDGE_PATHS, TOKEN_HEADER } from '../../../shared/rpc/bridge';
import { uiError } from './errors';
import { ProgressMeter } from '../../../shared/progress';

/**
 * Streams files dropped in a browser to the engine through the bridge (`PUT /upload`), one
 * after the other, with progress measured from the bytes the browser has actually sent. All
 * files of one drop share a batch folder, so a descriptor lands next to its extents.
 */

export interface UploadResult {
  path: string;
  folder: string;
  size: number;
}

export class UploadError extends Error {
  constructor(readonly value: EngineError) {
    super(value.message);
    this.name = 'UploadError';
  }
}

interface BridgeUploadReply {
  ok: boolean;
  path?: string;
  folder?: string;
  size?: number;
  error?: EngineError;
}

function parseReply(text: string): BridgeUploadReply | null {
  try {
    return JSON.parse(text) as BridgeUploadReply;
  } catch {
    return null;
  }
}

function uploadOne(file: File, batch: string, token: string, signal: AbortSignal, onBytes: (loaded: number) => void): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ batch, name: file.name });
    xhr.open('PUT', `${BRIDGE_PATHS.upload}?${query.toString()}`);
    xhr.setRequestHeader(TOKEN_HEADER, token);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.addEventListener('progress', (e) => onBytes(e.loaded));
    const abort = (): void => xhr.abort();
    signal.addEventListener('abort', abort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', abort);
    xhr.addEventListener('load', () => {
      settle();
      const reply = parseReply(xhr.responseText);
      if (xhr.status === 200 && reply?.ok && reply.path && reply.folder) {
        resolve({ path: reply.path, folder: reply.folder, size: reply.size ?? file.size });
        return;
      }
      if (reply?.error) return reject(new UploadError(reply.error));
      if (xhr.status === 403) {
        return reject(new UploadError(uiError('UPLOAD_REFUSED', `The engine refused the upload of ${file.name}.`, 'This page has no valid access token any more: open the URL that `hyper2kvm serve` printed again.', { details: { status: xhr.status } })));
      }
      reject(new UploadError(uiError('UPLOAD_FAILED', `The upload of ${file.name} failed (HTTP ${xhr.status}).`, 'Check that the engine is still running and has space for the file, then drop it again.', { details: { status: xhr.status } })));
    });
    xhr.addEventListener('error', () => {
      settle();
      reject(new UploadError(uiError('UPLOAD_FAILED', `The connection broke while uploading ${file.name}.`, 'Check that the engine is still running, then drop the file again.')));
    });
    xhr.addEventListener('abort', () => {
      settle();
      reject(new UploadError(uiError('CANCELLED', 'The upload was cancelled.', 'Drop the files again when you are ready.')));
    });
    xhr.send(file);
  });
}

export async function uploadBatch(
  files: readonly File[],
  batch: string,
  token: string,
  signal: AbortSignal,
  onProgress: (snapshot: ProgressSnapshot) => void,
): Promise<UploadResult[]> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const meter = new ProgressMeter(total);
  let before = 0;
  const results: UploadResult[] = [];
  onProgress(meter.update(0, files[0]?.name));
  for (const file of files) {
    results.push(await uploadOne(file, batch, token, signal, (loaded) => onProgress(meter.update(before + loaded, file.name))));
    before += file.size;
    onProgress(meter.update(before, file.name));
  }
  return results;
}
