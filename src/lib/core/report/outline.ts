import {
  PDFArray,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  type PDFDocument,
  type PDFPage,
  type PDFRef
} from 'pdf-lib';
import type { RenderContext } from './render';
import { lineHeight, type TextStyle } from './text';
import { SPACE, TYPE } from './theme';

/**
 * Navigation for the report: PDF bookmarks (/Outlines) and a clickable "Contents" page.
 *
 * Page numbers are known only once everything is drawn, so the contents page is reserved first and filled last:
 *
 * ```ts
 * const titles = ['Summary', 'Top risks', 'Appendix: machine by machine', 'Glossary'];
 * drawCover(ctx, content.cover);
 * const tocPages = reserveTableOfContents(ctx, titles);   // blank page(s) right after the cover
 * const entries: TocEntry[] = [];
 * const mark = (title: string) => entries.push({ title, pageIndex: ctx.flow.pages.length });
 * mark('Summary'); drawSummary(ctx, …);                   // each section starts a new page: that page's index
 * mark('Glossary'); drawGlossary(ctx, …);
 * drawTableOfContents(ctx, doc, tocPages, entries);       // titles, dotted leaders, page numbers, /Link annots
 * addOutline(doc, entries);                               // bookmarks, and the viewer opens with them shown
 * drawPageChrome(ctx, content, ctx.flow.pages);           // page N of M counts the contents page too
 * ```
 *
 * `pageIndex` is zero-based in the document; the printed number is `pageIndex + 1`, as in "page N of M".
 * All object numbers come from the document's own counter, so the same report gives the same bytes.
 */

export interface TocEntry {
  title: string;
  /** Zero-based index of the section's first page in the document. */
  pageIndex: number;
  /** Where on that page the section starts (PDF points from the bottom); the page top when absent. */
  y?: number;
}

/** A clickable line of the contents page, in PDF points (lower-left x, y and upper-right x, y). */
export interface TocLink {
  pageIndex: number;
  rect: [number, number, number, number];
}

/** `[page /XYZ null top null]`: open the page scrolled to `top`, keeping the reader's zoom. */
function destination(doc: PDFDocument, entry: TocEntry): PDFArray {
  const page = doc.getPage(entry.pageIndex);
  const top = entry.y ?? page.getHeight();
  return doc.context.obj([page.ref, PDFName.of('XYZ'), PDFNull, PDFNumber.of(top), PDFNull]);
}

function checkEntries(doc: PDFDocument, entries: readonly TocEntry[]): void {
  const count = doc.getPageCount();
  for (const entry of entries) {
    if (!Number.isInteger(entry.pageIndex) || entry.pageIndex < 0 || entry.pageIndex >= count) {
      throw new RangeError(
        `Outline entry "${entry.title}" points at page index ${entry.pageIndex}, but the document has ` +
          `${count} pages: record the index after the section's page is added.`
      );
    }
  }
}

/**
 * Writes the document outline: one top-level bookmark per entry, in order, with titles in UTF-16 (so
 * "Übersicht" or "東京" show as written), and sets /PageMode /UseOutlines so viewers open with them shown.
 * Replaces any outline the document had. No entries: nothing is written.
 */
export function addOutline(doc: PDFDocument, entries: readonly TocEntry[]): void {
  if (entries.length === 0) return;
  checkEntries(doc, entries);
  const { context } = doc;
  const outlinesRef = context.nextRef();
  const refs: PDFRef[] = entries.map(() => context.nextRef());
  entries.forEach((entry, i) => {
    const item = context.obj({
      Title: PDFHexString.fromText(entry.title),
      Parent: outlinesRef,
      Dest: destination(doc, entry)
    });
    const prev = refs[i - 1];
    const next = refs[i + 1];
    if (prev) item.set(PDFName.of('Prev'), prev);
    if (next) item.set(PDFName.of('Next'), next);
    context.assign(refs[i]!, item);
  });
  context.assign(
    outlinesRef,
    context.obj({
      Type: 'Outlines',
      First: refs[0]!,
      Last: refs[refs.length - 1]!,
      Count: entries.length
    })
  );
  doc.catalog.set(PDFName.of('Outlines'), outlinesRef);
  doc.catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}

const style = (size: number, color: TextStyle['color'], bold = false, leading?: number): TextStyle => ({
  size,
  weight: bold ? 'bold' : 'regular',
  color,
  leading
});

interface TocLayout {
  heading: TextStyle;
  entry: TextStyle;
  /** Room on the right for the page number. */
  numberWidth: number;
  /** Vertical space of one entry's line box, and between entries. */
  gap: number;
}

function tocLayout(ctx: RenderContext): TocLayout {
  const { palette } = ctx;
  return {
    heading: style(TYPE.heading, palette.accent, true, 1.25),
    entry: style(TYPE.lead, palette.ink, false, 1.35),
    numberWidth: SPACE(12),
    gap: SPACE(3)
  };
}

