import { getDb } from '$lib/db';
import { Live } from './live.svelte';

/** From this share of the quota on, the app warns on every screen (imports fail once the quota is reached). */
export const NEARLY_FULL_SHARE = 0.8;

/** Whole percent of the quota in use; null when the browser does not say. */
export function usedPercent(usage: number | null, quota: number | null): number | null {
  if (usage === null || quota === null || quota <= 0) return null;
  return Math.min(100, Math.floor((usage / quota) * 100));
}

export function isNearlyFull(usage: number | null, quota: number | null): boolean {
  return usage !== null && quota !== null && quota > 0 && usage / quota >= NEARLY_FULL_SHARE;
}

/**
 * The device's storage for Patchfield: whether the browser keeps it (persistent storage), how much is used and
 * how much it may use. One instance for the whole app, so the settings page and the warning agree.
 */
export class DeviceStorage {
  /** null: the browser cannot keep storage persistent (or cannot say). */
  persisted = $state<boolean | null>(null);
  usage = $state<number | null>(null);
  quota = $state<number | null>(null);
  /** The answer to the last request, for the settings page: granted, or refused by the browser. */
  lastRequest = $state<'granted' | 'refused' | null>(null);
  private asked = false;

  get percent(): number | null {
    return usedPercent(this.usage, this.quota);
  }

  get nearlyFull(): boolean {
    return isNearlyFull(this.usage, this.quota);
  }

  async refresh(): Promise<void> {
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (!storage) return;
    const [persisted, estimate] = await Promise.all([
      storage.persisted ? storage.persisted().catch(() => null) : Promise.resolve(null),
      storage.estimate ? storage.estimate().catch(() => undefined) : Promise.resolve(undefined)
    ]);
    this.persisted = persisted;
    this.usage = estimate?.usage ?? null;
    this.quota = estimate?.quota ?? null;
  }

  /** Asks the browser to keep Patchfield's data (iPadOS may otherwise clear it after seven days unused). */
  async requestPersistence(): Promise<void> {
    this.asked = true;
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (!storage?.persist) return;
    const granted = await storage.persist().catch(() => false);
    this.lastRequest = granted ? 'granted' : 'refused';
    await this.refresh();
  }

  /**
   * Call during the root layout's initialisation: the figures are read at start and again whenever an import
   * finishes (in the worker too), and once the device holds a finished import, persistence is requested (once per
   * start) if the browser does not keep the data yet.
   */
  watch(): void {
    const finished = new Live<number>(() => getDb().files.where('status').equals('done').count(), 0);
    $effect(() => {
      const count = finished.current;
      if (!finished.loaded) return;
      void this.refresh().then(() => {
        if (count > 0 && this.persisted === false && !this.asked) return this.requestPersistence();
      });
    });
  }
}

export const deviceStorage = new DeviceStorage();
