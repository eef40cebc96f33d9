import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport, DEFAULT_PROPOSAL } from '../../../../src/lib/core/report';
import { compareRender, writeReferenceRender } from '../../../render-compare';
import { fixture } from '../../shared';
import { hasTool, reportFonts, writePdf } from './report-tools';
import { engagement } from './sample-results';
import { officeResults } from './section-harness';

/**
 * Visual check: the report of a fixed small office (fixtures and the small build table only, so it is the same on
 * every machine) rendered to greyscale at 30 dpi and compared page by page with the reviewed reference renders in
 * tests/fixtures/report/renders. UPDATE_RENDERS=1 writes new references (look at them before committing).
 */
const REFERENCES = fixture('report', 'renders');
const DPI = 30;
const canRender = hasTool('pdftoppm');

describe.skipIf(!canRender)('report renders', () => {
  it('every page of the sample office report matches its reviewed reference render', async () => {
    const out = await buildReport(
      {
        engagement: engagement(),
        results: officeResults('2026-11-24', {}, false),
        mspName: 'Brightline IT Services GmbH',
        generatedAt: '2026-11-24T10:00:00.000Z',
        pageSize: 'A4',
        proposal: DEFAULT_PROPOSAL,
        logo: {
          bytes: new Uint8Array(readFileSync(fixture('report', 'logo-transparent.png'))),
          type: 'image/png'
        }
      },
      reportFonts()
    );
    const pdf = writePdf(out.bytes, 'renders');
    const dir = mkdtempSync(join(tmpdir(), 'patchfield-renders-'));
    execFileSync('pdftoppm', ['-r', String(DPI), '-gray', pdf, join(dir, 'page')]);
    const rendered = readdirSync(dir)
      .filter((f) => f.endsWith('.pgm'))
      .sort();
    expect(rendered).toHaveLength(out.pageCount);

    if (process.env.UPDATE_RENDERS) {
      mkdirSync(REFERENCES, { recursive: true });
      rendered.forEach((f, i) => {
        const name = `page-${String(i + 1).padStart(2, '0')}.pgm.gz`;
        writeReferenceRender(join(dir, f), join(REFERENCES, name));
      });
      console.log(`[report renders] wrote ${rendered.length} reference renders to ${REFERENCES}`);
      return;
    }

    const references = existsSync(REFERENCES)
      ? readdirSync(REFERENCES)
          .filter((f) => f.endsWith('.pgm.gz'))
          .sort()
      : [];
    expect(references, 'reference renders (run with UPDATE_RENDERS=1 to create them)').toHaveLength(
      rendered.length
    );
    const failures: string[] = [];
    rendered.forEach((f, i) => {
      const failure = compareRender(
        `page ${i + 1}`,
        join(dir, f),
        join(REFERENCES, references[i]!),
        join(dir, `diff-page-${i + 1}.pgm`)
      );
      if (failure) failures.push(failure);
    });
    expect(failures).toEqual([]);
  });
});
