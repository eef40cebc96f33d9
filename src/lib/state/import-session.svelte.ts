import type { CsvMapping } from '$lib/core';
import type { ImportOutcome, ImportProgress } from '$lib/workers/engine.api';
import { engine, newJobId, progressCallback } from '$lib/workers/engine.client';

/** One run of "Import files": progress in words, cancel, and what happened to each file. */
export class ImportSession {
  running = $state(false);
  progress = $state<ImportProgress | null>(null);
  outcomes = $state<ImportOutcome[]>([]);
  error = $state<string | null>(null);
  private jobId: string | null = null;

  constructor(private readonly engagementId: () => string) {}

  get percent(): number {
    const p = this.progress;
    if (!p || p.bytesTotal === 0) return 0;
    const perFile = 1 / p.fileCount;
    const phaseShare = p.phase === 'checking' ? 0.15 : 1;
    const phaseBase = p.phase === 'checking' ? 0 : 0.15;
    const within = phaseBase + (phaseShare === 1 ? 0.85 : 0.15) * Math.min(1, p.bytesDone / p.bytesTotal);
    return Math.round((p.fileIndex * perFile + within * perFile) * 100);
  }

  get line(): string {
    const p = this.progress;
    if (!p) return 'Starting…';
    const which = p.fileCount > 1 ? ` (file ${p.fileIndex + 1} of ${p.fileCount})` : '';
    const verb =
      p.phase === 'checking'
        ? 'Checking'
        : p.phase === 'saving'
          ? 'Saving'
          : p.phase === 'done'
            ? 'Read'
            : 'Reading';
    return `${verb} ${p.fileName}${which} — ${p.detail}`;
  }

  async run(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const sources = files.map((f) => ({ name: f.name, size: f.size, lastModified: f.lastModified, blob: f }));
    await this.job((api, jobId, onProgress) =>
      api.importFiles(this.engagementId(), sources, jobId, onProgress)
    );
  }

  /** The table waiting for the technician to map its columns. */
  mapping = $state<{
    fileId: string;
    fileName: string;
    header: string[];
    rows: string[][];
    guess: CsvMapping;
  } | null>(null);

  async openMapping(fileId: string, fileName: string): Promise<void> {
    const api = await engine();
    const preview = await api.previewCsvFile(fileId);
    if (!preview) {
      this.error = `${fileName} can no longer be read as a table.`;
      return;
    }
    this.mapping = { fileId, fileName, header: preview.header, rows: preview.rows, guess: preview.guess };
  }

  async applyMapping(mapping: CsvMapping, name: string): Promise<void> {
    const target = this.mapping;
    if (!target) return;
    this.mapping = null;
    await this.job(async (api, jobId, onProgress) => [
      await api.applyCsvMapping(target.fileId, mapping, name, jobId, onProgress)
    ]);
  }

  async reread(fileId: string): Promise<void> {
    await this.job(async (api, jobId, onProgress) => [await api.rereadFile(fileId, jobId, onProgress)]);
  }

  /** One import job at a time: progress, outcomes and errors land in this session's state. */
  private async job(
    start: (
      api: Awaited<ReturnType<typeof engine>>,
      jobId: string,
      onProgress: (p: ImportProgress) => void
    ) => Promise<ImportOutcome[]>
  ): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = null;
    this.outcomes = [];
    this.progress = null;
    const jobId = newJobId();
    this.jobId = jobId;
    try {
      const api = await engine();
      this.outcomes = await start(
        api,
        jobId,
        progressCallback((p: ImportProgress) => {
          this.progress = p;
        })
      );
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.running = false;
      this.jobId = null;
    }
  }

  async cancel(): Promise<void> {
    if (!this.jobId) return;
    const api = await engine();
    await api.cancel(this.jobId);
  }
}
