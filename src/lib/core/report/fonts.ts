import fontkit from '@pdf-lib/fontkit';
import type { PDFDocument, PDFFont } from 'pdf-lib';
import { reportFontkit } from './fontkit-fix';
import type { ReportFonts } from './types';

/** Which face a run of text is drawn with. */
export type FaceKey = 'regular' | 'bold' | 'cjk';
export type FontWeight = 'regular' | 'bold';

/** What fontkit gives us about a font: enough to ask whether it draws a code point. */
interface GlyphSource {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/** Drawn in place of a character no font has: visible, and unmistakably not part of the data. */
export const SUBSTITUTE = '\uFFFD';

/**
 * Unicode blocks where the CJK font (Noto Sans SC) has glyphs that DejaVu Sans lacks: CJK symbols and
 * punctuation, kana, Bopomofo, Hangul compatibility jamo, enclosed and compatibility forms, the unified
 * ideographs with their extensions, and full-width forms. This cheap test decides whether the 10 MB font is
 * worth loading; once loaded, its own character map decides. Hangul syllables are not here: the font has none.
 */
const CJK_BLOCKS: readonly (readonly [number, number])[] = [
  [0x2460, 0x24ff],
  [0x2e80, 0x9fff],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe6f],
  [0xff00, 0xffef],
  [0x1f100, 0x1f2ff],
  [0x20000, 0x3134f]
];

export function inCjkBlock(codePoint: number): boolean {
  for (const [from, to] of CJK_BLOCKS) {
    if (codePoint >= from && codePoint <= to) return true;
  }
  return false;
}

/**
 * Characters that draw nothing and need no glyph: soft hyphen, joiners, variation selectors, direction marks,
 * the BOM, tag characters. They are dropped rather than reported as missing.
 */
const IGNORABLE: readonly (readonly [number, number])[] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xe0000, 0xe0fff]
];

const isIgnorable = (cp: number): boolean => IGNORABLE.some(([from, to]) => cp >= from && cp <= to);
/** C0 and C1 controls (tabs and line breaks among them) and the Unicode line and paragraph separators. */
const isControl = (cp: number): boolean =>
  cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029;

/** Text as the report draws it: NFC (so "ü" is one precomposed glyph), controls as spaces, no invisible marks. */
export function cleanText(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const cp = char.codePointAt(0) ?? 0;
    if (isControl(cp)) out += ' ';
    else if (!isIgnorable(cp)) out += char;
  }
  return out;
}

/** One stretch of text drawn with one face. */
export interface Run {
  face: FaceKey;
  text: string;
}

/**
 * Splits text into runs by the first face that has each character: the weight's own DejaVu face, then the other
 * DejaVu face, then the CJK face. A character no face has becomes SUBSTITUTE and is passed to `onMissing`.
 */
function splitRuns(
  text: string,
  order: readonly FaceKey[],
  has: (face: FaceKey, codePoint: number) => boolean,
  onMissing: (char: string) => void
): Run[] {
  const runs: Run[] = [];
  let current: Run | undefined;
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    let face = order.find((key) => has(key, cp));
    let drawn = char;
    if (face === undefined) {
      onMissing(char);
      face = order[0] ?? 'regular';
      drawn = SUBSTITUTE;
    }
    if (current && current.face === face) {
      current.text += drawn;
    } else {
      current = { face, text: drawn };
      runs.push(current);
    }
  }
  return runs;
}

/** The faces in the order they are tried for a weight. */
function faceOrder(weight: FontWeight): FaceKey[] {
  return weight === 'bold' ? ['bold', 'regular', 'cjk'] : ['regular', 'bold', 'cjk'];
}

/** Memo of a face's coverage, code point by code point (fontkit's cmap lookup is not free). */
function coverageOf(source: GlyphSource): (codePoint: number) => boolean {
  const memo = new Map<number, boolean>();
  return (cp) => {
    let hit = memo.get(cp);
    if (hit === undefined) {
      hit = source.hasGlyphForCodePoint(cp);
      memo.set(cp, hit);
    }
    return hit;
  };
}

/**
 * The fonts of one report document: DejaVu Sans regular and bold embedded up front (subset), the CJK font
 * loaded only when some text needs it and embedded only when a glyph of it is actually drawn.
 */
export class FontSet {
  readonly missing = new Set<string>();
  private readonly pdfFonts = new Map<FaceKey, PDFFont>();
  private readonly coverage = new Map<FaceKey, (cp: number) => boolean>();

  private constructor(
    private readonly doc: PDFDocument,
    private readonly fonts: ReportFonts
  ) {}

  static async embed(doc: PDFDocument, fonts: ReportFonts): Promise<FontSet> {
    doc.registerFontkit(reportFontkit);
    const set = new FontSet(doc, fonts);
    for (const [key, bytes] of [
      ['regular', fonts.regular],
      ['bold', fonts.bold]
    ] as const) {
      set.pdfFonts.set(key, memoizeEncoding(await doc.embedFont(bytes, embedOptions(bytes, key))));
      set.coverage.set(key, coverageOfBytes(bytes).has);
    }
    return set;
  }

