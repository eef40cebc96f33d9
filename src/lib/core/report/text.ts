import bidiFactory from 'bidi-js';
import type { PDFPage, RGB } from 'pdf-lib';
import { cleanText, inCjkBlock, type FontSet, type FontWeight, type Run } from './fonts';

export interface TextStyle {
  size: number;
  weight: FontWeight;
  color: RGB;
  /** Line height as a multiple of the size; 1.3 when absent. */
  leading?: number;
}

export type Align = 'left' | 'right' | 'center';

const DEFAULT_LEADING = 1.3;
/** DejaVu Sans cap height (1493/2048 em): used to centre a line of text in its line box. */
const CAP_HEIGHT = 0.729;
/** Wrapping measures with sums; this absorbs floating-point noise so a line that fits is not pushed down. */
const EPSILON = 0.01;

/** Characters after which a word too long for its line may be broken (host names, paths, versions). */
const SOFT_BREAK_AFTER = new Set(['-', '_', '.', '/', '\\', ':', ',', ';', '@', '|', ')', ']']);

/** A character plus any combining marks that follow it: never split apart. */
const GRAPHEME = /\P{M}\p{M}*/gu;

export function lineHeight(style: TextStyle): number {
  return style.size * (style.leading ?? DEFAULT_LEADING);
}

/** Distance from the top of a line box down to the baseline, so capitals sit centred in the box. */
export function baselineOffset(style: TextStyle): number {
  return (lineHeight(style) + CAP_HEIGHT * style.size) / 2;
}

/** Collapses runs of white space to one space and trims: what the report draws for any data string. */
export function normalizeSpace(text: string): string {
  return cleanText(text).replace(/\s+/gu, ' ').trim();
}

/**
 * Measures, wraps and draws text with per-run fonts. Widths are cached per weight and string at size 1,
 * so a host name or a label is laid out by fontkit once however often it is measured.
 */
export class Typesetter {
  private readonly unitWidths = new Map<string, number>();
  private readonly runCache = new Map<string, Run[]>();

  constructor(readonly fonts: FontSet) {}

  /** Runs of a normalised string, cached. */
  runs(text: string, weight: FontWeight): Run[] {
    const key = `${weight}\u0000${text}`;
    let runs = this.runCache.get(key);
    if (!runs) {
      runs = this.fonts.runs(text, weight);
      this.runCache.set(key, runs);
    }
    return runs;
  }

  /** Width in points of a normalised single-line string. */
  width(text: string, style: Pick<TextStyle, 'size' | 'weight'>): number {
    const key = `${style.weight}\u0000${text}`;
    let unit = this.unitWidths.get(key);
    if (unit === undefined) {
      unit = 0;
      for (const run of this.runs(text, style.weight)) {
        unit += this.fonts.font(run.face).widthOfTextAtSize(run.text, 1);
      }
      this.unitWidths.set(key, unit);
    }
    return unit * style.size;
  }

  /**
   * Breaks text into lines no wider than `maxWidth`: at spaces first; a word longer than a whole line is broken
   * after punctuation such as "-" or "." when that keeps a fair part of the line, else between characters.
   * Returns at least one line ("" for empty text). With `maxLines`, what does not fit ends in "…".
   */
  wrap(
    text: string,
    style: Pick<TextStyle, 'size' | 'weight'>,
    maxWidth: number,
    maxLines = Infinity
  ): string[] {
    const clean = normalizeSpace(text);
    if (clean === '') return [''];
    const limit = maxWidth + EPSILON;
    const space = this.width(' ', style);
    const lines: string[] = [];
    let line = '';
    let lineWidth = 0;
    for (const word of clean.split(' ')) {
      const w = this.width(word, style);
      if (line !== '' && lineWidth + space + w <= limit) {
        line += ` ${word}`;
        lineWidth += space + w;
        continue;
      }
      if (line !== '') lines.push(line);
      if (w <= limit) {
        line = word;
        lineWidth = w;
      } else {
        const pieces = this.breakWord(word, style, limit);
        line = pieces.pop() ?? '';
        lines.push(...pieces);
        lineWidth = this.width(line, style);
      }
    }
    lines.push(line);
    if (lines.length <= maxLines) return lines;
    const kept = lines.slice(0, Math.max(1, maxLines));
    const last = kept.length - 1;
    kept[last] = this.ellipsize(`${kept[last] ?? ''}…`, style, maxWidth);
    return kept;
  }

