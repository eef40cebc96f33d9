import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { CATALOG_URLS } from '../../../src/lib/core/catalog/official-sources.js';
import { openDatabase } from '../../../src/lib/db';
import { createEngineApi } from '../../../src/lib/workers/engine.api';
import { nodeFonts } from './helpers';

function engineWith(catalogMirror?: string) {
  const db = openDatabase(`patchfield-mirror-${Math.random()}`);
  const fonts = nodeFonts();
  const urls: string[] = [];
  const api = createEngineApi({
    db: () => db,
    loadFonts: () => Promise.resolve({ regular: fonts.regular, bold: fonts.bold }),
    loadCjkFont: () => Promise.resolve(fonts.cjk()),
    fetch: ((input: string | URL | Request) => {
      urls.push(String(input));
      return Promise.reject(new TypeError('Failed to fetch'));
    }) as typeof fetch,
    ...(catalogMirror ? { catalogMirror } : {})
  });
  return { api, urls };
}

describe('refreshing the catalog from the office mirror', () => {
  it('with a mirror set at build time, every download goes to the mirror and none to the official hosts', async () => {
    const { api, urls } = engineWith('https://files.example-msp.com/catalog');
    const result = await api.refreshCatalog('job-m');
    expect(result.failed.length).toBeGreaterThan(0);
    expect(urls).toContain('https://files.example-msp.com/catalog/endoflife.date/api/v1/products/full');
    expect(urls.every((u) => u.startsWith('https://files.example-msp.com/catalog/'))).toBe(true);
  });

  it('without one, the official URLs', async () => {
    const { api, urls } = engineWith();
    await api.refreshCatalog('job-o');
    expect(urls).toContain(CATALOG_URLS.kev);
    expect(urls).toContain(CATALOG_URLS.wesng);
  });
});
