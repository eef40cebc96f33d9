import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEolPart } from '../../../../src/lib/core/catalog/eol';
import { eolPartSchema, type EolPart } from '../../../../src/lib/core/catalog/parts';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

function input(name: string): { name: string; bytes: Uint8Array } {
  return { name, bytes: readBytes(fixture('catalog', 'eol', name)) };
}

function product(part: EolPart | undefined, id: string) {
  const p = part?.products.find((x) => x.id === id);
  if (!p) throw new Error(`no product ${id}`);
  return p;
}

describe('end-of-life part from endoflife.date front matter', () => {
  const { value, issues } = buildEolPart([input('frontmatter-subset.json')], 'frontmatter-subset.json');

  it('reads every product of the front-matter subset without problems', () => {
    expect(issues).toEqual([]);
    expect(value?.part).toBe('eol');
    expect(value?.products).toHaveLength(30);
    expect(eolPartSchema.safeParse(value).success).toBe(true);
  });

  it('keeps CPE and purl identifiers as strings and drops repology names', () => {
    expect(product(value, 'windows').identifiers).toEqual([
      'cpe:2.3:o:microsoft:windows',
      'cpe:/o:microsoft:windows'
    ]);
    expect(product(value, 'nginx').identifiers).toContain('pkg:deb/debian/nginx');
    expect(
      product(value, 'nginx').identifiers.every((i) => i.startsWith('pkg:') || i.startsWith('cpe:'))
    ).toBe(true);
  });

  it('fills the label templates of the front matter (Ubuntu codename, Windows Server, macOS)', () => {
    expect(product(value, 'ubuntu').cycles.find((c) => c.cycle === '22.04')?.label).toBe(
      "22.04 'Jammy Jellyfish'"
    );
    expect(product(value, 'windows-server').cycles.find((c) => c.cycle === '2022')?.label).toBe(
      'Windows Server 2022'
    );
    expect(product(value, 'macos').cycles.find((c) => c.cycle === '14')?.label).toBe('macOS 14 (Sonoma)');
    expect(product(value, 'debian').cycles.find((c) => c.cycle === '12')?.label).toBe('12 (Bookworm)');
  });

  it('keeps eoas, eol and eoes as dates or flags (Windows 10 22H2 ESU, Node.js commercial support)', () => {
    expect(product(value, 'windows').cycles.find((c) => c.cycle === '10-22h2')).toMatchObject({
      eoas: '2025-10-14',
      eol: '2025-10-14',
      eoes: '2028-10-10',
      latest: '10.0.19045'
    });
    expect(product(value, 'nodejs').cycles[0]).toMatchObject({ cycle: '18', eoes: false });
    expect(product(value, 'apache-http-server').cycles[0]).toMatchObject({ cycle: '2.4', eol: false });
  });

  it('dates the snapshot by the newest release date in the data, not by future end dates', () => {
    const all = value!.products.flatMap((p) => p.cycles.flatMap((c) => [c.releaseDate, c.latestReleaseDate]));
    const newest = all
      .filter((d): d is string => !!d)
      .sort()
      .pop();
    expect(value?.snapshotDate).toBe(newest);
    expect(value!.snapshotDate! < '2026-09-01').toBe(true);
  });
});

