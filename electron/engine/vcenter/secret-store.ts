import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Where the engine may keep a vCenter password when the user asks it to. The engine only sees
 * this port: the desktop app plugs in an implementation encrypted with Electron's safeStorage
 * (electron/main/secret-store.ts); the CLI, the bridge and the tests have none, so nothing is
 * ever remembered there. Implementations never log or return secrets anywhere but `get`.
 */
export interface SecretStore {
  /** False when secrets cannot be stored safely here (no keyring): the UI hides "remember". */
  readonly available: boolean;
  get(key: string): Promise<string | null>;
  set(key: string, secret: string): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** The keys stored (never the secrets). */
  keys(): Promise<string[]>;
}

export const noSecretStore: SecretStore = {
  available: false,
  get: () => Promise.resolve(null),
  set: () => Promise.reject(new Error('Passwords cannot be remembered here.')),
  delete: () => Promise.resolve(false),
  keys: () => Promise.resolve([]),
};

const PREFIX = 'vcenter-password:';

/** "vcenter-password:user@vsphere.local@vc01.example.com:443" — the user first, then the server. */
export function passwordKey(server: string, user: string): string {
  return `${PREFIX}${user}@${server}`;
}

/** The inverse of passwordKey; null for keys that are not vCenter passwords. */
export function parsePasswordKey(key: string): { server: string; user: string } | null {
  if (!key.startsWith(PREFIX)) return null;
  const rest = key.slice(PREFIX.length);
  const at = rest.lastIndexOf('@');
  if (at <= 0 || at === rest.length - 1) return null;
  return { user: rest.slice(0, at), server: rest.slice(at + 1) };
}

/** Encryption by the platform's keyring (Electron's safeStorage in the app). */
export interface SecretCipher {
  /** False when only an insecure fallback exists (no keyring): nothing is stored then. */
  available(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(sealed: Buffer): string;
}

interface SecretFile {
  version: 1;
  /** key → the sealed secret, base64. */
  secrets: Record<string, string>;
}

/**
 * Secrets sealed by a cipher and kept in one JSON file (mode 0600, written aside and renamed).
 * The file holds only ciphertext; without the keyring it is useless.
 */
export function encryptedFileSecretStore(file: string, cipher: SecretCipher): SecretStore {
  const read = async (): Promise<SecretFile> => {
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as SecretFile;
      return parsed.version === 1 && parsed.secrets && typeof parsed.secrets === 'object' ? parsed : { version: 1, secrets: {} };
    } catch {
      return { version: 1, secrets: {} };
    }
  };
  const write = async (data: SecretFile): Promise<void> => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, file);
  };
  return {
    get available() {
      return cipher.available();
    },
    async get(key) {
      if (!cipher.available()) return null;
      const sealed = (await read()).secrets[key];
      if (sealed === undefined) return null;
      try {
        return cipher.decrypt(Buffer.from(sealed, 'base64'));
      } catch {
        // Sealed under another keyring (another user, a reinstalled system): as if not remembered.
        return null;
      }
    },
    async set(key, secret) {
      if (!cipher.available()) throw new Error('Passwords cannot be remembered safely here: no keyring.');
      const data = await read();
      data.secrets[key] = cipher.encrypt(secret).toString('base64');
      await write(data);
    },
    async delete(key) {
      const data = await read();
      if (!(key in data.secrets)) return false;
      delete data.secrets[key];
      await write(data);
      return true;
    },
    async keys() {
      return Object.keys((await read()).secrets);
    },
  };
}
