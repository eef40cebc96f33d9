import fontkit from '@pdf-lib/fontkit';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef } from 'pdf-lib';
import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AssetResult } from '../../../../src/lib/core/model';
import { buildReport, findMissingGlyphs, SUBSTITUTE } from '../../../../src/lib/core/report';
import { FontSet } from '../../../../src/lib/core/report/fonts';
import { PageFlow } from '../../../../src/lib/core/report/flow';
import { drawTable } from '../../../../src/lib/core/report/table';
import { Typesetter } from '../../../../src/lib/core/report/text';
import { createPalette, MM, PAGE_SIZES, pageGeometry, TYPE } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfPages, pdfWords, reportFonts, run, writePdf } from './report-tools';
import {
  asset,
  behind,
  engagement,
  manyAssets,
  reportInput,
  results,
  sampleAssets,
  unknown
} from './sample-results';

const popplerReason = 'pdftotext (poppler-utils) is not installed';
const hasPoppler = hasTool('pdftotext');
const hasPdffonts = hasTool('pdffonts');
const hasQpdf = hasTool('qpdf', '--version');
if (!hasPoppler) console.warn(`[report tests] ${popplerReason}: text checks on the PDF are skipped.`);
if (!hasQpdf) console.warn('[report tests] qpdf is not installed: the structure check is skipped.');

/** All page text with white space removed, in drawing order: wrapped cell text joins back up. */
const squeezed = (path: string): string => pdfPages(path, '-raw').join('').replace(/\s+/g, '');

const LONG_HOST =
  'RADIOLOGIE-BILDARCHIV-ARBEITSPLATZ-UNTERGESCHOSS-RAUM-0047-SEHR-LANGER-NAME.praxis-mueller.local';
const UNBROKEN_HOST = 'X'.repeat(90);

