import { describe, expect, it } from 'vitest';
import { buildContent, referenceDataParagraph } from '../../../../src/lib/core/report/content';
import { reportInput, results } from './sample-results';

describe("the report's reference-data paragraph", () => {
  it('names each catalog part with its snapshot date and flags parts older than their threshold', () => {
    const r = {
      ...results(),
      catalog: [
        {
          part: 'kev',
          source: 'known_exploited_vulnerabilities.json',
          snapshotDate: '2025-01-02',
          records: 1300
        },
        { part: 'eol', source: 'products-frontmatter.json', snapshotDate: '2025-03-10', records: 1086 }
      ],
      freshness: [
        { part: 'kev', ageDays: 71, maxAgeDays: 7, stale: true },
        { part: 'eol', ageDays: 4, maxAgeDays: 30, stale: false }
      ]
    };
    const [text] = referenceDataParagraph(r);
    expect(text).toContain('CISA KEV of');
    expect(text).toContain('endoflife.date of');
    expect(text).toContain('Older than recommended on the assessment date: CISA KEV (71 days)');
    expect(text).not.toContain('endoflife.date (4 days)');
  });

  it('says update levels could not be checked when no catalog was loaded', () => {
    expect(referenceDataParagraph({ ...results(), catalog: [], freshness: [] })[0]).toContain(
      'No reference catalog was loaded'
    );
  });

  it('is part of the summary the PDF prints', () => {
    const content = buildContent(reportInput());
    expect(content.summary.paragraphs.at(-1)).toMatch(/^Reference data: Windows build table of/);
  });
});
