import { beforeAll, describe, expect, it } from 'vitest';
import type {
  EngagementResults,
  RemediationWave,
  ScheduleMiss,
  WaveKind
} from '../../../../src/lib/core/model';
import { formatDate } from '../../../../src/lib/core/report/format';
import {
  buildPlanSection,
  drawPlan,
  textOfPlan,
  type PlanContent
} from '../../../../src/lib/core/report/sections/plan';
import { pageGeometry } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfPages, pdfWords, writePdf } from './report-tools';
import { officeResults, renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');

/** All page text with white space removed, in drawing order: wrapped cell text joins back up. */
const squeezed = (path: string): string => pdfPages(path, '-raw').join('').replace(/\s+/g, '');
const squeeze = (text: string): string => text.replace(/\s+/g, '');

async function render(
  content: PlanContent,
  pageSize: 'A4' | 'Letter' = 'A4'
): Promise<{ path: string; pages: number; missingGlyphs: string[] }> {
  const out = await renderSection((ctx) => drawPlan(ctx, content), textOfPlan(content), pageSize);
  return { path: writePdf(out.bytes, 'plan'), pages: out.pages, missingGlyphs: out.missingGlyphs };
}

/** No word crosses the right margin of its page. */
function expectInsideMargins(path: string, pageSize: 'A4' | 'Letter' = 'A4'): void {
  const g = pageGeometry(pageSize);
  const { words } = pdfWords(path);
  expect(words.length).toBeGreaterThan(0);
  for (const w of words) {
    expect(w.xMin, w.text).toBeGreaterThanOrEqual(g.marginX - 0.5);
    expect(w.xMax, w.text).toBeLessThanOrEqual(g.width - g.marginX + 0.5);
  }
}

const KINDS: WaveKind[] = ['emergency', 'pilot', 'workstations', 'servers'];

/** `n` waves spread over weeks after the office plan's first wave, cycling through the kinds. */
function manyWaves(base: EngagementResults, n: number): EngagementResults {
  const template = base.waves[0]!;
  const day0 = Date.UTC(2026, 10, 25);
  const waves: RemediationWave[] = Array.from({ length: n }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    const date = new Date(day0 + i * 3 * 86_400_000).toISOString().slice(0, 10);
    return {
      ...template,
      id: `w${String(i + 1).padStart(2, '0')}-${kind}`,
      kind,
      name: `${kind === 'servers' ? 'Servers' : 'Workstations ring'} ${i + 1}, ${date} 18:00`,
      start: `${date}T18:00`,
      end: `${date}T22:00`,
      expectedCompletion: date,
      gapIds: base.gaps.slice(0, 1 + (i % base.gaps.length)).map((g) => g.id),
      assetIds: base.assets.map((a) => a.asset.id)
    };
  });
  return { ...base, waves };
}