describe('assessment report', () => {
  describe('sample engagement', () => {
    let path: string;
    let pageCount: number;

    beforeAll(async () => {
      const out = await buildReport(reportInput(), reportFonts());
      path = writePdf(out.bytes, 'sample');
      pageCount = out.pageCount;
    });

    it.skipIf(!hasPoppler)('renders the client name and every asset (pdftotext)', () => {
      const pages = pdfPages(path);
      expect(pages).toHaveLength(pageCount);
      const text = pages.join('\n').replace(/\s+/g, ' ');
      expect(pages[0]).toContain('Patch assessment');
      expect(pages[0]).toContain('Zahnarztpraxis Müller');
      expect(pages[0]).toContain('Hauptstraße 12');
      expect(pages[0]).toContain('14 March 2025');
      expect(pages[0]).toContain('Jonas Weber');
      expect(pages[0]).toContain('Prepared by');
      expect(pages[0]).toContain('Confidential');
      expect(text).toContain('2 of 5 Windows computers are missing Windows security updates');
      expect(text).toContain('the furthest behind is missing 11 months of updates');
      expect(text).toContain('For 1 Windows computer the data cannot tell');
      expect(text).toContain('KB5053606');
      expect(text).toContain('Unknown — systeminfo lists no cumulative update');
      const all = squeezed(path);
      for (const a of sampleAssets()) expect(all).toContain(a.asset.hostname);
      pages.forEach((page, i) => {
        expect(page).toContain('Zahnarztpraxis Müller');
        expect(page).toContain(`Page ${i + 1} of ${pageCount}`);
      });
    });

    it.skipIf(!hasQpdf)('opens in qpdf --check', () => {
      const { status, stdout, stderr } = run('qpdf', ['--check', path]);
      expect(stderr).toBe('');
      expect(stdout).toContain('No syntax or stream encoding errors');
      expect(status).toBe(0);
    });
  });

  it('is byte-identical for the same input and timestamp', async () => {
    const first = await buildReport(reportInput(), reportFonts());
    // Fresh font arrays too: nothing may depend on caches or object identity.
    const second = await buildReport(reportInput(), reportFonts());
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);

    const doc = await PDFDocument.load(first.bytes, { updateMetadata: false });
    expect(doc.getCreationDate()?.toISOString()).toBe('2025-03-14T16:30:00.000Z');
    expect(doc.getModificationDate()?.toISOString()).toBe('2025-03-14T16:30:00.000Z');
    expect(doc.getTitle()).toBe('Patch assessment — Zahnarztpraxis Müller');
    expect(doc.getAuthor()).toBe('Brightline IT Services GmbH');
    expect(doc.getCreator()).toBe('Patchfield');
    expect(doc.getSubject()).toContain('Zahnarztpraxis Müller');
    expect(doc.context.trailerInfo.ID).toBeUndefined();

    const later = await buildReport(reportInput({ generatedAt: '2025-03-15T08:00:00.000Z' }), reportFonts());
    expect(Buffer.from(later.bytes).equals(Buffer.from(first.bytes))).toBe(false);
  });

  it('draws Latin, Greek, Cyrillic and CJK names without missing glyphs', async () => {
    const fonts = reportFonts();
    const assets = [
      asset({
        ...hostOf('ΑΘΗΝΑ-Γραφείο'),
        windows: behind(19045, 4291, 'KB5053606', 5608, '2025-03-11', 11, 'Windows 10 22H2')
      }),
      asset({ ...hostOf('Москва-01'), windows: unknown(19045, 'Нет данных об обновлениях.') }),
      asset({
        ...hostOf('東京-受付'),
        windows: behind(22631, 4890, 'KB5053602', 5039, '2025-03-11', 3, 'Windows 11 23H2')
      })
    ];
    const out = await buildReport(
      reportInput({
        engagement: engagement({
          clientName: '東京 歯科クリニック',
          site: 'Москва · Ελληνικά',
          contact: 'Zahnarztpraxis Müller'
        }),
        results: results(assets)
      }),
      fonts
    );
    expect(out.missingGlyphs).toEqual([]);
    expect(out.usedCjkFont).toBe(true);
    expect(fonts.cjkLoads).toBe(1);

    const path = writePdf(out.bytes, 'scripts');
    if (hasPoppler) {
      const text = pdfPages(path).join('\n').replace(/\s+/g, ' ');
      for (const name of [
        '東京 歯科クリニック',
        'Москва · Ελληνικά',
        'Zahnarztpraxis Müller',
        'Нет данных'
      ]) {
        expect(text).toContain(name);
      }
      const all = squeezed(path);
      for (const host of ['ΑΘΗΝΑ-Γραφείο', 'Москва-01', '東京-受付']) expect(all).toContain(host);
    }
    if (hasPdffonts) {
      const fontsList = run('pdffonts', [path]).stdout;
      expect(fontsList).toMatch(/\+NotoSansSC/);
      expect(fontsList).toMatch(/\+DejaVuSans /);
    }
  });

  it('embeds CJK glyphs with their outlines (fontkit subset padding)', async () => {
    const out = await buildReport(
      reportInput({ engagement: engagement({ clientName: '東京 歯科クリニック 東京都港区' }) }),
      reportFonts()
    );
    const doc = await PDFDocument.load(out.bytes);
    const subsets = embeddedFonts(doc);
    const cjk = subsets.find((f) => f.name.includes('NotoSansSC'));
    expect(cjk).toBeDefined();
    const font = fontkit.create(cjk?.bytes ?? new Uint8Array());
    // .notdef, then one glyph per distinct character drawn: each must decode to a real outline.
    expect(font.numGlyphs).toBeGreaterThan(8);
    for (let id = 1; id < font.numGlyphs; id++) {
      expect(font.getGlyph(id).path.toSVG(), `glyph ${id}`).not.toBe('');
    }
  });

  it('does not load the CJK font for Latin-only reports', async () => {
    const fonts = reportFonts();
    const out = await buildReport(reportInput(), fonts);
    expect(fonts.cjkLoads).toBe(0);
    expect(out.usedCjkFont).toBe(false);
    expect(out.missingGlyphs).toEqual([]);
    if (hasPdffonts) {
      const fontsList = run('pdffonts', [writePdf(out.bytes, 'latin')]).stdout;
      expect(fontsList).not.toMatch(/Noto/);
      expect(fontsList).toMatch(/PFAAAA\+DejaVuSans\s/);
      expect(fontsList).toMatch(/PFAAAB\+DejaVuSans-Bold/);
    }
  });

  it('reports characters no font can draw', async () => {
    const fonts = reportFonts();
    const assets = [asset({ ...hostOf('서울-지사-PC'), windows: unknown(19045, 'No data.') })];
    const out = await buildReport(
      reportInput({ engagement: engagement({ site: 'Filiale 🦷 Seoul' }), results: results(assets) }),
      fonts
    );
    // Each once, in the order the pages meet them: the site on the cover, then the host in the table.
    expect(out.missingGlyphs).toEqual(['🦷', '서', '울', '지', '사']);
    // Hangul syllables are outside the blocks the CJK font covers, so it is not even loaded.
    expect(fonts.cjkLoads).toBe(0);
    if (hasPoppler) {
      const all = squeezed(writePdf(out.bytes, 'missing'));
      expect(all).toContain(`${SUBSTITUTE.repeat(2)}-${SUBSTITUTE.repeat(2)}-PC`);
      expect(all).toContain(`Filiale${SUBSTITUTE}Seoul`);
    }

    const helperFonts = reportFonts();
    expect(await findMissingGlyphs('Zahnarztpraxis Müller', helperFonts)).toEqual([]);
    expect(helperFonts.cjkLoads).toBe(0);
    expect(await findMissingGlyphs('서울 東京 Ελληνικά', helperFonts)).toEqual(['서', '울']);
    expect(helperFonts.cjkLoads).toBe(1);
  });

  it.skipIf(!hasPoppler)('repeats the table header on every page of a long asset table', async () => {
    const progress: [number, number][] = [];
    const out = await buildReport(
      reportInput({ results: results(manyAssets(300)) }),
      reportFonts(),
      (done, total) => progress.push([done, total])
    );
    const path = writePdf(out.bytes, 'long');
    const pages = pdfPages(path);
    // The asset table: from its first page up to the methodology section that follows it.
    const start = pages.findIndex((p) => p.includes('Operating system'));
    const end = pages.findIndex((p, i) => i > start && p.includes('Scope, methodology and data'));
    const tablePages = pages.slice(start, end);
    expect(start).toBeGreaterThan(0);
    expect(tablePages.length).toBeGreaterThan(5);
    for (const [i, page] of tablePages.entries()) {
      expect(page.match(/Operating system/g), `page ${start + i + 1}`).toHaveLength(1);
      expect(page.match(/Months/g), `page ${start + i + 1}`).toHaveLength(1);
    }
    const all = squeezed(path);
    for (const a of manyAssets(300)) expect(all).toContain(a.asset.hostname);

    // Progress: starts at 0, only grows, ends complete, and is reported while rows are laid out.
    const total = progress[0]?.[1] ?? 0;
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]?.[0]).toBeGreaterThan(progress[i - 1]?.[0] ?? 0);
    expect(progress.length).toBeGreaterThan(50);
  });

  it('wraps long host names inside the cell', async () => {
    const long: AssetResult[] = [
      asset({
        hostname: LONG_HOST,
        ip: '10.0.0.47',
        os: {
          family: 'windows',
          name: 'Microsoft Windows Server 2022 Datacenter: Azure Edition Hotpatch with an unusually long product name',
          build: 20348,
          revision: 3328,
          productType: 'server'
        },
        windows: behind(20348, 3328, 'KB5053603', 3328, '2025-03-11', 4, 'Windows Server 2022'),
        findings: { critical: 12345, high: 2 }
      }),
      asset({ hostname: UNBROKEN_HOST, os: { family: 'linux', name: 'Debian GNU/Linux 12 (bookworm)' } }),
      ...sampleAssets()
    ];
    const out = await buildReport(reportInput({ results: results(long), pageSize: 'Letter' }), reportFonts());
    const path = writePdf(out.bytes, 'wrap');

    // The layout model: every line of every cell stays inside the table.
    const doc = await PDFDocument.create();
    const ts = new Typesetter(await FontSet.embed(doc, reportFonts()));
    const flow = new PageFlow(doc, pageGeometry('Letter'));
    const palette = createPalette();
    const body = { size: TYPE.small, weight: 'regular' as const, color: palette.ink };
    const layout = drawTable(flow, ts, {
      columns: [
        { header: 'Host', width: { flex: 1 } },
        { header: 'Operating system', width: { flex: 1 } },
        { header: 'Count', width: { fit: true }, align: 'right' }
      ],
      rows: long.map((a) => [
        [{ text: a.asset.hostname }],
        [{ text: a.asset.os.name ?? '' }],
        [{ text: '12345' }]
      ]),
      style: {
        body,
        header: { ...body, weight: 'bold' },
        paddingX: 4,
        paddingY: 4,
        zebra: palette.zebra,
        rule: palette.hairline,
        headerRule: palette.ink
      }
    });
    expect(layout.maxTextRight).toBeLessThanOrEqual(flow.right + 0.01);
    const hostWidth = (layout.columnWidths[0] ?? 0) - 8;
    for (const line of ts.wrap(LONG_HOST, body, hostWidth)) {
      expect(ts.width(line, body)).toBeLessThanOrEqual(hostWidth + 0.01);
    }
    expect(ts.wrap(LONG_HOST, body, hostWidth).join('')).toBe(LONG_HOST);
    expect(ts.wrap(UNBROKEN_HOST, body, hostWidth).length).toBeGreaterThan(1);

    if (hasPoppler) {
      // The PDF itself: no word drawn past the right margin, and the host names are all there.
      const { words, pageWidths } = pdfWords(path);
      expect(words.length).toBeGreaterThan(100);
      const margin = 18 * MM;
      for (const word of words) {
        expect(word.xMax, `"${word.text}" on page ${word.page + 1}`).toBeLessThanOrEqual(
          (pageWidths[word.page] ?? 0) - margin + 0.5
        );
        expect(word.xMin).toBeGreaterThanOrEqual(margin - 0.5);
      }
      const all = squeezed(path);
      expect(all).toContain(LONG_HOST);
      expect(all).toContain(UNBROKEN_HOST);
    }
  });

  it('cuts a row taller than a page with an ellipsis instead of overflowing', async () => {
    const huge = 'SEGMENT-'.repeat(700);
    const assets = [asset({ ...hostOf(huge), windows: unknown(19045, 'No data.') }), ...sampleAssets()];
    const input = reportInput({
      engagement: engagement({ clientName: `Praxis ${'Müller '.repeat(80)}`, site: 'Freiburg '.repeat(60) }),
      results: results(assets)
    });
    const out = await buildReport(input, reportFonts());
    if (hasPoppler) {
      const path = writePdf(out.bytes, 'huge');
      // The asset table keeps the huge row on one page, cut with an ellipsis.
      const pages = pdfPages(path, '-raw');
      const start = pages.findIndex((p) => p.includes('Operating system'));
      const end = pages.findIndex((p, i) => i > start && p.includes('Scope, methodology and data'));
      expect(end - start).toBeLessThanOrEqual(3);
      const { words, pageWidths } = pdfWords(path);
      for (const word of words) {
        expect(word.xMax).toBeLessThanOrEqual((pageWidths[word.page] ?? 0) - 18 * MM + 0.5);
      }
      expect(squeezed(path)).toContain('SEGMENT-SEGMENT-');
      expect(squeezed(path)).toContain('…');
    }
  });

  it('uses A4 and Letter page sizes', async () => {
    for (const pageSize of ['A4', 'Letter'] as const) {
      const out = await buildReport(
        reportInput({ pageSize, results: results(manyAssets(40)) }),
        reportFonts()
      );
      const doc = await PDFDocument.load(out.bytes);
      expect(doc.getPageCount()).toBe(out.pageCount);
      const [width, height] = PAGE_SIZES[pageSize];
      for (const page of doc.getPages()) {
        expect(page.getWidth()).toBeCloseTo(width, 2);
        expect(page.getHeight()).toBeCloseTo(height, 2);
      }
    }
  });

  it('says so when there are no assets', async () => {
    const out = await buildReport(reportInput({ results: results([]) }), reportFonts());
    if (hasPoppler) {
      const pages = pdfPages(writePdf(out.bytes, 'empty'));
      const assets = pages.find((p) => p.includes('No assets were imported yet.'))!;
      expect(assets).toBeDefined();
      expect(assets).not.toContain('Operating system');
      expect(pages.join('\n')).not.toContain('0 of 0');
    }
  });

  it('rejects a timestamp that is not ISO', async () => {
    await expect(buildReport(reportInput({ generatedAt: 'yesterday' }), reportFonts())).rejects.toThrow(
      /ISO timestamp/
    );
  });
});

function hostOf(hostname: string): Pick<Parameters<typeof asset>[0], 'hostname' | 'os'> {
  return {
    hostname,
    os: {
      family: 'windows',
      name: 'Microsoft Windows 10 Pro',
      build: 19045,
      revision: 4291,
      productType: 'client'
    }
  };
}

/** The embedded font programs (FontFile2) of a PDF, by font name. */
function embeddedFonts(doc: PDFDocument): { name: string; bytes: Uint8Array }[] {
  const found: { name: string; bytes: Uint8Array }[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of('Type')) !== PDFName.of('FontDescriptor'))
      continue;
    const ref = object.get(PDFName.of('FontFile2'));
    const stream = ref instanceof PDFRef ? doc.context.lookup(ref) : undefined;
    if (!(stream instanceof PDFRawStream)) continue;
    const name = object.get(PDFName.of('FontName'))?.toString() ?? '';
    const filter = stream.dict.get(PDFName.of('Filter'));
    const raw = stream.getContents();
    found.push({ name, bytes: filter ? new Uint8Array(inflateSync(raw)) : raw });
  }
  return found;
}
