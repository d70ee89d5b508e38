import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { EngineFailure, fail } from '../core/errors';
import './error-codes';
import { networkErrorToError } from './network-errors';

/**
 * An optional probe of the vSphere Automation (REST) API: whether a session can be created with
 * these credentials, and under which path (`/api` on vSphere 7+, `/rest` on 6.5+). The session
 * is deleted right away; its id is a credential and never leaves this function.
 */

export type RestFlavour = 'api' | 'rest';

export interface RestProbeOptions {
  origin: string;
  server: string;
  dispatcher: Dispatcher;
  user: string;
  password: string;
  signal?: AbortSignal;
}

const ENDPOINTS: { flavour: RestFlavour; path: string }[] = [
  { flavour: 'api', path: '/api/session' },
  { flavour: 'rest', path: '/rest/com/vmware/cis/session' },
];

/** `"abc"` (vSphere 7 /api) or `{"value":"abc"}` (/rest) → abc */
export function restSessionIdFrom(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'string') return parsed;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { value?: unknown }).value === 'string') return (parsed as { value: string }).value;
  } catch {
    // not JSON
  }
  return undefined;
}

export async function probeRestSession(options: RestProbeOptions): Promise<{ flavour: RestFlavour | null }> {
  const basic = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  for (const endpoint of ENDPOINTS) {
    let status: number;
    let body: string;
    try {
      const response = await request(`${options.origin}${endpoint.path}`, { method: 'POST', dispatcher: options.dispatcher, signal: options.signal, headers: { authorization: basic } });
      status = response.statusCode;
      body = await response.body.text();
    } catch (error) {
      if (error instanceof EngineFailure) throw error;
      throw new EngineFailure(networkErrorToError(error, { server: options.server, operation: 'REST session login' }));
    }
    if (status === 404 || status === 405) continue;
    if (status === 401 || status === 403) {
      return fail('VSPHERE_LOGIN_FAILED', `${options.server} rejected the user name or password (REST API).`, 'Check the user name (with its domain, e.g. administrator@vsphere.local) and the password.', {
        details: { server: options.server, api: endpoint.flavour, httpStatus: status },
      });
    }
    const sessionId = status >= 200 && status < 300 ? restSessionIdFrom(body) : undefined;
    if (!sessionId) continue;
    try {
      const bye = await request(`${options.origin}${endpoint.path}`, { method: 'DELETE', dispatcher: options.dispatcher, signal: options.signal, headers: { 'vmware-api-session-id': sessionId } });
      await bye.body.dump();
    } catch {
      // An undeleted REST session expires by itself.
    }
    return { flavour: endpoint.flavour };
  }
  return { flavour: null };
}
