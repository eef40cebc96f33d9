import { join } from 'node:path';
import { gzipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildMsrcPart } from '../../../../src/lib/core/catalog/msrc';
import { msrcPartSchema } from '../../../../src/lib/core/catalog/parts';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('catalog', 'msrc', name));
const products = (): Uint8Array => own('msrc_products.csv');
const rowsGz = (): Uint8Array => gzipSync(own('msrc_rows.csv'));
const cvrf = () => [{ name: 'cvrf-2024-Aug-small.xml', bytes: own('cvrf-2024-Aug-small.xml') }];

describe('buildMsrcPart', () => {
  it('reads the gzipped rows into [cve, productId, kb, fixedBuild, severity, exploited, month] tuples', async () => {
    const { value } = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    expect(msrcPartSchema.safeParse(value!.msrc).success).toBe(true);
    expect(value!.msrc.rows).toContainEqual([
      'CVE-2024-38063',
      '12097',
      'KB5041580',
      '10.0.19045.4780',
      'Critical',
      false,
      '2024-08-13'
    ]);
    expect(value!.msrc.snapshotDate).toBe('2024-08-13');
  });

  it('flags a CVE exploited when exploit_status says Exploited:Yes', async () => {
    const { value } = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    const exploited = new Set(value!.msrc.rows.filter((r) => r[5]).map((r) => r[0]));
    expect([...exploited].sort()).toEqual(['CVE-2016-3298', 'CVE-2024-21351', 'CVE-2024-21412']);
  });

  it('keeps identical rows once and drops a Security Only row beside its Monthly Rollup', async () => {
    const { value } = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    const rows = value!.msrc.rows;
    expect(rows).toHaveLength(15);
    expect(rows.filter((r) => r[0] === 'CVE-2024-21351')).toHaveLength(1);
    const win7 = rows.filter((r) => r[1] === '10048');
    // CVE-2024-38063: the rollup KB5041838 stays, the security-only KB5041839 goes; CVE-2016-3298 has no rollup row.
    expect(win7.map((r) => [r[0], r[2]])).toEqual([
      ['CVE-2016-3298', 'KB3192391'],
      ['CVE-2024-38063', 'KB5041838']
    ]);
  });

  it('keeps fixed builds as text and a fix without a KB with kb ""', async () => {
    const { value } = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    const row = value!.msrc.rows.find((r) => r[0] === 'CVE-2024-37968')!;
    expect(row[2]).toBe('');
    expect(row[3]).toBe('');
    expect(value!.msrc.rows.find((r) => r[1] === '10048' && r[0] === 'CVE-2024-38063')![3]).toBe(
      '6.1.7601.27219'
    );
  });

  it('reports advisories, a broken CVE id and a missing release date grouped, with their lines', async () => {
    const { issues } = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    expect(issues).toEqual([
      expect.objectContaining({ code: 'msrc-advisories', severity: 'info', count: 1 }),
      expect.objectContaining({ code: 'msrc-bad-cve', severity: 'warning', count: 1, lines: [19] }),
      expect.objectContaining({ code: 'msrc-bad-month', severity: 'warning', count: 1, lines: [20] })
    ]);
    expect(issues[1]!.message).toContain('line 19');
  });

  it('returns one CVSS vector per CVE and vector, marked msrc', async () => {
    const { value } = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    expect(value!.vectors).toHaveLength(5);
    expect(value!.vectors).toContainEqual({
      cve: 'CVE-2024-38063',
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C',
      source: 'msrc'
    });
  });

  it('reads the rows uncompressed as well', async () => {
    const plain = await buildMsrcPart({ products: products(), rows: own('msrc_rows.csv') }, 'msrc');
    const gz = await buildMsrcPart({ products: products(), rows: rowsGz() }, 'msrc');
    expect(plain.value!.msrc.rows).toEqual(gz.value!.msrc.rows);
  });

  it('merges CVRF Vendor Fix remediations, severities, exploit status and vectors, without repeating known rows', async () => {
    const { value, issues } = await buildMsrcPart(
      { products: products(), rows: rowsGz(), cvrf: cvrf() },
      'msrc'
    );
    expect(issues.filter((i) => i.severity !== 'info')).toHaveLength(2);
    const rows = value!.msrc.rows;
    expect(rows).toHaveLength(17);
    expect(rows).toContainEqual([
      'CVE-2024-38178',
      '12243',
      'KB5041585',
      '10.0.22631.4037',
      'Important',
      true,
      '2024-08-13'
    ]);
    expect(rows).toContainEqual([
      'CVE-2024-38063',
      '12243',
      'KB5041585',
      '10.0.22631.4037',
      'Critical',
      false,
      '2024-08-13'
    ]);
    // The Windows 11 product comes from the document's product tree; the Office product is not a Windows product.
    expect(value!.msrc.products).toContainEqual(['12243', 'Windows 11 Version 23H2 for x64-based Systems']);
    expect(value!.msrc.products.some(([id]) => id === '11952')).toBe(false);
    expect(value!.vectors.map((v) => v.cve).sort()).toEqual([
      'CVE-2024-20674',
      'CVE-2024-21351',
      'CVE-2024-21412',
      'CVE-2024-37968',
      'CVE-2024-38063',
      'CVE-2024-38178',
      'CVE-2024-38200'
    ]);
  });

  it('names the CVRF document when it is damaged and keeps the rows read before', async () => {
    const bytes = own('cvrf-2024-Aug-small.xml');
    const { value, issues } = await buildMsrcPart(
      { products: products(), rows: rowsGz(), cvrf: [{ name: 'cut.xml', bytes: bytes.slice(0, 4000) }] },
      'msrc'
    );
    expect(value!.msrc.rows).toHaveLength(15);
    const problem = issues.find((i) => i.severity === 'error')!;
    expect(problem.message).toContain('cut.xml');
  });

  it('refuses rows that are not the MSRC table and says which file to choose', async () => {
    const { value, issues } = await buildMsrcPart(
      { products: products(), rows: strToU8('name,version\nfoo,1\n') },
      'msrc'
    );
    expect(value).toBeUndefined();
    expect(issues.map((i) => i.code)).toEqual(['msrc-rows-wrong-file', 'msrc-empty']);
    expect(issues[0]!.message).toContain('msrc_windows_cve_product_kb.csv.gz');
  });

  it('reports a damaged gzip instead of throwing', async () => {
    const gz = rowsGz();
    const { issues } = await buildMsrcPart({ products: products(), rows: gz.slice(0, 60) }, 'msrc');
    expect(issues.some((i) => i.severity === 'error')).toBe(true);
  });

  it('warns when the product list is not msrc_products.csv', async () => {
    const { value, issues } = await buildMsrcPart(
      { products: strToU8('a,b\n1,2\n'), rows: rowsGz() },
      'msrc'
    );
    expect(issues[0]).toMatchObject({ code: 'msrc-products-wrong-file', severity: 'error' });
    expect(issues.find((i) => i.code === 'msrc-unnamed-products')).toMatchObject({ count: 7 });
    expect(value!.msrc.products.every(([, name]) => name === '')).toBe(true);
  });
});

