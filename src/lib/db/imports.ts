import {
  importedFileSchema,
  type FileFormat,
  type HostObservation,
  type ImportCounts,
  type ImportedFile,
  type Problem,
  type ScannerRule
} from '../core';
import { EngagementLockedError } from './crypto/keys';
import type { HostRecord, PatchfieldDB, RuleBatchRecord } from './schema';

/**
 * An import, step by step: the raw file is stored first (status "parsing"), rows are written in batches tagged
 * with the file id, and one final transaction marks the file "done". Until then the rows are staging: readers
 * ignore them, and purgeInterruptedImports() removes them at the next start.
 */

export interface NewImport {
  id: string;
  engagementId: string;
  name: string;
  size: number;
  lastModified?: number;
  sha256: string;
  format: FileFormat | null;
  importedAt: string;
}

/** Raised when an import's file record was purged, removed or ended by someone else while it was being read. */
export class ImportAbandonedError extends Error {
  constructor(fileId: string) {
    super(`The import of ${fileId} was ended elsewhere (another tab, or the file was removed).`);
    this.name = 'ImportAbandonedError';
  }
}

/** Inside a transaction: the import must still be "parsing", or its rows must not be written or made live. */
async function assertStillParsing(db: PatchfieldDB, fileId: string): Promise<ImportedFile> {
  const file = await db.files.get(fileId);
  if (!file || file.status !== 'parsing') throw new ImportAbandonedError(fileId);
  return file;
}

/**
 * True when an error means the device has no room left for Patchfield's data. IndexedDB raises a DOMException named
 * QuotaExceededError, Dexie may pass it on as Dexie.QuotaExceededError, and a transaction that hit the quota is
 * often reported as an AbortError whose inner error (or cause, or one of a bulk write's failures) is the quota error.
 */
export function isQuotaExceeded(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const err = e as {
    name?: unknown;
    message?: unknown;
    inner?: unknown;
    cause?: unknown;
    failures?: unknown;
  };
  if (err.name === 'QuotaExceededError') return true;
  if (typeof err.message === 'string' && /QuotaExceeded|quota (has been )?exceeded/i.test(err.message))
    return true;
  if (isQuotaExceeded(err.inner, depth + 1) || isQuotaExceeded(err.cause, depth + 1)) return true;
  const failures = Array.isArray(err.failures)
    ? err.failures
    : err.failures && typeof err.failures === 'object'
      ? Object.values(err.failures)
      : [];
  return failures.some((f) => isQuotaExceeded(f, depth + 1));
}

/** Raised by finishImport when the same bytes were already imported into the engagement. */
export class SameBytesError extends Error {
  constructor(readonly existing: ImportedFile) {
    super(`The same bytes were imported before as ${existing.name}.`);
    this.name = 'SameBytesError';
  }
}

/** Records a file's SHA-256 once it is known (it is computed while the file is read). */
export async function setFileHash(db: PatchfieldDB, fileId: string, sha256: string): Promise<void> {
  await db.files.update(fileId, { sha256 });
}

/** Stores the raw bytes and the file's record in one transaction, before anything is parsed. */
export async function storeRawFile(db: PatchfieldDB, meta: NewImport, blob: Blob): Promise<ImportedFile> {
  const record = importedFileSchema.parse({
    ...meta,
    status: meta.format ? 'parsing' : 'failed',
    problems: []
  });
  await db.transaction('rw', db.files, db.rawFiles, async () => {
    // The file record first: for an encrypted engagement the raw bytes are sealed with its keys, found through it.
    await db.files.put(record);
    await db.rawFiles.put({ id: meta.id, blob });
  });
  return record;
}

/** Marks a stored file as being (re-)read. */
export async function markParsing(db: PatchfieldDB, fileId: string, format: FileFormat): Promise<void> {
  await db.files.update(fileId, { status: 'parsing', format, problems: [] });
}

/** Writes one batch of staging rows (hosts, and rule texts) in one transaction. */
export async function writeStagingBatch(
  db: PatchfieldDB,
  file: { id: string; engagementId: string },
  firstSeq: number,
  hosts: HostObservation[],
  rules: ScannerRule[],
  ruleBatch: number
): Promise<void> {
  const hostRows: HostRecord[] = hosts.map((host, i) => ({
    id: `${file.id}:${firstSeq + i}`,
    fileId: file.id,
    engagementId: file.engagementId,
    seq: firstSeq + i,
    host
  }));
  await db.transaction('rw', db.files, db.hosts, db.rules, async () => {
    await assertStillParsing(db, file.id);
    if (hostRows.length > 0) await db.hosts.bulkPut(hostRows);
    if (rules.length > 0) {
      const batch: RuleBatchRecord = {
        id: `${file.id}:r${ruleBatch}`,
        fileId: file.id,
        engagementId: file.engagementId,
        rules
      };
      await db.rules.put(batch);
    }
  });
}

/** The one final transaction that makes an import's rows live. */
export async function finishImport(
  db: PatchfieldDB,
  fileId: string,
  outcome: {
    counts: ImportCounts;
    problems: Problem[];
    hostnames: string[];
    formatVersion?: string | undefined;
    /** The file's SHA-256, when it was computed during this reading. */
    sha256?: string;
  }
): Promise<ImportedFile> {
  return db.transaction('rw', db.files, db.results, async () => {
    const file = await assertStillParsing(db, fileId);
    const sha256 = outcome.sha256 ?? file.sha256;
    if (sha256) {
      // A re-import of the same bytes is recognised here, in the same transaction that would make it live.
      const same = await db.files
        .where('[engagementId+sha256]')
        .equals([file.engagementId, sha256])
        .toArray();
      const existing = same.find((f) => f.id !== fileId && f.status === 'done');
      if (existing) throw new SameBytesError(existing);
    }
    const done: ImportedFile = {
      ...file,
      status: 'done',
      counts: outcome.counts,
      problems: outcome.problems,
      hostnames: outcome.hostnames,
      sha256,
      ...(outcome.formatVersion ? { formatVersion: outcome.formatVersion } : {})
    };
    await db.files.put(importedFileSchema.parse(done));
    await db.results.delete(file.engagementId);
    return done;
  });
}

