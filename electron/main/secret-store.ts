import { safeStorage } from 'electron';
import type { SecretCipher } from '../engine/vcenter/secret-store';

/**
 * The keyring behind remembered vCenter passwords: Electron's safeStorage (libsecret/KWallet on
 * Linux). Its "basic_text" fallback encrypts with a key built into Chromium, which protects
 * nothing, so then passwords are simply not remembered. Call after the app is ready.
 */
export const safeStorageCipher: SecretCipher = {
  available: () => safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (sealed) => safeStorage.decryptString(sealed),
};