describe('end-of-life part from the endoflife.date API', () => {
  it('reads API v1 /products/full: eolFrom null with isEol true is a past end of life, isEoes null is no ESU', () => {
    const { value, issues } = buildEolPart([input('api-v1-full.json')], 'api-v1-full.json');
    expect(issues).toEqual([]);
    const ubuntu = product(value, 'ubuntu');
    expect(ubuntu.title).toBe('Ubuntu');
    expect(ubuntu.identifiers).toEqual(['cpe:2.3:o:canonical:ubuntu_linux']);
    expect(ubuntu.cycles[0]).toMatchObject({
      cycle: '22.04',
      label: "22.04 'Jammy Jellyfish' (LTS)",
      eoas: '2024-09-30',
      eol: '2027-04-01',
      eoes: '2032-04-09',
      lts: true,
      latest: '22.04.5',
      latestReleaseDate: '2024-09-12',
      codename: 'Jammy Jellyfish'
    });
    expect(ubuntu.cycles[1]).not.toHaveProperty('eoes');
    expect(product(value, 'nginx').cycles[0]).toMatchObject({ cycle: '1.18', eol: true });
    expect(product(value, 'nginx').cycles[0]).not.toHaveProperty('eoas');
    expect(value?.snapshotDate).toBe('2026-08-22');
  });

  it('reads a single-product API v1 answer and lets a later file replace the same product', () => {
    const { value, issues } = buildEolPart(
      [input('frontmatter-subset.json'), input('api-v1-product-centos.json')],
      'endoflife'
    );
    expect(issues).toEqual([]);
    const centos = product(value, 'centos');
    expect(centos.title).toBe('CentOS');
    expect(centos.cycles).toEqual([
      expect.objectContaining({ cycle: '7', eoas: '2020-08-06', eol: '2024-06-30', latest: '7 (2009)' })
    ]);
    expect(value?.products).toHaveLength(30);
    expect(value?.snapshotDate).toBe('2026-08-20');
  });

  it('reads the legacy /api/php.json, naming the product after the file', () => {
    const { value, issues } = buildEolPart([input('legacy-api-php.json')], 'legacy-api-php.json');
    expect(issues).toEqual([]);
    expect(value?.products.map((p) => p.id)).toEqual(['legacy-api-php']);
    const named = buildEolPart([{ name: 'php.json', bytes: input('legacy-api-php.json').bytes }], 'php.json');
    expect(product(named.value, 'php').cycles[0]).toMatchObject({
      cycle: '8.1',
      eoas: '2023-11-25',
      eol: '2025-12-31'
    });
  });

  it('takes the snapshot date from the source name when the data states no dates', () => {
    const text = JSON.stringify({ demo: { title: 'Demo', releases: [{ releaseCycle: '1', eol: false }] } });
    const { value } = buildEolPart(
      [{ name: 'x.json', bytes: new TextEncoder().encode(text) }],
      'eol-2026-08-22.json'
    );
    expect(value?.snapshotDate).toBe('2026-08-22');
  });
});

describe('end-of-life files that cannot be used', () => {
  it('refuses release-data version lists and says which files to use', () => {
    const { value, issues } = buildEolPart([input('release-data-not-support-dates.json')], 'nginx.json');
    expect(value).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'eol-unknown-shape' })]);
    expect(issues[0]!.message).toContain('products-frontmatter.json');
    expect(issues[0]!.message).toContain('release-data-not-support-dates.json');
  });

  it('refuses the API v1 /products summary list, which has no release cycles', () => {
    const text = JSON.stringify({
      schema_version: '1.2.1',
      total: 1,
      result: [{ name: 'ubuntu', label: 'Ubuntu' }]
    });
    const { value, issues } = buildEolPart(
      [{ name: 'products.json', bytes: new TextEncoder().encode(text) }],
      'products.json'
    );
    expect(value).toBeUndefined();
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'eol-unknown-shape' });
  });

  it('reports a file that is not JSON and keeps the good file beside it', () => {
    const { value, issues } = buildEolPart(
      [input('broken.json'), input('api-v1-product-centos.json')],
      'endoflife'
    );
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'eol-not-json' })]);
    expect(issues[0]!.message).toContain('broken.json');
    expect(value?.products.map((p) => p.id)).toEqual(['centos']);
  });

  it('skips a cycle without an end-of-life value and counts it', () => {
    const text = JSON.stringify({
      demo: { title: 'Demo', releases: [{ releaseCycle: '2', eol: '2030-01-01' }, { releaseCycle: '1' }] }
    });
    const { value, issues } = buildEolPart(
      [{ name: 'f.json', bytes: new TextEncoder().encode(text) }],
      'f.json'
    );
    expect(product(value, 'demo').cycles.map((c) => c.cycle)).toEqual(['2']);
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'eol-cycle-skipped', count: 1 })
    ]);
  });
});

describe.skipIf(!hasShared)('shared endoflife.date catalog', () => {
  it('reads all 55 products and 1,086 cycles of products-frontmatter.json into a part under 200 KB', () => {
    const path = join(SHARED_DIR, 'catalog', 'endoflife', 'products-frontmatter.json');
    const { value, issues } = buildEolPart(
      [{ name: 'products-frontmatter.json', bytes: readBytes(path) }],
      'products-frontmatter.json'
    );
    expect(issues).toEqual([]);
    expect(value?.products).toHaveLength(55);
    expect(value!.products.reduce((n, p) => n + p.cycles.length, 0)).toBe(1086);
    expect(value?.snapshotDate).toBe('2026-08-19');
    expect(JSON.stringify(value).length).toBeLessThan(200_000);
    expect(readFileSync(path).length).toBeGreaterThan(JSON.stringify(value).length);
  });
});