/** Ends an import that failed or was cancelled: its staging rows go, the raw file stays so it can be re-read. */
export async function abandonImport(
  db: PatchfieldDB,
  fileId: string,
  status: 'failed' | 'cancelled',
  problems: Problem[]
): Promise<void> {
  try {
    await db.transaction('rw', db.files, db.hosts, db.rules, async () => {
      await db.hosts.where('fileId').equals(fileId).delete();
      await db.rules.where('fileId').equals(fileId).delete();
      await db.files.update(fileId, { status, problems });
    });
  } catch (e) {
    if (!isQuotaExceeded(e)) throw e;
    // On a full device even the status update can be refused: free the staging rows first, then say what happened.
    await db.transaction('rw', db.hosts, db.rules, async () => {
      await db.hosts.where('fileId').equals(fileId).delete();
      await db.rules.where('fileId').equals(fileId).delete();
    });
    await db.files.update(fileId, { status, problems });
  }
}

/** Files left mid-import, except those of locked engagements (which cannot be read without their keys). */
async function interruptedCandidates(db: PatchfieldDB): Promise<ImportedFile[]> {
  const pending = db.files.where('status').anyOf('parsing', 'stored');
  try {
    return await pending.toArray();
  } catch (e) {
    if (!(e instanceof EngagementLockedError)) throw e;
  }
  const files: ImportedFile[] = [];
  for (const id of (await pending.primaryKeys()) as string[]) {
    try {
      const file = await db.files.get(id);
      if (file) files.push(file);
    } catch (e) {
      if (!(e instanceof EngagementLockedError)) throw e;
    }
  }
  return files;
}

/** An import the purge ended: which file, and whose. */
export interface PurgedImport {
  fileId: string;
  fileName: string;
  engagementId: string;
}

/**
 * At start: imports left "parsing" or "stored" by a closed tab or a crash lose their staging rows and become
 * "failed", with a message saying so. Returns the files it ended. An import of a locked encrypted engagement
 * cannot be read or rewritten without its keys: it is left as it is (readers ignore its staging rows) and ended
 * by the same call once the engagement is unlocked.
 */
export async function purgeInterruptedImports(
  db: PatchfieldDB,
  isRunning: (fileId: string) => Promise<boolean> = () => Promise.resolve(false)
): Promise<PurgedImport[]> {
  const purged: PurgedImport[] = [];
  for (const file of await interruptedCandidates(db)) {
    // An import still running in another tab holds its lock: it is not interrupted.
    if (await isRunning(file.id)) continue;
    await abandonImport(db, file.id, 'failed', [
      {
        severity: 'error',
        code: 'import-interrupted',
        message: `Reading ${file.name} was interrupted (the app was closed or reloaded). Nothing from it was kept except the file itself: use “Read again” to import it, or “Discard” to delete it.`
      }
    ]);
    purged.push({ fileId: file.id, fileName: file.name, engagementId: file.engagementId });
  }
  return purged;
}

/** Removes an imported file, its rows and its raw bytes. */
export async function deleteImportedFile(db: PatchfieldDB, fileId: string): Promise<void> {
  await db.transaction('rw', [db.files, db.rawFiles, db.hosts, db.rules, db.results], async () => {
    const file = await db.files.get(fileId);
    await db.hosts.where('fileId').equals(fileId).delete();
    await db.rules.where('fileId').equals(fileId).delete();
    await db.rawFiles.delete(fileId);
    await db.files.delete(fileId);
    if (file) await db.results.delete(file.engagementId);
  });
}

export async function listFiles(db: PatchfieldDB, engagementId: string): Promise<ImportedFile[]> {
  const files = await db.files.where('engagementId').equals(engagementId).toArray();
  return files.sort((a, b) => b.importedAt.localeCompare(a.importedAt) || a.name.localeCompare(b.name));
}

export async function getRawFile(db: PatchfieldDB, fileId: string): Promise<Blob | undefined> {
  return (await db.rawFiles.get(fileId))?.blob;
}

/** Live data of an engagement: only rows of finished imports. */
export async function loadEngagementData(
  db: PatchfieldDB,
  engagementId: string
): Promise<{ files: ImportedFile[]; hosts: HostRecord[]; rules: RuleBatchRecord[] }> {
  return db.transaction('r', db.files, db.hosts, db.rules, async () => {
    const files = (await db.files.where('engagementId').equals(engagementId).toArray()).filter(
      (f) => f.status === 'done'
    );
    const live = new Set(files.map((f) => f.id));
    const hosts = (await db.hosts.where('engagementId').equals(engagementId).toArray()).filter((h) =>
      live.has(h.fileId)
    );
    const rules = (await db.rules.where('engagementId').equals(engagementId).toArray()).filter((r) =>
      live.has(r.fileId)
    );
    hosts.sort((a, b) => a.fileId.localeCompare(b.fileId) || a.seq - b.seq);
    return { files, hosts, rules };
  });
}
