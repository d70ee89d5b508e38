import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HelperMessage } from '../../../shared/contract/helper';
import { CONFIG_OVERRIDE_VARIABLE } from '../../../electron/helper/startup';
import { cachedFixture } from '../../fixtures/cache';
import { repoRoot } from '../../fixtures/cache-dir';
import { runTool } from '../../fixtures/tools';

/**
 * Test support for the privileged helper: the program to run, a raw line-level connection to
 * it, temporary allowed roots, and the disks to convert.
 */

let bundled: Promise<string> | null = null;

/**
 * The helper as it ships: dist/helper/helper.mjs when the build ran (`npm test` builds first),
 * otherwise the same bundle built here with the build script's settings.
 */
export function helperScript(): Promise<string> {
  bundled ??= (async () => {
    const dist = join(repoRoot(), 'dist', 'helper', 'helper.mjs');
    if (existsSync(dist)) return dist;
    const outdir = mkdtempSync(join(tmpdir(), 'h2k-helper-bundle-'));
    chmodSync(outdir, 0o755);
    const outfile = join(outdir, 'helper.mjs');
    await build({
      absWorkingDir: repoRoot(),
      entryPoints: ['electron/helper/main.ts'],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'warning',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return outfile;
  })();
  return bundled;
}

/** A folder the helper may write into, described by a root-owned config file (the test-only override). */
export interface AllowedRoot {
  /** The allowed root. */
  root: string;
  /** A folder next to it, outside every allowed root. */
  outside: string;
  /** The config file naming `root`. */
  config: string;
  env: Record<string, string>;
}

export function makeAllowedRoot(base: string): AllowedRoot {
  const root = join(base, 'images');
  const outside = join(base, 'outside');
  for (const dir of [root, outside]) {
    mkdirSync(dir);
    // Explicit, not left to the umask: the helper refuses folders others can write.
    chmodSync(dir, 0o755);
  }
  const config = join(base, 'helper.json');
  writeFileSync(config, `${JSON.stringify({ allowedRoots: [root] })}\n`, { mode: 0o644 });
  return { root, outside, config, env: { [CONFIG_OVERRIDE_VARIABLE]: config } };
}

/** The helper on the other end of a pipe, spoken to line by line (for the negative cases). */
export class RawHelper {
  readonly messages: HelperMessage[] = [];
  readonly unparsed: string[] = [];
  stderr = '';
  private buffer = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      for (const line of lines) {
        let parsed;
        try {
          parsed = HelperMessage.safeParse(JSON.parse(line));
        } catch {
          parsed = null;
        }
        if (parsed?.success) this.messages.push(parsed.data);
        else this.unparsed.push(line);
      }
      this.wake();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => {
      this.wake();
      resolve({ code, signal });
    }));
  }

  static async start(env: Record<string, string>): Promise<RawHelper> {
    const script = await helperScript();
    return new RawHelper(spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  send(line: string | Buffer): void {
    this.child.stdin.write(line);
  }

  results(id: number | null): HelperMessage[] {
    return this.messages.filter((m) => m.type === 'result' && m.id === id);
  }

  /** Waits until `count` result lines with this id have arrived. */
  async waitForResults(id: number | null, count = 1, timeoutMs = 30_000): Promise<HelperMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.results(id).length < count) {
      if (Date.now() > deadline) throw new Error(`No result for id ${id} within ${timeoutMs} ms. stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.results(id);
  }

  async close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.stdin.end();
    return this.exited;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Processes whose command line mentions `needle` (qemu-img left behind, for instance). */
export function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A 64 MiB monolithicSparse VMDK with data in a few places, holes and zeros elsewhere. */
export async function smallVmdk(): Promise<string> {
  const fixture = await cachedFixture('helper-small-vmdk', { size: 64 * 1024 * 1024, subformat: 'monolithicSparse', version: 1 }, async (dir) => {
    const raw = join(dir, 'disk.raw');
    const handle = await open(raw, 'w');
    await handle.truncate(64 * 1024 * 1024);
    for (const offset of [0, 5 * 1024 * 1024, 33 * 1024 * 1024 + 4096, 63 * 1024 * 1024]) {
      await handle.write(randomBytes(512 * 1024), 0, 512 * 1024, offset);
    }
    await handle.close();
    await runTool('qemu-img', ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, join(dir, 'disk.vmdk')]);
    await runTool('qemu-img', ['info', join(dir, 'disk.vmdk')]);
    await rm(raw);
    return { file: 'disk.vmdk' };
  });
  return join(fixture.dir, fixture.manifest.facts.file);
}

/**
 * 512 MiB of random bytes as a raw disk: compressing it to qcow2 takes qemu-img several
 * seconds here, long enough to cancel in the middle.
 */
export async function bigRandomDisk(): Promise<string> {
  const size = 512 * 1024 * 1024;
  const fixture = await cachedFixture('helper-random-raw', { size, version: 1 }, async (dir) => {
    const handle = await open(join(dir, 'random.raw'), 'w');
    const chunk = 8 * 1024 * 1024;
    for (let offset = 0; offset < size; offset += chunk) await handle.write(randomBytes(chunk), 0, chunk, offset);
    await handle.close();
    return { file: 'random.raw' };
  });
  return join(fixture.dir, fixture.manifest.facts.file);
}
