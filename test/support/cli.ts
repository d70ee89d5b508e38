import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../electron/cli/main';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_BIN = join(REPO_ROOT, 'bin', 'hyper2kvm.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (with --json). */
  lines: Array<Record<string, unknown>>;
  /** The last JSON line, the command's result. */
  result: Record<string, unknown> & { ok?: boolean; error?: { code: string; kind: string; message: string; hint: string } };
}

function parseLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs the CLI in this process (same code path as `npx hyper2kvm`, minus process start-up). */
export async function runCliInProcess(args: string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(args, { json: args.includes('--json'), stdout, stderr });
  const lines = args.includes('--json') ? parseLines(out) : [];
  return { code, stdout: out, stderr: err, lines, result: (lines.at(-1) ?? {}) };
}

export interface CliProcessOptions {
  env?: Record<string, string>;
  /** Called for each stdout line as it arrives (e.g. to send SIGINT at some progress). */
  onLine?: (line: Record<string, unknown>, child: ReturnType<typeof spawn>) => void;
}

/** Runs the real `bin/hyper2kvm.mjs` in a child process (exit codes, signals, bundling). */
export function runCliProcess(args: string[], options: CliProcessOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let pending = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      pending += c.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        if (!part.trim() || !options.onLine) continue;
        try {
          options.onLine(JSON.parse(part) as Record<string, unknown>, child);
        } catch {
          // not JSON (human output)
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = args.includes('--json') ? parseLines(out) : [];
      resolve({ code: code ?? (signal ? 128 : 1), stdout: out, stderr: err, lines, result: (lines.at(-1) ?? {}) });
    });
  });
}
