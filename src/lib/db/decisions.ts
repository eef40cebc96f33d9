import { NO_DECISIONS, type IdentityDecisions } from '../core';
import type { PatchfieldDB } from './schema';

export async function getDecisions(db: PatchfieldDB, engagementId: string): Promise<IdentityDecisions> {
  const row = await db.decisions.get(engagementId);
  return row ? { merges: row.merges, splits: row.splits } : NO_DECISIONS;
}

/** Records that two observations are the same machine (and undoes a split of either). */
export async function recordMerge(
  db: PatchfieldDB,
  engagementId: string,
  a: string,
  b: string
): Promise<void> {
  await db.transaction('rw', db.decisions, db.results, async () => {
    const cur = await getDecisions(db, engagementId);
    const merges = cur.merges.filter(([x, y]) => !((x === a && y === b) || (x === b && y === a)));
    await db.decisions.put({
      engagementId,
      merges: [...merges, [a, b]],
      splits: cur.splits.filter((s) => s !== a && s !== b)
    });
    await db.results.delete(engagementId);
  });
}

/** Records that an observation is a machine of its own (and drops merges that name it). */
export async function recordSplit(db: PatchfieldDB, engagementId: string, anchor: string): Promise<void> {
  await db.transaction('rw', db.decisions, db.results, async () => {
    const cur = await getDecisions(db, engagementId);
    await db.decisions.put({
      engagementId,
      merges: cur.merges.filter(([x, y]) => x !== anchor && y !== anchor),
      splits: [...new Set([...cur.splits, anchor])]
    });
    await db.results.delete(engagementId);
  });
}

/** Forgets every decision of the engagement. */
export async function resetDecisions(db: PatchfieldDB, engagementId: string): Promise<void> {
  await db.transaction('rw', db.decisions, db.results, async () => {
    await db.decisions.delete(engagementId);
    await db.results.delete(engagementId);
  });
}
