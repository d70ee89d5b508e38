import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Small helpers shared by the benchmarks: timing, medians, peak memory of a child process. */

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface TimedRun {
  seconds: number;
  exitCode: number;
  /** Peak resident set of the process itself (VmHWM), in bytes; children not included. */
  peakRssBytes: number;
  stdout: string;
  stderr: string;
}

/** Peak RSS so far of a live process, from /proc (0 once it is gone). */
function peakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs a command, timing it from spawn to exit and sampling its peak RSS until it ends. */
export function timed(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const sampler = setInterval(() => {
      if (child.pid) peak = Math.max(peak, peakRss(child.pid));
    }, 50);
    child.on('error', reject);
    // 'exit' fires before the process is reaped, so one last /proc read still sees it.
    child.on('exit', () => {
      if (child.pid) peak = Math.max(peak, peakRss(child.pid));
    });
    child.on('close', (code) => {
      clearInterval(sampler);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ seconds, exitCode: code ?? -1, peakRssBytes: peak, stdout, stderr });
    });
  });
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
