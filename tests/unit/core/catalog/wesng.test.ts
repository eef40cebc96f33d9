import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { wesngPartSchema, type WesngPart } from '../../../../src/lib/core/catalog/parts';
import { buildWesngPart, dateWindowsBuilds } from '../../../../src/lib/core/catalog/wesng';
import { parseWindowsBuildsCsv } from '../../../../src/lib/core/catalog/windows-builds';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const CSV_NAME = 'CVEs_20240709.csv';
const csvBytes = (): Uint8Array => readBytes(fixture('catalog', 'wesng', CSV_NAME));

/** A tiny definitions.zip laid out like wesng's: the CVE list plus the files the real one carries. */
function tinyZip(entries: Record<string, Uint8Array> = { [CSV_NAME]: csvBytes() }): Uint8Array {
  return zipSync({
    ...entries,
    'Custom_20190321.csv': strToU8('"DatePosted","CVE","BulletinKB"\n'),
    'Version_0.94.txt': strToU8('This definition file requires you to at least use wes version 0.94\n')
  });
}

function kbOf(part: WesngPart, kb: string) {
  const entry = part.kbs.find((k) => k[0] === kb);
  if (!entry) throw new Error(`${kb} missing`);
  return {
    date: entry[1],
    supersedes: entry[2],
    products: entry[3].map((i) => part.products[i]),
    title: entry[4]
  };
}

describe('buildWesngPart', () => {
  it('dates KB5034441 from the most frequent DatePosted', async () => {
    const { value } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(kbOf(value!, 'KB5034441')).toMatchObject({
      date: '2024-01-09',
      title: 'Windows Recovery Environment Security Feature Bypass',
      supersedes: []
    });
  });

  it('breaks a DatePosted tie with the earliest date', async () => {
    // KB5034763: two rows on 2024-02-13, two on 2024-03-12.
    const { value } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(kbOf(value!, 'KB5034763').date).toBe('2024-02-13');
  });

  it('unions Supersedes KBs written with line breaks, <br> and a KB prefix', async () => {
    const { value } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(kbOf(value!, 'KB5034763').supersedes).toEqual(['KB5034122', 'KB5034441']);
    expect(kbOf(value!, 'KB4014329').supersedes).toEqual(['KB4010250']);
  });

  it('lists products once in a shared sorted array and indexes them per KB', async () => {
    const { value } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(value!.products).toEqual([
      'Microsoft Office 2016 (64-bit edition)',
      'Windows 10 Version 1607 for x64-based Systems',
      'Windows 10 Version 21H2 for x64-based Systems',
      'Windows 10 Version 22H2 for 32-bit Systems',
      'Windows 10 Version 22H2 for x64-based Systems',
      'Windows Server 2016'
    ]);
    expect(kbOf(value!, 'KB5034441').products).toEqual([
      'Windows 10 Version 21H2 for x64-based Systems',
      'Windows 10 Version 22H2 for 32-bit Systems',
      'Windows 10 Version 22H2 for x64-based Systems'
    ]);
  });

  it('reads a quoted multi-line Title as one cell, with its line break made a space', async () => {
    const { value } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(kbOf(value!, 'KB5034765').title).toBe('Security Update for Microsoft Office (multi-line title)');
  });

  it('takes the snapshot date from the CVEs_YYYYMMDD.csv name inside the zip', async () => {
    const { value } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(value!.snapshotDate).toBe('2024-07-09');
    expect(value!.source).toBe('definitions.zip');
    expect(wesngPartSchema.safeParse(value).success).toBe(true);
  });

  it('counts a bad DatePosted and an 8-digit BulletinKB as skipped rows with their lines, never throwing', async () => {
    const { value, issues } = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(value!.kbs.map((k) => k[0])).toEqual([
      'KB4014329',
      'KB5033372',
      'KB5034122',
      'KB5034441',
      'KB5034763',
      'KB5034765'
    ]);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'wesng-bad-kb', severity: 'warning', count: 1, lines: [15] }),
      expect.objectContaining({ code: 'wesng-bad-date', severity: 'warning', count: 1, lines: [14] }),
      expect.objectContaining({ code: 'wesng-rows-without-kb', severity: 'info', count: 1 })
    ]);
    expect(issues[1]!.message).toContain('CVEs_20240709.csv');
    expect(issues[1]!.message).toContain('line 14');
  });

  it('accepts the plain CVEs_*.csv when the bytes are not a zip', async () => {
    const { value } = await buildWesngPart(csvBytes(), 'CVEs_20240709.csv');
    expect(value!.kbs).toHaveLength(6);
    expect(value!.snapshotDate).toBe('2024-07-09');
    const zipped = await buildWesngPart(tinyZip(), 'definitions.zip');
    expect(value!.kbs).toEqual(zipped.value!.kbs);
  });

  it('refuses a zip without a CVEs_*.csv and says which file to choose', async () => {
    const { value, issues } = await buildWesngPart(zipSync({ 'readme.txt': strToU8('hello') }), 'other.zip');
    expect(value).toBeUndefined();
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'wesng-no-cve-list' });
    expect(issues[0]!.message).toContain('definitions.zip');
  });

  it('refuses a CSV without DatePosted and BulletinKB columns', async () => {
    const { value, issues } = await buildWesngPart(strToU8('name,version\nfoo,1\n'), 'other.csv');
    expect(value).toBeUndefined();
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'wesng-wrong-file', line: 1 });
  });

  it('reports a damaged zip instead of throwing', async () => {
    const zip = tinyZip();
    const damaged = zip.slice(0, 200);
    const { value, issues } = await buildWesngPart(damaged, 'definitions.zip');
    expect(value).toBeUndefined();
    expect(issues.some((i) => i.severity === 'error')).toBe(true);
  });
});

