import type { PDFPage, RGB } from 'pdf-lib';
import type { FontWeight } from './fonts';
import type { PageFlow } from './flow';
import {
  baselineOffset,
  lineHeight,
  normalizeSpace,
  type Align,
  type TextStyle,
  type Typesetter
} from './text';

/** One paragraph of a cell; a cell stacks its spans, each wrapped to the column. */
export interface CellSpan {
  text: string;
  weight?: FontWeight;
  color?: RGB;
  size?: number;
}

export type Cell = readonly CellSpan[];

/**
 * How wide a column is: a fixed width in points; `fit`, as wide as its widest unwrapped content or header word;
 * or a `flex` share of what is left, never below `min`.
 */
export type ColumnWidth = number | { fit: true; max?: number } | { flex: number; min?: number };

export interface TableColumn {
  header: string;
  width: ColumnWidth;
  align?: Align;
  headerColor?: RGB;
}

export interface TableStyle {
  body: TextStyle;
  header: TextStyle;
  paddingX: number;
  paddingY: number;
  zebra: RGB | undefined;
  rule: RGB;
  headerRule: RGB;
}

export interface TableSpec {
  columns: readonly TableColumn[];
  rows: readonly Cell[][];
  style: TableStyle;
  /** Called after each row is drawn, with the row's index. */
  onRow?: (index: number) => void;
}

/** What the table did, for callers and tests: where text ended up. */
export interface TableLayout {
  columnWidths: number[];
  /** The right-most point any cell text reached; never beyond the table's right edge. */
  maxTextRight: number;
  /** Pages the table was drawn on (1 for a table that fits on one). */
  pageCount: number;
  /** How many rows had text cut with "…" because a single row was taller than a page. */
  truncatedRows: number;
}

interface LaidLine {
  text: string;
  style: TextStyle;
}

interface LaidRow {
  cells: LaidLine[][];
  height: number;
}

/** Resolves column widths so they add up to `total`. */
export function resolveColumnWidths(
  ts: Typesetter,
  columns: readonly TableColumn[],
  rows: readonly Cell[][],
  style: TableStyle,
  total: number
): number[] {
  const widths = columns.map((column, c) => {
    const w = column.width;
    if (typeof w === 'number') return w;
    if (!('fit' in w)) return 0;
    let widest = 0;
    for (const word of normalizeSpace(column.header).split(' ')) {
      widest = Math.max(widest, ts.width(word, style.header));
    }
    for (const row of rows) {
      for (const span of row[c] ?? []) {
        widest = Math.max(widest, ts.width(normalizeSpace(span.text), spanStyle(span, style.body)));
      }
    }
    const fit = Math.ceil(widest + 2 * style.paddingX);
    return w.max !== undefined ? Math.min(fit, w.max) : fit;
  });
  const used = widths.reduce((sum, w) => sum + w, 0);
  const flexes = columns.map((column) =>
    typeof column.width === 'object' && 'flex' in column.width ? column.width : undefined
  );
  const totalFlex = flexes.reduce((sum, f) => sum + (f?.flex ?? 0), 0);
  let left = Math.max(0, total - used);
  // Columns whose share falls below their minimum take the minimum; the rest share what remains.
  const fixedMin = new Set<number>();
  for (let pass = 0; pass < columns.length; pass++) {
    let flexLeft = 0;
    flexes.forEach((f, c) => {
      if (f && !fixedMin.has(c)) flexLeft += f.flex;
    });
    let changed = false;
    flexes.forEach((f, c) => {
      if (!f || fixedMin.has(c)) return;
      const share = (left * f.flex) / flexLeft;
      if (f.min !== undefined && share < f.min) {
        fixedMin.add(c);
        widths[c] = f.min;
        left -= f.min;
        changed = true;
      }
    });
    if (!changed) break;
  }
  let flexLeft = 0;
  flexes.forEach((f, c) => {
    if (f && !fixedMin.has(c)) flexLeft += f.flex;
  });
  flexes.forEach((f, c) => {
    if (f && !fixedMin.has(c)) widths[c] = totalFlex > 0 ? (Math.max(0, left) * f.flex) / flexLeft : 0;
  });
  return widths;
}

function spanStyle(span: CellSpan, base: TextStyle): TextStyle {
  return {
    ...base,
    weight: span.weight ?? base.weight,
    color: span.color ?? base.color,
    size: span.size ?? base.size
  };
}

/**
 * Draws a table into the flow: rows never split, a row that does not fit starts a new page, and every page the
 * table reaches starts with the header row again. Cell text wraps inside its column and never crosses it.
 */