  /** True once the CJK font has been embedded, i.e. some drawn text uses it. */
  get usedCjk(): boolean {
    return this.pdfFonts.has('cjk');
  }

  /**
   * Loads the CJK font if any of these texts has a character DejaVu lacks that lies in a CJK block, and embeds
   * it (subset) if it has a glyph for one of them. Call it with every text the document will draw, before
   * drawing; loadCjk runs at most once per document.
   */
  async prepare(texts: Iterable<string>): Promise<void> {
    const wanted = new Set<number>();
    for (const text of texts) {
      for (const char of cleanText(text)) {
        const cp = char.codePointAt(0) ?? 0;
        if (inCjkBlock(cp) && !this.has('regular', cp) && !this.has('bold', cp)) wanted.add(cp);
      }
    }
    if (wanted.size === 0 || this.coverage.has('cjk')) return;
    const bytes = await this.fonts.loadCjk();
    const cjk = coverageOfBytes(bytes).has;
    this.coverage.set('cjk', cjk);
    if ([...wanted].some(cjk)) {
      this.pdfFonts.set('cjk', memoizeEncoding(await this.doc.embedFont(bytes, embedOptions(bytes, 'cjk'))));
    }
  }

  private has(face: FaceKey, cp: number): boolean {
    if (face === 'cjk' && !this.pdfFonts.has('cjk')) return false;
    return this.coverage.get(face)?.(cp) ?? false;
  }

  /**
   * Runs of already-cleaned text for a weight. Characters no face has are recorded in `missing`.
   * Synchronous: a CJK character that `prepare` did not see counts as missing.
   */
  runs(text: string, weight: FontWeight): Run[] {
    return splitRuns(
      text,
      faceOrder(weight),
      (face, cp) => this.has(face, cp),
      (char) => this.missing.add(char)
    );
  }

  /** The pdf-lib font for a face. */
  font(face: FaceKey): PDFFont {
    const found = this.pdfFonts.get(face) ?? this.pdfFonts.get('regular');
    if (!found) throw new Error(`Report font ${face} is not embedded.`);
    return found;
  }
}

/**
 * Subset: only the glyphs drawn are embedded. No ligatures: "ffi" stays three glyphs, so a width summed from
 * parts equals the width of the whole, and copied text is the text that was written.
 */
function embedOptions(bytes: Uint8Array, face: FaceKey) {
  // A fixed subset tag (PDF 32000-1 §9.6.4) instead of pdf-lib's numbered suffix: readers and pdffonts see a
  // subset, and the name does not depend on embedding order.
  const tag = { regular: 'PFAAAA', bold: 'PFAAAB', cjk: 'PFAAAC' }[face];
  return { subset: true, features: { liga: false }, customName: `${tag}+${coverageOfBytes(bytes).name}` };
}

interface ParsedFont {
  name: string;
  has: (cp: number) => boolean;
}

/** Parsed coverage per font file, kept while the caller keeps the bytes (the app builds many reports). */
const parsed = new WeakMap<Uint8Array, ParsedFont>();

function coverageOfBytes(bytes: Uint8Array): ParsedFont {
  let found = parsed.get(bytes);
  if (!found) {
    const font = fontkit.create(bytes);
    // PostScript names are printable ASCII without spaces; anything else would break the PDF name.
    const name = (font.postscriptName || 'Font').replace(/[^A-Za-z0-9_.-]/g, '');
    found = { name, has: coverageOf(font) };
    parsed.set(bytes, found);
  }
  return found;
}

/**
 * The characters of `text` that none of the report fonts can draw, each once, in order of appearance.
 * Calls `fonts.loadCjk` only when the text has a character DejaVu lacks in a CJK block.
 * For callers that want to warn before building (e.g. a client name in Hangul).
 */
export async function findMissingGlyphs(text: string, fonts: ReportFonts): Promise<string[]> {
  const clean = cleanText(text);
  const regular = coverageOfBytes(fonts.regular).has;
  const bold = coverageOfBytes(fonts.bold).has;
  let cjk: ((cp: number) => boolean) | undefined;
  const missing = new Set<string>();
  for (const char of clean) {
    const cp = char.codePointAt(0) ?? 0;
    if (regular(cp) || bold(cp)) continue;
    if (inCjkBlock(cp)) {
      cjk ??= coverageOfBytes(await fonts.loadCjk()).has;
      if (cjk(cp)) continue;
    }
    missing.add(char);
  }
  return [...missing];
}

/**
 * pdf-lib lays out a string with fontkit every time it is drawn; a report draws the same strings thousands of
 * times (dates, priority labels, column headers on every page). The encoded form of a string never changes for a
 * font, and its glyphs were added to the subset on the first call, so later calls reuse it: drawing an appendix
 * of hundreds of pages gets several times faster, with the same bytes out.
 */
function memoizeEncoding(font: PDFFont): PDFFont {
  const encode = font.encodeText.bind(font);
  const cache = new Map<string, ReturnType<PDFFont['encodeText']>>();
  font.encodeText = (text: string) => {
    let encoded = cache.get(text);
    if (!encoded) {
      encoded = encode(text);
      cache.set(text, encoded);
    }
    return encoded;
  };
  return font;
}
