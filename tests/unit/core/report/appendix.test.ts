import { beforeAll, describe, expect, it } from 'vitest';
import type { AssetResult, EngagementResults, PatchGap } from '../../../../src/lib/core/model';
import {
  buildAppendix,
  drawAppendix,
  textOfAppendix
} from '../../../../src/lib/core/report/sections/appendix';
import { hasTool, pdfPages, pdfWords, run, writePdf } from './report-tools';
import { officeResults, renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');
const hasQpdf = hasTool('qpdf', '--version');

/** All page text with white space removed: wrapped text joins back up. */
const squeeze = (text: string): string => text.replace(/\s+/g, '');

/** A copy of an asset under a new name, with copies of its gaps. */
function cloneAsset(
  results: EngagementResults,
  source: AssetResult,
  id: string,
  hostname: string,
  withGaps = true
): { asset: AssetResult; gaps: PatchGap[] } {
  const asset: AssetResult = {
    ...source,
    asset: { ...source.asset, id, hostname }
  };
  const gaps = withGaps
    ? results.gaps
        .filter((g) => g.assetId === source.asset.id)
        .map((g) => ({ ...g, id: `${g.id}-${id}`, assetId: id, hostname }))
    : [];
  return { asset, gaps };
}

/** A machine the engine found up to date: no gaps. */
function cleanAsset(results: EngagementResults, hostname: string): AssetResult {
  const source = results.assets[0]!;
  return {
    ...source,
    asset: { ...source.asset, id: `clean-${hostname}`, hostname, ips: ['10.20.0.77'] },
    support: undefined,
    status: 'up-to-date',
    statusReason: 'Every update the data checks for is installed.',
    gapCounts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }
  };
}

function withAssets(results: EngagementResults, assets: AssetResult[], gaps: PatchGap[]): EngagementResults {
  return { ...results, assets, gaps };
}

async function render(results: EngagementResults, onAsset?: (i: number) => void) {
  const content = buildAppendix(results);
  const out = await renderSection((ctx) => drawAppendix(ctx, content, onAsset), textOfAppendix(content));
  return { ...out, content, path: writePdf(out.bytes, 'appendix') };
}

