import Dexie, { type ObservabilitySet } from 'dexie';
import { keyringFor } from './keyring';
import { encryptionMiddleware } from './middleware';

export * from './keys';
export * from './keyring';
export * from './auto-lock';
export * from './engagement-encryption';
export * from './sealed-backup';
export { ENCRYPTED_TABLES, LOCKED_CLIENT_NAME } from './middleware';

/** Registers encryption at rest on a connection (openDatabase does this for every connection). */
export function useEncryption(db: Dexie): void {
  db.use(encryptionMiddleware(keyringFor(db)));
}

/**
 * Makes every live query of this context read again. Unlocking changes what rows read as without writing them,
 * so Dexie would not notice by itself, and its cache of query results would keep what locked rows read as.
 */
export function rereadLiveQueries(): void {
  // `all` is the part Dexie itself signals when a database is created: it overlaps every query.
  const everything = { all: true } as unknown as ObservabilitySet;
  if (typeof dispatchEvent === 'function' && typeof CustomEvent === 'function') {
    // Dexie's own event for a change made in this context: it re-runs live queries and drops cached results.
    dispatchEvent(new CustomEvent('x-storagemutated-1', { detail: everything }));
  } else {
    Dexie.on.storagemutated.fire(everything);
  }
}
