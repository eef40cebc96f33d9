import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCvssPart } from '../../../../src/lib/core/catalog/cvss';
import { buildEpssPart } from '../../../../src/lib/core/catalog/epss';
import { buildKevPart } from '../../../../src/lib/core/catalog/kev';
import type { Catalog, SsvcPart } from '../../../../src/lib/core/catalog/parts';
import { createRiskIndex } from '../../../../src/lib/core/catalog/risk';
import { buildSsvcPart } from '../../../../src/lib/core/catalog/ssvc';
import {
  gapCvssSchema,
  gapEpssSchema,
  gapKevSchema,
  gapSsvcSchema
} from '../../../../src/lib/core/model/gaps';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

/** The catalog the fixtures make: KEV, EPSS, SSVC and the CVSS vectors of the SSVC table. */
async function fixtureCatalog(): Promise<Catalog> {
  const kev = buildKevPart(readBytes(fixture('catalog', 'kev', 'kev-small.json')), 'kev-small.json').value!;
  const epss = (
    await buildEpssPart(
      readBytes(fixture('catalog', 'epss', 'epss_scores-2026-08-16-small.csv')),
      'epss_scores-2026-08-16-small.csv'
    )
  ).value!;
  const ssvc = (
    await buildSsvcPart(readBytes(fixture('catalog', 'vulnrichment', 'cisa_adp_ssvc-small.csv')), 'ssvc.csv')
  ).value!;
  const cvss = buildCvssPart(ssvc.vectors, 'vulnrichment').value;
  return { kev, epss, ssvc: ssvc.ssvc, cvss };
}

