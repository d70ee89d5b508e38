import { fail } from '../engine/core/errors';
import type { ToolRunner } from '../engine/core/tool-runner';
import { HELPER_PATH_REFUSED } from '../engine/privilege/error-codes';
import { helperToolRunner } from './runner';

/**
 * The user a helper session works for: the one who ran pkexec, or root when root started the
 * helper directly. Every tool that touches a source or an output runs with this user's ids, and
 * every file the helper creates belongs to this user: root lends its right to create files in
 * the image folders, never its right to read or to write file contents.
 */
export interface Invoker {
  uid: number;
  gid: number;
}

export const ROOT_INVOKER: Invoker = { uid: 0, gid: 0 };

/** The tool runner for this invoker: setpriv with the user's ids and groups, or plain root. */
export function invokerToolRunner(tools: ToolRunner, invoker: Invoker): ToolRunner {
  return helperToolRunner(tools, invoker.uid === 0 ? null : invoker);
}

/** Looks the user up once per session (the name service, so LDAP users work too). */
export function invokerLookup(tools: ToolRunner, invokingUid: number | null): (signal: AbortSignal) => Promise<Invoker> {
  let found: Promise<Invoker> | null = null;
  return (signal) => {
    if (invokingUid === null || invokingUid === 0) return Promise.resolve(ROOT_INVOKER);
    found ??= primaryGroup(tools, invokingUid, signal).then(
      (gid) => ({ uid: invokingUid, gid }),
      (error: unknown) => {
        found = null;
        throw error;
      },
    );
    return found;
  };
}

async function primaryGroup(tools: ToolRunner, uid: number, signal: AbortSignal): Promise<number> {
  const { stdout } = await tools.run('getent', ['passwd', String(uid)], {
    signal,
    failureCode: HELPER_PATH_REFUSED,
    failureHint: 'The helper works with the rights of the user who started it, and that user is unknown to this system.',
  });
  const gid = Number(stdout.split(':')[3]);
  if (!Number.isInteger(gid) || gid < 0) fail(HELPER_PATH_REFUSED, `Refused: cannot find the group of user ${uid}.`, 'Check the user account (getent passwd).', { details: { uid } });
  return gid;
}
