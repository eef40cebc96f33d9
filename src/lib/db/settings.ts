import { z } from 'zod';
import { DEFAULT_PROPOSAL, proposalSettingsSchema } from '../core';
import type { PatchfieldDB } from './schema';

export type AppSettings = z.infer<typeof appSettingsSchema>;
export const appSettingsSchema = z.object({
  mspName: z.string(),
  pageSize: z.enum(['A4', 'Letter']),
  /** The MSP's brand colour for the report (and its accents), #rrggbb. */
  brandColor: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  /** The MSP's offer printed in the report's "Our proposal" section. */
  proposal: proposalSettingsSchema
});

export const DEFAULT_SETTINGS: AppSettings = {
  mspName: 'Your MSP',
  pageSize: 'A4',
  brandColor: '#1E3A6E',
  proposal: DEFAULT_PROPOSAL
};

export async function getSettings(db: PatchfieldDB): Promise<AppSettings> {
  const row = await db.settings.get('app');
  const checked = appSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(row?.value as object | undefined) });
  return checked.success ? checked.data : DEFAULT_SETTINGS;
}

export async function saveSettings(db: PatchfieldDB, settings: AppSettings): Promise<void> {
  await db.settings.put({ key: 'app', value: appSettingsSchema.parse(settings) });
}

/** The MSP's logo as stored: already scaled down by the page when it was picked. */
export type StoredLogo = z.infer<typeof storedLogoSchema>;
export const storedLogoSchema = z.object({
  name: z.string(),
  type: z.enum(['image/png', 'image/jpeg']),
  bytes: z.instanceof(Uint8Array),
  width: z.number().int().positive(),
  height: z.number().int().positive()
});

export async function getLogo(db: PatchfieldDB): Promise<StoredLogo | undefined> {
  const row = await db.settings.get('logo');
  const checked = storedLogoSchema.safeParse(row?.value);
  return checked.success ? checked.data : undefined;
}

export async function saveLogo(db: PatchfieldDB, logo: StoredLogo | undefined): Promise<void> {
  if (!logo) await db.settings.delete('logo');
  else await db.settings.put({ key: 'logo', value: storedLogoSchema.parse(logo) });
}

/** Small choices the technician made about the app itself (a dismissed hint), kept on this device by name. */
export async function getUiFlag(db: PatchfieldDB, name: string): Promise<boolean> {
  const row = await db.settings.get(`ui:${name}`);
  return row?.value === true;
}

export async function setUiFlag(db: PatchfieldDB, name: string, value: boolean): Promise<void> {
  await db.settings.put({ key: `ui:${name}`, value });
}
