import { BackupError, type EngagementEncryption } from '../../core';
import { fromBase64, openEncryption, randomBytes, toBase64, type EngagementKeys } from './keys';

/**
 * The backup of an encrypted engagement leaves the tablet sealed with the engagement's own key: the .patchfield
 * zip, encrypted whole with AES-256-GCM, behind a one-line header that holds what opens it again — the
 * engagement's key parameters (salt, PBKDF2 iterations, the verifier; never a key) and the IV. The header is the
 * AES-GCM additional data, so changing it makes the file refuse to open. The same passphrase opens it on any
 * device; the client's name, machines and findings are all inside the ciphertext.
 *
 *   PATCHFIELD-SEALED-BACKUP 1\n{"encryption":{…},"iv":"…"}\n<ciphertext>
 */
const MAGIC = 'PATCHFIELD-SEALED-BACKUP 1\n';
const utf8 = new TextEncoder();

interface SealedHeader {
  encryption: EngagementEncryption;
  iv: string;
}

/** True when the bytes are a sealed backup (it needs its passphrase before it can be read). */
export function isSealedBackup(bytes: Uint8Array): boolean {
  const magic = utf8.encode(MAGIC);
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** Seals a .patchfield zip with an unlocked engagement's keys. */
export async function sealBackup(
  zip: Uint8Array,
  encryption: EngagementEncryption,
  keys: EngagementKeys
): Promise<Uint8Array<ArrayBuffer>> {
  const header = JSON.stringify({ encryption, iv: toBase64(randomBytes(12)) } satisfies SealedHeader);
  const { iv } = JSON.parse(header) as SealedHeader;
  const data = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: fromBase64(iv), additionalData: utf8.encode(header) },
      keys.aes,
      zip as Uint8Array<ArrayBuffer>
    )
  );
  const head = utf8.encode(`${MAGIC}${header}\n`);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

function readHeader(
  bytes: Uint8Array,
  name: string
): { header: string; parsed: SealedHeader; body: Uint8Array } {
  const start = utf8.encode(MAGIC).length;
  const end = bytes.indexOf(0x0a, start);
  const damaged = () =>
    new BackupError(
      'backup-invalid',
      `${name} is a sealed Patchfield backup whose header is damaged, so it cannot be opened. Nothing was imported: export it again from the device it came from.`
    );
  if (end < 0) throw damaged();
  const header = new TextDecoder().decode(bytes.subarray(start, end));
  let parsed: SealedHeader;
  try {
    parsed = JSON.parse(header) as SealedHeader;
  } catch {
    throw damaged();
  }
  if (typeof parsed?.iv !== 'string' || typeof parsed.encryption?.salt !== 'string') throw damaged();
  return { header, parsed, body: bytes.subarray(end + 1) };
}

/**
 * Opens a sealed backup with its passphrase: the zip inside, and the engagement's encryption and keys (so the
 * restored engagement can be sealed again on this device). A wrong passphrase throws WrongPassphraseError; a
 * file changed or cut short after it was sealed throws a BackupError.
 */
export async function openSealedBackup(
  bytes: Uint8Array,
  passphrase: string,
  name: string
): Promise<{ zip: Uint8Array; encryption: EngagementEncryption; keys: EngagementKeys }> {
  const { header, parsed, body } = readHeader(bytes, name);
  const keys = await openEncryption(parsed.encryption, passphrase);
  let zip: ArrayBuffer;
  try {
    zip = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(parsed.iv), additionalData: utf8.encode(header) },
      keys.aes,
      body as Uint8Array<ArrayBuffer>
    );
  } catch {
    throw new BackupError(
      'backup-entry-damaged',
      `${name} was changed or cut short after it was exported: the passphrase is right but the contents do not match. Nothing was imported: copy the file again from where it was kept.`
    );
  }
  return { zip: new Uint8Array(zip), encryption: parsed.encryption, keys };
}
