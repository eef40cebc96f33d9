import {
  APP_VERSION,
  BackupError,
  backupEngagementSchema,
  backupHostsSchema,
  backupJson,
  backupPaths,
  backupRulesSchema,
  decodeBackup,
  encodeBackup,
  engagementSchema,
  readBackupJson,
  type BackupConflict,
  type BackupConflictChoice,
  type BackupEngagement,
  type BackupEngagementSummary,
  type BackupEntry,
  type BackupImportResult,
  type BackupProgress,
  type Engagement,
  type EngagementEncryption,
  type ImportedFile
} from '../core';
import type { z } from 'zod';
import { keyringFor, type EngagementKeys } from './crypto';
import { deleteEngagement, newId } from './engagements';
import {
  SCHEMA_VERSIONS,
  type DecisionsRecord,
  type EngagementSettingsRecord,
  type HostRecord,
  type PatchfieldDB,
  type PhotoRecord,
  type RawFileRecord,
  type RuleBatchRecord
} from './schema';

/**
 * Engagement backups (core/backup for the file format): everything that belongs to an engagement — its record,
 * the raw imported files, the host and rule rows read from them, settings (with the technician's notes and
 * exceptions), merge/split decisions and photos. Cached engine results are left out: they are derived data,
 * recomputed on first view, and depend on the device's reference catalog, which a backup does not carry.
 */

export const CURRENT_SCHEMA_VERSION = SCHEMA_VERSIONS[SCHEMA_VERSIONS.length - 1]!.version;

type Json = Record<string, unknown>;

/**
 * Upgrades an engagement's JSON written at an older database schema version, one version at a time: the key is
 * the version the step upgrades to. Every schema version needs a step (a unit test checks), even one that
 * changes nothing an engagement backup holds.
 */
export const BACKUP_UPGRADES: Record<number, (engagement: Json) => Json> = {
  // 2 brought merge and split decisions: a backup from before has none.
  2: (e) => ({ ...e, decisions: null }),
  // 3 brought per-engagement settings (policy, asset context and notes, exceptions): a backup from before has none.
  3: (e) => ({ ...e, settings: null }),
  // 4 brought photos: a backup from before has none.
  4: (e) => ({ ...e, photos: [] })
};

function upgradeEngagementJson(json: unknown, from: number): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  let out = json as Json;
  for (let v = from + 1; v <= CURRENT_SCHEMA_VERSION; v++) out = BACKUP_UPGRADES[v]?.(out) ?? out;
  return out;
}

export interface ExportOptions {
  onProgress?: BackupProgress;
  appVersion?: string;
}

