import type { Problem } from '$lib/core';
import {
  getDb,
  getSettings,
  getLogo,
  saveLogo,
  listCatalogParts,
  saveSettings,
  DEFAULT_SETTINGS,
  appSettingsSchema,
  type AppSettings,
  type CatalogMetaRecord
} from '$lib/db';
import { downscaleImage } from './images';
import { engine, newJobId, progressCallback } from '$lib/workers/engine.client';
import { Live } from './live.svelte';
import { toasts } from './toasts.svelte';

/** Settings page: MSP details and the reference catalog (the device's storage is deviceStorage, storage.svelte.ts). */
export class SettingsView {
  readonly settings = new Live<AppSettings>(() => getSettings(getDb()), DEFAULT_SETTINGS);
  readonly catalog = new Live<CatalogMetaRecord[]>(() => listCatalogParts(getDb()), []);
  catalogBusy = $state(false);
  catalogProblems = $state<Problem[]>([]);
  catalogMessage = $state<string | null>(null);
  saved = $state(false);
  logoUrl = $state<string | null>(null);
  logoMessage = $state<string | null>(null);

  constructor() {
    void this.loadLogo();
  }

  private async loadLogo(): Promise<void> {
    const logo = await getLogo(getDb());
    if (this.logoUrl) URL.revokeObjectURL(this.logoUrl);
    this.logoUrl = logo
      ? URL.createObjectURL(new Blob([new Uint8Array(logo.bytes)], { type: logo.type }))
      : null;
  }

  /**
   * Stores the logo scaled down to at most 1200 × 400 px as PNG (transparency kept), so a photo-sized image never
   * bloats every report; a file that is not an image is refused with a message.
   */
  async setLogo(file: File): Promise<void> {
    this.logoMessage = null;
    try {
      const { blob, width, height, scaled } = await downscaleImage(
        file,
        { maxWidth: 1200, maxHeight: 400 },
        { type: 'image/png' }
      );
      await saveLogo(getDb(), {
        name: file.name,
        type: 'image/png',
        bytes: new Uint8Array(await blob.arrayBuffer()),
        width,
        height
      });
      this.logoMessage = scaled ? `Logo saved (scaled down to ${width} × ${height} px).` : 'Logo saved.';
    } catch {
      this.logoMessage = `${file.name} could not be read as an image. Choose a PNG or JPEG file.`;
    }
    await this.loadLogo();
  }

  async removeLogo(): Promise<void> {
    await saveLogo(getDb(), undefined);
    this.logoMessage = 'Logo removed.';
    await this.loadLogo();
  }
  refreshing = $state(false);
  refreshLine = $state('');
  refreshPercent = $state(0);
  refreshFailed = $state<{ part: string; message: string }[]>([]);
  private refreshJob: string | null = null;

  /** Fetches the parts that have one official file; a part that fails keeps its previous data. */
  async refreshCatalog(): Promise<void> {
    this.refreshing = true;
    this.refreshFailed = [];
    this.catalogProblems = [];
    this.catalogMessage = null;
    const jobId = newJobId();
    this.refreshJob = jobId;
    try {
      const api = await engine();
      const result = await api.refreshCatalog(
        jobId,
        progressCallback((what: string, index: number, total: number, bytes: number) => {
          this.refreshLine = `Downloading ${what} (${index + 1} of ${total})${bytes > 0 ? ` — ${(bytes / 1e6).toFixed(1)} MB` : ''}`;
          this.refreshPercent = total > 0 ? Math.round((index / total) * 100) : 0;
        })
      );
      this.refreshFailed = result.failed;
      this.catalogProblems = result.problems;
      this.catalogMessage = result.cancelled
        ? 'Refresh cancelled; the catalog is unchanged.'
        : result.parts.length > 0
          ? `Updated ${result.parts.map((p) => p.part).join(', ')}.`
          : 'Nothing could be refreshed; the catalog is unchanged.';
      // Said again as a notice: the technician may have gone on to another page while it downloaded.
      if (!result.cancelled) {
        toasts.show(
          result.parts.length > 0
            ? `Catalog refreshed: ${result.parts.map((p) => p.part).join(', ')}${result.failed.length > 0 ? ` (${result.failed.length} could not be downloaded)` : ''}.`
            : 'Catalog refresh failed; the catalog is unchanged.',
          result.parts.length > 0 ? 'success' : 'error'
        );
      }
    } catch (e) {
      this.catalogMessage = e instanceof Error ? e.message : String(e);
    } finally {
      this.refreshing = false;
      this.refreshJob = null;
    }
  }

  async cancelRefresh(): Promise<void> {
    if (!this.refreshJob) return;
    await (await engine()).cancel(this.refreshJob);
  }

  saveError = $state<string | null>(null);

  /** Validated before it is stored: a wrong value is named and nothing is written. */
  async save(next: AppSettings): Promise<void> {
    this.saveError = null;
    const checked = appSettingsSchema.safeParse(next);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      this.saveError = `Not saved: ${issue?.path.join(' › ') ?? 'a setting'} — ${issue?.message ?? 'invalid value'}.`;
      return;
    }
    await saveSettings(getDb(), checked.data);
    this.saved = true;
  }

  async importCatalog(file: File): Promise<void> {
    this.catalogBusy = true;
    this.catalogProblems = [];
    this.catalogMessage = null;
    try {
      const api = await engine();
      const result = await api.importCatalogFile({ name: file.name, blob: file });
      this.catalogProblems = result.problems;
      this.catalogMessage = result.ok
        ? `Loaded ${result.parts.length === 1 ? 'one part' : `${result.parts.length} parts`} from ${file.name}.`
        : `${file.name} was not loaded; the previous catalog is kept.`;
    } catch (e) {
      this.catalogMessage = e instanceof Error ? e.message : String(e);
    } finally {
      this.catalogBusy = false;
    }
  }
}