export function drawTable(flow: PageFlow, ts: Typesetter, spec: TableSpec): TableLayout {
  const { columns, rows, style } = spec;
  const widths = resolveColumnWidths(ts, columns, rows, style, flow.width);
  const lefts: number[] = [];
  widths.reduce((x, w, c) => ((lefts[c] = x), x + w), flow.left);
  const inner = widths.map((w) => Math.max(1, w - 2 * style.paddingX));
  const layout: TableLayout = {
    columnWidths: widths,
    maxTextRight: flow.left,
    pageCount: 0,
    truncatedRows: 0
  };

  const header = layoutRow(
    ts,
    columns.map((column) => [{ text: column.header, color: column.headerColor }]),
    inner,
    style,
    style.header
  );
  const maxRowHeight = flow.bodyHeight - header.height;

  const drawLine = (page: PDFPage, line: LaidLine, c: number, top: number): void => {
    const align = columns[c]?.align ?? 'left';
    const x = (lefts[c] ?? 0) + style.paddingX;
    const width = ts.draw(page, line.text, x, top - baselineOffset(line.style), line.style, align, inner[c]);
    const right = align === 'right' ? x + (inner[c] ?? 0) : x + width;
    layout.maxTextRight = Math.max(layout.maxTextRight, right);
  };

  const drawRow = (row: LaidRow, fill: RGB | undefined): void => {
    const page = flow.page;
    const top = flow.y;
    if (fill) {
      page.drawRectangle({
        x: flow.left,
        y: top - row.height,
        width: flow.width,
        height: row.height,
        color: fill
      });
    }
    row.cells.forEach((lines, c) => {
      let y = top - style.paddingY;
      for (const line of lines) {
        drawLine(page, line, c, y);
        y -= lineHeight(line.style);
      }
    });
    flow.advance(row.height);
  };

  const drawHeader = (): void => {
    drawRow(header, undefined);
    const y = flow.y;
    flow.page.drawLine({
      start: { x: flow.left, y },
      end: { x: flow.right, y },
      thickness: 0.8,
      color: style.headerRule
    });
    layout.pageCount++;
  };

  const closeTable = (): void => {
    flow.page.drawLine({
      start: { x: flow.left, y: flow.y },
      end: { x: flow.right, y: flow.y },
      thickness: 0.4,
      color: style.rule
    });
  };

  let headerDrawn = false;
  rows.forEach((cells, index) => {
    let row = layoutRow(ts, cells, inner, style, style.body);
    if (row.height > maxRowHeight) {
      row = capRow(ts, row, inner, style, maxRowHeight);
      layout.truncatedRows++;
    }
    if (!headerDrawn) {
      flow.ensure(header.height + row.height);
      drawHeader();
      headerDrawn = true;
    } else if (row.height > flow.remaining) {
      closeTable();
      flow.newPage();
      drawHeader();
    }
    drawRow(row, index % 2 === 1 ? style.zebra : undefined);
    spec.onRow?.(index);
  });
  if (headerDrawn) closeTable();
  return layout;
}

function layoutRow(
  ts: Typesetter,
  cells: readonly Cell[],
  inner: number[],
  style: TableStyle,
  base: TextStyle
): LaidRow {
  let height = 0;
  const laid = cells.map((cell, c) => {
    const lines: LaidLine[] = [];
    for (const span of cell) {
      const s = spanStyle(span, base);
      for (const text of ts.wrap(span.text, s, inner[c] ?? 0)) lines.push({ text, style: s });
    }
    height = Math.max(
      height,
      lines.reduce((sum, line) => sum + lineHeight(line.style), 0)
    );
    return lines;
  });
  return { cells: laid, height: height + 2 * style.paddingY };
}

/** Keeps what fits of a row taller than a page and marks the cut with "…". */
function capRow(
  ts: Typesetter,
  row: LaidRow,
  inner: number[],
  style: TableStyle,
  maxHeight: number
): LaidRow {
  const room = maxHeight - 2 * style.paddingY;
  const cells = row.cells.map((lines, c) => {
    const kept: LaidLine[] = [];
    let used = 0;
    for (const line of lines) {
      if (used + lineHeight(line.style) > room) {
        const last = kept.pop();
        if (last) kept.push({ ...last, text: ts.ellipsize(`${last.text}…`, last.style, inner[c] ?? 0) });
        break;
      }
      kept.push(line);
      used += lineHeight(line.style);
    }
    return kept;
  });
  return { cells, height: maxHeight };
}
