import type { EngagementEncryption } from '../core';
import type { PatchfieldDB } from '../db';
import { decryptEngagement, encryptEngagement, keyringFor, type EngagementKeys } from '../db/crypto';

/**
 * The engine's side of encryption at rest. The page derives an engagement's keys from the passphrase and hands
 * them over here (non-extractable CryptoKeys cross postMessage as keys, never as bytes), because the worker
 * opens the same database and reads the engagement's rows for imports, checks and reports.
 */
export function createCryptoApi(env: { db: () => PatchfieldDB }) {
  return {
    /** Unlocks an engagement in the engine (the page has checked the passphrase). */
    useEngagementKeys(engagementId: string, keys: EngagementKeys): void {
      keyringFor(env.db()).set(engagementId, keys);
    },

    /** Locks one engagement, or all of them, in the engine. */
    forgetEngagementKeys(engagementId?: string): void {
      const keyring = keyringFor(env.db());
      if (engagementId === undefined) keyring.forgetAll();
      else keyring.forget(engagementId);
    },

    /** Seals every row of the engagement in one transaction; it stays unlocked in the engine. */
    async encryptEngagement(
      engagementId: string,
      encryption: EngagementEncryption,
      keys: EngagementKeys
    ): Promise<void> {
      await encryptEngagement(env.db(), engagementId, encryption, keys);
    },

    /** Writes every row of the engagement back in clear in one transaction (it must be unlocked here). */
    async decryptEngagement(engagementId: string): Promise<void> {
      await decryptEngagement(env.db(), engagementId);
    }
  };
}

export type CryptoApi = ReturnType<typeof createCryptoApi>;
