import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addOutline,
  drawTableOfContents,
  reserveTableOfContents,
  textOfTableOfContents,
  type TocEntry,
  type TocLink
} from '../../../../src/lib/core/report/outline';
import {
  buildAppendix,
  drawAppendix,
  textOfAppendix
} from '../../../../src/lib/core/report/sections/appendix';
import {
  buildGlossary,
  drawGlossary,
  textOfGlossary
} from '../../../../src/lib/core/report/sections/glossary';
import { TYPE } from '../../../../src/lib/core/report/theme';
import { hasTool, pdfPages, run, writePdf } from './report-tools';
import { officeResults, renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');
const hasQpdf = hasTool('qpdf', '--version');

const TITLES = ['Übersicht der Ergebnisse', 'Appendix: machine by machine', 'Glossary', '東京 office'];

function text(value: unknown): string {
  if (value instanceof PDFHexString || value instanceof PDFString) return value.decodeText();
  throw new Error(`not a string: ${String(value)}`);
}

/** Builds a small report in the documented order: cover, reserved contents, sections, contents, outline. */
async function buildSample(): Promise<{ bytes: Uint8Array; entries: TocEntry[]; links: TocLink[] }> {
  const appendix = buildAppendix(officeResults());
  const glossary = buildGlossary();
  const entries: TocEntry[] = [];
  let links: TocLink[] = [];
  const out = await renderSection(
    (ctx, doc) => {
      const { flow, ts, palette } = ctx;
      flow.newPage(); // the cover
      const tocPages = reserveTableOfContents(ctx, TITLES);
      const mark = (title: string): void => {
        entries.push({ title, pageIndex: flow.pages.length });
      };
      mark(TITLES[0]!);
      flow.newPage();
      ts.draw(flow.page, TITLES[0]!, flow.left, flow.top - TYPE.heading, {
        size: TYPE.heading,
        weight: 'bold',
        color: palette.accent
      });
      mark(TITLES[1]!);
      drawAppendix(ctx, appendix);
      mark(TITLES[2]!);
      drawGlossary(ctx, glossary);
      // A section that starts part-way down a page: the bookmark points at its heading.
      entries.push({ title: TITLES[3]!, pageIndex: flow.pages.length - 1, y: flow.y });
      ts.draw(flow.page, TITLES[3]!, flow.left, flow.y - TYPE.body, {
        size: TYPE.body,
        weight: 'regular',
        color: palette.ink
      });
      links = drawTableOfContents(ctx, doc, tocPages, entries);
      addOutline(doc, entries);
    },
    [...TITLES, ...textOfTableOfContents(TITLES), ...textOfAppendix(appendix), ...textOfGlossary(glossary)]
  );
  expect(out.missingGlyphs).toEqual([]);
  return { bytes: out.bytes, entries, links };
}

describe('outline and contents page', () => {
  let bytes: Uint8Array;
  let entries: TocEntry[];
  let links: TocLink[];
  let path: string;

  beforeAll(async () => {
    ({ bytes, entries, links } = await buildSample());
    path = writePdf(bytes, 'outline');
  });

  it('writes one bookmark per section with UTF-16 titles, each pointing at its page', async () => {
    const doc = await PDFDocument.load(bytes);
    const catalog = doc.catalog;
    expect(catalog.get(PDFName.of('PageMode'))).toBe(PDFName.of('UseOutlines'));
    const outlines = catalog.lookup(PDFName.of('Outlines'), PDFDict);
    expect(outlines.lookup(PDFName.of('Count'), PDFNumber).asNumber()).toBe(TITLES.length);
    const pages = doc.getPages();
    const titles: string[] = [];
    let item = outlines.lookupMaybe(PDFName.of('First'), PDFDict);
    let previous: PDFDict | undefined;
    while (item) {
      titles.push(text(item.lookup(PDFName.of('Title'))));
      expect(item.lookup(PDFName.of('Title'))).toBeInstanceOf(PDFHexString);
      const dest = item.lookup(PDFName.of('Dest'), PDFArray);
      const entry = entries[titles.length - 1]!;
      expect(dest.get(0)).toBe(pages[entry.pageIndex]!.ref);
      expect(dest.get(1)).toBe(PDFName.of('XYZ'));
      const top = dest.lookup(3, PDFNumber).asNumber();
      expect(top).toBeCloseTo(entry.y ?? pages[entry.pageIndex]!.getHeight(), 3);
      if (previous) expect(item.lookup(PDFName.of('Prev'))).toBe(previous);
      previous = item;
      item = item.lookupMaybe(PDFName.of('Next'), PDFDict);
    }
    expect(titles).toEqual(TITLES);
    expect(outlines.lookup(PDFName.of('Last'))).toBe(previous);
  });

  it.skipIf(!hasQpdf)('passes qpdf --check, and qpdf lists the outline with its German title', () => {
    const check = run('qpdf', ['--check', path]);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const json = run('qpdf', ['--json', '--json-key=outlines', path]);
    expect(json.status).toBe(0);
    const outlines = (JSON.parse(json.stdout) as { outlines: { title: string; destpageposfrom1: number }[] })
      .outlines;
    expect(outlines.map((o) => o.title)).toEqual(TITLES);
    expect(outlines.map((o) => o.destpageposfrom1)).toEqual(entries.map((e) => e.pageIndex + 1));
  });

  it('links each contents line to its section page', async () => {
    const doc = await PDFDocument.load(bytes);
    const pages = doc.getPages();
    const toc = pages[1]!;
    const annots = toc.node.Annots();
    expect(annots?.size()).toBe(TITLES.length);
    const targets: number[] = [];
    for (let i = 0; i < (annots?.size() ?? 0); i++) {
      const annot = annots!.lookup(i, PDFDict);
      expect(annot.get(PDFName.of('Subtype'))).toBe(PDFName.of('Link'));
      const dest = annot.lookup(PDFName.of('Dest'), PDFArray);
      const ref = dest.get(0);
      expect(ref).toBeInstanceOf(PDFRef);
      targets.push(pages.findIndex((p) => p.ref === ref));
      const rect = annot.lookup(PDFName.of('Rect'), PDFArray).asRectangle();
      expect(rect.x).toBeGreaterThan(0);
      expect(rect.x + rect.width).toBeLessThanOrEqual(toc.getWidth());
    }
    expect(targets).toEqual(entries.map((e) => e.pageIndex));
    expect(links.map((l) => l.pageIndex)).toEqual(TITLES.map(() => 1));
    // The rectangles run down the page, one per line, without overlapping.
    for (let i = 1; i < links.length; i++)
      expect(links[i]!.rect[3]).toBeLessThanOrEqual(links[i - 1]!.rect[1]);
  });

  it.skipIf(!hasPoppler)('draws "Contents" with each title and its printed page number', () => {
    const toc = pdfPages(path, '-layout')[1]!;
    expect(toc).toContain('Contents');
    for (const entry of entries) {
      const line = toc.split('\n').find((l) => l.includes(entry.title.split(' ')[0]!));
      expect(line, entry.title).toBeDefined();
      expect(line!.trim().endsWith(String(entry.pageIndex + 1)), line).toBe(true);
    }
  });

  it('reserves a second contents page only when the titles need it', async () => {
    const many = Array.from({ length: 80 }, (_, i) => `Section ${i + 1}`);
    await renderSection((ctx, doc) => {
      const reserved = reserveTableOfContents(ctx, many);
      expect(reserved.length).toBeGreaterThan(1);
      for (let i = 0; i < 3; i++) ctx.flow.newPage();
      const drawn = drawTableOfContents(
        ctx,
        doc,
        reserved,
        many.map((title, i) => ({ title, pageIndex: reserved.length + (i % 3) }))
      );
      expect(new Set(drawn.map((l) => l.pageIndex)).size).toBe(reserved.length);
    }, textOfTableOfContents(many));
  });

  it('refuses an entry that points past the last page, saying what to do', async () => {
    const doc = await PDFDocument.create();
    doc.addPage();
    expect(() => addOutline(doc, [{ title: 'Glossary', pageIndex: 3 }])).toThrow(/record the index/);
  });
});
