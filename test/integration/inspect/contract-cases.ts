import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { MethodName } from '../../../shared/contract/api';
import type { JobEvent } from '../../../shared/contract/events';
import type { InspectionReport } from '../../../shared/contract/models/inspection';
import type { RemoteError, RpcClient } from '../../../shared/rpc/client';
import { LocalToolRunner } from '../../../electron/engine/core/tool-runner';

/**
 * The contract cases of the inspection calls (contract.test.ts merges them). One real
 * inspection serves both transports (an appliance launch costs ~30 s here): the first
 * transport's `inspect.start` case starts it, the other cases of both transports read its job.
 * Its disk is blank, so the report is the "no operating system" one — the calls are what is
 * tested here; the report's content is tested in this folder's other files.
 */

interface InspectCtx {
  work: string;
  events: JobEvent[];
}
type InspectCase = (client: RpcClient, ctx: InspectCtx) => Promise<void>;
type InspectMethod = Extract<MethodName, `inspect.${string}`>;

let inspected: Promise<{ jobId: string; report: InspectionReport; reportPath: string }> | null = null;
let counter = 0;

async function waitForEnd(events: JobEvent[], jobId: string, seconds = 300): Promise<JobEvent> {
  for (let i = 0; i < seconds * 20; i++) {
    const end = events.find((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'failed' || e.type === 'cancelled'));
    if (end) return end;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not end`);
}

function failure(error: unknown): RemoteError['value'] {
  return (error as RemoteError).value;
}

function realInspection(client: RpcClient, ctx: InspectCtx): Promise<{ jobId: string; report: InspectionReport; reportPath: string }> {
  inspected ??= (async () => {
    const disk = join(ctx.work, 'inspect-blank.raw');
    await new LocalToolRunner().run('qemu-img', ['create', '-q', '-f', 'raw', disk, '32M']);
    const { jobId } = await client.call('inspect.start', { disks: [{ path: disk, format: 'raw' }] });
    const end = await waitForEnd(ctx.events, jobId);
    expect(end.type, JSON.stringify(end)).toBe('done');
    const report = (end as Extract<JobEvent, { type: 'done' }>).result as InspectionReport;
    const { jobsDir } = await client.call('app.info', {});
    return { jobId, report, reportPath: join(jobsDir, jobId, 'inspection.json') };
  })();
  return inspected;
}

const out = (ctx: InspectCtx, ext: string): string => join(ctx.work, `export-${++counter}.${ext}`);

export const inspectCases: Record<InspectMethod, InspectCase> = {
  'inspect.start': async (client, ctx) => {
    const { report, reportPath } = await realInspection(client, ctx);
    expect(report.os.type).toBe('unknown');
    expect(report.findings.map((f) => f.code)).toContain('NO_OS_FOUND');
    expect(report.disks).toEqual([expect.objectContaining({ id: 'disk1', format: 'raw', virtualSize: 32 * 1024 * 1024 })]);
    expect(existsSync(reportPath)).toBe(true);
    // A disk that is not there: the job fails with a bad-input error, before any appliance starts.
    const { jobId } = await client.call('inspect.start', { disks: [{ path: join(ctx.work, 'no-such-disk.vmdk') }] });
    const end = await waitForEnd(ctx.events, jobId, 60);
    expect(end).toMatchObject({ type: 'failed', error: { code: 'INSPECT_DISK_UNREADABLE', kind: 'bad-input' } });
    expect(failure(await client.call('inspect.start', { disks: [] }).catch((e: unknown) => e)).code).toBe('INVALID_REQUEST');
  },
  'inspect.report': async (client, ctx) => {
    const { jobId, report } = await realInspection(client, ctx);
    expect(await client.call('inspect.report', { jobId })).toEqual(report);
    const missing = await client.call('inspect.report', { jobId: 'not-a-job-1' }).catch((e: unknown) => e);
    expect(failure(missing)).toMatchObject({ code: 'INSPECT_REPORT_NOT_FOUND', kind: 'bad-input' });
  },
  'inspect.estimate': async (client, ctx) => {
    // After a real inspection, the estimate rests on its measured launch.
    await realInspection(client, ctx);
    const estimate = await client.call('inspect.estimate', {});
    expect(estimate.measured).toBeGreaterThanOrEqual(1);
    expect(estimate.launchSeconds).toBeGreaterThan(0);
    const { jobsDir } = await client.call('app.info', {});
    expect(existsSync(join(jobsDir, '..', 'measurements', 'inspection-appliance.json'))).toBe(true);
  },
  'inspect.open': async (client, ctx) => {
    const { report, reportPath } = await realInspection(client, ctx);
    expect(await client.call('inspect.open', { path: reportPath })).toEqual(report);
    const other = join(ctx.work, 'not-a-report.json');
    writeFileSync(other, '{"hello":"world"}');
    expect(failure(await client.call('inspect.open', { path: other }).catch((e: unknown) => e))).toMatchObject({ code: 'INSPECT_REPORT_INVALID', kind: 'bad-input' });
    expect(failure(await client.call('inspect.open', { path: 'relative.json' }).catch((e: unknown) => e)).code).toBe('INVALID_REQUEST');
  },
  'inspect.exportHtml': async (client, ctx) => {
    const { jobId } = await realInspection(client, ctx);
    const target = out(ctx, 'html');
    const written = await client.call('inspect.exportHtml', { source: { jobId }, out: target });
    const html = readFileSync(target, 'utf8');
    expect(written).toEqual({ path: target, bytes: Buffer.byteLength(html) });
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('No operating system found');
    const again = await client.call('inspect.exportHtml', { source: { jobId }, out: target }).catch((e: unknown) => e);
    expect(failure(again)).toMatchObject({ code: 'OUTPUT_EXISTS', kind: 'bad-input' });
    expect((await client.call('inspect.exportHtml', { source: { jobId }, out: target, overwrite: true })).path).toBe(target);
  },
  'inspect.exportPdf': async (client, ctx) => {
    // The report itself as the source: what a browser sends for a file it opened locally.
    const { report } = await realInspection(client, ctx);
    const target = out(ctx, 'pdf');
    const written = await client.call('inspect.exportPdf', { source: { report }, out: target });
    expect(written.bytes).toBe(readFileSync(target).length);
    expect(readFileSync(target).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(execFileSync('/usr/bin/pdftotext', [target, '-'], { encoding: 'utf8' })).toContain('No operating system found');
  },
  'inspect.exportJson': async (client, ctx) => {
    const { report, reportPath } = await realInspection(client, ctx);
    const target = out(ctx, 'json');
    await client.call('inspect.exportJson', { source: { path: reportPath }, out: target });
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual(report);
    // A folder that does not exist yet is made; a file where the folder should be is named.
    const fresh = join(out(ctx, 'folder'), 'r.json');
    await client.call('inspect.exportJson', { source: { path: reportPath }, out: fresh });
    expect(JSON.parse(readFileSync(fresh, 'utf8'))).toEqual(report);
    const blocked = await client.call('inspect.exportJson', { source: { path: reportPath }, out: join(target, 'r.json') }).catch((e: unknown) => e);
    expect(failure(blocked).code).toBe('IO_FAILED');
    expect(failure(blocked).message).toContain(`${target} is a file, not a folder`);
  },
};
