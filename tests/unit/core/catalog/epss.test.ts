import { gzipSync } from 'fflate';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEpssPart, forEachCatalogLine } from '../../../../src/lib/core/catalog/epss';
import { epssPartSchema } from '../../../../src/lib/core/catalog/parts';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const bytes = (text: string) => new TextEncoder().encode(text);
const scoreOf = (part: { cves: string[]; epss: number[]; percentile: number[] }, cve: string) => {
  const i = part.cves.indexOf(cve);
  return i < 0 ? undefined : { epss: part.epss[i], percentile: part.percentile[i] };
};

describe('FIRST EPSS scores', () => {
  it('reads the official layout with model version and score date, sorted by CVE', async () => {
    const { value, issues } = await buildEpssPart(
      readBytes(fixture('catalog', 'epss', 'epss_scores-2026-08-16-small.csv')),
      'epss_scores-2026-08-16-small.csv'
    );
    expect(epssPartSchema.safeParse(value).success).toBe(true);
    expect(value!.modelVersion).toBe('v2025.03.14');
    expect(value!.snapshotDate).toBe('2026-08-16');
    expect(value!.cves).toEqual([
      'CVE-1999-0001',
      'CVE-2021-44228',
      'CVE-2021-45046',
      'CVE-2024-3400',
      'CVE-2024-10001',
      'CVE-2024-21412',
      'CVE-2024-25522',
      'CVE-2024-34974'
    ]);
    // Of the repeated CVE-2021-44228 (line 12) the first score is kept.
    expect(scoreOf(value!, 'CVE-2021-44228')).toEqual({ epss: 0.99999, percentile: 1 });
    expect(scoreOf(value!, 'CVE-2024-10001')).toEqual({ epss: 0.00043, percentile: 0.12 });
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'epss-bad-row', line: 10, count: 1 }),
      expect.objectContaining({ severity: 'info', code: 'epss-duplicate', lines: [12] })
    ]);
    expect(issues[0]!.message).toContain('"abc"');
  });

  it('reads a gzipped file without the comment line and dates it from its name', async () => {
    const { value, issues } = await buildEpssPart(
      readBytes(fixture('catalog', 'epss', 'epss_scores-2025-01-02.csv.gz')),
      'epss_scores-2025-01-02.csv.gz'
    );
    expect(issues).toEqual([]);
    expect(value!.snapshotDate).toBe('2025-01-02');
    expect(value!.modelVersion).toBeUndefined();
    expect(value!.cves).toEqual(['CVE-2021-44228', 'CVE-2024-3400', 'CVE-2024-21412']);
    // Nine decimals in, FIRST's five stored.
    expect(scoreOf(value!, 'CVE-2024-21412')).toEqual({ epss: 0.95443, percentile: 0.99862 });
  });

  it('reads the semicolon files of EPSS API crawls, which have no header', async () => {
    const { value, issues } = await buildEpssPart(
      readBytes(fixture('catalog', 'epss', 'CVE_2021_EPSS.csv')),
      'CVE_2021_EPSS.csv'
    );
    expect(value!.cves).toEqual(['CVE-2021-44228', 'CVE-2021-45046']);
    expect(value!.snapshotDate).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ severity: 'info', code: 'epss-no-date' })]);
  });

  it('refuses the KEV JSON given as EPSS and says which file to import', async () => {
    const { value, issues } = await buildEpssPart(
      readBytes(fixture('catalog', 'kev', 'kev-small.json')),
      'known_exploited_vulnerabilities.json'
    );
    expect(value).toBeUndefined();
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'epss-wrong-file' })]);
    expect(issues[0]!.message).toContain('line 1');
    expect(issues[0]!.message).toContain('epss_scores-current.csv.gz');
  });

  it('keeps the scores before a cut in a truncated gzip download and says it was cut', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `CVE-2024-${10000 + i},0.00${i % 10}12,0.5`);
    const gz = gzipSync(bytes(`cve,epss,percentile\n${rows.join('\n')}\n`));
    const { value, issues } = await buildEpssPart(gz.subarray(0, Math.floor(gz.length * 0.6)), 'cut.csv.gz');
    expect(value!.cves.length).toBeGreaterThan(0);
    expect(value!.cves.length).toBeLessThan(5000);
    expect(issues[0]).toMatchObject({ severity: 'warning', code: 'epss-unreadable' });
    expect(issues[0]!.message).toContain('cut off');
  });

  it('refuses a file with a line longer than any CSV line as not text', async () => {
    const { value, issues } = await buildEpssPart(
      bytes(`CVE-2021-44228,0.5,0.5\n${'x'.repeat(3 << 20)}`),
      'big.bin'
    );
    expect(value!.cves).toEqual(['CVE-2021-44228']);
    expect(issues[0]).toMatchObject({ severity: 'warning', code: 'epss-unreadable' });
    expect(issues[0]!.message).toContain('line 2 is longer than');
  });

  it('refuses an empty file and a gzip header followed by garbage', async () => {
    expect((await buildEpssPart(new Uint8Array(0), 'e.csv')).issues[0]).toMatchObject({
      severity: 'error',
      code: 'epss-empty'
    });
    const junk = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    const { value, issues } = await buildEpssPart(junk, 'junk.csv.gz');
    expect(value).toBeUndefined();
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'epss-unreadable' });
  });

  it('hands over lines across chunk borders with CRLF and a last line without line break', async () => {
    const seen: string[] = [];
    // Two lines of 600,000 characters cross the 1 MB slices the reader works in.
    const long = 'x'.repeat(600_000);
    const text = `a\r\n${long}\r\n${long}\r\nb\nlast`;
    const { error } = await forEachCatalogLine(bytes(text), (line, n) => {
      seen.push(`${n}:${line.length > 10 ? line.length : line}`);
    });
    expect(error).toBeUndefined();
    expect(seen).toEqual(['1:a', '2:600000', '3:600000', '4:b', '5:last']);
  });

  describe.skipIf(!hasShared)('shared catalog', () => {
    it('reads all 360,142 scores of the 2026-08-16 EPSS file, Log4Shell at 0.99999 in the 100th percentile', async () => {
      const path = join(SHARED_DIR, 'catalog', 'epss', 'epss_scores-2026-08-16.combined.csv.gz');
      const started = performance.now();
      const cpu = process.cpuUsage();
      const { value, issues } = await buildEpssPart(
        readBytes(path),
        'epss_scores-2026-08-16.combined.csv.gz'
      );
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      expect(issues).toEqual([]);
      expect(value!.cves).toHaveLength(360_142);
      expect(value!.snapshotDate).toBe('2026-08-16');
      expect(scoreOf(value!, 'CVE-2021-44228')).toEqual({ epss: 0.99999, percentile: 1 });
      expect(scoreOf(value!, 'CVE-2024-21412')).toEqual({ epss: 0.95443, percentile: 0.99862 });
      expect(scoreOf(value!, 'CVE-1999-0001')).toEqual({ epss: 0.03351, percentile: 0.8765 });
      expect(value!.epss.filter((e) => e > 0.5)).toHaveLength(4313);
      const json = JSON.stringify(value);
      console.info(
        `[epss] built 360,142 scores in ${Math.round(ms)} ms (${Math.round((used.user + used.system) / 1000)} ms CPU); ` +
          `part JSON ${(json.length / 1e6).toFixed(1)} MB`
      );
    });
  });
});
