import type { DroppedFile } from '../features/convert/source-choice';

/** A dropped or picked file with where it sat in the dropped folder. */
export interface DroppedItem extends DroppedFile {
  file: File;
}

/**
 * What a drop or a pick gave us: real paths when the page can know them (Electron), else the
 * files themselves (a browser: they are streamed to the engine).
 */
export type DropInput = { kind: 'paths'; paths: string[] } | { kind: 'files'; items: DroppedItem[] };

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call: keep reading until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = (): void =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(all);
        all.push(...batch);
        next();
      }, reject);
    next();
  });
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: DroppedItem[]): Promise<void> {
  if (entry.isFile) {
    const file = await entryFile(entry as FileSystemFileEntry);
    out.push({ file, name: file.name, size: file.size, relativePath: entry.fullPath.replace(/^\/+/, '') });
    return;
  }
  if (entry.isDirectory) {
    for (const child of await readAllEntries((entry as FileSystemDirectoryEntry).createReader())) await walk(child, out);
  }
}

/**
 * Reads a drop. Must be called synchronously inside the drop handler: the browser empties the
 * DataTransfer once the handler returns, so entries and files are taken first, read later.
 */
export function takeDrop(transfer: DataTransfer, pathForFile: ((file: File) => string) | null): () => Promise<DropInput> {
  const files = Array.from(transfer.files);
  if (pathForFile) {
    const paths = files.map((f) => pathForFile(f));
    return () => Promise.resolve({ kind: 'paths', paths });
  }
  const entries = Array.from(transfer.items)
    .filter((item) => item.kind === 'file')
    .map((item) => (typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null));
  const hasFolder = entries.some((e) => e?.isDirectory);
  return async () => {
    if (!hasFolder) return { kind: 'files', items: files.map((file) => ({ file, name: file.name, size: file.size, relativePath: file.name })) };
    const items: DroppedItem[] = [];
    for (const entry of entries) if (entry) await walk(entry, items);
    return { kind: 'files', items };
  };
}

/** Files from an <input type=file> (with `webkitdirectory`, they carry their folder path). */
export function takePicked(list: FileList, pathForFile: ((file: File) => string) | null): DropInput {
  const files = Array.from(list);
  if (pathForFile) {
    const first = files[0];
    if (first?.webkitRelativePath.includes('/')) {
      // A picked folder arrives as every file inside it: the folder itself is the source.
      const full = pathForFile(first);
      const root = full.slice(0, full.length - first.webkitRelativePath.length) + first.webkitRelativePath.split('/')[0]!;
      return { kind: 'paths', paths: [root] };
    }
    return { kind: 'paths', paths: files.map((f) => pathForFile(f)) };
  }
  return { kind: 'files', items: files.map((file) => ({ file, name: file.name, size: file.size, relativePath: file.webkitRelativePath || file.name })) };
}