describe('remediation plan section', () => {
  let office: EngagementResults;

  beforeAll(() => {
    office = officeResults();
  });

  it('builds the plan from the engine results: one timeline row per wave, weeks from a Monday', () => {
    const c = buildPlanSection(office);
    expect(c.empty).toBeUndefined();
    expect(c.timeline.rows).toHaveLength(office.waves.length);
    expect(c.waves.rows).toHaveLength(office.waves.length);
    const start = new Date(`${c.timeline.axisStart}T00:00:00Z`);
    expect(start.getUTCDay()).toBe(1);
    expect(c.timeline.ticks[0]?.year).toMatch(/^\d{4}$/);
    for (const wave of office.waves) {
      expect(c.timeline.axisStart <= wave.start.slice(0, 10)).toBe(true);
      expect(c.timeline.axisEnd > wave.end.slice(0, 10)).toBe(true);
    }
    expect(textOfPlan(c)).toContain('Remediation plan');
  });

  it.skipIf(!hasPoppler)(
    'renders the office plan: waves with names and dates, no misses, the decisions',
    async () => {
      const c = buildPlanSection(office);
      const { path, missingGlyphs } = await render(c);
      expect(missingGlyphs).toEqual([]);
      const all = squeezed(path);
      const text = pdfPages(path).join('\n');
      expect(text).toContain('Remediation plan');
      expect(text).toContain('Timeline');
      expect(text).toContain('Due dates the plan cannot meet');
      expect(text).toContain('What we need from you');
      for (const wave of office.waves) {
        expect(all).toContain(squeeze(wave.name));
        expect(all).toContain(squeeze(formatDate(wave.start.slice(0, 10), 'short')));
      }
      expect(all).toContain(squeeze('None: every due date is met by the plan.'));
      expect(all).toContain(squeeze('Approve the maintenance windows and the downtime'));
      if (office.waves.some((w) => w.kind === 'emergency')) {
        expect(all).toContain(squeeze('Approve the out-of-cycle emergency wave'));
      }
      if (office.gaps.some((g) => g.kind === 'end-of-life')) {
        expect(all).toContain(squeeze('Set a budget to replace or upgrade end-of-life systems'));
      }
      if (office.assets.some((a) => a.support?.phase === 'esu')) {
        expect(all).toContain(squeeze('Extended Security Updates (ESU)'));
      }
      expectInsideMargins(path);
    }
  );

  it.skipIf(!hasPoppler)(
    'says in one line when there are no waves, no misses and nothing to decide',
    async () => {
      const c = buildPlanSection({ ...office, waves: [], misses: [], gaps: [] });
      expect(c.empty).toBe('No remediation waves are planned: there are no gaps to close.');
      expect(c.decisions.items).toEqual([]);
      const { path, pages } = await render(c);
      expect(pages).toBe(1);
      const text = pdfPages(path).join('\n').replace(/\s+/g, ' ');
      expect(text).toContain('No remediation waves are planned: there are no gaps to close.');
      expect(text).toContain('None: there is nothing to schedule.');
      expect(text).toContain('Nothing to decide now');
      expect(text).not.toContain('Timeline');
    }
  );

  it.skipIf(!hasPoppler)(
    'lays out 60 waves across pages with the week scale repeated, inside the margins',
    async () => {
      const many = manyWaves(office, 60);
      const c = buildPlanSection(many);
      expect(c.timeline.rows).toHaveLength(60);
      for (const pageSize of ['A4', 'Letter'] as const) {
        const { path, pages, missingGlyphs } = await render(c, pageSize);
        expect(missingGlyphs).toEqual([]);
        expect(pages).toBeGreaterThan(2);
        const texts = pdfPages(path);
        const all = squeezed(path);
        for (let i = 1; i <= 60; i++) expect(all).toContain(squeeze(c.timeline.rows[i - 1]!.label));
        for (const wave of many.waves) expect(all).toContain(squeeze(wave.name));
        // The timeline reaches a second page, which starts with the axis again ("Wave" over the labels).
        const timelinePages = texts.filter((t) => t.includes('· Emergency') || t.includes('· Servers'));
        expect(timelinePages.length).toBeGreaterThan(1);
        for (const t of timelinePages) expect(t).toContain('Wave');
        expectInsideMargins(path, pageSize);
      }
    }
  );

  it.skipIf(!hasPoppler)(
    'lists due dates it cannot meet with host, dates, reason and fix; names wrap',
    async () => {
      const gap = office.gaps[0]!;
      const longHost =
        'ΕΛΛΗΝΙΚΆ-東京-RADIOLOGIE-BILDARCHIV-ARBEITSPLATZ-UNTERGESCHOSS-RAUM-0047.praxis.local';
      const assets = office.assets.map((a) =>
        a.asset.id === gap.assetId ? { ...a, asset: { ...a.asset, hostname: longHost } } : a
      );
      const misses: ScheduleMiss[] = [
        {
          gapId: gap.id,
          assetId: gap.assetId,
          dueDate: '2026-11-27',
          plannedDate: '2026-12-05',
          reason: 'Due 2026-11-27, but the first server window with room is on 2026-12-05.',
          fix: 'Add 2 technician-hours per server window, or move it to an emergency wave.'
        },
        {
          gapId: 'gone',
          assetId: 'nobody',
          dueDate: '2026-11-30',
          plannedDate: null,
          reason: 'No server maintenance window is set.',
          fix: 'Add a server window before 2026-11-30.'
        }
      ];
      const c = buildPlanSection({ ...office, assets, misses });
      const { path, missingGlyphs } = await render(c);
      expect(missingGlyphs).toEqual([]);
      const all = squeezed(path);
      expect(all).toContain(squeeze(longHost));
      expect(all).toContain(squeeze('27 Nov 2026'));
      expect(all).toContain(squeeze('5 Dec 2026'));
      expect(all).toContain('Notplaced');
      expect(all).toContain(squeeze(misses[0]!.fix));
      expect(all).toContain(squeeze(misses[1]!.reason));
      expectInsideMargins(path);
    }
  );

  it('gives the same content twice (deterministic)', () => {
    expect(JSON.stringify(buildPlanSection(office))).toBe(JSON.stringify(buildPlanSection(office)));
  });
});
