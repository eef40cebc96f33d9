import { windowsBuildCatalogSchema, type Catalog } from '../core';
import type { CatalogRecord, PatchfieldDB } from './schema';

export async function saveCatalogPart(db: PatchfieldDB, record: CatalogRecord): Promise<void> {
  await db.transaction('rw', db.catalog, db.results, async () => {
    await db.catalog.put(record);
    // Results computed with the previous catalog are stale.
    await db.results.clear();
  });
}

export async function listCatalogParts(db: PatchfieldDB): Promise<CatalogRecord[]> {
  return db.catalog.toArray();
}

/** The catalog the engine uses, validated on load (a part that no longer validates is left out, never trusted). */
export async function loadCatalog(db: PatchfieldDB): Promise<Catalog> {
  const wb = await db.catalog.get('windows-builds');
  const checked = wb ? windowsBuildCatalogSchema.safeParse(wb.data) : undefined;
  return checked?.success ? { windowsBuilds: checked.data } : {};
}
