import { describe, expect, it } from 'vitest';
import {
  buildGlossary,
  drawGlossary,
  GLOSSARY,
  textOfGlossary
} from '../../../../src/lib/core/report/sections/glossary';
import { hasTool, pdfPages, writePdf } from './report-tools';
import { renderSection } from './section-harness';

const hasPoppler = hasTool('pdftotext');
const squeeze = (text: string): string => text.replace(/\s+/g, '');

/** Every term the report uses and issue 5 asks the glossary to explain. */
const REQUIRED = [
  /^KB\b/,
  /^CVE$/,
  /^CVSS$/,
  /^EPSS$/,
  /^KEV\b/,
  /^Cumulative update$/,
  /^Servicing stack update$/,
  /^Maintenance window$/,
  /\bpilot ring\b/,
  /^Ring\b/,
  /^End of life$/,
  /^ESU\b/,
  /^SSVC$/,
  /^Due date\b/,
  /\boverdue\b/
];

describe('glossary', () => {
  it('explains every term the report uses, each in one or two sentences', () => {
    for (const pattern of REQUIRED) {
      expect(
        GLOSSARY.some((t) => pattern.test(t.term)),
        String(pattern)
      ).toBe(true);
    }
    for (const { term, definition } of GLOSSARY) {
      const sentences = definition.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
      expect(sentences, term).toBeGreaterThanOrEqual(1);
      expect(sentences, term).toBeLessThanOrEqual(2);
      expect(definition.length, term).toBeLessThan(240);
    }
  });

  it('gives every string it draws to the font preparation', () => {
    const content = buildGlossary();
    const texts = textOfGlossary(content);
    expect(texts).toContain('Glossary');
    for (const t of GLOSSARY) expect(texts).toEqual(expect.arrayContaining([t.term, t.definition]));
  });

  for (const size of ['A4', 'Letter'] as const) {
    it.skipIf(!hasPoppler)(`draws every term and definition on one ${size} page`, async () => {
      const content = buildGlossary();
      const out = await renderSection((ctx) => drawGlossary(ctx, content), textOfGlossary(content), size);
      expect(out.missingGlyphs).toEqual([]);
      expect(out.pages).toBe(1);
      const path = writePdf(out.bytes, 'glossary');
      const text = squeeze(pdfPages(path, '-raw').join(''));
      expect(text).toContain('Glossary');
      for (const t of GLOSSARY) {
        expect(text).toContain(squeeze(t.term));
        expect(text).toContain(squeeze(t.definition));
      }
    });
  }
});