  private breakWord(word: string, style: Pick<TextStyle, 'size' | 'weight'>, limit: number): string[] {
    const graphemes = word.match(GRAPHEME) ?? [word];
    const pieces: string[] = [];
    let start = 0;
    let width = 0;
    /** Index just after the last soft break in the current piece, and the piece's width up to it. */
    let soft = -1;
    let softWidth = 0;
    for (let i = 0; i < graphemes.length; i++) {
      const g = graphemes[i] ?? '';
      const w = this.width(g, style);
      if (width + w > limit && i > start) {
        const cut = soft > start && softWidth >= limit * 0.4 ? soft : i;
        pieces.push(graphemes.slice(start, cut).join(''));
        width = cut === i ? 0 : width - softWidth;
        start = cut;
        soft = -1;
      }
      width += w;
      const cp = g.codePointAt(0) ?? 0;
      if (SOFT_BREAK_AFTER.has(g) || inCjkBlock(cp)) {
        soft = i + 1;
        softWidth = width;
      }
    }
    pieces.push(graphemes.slice(start).join(''));
    return pieces;
  }

  /** Shortens a single line with "…" so it fits `maxWidth`. */
  ellipsize(text: string, style: Pick<TextStyle, 'size' | 'weight'>, maxWidth: number): string {
    const clean = normalizeSpace(text);
    if (this.width(clean, style) <= maxWidth + EPSILON) return clean;
    const graphemes = clean.match(GRAPHEME) ?? [];
    let lo = 0;
    let hi = graphemes.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const candidate = `${graphemes.slice(0, mid).join('').trimEnd()}…`;
      if (this.width(candidate, style) <= maxWidth + EPSILON) lo = mid;
      else hi = mid - 1;
    }
    return `${graphemes.slice(0, lo).join('').trimEnd()}…`;
  }

  /**
   * Draws one line with its baseline at `y`. With `align` right or center, `x` and `boxWidth` give the box the
   * line is aligned in. Returns the drawn width.
   */
  draw(
    page: PDFPage,
    text: string,
    x: number,
    y: number,
    style: TextStyle,
    align: Align = 'left',
    boxWidth = 0
  ): number {
    const clean = normalizeSpace(text);
    if (clean === '') return 0;
    const total = this.width(clean, style);
    let cx = align === 'right' ? x + boxWidth - total : align === 'center' ? x + (boxWidth - total) / 2 : x;
    for (const segment of visualSegments(clean)) {
      for (const run of this.runs(segment, style.weight)) {
        const font = this.fonts.font(run.face);
        page.drawText(run.text, { x: cx, y, size: style.size, font, color: style.color });
        cx += this.width(run.text, style);
      }
    }
    return total;
  }

  /**
   * Draws wrapped lines from `top` (the top of the first line box) downwards and returns the height used.
   */
  drawLines(
    page: PDFPage,
    lines: readonly string[],
    x: number,
    top: number,
    style: TextStyle,
    align: Align = 'left',
    boxWidth = 0
  ): number {
    const lh = lineHeight(style);
    const offset = baselineOffset(style);
    lines.forEach((line, i) => this.draw(page, line, x, top - i * lh - offset, style, align, boxWidth));
    return lines.length * lh;
  }
}

const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
let bidi: ReturnType<typeof bidiFactory> | undefined;

/**
 * A left-to-right line with right-to-left text in it ("Praxis مكتب الأسنان 12 GmbH"), cut into runs of one
 * embedding level (Unicode Bidirectional Algorithm, via bidi-js) and put in visual order (rule L2). Each run is drawn
 * as it is: the font engine shapes a right-to-left run and lays its glyphs out right to left itself, so only the
 * order of the runs changes here. Lines without right-to-left letters are one segment, unchanged.
 */
export function visualSegments(text: string): string[] {
  if (!RTL.test(text)) return [text];
  bidi ??= bidiFactory();
  const { levels } = bidi.getEmbeddingLevels(text, 'ltr');
  const runs: { text: string; level: number }[] = [];
  for (let i = 0; i < text.length;) {
    const level = levels[i]!;
    let j = i + 1;
    while (j < text.length && levels[j] === level) j++;
    runs.push({ text: text.slice(i, j), level });
    i = j;
  }
  // L2: from the highest level down to the lowest odd level, reverse every sequence of runs at that level or higher.
  const highest = Math.max(...runs.map((r) => r.level));
  const lowestOdd = Math.min(...runs.map((r) => (r.level % 2 === 1 ? r.level : Infinity)));
  for (let level = highest; level >= lowestOdd && Number.isFinite(lowestOdd); level--) {
    for (let i = 0; i < runs.length;) {
      if (runs[i]!.level < level) {
        i++;
        continue;
      }
      let j = i;
      while (j < runs.length && runs[j]!.level >= level) j++;
      runs.splice(i, j - i, ...runs.slice(i, j).reverse());
      i = j;
    }
  }
  return runs.map((r) => r.text);
}
