import { engine, progressCallback } from '$lib/workers/engine.client';
import { toasts } from './toasts.svelte';

/**
 * Building the PDF in the worker, then offering it. Sharing must be a second tap: navigator.share({ files })
 * only works straight from a user gesture, so the PDF has to exist before the tap.
 */
export class ReportJob {
  building = $state(false);
  percent = $state(0);
  url = $state<string | null>(null);
  fileName = $state('');
  pageCount = $state(0);
  missingGlyphs = $state<string[]>([]);
  warnings = $state<string[]>([]);
  error = $state<string | null>(null);
  /** The "Our proposal" section: on for sales reports, off for the client's IT person. */
  includeProposal = $state(true);
  private file: File | null = null;

  get canShare(): boolean {
    return (
      this.file !== null &&
      typeof navigator !== 'undefined' &&
      typeof navigator.canShare === 'function' &&
      navigator.canShare({ files: [this.file] })
    );
  }

  async build(engagementId: string): Promise<void> {
    if (this.building) return;
    this.building = true;
    this.error = null;
    this.percent = 0;
    try {
      const api = await engine();
      const out = await api.buildReport(
        engagementId,
        { includeProposal: this.includeProposal },
        progressCallback((done: number, total: number) => {
          this.percent = total > 0 ? Math.round((done / total) * 100) : 0;
        })
      );
      this.clear();
      this.file = new File([out.bytes as Uint8Array<ArrayBuffer>], out.fileName, { type: 'application/pdf' });
      this.url = URL.createObjectURL(this.file);
      this.fileName = out.fileName;
      this.pageCount = out.pageCount;
      this.missingGlyphs = out.missingGlyphs;
      this.warnings = out.warnings;
      toasts.show(`Report ready: ${out.fileName} (${out.pageCount} pages).`, 'success');
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.building = false;
    }
  }

  /** Call directly from the tap handler. */
  async share(): Promise<void> {
    if (!this.file) return;
    try {
      await navigator.share({ files: [this.file], title: this.fileName });
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'AbortError')) {
        this.error = 'Sharing did not work on this device: use Download instead.';
      }
    }
  }

  clear(): void {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.file = null;
  }
}
