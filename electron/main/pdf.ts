import { BrowserWindow, session } from 'electron';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PdfPrinter } from '../engine/report/pdf';
import { allowPermission, allowRequest } from './policy';

/**
 * Reports print to PDF with the app's own Chromium (no second browser needed): the report's
 * self-contained HTML is loaded from a temporary file into a hidden window that is sandboxed,
 * has JavaScript off and no preload (so it cannot reach the engine), and is destroyed after.
 * A file rather than a data: URL, because Chromium caps URLs at 2 MB and a report with
 * screenshots or thousands of packages is larger. The window has an in-memory session of its
 * own, which loads that one file (and the data: images inside it) and nothing else: the app's
 * session only loads the app's own files.
 */
export function electronPdfPrinter(): PdfPrinter {
  return async (html, { signal }) => {
    signal?.throwIfAborted();
    const dir = await mkdtemp(join(tmpdir(), 'hyper2kvm-pdf-'));
    const page = join(dir, 'report.html');
    const pageUrl = pathToFileURL(page).href;
    const printing = session.fromPartition(`hyper2kvm-pdf-${randomBytes(8).toString('hex')}`);
    printing.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !allowRequest(details.url, pageUrl) }));
    printing.setPermissionRequestHandler((_contents, permission, callback) => callback(allowPermission(permission)));
    printing.setPermissionCheckHandler((_contents, permission) => allowPermission(permission));
    const window = new BrowserWindow({
      show: false,
      webPreferences: {
        session: printing,
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
