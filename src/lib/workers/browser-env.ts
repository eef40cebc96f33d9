import { getDb } from '../db';
import type { EngineEnv } from './engine.api';

/**
 * The report fonts are served at fixed URLs (scripts/copy-fonts.js puts them in static/fonts) and precached by the
 * service worker, so reports build offline; the page and the worker share one copy.
 */
const FONT_URLS = {
  regular: '/fonts/DejaVuSans.ttf',
  bold: '/fonts/DejaVuSans-Bold.ttf',
  cjk: '/fonts/NotoSansSC-Regular.ttf'
};

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok)
    throw new Error(`Could not load ${url} (${res.status}). Open the app once while online, then retry.`);
  return new Uint8Array(await res.arrayBuffer());
}

let fonts: Promise<{ regular: Uint8Array; bold: Uint8Array }> | undefined;

export const browserEnv: EngineEnv = {
  db: getDb,
  loadFonts: () => {
    fonts ??= Promise.all([fetchBytes(FONT_URLS.regular), fetchBytes(FONT_URLS.bold)]).then(
      ([regular, bold]) => ({
        regular,
        bold
      })
    );
    fonts.catch(() => (fonts = undefined));
    return fonts;
  },
  loadCjkFont: () => fetchBytes(FONT_URLS.cjk),
  // Set for `npm run build`; svelte.config.js allows the same origin in the pages' connect-src.
  ...(import.meta.env.VITE_PATCHFIELD_CATALOG_MIRROR
    ? { catalogMirror: String(import.meta.env.VITE_PATCHFIELD_CATALOG_MIRROR) }
    : {})
};
