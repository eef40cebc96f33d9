import { engagementResultsSchema, type EngagementResults } from '../core';
import type { PatchfieldDB, ResultsRecord } from './schema';

export async function saveResults(db: PatchfieldDB, record: ResultsRecord): Promise<void> {
  await db.results.put(record);
}

/** Stored results, validated; undefined when none or when they no longer match the schema. */
export async function getResults(db: PatchfieldDB, engagementId: string): Promise<ResultsRecord | undefined> {
  const r = await db.results.get(engagementId);
  if (!r) return undefined;
  const checked = engagementResultsSchema.safeParse(r.results);
  return checked.success ? { ...r, results: checked.data as EngagementResults } : undefined;
}
