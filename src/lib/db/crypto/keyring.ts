import type { EngagementKeys } from './keys';

/**
 * The keys of the engagements unlocked in this context (the page, or the engine worker), in memory only. The
 * encryption middleware reads them; unlocking adds them, locking forgets them. One keyring per open database, so
 * two connections in one test behave like the page and the worker.
 */
export class Keyring {
  private readonly keys = new Map<string, EngagementKeys>();
  private readonly listeners = new Set<() => void>();

  get(engagementId: string): EngagementKeys | undefined {
    return this.keys.get(engagementId);
  }

  has(engagementId: string): boolean {
    return this.keys.has(engagementId);
  }

  /** Engagements unlocked here. */
  ids(): string[] {
    return [...this.keys.keys()];
  }

  set(engagementId: string, keys: EngagementKeys): void {
    this.keys.set(engagementId, keys);
    this.changed();
  }

  forget(engagementId: string): void {
    if (this.keys.delete(engagementId)) this.changed();
  }

  forgetAll(): void {
    if (this.keys.size === 0) return;
    this.keys.clear();
    this.changed();
  }

  /** Called after every change; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

const rings = new WeakMap<object, Keyring>();

/** The keyring of one database connection (created on first use). */
export function keyringFor(db: object): Keyring {
  let ring = rings.get(db);
  if (!ring) {
    ring = new Keyring();
    rings.set(db, ring);
  }
  return ring;
}
