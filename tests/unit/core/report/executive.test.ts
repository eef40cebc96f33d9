import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
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

async function render(content: ExecutiveContent, size: PageSizeName = 'A4') {
  const out = await renderSection((ctx) => drawExecutive(ctx, content), textOfExecutive(content), size);
  const path = writePdf(out.bytes, 'executive');
  // PATCHFIELD_SECTION_OUT=<folder> keeps each PDF for review (pdftoppm -r 60 -png).
  const keep = process.env.PATCHFIELD_SECTION_OUT;
  if (keep) copyFileSync(path, join(keep, path.split('/').pop()!));
  return { ...out, path, text: hasPoppler ? pdfPages(path).join('\n').replace(/\s+/g, ' ') : '' };
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
