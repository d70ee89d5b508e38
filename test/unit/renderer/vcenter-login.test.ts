import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateInfo } from '../../../electron/engine/vsphere/tls-trust';
import { checkPinnedCertificate } from '../../../electron/engine/vsphere/tls-trust';
import { VSPHERE_ERROR_CODES } from '../../../electron/engine/vsphere/error-codes';
import { VCENTER_ERROR_CODES } from '../../../electron/engine/vcenter/error-codes';
import { X509Certificate } from 'node:crypto';
import {
  certificateValidity,
  connectionSummary,
  describeLoginFailure,
  EMPTY_DRAFT,
  fingerprintLines,
  hasSavedPassword,
  loginCredentials,
  loginProblems,
  promptFromError,
  serverProblem,
  promptFromProbe,
} from '../../../renderer/src/features/vcenter/login';
import type { SavedLogins } from '../../../renderer/src/features/vcenter/login';
import { CertificateProbe, ConnectionInfo } from '../../../shared/contract/api/vcenter';
import { EngineError } from '../../../shared/contract/errors';

/** Samples recorded from the real engine against the simulator (see samples/vcenter/README.md). */
const SAMPLES = join(import.meta.dirname, 'samples', 'vcenter');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));
const NOW = Date.parse('2026-11-25T21:00:00Z');

const saved: SavedLogins = { available: true, logins: [{ server: 'vc01.example.com:443', user: 'admin@vsphere.local' }] };
const draft = (patch: Partial<typeof EMPTY_DRAFT>) => ({ ...EMPTY_DRAFT, ...patch });

describe('the login form', () => {
  it.each([
    ['an empty form', draft({}), null, ['Enter the address of vCenter or ESXi.', 'Enter the user name (for example administrator@vsphere.local).', 'Enter the password.']],
    ['a complete form', draft({ server: 'vc01', user: 'admin', password: 'x' }), null, []],
    ['plain http', draft({ server: 'http://vc01', user: 'admin', password: 'x' }), null, ['vSphere speaks only HTTPS: write https:// or leave the scheme out.']],
    ['another scheme', draft({ server: 'ftp://vc01', user: 'admin', password: 'x' }), null, ['ftp:// is not a vSphere address: write the host name, or https://host.']],
    ['https is fine', draft({ server: 'https://vc01:8443', user: 'admin', password: 'x' }), null, []],
    ['a space in the address', draft({ server: 'vc 01', user: 'admin', password: 'x' }), null, ['The server address has a space in it.']],
    ['no password, but one is remembered (host typed without port)', draft({ server: 'VC01.example.com', user: 'admin@vsphere.local' }), saved, []],
    ['no password, remembered for another user', draft({ server: 'vc01.example.com', user: 'root' }), saved, ['Enter the password.']],
  ])('%s', (_name, form, logins, problems) => {
    expect(loginProblems(form, logins)).toEqual(problems);
  });

  it('puts what is wrong with the address on the Server field itself', () => {
    expect(serverProblem('http://vc01')).toBe('vSphere speaks only HTTPS: write https:// or leave the scheme out.');
    expect(serverProblem('')).toBeNull();
    expect(serverProblem(' vc01.example.com:443 ')).toBeNull();
  });

  it('knows a remembered password by server (with or without :443) and user', () => {
    expect(hasSavedPassword({ server: 'vc01.example.com:443', user: 'admin@vsphere.local' }, saved)).toBe(true);
    expect(hasSavedPassword({ server: 'vc01.example.com:8443', user: 'admin@vsphere.local' }, saved)).toBe(false);
    expect(hasSavedPassword({ server: 'vc01.example.com', user: 'admin@vsphere.local' }, null)).toBe(false);
  });

  it('sends no password field when the remembered one is meant, and remembers only where the engine can', () => {
    expect(loginCredentials(draft({ server: ' vc01 ', user: ' admin ', password: '' }), saved)).toEqual({ server: 'vc01', user: 'admin', rememberPassword: false });
    expect(loginCredentials(draft({ server: 'vc01', user: 'admin', password: 'p w', rememberPassword: true }), saved)).toEqual({ server: 'vc01', user: 'admin', password: 'p w', rememberPassword: true });
    // The bridge (browser) has no keyring: the box is not even shown, and nothing is asked for.
    expect(loginCredentials(draft({ server: 'vc01', user: 'admin', password: 'x', rememberPassword: true }), { available: false, logins: [] }).rememberPassword).toBe(false);
  });
});

