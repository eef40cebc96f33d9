import { engagementDraftSchema, engagementSchema, type Engagement, type EngagementDraft } from '../core';
import type { PatchfieldDB } from './schema';

export function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Validates and stores a new engagement; resolves once it is on disk. */
export async function createEngagement(
  db: PatchfieldDB,
  draft: EngagementDraft,
  now = new Date()
): Promise<Engagement> {
  const fields = engagementDraftSchema.parse(draft);
  const stamp = now.toISOString();
  const engagement = engagementSchema.parse({
    ...fields,
    id: newId('e'),
    createdAt: stamp,
    updatedAt: stamp
  });
  await db.engagements.add(engagement);
  return engagement;
}

export async function updateEngagement(
  db: PatchfieldDB,
  id: string,
  changes: Partial<EngagementDraft>,
  now = new Date()
): Promise<Engagement> {
  return db.transaction('rw', db.engagements, async () => {
    const current = await db.engagements.get(id);
    if (!current) throw new Error(`Engagement ${id} no longer exists.`);
    const next = engagementSchema.parse({ ...current, ...changes, updatedAt: now.toISOString() });
    await db.engagements.put(next);
    return next;
  });
}

export async function listEngagements(db: PatchfieldDB): Promise<Engagement[]> {
  const all = await db.engagements.orderBy('updatedAt').reverse().toArray();
  return all.map((e) => engagementSchema.parse(e));
}

export async function getEngagement(db: PatchfieldDB, id: string): Promise<Engagement | undefined> {
  const e = await db.engagements.get(id);
  return e ? engagementSchema.parse(e) : undefined;
}

/**
 * Deletes an engagement and everything that belongs to it, in one transaction: its files and their raw bytes,
 * host and rule rows, results, settings, decisions, photos, and any row of a later table that carries its id
 * (every table with an `engagementId` key or index is cleared of it, so a new table cannot be forgotten here).
 */
export async function deleteEngagement(db: PatchfieldDB, id: string): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    const fileIds = (await db.files.where('engagementId').equals(id).primaryKeys()) as string[];
    // Raw files are keyed by their file's id, not by the engagement.
    await db.rawFiles.bulkDelete(fileIds);
    for (const table of db.tables) {
      if (table.schema.primKey.keyPath === 'engagementId') await table.delete(id);
      else if (table.schema.idxByName['engagementId']) await table.where('engagementId').equals(id).delete();
    }
    await db.engagements.delete(id);
  });
}
