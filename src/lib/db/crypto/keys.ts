import type { EngagementEncryption } from '../../core';

/**
 * An engagement's keys, derived from the technician's passphrase and kept only in memory (the page and the engine
 * worker each hold a copy while it is unlocked). Both are non-extractable WebCrypto keys: the page can hand them
 * to the worker (a CryptoKey is structured-clonable) but no script can read their bytes.
 */
export interface EngagementKeys {
  /** AES-256-GCM: encrypts records and files. */
  aes: CryptoKey;
  /** HMAC-SHA-256: blind indexes, so a look-up by a sensitive value works without storing the value. */
  hmac: CryptoKey;
  /** The salt the keys were derived with: keys of an earlier passphrase never open newer records. */
  salt: string;
}

/**
 * PBKDF2-SHA-256 at OWASP's 2023 figure. Chosen over Argon2id (hash-wasm) because it is WebCrypto itself: it runs
 * in the page, the worker and Node alike, including under the app's Content-Security-Policy, which does not allow
 * WebAssembly in the page; a passphrase that could be checked on one device and not on another would lock the
 * technician out of the client's data.
 */
export const KDF_ITERATIONS = 600_000;
export const MIN_PASSPHRASE_LENGTH = 10;

/** Raised when an encrypted engagement's data is read or written while it is locked. */
export class EngagementLockedError extends Error {
  constructor(message = 'This engagement is locked: enter its passphrase.') {
    super(message);
    this.name = 'EngagementLockedError';
  }
}

/** Raised by unlocking with a passphrase that does not open the engagement; nothing is read or changed. */
export class WrongPassphraseError extends Error {
  constructor() {
    super(
      'That passphrase does not open this engagement. Nothing was changed: check it (capital letters, spaces) and try again.'
    );
    this.name = 'WrongPassphraseError';
  }
}

/** Raised when a record cannot be decrypted with the right key: it was changed outside Patchfield or is damaged. */
export class DamagedRecordError extends Error {
  constructor(where: string) {
    super(
      `A record of this engagement (${where}) could not be decrypted: it is damaged or was changed outside Patchfield.`
    );
    this.name = 'DamagedRecordError';
  }
}

const VERIFIER_TEXT = 'Patchfield engagement key check v1';
const VERIFIER_AAD = 'patchfield/verifier';

const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

async function deriveKeys(
  passphrase: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number
): Promise<EngagementKeys> {
  // NFC: the same passphrase typed on another keyboard (composed or decomposed accents) gives the same key.
  const material = await crypto.subtle.importKey('raw', utf8(passphrase.normalize('NFC')), 'PBKDF2', false, [
    'deriveBits'
  ]);
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', salt, iterations, hash: 'SHA-256' }, material, 256)
  );
  try {
    // One slow derivation, then HKDF splits it into independent keys for encryption and for blind indexes.
    const master = await crypto.subtle.importKey('raw', bits, 'HKDF', false, ['deriveKey']);
    const info = (purpose: string) => ({
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: utf8(`patchfield/${purpose}/v1`)
    });
    const aes = await crypto.subtle.deriveKey(
      info('aes-gcm'),
      master,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt']
    );
    const hmac = await crypto.subtle.deriveKey(
      info('blind-index'),
      master,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign']
    );
    return { aes, hmac, salt: toBase64(salt) };
  } finally {
    bits.fill(0);
  }
}

/** New keys for an engagement and what is stored about them (salt, parameters, a verifier; never the key). */
export async function createEncryption(
  passphrase: string,
  iterations = KDF_ITERATIONS
): Promise<{ encryption: EngagementEncryption; keys: EngagementKeys }> {
  if (passphrase.trim().length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(
      `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters (a few words work well).`
    );
  }
  const salt = randomBytes(16);
  const keys = await deriveKeys(passphrase, salt, iterations);
  const iv = randomBytes(12);
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(VERIFIER_AAD) },
    keys.aes,
    utf8(VERIFIER_TEXT)
  );
  return {
    encryption: {
      kdf: 'PBKDF2-SHA-256',
      params: { iterations },
      salt: keys.salt,
      verifier: { iv: toBase64(iv), data: toBase64(new Uint8Array(data)) }
    },
    keys
  };
}

/**
 * The engagement's keys from its passphrase, checked against the stored verifier before anything else is read:
 * a wrong passphrase is reported as such (WrongPassphraseError) and touches no data.
 */
export async function openEncryption(
  encryption: EngagementEncryption,
  passphrase: string
): Promise<EngagementKeys> {
  const keys = await deriveKeys(passphrase, fromBase64(encryption.salt), encryption.params.iterations);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(encryption.verifier.iv), additionalData: utf8(VERIFIER_AAD) },
      keys.aes,
      fromBase64(encryption.verifier.data)
    );
    if (new TextDecoder().decode(plain) !== VERIFIER_TEXT) throw new WrongPassphraseError();
  } catch {
    throw new WrongPassphraseError();
  }
  return keys;
}

/** A keyed hash of an indexed value (hex, 64 characters): equal values match, the value itself is not stored. */
export async function blindIndex(keys: EngagementKeys, field: string, value: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', keys.hmac, utf8(`${field}\u0000${value}`)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function encryptBytes(
  keys: EngagementKeys,
  plain: Uint8Array<ArrayBuffer>,
  aad: string
): Promise<{ iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer }> {
  const iv = randomBytes(12);
  const data = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(aad) },
    keys.aes,
    plain
  );
  return { iv, data };
}

export async function decryptBytes(
  keys: EngagementKeys,
  sealed: { iv: Uint8Array<ArrayBuffer>; data: ArrayBuffer | Uint8Array<ArrayBuffer> },
  aad: string
): Promise<ArrayBuffer> {
  try {
    return await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv, additionalData: utf8(aad) },
      keys.aes,
      sealed.data
    );
  } catch {
    throw new DamagedRecordError(aad);
  }
}
