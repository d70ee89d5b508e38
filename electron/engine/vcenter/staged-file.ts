import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import { cancelledError, EngineFailure } from '../core/errors';
import type { DatastoreLocation } from '../vsphere/datastore-download';
import { partPath } from '../vsphere/datastore-download';
import './error-codes';

/**
 * One datastore file being copied into the staging folder while the converter already reads
 * it: how many bytes are on disk (valid, in order), who waits for more, and what has been
 * handed out. A reader that asked for bytes the download has not reached yet waits here.
 */
export class StagedFile {
  #available = 0;
  #complete = false;
  #failure: EngineError | undefined;
  /** Highest byte (exclusive) handed to a reader from the local copy. */
  #servedEnd = 0;
  readonly #waiters = new Set<{ until: number; resolve: () => void; reject: (error: EngineFailure) => void }>();
  readonly #listeners = new Set<() => void>();

  constructor(
    /** "[ds] folder/file.vmdk" */
    readonly dsPath: string,
    readonly location: DatastoreLocation,
    /** Full size, from the server. */
    readonly size: number,
    /** Where the complete file ends up; bytes arrive in `${path}.part` until then. */
    readonly path: string,
    /** Which disk (lane) downloads it. */
    readonly diskId: string,
  ) {}

  /**
   * What a reader gets instead of the bytes on the datastore: a rewritten text descriptor (whole)
   * or a rewritten embedded descriptor (patched over the file's bytes). See chain-plan.ts.
   */
  served: { kind: 'text'; text: Buffer } | { kind: 'embedded'; offset: number; bytes: Buffer } | null = null;

  /** The size a reader sees. */
  get servedSize(): number {
    return this.served?.kind === 'text' ? this.served.text.length : this.size;
  }

  get partPath(): string {
    return partPath(this.path);
  }

  /**
   * Opens the bytes on disk for reading: the .part while the file downloads, the file itself once
   * complete. The download renames one into the other when it ends, perhaps between the check
   * and the open, so the other name is tried too. The handle stays valid across the rename.
   */
  async open(): Promise<FileHandle> {
    const first = this.complete ? this.path : this.partPath;
    try {
      return await open(first, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return open(first === this.path ? this.partPath : this.path, 'r');
    }
  }

  get available(): number {
    return this.#complete ? this.size : this.#available;
  }

  get complete(): boolean {
    return this.#complete;
  }

  get failure(): EngineError | undefined {
    return this.#failure;
  }

  /** Valid bytes now on disk. A smaller number than before means the download started over. */
  setAvailable(bytes: number): void {
    if (this.#failure) return;
    if (bytes < this.#available && bytes < this.#servedEnd) {
      // The converter has already read bytes that are now being replaced: what it read may not
      // match the file any more, so this copy cannot be trusted.
      this.fail(
        engineError('VCENTER_SOURCE_CHANGED', `${this.dsPath} changed on the datastore while it was being copied.`, 'Power the VM off (or take a snapshot so the disk stops changing), then start the migration again.', {
          details: { file: this.dsPath, bytesAlreadyConverted: this.#servedEnd, restartedAt: bytes },
        }),
      );
      return;
    }
    this.#available = Math.min(bytes, this.size);
    this.#wake();
  }

  markComplete(): void {
    this.#complete = true;
    this.#available = this.size;
    this.#wake();
  }

  /** Ends every wait with this error (the download failed or the job was cancelled). */
  fail(error: EngineError): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const waiter of this.#waiters) waiter.reject(new EngineFailure(error));
    this.#waiters.clear();
    for (const listener of this.#listeners) listener();
  }

  noteServed(end: number): void {
    if (end > this.#servedEnd) this.#servedEnd = end;
  }

  /** Called on every change (bytes, completion, failure). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once bytes [0, until) are on disk. */
  waitFor(until: number, signal?: AbortSignal): Promise<void> {
    if (this.#failure) return Promise.reject(new EngineFailure(this.#failure));
    if (this.available >= until) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        until,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error: EngineFailure) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        reject(new EngineFailure(cancelledError()));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #wake(): void {
    const available = this.available;
    for (const waiter of this.#waiters) {
      if (waiter.until <= available) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
    for (const listener of this.#listeners) listener();
  }
}
