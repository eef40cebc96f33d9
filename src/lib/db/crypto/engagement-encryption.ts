import type { EngagementEncryption } from '../../core';
import type { PatchfieldDB } from '../schema';
import { EngagementLockedError, type EngagementKeys } from './keys';
import { keyringFor } from './keyring';
import { ENCRYPTED_TABLES } from './middleware';

/** Rows rewritten per bulkPut: bounds the memory a large engagement needs while its rows are sealed or opened. */
const CHUNK = 500;

/** Every table holding the engagement's rows (photos and later tables included when the schema has them). */
function engagementTables(db: PatchfieldDB) {
  return db.tables.filter((t) => t.name in ENCRYPTED_TABLES);
}

/**
 * Reads every row of the engagement and writes it back: the middleware seals or opens each row according to the
 * engagement record as it now stands in the same transaction.
 */
async function rewriteRows(db: PatchfieldDB, engagementId: string): Promise<void> {
  const fileIds = (await db.files.where('engagementId').equals(engagementId).primaryKeys()) as string[];
  for (const table of engagementTables(db)) {
    if (table.name === 'engagements' || table.name === 'rawFiles') continue;
    if (table.schema.primKey.keyPath === 'engagementId') {
      const row = (await table.get(engagementId)) as object | undefined;
      if (row) await table.put(row);
    } else if (table.schema.idxByName['engagementId']) {
      const rows = (await table.where('engagementId').equals(engagementId).toArray()) as object[];
      for (let i = 0; i < rows.length; i += CHUNK) await table.bulkPut(rows.slice(i, i + CHUNK));
    }
  }
  // Raw files one at a time (each can be tens of MB); the middleware finds their engagement through their file.
  for (const id of fileIds) {
    const raw = await db.rawFiles.get(id);
    if (raw) await db.rawFiles.put(raw);
  }
}

/**
 * Turns encryption on: the engagement record gets its encryption parameters and every row of the engagement is
 * sealed, all in one transaction, so a failure (or a closed tab) leaves the engagement as it was, never half
 * encrypted. The keys stay in this connection's keyring: the engagement is unlocked here afterwards.
 */
export async function encryptEngagement(
  db: PatchfieldDB,
  engagementId: string,
  encryption: EngagementEncryption,
  keys: EngagementKeys
): Promise<void> {
  const keyring = keyringFor(db);
  const before = keyring.get(engagementId);
  keyring.set(engagementId, keys);
  try {
    await db.transaction('rw', engagementTables(db), async () => {
      const engagement = await db.engagements.get(engagementId);
      if (!engagement) throw new Error('This engagement no longer exists.');
      if (engagement.encryption) throw new Error('This engagement is already encrypted.');
      await db.engagements.put({ ...engagement, encryption });
      await rewriteRows(db, engagementId);
    });
  } catch (e) {
    if (before) keyring.set(engagementId, before);
    else keyring.forget(engagementId);
    throw e;
  }
}

/**
 * Turns encryption off (the engagement must be unlocked here): every row is written back in clear and the
 * encryption parameters are removed, in one transaction. The keys are forgotten afterwards.
 */
export async function decryptEngagement(db: PatchfieldDB, engagementId: string): Promise<void> {
  const keyring = keyringFor(db);
  if (!keyring.has(engagementId)) throw new EngagementLockedError();
  await db.transaction('rw', engagementTables(db), async () => {
    const engagement = await db.engagements.get(engagementId);
    if (!engagement) throw new Error('This engagement no longer exists.');
    if (!engagement.encryption) return;
    const { encryption: _encryption, ...clear } = engagement;
    await db.engagements.put(clear);
    await rewriteRows(db, engagementId);
  });
  keyring.forget(engagementId);
}
