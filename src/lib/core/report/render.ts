import type { PDFImage, PDFPage, RGB } from 'pdf-lib';
import { pageLabel, type ReportContent, type Span, type Tone } from './content';
import type { PageFlow } from './flow';
import { drawTable, type Cell, type TableColumn, type TableLayout } from './table';
import { baselineOffset, lineHeight, type TextStyle, type Typesetter } from './text';
import { SPACE, TYPE, type Palette } from './theme';

/** Everything a section needs to draw. */
export interface RenderContext {
  flow: PageFlow;
  ts: Typesetter;
  palette: Palette;
  /** The MSP's logo, embedded once and drawn on the cover and in the running header. */
  logo?: PDFImage;
  /** The technician's photos by id, each embedded once. */
  photos?: ReadonlyMap<string, PDFImage>;
}

/** The logo's size scaled to fit a box, keeping its proportions. */
export function fitLogo(
  logo: PDFImage,
  maxWidth: number,
  maxHeight: number
): { width: number; height: number } {
  const scale = Math.min(maxWidth / logo.width, maxHeight / logo.height);
  return { width: logo.width * scale, height: logo.height * scale };
}

export function toneColor(palette: Palette, tone: Tone | undefined): RGB {
  switch (tone) {
    case undefined:
    case 'ink':
      return palette.ink;
    case 'muted':
      return palette.muted;
    case 'accent':
      return palette.accent;
    case 'good':
      return palette.good;
    case 'behind':
      return palette.behind;
    case 'unknown':
      return palette.unknown;
    default:
      return palette.severity[tone];
  }
}

/** A text style from size, colour, weight and leading: the one way every section builds its styles. */
export const textStyle = (size: number, color: RGB, bold = false, leading?: number): TextStyle => ({
  size,
  weight: bold ? 'bold' : 'regular',
  color,
  leading
});

/**
 * About 70 characters of DejaVu Sans, so lead prose stays in DESIGN.md's 60–80 character measure; small print
 * may run to 80 % of the page so it does not look marooned beside full-width tables.
 */
const proseWidth = (ctx: RenderContext, s: TextStyle): number =>
  Math.min(ctx.flow.width, Math.max(s.size * 38, ctx.flow.width * 0.8));

const style = textStyle;

/** Draws a wrapped paragraph at the flow's cursor (within the prose measure), breaking pages between lines. */
export function drawParagraph(ctx: RenderContext, text: string, s: TextStyle, indent = 0): void {
  const { flow, ts } = ctx;
  const width = proseWidth(ctx, s) - indent;
  const x = flow.left + indent;
  const lh = lineHeight(s);
  for (const line of ts.wrap(text, s, width)) {
    flow.ensure(lh);
    ts.draw(flow.page, line, x, flow.y - baselineOffset(s), s);
    flow.advance(lh);
  }
}

/**
 * A section heading (level 1: accent with a rule under it; level 2: bold ink): keeps itself together with `keepWith`
 * points of what follows.
 */
export function drawHeading(ctx: RenderContext, text: string, level: 1 | 2, keepWith = 0): void {
  const { flow, ts, palette } = ctx;
  const s =
    level === 1 ? style(TYPE.heading, palette.accent, true, 1.25) : style(TYPE.lead, palette.ink, true, 1.3);
  const lines = ts.wrap(text, s, flow.width);
  const height = lines.length * lineHeight(s) + (level === 1 ? SPACE(4) : SPACE(1));
  flow.ensure(height + keepWith);
  flow.advance(ts.drawLines(flow.page, lines, flow.left, flow.y, s));
  if (level === 1) {
    flow.advance(SPACE(1));
    flow.page.drawLine({
      start: { x: flow.left, y: flow.y },
      end: { x: flow.right, y: flow.y },
      thickness: 0.6,
      color: palette.hairline
    });
    flow.advance(SPACE(3));
  } else {
    flow.advance(SPACE(1));
  }
}

