import { createSha256, type IncrementalHash } from './sha256';
import {
  bufferedParser,
  headerSignature,
  parseMappedCsv,
  previewCsv,
  withValidation,
  type CsvMapping,
  type ObservationSink,
  isZip,
  listZip,
  readZip,
  createStreamParser,
  createTally,
  detectFormat,
  SNIFF_BYTES,
  type FileFormat,
  type HostObservation,
  type ImportCounts,
  type Problem,
  type ScannerRule
} from '../core';
import { withImportLock } from './import-lock';
import {
  deleteImportedFile,
  findCsvPreset,
  ImportAbandonedError,
  SameBytesError,
  setFileHash,
  abandonImport,
  finishImport,
  isQuotaExceeded,
  markParsing,
  newId,
  storeRawFile,
  writeStagingBatch,
  type PatchfieldDB
} from '../db';

/** A file handed over by the page (a File), or the raw bytes of an earlier import being read again. */
export interface ImportSource {
  name: string;
  size: number;
  lastModified?: number;
  blob: Blob;
}

export type ImportPhase = 'checking' | 'reading' | 'saving' | 'done';

export interface ImportProgress {
  fileIndex: number;
  fileCount: number;
  fileName: string;
  phase: ImportPhase;
  bytesDone: number;
  bytesTotal: number;
  /** Words for the progress line: "host 312 (10.0.0.5)". */
  detail: string;
}

export interface ImportOutcome {
  fileId?: string;
  name: string;
  status: 'done' | 'failed' | 'cancelled' | 'duplicate';
  format: FileFormat | null;
  counts?: ImportCounts;
  problems: Problem[];
  duplicateOf?: { id: string; name: string; importedAt: string };
}

export interface CancelToken {
  readonly cancelled: boolean;
}

/** Batches are flushed at whichever limit comes first: IndexedDB pays per record and per transaction. */
const BATCH_HOSTS = 16;
const BATCH_RULES = 2000;
const BATCH_BYTES = 4 * 1024 * 1024;

