import type { Problem } from '../model';
import { buildCvssPart } from './cvss';
import { buildEolPart } from './eol';
import { buildEpssPart } from './epss';
import { buildKevPart } from './kev';
import { buildMsrcPart } from './msrc';
import { buildOsvPart } from './osv';
import type { CatalogPart, CatalogPartName } from './parts';
import { buildSsvcPart } from './ssvc';
import { dateWindowsBuilds, buildWesngPart } from './wesng';
import { parseWindowsBuildsCsv, type WindowsBuildCatalog } from './windows-builds';

/**
 * Builds the catalog from the official file formats in a folder (the layout of ../shared/catalog, or the same
 * files side by side): the one code path behind `patchfield catalog build`, the CLI's `--catalog <folder>` and the
 * tests. Files are found by name, so a flat folder of downloads works as well as the catalog tree.
 */

export interface CatalogFolder {
  /** Every file under the folder, as relative paths with "/" separators. */
  files: string[];
  read: (path: string) => Promise<Uint8Array>;
}

export interface CatalogBuildProgress {
  (part: CatalogPartName, index: number, total: number): void;
}

export interface CatalogBuildResult {
  parts: CatalogPart[];
  problems: (Problem & { part?: CatalogPartName })[];
  /** Parts whose files were not in the folder. */
  missing: CatalogPartName[];
}

/** What each part is built from: file-name patterns, matched against the end of each relative path. */
export const CATALOG_INPUTS = {
  windowsBuilds: /(^|\/)windows_build_revision_kb_merged\.csv$/,
  wesng: /(^|\/)definitions\.zip$/,
  msrcProducts: /(^|\/)msrc_products\.csv$/,
  msrcRows: /(^|\/)msrc_windows_cve_product_kb\.csv(\.gz)?$/,
  msrcCvrf: /(^|\/)cvrfDocument-[^/]*\.xml$/i,
  kev: /(^|\/)known_exploited_vulnerabilities\.json$/,
  epss: /(^|\/)epss_scores-[^/]*\.csv(\.gz)?$/,
  ssvc: /(^|\/)cisa_adp_ssvc\.csv(\.gz)?$/,
  eol: /(^|\/)(products-frontmatter|products-full|full)\.json$/,
  osv: /(^|\/)([^/]*osv[^/]*\.jsonl\.gz|all\.zip)$/i
} as const;

const decoder = new TextDecoder();

function pick(files: string[], pattern: RegExp): string | undefined {
  // The newest by name when several match (EPSS files carry their date in the name).
  return files
    .filter((f) => pattern.test(f))
    .sort()
    .pop();
}

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

