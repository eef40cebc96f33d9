import { beforeAll, describe, expect, it } from 'vitest';
import type { EngagementResults } from '../../../../src/lib/core/model';
import { percent } from '../../../../src/lib/core/report/format';
import {
  buildExecutive,
  drawExecutive,
  textOfExecutive,
  type ExecutiveContent
} from '../../../../src/lib/core/report/sections/executive';
import type { PageSizeName } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfWords } from './report-tools';
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

async function render(content: ExecutiveContent, size: PageSizeName = 'A4') {
  return renderAndRead('executive', (ctx) => drawExecutive(ctx, content), textOfExecutive(content), size);
}

describe('executive summary', () => {
  let office: EngagementResults;
  beforeAll(() => {
    office = officeResults();
  });

  it.skipIf(!hasPoppler)(
    'shows the grade, the key numbers from the results, three risks and the next steps',
    async () => {
      const content = buildExecutive(office, 'Zahnarztpraxis Müller');
      const { text, pages, missingGlyphs } = await render(content);
      expect(pages).toBe(1);
      expect(missingGlyphs).toEqual([]);
      const s = office.score;
      expect(text).toContain('Executive summary');
      expect(text).toContain('Zahnarztpraxis Müller');
      expect(content.grade.letter).toBe(s.grade);
      expect(text).toContain(`${s.grade} Score ${Math.round(s.score)} out of 100`);
      expect(text).toContain(s.scale.find((g) => g.grade === s.grade)!.meaning);
      expect(text).toContain('A 90 or more · B 80–89 · C 70–79 · D 60–69 · F below 60');
      // Key numbers are the results' figures.
      const fig = (label: string) => content.figures.find((f) => f.label === label)!;
      expect(fig('Assets assessed').value).toBe(String(office.assets.length));
      expect(fig('Fully patched').value).toBe(percent(s.fullyPatched, s.denominator));
      expect(fig('Fully patched').caption).toContain(
        `of ${s.denominator} machines whose status is known; ${s.unknown} unknown`
      );
      const behind = office.assets.filter((a) => (a.windows?.monthsBehind ?? 0) > 0);
      expect(fig('Systems behind').value).toBe(String(behind.length));
      expect(fig('Systems behind').caption).toContain(`${office.totals.maxMonthsBehind} months`);
      if (!office.catalogMissing.includes('kev'))
        expect(fig('Known exploited').value).toBe(String(s.kevGaps));
      if (!office.catalogMissing.includes('eol')) expect(fig('End of life').value).toBe(String(s.endOfLife));
      for (const f of content.figures) {
        expect(text).toContain(f.label);
        expect(text).toContain(f.value);
      }
      expect(content.figures.length).toBeGreaterThanOrEqual(3);
      expect(content.figures.length).toBeLessThanOrEqual(5);
      // Three risks, most urgent first, in business words.
      expect(content.risks.items).toHaveLength(Math.min(3, content.risks.items.length));
      expect(content.risks.items.length).toBeGreaterThan(0);
      if (office.gaps.some((g) => g.kev)) {
        expect(content.risks.items[0]).toMatch(
          /can be taken over through .* criminals already use \(known exploited/
        );
      }
      expect(text).toContain('The biggest risks');
      expect(text).toContain('What happens next');
      if (office.waves.length > 0) expect(text).toMatch(/Work starts on \w+day \d+ \w+ 20\d\d/);
    }
  );

  it.skipIf(!hasPoppler)(
    'fits on exactly one page on A4 and Letter, even with long risks and many misses',
    async () => {
      const long = 'Sehr-lange-Bezeichnung-einer-Schwachstelle '.repeat(8);
      const many: EngagementResults = {
        ...office,
        gaps: office.gaps.flatMap((g, i) =>
          Array.from({ length: 30 }, (_, k) => ({
            ...g,
            id: `${g.id}-${k}`,
            kind: 'scanner-finding' as const,
            kev: undefined,
            title: `${long} ${i}-${k}`
          }))
        ),
        misses: Array.from({ length: 40 }, (_, k) => ({
          gapId: `m${k}`,
          assetId: office.assets[0]!.asset.id,
          dueDate: '2026-12-01',
          plannedDate: null,
          reason: 'no window',
          fix: `${long} window ${k}`
        }))
      };
      for (const size of ['A4', 'Letter'] as const) {
        const { pages, path } = await render(buildExecutive(many, `${long} GmbH`), size);
        expect(pages).toBe(1);
        const { words, pageWidths } = pdfWords(path);
        for (const w of words) expect(w.xMax).toBeLessThanOrEqual(pageWidths[0]! - 40);
      }
    }
  );

  it.skipIf(!hasPoppler)('says so plainly when no assets were imported, with no grade', async () => {
    const content = buildExecutive(emptyResults(office), 'Kanzlei Schmidt');
    const { text, pages } = await render(content);
    expect(pages).toBe(1);
    expect(content.grade.letter).toBe('–');
    expect(content.figures).toEqual([]);
    expect(text).toContain('No grade yet');
    expect(text).toContain('No data has been imported yet, so no risks can be named.');
    expect(text).toContain('Import scanner or inventory exports');
  });

  it.skipIf(!hasPoppler)('gives a clean bill of health when nothing is missing', async () => {
    const clean = cleanResults(office);
    const content = buildExecutive(clean, 'Kanzlei Schmidt');
    const { text } = await render(content);
    expect(text).toContain(
      `No missing security updates were found on the ${clean.score.denominator} machines whose status could be read.`
    );
    expect(text).toContain('Nothing needs fixing now.');
    expect(content.figures.find((f) => f.label === 'Fully patched')!.value).toBe('100%');
  });

  it('never presents unknown as good', () => {
    const content = buildExecutive(unknownResults(office), 'Kanzlei Schmidt');
    expect(content.risks.note).toContain('could not be read, so they cannot be called safe');
    const patched = content.figures.find((f) => f.label === 'Fully patched')!;
    expect(patched.value).toBe('unknown');
    expect(patched.tone).toBe('unknown');
    expect(content.next.paragraphs.join(' ')).toContain('could not be read should be checked');
  });

  it.skipIf(!hasPoppler)('draws Greek and CJK names without missing glyphs', async () => {
    const content = buildExecutive(renamed(office, GREEK_CJK_HOST), 'Ελληνικά 東京 Praxis');
    const { text, missingGlyphs, pages } = await render(content);
    expect(missingGlyphs).toEqual([]);
    expect(pages).toBe(1);
    expect(text).toContain('Ελληνικά 東京 Praxis');
  });
});
