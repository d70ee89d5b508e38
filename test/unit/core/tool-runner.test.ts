import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineSplitter, runCommand } from '../../../electron/engine/core/tool-runner';
import { failureOf } from '../../support/failures';
import { isRunning, waitUntil } from '../../support/processes';



describe('runCommand', () => {
  it('returns stdout and calls back per line, splitting on \\r too', async () => {
    const lines: string[] = [];
    const result = await runCommand('/bin/sh', ['-c', 'printf "a\\rb\\nc"'], { onStdoutLine: (l) => lines.push(l) });
    expect(result.stdout).toBe('a\rb\nc');
    expect(lines).toEqual(['a', 'b', 'c']);
  });

  it('turns a non-zero exit into an error value with the command, exit code and stderr tail', async () => {
    const error = await failureOf(runCommand('/bin/sh', ['-c', 'echo first >&2; echo "it broke" >&2; exit 3'], { failureHint: 'try again' }));
    expect(error).toMatchObject({
      code: 'TOOL_FAILED',
      kind: 'failure',
      message: 'sh failed: it broke',
      hint: 'try again',
      evidence: { command: ['/bin/sh', '-c', expect.any(String) as string], exitCode: 3, stderrTail: 'first\nit broke' },
    });
  });

  it('accepts the exit codes it is told are fine', async () => {
    const result = await runCommand('/bin/sh', ['-c', 'exit 2'], { okExitCodes: [0, 2] });
    expect(result.exitCode).toBe(2);
  });

  it('reports a tool that cannot start', async () => {
    const error = await failureOf(runCommand('/nonexistent/tool', []));
    expect(error.code).toBe('TOOL_FAILED');
    expect(error.message).toMatch(/Could not start tool/);
  });

  it('on abort kills the whole process group, children included, and says CANCELLED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h2k-run-'));
    const pidFile = join(dir, 'child.pid');
    const controller = new AbortController();
    const running = runCommand('/bin/sh', ['-c', `sleep 60 & echo $! > ${pidFile}; wait`], { signal: controller.signal });
    let childPid = 0;
    for (let i = 0; i < 100 && !childPid; i++) {
      await new Promise((r) => setTimeout(r, 20));
      childPid = Number(readFileSync(pidFile, { encoding: 'utf8', flag: 'a+' }).trim()) || 0;
    }
    expect(isRunning(childPid)).toBe(true);
    controller.abort();
    const error = await failureOf(running);
    expect(error.code).toBe('CANCELLED');
    expect(await waitUntil(() => !isRunning(childPid), 2000)).toBe(true);
  });
});

describe('lineSplitter', () => {
  it('joins partial chunks and flushes the rest', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('    (1.00/10');
    s.push('0%)\r    (2.');
    s.push('00/100%)\r\nend');
    s.flush();
    expect(lines).toEqual(['    (1.00/100%)', '    (2.00/100%)', 'end']);
  });
});
