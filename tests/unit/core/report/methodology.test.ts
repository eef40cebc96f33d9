import { beforeAll, describe, expect, it } from 'vitest';
import type { EngagementResults } from '../../../../src/lib/core/model';
import { FORMAT_LABELS } from '../../../../src/lib/core/model';
import {
  buildMethodology,
  drawMethodology,
  textOfMethodology,
  type MethodologyContent
} from '../../../../src/lib/core/report/sections/methodology';
import { pageGeometry } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfPages, pdfWords, writePdf } from './report-tools';
import { officeResults, renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');
const squeeze = (text: string): string => text.replace(/\s+/g, '');
const squeezed = (path: string): string => squeeze(pdfPages(path, '-raw').join(''));

async function render(content: MethodologyContent, pageSize: 'A4' | 'Letter' = 'A4') {
  const out = await renderSection(
    (ctx) => drawMethodology(ctx, content),
    textOfMethodology(content),
    pageSize
  );
  return { path: writePdf(out.bytes, 'methodology'), pages: out.pages, missingGlyphs: out.missingGlyphs };
}

function expectInsideMargins(path: string, pageSize: 'A4' | 'Letter' = 'A4'): void {
  const g = pageGeometry(pageSize);
  for (const w of pdfWords(path).words) {
    expect(w.xMin, w.text).toBeGreaterThanOrEqual(g.marginX - 0.5);
    expect(w.xMax, w.text).toBeLessThanOrEqual(g.width - g.marginX + 0.5);
  }
}

describe('scope, methodology and data section', () => {
  let office: EngagementResults;

  beforeAll(() => {
    office = officeResults();
  });

  it.skipIf(!hasPoppler)('renders the files, coverage, reference data, policy and limitations', async () => {
    const c = buildMethodology(office);
    const { path, missingGlyphs } = await render(c);
    expect(missingGlyphs).toEqual([]);
    const text = pdfPages(path).join('\n');
    for (const heading of [
      'Scope, methodology and data',
      'Files imported',
      'Coverage',
      'Stale or partial data',
      'Reference data',
      'How due dates are set',
      'Limitations'
    ]) {
      expect(text).toContain(heading);
    }
    const all = squeezed(path);
    for (const file of office.files) {
      expect(all).toContain(squeeze(file.name));
      expect(all).toContain(squeeze(FORMAT_LABELS[file.format]));
    }
    for (const part of office.catalog) {
      expect(all).toContain(squeeze(part.source));
    }
    if (office.catalog.some((p) => p.part === 'kev')) {
      expect(all).toContain(squeeze('Known exploited vulnerabilities (CISA KEV)'));
    }
    if (office.freshness.some((f) => f.stale)) expect(all).toContain('Stale');
    expect(all).toContain(squeeze('Policy: Severity bands'));
    expect(all).toContain(squeeze('unknown, never as up to date'));
    expectInsideMargins(path);
  });

  it('counts assets by the number of files that saw them', () => {
    const c = buildMethodology(office);
    const total = c.coverage.rows.reduce((sum, row) => sum + Number(row[1]?.[0]?.text), 0);
    expect(total).toBe(office.assets.length);
    const inTwo = office.assets.filter(
      (a) => new Set(a.asset.sources.map((s) => s.fileId)).size === 2
    ).length;
    if (inTwo > 0)
      expect(c.coverage.rows.find((r) => r[0]?.[0]?.text === '2 files')?.[1]?.[0]?.text).toBe(String(inTwo));
  });

  it.skipIf(!hasPoppler)(
    'says so in one line when no catalog, no files and no assets were loaded',
    async () => {
      const empty: EngagementResults = {
        ...office,
        catalog: [],
        freshness: [],
        files: [],
        assets: [],
        gaps: [],
        problems: [],
        catalogMissing: []
      };
      const c = buildMethodology(empty);
      const { path, missingGlyphs } = await render(c);
      expect(missingGlyphs).toEqual([]);
      const text = pdfPages(path).join('\n').replace(/\s+/g, ' ');
      expect(text).toContain('No reference catalog was loaded, so update levels could not be checked');
      expect(text).toContain('No files were imported for this engagement.');
      expect(text).toContain('No assets were found in the imported files.');
    }
  );

  it.skipIf(!hasPoppler)(
    'lists unknown assets with the reason, and says BOD 26-04 is used as good practice',
    async () => {
      const unknownHost =
        'A-ΕΛΛΗΝΙΚΆ-東京-RADIOLOGIE-BILDARCHIV-ARBEITSPLATZ-UNTERGESCHOSS-RAUM-0047.praxis.local';
      const template = office.assets[0]!;
      const unknown = Array.from({ length: 40 }, (_, i) => ({
        ...template,
        asset: {
          ...template.asset,
          id: `u${i}`,
          hostname: i === 0 ? unknownHost : `PC-${String(i).padStart(3, '0')}`
        },
        status: 'unknown' as const,
        statusReason: 'systeminfo lists no cumulative update, so the installed revision cannot be told.'
      }));
      const results: EngagementResults = {
        ...office,
        assets: [...office.assets, ...unknown],
        settings: { ...office.settings, policy: 'cisa-bod-26-04' },
        catalogMissing: ['osv']
      };
      const c = buildMethodology(results);
      expect(c.unknown.rows).toHaveLength(30);
      expect(c.unknown.note).toBe('And 10 more, listed in the appendix.');
      for (const pageSize of ['A4', 'Letter'] as const) {
        const { path, missingGlyphs } = await render(c, pageSize);
        expect(missingGlyphs).toEqual([]);
        const all = squeezed(path);
        expect(all).toContain(squeeze(unknownHost));
        expect(all).toContain(squeeze('systeminfo lists no cumulative update'));
        expect(all).toContain(squeeze('And 10 more, listed in the appendix.'));
        expect(all).toContain(squeeze('Policy: CISA-recommended (BOD 26-04)'));
        expect(all).toContain(
          squeeze('It binds only those agencies; we use it here as recommended good practice.')
        );
        expect(all).toContain(squeeze('3 days, and a check for signs of compromise'));
        expect(all).toContain(squeeze('Reference data not loaded: Linux and package advisories (OSV)'));
        expectInsideMargins(path, pageSize);
      }
    }
  );
});