describe('the certificate prompt', () => {
  it('shows the fingerprints, names and dates of a first contact (real probe of the simulator)', () => {
    const probe = CertificateProbe.parse(sample('probe.json'));
    expect(promptFromProbe(probe, NOW)).toBeNull(); // the sample was taken once trusted: no prompt
    const prompt = promptFromProbe({ ...probe, status: 'unknown', trusted: null }, NOW)!;
    expect(prompt).toMatchObject({ server: probe.server.display, status: 'unknown', previous: null, certificate: { subject: 'CN=vcsim-a', issuer: 'CN=vcsim-a', selfSigned: true } });
    expect(prompt.certificate.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(prompt.certificate.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(prompt.validity).toEqual({ state: 'valid', text: `valid from 2026-11-25 until 2036-11-22 (${probe.daysLeft} days left)` });
  });

  it('shows a changed certificate with the fingerprint trusted before', () => {
    const probe = CertificateProbe.parse(sample('probe.json'));
    const old = { sha256: 'AA:'.repeat(31) + 'AA', subject: 'CN=old', trustedAt: '2026-01-02T03:04:05.000Z' };
    const prompt = promptFromProbe({ ...probe, status: 'changed', trusted: old }, NOW)!;
    expect(prompt.status).toBe('changed');
    expect(prompt.previous).toEqual({ sha256: old.sha256, trustedAt: old.trustedAt });
  });

  it('reads the same prompt from a refused login (the engine puts the certificate in the evidence)', () => {
    const error = EngineError.parse(sample('error-cert-unknown.json'));
    const prompt = promptFromError(error, NOW)!;
    expect(prompt).toMatchObject({ status: 'unknown', previous: null, certificate: { subject: 'CN=vcsim-a', sha256: error.evidence!.details!.sha256 } });
    expect(prompt.server).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('reads both fingerprints from the engine\'s CERTIFICATE CHANGED error', () => {
    const pem = readFileSync(join(import.meta.dirname, '..', 'vsphere', 'samples', 'cert-self-signed.pem'), 'utf8');
    const presented = certificateInfo(new X509Certificate(pem), 'vc01.example.com', 443);
    const pinned = '11:'.repeat(31) + '11';
    const error = checkPinnedCertificate(pinned, presented, '2026-03-01T10:00:00.000Z')!;
    const prompt = promptFromError(error, NOW)!;
    expect(prompt).toMatchObject({ server: 'vc01.example.com:443', status: 'changed', previous: { sha256: pinned, trustedAt: '2026-03-01T10:00:00.000Z' } });
    expect(prompt.certificate.sha256).toBe(presented.sha256);
  });

  it('has no prompt for other errors', () => {
    expect(promptFromError(EngineError.parse(sample('error-login-failed.json')), NOW)).toBeNull();
    expect(promptFromError({ code: 'VSPHERE_CERT_UNKNOWN', kind: 'bad-input', message: 'm', hint: 'h' }, NOW)).toBeNull(); // no evidence to show
  });

  it.each([
    ['valid for years', '2026-01-01T00:00:00Z', '2036-01-01T00:00:00Z', 'valid', 'valid from 2026-01-01 until 2036-01-01 (3323 days left)'],
    ['expiring in 10 days', '2025-01-01T00:00:00Z', '2026-12-05T21:00:00Z', 'expires-soon', 'valid from 2025-01-01 until 2026-12-05 (10 days left)'],
    ['expired', '2024-01-01T00:00:00Z', '2026-11-20T21:00:00Z', 'expired', 'EXPIRED on 2026-11-20 (5 days ago)'],
    ['not valid yet', '2026-12-01T00:00:00Z', '2027-12-01T00:00:00Z', 'not-yet-valid', 'NOT VALID YET: valid from 2026-12-01 to 2027-12-01'],
  ])('validity: %s', (_name, validFrom, validTo, state, text) => {
    expect(certificateValidity({ validFrom, validTo }, NOW)).toEqual({ state, text });
  });

  it('splits a fingerprint into lines of eight bytes for comparing by eye', () => {
    const fp = '60:61:BD:F3:AC:26:EB:84:FC:64:B5:C4:EE:55:A7:8C:2D:1B:D9:80:7B:5C:2D:B2:BC:90:08:44:AE:CE:42:CC';
    expect(fingerprintLines(fp)).toEqual(['60:61:BD:F3:AC:26:EB:84', 'FC:64:B5:C4:EE:55:A7:8C', '2D:1B:D9:80:7B:5C:2D:B2', 'BC:90:08:44:AE:CE:42:CC']);
  });
});

describe('login failures in the user\'s words', () => {
  it.each([
    ['error-login-failed.json', 'Wrong user name or password', 'password'],
    ['error-unreachable.json', 'The server cannot be reached', 'server'],
    ['error-cert-unknown.json', 'Certificate problem: the certificate is not trusted yet', 'certificate'],
  ])('%s (recorded from the engine)', (file, title, field) => {
    expect(describeLoginFailure(EngineError.parse(sample(file)))).toEqual({ title, field });
  });

  it.each([
    ['VSPHERE_NO_PERMISSION', 'Missing privileges', 'user'],
    ['VSPHERE_TLS_FAILED', 'Certificate problem: the secure connection failed', 'certificate'],
    ['VSPHERE_NOT_HTTPS', 'This port does not speak HTTPS', 'server'],
    ['VSPHERE_CA_FILE_INVALID', 'Certificate problem: the CA file cannot be used', 'certificate'],
    ['VSPHERE_CERT_CHANGED', 'Certificate problem: the certificate has changed', 'certificate'],
    ['VSPHERE_TIMEOUT', 'The server did not answer in time', 'server'],
    ['VCENTER_ADDRESS_INVALID', 'That is not a server address', 'server'],
    ['VCENTER_PASSWORD_MISSING', 'The password is needed', 'password'],
    ['VCENTER_NOT_CONNECTED', 'The connection to vCenter has ended: log in again', 'password'],
  ])('%s', (code, title, field) => {
    expect(describeLoginFailure({ code, kind: 'bad-input', message: 'the engine says', hint: '' })).toEqual({ title, field });
  });

  it('has words for every code the login path can raise, and keeps the message for the rest', () => {
    const loginCodes = ['VSPHERE_LOGIN_FAILED', 'VSPHERE_NO_PERMISSION', 'VSPHERE_UNREACHABLE', 'VSPHERE_TIMEOUT', 'VSPHERE_NOT_HTTPS', 'VSPHERE_TLS_FAILED', 'VSPHERE_CERT_UNKNOWN', 'VSPHERE_CERT_CHANGED', 'VSPHERE_CA_FILE_INVALID', 'VSPHERE_BAD_RESPONSE', 'VCENTER_ADDRESS_INVALID', 'VCENTER_PASSWORD_MISSING', 'VCENTER_NOT_CONNECTED'];
    // The codes still exist in the engine's catalogues (a rename would silently lose the words).
    for (const code of loginCodes) expect({ ...VSPHERE_ERROR_CODES, ...VCENTER_ERROR_CODES }).toHaveProperty(code);
    for (const code of loginCodes) expect(describeLoginFailure({ code, kind: 'failure', message: 'the engine says', hint: '' }).title).not.toBe('the engine says');
    expect(describeLoginFailure({ code: 'VSPHERE_FAULT', kind: 'failure', message: 'the engine says', hint: '' })).toEqual({ title: 'the engine says', field: null });
  });
});

it('summarises a connection (recorded from the engine)', () => {
  const info = ConnectionInfo.parse(sample('connection.json'));
  expect(connectionSummary(info)).toMatch(/^127\.0\.0\.1:\d+ as migrator@vsphere\.local — VMware vCenter Server 6\.5\.0 build-5973321; certificate pinned by fingerprint$/);
});
