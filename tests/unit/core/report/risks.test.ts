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

async function render(content: RisksContent, size: PageSizeName = 'A4') {
  return renderAndRead('risks', (ctx) => drawTopRisks(ctx, content), textOfRisks(content), size);
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
