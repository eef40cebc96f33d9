import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import {
  computeResults,
  parseNessus,
  parseSystemInfo,
  parseWindowsBuildsCsv,
  resolveSettings,
  type EngagementResults,
  type ScannerRule,
  type SourcedHost
} from '../../../../src/lib/core';
import { FontSet } from '../../../../src/lib/core/report/fonts';
import { PageFlow } from '../../../../src/lib/core/report/flow';
import type { RenderContext } from '../../../../src/lib/core/report/render';
import { Typesetter } from '../../../../src/lib/core/report/text';
import { createPalette, pageGeometry, type PageSizeName } from '../../../../src/lib/core/report/theme';
import { testCatalog } from '../../catalog';
import { fixture, readBytes } from '../../shared';
import { reportFonts } from './report-tools';

/**
 * Draws one report section on its own into a PDF, as build-report.ts would: for section tests (text with
 * pdftotext, structure with qpdf) without the rest of the report.
 */
export async function renderSection(
  draw: (ctx: RenderContext, doc: PDFDocument) => void,
  texts: string[],
  pageSize: PageSizeName = 'A4'
): Promise<{ bytes: Uint8Array; pages: number; missingGlyphs: string[] }> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fontSet = await FontSet.embed(doc, reportFonts());
  await fontSet.prepare(texts);
  const ctx: RenderContext = {
    flow: new PageFlow(doc, pageGeometry(pageSize)),
    ts: new Typesetter(fontSet),
    palette: createPalette()
  };
  draw(ctx, doc);
  const bytes = await doc.save();
  return { bytes, pages: doc.getPageCount(), missingGlyphs: [...fontSet.missing] };
}

/**
 * Engine results for a small office: a Nessus scan and a systeminfo export from tests/fixtures, run through the
 * engine with the catalog bundle built from ../shared/catalog when it is there (gaps with KEV/EPSS, end-of-life
 * verdicts, waves), else with the small Windows build table fixture only.
 */
export function officeResults(
  asOf = '2026-11-24',
  settings: unknown = {},
  useSharedCatalog = true
): EngagementResults {
  const nessusPath = fixture('e2e', 'office.nessus');
  const sysPath = fixture('e2e', 'PC-RECEPTION-systeminfo.txt');
  const nessus = parseNessus(readBytes(nessusPath)).value;
  const sys = parseSystemInfo(readBytes(sysPath)).value;
  const hosts: SourcedHost[] = [
    ...nessus.hosts.map((host) => ({
      fileId: 'f1',
      fileName: basename(nessusPath),
      format: nessus.format,
      host
    })),
    ...sys.hosts.map((host) => ({ fileId: 'f2', fileName: basename(sysPath), format: sys.format, host }))
  ];
  const rules = new Map<string, ScannerRule>(nessus.rules.map((r) => [`f1\u0000${r.ruleId}`, r]));
  const shared = useSharedCatalog ? testCatalog() : {};
  const catalog = shared.windowsBuilds
    ? shared
    : {
        windowsBuilds: parseWindowsBuildsCsv(
          readFileSync(fixture('catalog', 'windows-builds-small.csv'), 'utf8'),
          'windows-builds-small.csv'
        ).value
      };
  return computeResults({
    engagementId: 'office',
    asOf,
    files: [
      { id: 'f1', name: basename(nessusPath), format: nessus.format },
      { id: 'f2', name: basename(sysPath), format: sys.format }
    ],
    hosts,
    catalog,
    rules,
    ruleKey: (f, r) => `${f}\u0000${r}`,
    settings: resolveSettings(settings).value!
  });
}
