import {
  guessCsvMapping,
  headerSignature,
  mappingProblems,
  previewCsv,
  type CsvMapping,
  buildReport,
  parseWindowsBuildsCsv,
  decodeText,
  type CatalogPartInfo,
  type CatalogPart,
  decodeCatalogBundle,
  refreshCatalog,
  gapsToCsv,
  findingsToCsv,
  planToCsv,
  planToIcs,
  resultsJson,
  looksLikeBundle,
  type EngagementResults,
  type Problem
} from '../core';
import {
  deleteEngagement,
  getEngagement,
  getSettings,
  getLogo,
  listFiles,
  listPhotos,
  purgeInterruptedImports,
  type PurgedImport,
  saveCatalogParts,
  loadCatalog,
  saveCsvPreset,
  type PatchfieldDB
} from '../db';
import { createBackupApi } from './backup.api';
import { keyringFor } from '../db/crypto';
import { createCryptoApi } from './crypto.api';
import { isImportRunning } from './import-lock';
import { assessEngagement, FindingsCache, type FindingsPage, type FindingsQuery } from './assessor';
import {
  importSource,
  rereadFile,
  type ImportOutcome,
  type ImportProgress,
  type ImportSource
} from './importer';

export type { FindingsPage, FindingsQuery, ImportOutcome, ImportProgress, ImportSource };

/** What the engine needs from its runtime: the database and the report's font bytes. */
export interface EngineEnv {
  db: () => PatchfieldDB;
  loadFonts: () => Promise<{ regular: Uint8Array; bold: Uint8Array }>;
  loadCjkFont: () => Promise<Uint8Array>;
  now?: () => Date;
  /** The network, only for "Refresh catalog" (tests pass their own). */
  fetch?: typeof fetch;
  /** The office's catalog mirror, set at build time (official-sources.js); the official hosts when absent. */
  catalogMirror?: string;
}

export interface CatalogRefreshResult {
  parts: CatalogPartInfo[];
  failed: { part: string; url: string; message: string }[];
  problems: Problem[];
  cancelled: boolean;
}

export interface ReportJobResult {
  bytes: Uint8Array;
  fileName: string;
  pageCount: number;
  missingGlyphs: string[];
  warnings: string[];
}

export interface AssessProgress {
  (done: number, total: number, what: string): void;
}

export interface CatalogImportResult {
  ok: boolean;
  parts: CatalogPartInfo[];
  problems: Problem[];
}

/**
 * The engine's one typed façade (STYLE.md habit 2): the worker exposes it with comlink; tests call it directly.
 * Long jobs take a job id and stop when cancel(jobId) is called.
 */
