import { z } from 'zod';
import type { PatchfieldDB } from './schema';

export type AppSettings = z.infer<typeof appSettingsSchema>;
export const appSettingsSchema = z.object({
  mspName: z.string(),
  pageSize: z.enum(['A4', 'Letter'])
});

export const DEFAULT_SETTINGS: AppSettings = { mspName: 'Your MSP', pageSize: 'A4' };

export async function getSettings(db: PatchfieldDB): Promise<AppSettings> {
  const row = await db.settings.get('app');
  const checked = appSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(row?.value as object | undefined) });
  return checked.success ? checked.data : DEFAULT_SETTINGS;
}

export async function saveSettings(db: PatchfieldDB, settings: AppSettings): Promise<void> {
  await db.settings.put({ key: 'app', value: appSettingsSchema.parse(settings) });
}
