import fontkit from '@pdf-lib/fontkit';
import type { PDFDocument } from 'pdf-lib';

/** pdf-lib's view of fontkit (its fontkit types are not exported by name). */
type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];
type Font = ReturnType<Fontkit['create']>;
type Subset = ReturnType<Font['createSubset']>;

/**
 * fontkit (1.1.1, the last @pdf-lib release) copies each glyph of a TrueType subset as it is and then writes a
 * short `loca` table (offsets stored halved) whenever the subset's glyph data is under 64 KB. A font with a long
 * `loca` may have glyphs of odd length — Noto Sans SC does — and then every offset after such a glyph is off by
 * one byte when halved: the CJK glyphs come out blank or garbled while the text still extracts fine. The OpenType
 * spec wants glyph data 2-byte aligned anyway ("loca" table notes), so each copied glyph is padded to even length.
 * @see https://learn.microsoft.com/en-us/typography/opentype/spec/loca
 */

/** The parts of fontkit's TTFSubset this fix touches (not in its public types). */
interface TtfSubsetInternals {
  _addGlyph(gid: number): number;
  glyf: Uint8Array[];
  offset: number;
}

function isTtfSubset(subset: object): subset is TtfSubsetInternals {
  return typeof (subset as Partial<TtfSubsetInternals>)._addGlyph === 'function';
}

function padToEven(buffer: Uint8Array): Uint8Array {
  // Same class as the glyph fontkit read (its Buffer shim or a Uint8Array), so its stream encoder accepts it.
  const Ctor = buffer.constructor as {
    new (length: number): Uint8Array;
    alloc?: (length: number) => Uint8Array;
  };
  const padded =
    typeof Ctor.alloc === 'function' ? Ctor.alloc(buffer.length + 1) : new Ctor(buffer.length + 1);
  padded.set(buffer);
  return padded;
}

function withEvenGlyphs(subset: Subset): Subset {
  if (!isTtfSubset(subset)) return subset; // CFF subsets have no loca table
  const addGlyph = subset._addGlyph.bind(subset);
  subset._addGlyph = (gid: number): number => {
    const index = addGlyph(gid);
    const buffer = subset.glyf[index];
    if (buffer && buffer.length % 2 === 1) {
      subset.glyf[index] = padToEven(buffer);
      subset.offset += 1;
    }
    return index;
  };
  return subset;
}

/** fontkit for pdf-lib's `registerFontkit`, with TrueType subsets that keep glyph offsets even. */
export const reportFontkit: Fontkit = {
  create(buffer: Uint8Array, postscriptName?: string): Font {
    const font = (fontkit as unknown as Fontkit).create(buffer, postscriptName);
    const createSubset = font.createSubset.bind(font);
    font.createSubset = () => withEvenGlyphs(createSubset());
    return font;
  }
};