export async function buildCatalogFromFolder(
  folder: CatalogFolder,
  onProgress?: CatalogBuildProgress
): Promise<CatalogBuildResult> {
  const files = [...folder.files].sort();
  const parts: CatalogPart[] = [];
  const problems: CatalogBuildResult['problems'] = [];
  const missing: CatalogPartName[] = [];
  const vectors: { cve: string; vector: string; source: string }[] = [];
  const steps: CatalogPartName[] = [
    'wesng',
    'windows-builds',
    'msrc',
    'kev',
    'epss',
    'ssvc',
    'cvss',
    'eol',
    'osv'
  ];
  const note = (part: CatalogPartName, issues: Problem[]) => {
    for (const p of issues) problems.push({ ...p, part });
  };
  let step = 0;
  const progress = (part: CatalogPartName) => onProgress?.(part, step++, steps.length);

  // wesng first: it dates the build table's undated rows.
  progress('wesng');
  const wesngFile = pick(files, CATALOG_INPUTS.wesng);
  let wesng;
  if (wesngFile) {
    const r = await buildWesngPart(await folder.read(wesngFile), baseName(wesngFile));
    note('wesng', r.issues);
    if (r.value) {
      wesng = r.value;
      parts.push(r.value);
    }
  } else missing.push('wesng');

  progress('windows-builds');
  const wbFile = pick(files, CATALOG_INPUTS.windowsBuilds);
  if (wbFile) {
    const r = parseWindowsBuildsCsv(decoder.decode(await folder.read(wbFile)), baseName(wbFile));
    note('windows-builds', r.issues);
    if (!r.issues.some((p) => p.severity === 'error')) {
      const builds: WindowsBuildCatalog = wesng ? dateWindowsBuilds(r.value, wesng) : r.value;
      parts.push(builds);
    }
  } else missing.push('windows-builds');

  progress('msrc');
  const productsFile = pick(files, CATALOG_INPUTS.msrcProducts);
  const rowsFile = pick(files, CATALOG_INPUTS.msrcRows);
  if (productsFile && rowsFile) {
    const cvrf = await Promise.all(
      files
        .filter((f) => CATALOG_INPUTS.msrcCvrf.test(f))
        .map(async (f) => ({ name: baseName(f), bytes: await folder.read(f) }))
    );
    const r = await buildMsrcPart(
      {
        products: await folder.read(productsFile),
        rows: await folder.read(rowsFile),
        ...(cvrf.length > 0 ? { cvrf } : {})
      },
      baseName(rowsFile)
    );
    note('msrc', r.issues);
    if (r.value) {
      parts.push(r.value.msrc);
      vectors.push(...r.value.vectors);
    }
  } else missing.push('msrc');

  progress('kev');
  const kevFile = pick(files, CATALOG_INPUTS.kev);
  if (kevFile) {
    const r = buildKevPart(await folder.read(kevFile), baseName(kevFile));
    note('kev', r.issues);
    if (r.value) parts.push(r.value);
  } else missing.push('kev');

  progress('epss');
  const epssFile = pick(files, CATALOG_INPUTS.epss);
  if (epssFile) {
    const r = await buildEpssPart(await folder.read(epssFile), baseName(epssFile));
    note('epss', r.issues);
    if (r.value) parts.push(r.value);
  } else missing.push('epss');

  progress('ssvc');
  const ssvcFile = pick(files, CATALOG_INPUTS.ssvc);
  if (ssvcFile) {
    const r = await buildSsvcPart(await folder.read(ssvcFile), baseName(ssvcFile));
    note('ssvc', r.issues);
    if (r.value) {
      parts.push(r.value.ssvc);
      vectors.push(...r.value.vectors);
    }
  } else missing.push('ssvc');

  progress('cvss');
  if (vectors.length > 0) {
    const r = buildCvssPart(vectors, 'MSRC and CISA Vulnrichment vectors');
    note('cvss', r.issues);
    // As fresh as the newest of the parts its vectors came from.
    const dates = parts
      .filter((p) => p.part === 'msrc' || p.part === 'ssvc')
      .map((p) => p.snapshotDate)
      .filter((d): d is string => Boolean(d))
      .sort();
    parts.push(dates.length > 0 ? { ...r.value, snapshotDate: dates[dates.length - 1]! } : r.value);
  } else missing.push('cvss');

  progress('eol');
  const eolFile = pick(files, CATALOG_INPUTS.eol);
  if (eolFile) {
    const r = buildEolPart(
      [{ name: baseName(eolFile), bytes: await folder.read(eolFile) }],
      baseName(eolFile)
    );
    note('eol', r.issues);
    if (r.value) parts.push(r.value);
  } else missing.push('eol');

  progress('osv');
  const osvFiles = files.filter((f) => CATALOG_INPUTS.osv.test(f) || /(^|\/)osv\/records\/.*\.json$/.test(f));
  if (osvFiles.length > 0) {
    const inputs = await Promise.all(
      osvFiles.map(async (f) => ({ name: baseName(f), bytes: await folder.read(f) }))
    );
    const names = osvFiles.map(baseName);
    const r = await buildOsvPart(
      inputs,
      names.length > 2 ? `${names[0]} and ${names.length - 1} more files` : names.join(', ')
    );
    note('osv', r.issues);
    if (r.value) parts.push(r.value);
  } else missing.push('osv');

  return { parts, problems, missing };
}
