import { engineError } from '../../../shared/contract/errors';
import type { EngineError } from '../../../shared/contract/errors';
import './error-codes';

/**
 * Transport failures (undici and Node socket errors) sorted into what a user can act on.
 * Pure: looks only at error codes, never at request data.
 */

export type NetworkProblem = 'unreachable' | 'connection-lost' | 'timeout' | 'not-tls' | 'tls' | 'aborted' | 'other';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);
const LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/**
 * What OpenSSL says when the other side does not speak TLS at all: a plain-HTTP port answers the
 * ClientHello with "HTTP/1.1 400", which is no TLS record ("wrong version number").
 */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);
const TLS = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

/** The error codes along the cause chain (undici wraps socket errors). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const errors = (current as { errors?: unknown }).errors;
    // AggregateError from happy-eyeballs connects: the first inner error tells the story.
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

export function classifyNetworkError(error: unknown): NetworkProblem {
  if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR')) return 'aborted';
  const codes = errorCodes(error);
  if (codes.includes('UND_ERR_ABORTED') || codes.includes('ABORT_ERR')) return 'aborted';
  if (codes.some((c) => TIMEOUT.has(c))) return 'timeout';
  if (codes.some((c) => NOT_TLS.has(c)) || /wrong version number/i.test(error instanceof Error ? error.message : '')) return 'not-tls';
  if (codes.some((c) => TLS.has(c) || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) return 'tls';
  if (codes.some((c) => UNREACHABLE.has(c))) return 'unreachable';
  if (codes.some((c) => LOST.has(c))) return 'connection-lost';
  return 'other';
}

/** Network errors worth retrying for an idempotent transfer (downloads). */
export function isRetryableNetworkError(error: unknown): boolean {
  const problem = classifyNetworkError(error);
  return problem === 'connection-lost' || problem === 'timeout' || problem === 'unreachable';
}

export interface NetworkContext {
  /** host:port */
  server: string;
  /** What we were doing, e.g. "RetrieveServiceContent" or "download of [ds] vm/vm.vmdk". */
  operation: string;
}

export function networkErrorToError(error: unknown, context: NetworkContext): EngineError {
  const codes = errorCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  const details = { server: context.server, operation: context.operation, ...(codes.length > 0 ? { errorCodes: codes } : {}), reason: message };
  switch (classifyNetworkError(error)) {
    case 'unreachable':
      return engineError('VSPHERE_UNREACHABLE', `Cannot reach ${context.server}: ${describeUnreachable(codes)}.`, 'Check the host name and port, that the server is running, and that no firewall is in the way.', { details });
    case 'connection-lost':
      return engineError('VSPHERE_UNREACHABLE', `The connection to ${context.server} was lost during ${context.operation}.`, 'Check the network and that the server is still running, then try again.', { details });
    case 'timeout':
      return engineError('VSPHERE_TIMEOUT', `${context.server} did not answer in time (${context.operation}).`, 'The server may be overloaded or the network slow; try again, or raise the timeout.', { details });
    case 'not-tls':
      return engineError(
        'VSPHERE_NOT_HTTPS',
        `${context.server} does not answer in HTTPS: something else listens on that port (plain HTTP, for example).`,
        'Give the HTTPS port of vCenter or ESXi (443 unless it was changed); vSphere is not reachable over plain http://.',
        { details },
      );
    case 'tls':
      return engineError('VSPHERE_TLS_FAILED', `The secure connection to ${context.server} failed: ${openSslReason(message)}.`, 'Check that this is the HTTPS port of vCenter or ESXi (usually 443) and, when you use a CA file, that it signed the server certificate and the certificate names this host.', { details });
    case 'aborted':
      return engineError('CANCELLED', 'The job was cancelled.', 'Start it again when you are ready.');
    default:
      return engineError('VSPHERE_UNREACHABLE', `Talking to ${context.server} failed: ${message}`, 'Check the network and the server, then try again.', { details });
  }
}

/**
 * OpenSSL's messages carry their address in its source ("80FC…:error:0A00010B:SSL
 * routines:ssl3_get_record:wrong version number:../deps/openssl/…:350:"): only the reason is
 * for people. Other messages are kept as they are.
 */
export function openSslReason(message: string): string {
  const match = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/i.exec(message);
  return (match?.[1] ?? message).trim().replace(/\.$/, '');
}

function describeUnreachable(codes: string[]): string {
  if (codes.includes('ECONNREFUSED')) return 'the connection was refused (nothing listens on that port)';
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return 'the host name does not resolve';
  if (codes.includes('EHOSTUNREACH') || codes.includes('ENETUNREACH')) return 'there is no route to the host';
  return 'the connection could not be made';
}
