import type { CertificateProbe, ConnectionInfo } from '../../../../shared/contract/api/vcenter';
import type { EngineError } from '../../../../shared/contract/errors';
import { CertificateInfo } from '../../../../shared/contract/models/vsphere';
import type { CertificateInfo as CertificateInfoValue } from '../../../../shared/contract/models/vsphere';

/**
 * The Connect step's logic, free of React: what the form lacks, what a certificate prompt says,
 * and how each way a login can fail reads for the person at the keyboard.
 */

export interface LoginDraft {
  server: string;
  user: string;
  /** Only in memory, and only until the login succeeds. */
  password: string;
  rememberPassword: boolean;
}

export interface SavedLogins {
  /** Whether the engine can keep passwords (the desktop app with an OS keyring). */
  available: boolean;
  logins: Array<{ server: string; user: string }>;
}

export const EMPTY_DRAFT: LoginDraft = { server: '', user: '', password: '', rememberPassword: false };

/** Whether the engine keeps a password for what is typed (then the password field may stay empty). */
export function hasSavedPassword(draft: Pick<LoginDraft, 'server' | 'user'>, saved: SavedLogins | null): boolean {
  if (!saved) return false;
  const server = draft.server.trim().toLowerCase();
  const user = draft.user.trim();
  // The engine names servers host:port; people type the host alone for port 443.
  return saved.logins.some((l) => l.user === user && (l.server.toLowerCase() === server || l.server.toLowerCase() === `${server}:443`));
}

/**
 * What is wrong with a typed server address, shown on the Server field itself as soon as it is
 * typed; null when it may be sent (an empty field is only a missing value, said elsewhere).
 */
