import { strFromU8, strToU8 } from 'fflate';
import { z } from 'zod';
import { BUNDLE_FORMAT } from '../catalog/bundle';
import { toCanonicalJson } from '../json';
import { listZipEntries, looksLikeZip, readZipEntry, sha256Hex, writeZip } from '../zip';

/**
 * The engagement backup: one zip a technician carries to another device, or keeps as a backup. `manifest.json`
 * (format, format version, the database schema version it was written at, export time, app version, a summary of
 * each engagement, and the path, SHA-256 and size of every other entry), then one folder per engagement with its
 * record, settings, decisions, each imported file as it was read plus what Patchfield read from it, and photos.
 * The same engagements and export time give the same bytes. A changed, missing or extra entry, a cut-off file or a
 * newer format is refused with a message that names what is wrong and what to do.
 */

export const BACKUP_FORMAT = 'patchfield-engagement';
/** Bump when the zip layout or the manifest changes; older versions stay readable. */
export const BACKUP_FORMAT_VERSION = 1;
export const BACKUP_EXTENSION = '.patchfield';
export const MANIFEST_PATH = 'manifest.json';

export type BackupEntryInfo = z.infer<typeof backupEntryInfoSchema>;
const backupEntryInfoSchema = z.object({
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative()
});

/** What the manifest says of each engagement, so a file can be described before anything is read. */
export type BackupEngagementSummary = z.infer<typeof backupEngagementSummarySchema>;
export const backupEngagementSummarySchema = z.object({
  id: z.string().min(1),
  clientName: z.string(),
  site: z.string(),
  visitDate: z.string(),
  files: z.number().int().nonnegative(),
  photos: z.number().int().nonnegative()
});

export type BackupManifest = z.infer<typeof backupManifestSchema>;
export const backupManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().positive(),
  /** The app's database schema version when the file was written: older ones are upgraded on import. */
  schemaVersion: z.number().int().positive(),
  exportedAt: z.string(),
  appVersion: z.string(),
  engagements: z.array(backupEngagementSummarySchema),
  entries: z.array(backupEntryInfoSchema)
});

export type BackupErrorCode =
  | 'backup-not-patchfield'
  | 'backup-catalog-bundle'
  | 'backup-truncated'
  | 'backup-newer'
  | 'backup-invalid'
  | 'backup-entry-missing'
  | 'backup-entry-unlisted'
  | 'backup-entry-damaged'
  | 'backup-id-clash';

/** An engagement in the file has the id of one on this device. */
export interface BackupConflict {
  id: string;
  clientName: string;
  visitDate: string;
  /** The one on this device. */
  existing: { clientName: string; visitDate: string; updatedAt: string };
}

/** What to do with engagements that are already on this device: overwrite them, or import the file's as copies. */
export type BackupConflictChoice = 'replace' | 'keep-both';

export interface RestoredEngagement {
  id: string;
  clientName: string;
  visitDate: string;
  /** new: it was not on this device · replaced: it overwrote the one here · copy: kept beside it, with new ids. */
  how: 'new' | 'replaced' | 'copy';
}

/** What importing a backup did, or the conflicts it stopped at. */
export type BackupImportResult =
  | { status: 'conflict'; conflicts: BackupConflict[] }
  | { status: 'restored'; engagements: RestoredEngagement[]; exportedAt: string; fromSchemaVersion: number };

/** A backup file that is refused. The message names the file or entry and what the technician can do. */
export class BackupError extends Error {
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    /** The entry at fault, when one is. */
    readonly entry?: string
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupEntry {
  path: string;
  bytes: Uint8Array;
  /** Deflate it; false for JPEG photos, which do not shrink. */
  compress: boolean;
}

/** What the caller says about the export; the format, its version and the entries are added here. */
export type BackupHeader = Pick<
  BackupManifest,
  'schemaVersion' | 'exportedAt' | 'appVersion' | 'engagements'
>;

/** Progress of a long job: what is happening in words, and bytes done of bytes in total. */
export type BackupProgress = (what: string, done: number, total: number) => void;

/** Paths in code-point order: the same in every runtime, unlike localeCompare. */
function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** JSON for an entry, with keys sorted: the same data gives the same bytes. */
export function backupJson(value: unknown, indent = 0): Uint8Array {
  return strToU8(toCanonicalJson(value, indent));
}

/**
 * Writes a backup: the manifest first (so a person opening the zip reads it first), then the entries in path
 * order. Deterministic for the same header and entries.
 */
export function encodeBackup(
  header: BackupHeader,
  entries: readonly BackupEntry[],
  onProgress?: BackupProgress
): Uint8Array {
  const ordered = [...entries].sort(byPath);
  const seen = new Set<string>();
  for (const e of ordered) {
    if (e.path === MANIFEST_PATH || seen.has(e.path))
      throw new Error(`Backup entry ${e.path} is written twice.`);
    seen.add(e.path);
  }
  const total = ordered.reduce((n, e) => n + e.bytes.length, 0);
  let hashed = 0;
  const infos: BackupEntryInfo[] = ordered.map((e) => {
    const info = { path: e.path, sha256: sha256Hex(e.bytes), bytes: e.bytes.length };
    hashed += e.bytes.length;
    onProgress?.('Computing checksums', hashed, total * 2);
    return info;
  });
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    ...header,
    entries: infos
  };
  return writeZip(
    [{ path: MANIFEST_PATH, bytes: backupJson(manifest, 2), compress: true }, ...ordered],
    (done, all) => onProgress?.('Compressing', total + Math.round((done / all) * total), total * 2)
  );
}

