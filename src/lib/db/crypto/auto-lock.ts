import { z } from 'zod';
import type { PatchfieldDB } from '../schema';

/** Minutes without a tap or a key press after which unlocked engagements lock again. */
export const DEFAULT_AUTO_LOCK_MINUTES = 10;

export const autoLockMinutesSchema = z
  .number({ error: 'Enter a number of minutes.' })
  .int('Enter whole minutes.')
  .min(1, 'Lock after at least 1 minute.')
  .max(240, 'Lock after at most 240 minutes (4 hours).');

const KEY = 'autoLock';

export async function getAutoLockMinutes(db: PatchfieldDB): Promise<number> {
  const row = await db.settings.get(KEY);
  const checked = autoLockMinutesSchema.safeParse((row?.value as { minutes?: unknown } | undefined)?.minutes);
  return checked.success ? checked.data : DEFAULT_AUTO_LOCK_MINUTES;
}

/** Validated before it is stored; throws with a message for the technician when the value is refused. */
export async function saveAutoLockMinutes(db: PatchfieldDB, minutes: number): Promise<number> {
  const checked = autoLockMinutesSchema.safeParse(minutes);
  if (!checked.success) throw new Error(checked.error.issues[0]?.message ?? 'Enter a number of minutes.');
  await db.settings.put({ key: KEY, value: { minutes: checked.data } });
  return checked.data;
}