export function serverProblem(server: string): string | null {
  const typed = server.trim();
  if (/^http:\/\//i.test(typed)) return 'vSphere speaks only HTTPS: write https:// or leave the scheme out.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(typed) && !/^https:\/\//i.test(typed)) return `${typed.slice(0, typed.indexOf(':'))}:// is not a vSphere address: write the host name, or https://host.`;
  if (/\s/.test(typed)) return 'The server address has a space in it.';
  return null;
}

/** Every reason "Log in" is disabled, in words (empty when the form may be sent). */
export function loginProblems(draft: LoginDraft, saved: SavedLogins | null): string[] {
  const problems: string[] = [];
  const server = draft.server.trim();
  const wrongServer = serverProblem(server);
  if (server === '') problems.push('Enter the address of vCenter or ESXi.');
  else if (wrongServer) problems.push(wrongServer);
  if (draft.user.trim() === '') problems.push('Enter the user name (for example administrator@vsphere.local).');
  if (draft.password === '' && !hasSavedPassword(draft, saved)) problems.push('Enter the password.');
  return problems;
}

/** What goes to `vcenter.login` besides the trust choice: no password means "the remembered one". */
export function loginCredentials(draft: LoginDraft, saved: SavedLogins | null): { server: string; user: string; password?: string; rememberPassword: boolean } {
  const remember = draft.rememberPassword && (saved?.available ?? false);
  const base = { server: draft.server.trim(), user: draft.user.trim(), rememberPassword: remember && draft.password !== '' };
  return draft.password === '' ? base : { ...base, password: draft.password };
}

// ---- The certificate prompt -------------------------------------------------------------------

export interface CertificatePrompt {
  /** "127.0.0.1:8989" */
  server: string;
  certificate: CertificateInfoValue;
  status: 'unknown' | 'changed';
  /** What was trusted before, for a changed certificate. */
  previous: { sha256: string; trustedAt: string | null } | null;
  validity: CertificateValidity;
}

export interface CertificateValidity {
  state: 'valid' | 'expired' | 'not-yet-valid' | 'expires-soon';
  /** "valid until 2036-11-22 (3650 days left)" */
  text: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const EXPIRES_SOON_DAYS = 30;

function day(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

export function certificateValidity(certificate: Pick<CertificateInfoValue, 'validFrom' | 'validTo'>, now: number): CertificateValidity {
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  if (!Number.isNaN(from) && from > now) return { state: 'not-yet-valid', text: `NOT VALID YET: valid from ${day(certificate.validFrom)} to ${day(certificate.validTo)}` };
  if (!Number.isNaN(to) && to < now) return { state: 'expired', text: `EXPIRED on ${day(certificate.validTo)} (${Math.floor((now - to) / DAY_MS)} days ago)` };
  const daysLeft = Number.isNaN(to) ? null : Math.floor((to - now) / DAY_MS);
  const text = `valid from ${day(certificate.validFrom)} until ${day(certificate.validTo)}${daysLeft === null ? '' : ` (${daysLeft} day${daysLeft === 1 ? '' : 's'} left)`}`;
  return { state: daysLeft !== null && daysLeft < EXPIRES_SOON_DAYS ? 'expires-soon' : 'valid', text };
}

/** The prompt for a probed certificate; null when it is already trusted (log in straight away). */
export function promptFromProbe(probe: CertificateProbe, now: number): CertificatePrompt | null {
  if (probe.status === 'trusted') return null;
  return {
    server: probe.server.display,
    certificate: probe.certificate,
    status: probe.status,
    previous: probe.status === 'changed' && probe.trusted ? { sha256: probe.trusted.sha256, trustedAt: probe.trusted.trustedAt } : null,
    validity: certificateValidity(probe.certificate, now),
  };
}

/**
 * A login refused for its certificate carries the certificate in its evidence (the server may
 * have changed it between the probe and the login): the same prompt, from the error.
 */
export function promptFromError(error: EngineError, now: number): CertificatePrompt | null {
  if (error.code !== 'VSPHERE_CERT_UNKNOWN' && error.code !== 'VSPHERE_CERT_CHANGED') return null;
  const details = error.evidence?.details ?? {};
  const parsed = CertificateInfo.safeParse(details);
  if (!parsed.success) return null;
  const certificate = parsed.data;
  const trusted = typeof details.trustedSha256 === 'string' ? details.trustedSha256 : null;
  return {
    server: `${certificate.host ?? '?'}:${certificate.port ?? 443}`,
    certificate,
    status: error.code === 'VSPHERE_CERT_CHANGED' ? 'changed' : 'unknown',
    previous: error.code === 'VSPHERE_CERT_CHANGED' && trusted ? { sha256: trusted, trustedAt: typeof details.trustedAt === 'string' ? details.trustedAt : null } : null,
    validity: certificateValidity(certificate, now),
  };
}

/** "AB:CD:EF:…" in groups of eight bytes per line, so a person can compare it piece by piece. */
export function fingerprintLines(fingerprint: string, bytesPerLine = 8): string[] {
  const bytes = fingerprint.split(':');
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += bytesPerLine) lines.push(bytes.slice(i, i + bytesPerLine).join(':'));
  return lines;
}

// ---- Failures -------------------------------------------------------------------------------

export type FailureField = 'server' | 'user' | 'password' | 'certificate' | null;

export interface LoginFailure {
  title: string;
  /** The form field the user most likely has to change. */
  field: FailureField;
}

/**
 * Titles in the user's words for the ways a login fails; the message, hint and evidence come
 * from the engine's error value as they are. Unknown codes keep the engine's message as title.
 */
export function describeLoginFailure(error: EngineError): LoginFailure {
  switch (error.code) {
    case 'VSPHERE_LOGIN_FAILED':
      return { title: 'Wrong user name or password', field: 'password' };
    case 'VCENTER_PASSWORD_MISSING':
      return { title: 'The password is needed', field: 'password' };
    case 'VSPHERE_UNREACHABLE':
      return { title: 'The server cannot be reached', field: 'server' };
    case 'VSPHERE_TIMEOUT':
      return { title: 'The server did not answer in time', field: 'server' };
    case 'VCENTER_ADDRESS_INVALID':
      return { title: 'That is not a server address', field: 'server' };
    case 'VSPHERE_BAD_RESPONSE':
      return { title: 'This does not answer like vCenter or ESXi', field: 'server' };
    case 'VSPHERE_NOT_HTTPS':
      return { title: 'This port does not speak HTTPS', field: 'server' };
    case 'VSPHERE_TLS_FAILED':
      return { title: 'Certificate problem: the secure connection failed', field: 'certificate' };
    case 'VSPHERE_CA_FILE_INVALID':
      return { title: 'Certificate problem: the CA file cannot be used', field: 'certificate' };
    case 'VSPHERE_CERT_UNKNOWN':
      return { title: 'Certificate problem: the certificate is not trusted yet', field: 'certificate' };
    case 'VSPHERE_CERT_CHANGED':
      return { title: 'Certificate problem: the certificate has changed', field: 'certificate' };
    case 'VSPHERE_NO_PERMISSION':
      return { title: 'Missing privileges', field: 'user' };
    case 'VCENTER_NOT_CONNECTED':
      return { title: 'The connection to vCenter has ended: log in again', field: 'password' };
    case 'ENGINE_DISCONNECTED':
      return { title: 'The engine is not connected', field: null };
    default:
      return { title: error.message, field: null };
  }
}

/** "Connected to vcenter01:443 as admin (VMware vCenter Server 8.0.2), certificate pinned" */
export function connectionSummary(info: ConnectionInfo): string {
  const trust = info.trust.kind === 'ca' ? `certificate verified with ${info.trust.caFile}` : 'certificate pinned by fingerprint';
  return `${info.server.display} as ${info.user} — ${info.about.fullName}; ${trust}`;
}