export function createEngineApi(env: EngineEnv) {
  const cancelled = new Set<string>();
  const findings = new FindingsCache();
  const now = env.now ?? (() => new Date());
  const tokenFor = (jobId: string) => ({
    get cancelled() {
      return cancelled.has(jobId);
    }
  });

  return {
    ...createBackupApi(env.db, now),
    ...createCryptoApi(env),

    /**
     * Marks imports interrupted by a closed tab as failed and removes their staging rows; those of locked
     * engagements wait until they are unlocked.
     */
    async recoverInterrupted(): Promise<PurgedImport[]> {
      return purgeInterruptedImports(env.db(), isImportRunning);
    },

    /**
     * Deletes an engagement and everything of it (files, raw bytes, findings, notes, photos, decisions), and
     * forgets what the engine holds of it in memory (its findings, its keys).
     */
    async deleteEngagement(engagementId: string): Promise<void> {
      await deleteEngagement(env.db(), engagementId);
      findings.forget(engagementId);
      keyringFor(env.db()).forget(engagementId);
    },

    async importFiles(
      engagementId: string,
      sources: ImportSource[],
      jobId: string,
      onProgress?: (p: ImportProgress) => void
    ): Promise<ImportOutcome[]> {
      const outcomes: ImportOutcome[] = [];
      const token = tokenFor(jobId);
      try {
        for (const [fileIndex, source] of sources.entries()) {
          if (token.cancelled) {
            outcomes.push({ name: source.name, status: 'cancelled', format: null, problems: [] });
            continue;
          }
          outcomes.push(
            ...(await importSource(
              env.db(),
              engagementId,
              source,
              token,
              (p) => onProgress?.({ ...p, fileIndex, fileCount: sources.length }),
              now
            ))
          );
        }
      } finally {
        cancelled.delete(jobId);
      }
      return outcomes;
    },

    async rereadFile(
      fileId: string,
      jobId: string,
      onProgress?: (p: ImportProgress) => void
    ): Promise<ImportOutcome> {
      try {
        return await rereadFile(env.db(), fileId, tokenFor(jobId), (p) =>
          onProgress?.({ ...p, fileIndex: 0, fileCount: 1 })
        );
      } finally {
        cancelled.delete(jobId);
      }
    },

    /** Header, first rows and a guessed mapping of a stored table that no format claimed. */
    async previewCsvFile(
      fileId: string
    ): Promise<{ header: string[]; rows: string[][]; guess: CsvMapping; problems: string[] } | undefined> {
      const raw = await env.db().rawFiles.get(fileId);
      if (!raw) return undefined;
      const preview = previewCsv(new Uint8Array(await raw.blob.slice(0, 256 * 1024).arrayBuffer()));
      if (!preview) return undefined;
      const guess = guessCsvMapping(preview.header);
      return { header: preview.header, rows: preview.rows, guess, problems: mappingProblems(guess) };
    },

    /** Saves the technician's mapping as a named preset and reads the file with it. */
    async applyCsvMapping(
      fileId: string,
      mapping: CsvMapping,
      presetName: string,
      jobId: string,
      onProgress?: (p: ImportProgress) => void
    ): Promise<ImportOutcome> {
      const db = env.db();
      const raw = await db.rawFiles.get(fileId);
      const preview = raw
        ? previewCsv(new Uint8Array(await raw.blob.slice(0, 256 * 1024).arrayBuffer()))
        : undefined;
      if (preview) await saveCsvPreset(db, presetName, headerSignature(preview.header), mapping, now());
      try {
        return await rereadFile(
          db,
          fileId,
          tokenFor(jobId),
          (p) => onProgress?.({ ...p, fileIndex: 0, fileCount: 1 }),
          mapping
        );
      } finally {
        cancelled.delete(jobId);
      }
    },

    cancel(jobId: string): void {
      cancelled.add(jobId);
    },

    /** Computes the engagement's results; with a job id, cancel(jobId) stops it (CancelledError). */
    async assess(
      engagementId: string,
      onProgress?: AssessProgress,
      jobId?: string
    ): Promise<EngagementResults> {
      const engagement = await getEngagement(env.db(), engagementId);
      if (!engagement) throw new Error('This engagement no longer exists.');
      try {
        const token = jobId ? tokenFor(jobId) : undefined;
        return await assessEngagement(env.db(), engagementId, engagement.visitDate, onProgress, now, () =>
          Boolean(token?.cancelled)
        );
      } finally {
        if (jobId) cancelled.delete(jobId);
      }
    },

    async queryFindings(engagementId: string, query: FindingsQuery): Promise<FindingsPage> {
      return findings.query(env.db(), engagementId, query);
    },

    /** One finding's evidence (scanner output) whole, for its detail; rows of queryFindings carry only its start. */
    async findingEvidence(engagementId: string, findingId: string): Promise<string | undefined> {
      return findings.evidence(env.db(), engagementId, findingId);
    },

    /**
     * The plan and results as files for the client's IT person or a PSA: iCalendar (one event per wave), CSV of the
     * plan, CSV of the gaps, and the whole results as JSON (the same JSON as `patchfield assess --json`).
     */
    async exportResults(
      engagementId: string,
      kind: 'ics' | 'plan-csv' | 'gaps-csv' | 'findings-csv' | 'json'
    ): Promise<{ fileName: string; mimeType: string; text: string }> {
      const engagement = await getEngagement(env.db(), engagementId);
      if (!engagement) throw new Error('This engagement no longer exists.');
      const results = await assessEngagement(env.db(), engagementId, engagement.visitDate, undefined, now);
      const base = reportFileName(engagement.clientName, engagement.visitDate).replace(/\.pdf$/, '');
      if (kind === 'ics') {
        return {
          fileName: `${base}-plan.ics`,
          mimeType: 'text/calendar',
          text: planToIcs(results.waves, {
            calendarName: `Patch plan · ${engagement.clientName}`,
            uid: engagement.id,
            dtstamp: `${engagement.visitDate}T00:00:00Z`
          })
        };
      }
      if (kind === 'plan-csv') {
        const hostnames = new Map(results.assets.map((a) => [a.asset.id, a.asset.hostname]));
        return {
          fileName: `${base}-plan.csv`,
          mimeType: 'text/csv',
          text: planToCsv(results.waves, results.gaps, hostnames)
        };
      }
      if (kind === 'findings-csv') {
        return {
          fileName: `${base}-findings.csv`,
          mimeType: 'text/csv',
          text: findingsToCsv(await findings.all(env.db(), engagementId))
        };
      }
      if (kind === 'gaps-csv') {
        return { fileName: `${base}-gaps.csv`, mimeType: 'text/csv', text: gapsToCsv(results.gaps) };
      }
      return {
        fileName: `${base}-results.json`,
        mimeType: 'application/json',
        text: `${resultsJson(results)}\n`
      };
    },

    async buildReport(
      engagementId: string,
      options: { generatedAt?: string; includeProposal?: boolean } = {},
      onProgress?: (done: number, total: number) => void
    ): Promise<ReportJobResult> {
      const db = env.db();
      const engagement = await getEngagement(db, engagementId);
      if (!engagement) throw new Error('This engagement no longer exists.');
      const [results, settings, logo, fonts, files, photos] = await Promise.all([
        assessEngagement(db, engagementId, engagement.visitDate, undefined, now),
        getSettings(db),
        getLogo(db),
        env.loadFonts(),
        listFiles(db, engagementId),
        listPhotos(db, engagementId)
      ]);
      const out = await buildReport(
        {
          engagement,
          results,
          mspName: settings.mspName,
          generatedAt: options.generatedAt ?? now().toISOString(),
          pageSize: settings.pageSize,
          brandColor: settings.brandColor,
          importedAt: Object.fromEntries(files.map((f) => [f.id, f.importedAt])),
          photos: await Promise.all(
            photos.map(async (p) => ({
              id: p.id,
              ...(p.assetId ? { assetId: p.assetId } : {}),
              caption: p.caption,
              bytes: new Uint8Array(await p.blob.arrayBuffer())
            }))
          ),
          ...(options.includeProposal !== false && settings.proposal.enabled
            ? { proposal: settings.proposal }
            : {}),
          ...(logo ? { logo: { bytes: logo.bytes, type: logo.type } } : {})
        },
        { ...fonts, loadCjk: env.loadCjkFont },
        onProgress
      );
      return {
        bytes: out.bytes,
        fileName: reportFileName(engagement.clientName, engagement.visitDate),
        pageCount: out.pageCount,
        missingGlyphs: out.missingGlyphs,
        warnings: out.warnings
      };
    },

    /**
     * Fetches the parts that have one official file from their official URLs and stores every part that arrived
     * and read correctly in one transaction; a part that fails keeps its previous data. The only network use of the
     * app, started by the technician.
     */
    async refreshCatalog(
      jobId: string,
      onProgress?: (what: string, index: number, total: number, bytes: number) => void
    ): Promise<CatalogRefreshResult> {
      const token = tokenFor(jobId);
      const doFetch = env.fetch ?? fetch;
      const fetchBytes = async (url: string, onBytes: (n: number) => void): Promise<Uint8Array> => {
        let response: Response;
        try {
          response = await doFetch(url);
        } catch {
          throw new Error('no network, or the site does not allow downloads from this app');
        }
        if (!response.ok) throw new Error(`the server answered ${response.status}`);
        if (!response.body) return new Uint8Array(await response.arrayBuffer());
        const reader = response.body.getReader();
        const chunks: Uint8Array[] = [];
        let total = 0;
        for (;;) {
          if (token.cancelled) {
            await reader.cancel();
            throw new Error('cancelled');
          }
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          total += value.length;
          onBytes(total);
        }
        const out = new Uint8Array(total);
        let offset = 0;
        for (const c of chunks) {
          out.set(c, offset);
          offset += c.length;
        }
        return out;
      };
      try {
        const current = await loadCatalog(env.db());
        const result = await refreshCatalog(current, fetchBytes, {
          ...(onProgress ? { onProgress } : {}),
          ...(env.catalogMirror ? { mirror: env.catalogMirror } : {}),
          isCancelled: () => token.cancelled
        });
        if (token.cancelled) return { parts: [], failed: [], problems: [], cancelled: true };
        const metas =
          result.parts.length > 0
            ? await saveCatalogParts(
                env.db(),
                result.parts,
                'refresh from official sources',
                now().toISOString()
              )
            : [];
        return {
          parts: metas.map((m) => ({
            part: m.part,
            source: m.source,
            ...(m.snapshotDate ? { snapshotDate: m.snapshotDate } : {}),
            records: m.records
          })),
          failed: result.failed,
          problems: result.problems,
          cancelled: false
        };
      } finally {
        cancelled.delete(jobId);
      }
    },

    /**
     * Loads a catalog bundle (or the Windows build table CSV alone) into the local catalog. All parts land in one
     * transaction: when the file is bad nothing changes and the previous catalog stays.
     */
    async importCatalogFile(
      file: { name: string; blob: Blob },
      onProgress?: (what: string, done: number, total: number) => void
    ): Promise<CatalogImportResult> {
      const bytes = new Uint8Array(await file.blob.arrayBuffer());
      let parts: CatalogPart[];
      let problems: Problem[];
      if (looksLikeBundle(bytes)) {
        const decoded = decodeCatalogBundle(bytes, file.name, (part, i, n) => onProgress?.(part, i, n));
        problems = decoded.issues;
        parts = decoded.value?.parts ?? [];
      } else {
        const parsed = parseWindowsBuildsCsv(decodeText(bytes).text, file.name);
        problems = parsed.issues;
        parts = problems.some((p) => p.severity === 'error') ? [] : [parsed.value];
      }
      // A damaged part refuses the whole file: a half-new catalog would mix snapshots.
      if (parts.length === 0 || problems.some((p) => p.severity === 'error')) {
        return { ok: false, parts: [], problems };
      }
      onProgress?.('saving', parts.length, parts.length);
      const metas = await saveCatalogParts(env.db(), parts, file.name, now().toISOString());
      return {
        ok: true,
        parts: metas.map((m) => ({
          part: m.part,
          source: m.source,
          ...(m.snapshotDate ? { snapshotDate: m.snapshotDate } : {}),
          records: m.records
        })),
        problems
      };
    }
  };
}

export type EngineApi = ReturnType<typeof createEngineApi>;

/** "Zahnarztpraxis Müller" on 2026-11-24 → "patch-assessment-zahnarztpraxis-muller-2026-11-24.pdf". */
export function reportFileName(clientName: string, date: string): string {
  const slug = clientName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `patch-assessment-${slug || 'client'}-${date}.pdf`;
}
