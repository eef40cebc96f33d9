import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCvssPart, cvssVersionOf, scoreCvssVector } from '../../../../src/lib/core/catalog/cvss';
import { cvssPartSchema } from '../../../../src/lib/core/catalog/parts';
import { hasShared, SHARED_DIR } from '../../shared';

const CVSS_DIR = join(SHARED_DIR, 'catalog', 'cvss');

/** The first 500 lines of a vector file, then every 10th: a broad sample that stays quick. */
function sampleLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l, i) => l.trim() !== '' && (i < 500 || i % 10 === 0));
}

describe('CVSS scoring', () => {
  it('scores CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H as 9.8 critical', () => {
    expect(scoreCvssVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toEqual({
      version: '3.1',
      score: 9.8,
      severity: 'critical'
    });
  });

  it('scores fixed vectors of every version with their severity', () => {
    expect(scoreCvssVector('CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H')).toEqual({
      version: '3.0',
      score: 8.8,
      severity: 'high'
    });
    // Scope changed, CISA's vector for CVE-2024-3400.
    expect(scoreCvssVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H')?.score).toBe(10);
    expect(scoreCvssVector('CVSS:3.1/AV:P/AC:L/PR:L/UI:R/S:U/C:N/I:N/A:N')).toEqual({
      version: '3.1',
      score: 0,
      severity: 'none'
    });
    expect(scoreCvssVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toEqual({
      version: '4.0',
      score: 9.3,
      severity: 'critical'
    });
    expect(scoreCvssVector('CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N')).toEqual({
      version: '4.0',
      score: 6.3,
      severity: 'medium'
    });
    // NVD writes v2 vectors without prefix, sometimes in parentheses; v2 has no "critical".
    expect(scoreCvssVector('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toEqual({
      version: '2.0',
      score: 7.5,
      severity: 'high'
    });
    expect(scoreCvssVector('(AV:N/AC:L/Au:N/C:C/I:C/A:C)')).toEqual({
      version: '2.0',
      score: 10,
      severity: 'high'
    });
    expect(scoreCvssVector('CVSS:2.0/AV:L/AC:H/Au:S/C:P/I:N/A:N')).toMatchObject({
      version: '2.0',
      severity: 'low'
    });
  });

  it('gives the v3.1 base score, not the temporal one, and the v4.0 score of the whole vector', () => {
    expect(scoreCvssVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C')?.score).toBe(9.8);
    // v4.0 has one score per vector: with E:U the CVSS-BT score.
    expect(
      scoreCvssVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U')?.score
    ).toBe(8.1);
    // Supplemental metrics have word values and no effect on the score.
    expect(
      scoreCvssVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:N/AU:Y/RE:M/U:Amber')
        ?.score
    ).toBe(9.3);
  });

  it('gives undefined for garbage, incomplete vectors, unknown versions, metrics or values and repeated metrics', () => {
    for (const bad of [
      '',
      'garbage',
      'CVSS:3.1/AV:N',
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H',
      'CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q',
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/FOO:X',
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L',
      'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      'cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h',
      'CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H',
      '9.8'
    ]) {
      expect(scoreCvssVector(bad), bad).toBeUndefined();
    }
    expect(scoreCvssVector(undefined as unknown as string)).toBeUndefined();
  });

  it('accepts surrounding spaces and a trailing slash', () => {
    expect(scoreCvssVector(' CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ ')).toMatchObject({
      version: '3.1',
      score: 9.8
    });
  });

  it('names the version of a vector', () => {
    expect(cvssVersionOf('CVSS:4.0/AV:N')).toBe('4.0');
    expect(cvssVersionOf('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toBe('2.0');
    expect(cvssVersionOf('nothing')).toBeUndefined();
  });

  describe.skipIf(!hasShared)('shared reference vectors', () => {
    it('matches all 270 FIRST CVSS 4.0 MacroVector scores exactly', () => {
      const lines = readFileSync(join(CVSS_DIR, 'first-cvss-resources', 'macro-scores'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      expect(lines).toHaveLength(270);
      const wrong: string[] = [];
      for (const line of lines) {
        const m = /'vector': '([^']+)', 'score': ([\d.]+), 'severity': '(\w+)'/.exec(line)!;
        const got = scoreCvssVector(m[1]!);
        if (got?.score !== Number(m[2]) || got.severity !== m[3]!.toLowerCase()) {
          wrong.push(`${m[1]} ${m[2]} ${m[3]} → ${JSON.stringify(got)}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('matches the base scores of a sample of the metaeffekt CVSS 3.1 validation vectors', () => {
      const lines = sampleLines(
        join(CVSS_DIR, 'test-vectors-metaeffekt', 'cvss-3.1-validation-vectors-001.txt')
      );
      expect(lines.length).toBeGreaterThan(1000);
      const wrong: string[] = [];
      for (const line of lines) {
        // vector overall base impact exploitability temporal environmental modifiedImpact
        const [vector, , base] = line.split(' ');
        const got = scoreCvssVector(vector!);
        if (got?.score !== Number(base) || got.version !== '3.1')
          wrong.push(`${line} → ${JSON.stringify(got)}`);
      }
      expect(wrong).toEqual([]);
    });

    it('matches the scores of a sample of the metaeffekt CVSS 4.0 validation vectors', () => {
      const lines = ['cvss-4.0-validation-vectors-001.txt', 'cvss-4.0-validation-vectors-002.txt'].flatMap(
        (f) => sampleLines(join(CVSS_DIR, 'test-vectors-metaeffekt', f))
      );
      expect(lines.length).toBeGreaterThan(1500);
      const wrong: string[] = [];
      for (const line of lines) {
        // vector macrovector score
        const [vector, , score] = line.split(' ');
        const got = scoreCvssVector(vector!);
        if (got?.score !== Number(score)) wrong.push(`${line} → ${JSON.stringify(got)}`);
      }
      expect(wrong).toEqual([]);
    });
  });
});

describe('CVSS part', () => {
  it('keeps one vector per CVE: msrc over cisa-adp over cna over osv, the newest version within a source', () => {
    const { value, issues } = buildCvssPart(
      [
        { cve: 'CVE-2024-0002', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'osv' },
        { cve: 'CVE-2024-0002', vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L', source: 'cna' },
        {
          cve: 'CVE-2024-0002',
          vector: 'CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N',
          source: 'cna'
        },
        { cve: 'CVE-2024-0002', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L', source: 'cna' },
        { cve: 'CVE-2024-10000', vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', source: 'cisa-adp' },
        { cve: 'CVE-2024-10000', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'cna' },
        { cve: 'CVE-2024-10000', vector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', source: 'msrc' },
        { cve: 'CVE-2024-9999', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N', source: 'cisa-adp' },
        { cve: 'CVE-2024-9999', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', source: 'msrc' }
      ],
      'test vectors'
    );
    expect(issues).toEqual([]);
    expect(cvssPartSchema.parse(value)).toEqual(value);
    expect(value.entries).toEqual([
      ['CVE-2024-0002', 'CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.3, 'cna'],
      ['CVE-2024-9999', 'AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'msrc'],
      ['CVE-2024-10000', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8, 'msrc']
    ]);
  });

  it('leaves out invalid vectors with one grouped warning, and a CVE with only invalid ones', () => {
    const { value, issues } = buildCvssPart(
      [
        { cve: 'CVE-2024-1000', vector: 'CVSS:3.1/AV:N/AC:L', source: 'msrc' },
        { cve: 'CVE-2024-1000', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'cna' },
        { cve: 'CVE-2024-1001', vector: 'not a vector', source: 'cna' },
        { cve: 'CVE-2024-1002', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Z', source: 'osv' },
        { cve: 'CVE-2024-1003', vector: '', source: 'osv' },
        { cve: 'GHSA-xxxx-yyyy-zzzz', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'osv' }
      ],
      'test vectors'
    );
    expect(value.entries).toEqual([
      ['CVE-2024-1000', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'cna']
    ]);
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'cvss-invalid-vector', count: 3 }),
      expect.objectContaining({ severity: 'warning', code: 'cvss-bad-cve', count: 1 })
    ]);
    expect(issues[0]!.message).toContain('CVE-2024-1000 (msrc): CVSS:3.1/AV:N/AC:L');
  });

  describe.skipIf(!hasShared)('shared catalog', () => {
    it('scores every CISA ADP and CNA vector of Vulnrichment: one entry for each of its 32,762 CVEs with a vector', async () => {
      const { buildSsvcPart } = await import('../../../../src/lib/core/catalog/ssvc');
      const { readBytes } = await import('../../shared');
      const path = join(SHARED_DIR, 'catalog', 'vulnrichment', 'cisa_adp_ssvc.csv.gz');
      const { vectors } = (await buildSsvcPart(readBytes(path), 'cisa_adp_ssvc.csv.gz')).value!;
      const { value, issues } = buildCvssPart(vectors, 'CISA Vulnrichment vectors');
      expect(cvssPartSchema.safeParse(value).success).toBe(true);
      // CVE-2024-25522: CISA's own v3.1 vector (9.4 in the file) wins over none from the CNA.
      expect(value.entries.find((e) => e[0] === 'CVE-2024-25522')).toEqual([
        'CVE-2024-25522',
        'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L',
        9.4,
        'cisa-adp'
      ]);
      expect(issues).toEqual([]);
      expect(value.entries).toHaveLength(new Set(vectors.map((v) => v.cve)).size);
      expect(value.entries).toHaveLength(32_762);
      expect(value.entries.filter((e) => e[3] === 'cisa-adp')).toHaveLength(6064);
    });
  });
});
