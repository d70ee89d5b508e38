import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineFailure } from '../../../electron/engine/core/errors';
import {
  TRUST_STORE_FILE,
  TrustStore,
  certificateInfoFromPem,
  checkPinnedCertificate,
  normalizeSha256,
  readCaFile,
  resolveTrust,
  unknownCertificateError,
} from '../../../electron/engine/vsphere/tls-trust';
import { sample } from './fake-vcenter';

const SELF_SIGNED_SHA256 = 'BD:1F:B0:48:9B:F9:7D:EC:36:E8:2B:7A:93:0D:3E:68:88:91:AD:40:78:70:02:15:C1:81:16:39:22:A8:33:32';
const CA_SIGNED_SHA256 = '79:89:40:C9:68:08:2A:9C:0A:B1:61:D6:49:DA:6C:2E:DD:F6:79:76:F2:84:0A:A7:59:6C:DF:8E:D9:17:33:D1';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'h2k-trust-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('fingerprints', () => {
  it.each([
    [SELF_SIGNED_SHA256, SELF_SIGNED_SHA256],
    [SELF_SIGNED_SHA256.toLowerCase(), SELF_SIGNED_SHA256],
    [SELF_SIGNED_SHA256.replace(/:/g, ''), SELF_SIGNED_SHA256],
    [SELF_SIGNED_SHA256.replace(/:/g, ' '), SELF_SIGNED_SHA256],
    ['AB:CD', null],
    ['zz'.repeat(32), null],
    // A SHA-1 thumbprint is not accepted where a SHA-256 is expected.
    ['D3:1E:79:8B:53:8C:28:DF:0F:92:EC:58:1F:E3:0B:D5:43:B4:AA:2C', null],
  ])('normalizeSha256(%j)', (input, expected) => {
    expect(normalizeSha256(input)).toBe(expected);
  });

  it.each([
    ['cert-self-signed.pem', SELF_SIGNED_SHA256, true, 'CN=vc01.example.test', 'CN=vc01.example.test'],
    ['cert-ca-signed.pem', CA_SIGNED_SHA256, false, 'CN=vc02.example.test', 'CN=Example CA'],
  ])('describes %s for the trust prompt', (file, sha256, selfSigned, subject, issuer) => {
    const info = certificateInfoFromPem(sample(file), 'vc.example.test', 443);
    expect(info).toMatchObject({ host: 'vc.example.test', port: 443, sha256, selfSigned, subject, issuer });
    expect(info.sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(new Date(info.validTo).getTime()).toBeGreaterThan(new Date(info.validFrom).getTime());
    expect(info.pem).toContain('BEGIN CERTIFICATE');
  });
});

describe('the pinning decision', () => {
  const presented = certificateInfoFromPem(sample('cert-self-signed.pem'), 'vc.example.test', 443);

  it.each([
    ['the same fingerprint', SELF_SIGNED_SHA256],
    ['the same fingerprint written differently', SELF_SIGNED_SHA256.replace(/:/g, '').toLowerCase()],
  ])('accepts %s', (_label, pinned) => {
    expect(checkPinnedCertificate(pinned, presented)).toBeNull();
  });

  it.each([
    ['another certificate', CA_SIGNED_SHA256],
    ['a garbled pin', 'not a fingerprint'],
  ])('refuses %s, loudly, with both fingerprints', (_label, pinned) => {
    const error = checkPinnedCertificate(pinned, presented, '2026-01-02T03:04:05.000Z');
    expect(error?.code).toBe('VSPHERE_CERT_CHANGED');
    expect(error?.kind).toBe('bad-input');
    expect(error?.message).toMatch(/^WARNING: the certificate of vc\.example\.test:443 has CHANGED since it was trusted on 2026-01-02T03:04:05\.000Z\./);
    expect(error?.message).toContain(`Trusted SHA-256: ${pinned}`);
    expect(error?.message).toContain(`Presented SHA-256: ${SELF_SIGNED_SHA256}`);
    expect(error?.evidence?.details).toMatchObject({ trustedSha256: pinned, presentedSha256: SELF_SIGNED_SHA256, trustedAt: '2026-01-02T03:04:05.000Z', subject: 'CN=vc01.example.test' });
  });

  it('hands the prompt everything it shows for an unknown certificate', () => {
    const error = unknownCertificateError(presented);
    expect(error.code).toBe('VSPHERE_CERT_UNKNOWN');
    expect(error.evidence?.details).toMatchObject({ host: 'vc.example.test', port: 443, sha256: SELF_SIGNED_SHA256, sha1: presented.sha1, selfSigned: true, issuer: 'CN=vc01.example.test' });
    expect(error.message).toContain(SELF_SIGNED_SHA256);
  });
});

