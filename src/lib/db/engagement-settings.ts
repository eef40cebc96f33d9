import {
  resolveSettings,
  type AssetContext,
  type EngagementSettings,
  type EngagementSettingsInput,
  type GapException,
  type Problem
} from '../core';
import type { PatchfieldDB } from './schema';

/** What the technician set for the engagement (policy, bands, schedule, asset context, plan adjustments). */
export async function getEngagementSettingsInput(
  db: PatchfieldDB,
  engagementId: string
): Promise<EngagementSettingsInput> {
  return (await db.engagementSettings.get(engagementId))?.settings ?? {};
}

/** The engagement's settings completed with the documented defaults. */
export async function getEngagementSettings(
  db: PatchfieldDB,
  engagementId: string
): Promise<{ settings: EngagementSettings; problems: Problem[] }> {
  const input = await getEngagementSettingsInput(db, engagementId);
  const resolved = resolveSettings(input);
  if (resolved.value) return { settings: resolved.value, problems: [] };
  // Stored settings that no longer validate are not used, and the technician is told.
  return { settings: resolveSettings({}).value!, problems: resolved.issues };
}

/**
 * Changes part of the settings. Validated before it is stored: an invalid change is refused and nothing is
 * written. `assets` and `adjustments` replace per key, the rest merges.
 */
export async function updateEngagementSettings(
  db: PatchfieldDB,
  engagementId: string,
  change: (current: EngagementSettingsInput) => EngagementSettingsInput,
  now: () => Date = () => new Date()
): Promise<Problem[]> {
  let problems: Problem[] = [];
  await db.transaction('rw', db.engagementSettings, async () => {
    const current = (await db.engagementSettings.get(engagementId))?.settings ?? {};
    const next = change(current);
    const checked = resolveSettings(next);
    if (!checked.value) {
      problems = checked.issues;
      return;
    }
    await db.engagementSettings.put({ engagementId, settings: next, updatedAt: now().toISOString() });
  });
  return problems;
}

/** Sets what the technician knows about one asset; `undefined` values clear an answer ("not recorded"). */
export async function setAssetContext(
  db: PatchfieldDB,
  engagementId: string,
  assetId: string,
  context: AssetContext
): Promise<Problem[]> {
  return updateEngagementSettings(db, engagementId, (current) => {
    const assets = { ...(current.assets ?? {}) } as Record<string, AssetContext>;
    const clean = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
    if (Object.keys(clean).length === 0) delete assets[assetId];
    else assets[assetId] = clean;
    return { ...current, assets };
  });
}

/** Records (or, with `undefined`, withdraws) the client's acceptance of one gap's risk. */
export async function setGapException(
  db: PatchfieldDB,
  engagementId: string,
  gapId: string,
  exception: GapException | undefined
): Promise<Problem[]> {
  return updateEngagementSettings(db, engagementId, (current) => {
    const exceptions = { ...(current.exceptions ?? {}) } as Record<string, GapException>;
    if (exception) exceptions[gapId] = exception;
    else delete exceptions[gapId];
    const next: EngagementSettingsInput = { ...current, exceptions };
    if (Object.keys(exceptions).length === 0) delete next.exceptions;
    return next;
  });
}
