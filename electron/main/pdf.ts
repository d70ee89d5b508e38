import { BrowserWindow } from 'electron';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PdfPrinter } from '../engine/report/pdf';

/**
 * Reports print to PDF with the app's own Chromium (no second browser needed): the report's
 * self-contained HTML is loaded from a temporary file into a hidden window that is sandboxed,
 * has JavaScript off and no preload (so it cannot reach the engine), and is destroyed after.
 * A file rather than a data: URL, because Chromium caps URLs at 2 MB and a report with
 * screenshots or thousands of packages is larger.
 */
export function electronPdfPrinter(): PdfPrinter {
  return async (html, { signal }) => {
    signal?.throwIfAborted();
    const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-pdf-'));
    const page = join(dir, 'report.html');
    const window = new BrowserWindow({
      show: false,
      webPreferences: {
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        javascript: false,
        webSecurity: true,
        spellcheck: false,
        webviewTag: false,
      },
    });
    const stop = (): void => window.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      await writeFile(page, html);
      await window.loadFile(page);
      return await window.webContents.printToPDF({ printBackground: true, pageSize: 'A4', generateDocumentOutline: true });
    } finally {
      signal?.removeEventListener('abort', stop);
      if (!window.isDestroyed()) window.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  };
}