describe('appendix: machine by machine', () => {
  let office: EngagementResults;

  beforeAll(() => {
    office = officeResults();
  });

  it.skipIf(!hasPoppler)(
    'lists each machine of the office with its gaps, and says so for a clean one',
    async () => {
      const results = withAssets(office, [...office.assets, cleanAsset(office, 'PC-LAB-01')], office.gaps);
      const { path, missingGlyphs } = await render(results);
      expect(missingGlyphs).toEqual([]);
      const text = pdfPages(path, '-raw').join('\n');
      const all = squeeze(text);
      expect(text).toContain('Appendix: machine by machine');
      for (const a of results.assets) expect(all).toContain(squeeze(a.asset.hostname));
      for (const g of office.gaps) expect(all).toContain(squeeze(g.title));
      expect(all).toContain(squeeze('No gaps found'));
      // The clean machine comes after every machine with gaps.
      expect(all.indexOf('PC-LAB-01')).toBeGreaterThan(
        Math.max(...office.assets.map((a) => all.indexOf(squeeze(a.asset.hostname))))
      );
      for (const g of office.gaps.filter((g) => g.kb)) expect(all).toContain(g.kb);
    }
  );

  it('sorts the most urgent machine first, then by host name', () => {
    const a = cloneAsset(office, office.assets[0]!, 'x-b', 'B-HOST');
    const b = cloneAsset(office, office.assets[0]!, 'x-a', 'A-HOST');
    const clean = cleanAsset(office, 'AAA-CLEAN');
    const content = buildAppendix(withAssets(office, [clean, a.asset, b.asset], [...a.gaps, ...b.gaps]));
    expect(content.assets.map((x) => x.heading)).toEqual(['A-HOST', 'B-HOST', 'AAA-CLEAN']);
    expect(content.assets[2]!.rows).toEqual([]);
    expect(content.assets[2]!.noGaps?.text).toContain('No gaps found');
  });

  it('never calls a machine with unknown status fine when it has no gaps', () => {
    const unknown: AssetResult = { ...cleanAsset(office, 'PC-MYSTERY'), status: 'unknown' };
    const content = buildAppendix(withAssets(office, [unknown], []));
    expect(content.assets[0]!.noGaps?.tone).toBe('unknown');
    expect(content.assets[0]!.noGaps?.text).toContain('cannot tell');
  });

  it.skipIf(!hasPoppler)('says so in one line when there are no machines', async () => {
    const { path, pages } = await render(withAssets(office, [], []));
    expect(pages).toBe(1);
    expect(pdfPages(path)[0]).toContain('No machines were imported');
  });

  it.skipIf(!hasPoppler)(
    'lays out 300 machines with repeated table headers, no orphan headings and no missing glyphs',
    async () => {
      const assets: AssetResult[] = [];
      const gaps: PatchGap[] = [];
      for (let i = 0; i < 300; i++) {
        const source = office.assets[i % office.assets.length]!;
        const name = `WS-${String(i).padStart(4, '0')}`;
        const copy = cloneAsset(office, source, `a-${i}`, name);
        assets.push(copy.asset);
        gaps.push(...copy.gaps);
      }
      const seen: number[] = [];
      const started = performance.now();
      const { path, pages, missingGlyphs } = await render(withAssets(office, assets, gaps), (i) =>
        seen.push(i)
      );
      const ms = performance.now() - started;
      expect(missingGlyphs).toEqual([]);
      expect(seen).toHaveLength(300);
      expect(seen.at(-1)).toBe(299);
      expect(pages).toBeGreaterThan(20);
      expect(ms).toBeLessThan(20_000);

      const texts = pdfPages(path, '-raw');
      expect(texts).toHaveLength(pages);
      const header = /Priority\s+Action\s+KB or\s+version\s+CVEs\s+Due/;
      texts.forEach((page) => expect(page).toMatch(header));
      // Each machine's name is followed on its own page by its table's header (no heading alone at a page's foot).
      const all = texts.join('\n');
      for (let i = 0; i < 300; i++) {
        const name = `WS-${String(i).padStart(4, '0')}`;
        const page = texts.find((t) => t.includes(name));
        expect(page, name).toBeDefined();
        expect(header.test(page!.slice(page!.indexOf(name))), name).toBe(true);
      }
      expect(squeeze(all)).toContain(squeeze(office.gaps[0]!.title));
      if (hasQpdf) expect(run('qpdf', ['--check', path]).status).toBe(0);
    },
    60_000
  );

  it.skipIf(!hasPoppler)('wraps a very long host name and Greek and CJK names inside the page', async () => {
    const long =
      'RADIOLOGIE-BILDARCHIV-ARBEITSPLATZ-UNTERGESCHOSS-RAUM-0047-SEHR-LANGER-NAME.praxis-mueller.local';
    const greek = 'Ελληνικά-ΓΡΑΦΕΙΟ-ΛΟΓΙΣΤΗΡΙΟΥ-ΥΠΟΛΟΓΙΣΤΗΣ-ΔΕΥΤΕΡΟΣ-ΟΡΟΦΟΣ-ΑΙΘΟΥΣΑ-ΣΥΝΕΔΡΙΑΣΕΩΝ';
    const cjk =
      '東京本社受付端末東京本社受付端末東京本社受付端末東京本社受付端末東京本社受付端末東京本社受付端末';
    const src = office.assets[0]!;
    const parts = [
      cloneAsset(office, src, 'long', long),
      cloneAsset(office, src, 'greek', greek),
      cloneAsset(office, src, 'cjk', cjk)
    ];
    const { path, missingGlyphs } = await render(
      withAssets(
        office,
        parts.map((p) => p.asset),
        parts.flatMap((p) => p.gaps)
      )
    );
    expect(missingGlyphs).toEqual([]);
    const all = squeeze(pdfPages(path, '-raw').join(''));
    for (const name of [long, greek, cjk]) expect(all).toContain(squeeze(name));
    const { words, pageWidths } = pdfWords(path);
    const margin = (18 * 72) / 25.4;
    for (const w of words) {
      expect(w.xMin, w.text).toBeGreaterThanOrEqual(margin - 1);
      expect(w.xMax, w.text).toBeLessThanOrEqual((pageWidths[w.page] ?? 0) - margin + 1);
    }
  });

  it('gives every string it draws to the font preparation', () => {
    const content = buildAppendix(office);
    const texts = new Set(textOfAppendix(content));
    for (const asset of content.assets) {
      expect(texts.has(asset.heading)).toBe(true);
      for (const row of asset.rows)
        for (const cell of row) for (const s of cell) expect(texts.has(s.text)).toBe(true);
    }
    expect(texts.has('KB or version')).toBe(true);
  });
});
