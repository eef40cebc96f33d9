import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ssvcPartSchema } from '../../../../src/lib/core/catalog/parts';
import { buildSsvcPart } from '../../../../src/lib/core/catalog/ssvc';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('CISA Vulnrichment SSVC table', () => {
  it('reads the fixture table with its mixed value case into the SSVC enums, sorted by CVE', async () => {
    const { value, issues } = await buildSsvcPart(
      readBytes(fixture('catalog', 'vulnrichment', 'cisa_adp_ssvc-small.csv')),
      'cisa_adp_ssvc-small.csv'
    );
    expect(ssvcPartSchema.parse(value!.ssvc)).toEqual(value!.ssvc);
    expect(value!.ssvc.entries).toEqual([
      ['CVE-2005-10003', 'none', 'no', 'partial'],
      ['CVE-2024-0002', 'poc', 'no', 'total'],
      ['CVE-2024-3400', 'active', 'yes', 'total'],
      ['CVE-2024-21412', 'active', 'no', 'total'],
      ['CVE-2024-25522', 'poc', 'yes', 'total'],
      ['CVE-2024-34974', 'none', 'yes', 'partial']
    ]);
    // The newest SSVC timestamp (row 7, quoted) dates the part.
    expect(value!.ssvc.snapshotDate).toBe('2024-10-24');
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', code: 'ssvc-bad-row', line: 8 })]);
    expect(issues[0]!.message).toContain('Exploitation "maybe"');
  });

  it('hands over the CISA ADP CVSS v3.1 vector and every CNA vector of each row', async () => {
    const { value } = await buildSsvcPart(
      readBytes(fixture('catalog', 'vulnrichment', 'cisa_adp_ssvc-small.csv.gz')),
      'cisa_adp_ssvc-small.csv.gz'
    );
    expect(value!.vectors.filter((v) => v.cve === 'CVE-2024-25522')).toEqual([
      { cve: 'CVE-2024-25522', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:L', source: 'cisa-adp' }
    ]);
    expect(value!.vectors.filter((v) => v.cve === 'CVE-2005-10003')).toEqual([
      {
        cve: 'CVE-2005-10003',
        vector: 'CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N',
        source: 'cna'
      },
      { cve: 'CVE-2005-10003', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L', source: 'cna' },
      { cve: 'CVE-2005-10003', vector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L', source: 'cna' }
    ]);
    expect(value!.vectors).toHaveLength(7);
  });

  it('refuses a file without the SSVC columns and names the missing ones', async () => {
    const { value, issues } = await buildSsvcPart(
      readBytes(fixture('catalog', 'epss', 'epss_scores-2026-08-16-small.csv')),
      'epss_scores.csv'
    );
    expect(value).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'error', code: 'ssvc-wrong-file', line: 1 })
    ]);
    expect(issues[0]!.message).toContain('exploitation, automatable, technical_impact');
  });

  it('keeps the first row of a CVE listed twice and refuses a header without rows', async () => {
    const head = 'cve,exploitation,automatable,technical_impact\n';
    const twice = await buildSsvcPart(
      bytes(`${head}CVE-2024-1111,none,no,partial\nCVE-2024-1111,active,yes,total\n`),
      't.csv'
    );
    expect(twice.value!.ssvc.entries).toEqual([['CVE-2024-1111', 'none', 'no', 'partial']]);
    expect(twice.issues).toEqual([expect.objectContaining({ code: 'ssvc-duplicate', count: 1 })]);
    const empty = await buildSsvcPart(bytes(head), 'e.csv');
    expect(empty.value).toBeUndefined();
    expect(empty.issues[0]).toMatchObject({ severity: 'error', code: 'ssvc-empty' });
  });

  describe.skipIf(!hasShared)('shared catalog', () => {
    it('reads all 44,026 CVEs of the Vulnrichment extraction with 6,064 CISA CVSS vectors', async () => {
      const path = join(SHARED_DIR, 'catalog', 'vulnrichment', 'cisa_adp_ssvc.csv.gz');
      const { value, issues } = await buildSsvcPart(readBytes(path), 'cisa_adp_ssvc.csv.gz');
      expect(issues).toEqual([]);
      const { ssvc, vectors } = value!;
      expect(ssvc.entries).toHaveLength(44_026);
      expect(ssvcPartSchema.safeParse(ssvc).success).toBe(true);
      expect(ssvc.snapshotDate).toBe('2024-10-24');
      expect(vectors.filter((v) => v.source === 'cisa-adp')).toHaveLength(6064);
      // The ~120 rows written "None"/"Yes"/"Total"/"PoC" are counted with the lower-case ones.
      const count = (e: string, a: string, t: string) =>
        ssvc.entries.filter(([, x, y, z]) => x === e && y === a && z === t).length;
      expect(count('none', 'no', 'partial')).toBe(21_697 + 2);
      expect(ssvc.entries.filter((e) => e[1] === 'active')).toHaveLength(191 + 23);
      expect(ssvc.entries.find((e) => e[0] === 'CVE-2024-3400')).toEqual([
        'CVE-2024-3400',
        'active',
        'yes',
        'total'
      ]);
    });
  });
});