/** Code-point order: the same in every runtime. */
const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function blobBytes(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** One engagement's entries and summary, read in one transaction so the backup is a consistent snapshot. */
async function gatherEngagement(
  db: PatchfieldDB,
  id: string,
  exportedAt: string
): Promise<{ summary: BackupEngagementSummary; entries: BackupEntry[] }> {
  const rows = await db.transaction(
    'r',
    [
      db.engagements,
      db.files,
      db.rawFiles,
      db.hosts,
      db.rules,
      db.engagementSettings,
      db.decisions,
      db.photos
    ],
    async () => {
      const engagement = await db.engagements.get(id);
      if (!engagement) return undefined;
      const files = await db.files.where('engagementId').equals(id).toArray();
      return {
        engagement,
        files,
        raws: await db.rawFiles.bulkGet(files.map((f) => f.id)),
        hosts: await db.hosts.where('engagementId').equals(id).toArray(),
        rules: await db.rules.where('engagementId').equals(id).toArray(),
        settings: await db.engagementSettings.get(id),
        decisions: await db.decisions.get(id),
        photos: await db.photos.where('engagementId').equals(id).toArray()
      };
    }
  );
  if (!rows) throw new Error('This engagement no longer exists.');
  // The zip holds the engagement in clear and without its encryption parameters; the engine seals the whole file
  // with the engagement's key when it is encrypted (crypto/sealed-backup.ts), and a restore seals it again.
  const { encryption: _encryption, ...plain } = rows.engagement;
  const engagement = engagementSchema.parse({ ...plain, lastExportedAt: exportedAt });
  const entries: BackupEntry[] = [];
  const raws = new Map(rows.raws.filter((r): r is RawFileRecord => Boolean(r)).map((r) => [r.id, r]));
  const content: BackupEngagement = {
    engagement,
    settings: rows.settings ? { settings: rows.settings.settings, updatedAt: rows.settings.updatedAt } : null,
    decisions: rows.decisions ? { merges: rows.decisions.merges, splits: rows.decisions.splits } : null,
    files: [],
    photos: []
  };
  for (const file of [...rows.files].sort(byId)) {
    const out: BackupEngagement['files'][number] = { file };
    const raw = raws.get(file.id);
    if (raw) {
      const path = backupPaths.raw(id, file.id, file.name);
      entries.push({ path, bytes: await blobBytes(raw.blob), compress: true });
      out.raw = { path, type: raw.blob.type };
    }
    const hosts = rows.hosts.filter((h) => h.fileId === file.id).sort((a, b) => a.seq - b.seq);
    if (hosts.length > 0) {
      out.hosts = backupPaths.hosts(id, file.id);
      const json = hosts.map((h) => ({ id: h.id, seq: h.seq, host: h.host }));
      entries.push({ path: out.hosts, bytes: backupJson(json), compress: true });
    }
    const rules = rows.rules.filter((r) => r.fileId === file.id).sort(byId);
    if (rules.length > 0) {
      out.rules = backupPaths.rules(id, file.id);
      const json = rules.map((r) => ({ id: r.id, rules: r.rules }));
      entries.push({ path: out.rules, bytes: backupJson(json), compress: true });
    }
    content.files.push(out);
  }
  for (const photo of [...rows.photos].sort(byId)) {
    const { blob, engagementId: _engagementId, ...record } = photo;
    const path = backupPaths.photo(id, photo.id);
    entries.push({ path, bytes: await blobBytes(blob), compress: false });
    content.photos.push({ photo: record, image: { path, type: blob.type } });
  }
  entries.push({ path: backupPaths.engagement(id), bytes: backupJson(content, 2), compress: true });
  return {
    summary: {
      id,
      clientName: engagement.clientName,
      site: engagement.site,
      visitDate: engagement.visitDate,
      files: rows.files.length,
      photos: rows.photos.length
    },
    entries
  };
}

/**
 * Writes a backup of the engagements and records the export time on each. The same engagements exported at the
 * same time give the same bytes.
 */
async function exportEngagements(
  db: PatchfieldDB,
  ids: string[],
  now: Date,
  options: ExportOptions
): Promise<Uint8Array> {
  const exportedAt = now.toISOString();
  const summaries: BackupEngagementSummary[] = [];
  const entries: BackupEntry[] = [];
  for (const [i, id] of [...ids].sort().entries()) {
    options.onProgress?.('Reading the engagement', i, ids.length);
    const one = await gatherEngagement(db, id, exportedAt);
    summaries.push(one.summary);
    entries.push(...one.entries);
  }
  const bytes = encodeBackup(
    {
      schemaVersion: CURRENT_SCHEMA_VERSION,
      exportedAt,
      appVersion: options.appVersion ?? APP_VERSION,
      engagements: summaries
    },
    entries,
    options.onProgress
  );
  // Only the export time changes: the list's order (by last change) stays as it was.
  await db.engagements.where(':id').anyOf(ids).modify({ lastExportedAt: exportedAt });
  return bytes;
}

/** One engagement as a backup file (zip bytes). */
export async function exportEngagement(
  db: PatchfieldDB,
  id: string,
  now: Date,
  options: ExportOptions = {}
): Promise<Uint8Array> {
  return exportEngagements(db, [id], now, options);
}

/** Every engagement on the device in one backup file. */
export async function exportAllEngagements(
  db: PatchfieldDB,
  now: Date,
  options: ExportOptions = {}
): Promise<Uint8Array> {
  const ids = (await db.engagements.toCollection().primaryKeys()) as string[];
  if (ids.length === 0) throw new Error('There are no engagements on this device to export.');
  return exportEngagements(db, ids, now, options);
}

/** Everything one engagement puts in the database. */
interface EngagementRows {
  engagement: Engagement;
  settings?: EngagementSettingsRecord;
  decisions?: DecisionsRecord;
  files: ImportedFile[];
  raws: RawFileRecord[];
  hosts: HostRecord[];
  rules: RuleBatchRecord[];
  photos: PhotoRecord[];
}

function invalid(path: string, name: string, what: string): BackupError {
  return new BackupError(
    'backup-invalid',
    `${path} in ${name} ${what}. Nothing was imported. Export the engagement again with this version of Patchfield.`,
    path
  );
}

function checked<T>(schema: z.ZodType<T>, value: unknown, path: string, name: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw invalid(
    path,
    name,
    `does not have the expected content${issue ? ` (at “${issue.path.join('.')}”: ${issue.message})` : ''}`
  );
}

/** The rows of one engagement in the file, checked, with Blobs for the raw files and photos. */
function engagementRows(
  decoded: ReturnType<typeof decodeBackup>,
  summary: BackupEngagementSummary,
  name: string
): EngagementRows {
  const path = backupPaths.engagement(summary.id);
  const json = upgradeEngagementJson(readBackupJson(decoded, path, name), decoded.manifest.schemaVersion);
  const content = checked(backupEngagementSchema, json, path, name);
  const id = content.engagement.id;
  if (id !== summary.id)
    throw invalid(path, name, `is for engagement ${id}, but the manifest says ${summary.id}`);
  const blob = (ref: { path: string; type: string }): Blob => {
    const bytes = decoded.entries.get(ref.path);
    if (!bytes) {
      throw new BackupError(
        'backup-entry-missing',
        `${name} is missing ${ref.path}, which ${path} names. Nothing was imported. The file is incomplete: copy it again, or export the engagement again.`,
        ref.path
      );
    }
    return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: ref.type });
  };
  const rows: EngagementRows = {
    engagement: content.engagement,
    ...(content.settings ? { settings: { engagementId: id, ...content.settings } } : {}),
    ...(content.decisions ? { decisions: { engagementId: id, ...content.decisions } } : {}),
    files: [],
    raws: [],
    hosts: [],
    rules: [],
    photos: []
  };
  for (const f of content.files) {
    if (f.file.engagementId !== id)
      throw invalid(path, name, `lists ${f.file.name} under another engagement`);
    rows.files.push(f.file);
    if (f.raw) rows.raws.push({ id: f.file.id, blob: blob(f.raw) });
    if (f.hosts) {
      const hosts = checked(backupHostsSchema, readBackupJson(decoded, f.hosts, name), f.hosts, name);
      for (const h of hosts) rows.hosts.push({ ...h, fileId: f.file.id, engagementId: id });
    }
    if (f.rules) {
      const rules = checked(backupRulesSchema, readBackupJson(decoded, f.rules, name), f.rules, name);
      for (const r of rules) rows.rules.push({ ...r, fileId: f.file.id, engagementId: id });
    }
  }
  for (const p of content.photos) rows.photos.push({ ...p.photo, engagementId: id, blob: blob(p.image) });
  return rows;
}

