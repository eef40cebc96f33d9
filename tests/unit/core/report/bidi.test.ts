import { describe, expect, it } from 'vitest';
import { visualSegments } from '../../../../src/lib/core/report/text';
import { TYPE } from '../../../../src/lib/core/report/theme';
import { hasTool, run, writePdf } from './report-tools';
import { renderSection } from './section-harness';

/** Words of a one-page PDF in visual order (left to right) per line, from pdftotext's boxes. */
function wordsByLine(path: string): string[][] {
  const xml = run('pdftotext', ['-bbox', path, '-']).stdout;
  const words = [...xml.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<\/word>/g)].map((m) => ({
    x: Number(m[1]),
    y: Math.round(Number(m[2])),
    text: m[3]!
  }));
  const lines = new Map<number, { x: number; text: string }[]>();
  for (const w of words) lines.set(w.y, [...(lines.get(w.y) ?? []), w]);
  return [...lines.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, ws]) => ws.sort((a, b) => a.x - b.x).map((w) => w.text));
}

describe('right-to-left text in the report', () => {
  it('leaves left-to-right lines as one segment', () => {
    expect(visualSegments('Zahnarztpraxis Müller · 東京')).toEqual(['Zahnarztpraxis Müller · 東京']);
  });

  it('puts right-to-left runs of a line in visual order (UAX #9, rule L2), numbers kept left to right', () => {
    expect(visualSegments('Praxis مكتب الأسنان 12 GmbH')).toEqual([
      'Praxis ',
      '12',
      'مكتب الأسنان ',
      ' GmbH'
    ]);
  });

  it.skipIf(!hasTool('pdftotext'))(
    'draws Arabic and Hebrew names in reading order inside a left-to-right line',
    async () => {
      const lines = ['مكتب الأسنان', 'Praxis مكتب الأسنان 12 GmbH', 'Client: מרפאת שיניים (Tel Aviv)'];
      const out = await renderSection((ctx) => {
        const page = ctx.flow.newPage();
        lines.forEach((t, i) =>
          ctx.ts.draw(page, t, 60, 700 - i * 40, {
            size: TYPE.title,
            weight: 'regular',
            color: ctx.palette.ink
          })
        );
      }, lines);
      expect(out.missingGlyphs).toEqual([]);
      // pdftotext gives each right-to-left word with its letters in visual order, so they read reversed here.
      const rev = (s: string) => [...s].reverse().join('');
      expect(wordsByLine(writePdf(out.bytes, 'bidi'))).toEqual([
        [rev('الأسنان'), rev('مكتب')],
        ['Praxis', '12', rev('الأسنان'), rev('مكتب'), 'GmbH'],
        ['Client:', rev('שיניים'), rev('מרפאת'), '(Tel', 'Aviv)']
      ]);
    }
  );
});
