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
import { hasTool, pdfPages, pdfWords } from './report-tools';
import {
  cleanResults,
  emptyResults,
  GREEK_CJK_HOST,
  officeResults,
  renamed,
  renderAndRead,
  unknownResults
} from './section-harness';

const hasPoppler = hasTool('pdftotext');

async function render(content: ChartsContent, size: PageSizeName = 'A4') {
  return renderAndRead('charts', (ctx) => drawCharts(ctx, content), textOfCharts(content), size);
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
