import Dexie, { type EntityTable, type Transaction } from 'dexie';
import type { Engagement, EngagementResults, HostObservation, ImportedFile, ScannerRule } from '../core';
import type { CatalogPart, CatalogPartName, EngagementSettingsInput } from '../core';
import { useEncryption } from './crypto';

/**
 * Storage layout, tuned for IndexedDB's cost per record (about 0.3–0.5 ms whatever the size, see PERFORMANCE.md):
 * one record per host per imported file, scanner rule texts in one record per batch of rules, the raw file as one Blob.
 * Rows of an import are live only once its ImportedFile says "done": readers join on that, so a crash mid-import
 * leaves rows that nobody reads and that the next start purges.
 */

export interface HostRecord {
  /** `${fileId}:${seq}` */
  id: string;
  fileId: string;
  engagementId: string;
  seq: number;
  host: HostObservation;
}

export interface RuleBatchRecord {
  /** `${fileId}:r${batch}` */
  id: string;
  fileId: string;
  engagementId: string;
  rules: ScannerRule[];
}

export interface RawFileRecord {
  /** Same id as the ImportedFile. */
  id: string;
  blob: Blob;
}

export interface ResultsRecord {
  engagementId: string;
  /** What the results were computed from: done file ids, catalog snapshot, as-of date. */
  inputsKey: string;
  computedAt: string;
  results: EngagementResults;
}

/** One catalog part's data: read only by the engine (EPSS alone is about 360,000 CVEs). */
export interface CatalogRecord {
  part: CatalogPartName;
  fileName: string;
  importedAt: string;
  data: CatalogPart;
}

/** What the app shows about a catalog part, without reading its data. */
export interface CatalogMetaRecord {
  part: CatalogPartName;
  fileName: string;
  importedAt: string;
  source: string;
  snapshotDate?: string;
  records: number;
  /** Bytes of the part as JSON: what it costs in storage. */
  bytes: number;
}

/** The engagement's policy, asset context and schedule settings as the technician set them (defaults fill the rest). */
export interface EngagementSettingsRecord {
  engagementId: string;
  settings: EngagementSettingsInput;
  updatedAt: string;
}

/** The technician's merge and split decisions for one engagement (see IdentityDecisions in core/engine). */
export interface DecisionsRecord {
  engagementId: string;
  merges: [string, string][];
  splits: string[];
}

/** A saved column mapping for a CSV layout, applied automatically when the same header appears again. */
export interface CsvPresetRecord {
  id: string;
  name: string;
  /** The normalised header the preset was made for. */
  signature: string;
  mapping: Record<string, string>;
  createdAt: string;
}

/**
 * A photo the technician took on site (a rack, a label, an old machine), downscaled before it is stored; on one
 * machine (`assetId`) or on the visit as a whole. Shown in the report where attached.
 */
export interface PhotoRecord {
  id: string;
  engagementId: string;
  /** The asset it shows; absent for a photo of the visit. */
  assetId?: string;
  caption: string;
  /** JPEG, at most 1600 px on its longer side. */
  blob: Blob;
  width: number;
  height: number;
  takenAt: string;
}

export interface SettingRecord {
  key: string;
  value: unknown;
}

export type PatchfieldDB = Dexie & {
  engagements: EntityTable<Engagement, 'id'>;
  files: EntityTable<ImportedFile, 'id'>;
  rawFiles: EntityTable<RawFileRecord, 'id'>;
  hosts: EntityTable<HostRecord, 'id'>;
  rules: EntityTable<RuleBatchRecord, 'id'>;
  results: EntityTable<ResultsRecord, 'engagementId'>;
  catalog: EntityTable<CatalogRecord, 'part'>;
  catalogMeta: EntityTable<CatalogMetaRecord, 'part'>;
  engagementSettings: EntityTable<EngagementSettingsRecord, 'engagementId'>;
  settings: EntityTable<SettingRecord, 'key'>;
  decisions: EntityTable<DecisionsRecord, 'engagementId'>;
  csvPresets: EntityTable<CsvPresetRecord, 'id'>;
  photos: EntityTable<PhotoRecord, 'id'>;
};

export const DB_NAME = 'patchfield';

/**
 * Every schema version stays listed here: Dexie upgrades an older database step by step, and tests open a
 * database at each earlier version with data and check it survives the upgrade.
 */
export const SCHEMA_VERSIONS: {
  version: number;
  stores: Record<string, string>;
  upgrade?: (tx: Transaction) => Promise<void>;
}[] = [
  {
    version: 1,
    stores: {
      engagements: 'id, updatedAt',
      files: 'id, engagementId, [engagementId+sha256], status',
      rawFiles: 'id',
      hosts: 'id, fileId, engagementId',
      rules: 'id, fileId, engagementId',
      results: 'engagementId',
      catalog: 'part',
      settings: 'key'
    }
  },
  {
    // 2: identity decisions (merge/split by hand) and saved CSV column mappings.
    version: 2,
    stores: {
      decisions: 'engagementId',
      csvPresets: 'id, signature'
    }
  },
  {
    // 3: the whole reference catalog (metadata kept apart from the big part records) and per-engagement settings.
    version: 3,
    stores: {
      catalogMeta: 'part',
      engagementSettings: 'engagementId'
    },
    upgrade: async (tx) => {
      const parts = (await tx.table('catalog').toArray()) as {
        part: CatalogPartName;
        fileName: string;
        importedAt: string;
        data: { source: string; snapshotDate?: string; rows?: unknown[] };
      }[];
      for (const p of parts) {
        await tx.table('catalogMeta').put({
          part: p.part,
          fileName: p.fileName,
          importedAt: p.importedAt,
          source: p.data.source,
          ...(p.data.snapshotDate ? { snapshotDate: p.data.snapshotDate } : {}),
          records: p.data.rows?.length ?? 0,
          bytes: JSON.stringify(p.data).length
        });
      }
    }
  },
  {
    // 4: photos from the camera, per engagement and optionally per asset.
    version: 4,
    stores: {
      photos: 'id, engagementId, [engagementId+assetId]'
    }
  }
];

export function openDatabase(name = DB_NAME, upToVersion?: number): PatchfieldDB {
  const db = new Dexie(name) as PatchfieldDB;
  useEncryption(db);
  for (const v of SCHEMA_VERSIONS) {
    if (upToVersion !== undefined && v.version > upToVersion) break;
    const version = db.version(v.version).stores(v.stores);
    if (v.upgrade) version.upgrade(v.upgrade);
  }
  return db;
}