/** The same engagement under new ids everywhere (engagement, files and their rows, photos), consistently. */
function asCopy(rows: EngagementRows): EngagementRows {
  const id = newId('e');
  const fileIds = new Map(rows.files.map((f) => [f.id, newId('f')]));
  const fileId = (old: string): string => fileIds.get(old) ?? newId('f');
  /** Row ids start with their file's id ("f-…:3", "f-…:r0"): the rest stays. */
  const rowId = (rowIdOld: string, oldFile: string): string =>
    rowIdOld.startsWith(`${oldFile}:`)
      ? `${fileId(oldFile)}${rowIdOld.slice(oldFile.length)}`
      : `${fileId(oldFile)}:${rowIdOld}`;
  return {
    engagement: { ...rows.engagement, id },
    ...(rows.settings ? { settings: { ...rows.settings, engagementId: id } } : {}),
    ...(rows.decisions ? { decisions: { ...rows.decisions, engagementId: id } } : {}),
    files: rows.files.map((f) => ({ ...f, id: fileId(f.id), engagementId: id })),
    raws: rows.raws.map((r) => ({ ...r, id: fileId(r.id) })),
    hosts: rows.hosts.map((h) => ({
      ...h,
      id: rowId(h.id, h.fileId),
      fileId: fileId(h.fileId),
      engagementId: id
    })),
    rules: rows.rules.map((r) => ({
      ...r,
      id: rowId(r.id, r.fileId),
      fileId: fileId(r.fileId),
      engagementId: id
    })),
    photos: rows.photos.map((p) => ({ ...p, id: newId('ph'), engagementId: id }))
  };
}

export interface ImportOptions {
  /** The file's name, for messages. */
  name?: string;
  /** Required when an engagement in the file is already on this device; without it, the conflict is returned. */
  choice?: BackupConflictChoice;
  onProgress?: BackupProgress;
  /**
   * The engagement's encryption and keys from a sealed backup: every row is written sealed with them, in the same
   * transaction, so the restored engagement is never in clear on this device (and is unlocked here).
   */
  sealWith?: { encryption: EngagementEncryption; keys: EngagementKeys };
}

/**
 * Restores the engagements of a backup file. Everything is checked first (checksums, schemas, every entry
 * present) and written in one transaction: a refused or failed import leaves the database as it was. An
 * engagement that is already here is a conflict: returned for the technician to choose, or resolved by `choice`.
 * A file written at an older database schema version is upgraded; a newer one is refused.
 */
