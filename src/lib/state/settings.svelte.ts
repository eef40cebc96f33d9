import type { Problem } from '$lib/core';
import {
  getDb,
  getSettings,
  listCatalogParts,
  saveSettings,
  DEFAULT_SETTINGS,
  type AppSettings,
  type CatalogMetaRecord
} from '$lib/db';
import { engine } from '$lib/workers/engine.client';
import { Live } from './live.svelte';

export interface StorageInfo {
  persisted: boolean | null;
  usage: number | null;
  quota: number | null;
}

/** Settings page: MSP details, the reference catalog, and the device's storage. */
export class SettingsView {
  readonly settings = new Live<AppSettings>(() => getSettings(getDb()), DEFAULT_SETTINGS);
  readonly catalog = new Live<CatalogMetaRecord[]>(() => listCatalogParts(getDb()), []);
  storage = $state<StorageInfo>({ persisted: null, usage: null, quota: null });
  catalogBusy = $state(false);
  catalogProblems = $state<Problem[]>([]);
  catalogMessage = $state<string | null>(null);
  saved = $state(false);

  async save(next: AppSettings): Promise<void> {
    await saveSettings(getDb(), next);
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

  async refreshStorage(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage) return;
    const [persisted, estimate] = await Promise.all([
      navigator.storage.persisted?.() ?? Promise.resolve(null),
      navigator.storage.estimate?.() ?? Promise.resolve(undefined)
    ]);
    this.storage = { persisted, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null };
  }

  async requestPersistence(): Promise<void> {
    if (navigator.storage?.persist) await navigator.storage.persist();
    await this.refreshStorage();
  }
}
