import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWindowsBuildsCsv } from '../../../../src/lib/core';
import { fixture, hasShared, SHARED_DIR } from '../../shared';

describe('Windows build table', () => {
  it('reads the small fixture table with KBs, dates and types', () => {
    const { value, issues } = parseWindowsBuildsCsv(
      readFileSync(fixture('catalog', 'windows-builds-small.csv'), 'utf8'),
      'windows-builds-small.csv'
    );
    expect(issues).toEqual([]);
    expect(value.rows).toHaveLength(13);
    const row = value.rows.find((r) => r.build === 19045 && r.revision === 4529)!;
    expect(row).toMatchObject({ kb: 'KB5039211', releaseDate: '2024-06-11', updateType: 'B' });
    expect(value.snapshotDate).toBe('2026-05-12');
  });

  it('refuses a CSV that is not the build table and says which file to choose', () => {
    const { value, issues } = parseWindowsBuildsCsv('name,version\nfoo,1\n', 'other.csv');
    expect(value.rows).toEqual([]);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'catalog-wrong-columns', line: 1 });
    expect(issues[0]!.message).toContain('windows_build_revision_kb_merged.csv');
  });

  it('skips a row with a broken build number and names its row', () => {
    const text =
      'build,family,revision,version,kb,release_date,update_type\n19045,W10,4529,10.0.19045.4529,5039211,2024-06-11,B\nabc,W10,1,x,5000000,,\n';
    const { value, issues } = parseWindowsBuildsCsv(text, 't.csv');
    expect(value.rows).toHaveLength(1);
    expect(issues).toEqual([expect.objectContaining({ code: 'catalog-bad-row', line: 3 })]);
  });

  describe.skipIf(!hasShared)('shared catalog', () => {
    it('reads all 1,033 rows of the merged build table, with rows that name no KB kept without one', () => {
      const path = join(SHARED_DIR, 'catalog', 'windows-builds', 'windows_build_revision_kb_merged.csv');
      const { value, issues } = parseWindowsBuildsCsv(readFileSync(path, 'utf8'), 'merged.csv');
      expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(value.rows).toHaveLength(1033);
      expect(value.rows.filter((r) => r.kb === null).length).toBe(10);
      expect(new Set(value.rows.map((r) => r.build))).toEqual(
        new Set([14393, 17763, 19044, 19045, 20348, 22000, 22621, 22631, 25398, 26100, 26200, 28000])
      );
    });
  });
});
