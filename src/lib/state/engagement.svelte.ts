import {
  NO_DECISIONS,
  type AssetContext,
  type EngagementSettingsInput,
  type GapException,
  type PolicyId,
  type Problem,
  type Engagement,
  type EngagementResults,
  type IdentityDecisions,
  type ImportedFile
} from '$lib/core';
import {
  deleteImportedFile,
  getDb,
  getDecisions,
  getEngagement,
  recordMerge,
  recordSplit,
  listCatalogParts,
  listFiles,
  getEngagementSettingsInput,
  setAssetContext,
  setGapException,
  updateEngagement,
  updateEngagementSettings,
  type CatalogMetaRecord
} from '$lib/db';
import { keyringFor } from '$lib/db/crypto';
import { engine, newJobId, progressCallback } from '$lib/workers/engine.client';
import { Live } from './live.svelte';

/** The parts of the Plan tab a change is made in. */
export type PlanSection = 'policy' | 'waves' | 'context';

/** One engagement's page: its record, its files, and the engine's results (recomputed when inputs change). */
export class EngagementView {
  readonly engagement: Live<Engagement | undefined>;
  readonly files: Live<ImportedFile[]>;
  readonly catalog: Live<CatalogMetaRecord[]>;
  readonly decisions: Live<IdentityDecisions>;
  readonly settings: Live<EngagementSettingsInput>;
  settingsProblems = $state<Problem[]>([]);
  exporting = $state(false);
  results = $state<EngagementResults | null>(null);
  assessing = $state(false);
  assessLine = $state('');
  assessError = $state<string | null>(null);
  assessCancelled = $state(false);
  assessPercent = $state(0);
  private assessJob: string | null = null;

  /** What the results depend on; when it changes the engine runs again. */
  readonly inputsKey = $derived.by(() => {
    const done = this.files.current.filter((f) => f.status === 'done').map((f) => f.id);
    const cat = this.catalog.current.map((c) => `${c.part}@${c.importedAt}`);
    return JSON.stringify([
      done.sort(),
      cat,
      this.decisions.current,
      this.settings.current,
      this.engagement.current?.visitDate ?? null
    ]);
  });

  constructor(readonly id: string) {
    this.engagement = new Live(() => getEngagement(getDb(), id), undefined);
    this.files = new Live(() => listFiles(getDb(), id), []);
    this.catalog = new Live(() => listCatalogParts(getDb()), []);
    this.decisions = new Live(() => getDecisions(getDb(), id), NO_DECISIONS);
    this.settings = new Live(() => getEngagementSettingsInput(getDb(), id), {});
    $effect(() => {
      const key = this.inputsKey;
      if (!this.engagement.loaded || !this.files.loaded || !this.engagement.current) return;
      void this.assess(key);
    });
  }

  private lastKey = '';

