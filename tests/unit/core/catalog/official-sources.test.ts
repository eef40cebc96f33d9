import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATALOG_URLS,
  catalogOrigins,
  catalogUrl,
  mirrorOrigin
} from '../../../../src/lib/core/catalog/official-sources.js';
import { refreshSources } from '../../../../src/lib/core/catalog/refresh';
import type { Catalog } from '../../../../src/lib/core/catalog/parts';
import type { Config } from '@sveltejs/kit';
import { pathToFileURL } from 'node:url';
import { REPO_DIR, SHARED_DIR } from '../../shared';

const catalog = { osv: { ecosystems: ['Debian:12', 'Rocky Linux:9'] } } as unknown as Catalog;

describe('the hosts the catalog refresh may reach', () => {
  it('every URL the refresh downloads is on an origin the Content-Security-Policy allows, and no other origin is allowed', async () => {
    const urls = refreshSources(catalog).map((s) => s.url);
    expect(urls).toContain('https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip');
    const origins = catalogOrigins();
    expect(new Set(urls.map((u) => new URL(u).origin))).toEqual(new Set(origins));
    // svelte.config.js is plain JavaScript, loaded as the build loads it.
    const svelteConfig = (
      (await import(pathToFileURL(join(REPO_DIR, 'svelte.config.js')).href)) as { default: Config }
    ).default;
    const connect = svelteConfig.kit?.csp?.directives?.['connect-src'];
    expect(connect).toEqual(['self', ...origins]);
  });

  it('names only hosts that a catalog SOURCE.md gives as official refresh URLs', (ctx) => {
    let sources: string;
    try {
      sources = readdirSync(join(SHARED_DIR, 'catalog'))
        .map((d) => {
          try {
            return readFileSync(join(SHARED_DIR, 'catalog', d, 'SOURCE.md'), 'utf8');
          } catch {
            return '';
          }
        })
        .join('\n');
    } catch {
      console.warn(`[patchfield tests] ${SHARED_DIR}/catalog is absent: SOURCE.md hosts not compared.`);
      ctx.skip();
      return;
    }
    for (const origin of catalogOrigins()) expect(sources).toContain(origin);
    const { wesng, ...named } = CATALOG_URLS;
    for (const url of Object.values(named)) expect(sources).toContain(url);
    // wesng's SOURCE.md names the repository and its definitions.zip, republished on the default branch.
    expect(wesng).toMatch(/\/bitsadmin\/wesng\/master\/definitions\.zip$/);
    expect(sources).toContain('bitsadmin/wesng');
  });

  it('a mirror set at build time adds its origin and serves each file under <host>/<path>', () => {
    const mirror = 'https://files.example-msp.com/patchfield-catalog/';
    expect(mirrorOrigin(mirror)).toBe('https://files.example-msp.com');
    expect(catalogOrigins(mirror)).toContain('https://files.example-msp.com');
    expect(catalogOrigins(mirror)).toHaveLength(catalogOrigins().length + 1);
    expect(catalogUrl(CATALOG_URLS.kev, mirror)).toBe(
      'https://files.example-msp.com/patchfield-catalog/www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'
    );
    const mirrored = refreshSources(catalog, mirror).map((s) => s.url);
    expect(mirrored.every((u) => new URL(u).origin === 'https://files.example-msp.com')).toBe(true);
    expect(mirrored).toContain(
      'https://files.example-msp.com/patchfield-catalog/osv-vulnerabilities.storage.googleapis.com/Debian/all.zip'
    );
  });

  it('no mirror leaves the official URLs; a mistyped mirror fails instead of opening the policy', () => {
    expect(mirrorOrigin(undefined)).toBeUndefined();
    expect(mirrorOrigin('  ')).toBeUndefined();
    expect(catalogUrl(CATALOG_URLS.eol, '')).toBe(CATALOG_URLS.eol);
    expect(() => mirrorOrigin('files.example-msp.com')).toThrow(/not an absolute URL/);
    expect(() => mirrorOrigin('javascript:alert(1)')).toThrow(/http or https/);
    expect(() => mirrorOrigin('ftp://files.example-msp.com/')).toThrow(/http or https/);
  });
});
