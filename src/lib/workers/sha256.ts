import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** SHA-256 fed piece by piece while a file streams by (crypto.subtle.digest cannot hash in pieces). */
export interface IncrementalHash {
  update(chunk: Uint8Array): void;
  hex(): string;
}

/**
 * hash-wasm (WebAssembly, about twice as fast here) where WebAssembly runs; @noble/hashes (pure JavaScript)
 * otherwise, e.g. under a Content-Security-Policy without 'wasm-unsafe-eval'.
 */
export async function createSha256(): Promise<IncrementalHash> {
  try {
    const { createSHA256 } = await import('hash-wasm');
    const h = await createSHA256();
    h.init();
    return { update: (chunk) => void h.update(chunk), hex: () => h.digest('hex') };
  } catch {
    const h = sha256.create();
    return { update: (chunk) => void h.update(chunk), hex: () => bytesToHex(h.digest()) };
  }
}