describe('the trust store', () => {
  it('remembers per host:port, survives a new instance, and forgets on request', () => {
    const store = new TrustStore(join(dir, 'config'));
    expect(store.get('VC.example.test', 443)).toBeUndefined();
    store.trust('VC.example.test', 443, { sha256: SELF_SIGNED_SHA256.toLowerCase(), subject: 'CN=vc01' }, new Date('2026-05-01T00:00:00Z'));
    const reopened = new TrustStore(join(dir, 'config'));
    expect(reopened.get('vc.example.test', 443)).toEqual({ sha256: SELF_SIGNED_SHA256, subject: 'CN=vc01', trustedAt: '2026-05-01T00:00:00.000Z' });
    expect(reopened.get('vc.example.test', 8443)).toBeUndefined();
    expect(statSync(join(dir, 'config', TRUST_STORE_FILE)).mode & 0o777).toBe(0o600);
    reopened.forget('vc.example.test', 443);
    expect(new TrustStore(join(dir, 'config')).list()).toEqual({});
  });

  it('says so when its file is damaged instead of silently trusting nothing (or everything)', () => {
    writeFileSync(join(dir, TRUST_STORE_FILE), '{"version":1,"servers":');
    try {
      new TrustStore(dir).get('vc', 443);
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as EngineFailure).value?.code).toBe('IO_FAILED');
      expect((error as EngineFailure).value?.evidence?.path).toBe(join(dir, TRUST_STORE_FILE));
    }
  });

  it('refuses to store something that is not a SHA-256 fingerprint', () => {
    expect(() => new TrustStore(dir).trust('vc', 443, { sha256: 'abc', subject: 'x' })).toThrow(EngineFailure);
  });
});

describe('deciding the trust of a connection (no network needed)', () => {
  it('uses the remembered fingerprint without probing', async () => {
    const store = new TrustStore(dir);
    store.trust('vc.example.test', 443, { sha256: SELF_SIGNED_SHA256, subject: 'CN=vc01' });
    // vc.example.test does not resolve: a probe would fail, so success proves none happened.
    const decision = await resolveTrust({ host: 'vc.example.test', port: 443, store });
    expect(decision.policy).toMatchObject({ kind: 'pinned', sha256: SELF_SIGNED_SHA256 });
    expect(decision.certificate).toBeUndefined();
  });

  it('uses a CA file when one is given, and checks that it holds certificates', async () => {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, `junk before\n${sample('cert-ca.pem')}\ntrailing`);
    const decision = await resolveTrust({ host: 'vc.example.test', port: 443, caFile });
    expect(decision.policy.kind).toBe('ca');
    if (decision.policy.kind === 'ca') expect(decision.policy.caPem).toBe(sample('cert-ca.pem').trim());

    writeFileSync(join(dir, 'empty.pem'), 'nothing here');
    for (const bad of [join(dir, 'empty.pem'), join(dir, 'missing.pem')]) {
      try {
        readCaFile(bad);
        throw new Error('expected a failure');
      } catch (error) {
        expect((error as EngineFailure).value?.code).toBe('VSPHERE_CA_FILE_INVALID');
      }
    }
  });

  it('keeps the store file readable JSON for people', () => {
    const store = new TrustStore(dir);
    store.trust('vc', 443, { sha256: SELF_SIGNED_SHA256, subject: 'CN=vc01' }, new Date('2026-05-01T00:00:00Z'));
    expect(JSON.parse(readFileSync(join(dir, TRUST_STORE_FILE), 'utf8'))).toEqual({ version: 1, servers: { 'vc:443': { sha256: SELF_SIGNED_SHA256, subject: 'CN=vc01', trustedAt: '2026-05-01T00:00:00.000Z' } } });
  });
});
