import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngagementResults, PatchGap } from '../../../../src/lib/core/model';
import {
  buildTopRisks,
  drawTopRisks,
  groupGaps,
  textOfRisks,
  type RisksContent
} from '../../../../src/lib/core/report/sections/risks';
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

async function render(content: RisksContent, size: PageSizeName = 'A4') {
  const out = await renderSection((ctx) => drawTopRisks(ctx, content), textOfRisks(content), size);
  const path = writePdf(out.bytes, 'risks');
  // PATCHFIELD_SECTION_OUT=<folder> keeps each PDF for review (pdftoppm -r 60 -png).
  const keep = process.env.PATCHFIELD_SECTION_OUT;
  if (keep) copyFileSync(path, join(keep, path.split('/').pop()!));
  return { ...out, path, text: hasPoppler ? pdfPages(path).join('\n').replace(/\s+/g, ' ') : '' };
}

/** The office's results with each gap also on `n` more machines, named host-00 … */
function spread(r: EngagementResults, n: number): EngagementResults {
  const extra = Array.from({ length: n }, (_, i) => {
    const base = r.assets[i % r.assets.length]!;
    return {
      ...base,
      asset: { ...base.asset, id: `extra-${i}`, hostname: `host-${String(i).padStart(2, '0')}` }
    };
  });
  const gaps: PatchGap[] = r.gaps.flatMap((g) => [
    g,
    ...extra
      .filter((a) => a.asset.role === r.assets.find((x) => x.asset.id === g.assetId)?.asset.role)
      .map((a) => ({ ...g, id: `${g.id}-${a.asset.id}`, assetId: a.asset.id, hostname: a.asset.hostname }))
  ]);
  return { ...r, assets: [...r.assets, ...extra], gaps };
}

describe('top risks', () => {
  let office: EngagementResults;
  beforeAll(() => {
    office = officeResults();
  });

  it('orders risks by priority rank, then due date, then machines affected', () => {
    const groups = groupGaps(office.gaps);
    for (let i = 1; i < groups.length; i++) {
      const a = groups[i - 1]!;
      const b = groups[i]!;
      expect(a.rank <= b.rank).toBe(true);
      if (a.rank === b.rank && a.dueDate && b.dueDate) {
        expect(a.dueDate <= b.dueDate).toBe(true);
        if (a.dueDate === b.dueDate) expect(a.assetIds.length >= b.assetIds.length).toBe(true);
      }
    }
    const c = buildTopRisks(office);
    expect(c.items.map((i) => i.rank)).toEqual([...c.items.map((i) => i.rank)].sort((x, y) => x - y));
    expect(c.items).toHaveLength(Math.min(10, groups.length));
  });

  it.skipIf(!hasPoppler)(
    'draws each risk with what it is, why it matters, who is affected and the fix',
    async () => {
      const c = buildTopRisks(office);
      const { text, missingGlyphs, path } = await render(c);
      expect(missingGlyphs).toEqual([]);
      expect(pdfPages(path)[0]).toContain('Top risks');
      let at = -1;
      for (const item of c.items) {
        // In order on the page.
        const pos = text.indexOf(item.title);
        expect(pos).toBeGreaterThan(at);
        at = pos;
        expect(text).toContain(item.priority);
        expect(text).toContain(item.due);
        expect(text).toContain(item.fix);
      }
      const kev = office.gaps.find((g) => g.kev);
      if (kev) {
        expect(c.items[0]!.why.join(' ')).toContain('Criminals are already using this weakness');
        expect(text).toContain('Known Exploited Vulnerabilities');
      }
      if (office.gaps.some((g) => g.epss))
        expect(text).toMatch(/chance of being exploited in the next 30 days \(EPSS/);
      if (office.gaps.some((g) => g.priority.assumed.includes('internet-facing'))) {
        expect(text).toMatch(/treated as if (it|they) can/);
      }
      for (const label of ['Why it matters', 'Affected', 'The fix']) expect(text).toContain(label);
    }
  );

  it.skipIf(!hasPoppler)(
    'groups the same action across machines and lists the names with "and N more"',
    async () => {
      const wide = spread(office, 30);
      const c = buildTopRisks(wide, 3);
      expect(c.items).toHaveLength(3);
      expect(c.more).toBe(
        `${groupGaps(wide.gaps).length - 3} more actions are listed in the remediation plan and the appendix.`
      );
      const first = groupGaps(wide.gaps)[0]!;
      expect(first.assetIds.length).toBeGreaterThan(12);
      expect(c.items[0]!.affected).toMatch(new RegExp(`and ${first.assetIds.length - 12} more$`));
      const { text } = await render(c);
      expect(text).toContain(`and ${first.assetIds.length - 12} more`);
    }
  );

  it.skipIf(!hasPoppler)(
    'wraps long Greek and CJK host names inside the page without missing glyphs',
    async () => {
      const c = buildTopRisks(renamed(office, GREEK_CJK_HOST));
      const { missingGlyphs, path } = await render(c);
      expect(missingGlyphs).toEqual([]);
      const squeezed = pdfPages(path, '-raw').join('').replace(/\s+/g, '');
      expect(squeezed).toContain(`${GREEK_CJK_HOST}-0`);
      const { words, pageWidths } = pdfWords(path);
      for (const w of words) expect(w.xMax).toBeLessThanOrEqual(pageWidths[w.page]! - 40);
    }
  );

  it.skipIf(!hasPoppler)('says so in one line when there are no assets or no gaps', async () => {
    const none = await render(buildTopRisks(emptyResults(office)));
    expect(none.pages).toBe(1);
    expect(none.text).toContain('No assets were imported yet, so no risks can be listed.');
    const clean = cleanResults(office);
    const ok = await render(buildTopRisks(clean));
    expect(ok.text).toContain(
      `No missing security updates or other gaps were found on the ${clean.score.denominator} machines whose status could be read.`
    );
  });

  it('never calls machines safe when their status could not be read', () => {
    const c = buildTopRisks(unknownResults(office));
    expect(c.items).toEqual([]);
    expect(c.empty).toBe(
      `The status of the ${office.assets.length} machines could not be read, so no risk can be ruled out; ` +
        'treat them as at risk until they are checked.'
    );
  });
});