describe('dateWindowsBuilds', () => {
  it('sets wesngDate on rows whose KB wesng dates and leaves the rest of the row alone', async () => {
    const { value: wesng } = await buildWesngPart(tinyZip(), 'definitions.zip');
    const builds = {
      part: 'windows-builds' as const,
      source: 'small',
      rows: [
        { build: 19045, family: 'Windows 10', revision: 3930, kb: 'KB5034122', products: '' },
        {
          build: 19045,
          family: 'Windows 10',
          revision: 4046,
          kb: 'KB5034763',
          releaseDate: '2024-02-13',
          updateType: 'B',
          products: 'x'
        },
        { build: 19045, family: 'Windows 10', revision: 9999, kb: 'KB5099999', products: '' },
        { build: 19045, family: 'Windows 10', revision: 1, kb: null, products: '' }
      ]
    };
    const dated = dateWindowsBuilds(builds, wesng!);
    expect(dated.rows[0]).toEqual({ ...builds.rows[0], wesngDate: '2024-01-09' });
    expect(dated.rows[1]).toEqual({ ...builds.rows[1], wesngDate: '2024-02-13' });
    expect(dated.rows[2]).toEqual(builds.rows[2]);
    expect(dated.rows[3]).toEqual(builds.rows[3]);
    expect(dated.source).toBe('small');
  });
});

describe.skipIf(!hasShared)('wesng definitions.zip from the catalog folder', () => {
  const zipPath = join(SHARED_DIR, 'catalog', 'wesng', 'definitions.zip');
  let built: Awaited<ReturnType<typeof buildWesngPart>> | undefined;
  async function real() {
    built ??= await buildWesngPart(readBytes(zipPath), 'definitions.zip');
    return built;
  }

  it('builds the part from the 136 MB CVEs_20260628.csv with 7,557 KBs and a compact JSON', async () => {
    const { value, issues } = await real();
    expect(value!.snapshotDate).toBe('2026-06-28');
    expect(value!.kbs).toHaveLength(7557);
    expect(value!.products.length).toBeGreaterThan(1500);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    // Six BulletinKB cells are ticket numbers of 8 digits (Configuration Manager), reported, not thrown.
    expect(issues.find((i) => i.code === 'wesng-bad-kb')).toMatchObject({
      count: 6,
      lines: [305519, 336515, 462344, 462346, 462348]
    });
    expect(wesngPartSchema.safeParse(value).success).toBe(true);
    expect(JSON.stringify(value).length).toBeLessThan(2_000_000);
  });

  it('dates KB5039211 (Windows 10 22H2, June 2024) 2024-06-11 and names its products', async () => {
    const { value } = await real();
    const kb = kbOf(value!, 'KB5039211');
    expect(kb.date).toBe('2024-06-11');
    expect(kb.products).toContain('Windows 10 Version 22H2 for x64-based Systems');
  });

  it('dates build rows that lack a release date: 19045.7184 (KB5082200) 2026-04-14, 26100.8655 (KB5094126) 2026-06-09', async () => {
    const { value: wesng } = await real();
    const csv = readFileSync(
      join(SHARED_DIR, 'catalog', 'windows-builds', 'windows_build_revision_kb_merged.csv'),
      'utf8'
    );
    const { value: builds } = parseWindowsBuildsCsv(csv, 'windows_build_revision_kb_merged.csv');
    const dated = dateWindowsBuilds(builds, wesng!);
    const row = (build: number, revision: number) =>
      dated.rows.find((r) => r.build === build && r.revision === revision)!;
    expect(row(19045, 7184)).toMatchObject({ kb: 'KB5082200', wesngDate: '2026-04-14' });
    expect(row(19045, 7184).releaseDate).toBeUndefined();
    expect(row(26100, 8655)).toMatchObject({ kb: 'KB5094126', wesngDate: '2026-06-09' });
    expect(row(26100, 8655).msrcDate).toBeUndefined();
    // Rows neither release health nor MSRC dated: wesng dates 51 of them (the rest are previews or after 2026-06-28).
    const undatedBefore = builds.rows.filter((r) => !r.releaseDate && !r.msrcDate);
    const nowDated = dated.rows.filter((r) => !r.releaseDate && !r.msrcDate && r.wesngDate);
    expect(undatedBefore).toHaveLength(232);
    expect(nowDated).toHaveLength(51);
  });
});
