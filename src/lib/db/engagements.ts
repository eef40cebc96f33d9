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

/** Deletes an engagement and everything that belongs to it, in one transaction. */
export async function deleteEngagement(db: PatchfieldDB, id: string): Promise<void> {
  await db.transaction(
    'rw',
    [db.engagements, db.files, db.rawFiles, db.hosts, db.rules, db.results],
    async () => {
      const fileIds = (await db.files.where('engagementId').equals(id).primaryKeys()) as string[];
      await db.rawFiles.bulkDelete(fileIds);
      await db.files.bulkDelete(fileIds);
      await db.hosts.where('engagementId').equals(id).delete();
      await db.rules.where('engagementId').equals(id).delete();
      await db.results.delete(id);
      await db.engagements.delete(id);
    }
  );
}
