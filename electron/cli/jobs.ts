import type { z } from 'zod';
import type { JobEvent } from '../../shared/contract/events';
import { fail } from '../engine/core/errors';
import { isTerminal } from '../../shared/contract/events';
import type { RpcClient } from '../../shared/rpc/client';
import { emitJson, humanEventPrinter } from './io';
import type { CliIo } from './io';

export type TerminalEvent = Extract<JobEvent, { type: 'done' | 'failed' | 'cancelled' }>;

/**
 * Starts a job and follows it to its end, printing its events (JSON lines or a progress line).
 * Ctrl-C cancels the job and waits for its cleanup, so the command exits with nothing left behind.
 */
export async function followJob(
  client: RpcClient,
  io: CliIo,
  start: () => Promise<{ jobId: string }>,
  /** How events are shown to a person, for jobs whose progress is not in bytes. */
  humanPrinter: (event: JobEvent) => void = humanEventPrinter(io),
): Promise<TerminalEvent> {
  const early: JobEvent[] = [];
  let jobId: string | null = null;
  const print = io.json ? (event: JobEvent) => emitJson(io, event) : humanPrinter;
  let finish: (event: TerminalEvent) => void = () => undefined;
  const finished = new Promise<TerminalEvent>((resolve) => (finish = resolve));
  const handle = (event: JobEvent): void => {
    print(event);
    if (isTerminal(event)) finish(event as TerminalEvent);
  };
  const stop = client.onJobEvent((event) => {
    if (jobId === null) early.push(event);
    else if (event.jobId === jobId) handle(event);
  });
  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    if (interrupted > 1) process.exit(130); // a second Ctrl-C means "now"
    io.stderr.write('\nCancelling: stopping the tools and removing partial files…\n');
    if (jobId) void client.call('jobs.cancel', { jobId }).catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const started = await start();
    jobId = started.jobId;
    for (const event of early.splice(0)) if (event.jobId === jobId) handle(event);
    if (interrupted) void client.call('jobs.cancel', { jobId }).catch(() => undefined);
    return await finished;
  } finally {
    stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * A finished job's result, checked against its kind's schema where it is read (the engine sends
 * it as `unknown` over every transport): a result that does not fit the contract is our bug, and
 * is said so with what did not fit, never used half-understood.
 */
export function resultOf<S extends z.ZodType>(end: Extract<TerminalEvent, { type: 'done' }>, schema: S): z.output<S> {
  const parsed = schema.safeParse(end.result);
  if (parsed.success) return parsed.data;
  return fail('INTERNAL', `The result of job ${end.jobId} does not fit the contract: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}.`, 'This is a bug in hyper2kvm: please report it with the job record.', {
    details: { jobId: end.jobId, issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}
