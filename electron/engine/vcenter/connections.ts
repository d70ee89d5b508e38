import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { CertificateProbe, ConnectionInfo, LoginRequest, ServerEndpoint, TrustedCertificate } from '../../../shared/contract/api/vcenter';
import { EngineFailure, fail } from '../core/errors';
import { connectVsphere } from '../vsphere/connect';
import type { VsphereSession } from '../vsphere/session';
import { TrustStore, checkPinnedCertificate, normalizeSha256, probeCertificate } from '../vsphere/tls-trust';
import './error-codes';
import { passwordKey, parsePasswordKey } from './secret-store';
import type { SecretStore } from './secret-store';
import { parseServerAddress } from './server-address';

/**
 * The vCenter connections of this engine: one logged-in session per login, named by an opaque
 * id the front ends pass back. Sessions are kept alive (vCenter drops idle sessions after about
 * 30 minutes) and logged in again when the server ended them. Passwords stay inside the
 * sessions; they are stored elsewhere only when the user asked, and only in the SecretStore.
 */

export interface Connection {
  readonly id: string;
  readonly endpoint: ServerEndpoint;
  readonly user: string;
  readonly session: VsphereSession;
  readonly info: ConnectionInfo;
}

export interface RegistryOptions {
  /** Folder of the trust store (the app home). */
  configDir: string;
  secrets: SecretStore;
  /** How often idle sessions are checked and renewed. */
  keepaliveMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class ConnectionRegistry {
  readonly trustStore: TrustStore;
  readonly #connections = new Map<string, Connection & { timer: NodeJS.Timeout }>();

  constructor(private readonly options: RegistryOptions) {
    this.trustStore = new TrustStore(options.configDir);
  }

  async probe(server: string, now = new Date()): Promise<CertificateProbe> {
    const endpoint = parseServerAddress(server);
    const certificate = await probeCertificate(endpoint.host, endpoint.port);
    const known = this.trustStore.get(endpoint.host, endpoint.port);
    const status = !known ? 'unknown' : normalizeSha256(known.sha256) === normalizeSha256(certificate.sha256) ? 'trusted' : 'changed';
    const validTo = Date.parse(certificate.validTo);
    return {
      server: endpoint,
      certificate,
      status,
      trusted: known ?? null,
      expired: validTo < now.getTime(),
      notYetValid: Date.parse(certificate.validFrom) > now.getTime(),
      daysLeft: Math.floor((validTo - now.getTime()) / DAY_MS),
    };
  }

  /** Remembers the certificate the server presents now, if it is the one the user confirmed. */
  async trust(server: string, sha256: string): Promise<TrustedCertificate> {
    const endpoint = parseServerAddress(server);
    const wanted = normalizeSha256(sha256);
    if (wanted === null) fail('INVALID_REQUEST', `Not a SHA-256 fingerprint: ${sha256}`, 'A SHA-256 fingerprint is 32 bytes in hex, e.g. AB:CD:…');
    const certificate = await probeCertificate(endpoint.host, endpoint.port);
    const mismatch = checkPinnedCertificate(wanted, certificate);
    if (mismatch) {
      throw new EngineFailure({ ...mismatch, message: `${endpoint.display} presents a different certificate than the one you confirmed. Confirmed SHA-256: ${wanted}. Presented SHA-256: ${certificate.sha256}. Nothing was remembered.` });
    }
    return this.trustStore.trust(endpoint.host, endpoint.port, certificate);
  }

  forgetTrust(server: string): boolean {
    const endpoint = parseServerAddress(server);
    const known = this.trustStore.get(endpoint.host, endpoint.port) !== undefined;
    if (known) this.trustStore.forget(endpoint.host, endpoint.port);
    return known;
  }

  /** `signal` (the login call's) stops the TLS probe and the SOAP login while they run. */
  async login(request: z.output<typeof LoginRequest>, now = new Date(), signal?: AbortSignal): Promise<ConnectionInfo> {
    const endpoint = parseServerAddress(request.server);
    const key = passwordKey(endpoint.display, request.user);
    const password = request.password ?? (await this.options.secrets.get(key));
    if (password === null || password === undefined) {
      fail('VCENTER_PASSWORD_MISSING', `No password was given for ${request.user} on ${endpoint.display}, and none is remembered.`, 'Enter the password (the CLI reads it from --password-file or HYPER2KVM_VCENTER_PASSWORD).');
    }
    const trust = request.trust;
    const { session, trust: decision } = await connectVsphere({
      host: endpoint.host,
      port: endpoint.port,
      user: request.user,
      password,
      ...(trust.kind === 'ca' ? { caFile: trust.caFile } : { store: this.trustStore }),
      ...(trust.kind === 'fingerprint' ? { acceptSha256: trust.sha256 } : {}),
      ...(signal ? { signal } : {}),
    });
    let passwordRemembered = false;
    if (request.rememberPassword && request.password !== undefined && this.options.secrets.available) {
      await this.options.secrets.set(key, request.password);
      passwordRemembered = true;
    } else if (request.password === undefined) {
      passwordRemembered = true;
    }
    const id = `vc-${randomBytes(8).toString('hex')}`;
    const policy = decision.policy;
    const info: ConnectionInfo = {
      connectionId: id,
      server: endpoint,
      user: request.user,
      about: session.serviceContent.about,
      trust: policy.kind === 'ca' ? { kind: 'ca', caFile: policy.caFile } : { kind: 'pinned', sha256: policy.sha256, ...(policy.trustedAt ? { trustedAt: policy.trustedAt } : {}) },
      passwordRemembered,
      connectedAt: now.toISOString(),
    };
    const timer = setInterval(() => void keepAlive(session), this.options.keepaliveMs ?? 5 * 60_000);
    timer.unref();
    this.#connections.set(id, { id, endpoint, user: request.user, session, info, timer });
    return info;
  }

  get(connectionId: string): Connection {
    const connection = this.#connections.get(connectionId);
    if (!connection) {
      fail('VCENTER_NOT_CONNECTED', `There is no open vCenter connection ${connectionId}.`, 'Log in again: connections end when you log out or the app restarts.', { details: { connectionId } });
    }
    return connection;
  }

  list(): ConnectionInfo[] {
    return [...this.#connections.values()].map((c) => c.info);
  }

  async logout(connectionId: string): Promise<boolean> {
    const connection = this.#connections.get(connectionId);
    if (!connection) return false;
    this.#connections.delete(connectionId);
    clearInterval(connection.timer);
    await connection.session.close();
    return true;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#connections.keys()].map((id) => this.logout(id)));
  }

  async savedLogins(): Promise<{ available: boolean; logins: Array<{ server: string; user: string }> }> {
    const logins = (await this.options.secrets.keys()).map(parsePasswordKey).filter((l): l is { server: string; user: string } => l !== null);
    return { available: this.options.secrets.available, logins };
  }

  async forgetPassword(server: string, user: string): Promise<boolean> {
    return this.options.secrets.delete(passwordKey(parseServerAddress(server).display, user));
  }
}

/** Renews a session the server has ended; a failure here shows up on the next real call. */
async function keepAlive(session: VsphereSession): Promise<void> {
  try {
    if (!(await session.sessionIsActive(AbortSignal.timeout(30_000)))) await session.relogin(AbortSignal.timeout(30_000));
  } catch {
    // Unreachable for now: the next call reports it with its own context.
  }
}
