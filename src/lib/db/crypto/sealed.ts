import { decryptBytes, encryptBytes, fromBase64, toBase64, type EngagementKeys } from './keys';

/**
 * A record of an encrypted engagement as IndexedDB stores it: the fields that keys and indexes need (ids, the
 * engagement id, a status, blind indexes) stay readable, everything else is one AES-GCM ciphertext, and each
 * Blob (a raw file, a photo) is its own ciphertext, stored as a Blob again so IndexedDB can keep it on disk.
 */
export interface SealedRecord {
  [field: string]: unknown;
  enc: Sealed;
}

export interface Sealed {
  v: 1;
  /** The start of the salt of the keys it was sealed with: keys of another passphrase are told apart. */
  k: string;
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
  blobs?: { iv: Uint8Array<ArrayBuffer>; data: Blob }[];
}

const BLOB = '\u0000blob';
const BYTES = '\u0000bytes';
const BUFFER = '\u0000buffer';

/** Which keys a record was sealed with (part of the salt, which is stored in clear anyway). */
export function keyTag(keys: EngagementKeys): string {
  return keys.salt.slice(0, 8);
}

export function isSealed(value: unknown): value is SealedRecord {
  if (typeof value !== 'object' || value === null) return false;
  const enc = (value as { enc?: unknown }).enc;
  return typeof enc === 'object' && enc !== null && (enc as { v?: unknown }).v === 1;
}

/**
 * Encrypts `value` whole, bound to `aad` (its table and primary key, so a ciphertext cannot be moved to another
 * record), and returns the stored form: `clear` plus the ciphertext.
 */
export async function seal(
  keys: EngagementKeys,
  value: object,
  aad: string,
  clear: Record<string, unknown>
): Promise<SealedRecord> {
  const blobs: Blob[] = [];
  const json = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Blob) {
      blobs.push(v);
      return { [BLOB]: blobs.length - 1, type: v.type };
    }
    if (v instanceof Uint8Array) return { [BYTES]: toBase64(v) };
    if (v instanceof ArrayBuffer) return { [BUFFER]: toBase64(new Uint8Array(v)) };
    return v;
  });
  const body = await encryptBytes(keys, new TextEncoder().encode(json), aad);
  const enc: Sealed = { v: 1, k: keyTag(keys), iv: body.iv, data: body.data };
  if (blobs.length > 0) {
    enc.blobs = await Promise.all(
      blobs.map(async (b, i) => {
        const sealed = await encryptBytes(keys, new Uint8Array(await b.arrayBuffer()), `${aad}#${i}`);
        return { iv: sealed.iv, data: new Blob([sealed.data]) };
      })
    );
  }
  return { ...clear, enc };
}

/** The record as it was before `seal`. */
export async function unseal(keys: EngagementKeys, record: SealedRecord, aad: string): Promise<object> {
  const { enc } = record;
  const blobs = await Promise.all(
    (enc.blobs ?? []).map(
      async (b, i) =>
        new Uint8Array(
          await decryptBytes(keys, { iv: b.iv, data: await b.data.arrayBuffer() }, `${aad}#${i}`)
        )
    )
  );
  const json = new TextDecoder().decode(await decryptBytes(keys, enc, aad));
  return JSON.parse(json, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null) return v;
    if (BLOB in v) {
      const { [BLOB]: index, type } = v as { [BLOB]: number; type: string };
      return new Blob([blobs[index]!], { type });
    }
    if (BYTES in v) return fromBase64((v as { [BYTES]: string })[BYTES]);
    if (BUFFER in v) return fromBase64((v as { [BUFFER]: string })[BUFFER]).buffer;
    return v;
  }) as object;
}
