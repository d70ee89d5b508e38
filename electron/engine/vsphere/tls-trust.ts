import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import type { CertificateInfo } from '../../../shared/contract/models/vsphere';
import { EngineFailure, fail } from '../core/errors';
import './error-codes';
import { networkErrorToError } from './network-errors';

/**
 * Trust in a vCenter's certificate, the way users expect it: show the fingerprint on first
 * contact, remember the user's decision per host:port, refuse loudly when it changes, or verify
 * normally against a CA file the user gives. Verification is never switched off: a connection
 * either matches a pinned SHA-256 fingerprint or passes Node's own chain and host name checks.
 */

// ---------------------------------------------------------------------------------------------
// Certificates and fingerprints

/** "ab cd:EF…" or "abcdef…" → "AB:CD:EF:…"; null when it is not a SHA-256 fingerprint. */
export function normalizeSha256(input: string): string | null {
  const hex = input.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

export function certificateInfo(cert: X509Certificate, host?: string, port?: number): CertificateInfo {
  return {
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    sha256: cert.fingerprint256,
    sha1: cert.fingerprint,
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    selfSigned: cert.checkIssued(cert) && cert.verify(cert.publicKey),
    pem: cert.toString(),
  };
}

/** X509Certificate prints one attribute per line; one line reads better in a message. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function certificateInfoFromPem(pem: string, host?: string, port?: number): CertificateInfo {
  return certificateInfo(new X509Certificate(pem), host, port);
}

export interface ProbeOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Reads the certificate a server presents. This is the ONLY place that connects without
 * verification, and it sends nothing: it completes the handshake, takes the certificate and
 * closes. Nothing read here is trusted until the user (or the trust store) says so.
 */
export function probeCertificate(host: string, port: number, options: ProbeOptions = {}): Promise<CertificateInfo> {
  const server = `${host}:${port}`;
  return new Promise<CertificateInfo>((resolve, reject) => {
    if (options.signal?.aborted) return reject(networkErrorToEngineFailure(abortError(), server));
    const socket: TLSSocket = tlsConnect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      timeout: options.timeoutMs ?? 15_000,
    });
    const done = (outcome: () => void): void => {
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      outcome();
    };
    const onAbort = (): void => done(() => reject(networkErrorToEngineFailure(abortError(), server)));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      done(() =>
        cert
          ? resolve(certificateInfo(cert, host, port))
          : reject(new EngineFailure(engineError('VSPHERE_TLS_FAILED', `${server} presented no certificate.`, 'Check that this is the HTTPS port of vCenter or ESXi.', { details: { server } }))),
      );
    });
    socket.once('timeout', () => done(() => reject(networkErrorToEngineFailure(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' }), server))));
    socket.once('error', (error) => done(() => reject(networkErrorToEngineFailure(error, server))));
  });
}

function abortError(): Error {
  return Object.assign(new Error('aborted'), { name: 'AbortError' });
}

function networkErrorToEngineFailure(error: unknown, server: string): EngineFailure {
  return new EngineFailure(networkErrorToError(error, { server, operation: 'reading the server certificate' }));
}

/** The evidence a trust prompt needs: fingerprints, names and dates, never anything secret. */
function certificateDetails(cert: CertificateInfo): Record<string, unknown> {
  return {
    host: cert.host,
    port: cert.port,
    sha256: cert.sha256,
    sha1: cert.sha1,
    subject: cert.subject,
    issuer: cert.issuer,
    validFrom: cert.validFrom,
    validTo: cert.validTo,
    selfSigned: cert.selfSigned,
    pem: cert.pem,
  };
}

export function unknownCertificateError(cert: CertificateInfo): EngineError {
  const server = `${cert.host ?? '?'}:${cert.port ?? 443}`;
  return engineError(
    'VSPHERE_CERT_UNKNOWN',
    `The certificate of ${server} is not trusted yet. SHA-256 fingerprint: ${cert.sha256} (issued to ${cert.subject} by ${cert.issuer}, valid until ${cert.validTo}).`,
    'Compare the fingerprint with the one the vCenter administrator sees (vSphere Client → Certificate Management, or the VAMI). Trust it only if they match, or give the CA file that signed it.',
    { details: certificateDetails(cert) },
  );
}

/**
 * The decision the pinning connector takes for every new connection: null when the presented
 * certificate is the pinned one, else the loud error. Pure.
 */
export function checkPinnedCertificate(pinnedSha256: string, presented: CertificateInfo, trustedAt?: string): EngineError | null {
  const pinned = normalizeSha256(pinnedSha256);
  if (pinned !== null && pinned === normalizeSha256(presented.sha256)) return null;
  const server = `${presented.host ?? '?'}:${presented.port ?? 443}`;
  return engineError(
    'VSPHERE_CERT_CHANGED',
    `WARNING: the certificate of ${server} has CHANGED since it was trusted${trustedAt ? ` on ${trustedAt}` : ''}. Trusted SHA-256: ${pinnedSha256}. Presented SHA-256: ${presented.sha256}. Nothing was sent to the server.`,
    'This happens when vCenter is reinstalled or its certificate renewed, but it is also what an attacker intercepting the connection looks like. Confirm the new fingerprint with the vCenter administrator before trusting it again.',
    { details: { ...certificateDetails(presented), trustedSha256: pinnedSha256, presentedSha256: presented.sha256, ...(trustedAt ? { trustedAt } : {}) } },
  );
}

// ---------------------------------------------------------------------------------------------
// The trust store

export interface TrustedCertificate {
  sha256: string;
  subject: string;
  trustedAt: string;
}

interface TrustFile {
  version: 1;
  servers: Record<string, TrustedCertificate>;
}

export const TRUST_STORE_FILE = 'vsphere-trusted-certificates.json';

/** Remembers, per host:port, which certificate the user trusted. A JSON file in a config folder. */
export class TrustStore {
  readonly file: string;

  constructor(readonly configDir: string) {
    this.file = join(configDir, TRUST_STORE_FILE);
  }

  static key(host: string, port: number): string {
    return `${host.toLowerCase()}:${port}`;
  }

  get(host: string, port: number): TrustedCertificate | undefined {
    return this.read().servers[TrustStore.key(host, port)];
  }

  trust(host: string, port: number, cert: Pick<CertificateInfo, 'sha256' | 'subject'>, now = new Date()): TrustedCertificate {
    const sha256 = normalizeSha256(cert.sha256);
    if (sha256 === null) return fail('INVALID_REQUEST', `Not a SHA-256 fingerprint: ${cert.sha256}`, 'A SHA-256 fingerprint is 32 bytes in hex, e.g. AB:CD:…');
    const entry: TrustedCertificate = { sha256, subject: cert.subject, trustedAt: now.toISOString() };
    const data = this.read();
    data.servers[TrustStore.key(host, port)] = entry;
    this.write(data);
    return entry;
  }

  forget(host: string, port: number): void {
    const data = this.read();
    delete data.servers[TrustStore.key(host, port)];
    this.write(data);
  }

  list(): Record<string, TrustedCertificate> {
    return { ...this.read().servers };
  }

  private read(): TrustFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<TrustFile>;
      if (parsed.version !== 1 || typeof parsed.servers !== 'object' || parsed.servers === null) throw new Error('unexpected shape');
      return { version: 1, servers: parsed.servers };
    } catch {
      return fail('IO_FAILED', `The list of trusted vCenter certificates is damaged (${this.file}).`, 'Delete the file; every server will ask for trust again on its next connection.', { path: this.file });
    }
  }

  private write(data: TrustFile): void {
    mkdirSync(this.configDir, { recursive: true });
    // Written aside and renamed, so a crash never leaves half a file (and half the trust).
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
  }
}