describe.skipIf(!hasShared)('MSRC data from the catalog folder', () => {
  const dir = join(SHARED_DIR, 'catalog', 'msrc');
  let built: Awaited<ReturnType<typeof buildMsrcPart>> | undefined;
  async function real() {
    built ??= await buildMsrcPart(
      {
        products: readBytes(join(dir, 'derived', 'msrc_products.csv')),
        rows: readBytes(join(dir, 'derived', 'msrc_windows_cve_product_kb.csv.gz')),
        cvrf: ['cvrfDocument-2026-Feb.xml', 'cvrfDocument-2026-Mar.xml'].map((name) => ({
          name,
          bytes: readBytes(join(dir, 'cvrf-samples', name))
        }))
      },
      'msrc/derived + cvrf-samples'
    );
    return built;
  }

  it('builds a part under 12 MB of JSON from 176,876 rows and both CVRF samples', async () => {
    const { value, issues } = await real();
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    // 733 ADV rows are advisories, not CVEs; 31,397 security-only rows sit beside their monthly rollup.
    expect(issues.find((i) => i.code === 'msrc-advisories')).toMatchObject({ count: 733 });
    expect(value!.msrc.rows).toHaveLength(144_746);
    expect(msrcPartSchema.safeParse(value!.msrc).success).toBe(true);
    expect(JSON.stringify(value!.msrc).length).toBeLessThan(12_000_000);
  });

  it('names the February 2026 fix of exploited CVE-2026-21519 for Windows 10 22H2 x64', async () => {
    const { value } = await real();
    const rows = value!.msrc.rows.filter((r) => r[0] === 'CVE-2026-21519' && r[1] === '12097');
    expect(rows.some((r) => r[5] && r[6] === '2026-02-10' && r[3].startsWith('10.0.19045.'))).toBe(true);
  });

  it('adds the CVRF vectors of non-Windows CVEs to the vector list, once each', async () => {
    const { value } = await real();
    const keys = value!.vectors.map((v) => `${v.cve} ${v.vector}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(value!.vectors.length).toBeGreaterThan(6000);
  });
});
