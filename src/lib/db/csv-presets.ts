import { csvMappingSchema, type CsvMapping } from '../core';
import type { CsvPresetRecord, PatchfieldDB } from './schema';
import { newId } from './engagements';

/** The saved mapping for a header, if any (the newest when several were saved). */
export async function findCsvPreset(
  db: PatchfieldDB,
  signature: string
): Promise<CsvPresetRecord | undefined> {
  const all = await db.csvPresets.where('signature').equals(signature).toArray();
  const newest = all.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  return newest && csvMappingSchema.safeParse(newest.mapping).success ? newest : undefined;
}

export async function saveCsvPreset(
  db: PatchfieldDB,
  name: string,
  signature: string,
  mapping: CsvMapping,
  now = new Date()
): Promise<CsvPresetRecord> {
  const record: CsvPresetRecord = {
    id: newId('p'),
    name: name.trim() || 'CSV layout',
    signature,
    mapping: csvMappingSchema.parse(mapping) as Record<string, string>,
    createdAt: now.toISOString()
  };
  await db.csvPresets.put(record);
  return record;
}

export async function listCsvPresets(db: PatchfieldDB): Promise<CsvPresetRecord[]> {
  return (await db.csvPresets.toArray()).sort((a, b) => a.name.localeCompare(b.name));
}

export async function deleteCsvPreset(db: PatchfieldDB, id: string): Promise<void> {
  await db.csvPresets.delete(id);
}
