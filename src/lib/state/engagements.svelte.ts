import type { Engagement, EngagementDraft } from '$lib/core';
import { createEngagement, getDb, listEngagements } from '$lib/db';
import { Live } from './live.svelte';

/** The engagements list and the "new engagement" action. */
export class EngagementList {
  readonly list = new Live<Engagement[]>(() => listEngagements(getDb()), []);
  saving = $state(false);
  error = $state<string | null>(null);

  /** Resolves with the stored engagement once it is on disk. */
  async create(draft: EngagementDraft): Promise<Engagement | null> {
    this.saving = true;
    this.error = null;
    try {
      return await createEngagement(getDb(), draft);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      return null;
    } finally {
      this.saving = false;
    }
  }
}
