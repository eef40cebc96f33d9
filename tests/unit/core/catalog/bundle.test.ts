import { describe, expect, it } from 'vitest';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import {
  catalogFromParts,
  decodeCatalogBundle,
  encodeCatalogBundle,
  parseWindowsBuildsCsv,
  type CatalogPart,
  type KevPart
} from '../../../../src/lib/core';
import { testBundle } from '../../catalog';
import { fixture, hasShared, readBytes } from '../../shared';

const kev: KevPart = {
  part: 'kev',
  source: 'known_exploited_vulnerabilities.json',
  snapshotDate: '2026-11-20',
  entries: [
    {
      cve: 'CVE-2021-44228',
      dateAdded: '2021-12-10',
      dueDate: '2021-12-24',
      ransomware: true,
      vendor: 'Apache',
      product: 'Log4j2',
      name: 'Apache Log4j2 Remote Code Execution Vulnerability'
    }
  ]
};

function smallParts(): CatalogPart[] {
  const builds = parseWindowsBuildsCsv(
    strFromU8(readBytes(fixture('catalog', 'windows-builds-small.csv'))),
    'windows-builds-small.csv'
  ).value;
  return [kev, builds];
}

describe('catalog bundle', () => {
  it('round-trips its parts with sources, snapshot dates and record counts in the manifest', () => {
    const bytes = encodeCatalogBundle(smallParts(), '2026-11-24T08:00:00.000Z');
    const decoded = decodeCatalogBundle(bytes, 'catalog.bundle');
    expect(decoded.issues).toEqual([]);
    expect(decoded.value!.manifest).toMatchObject({
      format: 'patchfield-catalog',
      version: 1,
      builtAt: '2026-11-24T08:00:00.000Z',
      parts: [
        { part: 'windows-builds', records: 13, source: 'windows-builds-small.csv' },
        { part: 'kev', records: 1, snapshotDate: '2026-11-20' }
      ]
    });
    const catalog = catalogFromParts(decoded.value!.parts);
    expect(catalog.kev).toEqual(kev);
    expect(catalog.windowsBuilds!.rows).toHaveLength(13);
  });

  it('writes the same bytes for the same parts and build time', () => {
    const a = encodeCatalogBundle(smallParts(), '2026-11-24T08:00:00.000Z');
    const b = encodeCatalogBundle([...smallParts()].reverse(), '2026-11-24T08:00:00.000Z');
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });

  it('refuses a part whose bytes were changed (checksum) and says to copy the bundle again', () => {
    const files = unzipSync(encodeCatalogBundle(smallParts(), '2026-11-24T08:00:00.000Z'));
    const tampered = strFromU8(files['kev.json']!).replace('2021-12-10', '2099-12-10');
    const bytes = zipSync({ ...files, 'kev.json': strToU8(tampered) });
    const decoded = decodeCatalogBundle(bytes, 'catalog.bundle');
    expect(decoded.value!.parts.map((p) => p.part)).toEqual(['windows-builds']);
    expect(decoded.issues).toEqual([
      expect.objectContaining({ severity: 'error', code: 'catalog-part-damaged' })
    ]);
    expect(decoded.issues[0]!.message).toContain('kev part of catalog.bundle');
  });

  it('refuses a truncated bundle with a clear message instead of throwing', () => {
    const bytes = encodeCatalogBundle(smallParts(), '2026-11-24T08:00:00.000Z');
    const decoded = decodeCatalogBundle(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'catalog.bundle');
    expect(decoded.value?.parts ?? []).toHaveLength(0);
    expect(decoded.issues[0]!.severity).toBe('error');
    expect(decoded.issues[0]!.message).toMatch(/damaged|incomplete|not a Patchfield catalog bundle/);
  });

  it('says how to build a bundle when given another file', () => {
    const decoded = decodeCatalogBundle(strToU8('cve,epss,percentile\n'), 'epss.csv');
    expect(decoded.value).toBeUndefined();
    expect(decoded.issues[0]!.message).toContain('patchfield catalog build');
  });

  it('refuses a bundle from a newer Patchfield and says to update the app', () => {
    const files = unzipSync(encodeCatalogBundle(smallParts(), '2026-11-24T08:00:00.000Z'));
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { version: number };
    manifest.version = 99;
    const decoded = decodeCatalogBundle(
      zipSync({ ...files, 'manifest.json': strToU8(JSON.stringify(manifest)) }),
      'catalog.bundle'
    );
    expect(decoded.value).toBeUndefined();
    expect(decoded.issues[0]!.message).toContain('Update the app');
  });
});

describe.skipIf(!hasShared)('the catalog bundle built from ../shared/catalog', () => {
  it('holds all nine parts, each with its source, snapshot date and record count', () => {
    const bundle = testBundle()!;
    const parts = Object.fromEntries(bundle.manifest.parts.map((p) => [p.part, p]));
    expect(Object.keys(parts).sort()).toEqual(
      ['cvss', 'eol', 'epss', 'kev', 'msrc', 'osv', 'ssvc', 'wesng', 'windows-builds'].sort()
    );
    expect(parts.kev).toMatchObject({ records: 1404, snapshotDate: '2025-08-25' });
    expect(parts.epss).toMatchObject({ records: 360142, snapshotDate: '2026-08-16' });
    expect(parts.ssvc).toMatchObject({ records: 44026 });
    expect(parts['windows-builds']).toMatchObject({ records: 1033 });
    expect(parts.eol).toMatchObject({ records: 1086 });
    for (const p of bundle.manifest.parts) {
      expect(p.source.length, p.part).toBeGreaterThan(0);
      expect(p.snapshotDate, p.part).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('stays under 50 MB as stored data (the parts as JSON)', () => {
    const bytes = testBundle()!.parts.reduce((n, p) => n + JSON.stringify(p).length, 0);
    expect(bytes).toBeLessThan(50e6);
  });
});
