import { beforeAll, describe, expect, it } from 'vitest';
import type { EngagementResults } from '../../../../src/lib/core/model';
import {
  buildProposal,
  DEFAULT_PROPOSAL,
  drawProposal,
  formatMoney,
  monthlyTotal,
  proposalSettingsSchema,
  textOfProposal,
  type ProposalContent,
  type ProposalSettings
} from '../../../../src/lib/core/report/sections/proposal';
import { pageGeometry } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfPages, pdfWords, writePdf } from './report-tools';
import { officeResults, renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');
const squeeze = (text: string): string => text.replace(/\s+/g, '');
const squeezed = (path: string): string => squeeze(pdfPages(path, '-raw').join(''));

async function render(content: ProposalContent, pageSize: 'A4' | 'Letter' = 'A4') {
  const out = await renderSection((ctx) => drawProposal(ctx, content), textOfProposal(content), pageSize);
  return { path: writePdf(out.bytes, 'proposal'), pages: out.pages, missingGlyphs: out.missingGlyphs };
}

function expectInsideMargins(path: string, pageSize: 'A4' | 'Letter' = 'A4'): void {
  const g = pageGeometry(pageSize);
  for (const w of pdfWords(path).words) {
    expect(w.xMin, w.text).toBeGreaterThanOrEqual(g.marginX - 0.5);
    expect(w.xMax, w.text).toBeLessThanOrEqual(g.width - g.marginX + 0.5);
  }
}

describe('proposal section', () => {
  let office: EngagementResults;

  beforeAll(() => {
    office = officeResults();
  });

  it('accepts the default settings and rejects a bad currency or a negative price', () => {
    expect(proposalSettingsSchema.parse(DEFAULT_PROPOSAL)).toEqual(DEFAULT_PROPOSAL);
    expect(DEFAULT_PROPOSAL.tiers).toHaveLength(3);
    expect(proposalSettingsSchema.safeParse({ ...DEFAULT_PROPOSAL, currency: 'euro' }).success).toBe(false);
    const negative = {
      ...DEFAULT_PROPOSAL,
      tiers: [{ name: 'Cheap', pricePerEndpointMonth: -1, includes: [] }]
    };
    expect(proposalSettingsSchema.safeParse(negative).success).toBe(false);
  });

  it('formats money the same everywhere: symbol or code, thousands, two decimals', () => {
    expect(formatMoney(7.5, 'EUR')).toBe('€7.50');
    expect(formatMoney(1234567.891, 'USD')).toBe('$1,234,567.89');
    expect(formatMoney(0, 'GBP')).toBe('£0.00');
    expect(formatMoney(12, 'CHF')).toBe('CHF 12.00');
    expect(monthlyTotal(0.1, 3)).toBe(0.3);
    expect(monthlyTotal(7.5, 2000)).toBe(15000);
  });

  it('gives undefined when the technician switched the proposal off', () => {
    expect(buildProposal(office, { ...DEFAULT_PROPOSAL, enabled: false }, 'Brightline IT')).toBeUndefined();
  });

  it.skipIf(!hasPoppler)(
    'renders each tier with its price and the monthly total for the asset count',
    async () => {
      const c = buildProposal(office, DEFAULT_PROPOSAL, 'Brightline IT Services GmbH')!;
      const { path, pages, missingGlyphs } = await render(c);
      expect(missingGlyphs).toEqual([]);
      expect(pages).toBe(1);
      const text = pdfPages(path).join('\n');
      expect(text).toContain('Our proposal');
      expect(text).toContain('Why it fits');
      expect(text).toContain('Next step');
      const all = squeezed(path);
      const n = office.assets.length;
      for (const tier of DEFAULT_PROPOSAL.tiers) {
        expect(all).toContain(squeeze(tier.name));
        expect(all).toContain(squeeze(formatMoney(tier.pricePerEndpointMonth, 'EUR')));
        expect(all).toContain(squeeze(formatMoney(tier.pricePerEndpointMonth * n, 'EUR')));
        for (const item of tier.includes) expect(all).toContain(squeeze(item));
      }
      expect(all).toContain(squeeze(`Monthly total for ${n} endpoints`));
      expect(all).toContain(squeeze(`${office.gaps.length} gaps to close`));
      expect(all).toContain(squeeze(DEFAULT_PROPOSAL.callToAction));
      expectInsideMargins(path);
    }
  );

  it.skipIf(!hasPoppler)(
    'prints contact details, other currencies and long, non-Latin names in both page sizes',
    async () => {
      const settings: ProposalSettings = {
        enabled: true,
        currency: 'USD',
        tiers: [
          {
            name: 'Βασικό πακέτο — Ελληνικά',
            pricePerEndpointMonth: 3.33,
            includes: ['Patching in 東京 office hours']
          },
          {
            name: 'Premium managed patching and monitoring with a very long tier name that must wrap',
            pricePerEndpointMonth: 1250.5,
            includes: []
          }
        ],
        contact: { name: 'Μαρία Παπαδοπούλου', email: 'maria@example.com', phone: '+30 210 000 0000' },
        callToAction: 'Call us this week.'
      };
      const many = { ...office, assets: Array.from({ length: 1000 }, () => office.assets).flat() };
      const c = buildProposal(many, settings, 'Brightline IT')!;
      for (const pageSize of ['A4', 'Letter'] as const) {
        const { path, missingGlyphs } = await render(c, pageSize);
        expect(missingGlyphs).toEqual([]);
        const all = squeezed(path);
        expect(all).toContain(squeeze('Βασικό πακέτο — Ελληνικά'));
        expect(all).toContain('東京');
        expect(all).toContain(squeeze(formatMoney(3.33 * many.assets.length, 'USD')));
        expect(all).toContain('$2,501,000.00');
        expect(all).toContain(squeeze('Μαρία Παπαδοπούλου'));
        expect(all).toContain(squeeze('Email: maria@example.com'));
        expect(all).toContain(squeeze('Phone: +30 210 000 0000'));
        expectInsideMargins(path, pageSize);
      }
    }
  );

  it('says the client is up to date when there is nothing to fix', () => {
    const clean = {
      ...office,
      gaps: [],
      totals: { ...office.totals, kevGaps: 0, endOfLife: 0, unknown: 0 }
    };
    const c = buildProposal(clean, DEFAULT_PROPOSAL, 'Brightline IT')!;
    expect(c.fit.text).toContain('up to date today');
  });
});
