import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encryptedFileSecretStore, noSecretStore } from '../../../electron/engine/vcenter/secret-store';
import type { SecretCipher } from '../../../electron/engine/vcenter/secret-store';

// A stand-in for the keyring (Electron's safeStorage is not available outside the app): a
// reversible transformation, enough to see that only ciphertext reaches the file.
function cipher(available = true): SecretCipher {
  const flip = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return { available: () => available, encrypt: (plain) => flip(Buffer.from(plain, 'utf8')), decrypt: (sealed) => flip(sealed).toString('utf8') };
}

describe('remembered passwords', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h2k-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps only ciphertext, in a file only the user can read, and gives the secret back', async () => {
    const file = join(dir, 'a', 'vcenter-passwords.json');
    const store = encryptedFileSecretStore(file, cipher());
    expect(store.available).toBe(true);
    await store.set('vcenter-password:admin@vc01:443', 'S3cret&<"pass>');
    expect(readFileSync(file, 'utf8')).not.toContain('S3cret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The folder it creates (the app's home) is the user's only too (issue 11).
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
    expect(await store.get('vcenter-password:admin@vc01:443')).toBe('S3cret&<"pass>');
    expect(await store.keys()).toEqual(['vcenter-password:admin@vc01:443']);
    // A second store on the same file (the app restarted) reads it back.
    expect(await encryptedFileSecretStore(file, cipher()).get('vcenter-password:admin@vc01:443')).toBe('S3cret&<"pass>');
    expect(await store.delete('vcenter-password:admin@vc01:443')).toBe(true);
    expect(await store.delete('vcenter-password:admin@vc01:443')).toBe(false);
    expect(await store.get('vcenter-password:admin@vc01:443')).toBeNull();
  });

  it('stores nothing without a keyring, and nothing is remembered outside the app', async () => {
    const store = encryptedFileSecretStore(join(dir, 'b.json'), cipher(false));
    expect(store.available).toBe(false);
    await expect(store.set('k', 'v')).rejects.toThrow(/keyring/);
    expect(await store.get('k')).toBeNull();
    expect(noSecretStore.available).toBe(false);
    expect(await noSecretStore.get('k')).toBeNull();
    await expect(noSecretStore.set('k', 'v')).rejects.toThrow();
  });

  it('treats a secret sealed by another keyring as not remembered', async () => {
    const file = join(dir, 'c.json');
    await encryptedFileSecretStore(file, cipher()).set('k', 'v');
    const broken: SecretCipher = { ...cipher(), decrypt: () => { throw new Error('bad key'); } };
    expect(await encryptedFileSecretStore(file, broken).get('k')).toBeNull();
  });
});
