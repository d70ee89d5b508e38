import './error-codes';
import { VsphereSession } from './session';
import { createTrustedAgent, resolveTrust } from './tls-trust';
import type { AgentOptions, TrustDecision, TrustStore } from './tls-trust';

/**
 * Connecting to vCenter or ESXi in one call: decide the certificate trust (store, confirmed
 * fingerprint or CA file), build the agent that enforces it, then log in.
 */

export interface ConnectOptions extends AgentOptions {
  host: string;
  port?: number;
  user: string;
  password: string;
  store?: TrustStore;
  caFile?: string;
  /** A SHA-256 fingerprint the user confirmed for a server not yet in the store. */
  acceptSha256?: string;
  signal?: AbortSignal;
}

export interface Connection {
  session: VsphereSession;
  trust: TrustDecision;
}

export async function connectVsphere(options: ConnectOptions): Promise<Connection> {
  const port = options.port ?? 443;
  const trust = await resolveTrust({ host: options.host, port, store: options.store, caFile: options.caFile, acceptSha256: options.acceptSha256, signal: options.signal, timeoutMs: options.connectTimeoutMs });
  const dispatcher = createTrustedAgent(trust.policy, options);
  try {
    const session = await VsphereSession.open({ host: options.host, port, user: options.user, password: options.password, dispatcher, signal: options.signal });
    return { session, trust };
  } catch (error) {
    await dispatcher.close().catch(() => undefined);
    throw error;
  }
}