class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Reads a Blob as a stream of chunks (the whole file is never in memory at once). */
async function* chunksOf(blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Imports one file into an engagement in one pass over its bytes: detect from the first bytes → store the raw
 * bytes → parse in chunks while hashing them (SHA-256), writing staging batches → one final transaction, which also
 * recognises a re-import of the same bytes (then nothing is kept). Never throws for bad input: the outcome says
 * what happened.
 */
export async function importFile(
  db: PatchfieldDB,
  engagementId: string,
  source: ImportSource,
  token: CancelToken,
  onProgress: (p: Omit<ImportProgress, 'fileIndex' | 'fileCount'>) => void,
  now: () => Date = () => new Date()
): Promise<ImportOutcome> {
  const report = (phase: ImportPhase, bytesDone: number, detail: string): void =>
    onProgress({ fileName: source.name, phase, bytesDone, bytesTotal: source.size, detail });

  let head: Uint8Array;
  try {
    head = new Uint8Array(await source.blob.slice(0, SNIFF_BYTES).arrayBuffer());
  } catch (e) {
    return unreadable(source.name, e);
  }
  let zipEntries: string[] | undefined;
  if (isZip(head)) {
    const listed = listZip(new Uint8Array(await source.blob.arrayBuffer()));
    zipEntries = listed.value.map((e) => e.name);
  }
  const detection = await resolveFormat(db, head, source.name, zipEntries);
  const fileId = newId('f');
  return withImportLock(fileId, async () => {
    try {
      await storeRawFile(
        db,
        {
          id: fileId,
          engagementId,
          name: source.name,
          size: source.size,
          ...(source.lastModified !== undefined ? { lastModified: source.lastModified } : {}),
          sha256: '',
          format: detection.format,
          importedAt: now().toISOString()
        },
        source.blob
      );
    } catch (e) {
      if (!isQuotaExceeded(e)) throw e;
      // The file and its record are written in one transaction: neither was kept.
      return {
        name: source.name,
        status: 'failed' as const,
        format: detection.format,
        problems: [await rawFileTooLarge(source.name, source.size, e)]
      };
    }
    const hasher = await createSha256();
    if (!detection.format) {
      // Kept, so it can be read again after a fix (or mapped); hashed for its record.
      for await (const chunk of chunksOf(source.blob)) hasher.update(chunk);
      await setFileHash(db, fileId, hasher.hex());
      await abandonImport(db, fileId, 'failed', [detection.problem]);
      return {
        fileId,
        name: source.name,
        status: 'failed' as const,
        format: null,
        problems: [detection.problem]
      };
    }
    return parseStored(
      db,
      { id: fileId, engagementId, name: source.name },
      detection.format,
      source,
      token,
      report,
      detection.mapping,
      hasher
    );
  });
}

type Resolved =
  | { format: FileFormat; mapping?: CsvMapping; problem?: undefined }
  | { format: null; problem: Problem; mapping?: undefined };

/**
 * The format of a file: detected by content; a table no format claims is read with a saved column mapping for its
 * header (or the one given), and otherwise waits for the technician to map its columns.
 */
async function resolveFormat(
  db: PatchfieldDB,
  head: Uint8Array,
  name: string,
  zipEntries?: string[],
  mapping?: CsvMapping
): Promise<Resolved> {
  if (mapping) return { format: 'generic-csv', mapping };
  const detection = detectFormat(head, name, zipEntries);
  if (detection.format || detection.problem.code !== 'unknown-format') return detection;
  const preview = previewCsv(head);
  if (!preview) return detection;
  const preset = await findCsvPreset(db, headerSignature(preview.header));
  if (preset) return { format: 'generic-csv', mapping: preset.mapping };
  const columns = preview.header.slice(0, 6).join(', ');
  return {
    format: null,
    problem: {
      severity: 'error',
      code: 'needs-mapping',
      message: `${name} looks like a table exported from an RMM or inventory tool (${preview.header.length} columns: ${columns}${preview.header.length > 6 ? ', …' : ''}). Use “Map columns” to say which column holds what; the mapping is saved for the next file with these columns.`
    }
  };
}

/** Archives bigger than this are refused whole: unzip them first (the tab has a few hundred MB at most). */
const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/**
 * Imports what the technician picked: a file, or a zip of several exports, each imported in turn as its own file.
 * An archive that is itself a format (the Defender export) is imported as one file.
 */
export async function importSource(
  db: PatchfieldDB,
  engagementId: string,
  source: ImportSource,
  token: CancelToken,
  onProgress: (p: Omit<ImportProgress, 'fileIndex' | 'fileCount'>) => void,
  now: () => Date = () => new Date(),
  depth = 0
): Promise<ImportOutcome[]> {
  const head = new Uint8Array(await source.blob.slice(0, 4).arrayBuffer());
  if (!isZip(head) || depth > 1) return [await importFile(db, engagementId, source, token, onProgress, now)];
  if (source.size > MAX_ARCHIVE_BYTES) {
    return [
      {
        name: source.name,
        status: 'failed',
        format: null,
        problems: [
          {
            severity: 'error',
            code: 'archive-too-large',
            message: `${source.name} is a ${Math.round(source.size / 1048576)} MB archive, too large to open on this device. Unzip it and import the files themselves.`
          }
        ]
      }
    ];
  }
  const bytes = new Uint8Array(await source.blob.arrayBuffer());
  const listed = listZip(bytes);
  const claimed = detectFormat(
    head,
    source.name,
    listed.value.map((e) => e.name)
  );
  if (listed.issues.length === 0 && claimed.format) {
    return [await importFile(db, engagementId, source, token, onProgress, now)];
  }
  const read = readZip(bytes);
  if (read.issues.length > 0)
    return [{ name: source.name, status: 'failed', format: null, problems: read.issues }];
  const outcomes: ImportOutcome[] = [];
  for (const entry of read.value) {
    if (token.cancelled) {
      outcomes.push({
        name: `${source.name}/${entry.name}`,
        status: 'cancelled',
        format: null,
        problems: []
      });
      continue;
    }
    const blob = new Blob([entry.bytes as Uint8Array<ArrayBuffer>]);
    outcomes.push(
      ...(await importSource(
        db,
        engagementId,
        { name: `${source.name}/${entry.name}`, size: blob.size, blob },
        token,
        onProgress,
        now,
        depth + 1
      ))
    );
  }
  if (outcomes.length === 0) {
    outcomes.push({
      name: source.name,
      status: 'failed',
      format: null,
      problems: [
        { severity: 'error', code: 'archive-empty', message: `${source.name} holds no files to import.` }
      ]
    });
  }
  return outcomes;
}

/** Reads an already stored raw file again (after a failure, a cancel, or a parser improvement). */
export async function rereadFile(
  db: PatchfieldDB,
  fileId: string,
  token: CancelToken,
  onProgress: (p: Omit<ImportProgress, 'fileIndex' | 'fileCount'>) => void,
  mapping?: CsvMapping
): Promise<ImportOutcome> {
  const file = await db.files.get(fileId);
  const raw = await db.rawFiles.get(fileId);
  if (!file || !raw) {
    return {
      name: file?.name ?? fileId,
      status: 'failed',
      format: null,
      problems: [
        {
          severity: 'error',
          code: 'raw-missing',
          message: 'The stored file is gone, so it cannot be read again. Import it anew.'
        }
      ]
    };
  }
  const source: ImportSource = { name: file.name, size: raw.blob.size, blob: raw.blob };
  const report = (phase: ImportPhase, bytesDone: number, detail: string): void =>
    onProgress({ fileName: file.name, phase, bytesDone, bytesTotal: source.size, detail });
  const head = new Uint8Array(await raw.blob.slice(0, SNIFF_BYTES).arrayBuffer());
  const detection = await resolveFormat(db, head, file.name, undefined, mapping);
  return withImportLock(fileId, async () => {
    await abandonImport(db, fileId, 'failed', []);
    if (!detection.format) {
      await abandonImport(db, fileId, 'failed', [detection.problem]);
      return {
        fileId,
        name: file.name,
        status: 'failed' as const,
        format: null,
        problems: [detection.problem]
      };
    }
    // A file whose first reading was cut short has no hash yet: this reading computes it.
    const hasher = file.sha256 ? undefined : await createSha256();
    return parseStored(db, file, detection.format, source, token, report, detection.mapping, hasher);
  });
}

async function parseStored(
  db: PatchfieldDB,
  file: { id: string; engagementId: string; name: string },
  format: FileFormat,
  source: ImportSource,
  token: CancelToken,
  report: (phase: ImportPhase, bytesDone: number, detail: string) => void,
  mapping?: CsvMapping,
  hasher?: IncrementalHash
): Promise<ImportOutcome> {
  await markParsing(db, file.id, format);
  const tally = createTally();
  const hostnames: string[] = [];
  let pendingHosts: HostObservation[] = [];
  let pendingRules: ScannerRule[] = [];
  let pendingBytes = 0;
  let seq = 0;
  let ruleBatch = 0;
  let bytesDone = 0;
  // What this import has cost in storage so far, to say how much more it needs if the device fills up.
  const space = { usageAtStart: (await storageEstimate())?.usage ?? null, estimatedBytes: 0 };
  const sink: ObservationSink = {
    host(h) {
      tally.add(h);
      hostnames.push(detached(h.hostname ?? h.fqdn ?? h.ips[0] ?? h.key));
      pendingHosts.push(h);
      const size = estimateSize(h);
      pendingBytes += size;
      space.estimatedBytes += size;
    },
    rule(r) {
      pendingRules.push(r);
      const size = (r.description?.length ?? 0) + (r.solution?.length ?? 0) + 512;
      pendingBytes += size;
      space.estimatedBytes += size;
    }
  };
  const storageFull = (e: unknown): Promise<Problem> =>
    rowsTooLarge(file.name, e, {
      usageAtStart: space.usageAtStart,
      estimatedBytes: space.estimatedBytes,
      hostsParsed: hostnames.length,
      hostsStored: seq,
      bytesRead: bytesDone,
      fileSize: source.size
    });
  const parser = mapping
    ? withValidation(
        (checked) => bufferedParser((b) => parseMappedCsv(b, mapping), checked, 'CSV export'),
        sink
      )
    : createStreamParser(format, sink);
  const flush = async (): Promise<void> => {
    if (pendingHosts.length === 0 && pendingRules.length === 0) return;
    const hosts = pendingHosts;
    const rules = pendingRules;
    pendingHosts = [];
    pendingRules = [];
    pendingBytes = 0;
    await writeStagingBatch(db, file, seq, hosts, rules, ruleBatch);
    seq += hosts.length;
    if (rules.length > 0) ruleBatch += 1;
  };

  let lastReport = 0;
  try {
    for await (const chunk of chunksOf(source.blob)) {
      if (token.cancelled) throw new Cancelled();
      hasher?.update(chunk);
      parser.write(chunk);
      bytesDone += chunk.length;
      if (
        pendingHosts.length >= BATCH_HOSTS ||
        pendingRules.length >= BATCH_RULES ||
        pendingBytes >= BATCH_BYTES
      ) {
        report('saving', bytesDone, parser.position);
        await flush();
      }
      // A few progress messages a second are plenty; one per chunk would keep the page busy redrawing.
      const t = Date.now();
      if (t - lastReport >= 150) {
        lastReport = t;
        report('reading', bytesDone, parser.position);
      }
    }
    if (token.cancelled) throw new Cancelled();
    parser.end();
    await flush();
  } catch (e) {
    if (e instanceof Cancelled) {
      await abandonImport(db, file.id, 'cancelled', [
        {
          severity: 'info',
          code: 'import-cancelled',
          message: `Reading ${file.name} was cancelled. The file is kept: use “Read again” to import it, or remove it.`
        }
      ]);
      return { fileId: file.id, name: file.name, status: 'cancelled', format, problems: [] };
    }
    const problems = [
      ...parser.issues,
      isQuotaExceeded(e) ? await storageFull(e) : failureProblem(file.name, e)
    ];
    await abandonImport(db, file.id, 'failed', problems);
    return { fileId: file.id, name: file.name, status: 'failed', format, problems };
  }

  const problems = [...parser.issues];
  if (problems.some((p) => p.severity === 'error')) {
    await abandonImport(db, file.id, 'failed', problems);
    return { fileId: file.id, name: file.name, status: 'failed', format, problems };
  }
  const counts = tally.counts;
  if (counts.assets === 0) {
    problems.push({
      severity: 'warning',
      code: 'no-hosts',
      message: `${file.name} was read but holds no computers. Check that the export covers the machines you scanned.`
    });
  }
  try {
    await finishImport(db, file.id, {
      counts,
      problems,
      hostnames,
      formatVersion: parser.formatVersion,
      ...(hasher ? { sha256: hasher.hex() } : {})
    });
  } catch (e) {
    if (e instanceof SameBytesError) {
      // The same bytes were imported before: this copy leaves nothing behind.
      await deleteImportedFile(db, file.id);
      return {
        name: file.name,
        status: 'duplicate',
        format,
        problems: [
          {
            severity: 'info',
            code: 'already-imported',
            message: `${file.name} has exactly the same content as ${e.existing.name}, imported ${e.existing.importedAt.slice(0, 10)}: it was not imported twice.`
          }
        ],
        duplicateOf: { id: e.existing.id, name: e.existing.name, importedAt: e.existing.importedAt }
      };
    }
    const failed = [...problems, isQuotaExceeded(e) ? await storageFull(e) : failureProblem(file.name, e)];
    await abandonImport(db, file.id, 'failed', failed);
    return { fileId: file.id, name: file.name, status: 'failed', format, problems: failed };
  }
  report('done', source.size, `${counts.assets} computer${counts.assets === 1 ? '' : 's'} read`);
  return { fileId: file.id, name: file.name, status: 'done', format, counts, problems };
}

/**
 * A copy of a string that shares no memory with the text it was cut from. V8 keeps a substring as a view into
 * its parent, so a host name cut from a 64 KB chunk of the file would keep the whole chunk alive for the rest of
 * the import: thousands of hosts, and the tab's memory grows with the file (measured: 1.4 GB for 500 MB).
 */
function detached(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

function estimateSize(h: HostObservation): number {
  let n = 1024;
  for (const f of h.findings) n += 128 + (f.output?.length ?? 0);
  return n;
}

/** The browser's figures for this site's storage (available in the worker too); null where there are none. */
async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const storage = (globalThis as { navigator?: { storage?: Partial<StorageManager> } }).navigator?.storage;
  if (!storage?.estimate) return null;
  try {
    const { usage, quota } = await storage.estimate();
    return usage !== undefined && quota !== undefined ? { usage, quota } : null;
  } catch {
    return null;
  }
}

/**
 * When the space a file needs must be guessed before any of its rows fits: its rows are taken to need as much room
 * as the file itself (kept beside them). On the safe side: Chromium compresses rows, and a generated 18.6 MB Nessus
 * scan added 6 MB to the usage Chromium reported, so the guess asks for more than is needed rather than less.
 */
const ROW_BYTES_PER_FILE_BYTE = 1;

function megabytes(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / (1024 * 1024)))} MB`;
}

function storageFullProblem(message: string, e: unknown, figures: string): Problem {
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { severity: 'error', code: 'storage-full', message, detail: `${figures}. ${detail}` };
}

/** The raw file itself did not fit: nothing was kept, and the file needs room for itself and for its rows. */
async function rawFileTooLarge(name: string, size: number, e: unknown): Promise<Problem> {
  const estimate = await storageEstimate();
  const needed = size * (1 + ROW_BYTES_PER_FILE_BYTE);
  const free = estimate ? Math.max(0, estimate.quota - estimate.usage) : 0;
  const more = Math.max(size, needed - free);
  return storageFullProblem(
    `This device is out of storage space: importing ${name} needs about ${megabytes(more)} more. Nothing of it was kept. Free space or delete an old engagement, then import it again.`,
    e,
    `file ${size} bytes; about ${needed} bytes needed with its rows; ${estimate ? `${free} bytes free` : 'free space unknown'}`
  );
}

/**
 * Rows stopped fitting part-way: the staging rows are removed (which frees what they took), so the import needs
 * room for all its rows; what is missing is the rows not yet stored, at the bytes per host measured so far (the
 * browser's usage figures where it gives them, else the size of the rows as read).
 */
async function rowsTooLarge(
  name: string,
  e: unknown,
  m: {
    usageAtStart: number | null;
    estimatedBytes: number;
    hostsParsed: number;
    hostsStored: number;
    bytesRead: number;
    fileSize: number;
  }
): Promise<Problem> {
  const usageNow = m.usageAtStart === null ? null : ((await storageEstimate())?.usage ?? null);
  const measured =
    usageNow !== null && m.usageAtStart !== null && m.hostsStored > 0 && usageNow > m.usageAtStart
      ? (usageNow - m.usageAtStart) / m.hostsStored
      : null;
  const perHost =
    measured ?? (m.hostsParsed > 0 ? m.estimatedBytes / m.hostsParsed : m.fileSize * ROW_BYTES_PER_FILE_BYTE);
  const hostsTotal =
    m.bytesRead > 0 && m.hostsParsed > 0
      ? Math.max(m.hostsParsed, Math.round((m.hostsParsed * m.fileSize) / m.bytesRead))
      : 1;
  const more = Math.max(1, hostsTotal - m.hostsStored) * perHost;
  return storageFullProblem(
    `This device is out of storage space: importing ${name} needs about ${megabytes(more)} more. Nothing half-written was kept; the file itself is stored. Free space or delete an old engagement, then use “Read again”.`,
    e,
    `${m.hostsStored} of about ${hostsTotal} computers fitted; about ${Math.round(perHost)} bytes each (${measured !== null ? 'measured' : 'estimated'})`
  );
}

/** A failure that is not the file's fault: storage full, or something unexpected. */
function failureProblem(name: string, e: unknown): Problem {
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (e instanceof ImportAbandonedError) {
    return {
      severity: 'error',
      code: 'import-ended-elsewhere',
      message: `Reading ${name} was ended from elsewhere (another window, or the file was removed). Nothing half-read was kept; use “Read again” if the file is still listed.`,
      detail
    };
  }
  return {
    severity: 'error',
    code: 'import-error',
    message: `Reading ${name} stopped because of an unexpected error. Nothing from it was kept; the file is stored, so you can use “Read again”.`,
    detail
  };
}

function unreadable(name: string, e: unknown): ImportOutcome {
  return {
    name,
    status: 'failed',
    format: null,
    problems: [
      {
        severity: 'error',
        code: 'read-failed',
        message: `${name} could not be read from the device. Copy it again and retry.`,
        detail: e instanceof Error ? e.message : String(e)
      }
    ]
  };
}
