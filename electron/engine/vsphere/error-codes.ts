import { registerErrorCodes } from '../../../shared/contract/errors';

/**
 * Error codes of the vSphere client. `bad-input` means the user has to change something
 * (credentials, trust, permissions); `failure` means the server or the network let us down.
 */
export const VSPHERE_ERROR_CODES = {
  /** The server answered, but rejected the user name or password. */
  VSPHERE_LOGIN_FAILED: 'bad-input',
  /** The session ended (idle timeout, terminated) and logging in again did not help. */
  VSPHERE_SESSION_EXPIRED: 'failure',
  /** The account lacks a privilege; evidence names it. */
  VSPHERE_NO_PERMISSION: 'bad-input',
  /** Any other SOAP fault; evidence carries the fault type and the server's message. */
  VSPHERE_FAULT: 'failure',
  /** A vCenter task ended in error. */
  VSPHERE_TASK_FAILED: 'failure',
  /** Nothing answers at host:port (refused, no route, name does not resolve, connection lost). */
  VSPHERE_UNREACHABLE: 'failure',
  /** The server did not answer in time. */
  VSPHERE_TIMEOUT: 'failure',
  /** The port answers, but not in TLS (plain HTTP, another service): the address is wrong. */
  VSPHERE_NOT_HTTPS: 'bad-input',
  /** The TLS handshake failed or the certificate did not verify against the chosen CA. */
  VSPHERE_TLS_FAILED: 'failure',
  /** First contact: the certificate is not trusted yet; evidence carries its fingerprints. */
  VSPHERE_CERT_UNKNOWN: 'bad-input',
  /** The certificate differs from the one the user trusted. */
  VSPHERE_CERT_CHANGED: 'bad-input',
  /** The CA file given for verification cannot be read or holds no certificate. */
  VSPHERE_CA_FILE_INVALID: 'bad-input',
  /** The answer was not what a vSphere endpoint sends (HTML page, garbled XML, odd status). */
  VSPHERE_BAD_RESPONSE: 'failure',
  /** A datastore file does not exist (or, on vSAN, cannot be read over /folder). */
  VSPHERE_FILE_NOT_FOUND: 'bad-input',
  /** A download kept failing after its retries, or its size did not match. */
  VSPHERE_DOWNLOAD_FAILED: 'failure',
  /** The object (VM, snapshot) is not there any more. */
  VSPHERE_NOT_FOUND: 'bad-input',
} as const;

export type VsphereErrorCode = keyof typeof VSPHERE_ERROR_CODES;

registerErrorCodes(VSPHERE_ERROR_CODES);