describe('risk index', () => {
  let catalog: Catalog;
  beforeAll(async () => {
    catalog = await fixtureCatalog();
  });

  it('looks up KEV, EPSS, SSVC and CVSS of one CVE, whatever its case and spaces', () => {
    const risk = createRiskIndex(catalog);
    expect(risk.kev(' cve-2021-44228 ')).toMatchObject({ dateAdded: '2021-12-10', ransomware: true });
    expect(risk.epss('CVE-2021-44228')).toEqual({ score: 0.99999, percentile: 1 });
    expect(risk.epss('CVE-2024-10001')).toEqual({ score: 0.00043, percentile: 0.12 });
    expect(risk.ssvc('CVE-2024-3400')).toEqual({
      exploitation: 'active',
      automatable: 'yes',
      technicalImpact: 'total'
    });
    expect(risk.cvss('CVE-2024-3400')).toEqual({
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      score: 10,
      version: '3.1'
    });
    expect(risk.cvss('CVE-2005-10003')).toMatchObject({ version: '4.0', score: 6.3 });
    expect(risk.epss('CVE-2000-0001')).toBeUndefined();
    expect(risk.kev('not a cve')).toBeUndefined();
  });

  it('summarizes a gap: highest CVSS and EPSS with their CVEs, KEV CVEs with the earliest date, the most urgent SSVC', () => {
    const risk = createRiskIndex(catalog);
    const summary = risk.summarize(['CVE-2024-25522', 'CVE-2024-21412', 'CVE-2024-34974', 'CVE-2024-3400']);
    expect(summary.cvss).toEqual({
      score: 10,
      version: '3.1',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      cve: 'CVE-2024-3400'
    });
    expect(summary.epss).toEqual({ cve: 'CVE-2024-3400', score: 0.99999, percentile: 1 });
    expect(summary.kev).toEqual({
      cves: ['CVE-2024-21412', 'CVE-2024-3400'],
      dateAdded: '2024-02-13',
      ransomware: true
    });
    expect(summary.ssvc).toEqual({ exploitation: 'active', automatable: 'yes', technicalImpact: 'total' });
    expect(gapCvssSchema.safeParse(summary.cvss).success).toBe(true);
    expect(gapEpssSchema.safeParse(summary.epss).success).toBe(true);
    expect(gapKevSchema.safeParse(summary.kev).success).toBe(true);
    expect(gapSsvcSchema.safeParse(summary.ssvc).success).toBe(true);
  });

  it('takes the most urgent value of each SSVC decision point across CVEs', () => {
    const risk = createRiskIndex(catalog);
    // poc/yes/total + none/yes/partial + none/no/partial
    expect(risk.summarize(['CVE-2024-34974', 'CVE-2005-10003', 'CVE-2024-25522']).ssvc).toEqual({
      exploitation: 'poc',
      automatable: 'yes',
      technicalImpact: 'total'
    });
    expect(risk.summarize(['CVE-2005-10003']).ssvc).toEqual({
      exploitation: 'none',
      automatable: 'no',
      technicalImpact: 'partial'
    });
  });

  it('makes exploitation active when a CVE is in KEV, even if its SSVC says none', () => {
    const ssvc: SsvcPart = {
      part: 'ssvc',
      source: 't.csv',
      entries: [['CVE-2021-44228', 'none', 'no', 'partial']]
    };
    const risk = createRiskIndex({ ...catalog, ssvc });
    expect(risk.summarize(['CVE-2021-44228']).ssvc).toEqual({
      exploitation: 'active',
      automatable: 'no',
      technicalImpact: 'partial'
    });
    // KEV alone tells nothing about Automatable or Technical Impact: no SSVC summary without SSVC data.
    expect(risk.summarize(['CVE-2021-45046']).ssvc).toBeUndefined();
    expect(risk.summarize(['CVE-2021-45046']).kev).toEqual({
      cves: ['CVE-2021-45046'],
      dateAdded: '2023-05-01',
      ransomware: true
    });
  });

  it("uses the scanner's own score when no CVE has a vector or when it is higher", () => {
    const risk = createRiskIndex(catalog);
    expect(
      risk.summarize(['CVE-2021-44228'], {
        score: 10,
        vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'
      }).cvss
    ).toEqual({
      score: 10,
      vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      version: '3.0'
    });
    expect(risk.summarize([], { score: 5.3 }).cvss).toEqual({ score: 5.3 });
    // CVE-2024-34974 has CISA's 8.2: a lower scanner score does not replace it.
    expect(risk.summarize(['CVE-2024-34974'], { score: 7.5 }).cvss).toMatchObject({
      score: 8.2,
      cve: 'CVE-2024-34974'
    });
    expect(risk.summarize(['CVE-2024-34974'], { score: 9.1 }).cvss).toEqual({ score: 9.1 });
  });

  it('answers undefined for everything when the catalog has none of the parts', () => {
    const risk = createRiskIndex({});
    expect(risk.kev('CVE-2021-44228')).toBeUndefined();
    expect(risk.epss('CVE-2021-44228')).toBeUndefined();
    expect(risk.ssvc('CVE-2021-44228')).toBeUndefined();
    expect(risk.cvss('CVE-2021-44228')).toBeUndefined();
    expect(risk.summarize(['CVE-2021-44228'])).toEqual({});
  });

  it('finds CVEs in parts that are not sorted by CVE (written by something else)', () => {
    const risk = createRiskIndex({
      epss: {
        part: 'epss',
        source: 'unsorted',
        cves: ['CVE-2024-9', 'CVE-2021-44228', 'CVE-2024-10000'],
        epss: [0.1, 0.9, 0.2],
        percentile: [0.3, 1, 0.5]
      }
    });
    expect(risk.epss('CVE-2021-44228')).toEqual({ score: 0.9, percentile: 1 });
    expect(risk.epss('CVE-2024-10000')).toEqual({ score: 0.2, percentile: 0.5 });
  });

  describe.skipIf(!hasShared)('shared catalog', () => {
    let full: Catalog;
    beforeAll(async () => {
      const dir = join(SHARED_DIR, 'catalog');
      const kev = buildKevPart(
        readBytes(join(dir, 'kev', 'known_exploited_vulnerabilities.json')),
        'kev.json'
      ).value!;
      const epss = (
        await buildEpssPart(
          readBytes(join(dir, 'epss', 'epss_scores-2026-08-16.combined.csv.gz')),
          'epss_scores-2026-08-16.combined.csv.gz'
        )
      ).value!;
      const ssvc = (
        await buildSsvcPart(
          readBytes(join(dir, 'vulnrichment', 'cisa_adp_ssvc.csv.gz')),
          'cisa_adp_ssvc.csv.gz'
        )
      ).value!;
      const cvss = buildCvssPart(ssvc.vectors, 'vulnrichment').value;
      // As loaded from IndexedDB: plain copies of the stored parts.
      full = structuredClone({ kev, epss, ssvc: ssvc.ssvc, cvss });
    }, 60_000);

    it('joins Log4Shell (CVE-2021-44228): in KEV since 2021-12-10 with ransomware use, EPSS 0.99999 at the 100th percentile', () => {
      const started = performance.now();
      const risk = createRiskIndex(full);
      const ms = performance.now() - started;
      console.info(
        `[risk] index over 1,404 KEV, 360,142 EPSS, 44,026 SSVC, 32,762 CVSS entries in ${ms.toFixed(0)} ms`
      );
      expect(risk.kev('CVE-2021-44228')).toMatchObject({
        dateAdded: '2021-12-10',
        dueDate: '2021-12-24',
        ransomware: true
      });
      expect(risk.epss('CVE-2021-44228')).toEqual({ score: 0.99999, percentile: 1 });
      expect(risk.summarize(['CVE-2021-44228', 'CVE-2021-45046'])).toMatchObject({
        epss: { cve: 'CVE-2021-44228', score: 0.99999, percentile: 1 },
        kev: { cves: ['CVE-2021-44228', 'CVE-2021-45046'], dateAdded: '2021-12-10', ransomware: true }
      });
    });

    it('joins CVE-2024-3400 across all four parts', () => {
      const risk = createRiskIndex(full);
      expect(risk.summarize(['CVE-2024-3400'])).toEqual({
        cvss: {
          score: 10,
          version: '3.1',
          vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
          cve: 'CVE-2024-3400'
        },
        epss: { cve: 'CVE-2024-3400', score: 0.99999, percentile: 1 },
        kev: { cves: ['CVE-2024-3400'], dateAdded: '2024-04-12', ransomware: true },
        ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total' }
      });
      expect(risk.epss('CVE-2024-21412')).toEqual({ score: 0.95443, percentile: 0.99862 });
    });

    it('finds every EPSS CVE of the full file and none that it lacks', () => {
      const risk = createRiskIndex(full);
      const epss = full.epss!;
      let found = 0;
      for (let i = 0; i < epss.cves.length; i += 97)
        if (risk.epss(epss.cves[i]!)?.score === epss.epss[i]) found++;
      expect(found).toBe(Math.ceil(epss.cves.length / 97));
      expect(risk.epss('CVE-2099-0001')).toBeUndefined();
    });
  });
});
