import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngagementResults } from '../../../../src/lib/core/model';
import { percent } from '../../../../src/lib/core/report/format';
import {
  addMonths,
  buildCharts,
  drawCharts,
  groupOf,
  monthsBucket,
  textOfCharts,
  type ChartsContent
} from '../../../../src/lib/core/report/sections/charts';
import type { PageSizeName } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfPages, pdfWords, writePdf } from './report-tools';
import { officeResults, renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');

// Variants of the office results for edge cases (kept beside each section's tests).
const GREEK_CJK_HOST =
  'Ελληνικά-λογιστήριο-διακομιστής-αρχείων-東京本社ファイルサーバー-第二世代-バックアップ-01';

function emptyResults(r: EngagementResults): EngagementResults {
  return {
    ...r,
    assets: [],
    gaps: [],
    waves: [],
    misses: [],
    score: {
      ...r.score,
      grade: 'D',
      score: 60,
      percentFullyPatched: null,
      fullyPatched: 0,
      denominator: 0,
      unknown: 0,
      monthsBehind: r.score.monthsBehind.map((b) => ({ ...b, assets: 0 })),
      endOfLife: 0,
      kevGaps: 0,
      criticalGaps: 0,
      overdueGaps: 0
    }
  };
}

/** Every machine up to date, supported for years and without gaps. */
function cleanResults(r: EngagementResults): EngagementResults {
  const assets = r.assets.map((a) => ({
    ...a,
    status: 'up-to-date' as const,
    windows: a.windows ? { ...a.windows, status: 'up-to-date' as const, monthsBehind: 0 } : undefined,
    support: a.support
      ? { ...a.support, phase: 'supported' as const, eol: '2035-01-01', eoes: undefined }
      : undefined
  }));
  return {
    ...r,
    assets,
    gaps: [],
    waves: [],
    misses: [],
    score: {
      ...r.score,
      grade: 'A',
      score: 100,
      percentFullyPatched: 100,
      fullyPatched: assets.length,
      denominator: assets.length,
      unknown: 0,
      monthsBehind: r.score.monthsBehind.map((b) => ({ ...b, assets: b.bucket === '0' ? assets.length : 0 })),
      endOfLife: 0,
      kevGaps: 0,
      criticalGaps: 0,
      overdueGaps: 0
    }
  };
}

/** No gaps found, but no machine's status could be read. */
function unknownResults(r: EngagementResults): EngagementResults {
  const assets = r.assets.map((a) => ({
    ...a,
    status: 'unknown' as const,
    windows: a.windows ? { ...a.windows, status: 'unknown' as const, monthsBehind: null } : undefined
  }));
  return {
    ...r,
    assets,
    gaps: [],
    waves: [],
    misses: [],
    score: {
      ...r.score,
      percentFullyPatched: null,
      fullyPatched: 0,
      denominator: 0,
      unknown: assets.length,
      monthsBehind: r.score.monthsBehind.map((b) => ({
        ...b,
        assets: b.bucket === 'unknown' ? assets.length : 0
      }))
    }
  };
}

/** The same results with every host renamed (name + its index). */
function renamed(r: EngagementResults, name: string): EngagementResults {
  const names = new Map(r.assets.map((a, i) => [a.asset.id, `${name}-${i}`]));
  return {
    ...r,
    assets: r.assets.map((a) => ({ ...a, asset: { ...a.asset, hostname: names.get(a.asset.id)! } })),
    gaps: r.gaps.map((g) => ({ ...g, hostname: names.get(g.assetId) ?? g.hostname }))
  };
}

async function render(content: ChartsContent, size: PageSizeName = 'A4') {
  const out = await renderSection((ctx) => drawCharts(ctx, content), textOfCharts(content), size);
  const path = writePdf(out.bytes, 'charts');
  // PATCHFIELD_SECTION_OUT=<folder> keeps each PDF for review (pdftoppm -r 60 -png).
  const keep = process.env.PATCHFIELD_SECTION_OUT;
  if (keep) copyFileSync(path, join(keep, path.split('/').pop()!));
  return { ...out, path, text: hasPoppler ? pdfPages(path).join('\n').replace(/\s+/g, ' ') : '' };
}

describe('charts', () => {
  let office: EngagementResults;
  beforeAll(() => {
    office = officeResults();
  });

  it('counts match the results: gaps by priority, months-behind buckets, groups', () => {
    const c = buildCharts(office);
    expect(c.priority.bars.map((b) => b.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const bar of c.priority.bars) {
      expect(bar.count).toBe(office.gaps.filter((g) => g.priority.rank === bar.rank).length);
    }
    expect(c.priority.bars.reduce((s, b) => s + b.count, 0)).toBe(office.gaps.length);
    // The per-group bars add up to the grade's buckets.
    for (const row of c.age.rows) {
      const total = row.bars.reduce((s, b) => s + b.count, 0);
      expect(total).toBe(office.score.monthsBehind.find((b) => b.bucket === row.bucket)!.assets);
    }
    for (const row of c.compliance.rows) {
      const members = office.assets.filter((a) => groupOf(a) === row.group);
      const up = members.filter((a) => a.status === 'up-to-date').length;
      const known = members.filter((a) => a.status === 'up-to-date' || a.status === 'behind').length;
      expect(row.value).toBe(known > 0 ? `${percent(up, known)} fully patched` : 'status unknown');
    }
    expect(office.assets.every((a) => monthsBucket(a) !== undefined)).toBe(true);
  });

  it.skipIf(!hasPoppler)('draws four labelled charts on the page "The numbers at a glance"', async () => {
    const c = buildCharts(office);
    const { text, missingGlyphs, pages, path } = await render(c);
    expect(missingGlyphs).toEqual([]);
    expect(pages).toBeLessThanOrEqual(2);
    expect(pdfPages(path)[0]).toContain('The numbers at a glance');
    for (const h of [c.priority.heading, c.age.heading, c.compliance.heading, c.eol.heading])
      expect(text).toContain(h);
    expect(text).toContain('Emergency');
    for (const bar of c.priority.bars) expect(text).toContain(`${bar.label} ${bar.value}`);
    for (const row of c.compliance.rows) {
      expect(text).toContain(row.value);
      expect(text).toContain(row.detail);
    }
    // Each age bar carries its own words (group and count), so grey print still reads.
    for (const row of c.age.rows)
      for (const bar of row.bars.filter((b) => b.count > 0)) expect(text).toContain(bar.value);
    const { words, pageWidths } = pdfWords(path);
    for (const w of words) expect(w.xMax).toBeLessThanOrEqual(pageWidths[w.page]! - 40);
  });

  it('puts systems whose support ended or ends within 24 months on the end-of-life timeline', () => {
    const c = buildCharts(office);
    const horizon = addMonths(office.asOf, 24);
    const expected = office.assets.filter((a) => a.support?.eol && a.support.eol <= horizon).length;
    const listed = c.eol.items.reduce((s, i) => s + Number(/· (\d+) machine/.exec(i.label)?.[1] ?? 0), 0);
    expect(listed).toBe(expected);
    for (const item of c.eol.items) {
      expect(item.date <= horizon).toBe(true);
      expect(item.note).toMatch(item.past ? /^ended / : /^ends /);
    }
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2026-11-24', -12)).toBe('2025-11-24');
  });

  it.skipIf(!hasPoppler)('says so in one line instead of empty charts when there are no assets', async () => {
    const c = buildCharts(emptyResults(office));
    const { text, pages } = await render(c);
    expect(pages).toBe(1);
    expect(text.match(/No assets were imported yet, so there is nothing to chart\./g)).toHaveLength(4);
  });

  it.skipIf(!hasPoppler)(
    'a clean estate: no actions, everything up to date, no end of life in sight',
    async () => {
      const clean = cleanResults(office);
      const c = buildCharts(clean);
      const { text } = await render(c);
      expect(text).toContain('No actions are needed: no missing security updates or other gaps were found.');
      expect(text).toContain('100% fully patched');
      expect(text).toContain('No operating system reaches the end of its support within the next 24 months.');
    }
  );

  it('never shows unknown machines as patched', () => {
    const c = buildCharts(unknownResults(office));
    for (const row of c.compliance.rows) {
      expect(row.fraction).toBeNull();
      expect(row.value).toBe('status unknown');
    }
    const unknownRow = c.age.rows.find((r) => r.bucket === 'unknown')!;
    expect(unknownRow.bars.reduce((s, b) => s + b.count, 0)).toBe(office.assets.length);
  });

  it.skipIf(!hasPoppler)(
    'draws on US Letter and with Greek and CJK names without missing glyphs',
    async () => {
      const { missingGlyphs } = await render(buildCharts(renamed(office, GREEK_CJK_HOST)), 'Letter');
      expect(missingGlyphs).toEqual([]);
    }
  );
});
