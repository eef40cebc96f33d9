import type { Engagement } from '$lib/core';
import { getDb } from '$lib/db';
import {
  createEncryption,
  DEFAULT_AUTO_LOCK_MINUTES,
  getAutoLockMinutes,
  keyringFor,
  openEncryption,
  rereadLiveQueries,
  saveAutoLockMinutes
} from '$lib/db/crypto';
import { engine } from '$lib/workers/engine.client';
import { recovery } from './recovery.svelte';

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
const CHECK_EVERY_MS = 15_000;

/**
 * The keys of unlocked engagements in this tab and the engine worker, and the auto-lock: after the set minutes
 * without a tap or a key press every engagement locks again. Locking forgets the keys in both and reloads the
 * page, so no decrypted record stays in memory (the page's state, Dexie's caches, the worker).
 */
class KeyGuard {
  /** Changes whenever keys are added or forgotten, so views re-check what is locked. */
  version = $state(0);
  autoLockMinutes = $state(DEFAULT_AUTO_LOCK_MINUTES);
  private lastActivity = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private listening = false;

  private keyring() {
    const ring = keyringFor(getDb());
    if (!this.listening) {
      this.listening = true;
      ring.onChange(() => this.version++);
    }
    return ring;
  }

  /** True when the engagement is encrypted and its passphrase has not been entered in this tab. */
  isLocked(engagement: Pick<Engagement, 'id' | 'encryption'> | undefined): boolean {
    void this.version;
    return Boolean(engagement?.encryption) && !this.keyring().has(engagement!.id);
  }

  /** Checks the passphrase against the engagement's verifier, then unlocks it here and in the engine. */
  async unlock(engagement: Engagement, passphrase: string): Promise<void> {
    if (!engagement.encryption) return;
    const keys = await openEncryption(engagement.encryption, passphrase);
    this.keyring().set(engagement.id, keys);
    const api = await engine();
    await api.useEngagementKeys(engagement.id, keys);
    rereadLiveQueries();
    await this.watch();
    // An import of this engagement cut off while it was locked can be ended now.
    void recovery.run().catch(() => undefined);
  }

  /** Turns encryption on: new keys from the passphrase, every row sealed by the engine in one transaction. */
  async encrypt(engagementId: string, passphrase: string): Promise<void> {
    const { encryption, keys } = await createEncryption(passphrase);
    // The page holds the keys first, so its live queries can read the rows the moment they are sealed.
    this.keyring().set(engagementId, keys);
    try {
      const api = await engine();
      await api.encryptEngagement(engagementId, encryption, keys);
    } catch (e) {
      this.keyring().forget(engagementId);
      throw e;
    }
    await this.watch();
  }

  /** Turns encryption off: every row written back in clear, the keys forgotten. */
  async decrypt(engagementId: string): Promise<void> {
    const api = await engine();
    await api.decryptEngagement(engagementId);
    this.keyring().forget(engagementId);
    rereadLiveQueries();
  }

  /** Locks every engagement now (the technician's "Lock now", or the auto-lock). */
  async lockAll(): Promise<void> {
    this.keyring().forgetAll();
    this.stop();
    try {
      const api = await engine();
      await api.forgetEngagementKeys();
    } finally {
      location.reload();
    }
  }

  async loadAutoLock(): Promise<void> {
    this.autoLockMinutes = await getAutoLockMinutes(getDb());
  }

  /** Stores the auto-lock delay (validated: whole minutes from 1 to 240); throws with a message when refused. */
  async setAutoLock(minutes: number): Promise<void> {
    this.autoLockMinutes = await saveAutoLockMinutes(getDb(), minutes);
    this.lastActivity = Date.now();
  }

  private readonly touch = (): void => {
    this.lastActivity = Date.now();
  };

  private readonly check = (): void => {
    if (this.keyring().ids().length === 0) {
      this.stop();
      return;
    }
    if (Date.now() - this.lastActivity >= this.autoLockMinutes * 60_000) void this.lockAll();
  };

  private async watch(): Promise<void> {
    this.lastActivity = Date.now();
    if (this.timer !== undefined) return;
    await this.loadAutoLock();
    for (const type of ACTIVITY_EVENTS)
      window.addEventListener(type, this.touch, { capture: true, passive: true });
    // Timers are slowed in a hidden tab: check again the moment it is shown.
    document.addEventListener('visibilitychange', this.check);
    this.timer = setInterval(this.check, CHECK_EVERY_MS);
  }

  private stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, this.touch, { capture: true });
    document.removeEventListener('visibilitychange', this.check);
  }
}

export const keyGuard = new KeyGuard();

/** One engagement page's lock: unlock form state, and turning encryption on and off. */
export class EngagementLock {
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly id: string) {
    void keyGuard.loadAutoLock();
  }

  locked(engagement: Engagement | undefined): boolean {
    return keyGuard.isLocked(engagement);
  }

  private async run(what: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await what();
      return true;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  unlock(engagement: Engagement, passphrase: string): Promise<boolean> {
    return this.run(() => keyGuard.unlock(engagement, passphrase));
  }

  encrypt(passphrase: string): Promise<boolean> {
    return this.run(() => keyGuard.encrypt(this.id, passphrase));
  }

  decrypt(): Promise<boolean> {
    return this.run(() => keyGuard.decrypt(this.id));
  }

  lockNow(): Promise<boolean> {
    return this.run(() => keyGuard.lockAll());
  }
}
