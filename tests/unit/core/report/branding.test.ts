import { readFileSync } from 'node:fs';
import { PDFDocument, PDFName, PDFDict } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/lib/core/report';
import { readableAccent } from '../../../../src/lib/core/report/theme';
import { fixture } from '../../shared';
import { reportFonts } from './report-tools';
import { reportInput } from './sample-results';

async function imageCount(bytes: Uint8Array): Promise<number> {
  const doc = await PDFDocument.load(bytes);
  let n = 0;
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    const dict = (obj as { dict?: PDFDict }).dict;
    if (dict?.get(PDFName.of('Subtype')) === PDFName.of('Image')) n++;
  }
  return n;
}

describe('report branding', () => {
  it('puts a transparent PNG logo on the cover and in the running header, embedded once', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('report', 'logo-transparent.png')));
    const out = await buildReport(reportInput({ logo: { bytes, type: 'image/png' } }), reportFonts());
    expect(out.warnings).toEqual([]);
    // One image plus its transparency mask, however many pages show it.
    expect(await imageCount(out.bytes)).toBeLessThanOrEqual(2);
    expect(await imageCount(out.bytes)).toBeGreaterThanOrEqual(1);
    const doc = await PDFDocument.load(out.bytes);
    expect(doc.getPageCount()).toBeGreaterThan(1);
  });

  it('embeds a JPEG logo', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('report', 'logo.jpg')));
    const out = await buildReport(reportInput({ logo: { bytes, type: 'image/jpeg' } }), reportFonts());
    expect(out.warnings).toEqual([]);
    expect(await imageCount(out.bytes)).toBe(1);
  });

  it('builds the report without a logo that cannot be read, and says so', async () => {
    const out = await buildReport(
      reportInput({ logo: { bytes: new Uint8Array([1, 2, 3, 4]), type: 'image/png' } }),
      reportFonts()
    );
    expect(out.warnings[0]).toContain('logo could not be read');
    expect(out.pageCount).toBeGreaterThan(1);
  });

  it('keeps text in a light brand colour readable by darkening it to 4.5:1 on white', () => {
    const lum = (c: number[]) => {
      const l = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * l[0]! + 0.7152 * l[1]! + 0.0722 * l[2]!;
    };
    for (const colour of ['#FFD700', '#7FDBFF', '#1E3A6E', 'not-a-colour']) {
      const c = readableAccent(colour);
      expect(1.05 / (lum(c) + 0.05), colour).toBeGreaterThanOrEqual(4.5);
    }
    // A dark brand colour is used as it is.
    expect(readableAccent('#1E3A6E').map((v) => Math.round(v * 255))).toEqual([0x1e, 0x3a, 0x6e]);
  });
});
