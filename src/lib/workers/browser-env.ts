import cjkUrl from '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf?url';
import boldUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?url';
import regularUrl from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?url';
import { getDb } from '../db';
import type { EngineEnv } from './engine.api';

/** Font files are build assets, precached by the service worker, so reports build offline. */
async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Could not load ${url} (${res.status}). Reload the app once while online.`);
  return new Uint8Array(await res.arrayBuffer());
}

let fonts: Promise<{ regular: Uint8Array; bold: Uint8Array }> | undefined;

export const browserEnv: EngineEnv = {
  db: getDb,
  loadFonts: () => {
    fonts ??= Promise.all([fetchBytes(regularUrl), fetchBytes(boldUrl)]).then(([regular, bold]) => ({
      regular,
      bold
    }));
    return fonts;
  },
  loadCjkFont: () => fetchBytes(cjkUrl)
};