export interface DecodedBackup {
  manifest: BackupManifest;
  /** Every entry but the manifest, each checked against its size and SHA-256. */
  entries: Map<string, Uint8Array>;
}

/**
 * Reads and checks a backup: every entry the manifest lists must be there and match its SHA-256, and nothing
 * else may be. Throws BackupError when anything is wrong; nothing is half-read.
 */
export function decodeBackup(bytes: Uint8Array, name: string, onProgress?: BackupProgress): DecodedBackup {
  const notOurs = (why: string): BackupError =>
    new BackupError(
      'backup-not-patchfield',
      `${name} is not a Patchfield engagement file (${why}). Choose a .patchfield file made with “Export engagement”.`
    );
  if (!looksLikeZip(bytes)) throw notOurs('it is not a zip file');
  let names: string[];
  try {
    names = listZipEntries(bytes);
  } catch {
    throw new BackupError(
      'backup-truncated',
      `${name} is incomplete: its end is missing, so the copy was probably cut off. Nothing was imported. Copy the file again from where it was saved, or export the engagement again.`
    );
  }
  if (!names.includes(MANIFEST_PATH)) throw notOurs('it has no manifest.json');
  let json: unknown;
  try {
    json = JSON.parse(strFromU8(readZipEntry(bytes, MANIFEST_PATH)!));
  } catch {
    throw new BackupError(
      'backup-invalid',
      `The manifest of ${name} (manifest.json) is damaged and cannot be read. Nothing was imported. Use an untouched copy of the file.`,
      MANIFEST_PATH
    );
  }
  const head = z.object({ format: z.string(), formatVersion: z.number().optional() }).safeParse(json);
  if (head.success && head.data.format === BUNDLE_FORMAT) {
    throw new BackupError(
      'backup-catalog-bundle',
      `${name} is a reference catalog bundle, not an engagement. Import it under Settings → Reference catalog.`
    );
  }
  if (!head.success || head.data.format !== BACKUP_FORMAT) throw notOurs('its manifest is of another kind');
  if ((head.data.formatVersion ?? 0) > BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      'backup-newer',
      `${name} was exported by a newer Patchfield (backup format ${head.data.formatVersion}; this app reads up to ${BACKUP_FORMAT_VERSION}). Update Patchfield on this device, then import it again.`
    );
  }
  const manifest = backupManifestSchema.safeParse(json);
  if (!manifest.success) {
    const issue = manifest.error.issues[0];
    throw new BackupError(
      'backup-invalid',
      `The manifest of ${name} (manifest.json) is not valid${issue ? ` at “${issue.path.join('.')}”: ${issue.message}` : ''}. Nothing was imported. Use an untouched copy of the file.`,
      MANIFEST_PATH
    );
  }
  const listed = new Set(manifest.data.entries.map((e) => e.path));
  const present = new Set(names);
  for (const info of manifest.data.entries) {
    if (!present.has(info.path)) {
      throw new BackupError(
        'backup-entry-missing',
        `${name} is missing ${info.path}, which its manifest lists. Nothing was imported. The file is incomplete: copy it again, or export the engagement again.`,
        info.path
      );
    }
  }
  for (const entry of names) {
    if (entry !== MANIFEST_PATH && !listed.has(entry)) {
      throw new BackupError(
        'backup-entry-unlisted',
        `${name} contains ${entry}, which its manifest does not list: the file was changed after it was exported. Nothing was imported. Use an untouched copy of the file.`,
        entry
      );
    }
  }
  const total = manifest.data.entries.reduce((n, e) => n + e.bytes, 0);
  let done = 0;
  const entries = new Map<string, Uint8Array>();
  for (const info of manifest.data.entries) {
    let data: Uint8Array | undefined;
    try {
      data = readZipEntry(bytes, info.path);
    } catch {
      data = undefined;
    }
    if (!data || data.length !== info.bytes || sha256Hex(data) !== info.sha256) {
      throw new BackupError(
        'backup-entry-damaged',
        `${info.path} in ${name} does not match its checksum: the file was changed or damaged after it was exported. Nothing was imported. Use an untouched copy of the file, or export the engagement again.`,
        info.path
      );
    }
    entries.set(info.path, data);
    done += info.bytes;
    onProgress?.('Checking the file', done, total);
  }
  return { manifest: manifest.data, entries };
}

/** An entry's JSON, or a BackupError naming the entry. */
export function readBackupJson(decoded: DecodedBackup, path: string, name: string): unknown {
  const bytes = decoded.entries.get(path);
  if (!bytes) {
    throw new BackupError(
      'backup-entry-missing',
      `${name} is missing ${path}. Nothing was imported. The file is incomplete: copy it again, or export the engagement again.`,
      path
    );
  }
  try {
    return JSON.parse(strFromU8(bytes));
  } catch {
    throw new BackupError(
      'backup-invalid',
      `${path} in ${name} is not readable JSON. Nothing was imported. Export the engagement again with this version of Patchfield.`,
      path
    );
  }
}