export function drawCover(ctx: RenderContext, cover: ReportContent['cover']): void {
  const { flow, ts, palette } = ctx;
  const page = flow.newPage();
  const { left, width } = flow;
  const g = flow.geometry;

  let eyebrowY = flow.top - TYPE.body;
  if (ctx.logo) {
    // The logo at the top left, at most 60 × 22 mm; the MSP's name below it.
    const size = fitLogo(ctx.logo, SPACE(42), SPACE(16));
    page.drawImage(ctx.logo, { x: left, y: flow.top - size.height, ...size });
    eyebrowY = flow.top - size.height - SPACE(3) - TYPE.body;
  }
  ts.draw(
    page,
    ts.ellipsize(cover.eyebrow, style(TYPE.body, palette.accent, true), width),
    left,
    eyebrowY,
    style(TYPE.body, palette.accent, true)
  );

  // The title block sits a little above the middle of the page.
  let y = g.height * 0.64;
  page.drawRectangle({ x: left, y, width: SPACE(12), height: 3, color: palette.accent });
  y -= SPACE(4);
  const title = style(TYPE.display, palette.accent, true, 1.15);
  y -= ts.drawLines(page, ts.wrap(cover.title, title, width, 2), left, y, title);
  y -= SPACE(2);
  const client = style(TYPE.title, palette.ink, true, 1.2);
  y -= ts.drawLines(page, ts.wrap(cover.client, client, width, 3), left, y, client);
  if (cover.site) {
    const site = style(TYPE.lead, palette.muted, false, 1.35);
    y -= ts.drawLines(page, ts.wrap(cover.site, site, width, 2), left, y, site);
  }

  y -= SPACE(8);
  page.drawLine({
    start: { x: left, y },
    end: { x: left + width, y },
    thickness: 0.6,
    color: palette.hairline
  });
  y -= SPACE(3);
  const labelStyle = style(TYPE.small, palette.muted, false, 1.45);
  const valueStyle = style(TYPE.body, palette.ink, false, 1.3);
  const labelWidth = SPACE(30);
  for (const detail of cover.details) {
    const lines = ts.wrap(detail.value, valueStyle, width - labelWidth, 2);
    ts.drawLines(page, [detail.label], left, y, labelStyle);
    y -= Math.max(lineHeight(labelStyle), ts.drawLines(page, lines, left + labelWidth, y, valueStyle));
    y -= SPACE(1);
  }

  // The confidentiality note rests on the footer band.
  const note = style(TYPE.small, palette.ink, false, 1.45);
  const pad = SPACE(3);
  const noteLines = ts.wrap(cover.confidentiality, note, width - 2 * pad - 3, 5);
  const noteHeight = noteLines.length * lineHeight(note) + 2 * pad;
  const noteBottom = flow.bottom + SPACE(2);
  page.drawRectangle({ x: left, y: noteBottom, width, height: noteHeight, color: palette.accentTint });
  page.drawRectangle({ x: left, y: noteBottom, width: 3, height: noteHeight, color: palette.accent });
  ts.drawLines(page, noteLines, left + pad + 3, noteBottom + noteHeight - pad, note);
}

export function drawSummary(ctx: RenderContext, summary: ReportContent['summary']): void {
  const { flow, ts, palette } = ctx;
  flow.newPage();
  drawHeading(ctx, summary.heading, 1);
  summary.paragraphs.forEach((text, i) => {
    if (i > 0) flow.advance(SPACE(2));
    drawParagraph(ctx, text, style(TYPE.lead, palette.ink, false, 1.45));
  });

  if (summary.figures.length > 0) {
    flow.advance(SPACE(5));
    drawFigures(ctx, summary.figures);
  }

  const findings = summary.findings;
  if (findings.bars.length > 0 || findings.note) {
    flow.advance(SPACE(6));
    drawHeading(ctx, findings.heading, 2, SPACE(16));
    if (findings.bars.length > 0) drawBars(ctx, findings.bars);
    if (findings.note) {
      flow.advance(SPACE(1));
      drawParagraph(ctx, findings.note, style(TYPE.small, palette.muted, false, 1.4));
    }
  }

  if (summary.legend.items.length > 0) {
    flow.advance(SPACE(6));
    drawHeading(ctx, summary.legend.heading, 2, SPACE(10));
    const termStyle = style(TYPE.small, palette.ink, true, 1.4);
    const textStyle = style(TYPE.small, palette.ink, false, 1.4);
    const termWidth = SPACE(26);
    for (const item of summary.legend.items) {
      const term = { ...termStyle, color: toneColor(palette, item.tone) };
      const termLines = ts.wrap(item.term, term, termWidth - SPACE(2));
      const textLines = ts.wrap(item.text, textStyle, flow.width - termWidth);
      const height = Math.max(termLines.length, textLines.length) * lineHeight(textStyle);
      flow.ensure(height);
      ts.drawLines(flow.page, termLines, flow.left, flow.y, term);
      ts.drawLines(flow.page, textLines, flow.left + termWidth, flow.y, textStyle);
      flow.advance(height + SPACE(1));
    }
  }
}

