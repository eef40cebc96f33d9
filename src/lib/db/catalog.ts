import { CATALOG_PART_SCHEMAS, catalogFromParts, partRecords, type Catalog, type CatalogPart } from '../core';
import type { CatalogMetaRecord, CatalogRecord, PatchfieldDB } from './schema';

/**
 * Stores catalog parts in one transaction: either every part of an import lands or none does, so a failed import
 * or refresh keeps the previous catalog whole. Results computed with the previous catalog are dropped.
 */
export async function saveCatalogParts(
  db: PatchfieldDB,
  parts: readonly CatalogPart[],
  fileName: string,
  importedAt: string
): Promise<CatalogMetaRecord[]> {
  const metas = parts.map((data): CatalogMetaRecord => ({
    part: data.part,
    fileName,
    importedAt,
    source: data.source,
    ...(data.snapshotDate ? { snapshotDate: data.snapshotDate } : {}),
    records: partRecords(data),
    bytes: JSON.stringify(data).length
  }));
  await db.transaction('rw', db.catalog, db.catalogMeta, db.results, async () => {
    for (const data of parts) {
      await db.catalog.put({ part: data.part, fileName, importedAt, data } satisfies CatalogRecord);
    }
    await db.catalogMeta.bulkPut(metas);
    await db.results.clear();
  });
  return metas;
}

/** What the app shows: each part's source, snapshot date, records and size, never the data. */
export async function listCatalogParts(db: PatchfieldDB): Promise<CatalogMetaRecord[]> {
  return db.catalogMeta.toArray();
}

/**
 * The catalog the engine uses, each part validated against its schema on load: a part that no longer validates is
 * left out (its answers become "unknown"), never trusted.
 */
export async function loadCatalog(db: PatchfieldDB): Promise<Catalog> {
  const records = await db.catalog.toArray();
  const parts: CatalogPart[] = [];
  for (const r of records) {
    const schema = CATALOG_PART_SCHEMAS[r.part];
    if (!schema) continue;
    const checked = schema.safeParse(r.data);
    if (checked.success) parts.push(checked.data as CatalogPart);
  }
  return catalogFromParts(parts);
}
