import { copyFileSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
import { hasTool, pdfPages, reportFonts, writePdf } from './report-tools';

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

// Variants of the office results for the sections' edge cases.
export const GREEK_CJK_HOST =
  'Ελληνικά-λογιστήριο-διακομιστής-αρχείων-東京本社ファイルサーバー-第二世代-バックアップ-01';

export function emptyResults(r: EngagementResults): EngagementResults {
  return {
    ...r,
    assets: [],
    gaps: [],
    waves: [],
    misses: [],
    score: {
      ...r.score,
      grade: 'D',
      score: 60,
      percentFullyPatched: null,
      fullyPatched: 0,
      denominator: 0,
      unknown: 0,
      monthsBehind: r.score.monthsBehind.map((b) => ({ ...b, assets: 0 })),
      endOfLife: 0,
      kevGaps: 0,
      criticalGaps: 0,
      overdueGaps: 0
    }
  };
}

/** Every machine up to date, supported for years and without gaps. */
export function cleanResults(r: EngagementResults): EngagementResults {
  const assets = r.assets.map((a) => ({
    ...a,
    status: 'up-to-date' as const,
    windows: a.windows ? { ...a.windows, status: 'up-to-date' as const, monthsBehind: 0 } : undefined,
    support: a.support
      ? { ...a.support, phase: 'supported' as const, eol: '2035-01-01', eoes: undefined }
      : undefined
  }));
  return {
    ...r,
    assets,
    gaps: [],
    waves: [],
    misses: [],
    score: {
      ...r.score,
      grade: 'A',
      score: 100,
      percentFullyPatched: 100,
      fullyPatched: assets.length,
      denominator: assets.length,
      unknown: 0,
      monthsBehind: r.score.monthsBehind.map((b) => ({ ...b, assets: b.bucket === '0' ? assets.length : 0 })),
      endOfLife: 0,
      kevGaps: 0,
      criticalGaps: 0,
      overdueGaps: 0
    }
  };
}

/** No gaps found, but no machine's status could be read. */
export function unknownResults(r: EngagementResults): EngagementResults {
  const assets = r.assets.map((a) => ({
    ...a,
    status: 'unknown' as const,
    windows: a.windows ? { ...a.windows, status: 'unknown' as const, monthsBehind: null } : undefined
  }));
  return {
    ...r,
    assets,
    gaps: [],
    waves: [],
    misses: [],
    score: {
      ...r.score,
      percentFullyPatched: null,
      fullyPatched: 0,
      denominator: 0,
      unknown: assets.length,
      monthsBehind: r.score.monthsBehind.map((b) => ({
        ...b,
        assets: b.bucket === 'unknown' ? assets.length : 0
      }))
    }
  };
}

/** The same results with every host renamed (name + its index). */
export function renamed(r: EngagementResults, name: string): EngagementResults {
  const names = new Map(r.assets.map((a, i) => [a.asset.id, `${name}-${i}`]));
  return {
    ...r,
    assets: r.assets.map((a) => ({ ...a, asset: { ...a.asset, hostname: names.get(a.asset.id)! } })),
    gaps: r.gaps.map((g) => ({ ...g, hostname: names.get(g.assetId) ?? g.hostname }))
  };
}

/**
 * Draws a section alone, writes the PDF and returns its text (white space squeezed; empty without pdftotext).
 * PATCHFIELD_SECTION_OUT=<folder> keeps each PDF for review (pdftoppm -r 60 -png).
 */
export async function renderAndRead(
  name: string,
  draw: (ctx: RenderContext) => void,
  texts: string[],
  size: PageSizeName = 'A4'
) {
  const out = await renderSection(draw, texts, size);
  const path = writePdf(out.bytes, name);
  const keep = process.env.PATCHFIELD_SECTION_OUT;
  if (keep) copyFileSync(path, join(keep, path.split('/').pop()!));
  return { ...out, path, text: hasTool('pdftotext') ? pdfPages(path).join('\n').replace(/\s+/g, ' ') : '' };
}
