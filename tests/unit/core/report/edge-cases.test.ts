import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/lib/core/report';
import { hasTool, pdfPages, reportFonts, writePdf } from './report-tools';
import { engagement } from './sample-results';
import { officeResults } from './section-harness';

describe('report edge cases', () => {
  it('an engagement with one asset builds every section without missing glyphs', async () => {
    const full = officeResults('2026-11-24', {}, false);
    const one = full.assets[0]!;
    const results = {
      ...full,
      assets: [one],
      gaps: full.gaps.filter((g) => g.assetId === one.asset.id),
      waves: [],
      misses: []
    };
    const out = await buildReport(
      {
        engagement: engagement({ clientName: 'مكتب الأسنان 東京 Ελληνικά' }),
        results,
        mspName: 'Brightline IT Services GmbH',
        generatedAt: '2026-11-24T10:00:00.000Z',
        pageSize: 'Letter'
      },
      reportFonts()
    );
    expect(out.missingGlyphs).toEqual([]);
    expect(out.pageCount).toBeGreaterThan(5);
    if (hasTool('pdftotext')) {
      const text = pdfPages(writePdf(out.bytes, 'one-asset')).join('\n');
      expect(text).toContain(one.asset.hostname);
      expect(text).toContain('Executive summary');
      expect(text).not.toContain('Our proposal');
    }
  });
});
