import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { unzipSync, Zip, ZipDeflate, ZipPassThrough } from 'fflate';

/**
 * What Patchfield's own zip files share (the catalog bundle and the engagement backup): fixed time stamps so the
 * same content gives the same bytes, SHA-256 of every entry, and reading one entry at a time.
 */

/** Fixed zip time stamps: the same content gives the same zip bytes, whenever it is written. */
export const ZIP_MTIME = new Date('2000-01-01T00:00:00Z');

/** SHA-256 of bytes as lower-case hex (@noble/hashes: pure JavaScript, the same in the worker, Node and tests). */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** A file that starts like a zip (local file header "PK\3\4"). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length > 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** One entry's bytes, or undefined when the zip has no such entry. Throws when the zip cannot be read. */
export function readZipEntry(bytes: Uint8Array, entry: string): Uint8Array | undefined {
  return unzipSync(bytes, { filter: (f) => f.name === entry })[entry];
}

/**
 * The entry names of a zip, read from its central directory without inflating anything. Throws when the zip
 * cannot be read, e.g. when its end (where the directory is) was cut off.
 */
export function listZipEntries(bytes: Uint8Array): string[] {
  const names: string[] = [];
  unzipSync(bytes, {
    filter: (f) => {
      names.push(f.name);
      return false;
    }
  });
  return names;
}

export interface ZipWriteEntry {
  path: string;
  bytes: Uint8Array;
  /** Deflate it (text, JSON); false stores it as it is (JPEG, which does not shrink). */
  compress: boolean;
}

/** Entries are pushed in pieces of this size, so progress moves during a large entry and the bytes never vary. */
const ZIP_CHUNK = 1 << 20;

/**
 * Writes a zip of the entries in the order given, reporting bytes done of bytes in total. Deterministic: the same
 * entries in the same order give the same bytes.
 */
export function writeZip(
  entries: readonly ZipWriteEntry[],
  onProgress?: (done: number, total: number) => void
): Uint8Array {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else out.push(chunk);
  });
  const total = entries.reduce((n, e) => n + e.bytes.length, 0);
  let done = 0;
  for (const entry of entries) {
    const file = entry.compress ? new ZipDeflate(entry.path, { level: 6 }) : new ZipPassThrough(entry.path);
    file.mtime = ZIP_MTIME;
    zip.add(file);
    if (entry.bytes.length === 0) file.push(new Uint8Array(0), true);
    for (let at = 0; at < entry.bytes.length; at += ZIP_CHUNK) {
      const end = Math.min(at + ZIP_CHUNK, entry.bytes.length);
      file.push(entry.bytes.subarray(at, end), end === entry.bytes.length);
      done += end - at;
      onProgress?.(done, total);
    }
  }
  zip.end();
  if (failure) throw failure;
  const size = out.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of out) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes;
}