// ---------------------------------------------------------------------------------------------
// Deciding the trust for a connection

export type TrustPolicy =
  | { kind: 'pinned'; sha256: string; trustedAt?: string }
  | { kind: 'ca'; caFile: string; caPem: string };

export interface TrustRequest {
  host: string;
  port: number;
  store?: TrustStore;
  /** Verify against this CA bundle (PEM) instead of pinning. */
  caFile?: string;
  /** A SHA-256 fingerprint the user confirmed out of band (CLI flag, UI dialog). */
  acceptSha256?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TrustDecision {
  policy: TrustPolicy;
  /** Set when the certificate was read from the server during this decision. */
  certificate?: CertificateInfo;
}

export function readCaFile(caFile: string): string {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    return fail('VSPHERE_CA_FILE_INVALID', `Cannot read the CA file ${caFile}: ${(error as Error).message}`, 'Give the path of a PEM file with the CA certificate(s) that signed the vCenter certificate.', { path: caFile });
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const valid = blocks.filter((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
  if (valid.length === 0) return fail('VSPHERE_CA_FILE_INVALID', `${caFile} holds no PEM certificate.`, 'Give a PEM file (-----BEGIN CERTIFICATE-----). vCenter offers its root CA for download at https://<vcenter>/certs/download.zip.', { path: caFile });
  return valid.join('\n');
}

/**
 * Decides how to trust host:port: a CA file when given; else a fingerprint the user just
 * confirmed (checked against what the server presents, then remembered, replacing an older
 * entry after a deliberate re-trust); else the fingerprint remembered in the store; else
 * VSPHERE_CERT_UNKNOWN carrying the fingerprints for the prompt.
 */
export async function resolveTrust(request: TrustRequest): Promise<TrustDecision> {
  if (request.caFile !== undefined) return { policy: { kind: 'ca', caFile: request.caFile, caPem: readCaFile(request.caFile) } };
  const known = request.store?.get(request.host, request.port);
  const accepted = request.acceptSha256 === undefined ? undefined : normalizeSha256(request.acceptSha256);
  if (accepted === null) return fail('INVALID_REQUEST', `Not a SHA-256 fingerprint: ${request.acceptSha256}`, 'A SHA-256 fingerprint is 32 bytes in hex, e.g. AB:CD:…');
  if (known && (accepted === undefined || accepted === known.sha256)) return { policy: { kind: 'pinned', sha256: known.sha256, trustedAt: known.trustedAt } };

  const certificate = await probeCertificate(request.host, request.port, { signal: request.signal, timeoutMs: request.timeoutMs });
  if (accepted === undefined) throw new EngineFailure(unknownCertificateError(certificate));
  const mismatch = checkPinnedCertificate(accepted, certificate);
  if (mismatch) {
    throw new EngineFailure({
      ...mismatch,
      message: `The certificate of ${request.host}:${request.port} does not match the fingerprint you confirmed. Expected SHA-256: ${accepted}. Presented SHA-256: ${certificate.sha256}.`,
    });
  }
  // The pin is what the user confirmed AND the server showed; the agent checks it again on
  // every connection, so a swap between this probe and the login is caught too.
  const entry = request.store?.trust(request.host, request.port, certificate);
  return { policy: { kind: 'pinned', sha256: accepted, ...(entry ? { trustedAt: entry.trustedAt } : {}) }, certificate };
}

// ---------------------------------------------------------------------------------------------
// The HTTP agent every request goes through

export interface AgentOptions {
  connectTimeoutMs?: number;
  /** Time to wait for response headers. */
  headersTimeoutMs?: number;
  /** Longest silence while a response body is streaming. */
  bodyTimeoutMs?: number;
}

/**
 * An undici Agent that only talks to a server passing the policy. For a pinned fingerprint the
 * handshake itself accepts any certificate (a self-signed vCenter would fail the chain check)
 * and the connector then compares the fingerprint before a single byte of the request is
 * written; TLS session resumption is off so every connection shows its certificate.
 */
export function createTrustedAgent(policy: TrustPolicy, options: AgentOptions = {}): Agent {
  const timeout = options.connectTimeoutMs ?? 15_000;
  const common = { headersTimeout: options.headersTimeoutMs ?? 120_000, bodyTimeout: options.bodyTimeoutMs ?? 120_000 };
  if (policy.kind === 'ca') {
    return new Agent({ ...common, connect: { ca: policy.caPem, rejectUnauthorized: true, timeout } });
  }
  const base = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0, timeout });
  const pinned: buildConnector.connector = (connectOptions, callback) => {
    base(connectOptions, (error, socket) => {
      if (error !== null) return callback(error, null);
      const cert = (socket as TLSSocket).getPeerX509Certificate?.();
      const port = Number(connectOptions.port) || 443;
      const problem = cert
        ? checkPinnedCertificate(policy.sha256, certificateInfo(cert, connectOptions.hostname, port), policy.trustedAt)
        : engineError('VSPHERE_TLS_FAILED', `${connectOptions.hostname}:${port} presented no certificate.`, 'Check that this is the HTTPS port of vCenter or ESXi.');
      if (problem) {
        socket.destroy();
        return callback(new EngineFailure(problem), null);
      }
      callback(null, socket);
    });
  };
  return new Agent({ ...common, connect: pinned });
}