export async function importEngagementBackup(
  db: PatchfieldDB,
  bytes: Uint8Array,
  options: ImportOptions = {}
): Promise<BackupImportResult> {
  const name = options.name ?? 'The file';
  const decoded = decodeBackup(bytes, name, options.onProgress);
  const { manifest } = decoded;
  if (manifest.schemaVersion > CURRENT_SCHEMA_VERSION) {
    throw new BackupError(
      'backup-newer',
      `${name} was exported by a newer Patchfield (database version ${manifest.schemaVersion}; this app has ${CURRENT_SCHEMA_VERSION}). Update Patchfield on this device, then import it again.`
    );
  }
  if (new Set(manifest.engagements.map((e) => e.id)).size !== manifest.engagements.length) {
    throw invalid('manifest.json', name, 'lists the same engagement twice');
  }
  const all = manifest.engagements.map((summary, i) => {
    options.onProgress?.(`Reading ${summary.clientName}`, i, manifest.engagements.length);
    return engagementRows(decoded, summary, name);
  });
  const existing = await db.engagements.bulkGet(all.map((r) => r.engagement.id));
  const conflicts: BackupConflict[] = [];
  all.forEach((rows, i) => {
    const here = existing[i];
    if (here) {
      conflicts.push({
        id: rows.engagement.id,
        clientName: rows.engagement.clientName,
        visitDate: rows.engagement.visitDate,
        existing: { clientName: here.clientName, visitDate: here.visitDate, updatedAt: here.updatedAt }
      });
    }
  });
  if (conflicts.length > 0 && !options.choice) return { status: 'conflict', conflicts };
  const conflicting = new Set(conflicts.map((c) => c.id));
  const plan = all.map((rows) => {
    const clash = conflicting.has(rows.engagement.id);
    if (clash && options.choice === 'keep-both') return { rows: asCopy(rows), how: 'copy' as const };
    return { rows, how: clash ? ('replaced' as const) : ('new' as const) };
  });
  options.onProgress?.('Saving', 0, 1);
  // The encryption middleware seals each row of an engagement whose record carries `encryption`, with its keys;
  // if the restore fails, the keyring goes back to what it held (an engagement replaced keeps its own keys).
  const keyring = keyringFor(db);
  const heldBefore = plan.map(({ rows }) => [rows.engagement.id, keyring.get(rows.engagement.id)] as const);
  if (options.sealWith) for (const [id] of heldBefore) keyring.set(id, options.sealWith.keys);
  try {
    await db.transaction('rw', db.tables, async () => {
      for (const { rows, how } of plan) {
        const id = rows.engagement.id;
        if (how === 'new' && (await db.engagements.get(id))) {
          throw new Error(
            `${rows.engagement.clientName} was added on this device meanwhile: import the file again.`
          );
        }
        // Whatever carries this engagement's id goes first: the one replaced, or rows left behind by an old delete.
        await deleteEngagement(db, id);
        const fileIds = rows.files.map((f) => f.id);
        const clash = [
          ...(await db.files.bulkGet(fileIds)),
          ...(await db.photos.bulkGet(rows.photos.map((p) => p.id)))
        ].find(Boolean);
        if (clash) {
          throw new BackupError(
            'backup-id-clash',
            `${name} holds files or photos of ${rows.engagement.clientName} that another engagement on this device also holds. Nothing was imported. Import it again and choose “Keep both”.`
          );
        }
        await db.hosts.where('fileId').anyOf(fileIds).delete();
        await db.rules.where('fileId').anyOf(fileIds).delete();
        await db.engagements.put(
          options.sealWith ? { ...rows.engagement, encryption: options.sealWith.encryption } : rows.engagement
        );
        if (rows.settings) await db.engagementSettings.put(rows.settings);
        if (rows.decisions) await db.decisions.put(rows.decisions);
        await db.files.bulkPut(rows.files);
        await db.rawFiles.bulkPut(rows.raws);
        await db.hosts.bulkPut(rows.hosts);
        await db.rules.bulkPut(rows.rules);
        await db.photos.bulkPut(rows.photos);
      }
    });
  } catch (e) {
    if (options.sealWith) {
      for (const [id, keys] of heldBefore) {
        if (keys) keyring.set(id, keys);
        else keyring.forget(id);
      }
    }
    throw e;
  }
  options.onProgress?.('Saving', 1, 1);
  return {
    status: 'restored',
    engagements: plan.map(({ rows, how }) => ({
      id: rows.engagement.id,
      clientName: rows.engagement.clientName,
      visitDate: rows.engagement.visitDate,
      how
    })),
    exportedAt: manifest.exportedAt,
    fromSchemaVersion: manifest.schemaVersion
  };
}
