import { gzipSync } from 'fflate';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKevPart, compareCveIds } from '../../../../src/lib/core/catalog/kev';
import { kevPartSchema } from '../../../../src/lib/core/catalog/parts';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('CISA KEV catalog', () => {
  it('reads the KEV JSON fixture with dates, ransomware flags and the release date as snapshot', () => {
    const { value, issues } = buildKevPart(
      readBytes(fixture('catalog', 'kev', 'kev-small.json')),
      'kev-small.json'
    );
    expect(value).toBeDefined();
    expect(kevPartSchema.parse(value)).toEqual(value);
    expect(value!.snapshotDate).toBe('2025-08-25');
    expect(value!.catalogVersion).toBe('2025.08.25');
    expect(value!.entries.map((e) => e.cve)).toEqual([
      'CVE-2024-3400',
      'CVE-2024-21412',
      'CVE-2021-44228',
      'CVE-2021-45046'
    ]);
    expect(value!.entries.find((e) => e.cve === 'CVE-2021-44228')).toEqual({
      cve: 'CVE-2021-44228',
      dateAdded: '2021-12-10',
      dueDate: '2021-12-24',
      ransomware: true,
      vendor: 'Apache',
      product: 'Log4j2',
      name: 'Apache Log4j2 Remote Code Execution Vulnerability'
    });
    expect(value!.entries.find((e) => e.cve === 'CVE-2024-21412')!.ransomware).toBe(false);
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'kev-bad-entry', count: 1 })
    ]);
    expect(issues[0]!.message).toContain('Entry 5 of kev-small.json was skipped');
    expect(issues[0]!.message).toContain('CVE-20XX-0001');
  });

  it('reads the KEV CSV variant, US-spreadsheet dates included, and names the undated row', () => {
    const { value, issues } = buildKevPart(
      readBytes(fixture('catalog', 'kev', 'kev-small.csv')),
      'kev-small.csv'
    );
    expect(value!.entries).toHaveLength(3);
    const ms = value!.entries.find((e) => e.cve === 'CVE-2024-21412')!;
    expect(ms).toMatchObject({ dateAdded: '2024-02-13', dueDate: '2024-03-05', ransomware: false });
    expect(value!.entries[0]!.vendor).toBe('Palo Alto Networks');
    // The CSV has no release date: the newest dateAdded stands for it.
    expect(value!.snapshotDate).toBe('2024-04-12');
    expect(value!.catalogVersion).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ code: 'kev-bad-entry', line: 5, lines: [5] })]);
    expect(issues[0]!.message).toContain('dateAdded "soon"');
  });

  it('reads a gzipped copy of the KEV JSON', () => {
    const gz = gzipSync(readBytes(fixture('catalog', 'kev', 'kev-small.json')));
    const { value } = buildKevPart(gz, 'kev-small.json.gz');
    expect(value!.entries).toHaveLength(4);
    expect(buildKevPart(gz.subarray(0, 40), 'cut.json.gz').issues[0]).toMatchObject({ severity: 'error' });
  });

  it('refuses an EPSS file given as the KEV and says which file to import', () => {
    const epss =
      '#model_version:v2025.03.14,score_date:2026-08-16T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.99,1\n';
    const { value, issues } = buildKevPart(bytes(epss), 'epss_scores-current.csv');
    expect(value).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'kev-wrong-file', line: 1 })]);
    expect(issues[0]!.message).toContain('EPSS');
    expect(issues[0]!.message).toContain('known_exploited_vulnerabilities.json');
  });

  it('refuses JSON without a vulnerabilities list, cut-off JSON and an empty file', () => {
    expect(buildKevPart(bytes('{"title":"something else"}'), 'x.json').issues[0]).toMatchObject({
      severity: 'error',
      code: 'kev-wrong-file'
    });
    const cut = buildKevPart(bytes('{"vulnerabilities":[{"cveID":"CVE-2021-44228",'), 'cut.json');
    expect(cut.value).toBeUndefined();
    expect(cut.issues[0]).toMatchObject({ severity: 'error', code: 'kev-not-json' });
    expect(cut.issues[0]!.message).toContain('cut.json');
    expect(buildKevPart(new Uint8Array(0), 'empty.json').issues[0]).toMatchObject({ code: 'kev-empty' });
  });

  it('warns when the count field disagrees with the list and keeps the first of a repeated CVE', () => {
    const entry = {
      cveID: 'CVE-2021-44228',
      vendorProject: 'Apache',
      product: 'Log4j2',
      vulnerabilityName: 'Log4Shell',
      dateAdded: '2021-12-10',
      knownRansomwareCampaignUse: 'Known'
    };
    const doc = {
      catalogVersion: '2021.12.11',
      count: 3,
      vulnerabilities: [entry, { ...entry, dateAdded: '2022-01-01' }]
    };
    const { value, issues } = buildKevPart(bytes(JSON.stringify(doc)), 'kev.json');
    expect(value!.entries).toHaveLength(1);
    expect(value!.entries[0]!.dateAdded).toBe('2021-12-10');
    expect(value!.entries[0]!.dueDate).toBeUndefined();
    // No dateReleased: the catalog version names the day.
    expect(value!.snapshotDate).toBe('2021-12-11');
    expect(issues.map((i) => i.code).sort()).toEqual(['kev-count-mismatch', 'kev-duplicate']);
  });

  it('orders CVE ids by year, then by number', () => {
    const ids = ['CVE-2021-10000', 'CVE-2020-99999', 'CVE-2021-9999', 'CVE-2021-44228'];
    expect([...ids].sort(compareCveIds)).toEqual([
      'CVE-2020-99999',
      'CVE-2021-9999',
      'CVE-2021-10000',
      'CVE-2021-44228'
    ]);
  });

  describe.skipIf(!hasShared)('shared catalog', () => {
    it('reads all 1,404 entries of the 2025.08.25 KEV JSON with 293 known ransomware uses', () => {
      const path = join(SHARED_DIR, 'catalog', 'kev', 'known_exploited_vulnerabilities.json');
      const { value, issues } = buildKevPart(readBytes(path), 'known_exploited_vulnerabilities.json');
      expect(issues).toEqual([]);
      expect(value!.entries).toHaveLength(1404);
      expect(value!.entries.filter((e) => e.ransomware)).toHaveLength(293);
      expect(value!.snapshotDate).toBe('2025-08-25');
      expect(value!.catalogVersion).toBe('2025.08.25');
      expect(kevPartSchema.safeParse(value).success).toBe(true);
      expect(value!.entries.find((e) => e.cve === 'CVE-2021-44228')).toMatchObject({
        dateAdded: '2021-12-10',
        dueDate: '2021-12-24',
        ransomware: true,
        vendor: 'Apache',
        product: 'Log4j2'
      });
    });

    it('reads the KEV CSV variant to the same 1,404 entries as the JSON', () => {
      const dir = join(SHARED_DIR, 'catalog', 'kev');
      const json = buildKevPart(
        readBytes(join(dir, 'known_exploited_vulnerabilities.json')),
        'kev.json'
      ).value!;
      const csv = buildKevPart(readBytes(join(dir, 'known_exploited_vulnerabilities.csv')), 'kev.csv');
      expect(csv.issues).toEqual([]);
      expect(csv.value!.entries).toEqual(json.entries);
      expect(csv.value!.snapshotDate).toBe('2025-08-25');
    });
  });
});