/** Key numbers as tiles, three to a row: a rule in the tile's colour, the label, the number, a caption. */
function drawFigures(ctx: RenderContext, figures: ReportContent['summary']['figures']): void {
  const { flow, ts, palette } = ctx;
  const columns = 3;
  const gap = SPACE(4);
  const tileWidth = (flow.width - gap * (columns - 1)) / columns;
  const label = style(TYPE.small, palette.muted, true, 1.3);
  const value = style(TYPE.title, palette.ink, true, 1.15);
  const caption = style(TYPE.caption, palette.muted, false, 1.35);
  for (let start = 0; start < figures.length; start += columns) {
    const row = figures.slice(start, start + columns);
    const laid = row.map((f) => ({
      f,
      label: ts.wrap(f.label, label, tileWidth),
      caption: ts.wrap(f.caption, caption, tileWidth)
    }));
    const height =
      SPACE(2) +
      Math.max(...laid.map((t) => t.label.length)) * lineHeight(label) +
      lineHeight(value) +
      Math.max(...laid.map((t) => t.caption.length)) * lineHeight(caption) +
      SPACE(4);
    flow.ensure(height);
    laid.forEach((tile, i) => {
      const x = flow.left + i * (tileWidth + gap);
      const color = toneColor(palette, tile.f.tone);
      const page = flow.page;
      page.drawRectangle({ x, y: flow.y - 2, width: tileWidth, height: 2, color });
      let y = flow.y - SPACE(2);
      y -= ts.drawLines(page, tile.label, x, y, label);
      const valueText = ts.ellipsize(tile.f.value, value, tileWidth);
      y -= ts.drawLines(page, [valueText], x, y, {
        ...value,
        color: tile.f.tone === 'accent' ? palette.ink : color
      });
      ts.drawLines(page, tile.caption, x, y, caption);
    });
    flow.advance(height);
  }
}

/** Horizontal bars labelled directly: label, bar in the severity colour, count at the bar's end. */
function drawBars(ctx: RenderContext, bars: ReportContent['summary']['findings']['bars']): void {
  const { flow, ts, palette } = ctx;
  const label = style(TYPE.body, palette.ink, false, 1.3);
  const valueStyle = style(TYPE.body, palette.ink, true, 1.3);
  const labelWidth = SPACE(22);
  const valueRoom = SPACE(14);
  const barMax = Math.min(flow.width - labelWidth - valueRoom, SPACE(80));
  const max = Math.max(1, ...bars.map((b) => b.count));
  const rowHeight = SPACE(5);
  for (const bar of bars) {
    flow.ensure(rowHeight);
    const page = flow.page;
    const color = palette.severity[bar.severity];
    const mid = flow.y - rowHeight / 2;
    page.drawRectangle({ x: flow.left, y: mid - 3.5, width: 7, height: 7, color });
    ts.draw(page, bar.label, flow.left + 12, mid - (TYPE.body * 0.729) / 2, label);
    const length = bar.count > 0 ? Math.max(2, (bar.count / max) * barMax) : 0;
    if (length > 0) {
      page.drawRectangle({ x: flow.left + labelWidth, y: mid - 5, width: length, height: 10, color });
    } else {
      page.drawLine({
        start: { x: flow.left + labelWidth, y: mid - 5 },
        end: { x: flow.left + labelWidth, y: mid + 5 },
        thickness: 0.6,
        color: palette.hairline
      });
    }
    ts.draw(page, bar.value, flow.left + labelWidth + length + SPACE(2), mid - (TYPE.body * 0.729) / 2, {
      ...valueStyle,
      color: bar.count > 0 ? color : palette.muted
    });
    flow.advance(rowHeight);
  }
}

