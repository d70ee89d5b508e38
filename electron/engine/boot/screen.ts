import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { LibvirtConnection } from '../../../shared/contract/models/libvirt';
import type { ToolRunner } from '../core/tool-runner';
import { screenshot } from '../libvirt/virsh';
import { isPng, isPpm, ppmToPng } from './png';

export interface Shot {
  path: string;
  /** Hash of the image bytes: an unchanged screen is not read twice. */
  digest: string;
}

/** Takes a screenshot as PNG at `path` (converting PPM when the hypervisor gives that). */
export async function takeScreenshot(tools: ToolRunner, connection: LibvirtConnection, domain: string, path: string, signal?: AbortSignal): Promise<Shot> {
  await screenshot({ tools, ...(signal ? { signal } : {}) }, connection, domain, path);
  const raw = await readFile(path);
  let data: Uint8Array = raw;
  if (!isPng(raw)) {
    if (!isPpm(raw)) {
      await rm(path, { force: true });
      throw new Error('the screenshot is neither PNG nor PPM');
    }
    data = ppmToPng(raw);
    await writeFile(path, data);
  }
  return { path, digest: createHash('sha256').update(data).digest('hex') };
}

/**
 * Reads the text on a screenshot with tesseract. One thread: the guest needs the other core,
 * and a screen of console text takes about a second either way.
 */
export async function readScreen(tools: ToolRunner, path: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await tools.run('tesseract', [path, 'stdout', '--psm', '6'], {
    ...(signal ? { signal } : {}),
    env: { OMP_THREAD_LIMIT: '1' },
  });
  return stdout;
}
