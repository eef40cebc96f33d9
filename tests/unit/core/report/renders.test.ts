import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildReport, DEFAULT_PROPOSAL } from '../../../../src/lib/core/report';
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
/** A pixel counts as changed when its grey level moves by more than this. */
const PIXEL_TOLERANCE = 48;
/** A page fails when more than this share of its pixels changed. */
const PAGE_THRESHOLD = 0.01;

interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

function readPgm(bytes: Uint8Array): Gray {
  // "P5\n<width> <height>\n255\n" then one byte per pixel.
  let pos = 0;
  const fields: string[] = [];
  while (fields.length < 4) {
    while (bytes[pos] === 0x20 || bytes[pos] === 0x0a || bytes[pos] === 0x0d || bytes[pos] === 0x09) pos++;
    let field = '';
    while (pos < bytes.length && ![0x20, 0x0a, 0x0d, 0x09].includes(bytes[pos]!))
      field += String.fromCharCode(bytes[pos++]!);
    fields.push(field);
  }
  pos++;
  return { width: Number(fields[1]), height: Number(fields[2]), pixels: bytes.subarray(pos) };
}

function writePgm(g: Gray): Uint8Array {
  const head = new TextEncoder().encode(`P5\n${g.width} ${g.height}\n255\n`);
  const out = new Uint8Array(head.length + g.pixels.length);
  out.set(head);
  out.set(g.pixels, head.length);
  return out;
}

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
        writeFileSync(
          join(REFERENCES, name),
          gzipSync(new Uint8Array(readFileSync(join(dir, f))), { mtime: 0 })
        );
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
      const now = readPgm(new Uint8Array(readFileSync(join(dir, f))));
      const ref = readPgm(gunzipSync(new Uint8Array(readFileSync(join(REFERENCES, references[i]!)))));
      if (now.width !== ref.width || now.height !== ref.height) {
        failures.push(`page ${i + 1}: size ${now.width}×${now.height}, reference ${ref.width}×${ref.height}`);
        return;
      }
      const diff = new Uint8Array(now.pixels.length);
      let changed = 0;
      for (let p = 0; p < now.pixels.length; p++) {
        const d = Math.abs(now.pixels[p]! - ref.pixels[p]!);
        if (d > PIXEL_TOLERANCE) changed++;
        diff[p] = 255 - Math.min(255, d * 4);
      }
      const share = changed / now.pixels.length;
      if (share > PAGE_THRESHOLD) {
        const diffPath = join(dir, `diff-page-${i + 1}.pgm`);
        writeFileSync(diffPath, writePgm({ width: now.width, height: now.height, pixels: diff }));
        failures.push(
          `page ${i + 1}: ${(share * 100).toFixed(2)} % of pixels changed (difference image: ${diffPath})`
        );
      }
    });
    expect(failures).toEqual([]);
  });
});
