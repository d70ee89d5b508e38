import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CallInput } from '../../../shared/contract/api';
import { isCancelled, RemoteError, RpcClient } from '../../../shared/rpc/client';
import { websocketChannel } from '../../../shared/rpc/websocket';
import { startBridge } from '../../../electron/bridge/server';
import type { Bridge } from '../../../electron/bridge/server';
import { EngineFailure } from '../../../electron/engine/core/errors';
import { createEngine } from '../../../electron/engine/service';
import type { Engine } from '../../../electron/engine/service';
import { isRunning, processesMatching, waitUntil } from '../../support/processes';
import { qemuImg } from '../../support/sources';

/**
 * Cancellation per call (issue 14) for the source planner: `source.plan` and `convert.preview`
 * run qemu-img (info, check and measure at once) on every disk, and cancelling the call must
 * kill those processes, not leave them running for nobody.
 *
 * What keeps qemu-img busy for real: a qcow2 overlay whose backing file is a named pipe. The
 * planner itself reads only the overlay (its first bytes and its size); qemu-img opens the
 * backing chain and blocks in open(2) until a writer appears, which never happens, just as it
 * would on a backing file behind a stalled network share. Without the call's signal reaching the
 * tool runner, the three qemu-img processes stay there for ever.
 */

let work: string;
/** The stalled overlays made so far (each test has its own, so one failure cannot spill over). */
const overlays: string[] = [];
/** A plain image, planned after a cancel to show the engine still answers. */
let plain: string;
let engine: Engine;
let bridge: Bridge;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'h2k-plan-cancel-'));
  mkdirSync(join(work, 'static'));
  plain = join(work, 'plain.qcow2');
  qemuImg(['create', '-q', '-f', 'qcow2', plain, '64M']);
  engine = createEngine({ transport: 'websocket', version: 'test', jobsDir: join(work, 'jobs'), appHome: join(work, 'home'), defaultOutDir: join(work, 'out') });
  bridge = await startBridge({ engine, staticDir: join(work, 'static'), uploadsDir: join(work, 'uploads'), log: () => undefined });
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await bridge?.close();
  await engine?.shutdown();
  // When a test failed because the signal did not reach qemu-img, its processes are still
  // blocked on the pipe: end exactly those (by pid) so that they do not outlive the run.
  for (const overlay of overlays) for (const pid of planners(overlay)) process.kill(pid, 'SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openClient(): Promise<RpcClient> {
  const socket = new WebSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, { headers: { origin: bridge.url } });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return new RpcClient(websocketChannel(socket));
}

/**
 * A qcow2 overlay whose backing file is a named pipe nobody writes to. Its path, unique to this
 * run, names the qemu-img processes working on it in /proc.
 */
function stalledOverlay(name: string): string {
  const pipe = join(work, `${name}-stalled-share-base.raw`);
  execFileSync('/usr/bin/mkfifo', [pipe]);
  const overlay = join(work, `${name}-stalled-overlay.qcow2`);
  // -u: create without opening the backing file (opening it would block this very command).
  qemuImg(['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', pipe, '-u', overlay, '64M']);
  overlays.push(overlay);
  return overlay;
}

/** The qemu-img processes working on an overlay right now. */
function planners(overlay: string): number[] {
  return processesMatching(overlay)
    .filter((p) => p.cmdline.includes('qemu-img'))
    .map((p) => p.pid);
}

/** qemu-img info, check and measure run at once on the disk (see probeDisk). */
const PROBES = 3;

type PlanCall = 'source.plan' | 'convert.preview';
const calls: Array<[PlanCall, (overlay: string) => CallInput<PlanCall>]> = [
  ['source.plan', (overlay) => ({ path: overlay })],
  ['convert.preview', (overlay) => ({ source: overlay, options: { outDir: join(work, 'out') } })],
];

describe('cancelling a source plan kills its qemu-img processes', () => {
  it.each(calls)('%s through the WebSocket bridge: the client rejects with CANCELLED and every qemu-img it started is gone', async (method, input) => {
    const stalled = stalledOverlay(method);
    const client = await openClient();
    const controller = new AbortController();
    const pending = client.call(method, input(stalled) as never, { signal: controller.signal }).catch((e: unknown) => e);

    expect(await waitUntil(() => planners(stalled).length === PROBES, 10_000)).toBe(true);
    const pids = planners(stalled);
    // Blocked on the pipe, nothing ends by itself: the control for what the cancel must change.
    await new Promise((r) => setTimeout(r, 500));
    expect(pids.every(isRunning)).toBe(true);

    controller.abort();
    const error = await pending;
    expect(error).toBeInstanceOf(RemoteError);
    expect(isCancelled(error)).toBe(true);
    // SIGTERM ends qemu-img at once; the runner's SIGKILL would only come after 3 s.
    expect(await waitUntil(() => !pids.some(isRunning), 2000)).toBe(true);
    expect(planners(stalled)).toEqual([]);

    // The engine and the connection still answer: a readable image is planned as before.
    const plan = await client.call('source.plan', { path: plain });
    expect(plan.kind).toBe('image');
    expect(plan.disks[0]?.virtualSize).toBe(64 * 1024 * 1024);
    client.close();
  });

  it('the handler itself rejects with the engine\'s CANCELLED error, and only once its qemu-img processes have exited', async () => {
    const stalled = stalledOverlay('handler');
    const controller = new AbortController();
    let settled = false;
    const pending = engine.handlers['source.plan']({ path: stalled }, { signal: controller.signal }).then(
      () => new Error('the plan of a disk whose backing file never opens resolved'),
      (e: unknown) => e,
    );
    void pending.finally(() => (settled = true));

    expect(await waitUntil(() => planners(stalled).length === PROBES, 10_000)).toBe(true);
    const pids = planners(stalled);
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);

    controller.abort();
    // Bounded: a handler that ignores the signal would wait on the pipe for ever.
    const error = await Promise.race([pending, new Promise((r) => setTimeout(() => r(new Error('the handler did not settle within 5 s of the cancel')), 5000))]);
    // The runner waits for a killed tool to exit before it rejects: nothing is left at that moment.
    const leftAtRejection = pids.filter(isRunning);
    expect(error).toBeInstanceOf(EngineFailure);
    expect((error as EngineFailure).value.code).toBe('CANCELLED');
    expect(leftAtRejection).toEqual([]);
  });
});