  async assess(key: string): Promise<void> {
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.assessing = true;
    this.assessError = null;
    this.assessCancelled = false;
    const jobId = newJobId();
    this.assessJob = jobId;
    try {
      const api = await engine();
      const results = await api.assess(
        this.id,
        progressCallback((done: number, total: number, what: string) => {
          this.assessLine = `Checking ${what} (${done} of ${total})`;
          this.assessPercent = total > 0 ? Math.round((done / total) * 100) : 0;
        }),
        jobId
      );
      if (key === this.lastKey) this.results = results;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/cancelled/i.test(message)) this.assessCancelled = true;
      else this.assessError = message;
    } finally {
      this.assessing = false;
      this.assessJob = null;
    }
  }

  async cancelAssess(): Promise<void> {
    if (!this.assessJob) return;
    const api = await engine();
    await api.cancel(this.assessJob);
  }

  /** Runs the engine again after a cancel. */
  async reassess(): Promise<void> {
    this.lastKey = '';
    await this.assess(this.inputsKey);
  }

  /** The technician says two observations are one machine; stored, so it holds after re-imports. */
  async mergeAssets(anchor: string, otherAnchor: string): Promise<void> {
    await recordMerge(getDb(), this.id, anchor, otherAnchor);
  }

  /** The technician says a file's view is a machine of its own. */
  async splitAsset(anchor: string): Promise<void> {
    await recordSplit(getDb(), this.id, anchor);
  }

  /** Where on the Plan tab the last change was stored (or refused), and what the technician is told. */
  planSaved = $state<{ section: PlanSection; ok: boolean; text: string } | null>(null);

  /**
   * Stores one change of the plan's inputs and says so where it was made: "Saved" once it is on disk, or why
   * it was not (refused by validation, or the write failed), in which case nothing was changed.
   */
  private async savePlan(section: PlanSection, what: string, write: () => Promise<Problem[]>): Promise<void> {
    try {
      const problems = await write();
      this.settingsProblems = problems;
      this.planSaved =
        problems.length === 0
          ? { section, ok: true, text: `Saved: ${what}.` }
          : { section, ok: false, text: `Not saved (${what}): ${problems[0]!.message}` };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.planSaved = { section, ok: false, text: `Not saved (${what}): ${reason} Nothing was changed.` };
    }
  }

  /** The priority policy for this engagement; every gap's due date follows it. */
  async setPolicy(policy: PolicyId, what = 'priority policy'): Promise<void> {
    await this.savePlan('policy', what, () =>
      updateEngagementSettings(getDb(), this.id, (s) => ({ ...s, policy }))
    );
  }

  /** What the technician knows about a machine (internet-facing, ESU, pilot …), stored before the plan changes. */
  async setContext(
    assetId: string,
    context: AssetContext,
    what = 'what you know about the machine'
  ): Promise<void> {
    await this.savePlan('context', what, () => setAssetContext(getDb(), this.id, assetId, context));
  }

  /** The client accepts a gap's risk (reason required), or, with `undefined`, withdraws that acceptance. */
  async setException(gapId: string, exception: GapException | undefined): Promise<Problem[]> {
    const problems = await setGapException(getDb(), this.id, gapId, exception);
    this.settingsProblems = problems;
    return problems;
  }

  /** The technician's note on the visit; blank removes it. Stored before the page confirms it. */
  async setNote(note: string): Promise<Problem[]> {
    await updateEngagement(getDb(), this.id, { notes: note.trim() });
    return [];
  }

  /** The technician's note on one machine; blank removes it. */
  async setAssetNote(assetId: string, note: string): Promise<Problem[]> {
    const current = this.results?.assets.find((a) => a.asset.id === assetId)?.context ?? {};
    const problems = await setAssetContext(getDb(), this.id, assetId, {
      ...current,
      note: note.trim() || undefined
    });
    this.settingsProblems = problems;
    return problems;
  }

  /** Moves a machine to another wave; the due-date check runs again at once. */
  async moveAsset(assetId: string, waveId: string, what = 'machine moved'): Promise<void> {
    await this.savePlan('waves', what, () =>
      updateEngagementSettings(getDb(), this.id, (s) => ({
        ...s,
        adjustments: {
          locked: [...(s.adjustments?.locked ?? [])],
          moves: { ...(s.adjustments?.moves ?? {}), [assetId]: waveId }
        }
      }))
    );
  }

  /** A locked wave keeps its machines when the plan is computed again. */
  async setWaveLocked(
    waveId: string,
    locked: boolean,
    what = locked ? 'wave locked' : 'wave unlocked'
  ): Promise<void> {
    await this.savePlan('waves', what, () =>
      updateEngagementSettings(getDb(), this.id, (s) => {
        const others = (s.adjustments?.locked ?? []).filter((w) => w !== waveId);
        return {
          ...s,
          adjustments: {
            moves: { ...(s.adjustments?.moves ?? {}) },
            locked: (locked ? [...others, waveId] : others).sort()
          }
        };
      })
    );
  }

  /** Downloads the plan or results as a file (iCalendar, CSV, JSON). */
  async download(kind: 'ics' | 'plan-csv' | 'gaps-csv' | 'findings-csv' | 'json'): Promise<void> {
    this.exporting = true;
    try {
      const api = await engine();
      const file = await api.exportResults(this.id, kind);
      const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.fileName;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } finally {
      this.exporting = false;
    }
  }

  deleting = $state(false);
  deleteError = $state<string | null>(null);

  /**
   * Deletes the engagement and everything of it, in the engine (which forgets what it holds of it) and here
   * (its keys). Resolves true once it is gone from the database.
   */
  async deleteEngagement(): Promise<boolean> {
    this.deleting = true;
    this.deleteError = null;
    try {
      await (await engine()).deleteEngagement(this.id);
      keyringFor(getDb()).forget(this.id);
      return true;
    } catch (e) {
      this.deleteError = `It could not be deleted: ${e instanceof Error ? e.message : String(e)} Nothing was removed.`;
      return false;
    } finally {
      this.deleting = false;
    }
  }

  async removeFile(fileId: string): Promise<void> {
    await deleteImportedFile(getDb(), fileId);
  }
}
