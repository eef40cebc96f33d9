import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/lib/core/report';
import { fixture } from '../../shared';
import { hasTool, pdfPages, reportFonts, run, writePdf } from './report-tools';
import { engagement } from './sample-results';
import { officeResults } from './section-harness';

const JPEG = new Uint8Array(readFileSync(fixture('report', 'logo.jpg')));

async function reportWithPhotos(extra: { id: string; caption: string; bytes: Uint8Array }[] = []) {
  const results = officeResults('2026-11-24', {}, false);
  const machine = results.assets[0]!.asset;
  const out = await buildReport(
    {
      engagement: engagement({ visitDate: '2026-11-24' }),
      results,
      mspName: 'Brightline IT Services GmbH',
      generatedAt: '2026-11-24T10:00:00.000Z',
      pageSize: 'A4',
      photos: [
        { id: 'p1', caption: 'Server cabinet, door unlocked', bytes: JPEG },
        { id: 'p2', assetId: machine.id, caption: `Label on ${machine.hostname}`, bytes: JPEG },
        { id: 'p3', assetId: machine.id, caption: 'Second photo of the same machine', bytes: JPEG },
        ...extra
      ]
    },
    reportFonts()
  );
  return { out, machine };
}

describe('photos in the report', () => {
  it('visit photos go in the scope section and a machine’s photos under it in the appendix, with captions', async () => {
    const { out, machine } = await reportWithPhotos();
    expect(out.warnings).toEqual([]);
    if (!hasTool('pdftotext')) return;
    const path = writePdf(out.bytes, 'photos');
    const pages = pdfPages(path, '-raw');
    const scope = pages.findIndex((p) => p.includes('Photos from the visit'));
    const label = pages.findIndex((p) => p.includes(`Label on ${machine.hostname}`));
    expect(scope).toBeGreaterThan(0);
    expect(pages[scope]).toContain('Server cabinet, door unlocked');
    expect(label).toBeGreaterThan(scope);
    expect(pages.slice(label).join('\n')).toContain('Second photo of the same machine');
    if (hasTool('pdfimages')) {
      // One embedded image per photo, drawn on the pages where the captions are.
      const list = run('pdfimages', ['-list', path]).stdout.split('\n').slice(2).filter(Boolean);
      const onPage = (n: number) => list.filter((l) => Number(l.trim().split(/\s+/)[0]) === n).length;
      expect(onPage(scope + 1)).toBe(1);
      expect(list).toHaveLength(3);
    }
  });

  it('a photo that is not a JPEG is left out with a warning naming it; the report is still built', async () => {
    const { out } = await reportWithPhotos([
      { id: 'bad', caption: 'Broken photo', bytes: new TextEncoder().encode('not a picture') }
    ]);
    expect(out.warnings).toEqual([
      'A photo could not be read as JPEG and was left out (Broken photo). Take it again.'
    ]);
    expect(out.pageCount).toBeGreaterThan(5);
  });
});