/** Height of the "Contents" heading block: heading, rule and the space under it. */
function headingHeight(layout: TocLayout): number {
  return lineHeight(layout.heading) + SPACE(4);
}

function entryLines(ctx: RenderContext, layout: TocLayout, title: string): string[] {
  return ctx.ts.wrap(title, layout.entry, ctx.flow.width - layout.numberWidth - SPACE(4), 3);
}

/**
 * Adds as many blank pages as the contents need for these titles (one for any ordinary report) at the flow's
 * position, and returns them for drawTableOfContents. Call it where the contents belong, before the sections.
 */
export function reserveTableOfContents(ctx: RenderContext, titles: readonly string[]): PDFPage[] {
  const { flow } = ctx;
  const layout = tocLayout(ctx);
  const pages: PDFPage[] = [flow.newPage()];
  let room = flow.bodyHeight - headingHeight(layout);
  for (const title of titles) {
    const height = entryLines(ctx, layout, title).length * lineHeight(layout.entry) + layout.gap;
    if (height > room) {
      pages.push(flow.newPage());
      room = flow.bodyHeight;
    }
    room -= height;
  }
  return pages;
}

/**
 * Fills the reserved contents pages: "Contents", then each title with a dotted leader to its page number, and
 * makes each line a link to its section (a /Link annotation with a /GoTo destination). The titles must fit the
 * pages reserveTableOfContents gave for the same titles. Returns the clickable rectangles.
 */
export function drawTableOfContents(
  ctx: RenderContext,
  doc: PDFDocument,
  pages: readonly PDFPage[],
  entries: readonly TocEntry[]
): TocLink[] {
  checkEntries(doc, entries);
  const { flow, ts, palette } = ctx;
  const layout = tocLayout(ctx);
  const links: TocLink[] = [];
  const left = flow.left;
  const right = flow.right;
  const numberLeft = right - layout.numberWidth;
  let p = 0;
  let page = pages[0];
  if (!page)
    throw new RangeError('No page was reserved for the contents: call reserveTableOfContents first.');
  let y = flow.top;

  // Heading, as the report's other level-1 headings.
  y -= ts.drawLines(page, ['Contents'], left, y, layout.heading);
  y -= SPACE(1);
  page.drawLine({ start: { x: left, y }, end: { x: right, y }, thickness: 0.6, color: palette.hairline });
  y -= SPACE(3);

  const lh = lineHeight(layout.entry);
  const numberStyle = { ...layout.entry, weight: 'bold' as const };
  for (const entry of entries) {
    const lines = entryLines(ctx, layout, entry.title);
    const height = lines.length * lh;
    if (y - height < flow.bottom) {
      page = pages[++p];
      if (!page) {
        throw new RangeError(
          'The contents do not fit the reserved pages: reserve them with the same titles that are drawn.'
        );
      }
      y = flow.top;
    }
    const top = y;
    ts.drawLines(page, lines, left, top, layout.entry);
    // Page number and leader sit on the entry's last line.
    const lastTop = top - (lines.length - 1) * lh;
    const baseline = lastTop - (lh + 0.729 * layout.entry.size) / 2;
    const label = String(entry.pageIndex + 1);
    ts.draw(page, label, numberLeft, baseline, numberStyle, 'right', layout.numberWidth);
    const textEnd = left + ts.width(lines[lines.length - 1] ?? '', layout.entry) + SPACE(2);
    const numberStart = right - ts.width(label, numberStyle) - SPACE(2);
    if (numberStart - textEnd > SPACE(2)) {
      page.drawLine({
        start: { x: textEnd, y: baseline + 1 },
        end: { x: numberStart, y: baseline + 1 },
        thickness: 0.7,
        color: palette.muted,
        dashArray: [0.7, 3.3]
      });
    }
    const rect: TocLink['rect'] = [left, top - height - 2, right, top + 2];
    addLink(doc, page, rect, entry);
    links.push({ pageIndex: doc.getPages().indexOf(page), rect });
    y -= height + layout.gap;
  }
  return links;
}

/** A borderless /Link annotation on `page` that jumps to the entry's page. */
function addLink(doc: PDFDocument, page: PDFPage, rect: TocLink['rect'], entry: TocEntry): void {
  const { context } = doc;
  const annot = context.obj({
    Type: 'Annot',
    Subtype: 'Link',
    Rect: rect.map((n) => PDFNumber.of(Math.round(n * 100) / 100)),
    Border: [0, 0, 0],
    Contents: PDFHexString.fromText(entry.title),
    Dest: destination(doc, entry)
  });
  page.node.addAnnot(context.register(annot));
}

/** Every string the contents page draws besides page numbers, for font preparation. */
export function textOfTableOfContents(titles: readonly string[]): string[] {
  return ['Contents', ...titles];
}