export function drawAssets(
  ctx: RenderContext,
  assets: ReportContent['assets'],
  onRow: (index: number) => void
): TableLayout | undefined {
  const { flow, palette } = ctx;
  if (assets.empty !== undefined) {
    flow.advance(SPACE(6));
    drawHeading(ctx, assets.heading, 1, SPACE(8));
    drawParagraph(ctx, assets.empty, style(TYPE.body, palette.ink, false, 1.45));
    return undefined;
  }
  flow.newPage();
  drawHeading(ctx, assets.heading, 1);
  drawParagraph(ctx, assets.intro, style(TYPE.small, palette.muted, false, 1.45));
  flow.advance(SPACE(4));

  const columns: TableColumn[] = assets.columns.map((column) => {
    switch (column.kind) {
      case 'host':
        return { header: column.header, width: { flex: 1.15, min: SPACE(18) } };
      case 'os':
        return { header: column.header, width: { flex: 1.05, min: SPACE(18) } };
      case 'update':
        return { header: column.header, width: { flex: 1.25, min: SPACE(18) } };
      case 'months':
        return { header: column.header, width: { fit: true, max: SPACE(16) }, align: 'right' };
      default:
        return {
          header: column.header,
          width: { fit: true, max: SPACE(14) },
          align: 'right',
          headerColor: palette.severity[column.kind]
        };
    }
  });
  const body = style(TYPE.small, palette.ink, false, 1.3);
  const rows: Cell[][] = assets.rows.map((row) =>
    row.map((cell) => cell.map((span: Span) => toCellSpan(palette, span)))
  );
  return drawTable(flow, ctx.ts, {
    columns,
    rows,
    style: {
      body,
      header: style(TYPE.caption, palette.ink, true, 1.25),
      paddingX: SPACE(1),
      paddingY: SPACE(1),
      zebra: palette.zebra,
      rule: palette.hairline,
      headerRule: palette.ink
    },
    onRow
  });
}

function toCellSpan(palette: Palette, span: Span): Cell[number] {
  return {
    text: span.text,
    color: toneColor(palette, span.tone),
    weight: span.bold ? 'bold' : 'regular',
    size: span.small ? TYPE.caption : undefined
  };
}

/** Running header (from page 2) and footer (every page), once the page count is known. */
export function drawPageChrome(ctx: RenderContext, content: ReportContent, pages: readonly PDFPage[]): void {
  const { flow, ts, palette } = ctx;
  const g = flow.geometry;
  const small = style(TYPE.caption, palette.muted, false);
  const strong = style(TYPE.caption, palette.muted, true);
  const brand = style(TYPE.caption, palette.accent, true);
  const third = flow.width / 3;
  pages.forEach((page, i) => {
    if (i > 0) {
      const y = g.height - g.marginTop - TYPE.caption;
      let x = flow.left;
      if (ctx.logo) {
        const size = fitLogo(ctx.logo, SPACE(20), TYPE.caption * 1.8);
        page.drawImage(ctx.logo, { x, y: y - TYPE.caption * 0.35, ...size });
        x += size.width + SPACE(2);
      }
      ts.draw(page, ts.ellipsize(content.running.left, brand, third * 1.5 - (x - flow.left)), x, y, brand);
      ts.draw(page, content.running.right, flow.left, y, small, 'right', flow.width);
      page.drawLine({
        start: { x: flow.left, y: y - SPACE(2) },
        end: { x: flow.right, y: y - SPACE(2) },
        thickness: 0.4,
        color: palette.hairline
      });
    }
    const y = g.marginBottom;
    page.drawLine({
      start: { x: flow.left, y: y + SPACE(4) },
      end: { x: flow.right, y: y + SPACE(4) },
      thickness: 0.4,
      color: palette.hairline
    });
    ts.draw(page, ts.ellipsize(content.footer.left, small, third - SPACE(2)), flow.left, y, small);
    ts.draw(page, content.footer.center, flow.left + third, y, strong, 'center', third);
    ts.draw(
      page,
      pageLabel(content.footer.pageLabel, i + 1, pages.length),
      flow.left,
      y,
      small,
      'right',
      flow.width
    );
  });
}
