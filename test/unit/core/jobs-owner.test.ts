import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobManager } from '../../../electron/engine/core/jobs';
import { procInfo } from '../../../electron/engine/core/processes';
import type { ToolRunner } from '../../../electron/engine/core/tool-runner';

const noTools: ToolRunner = { run: () => Promise.reject(new Error('no tools in this test')) };

describe('the job owner record (owner.json)', () => {
  for (const batch of [false, true]) {
    it(`names this process while the job runs${batch ? ' (batch-run)' : ''}, and is gone once job.json is written`, async () => {
      const jobsDir = mkdtempSync(join(tmpdir(), 'h2k-owner-'));
      const jobs = new JobManager({ jobsDir, tools: noTools });
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      const id = await jobs.start(
        { kind: 'convert', title: 'Convert x', stages: [], request: { source: '/x.vmdk', options: { outDir: '/out' } }, cli: ['hyper2kvm', 'convert', '/x.vmdk'], run: () => gate },
        batch ? { batch: true } : {},
      );
      const dir = join(jobsDir, id);
      const owner = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as Record<string, unknown>;
      expect(owner).toMatchObject({
        schema: 'hyper2kvm.job-owner/1',
        pid: process.pid,
        startTime: procInfo(process.pid)!.startTime,
        bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
        batch,
        cwd: process.cwd(),
        kind: 'convert',
        request: { source: '/x.vmdk', options: { outDir: '/out' } },
        cli: ['hyper2kvm', 'convert', '/x.vmdk'],
      });
      expect(existsSync(join(dir, 'job.json'))).toBe(false);
      release();
      await jobs.wait(id);
      expect(existsSync(join(dir, 'job.json'))).toBe(true);
      expect(existsSync(join(dir, 'owner.json'))).toBe(false);
    });
  }
});
