import type { ParseResult, Problem } from '../model';
import { eolPartSchema, type EolCycle, type EolPart, type EolProduct } from './parts';

/**
 * The end-of-life part, built from endoflife.date data in any of the shapes it is published in:
 * - `products-frontmatter.json`: every product's front matter keyed by product id (see
 *   ../shared/catalog/endoflife/SOURCE.md), with `releases[]` of `releaseCycle, releaseLabel, eoas, eol, eoes, latest…`;
 * - API v1 `/api/v1/products/full`: `{ result: [ProductDetails] }`;
 * - API v1 `/api/v1/products/{product}`: `{ result: ProductDetails }`;
 * - the legacy `/api/{product}.json` (an array of `{ cycle, eol, support, extendedSupport, latest }`), when the file
 *   is named after its product (`windows.json`).
 * Several files may be given; a product read later replaces the same product read earlier.
 * @see https://endoflife.date/docs/api/v1/
 */

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
const DATE_IN_NAME = /(\d{4}-\d{2}-\d{2})/;

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: Json): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** "2025-10-14", "2025-10-14T00:00:00Z" → "2025-10-14"; anything else undefined. */
function isoDate(v: Json): string | undefined {
  const s = str(v);
  if (!s || !ISO_DATE.test(s)) return undefined;
  return s.slice(0, 10);
}

/** A date, or `true`/`false` where the source has no date (true: the phase is over; false: it is not). */
function dateOrFlag(v: Json): string | boolean | undefined {
  if (typeof v === 'boolean') return v;
  return isoDate(v);
}

/** Fills endoflife.date's label templates (`"__RELEASE_CYCLE__ '__CODENAME__'"`). */
function renderLabel(template: string, release: Record<string, Json>): string {
  return template
    .replace(/__RELEASE_CYCLE__/g, str(release.releaseCycle) ?? '')
    .replace(/__CODENAME__/g, str(release.codename) ?? '')
    .replace(/__LATEST__/g, str(release.latest) ?? '')
    .replace(/\s*\(\s*\)|\s*''/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Reader {
  products: EolProduct[];
  issues: Problem[];
  /** Dates of past events the data states (release dates, generation time): the newest is the snapshot date. */
  dates: string[];
  /** The API's own generation time, when given: preferred as the snapshot date. */
  generatedAt?: string;
}

function pushDates(r: Reader, c: EolCycle): void {
  if (c.releaseDate) r.dates.push(c.releaseDate);
  if (c.latestReleaseDate) r.dates.push(c.latestReleaseDate);
}

/** One front-matter product (`products/<id>.md` front matter, as products-frontmatter.json holds it). */
function fromFrontMatter(
  id: string,
  raw: Record<string, Json>,
  file: string,
  r: Reader
): EolProduct | undefined {
  const releases = raw.releases;
  if (!Array.isArray(releases)) {
    r.issues.push({
      severity: 'warning',
      code: 'eol-product-without-releases',
      message: `${file}: the product "${id}" has no releases list, so it was left out. Download the file again from endoflife.date.`
    });
    return undefined;
  }
  const identifiers: string[] = [];
  if (Array.isArray(raw.identifiers)) {
    for (const item of raw.identifiers) {
      if (!isRecord(item)) continue;
      const cpe = str(item.cpe);
      const purl = str(item.purl);
      if (cpe) identifiers.push(cpe);
      if (purl) identifiers.push(purl);
    }
  }
  const labelTemplate = str(raw.releaseLabel);
  const cycles: EolCycle[] = [];
  let skipped = 0;
  for (const rel of releases) {
    if (!isRecord(rel)) {
      skipped++;
      continue;
    }
    const cycleId = str(rel.releaseCycle);
    const eol = dateOrFlag(rel.eol);
    if (!cycleId || eol === undefined) {
      skipped++;
      continue;
    }
    const cycle: EolCycle = { cycle: cycleId, eol };
    const template = str(rel.releaseLabel) ?? labelTemplate;
    if (template) cycle.label = renderLabel(template, rel);
    const releaseDate = isoDate(rel.releaseDate);
    if (releaseDate) cycle.releaseDate = releaseDate;
    const eoas = dateOrFlag(rel.eoas);
    if (eoas !== undefined) cycle.eoas = eoas;
    const eoes = dateOrFlag(rel.eoes);
    if (eoes !== undefined) cycle.eoes = eoes;
    addLatestLtsCodename(cycle, rel);
    cycles.push(cycle);
    pushDates(r, cycle);
  }
  if (skipped > 0) {
    r.issues.push({
      severity: 'warning',
      code: 'eol-cycle-skipped',
      message: `${file}: ${skipped} release cycle(s) of "${id}" have no cycle name or no end-of-life value and were left out.`,
      count: skipped
    });
  }
  const product: EolProduct = { id, title: str(raw.title) ?? id, identifiers, cycles };
  const category = str(raw.category);
  if (category) product.category = category;
  return product;
}

/**
 * The API v1 phase fields: `eoasFrom`/`isEoas` and the like. A date wins; without one the flag says whether the
 * phase is over. Absent fields mean the product has no such phase.
 */
function apiPhase(rel: Record<string, Json>, from: string, flag: string): string | boolean | undefined {
  const date = isoDate(rel[from]);
  if (date) return date;
  const f = rel[flag];
  if (typeof f === 'boolean') return f;
  return undefined;
}

/** One API v1 ProductDetails object. */
function fromApiProduct(raw: Record<string, Json>, file: string, r: Reader): EolProduct | undefined {
  const id = str(raw.name);
  if (!id || !Array.isArray(raw.releases)) {
    r.issues.push({
      severity: 'warning',
      code: 'eol-product-without-releases',
      message: `${file}: a product without a name or releases list was left out.`
    });
    return undefined;
  }
  const identifiers: string[] = [];
  if (Array.isArray(raw.identifiers)) {
    for (const item of raw.identifiers) {
      if (!isRecord(item)) continue;
      const type = str(item.type);
      const value = str(item.id);
      if (value && (type === 'cpe' || type === 'purl')) identifiers.push(value);
    }
  }
  const cycles: EolCycle[] = [];
  let skipped = 0;
  for (const rel of raw.releases) {
    if (!isRecord(rel)) {
      skipped++;
      continue;
    }
    const cycleId = str(rel.name);
    const eol = apiPhase(rel, 'eolFrom', 'isEol');
    if (!cycleId || eol === undefined) {
      skipped++;
      continue;
    }
    const cycle: EolCycle = { cycle: cycleId, eol };
    const label = str(rel.label);
    if (label) cycle.label = label;
    const releaseDate = isoDate(rel.releaseDate);
    if (releaseDate) cycle.releaseDate = releaseDate;
    const eoas = apiPhase(rel, 'eoasFrom', 'isEoas');
    if (eoas !== undefined) cycle.eoas = eoas;
    // isEoes null: the cycle is not eligible for extended support.
    const eoes = apiPhase(rel, 'eoesFrom', 'isEoes');
    if (eoes !== undefined) cycle.eoes = eoes;
    if (isRecord(rel.latest)) {
      const latest = str(rel.latest.name);
      if (latest) cycle.latest = latest;
      const latestDate = isoDate(rel.latest.date);
      if (latestDate) cycle.latestReleaseDate = latestDate;
    }
    if (rel.isLts === true) cycle.lts = isoDate(rel.ltsFrom) ?? true;
    else if (rel.isLts === false) cycle.lts = false;
    const codename = str(rel.codename);
    if (codename) cycle.codename = codename;
    cycles.push(cycle);
    pushDates(r, cycle);
  }
  if (skipped > 0) {
    r.issues.push({
      severity: 'warning',
      code: 'eol-cycle-skipped',
      message: `${file}: ${skipped} release cycle(s) of "${id}" have no name or no end-of-life value and were left out.`,
      count: skipped
    });
  }
  const product: EolProduct = { id, title: str(raw.label) ?? id, identifiers, cycles };
  const category = str(raw.category);
  if (category) product.category = category;
  return product;
}

/** The legacy API (`/api/windows.json`): cycles only; the product is named by the file. */
function fromLegacyApi(id: string, rows: Json[], file: string, r: Reader): EolProduct {
  const cycles: EolCycle[] = [];
  let skipped = 0;
  for (const row of rows) {
    if (!isRecord(row)) {
      skipped++;
      continue;
    }
    const cycleId = str(row.cycle);
    const eol = dateOrFlag(row.eol);
    if (!cycleId || eol === undefined) {
      skipped++;
      continue;
    }
    const cycle: EolCycle = { cycle: cycleId, eol };
    const label = str(row.releaseLabel);
    if (label) cycle.label = label;
    const releaseDate = isoDate(row.releaseDate);
    if (releaseDate) cycle.releaseDate = releaseDate;
    // The legacy API calls active support "support" and extended support "extendedSupport", both "until" dates.
    const eoas = dateOrFlag(row.support);
    if (eoas !== undefined) cycle.eoas = typeof eoas === 'boolean' ? !eoas : eoas;
    const eoes = dateOrFlag(row.extendedSupport);
    if (eoes !== undefined) cycle.eoes = typeof eoes === 'boolean' ? !eoes : eoes;
    addLatestLtsCodename(cycle, row);
    cycles.push(cycle);
    pushDates(r, cycle);
  }
  if (skipped > 0) {
    r.issues.push({
      severity: 'warning',
      code: 'eol-cycle-skipped',
      message: `${file}: ${skipped} release cycle(s) have no cycle name or no end-of-life value and were left out.`,
      count: skipped
    });
  }
  return { id, title: id, identifiers: [], cycles };
}

/** "windows.json" → "windows"; "products-full.json" and other generic names → undefined. */
function productIdFromName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = /^([a-z0-9][a-z0-9.+-]*)\.json$/i.exec(base);
  if (!m) return undefined;
  const id = (m[1] as string).toLowerCase();
  if (/^(products?|products-full|full|frontmatter|products-frontmatter|releases|data|api)$/.test(id))
    return undefined;
  return id;
}

function readOne(name: string, data: Json, r: Reader): boolean {
  if (isRecord(data) && 'result' in data) {
    const generated = isoDate(data.generated_at) ?? isoDate(data.last_modified);
    if (generated && (!r.generatedAt || generated > r.generatedAt)) r.generatedAt = generated;
    if (Array.isArray(data.result)) {
      // /products/full holds ProductDetails; /products (summaries) has no releases and is refused below.
      if (data.result.length > 0 && data.result.every((p) => isRecord(p) && !Array.isArray(p.releases)))
        return false;
      for (const p of data.result) {
        if (!isRecord(p)) continue;
        const product = fromApiProduct(p, name, r);
        if (product) r.products.push(product);
      }
      return true;
    }
    if (isRecord(data.result) && Array.isArray(data.result.releases)) {
      const product = fromApiProduct(data.result, name, r);
      if (product) r.products.push(product);
      return true;
    }
    return false;
  }
  if (isRecord(data)) {
    // release-data's releases/<product>.json: versions and dates only, no support dates.
    if (isRecord(data.releases) && isRecord(data.versions)) return false;
    // A single product's front matter.
    if (Array.isArray(data.releases) && ('title' in data || 'permalink' in data)) {
      const id = str(data.permalink)?.replace(/^\//, '') ?? productIdFromName(name);
      if (!id) return false;
      const product = fromFrontMatter(id, data, name, r);
      if (product) r.products.push(product);
      return true;
    }
    const entries = Object.entries(data);
    if (entries.length === 0 || !entries.every(([, v]) => isRecord(v) && Array.isArray(v.releases)))
      return false;
    for (const [id, v] of entries) {
      const product = fromFrontMatter(id, v as Record<string, Json>, name, r);
      if (product) r.products.push(product);
    }
    return true;
  }
  if (Array.isArray(data) && data.length > 0 && data.every((row) => isRecord(row) && 'cycle' in row)) {
    const id = productIdFromName(name);
    if (!id) return false;
    r.products.push(fromLegacyApi(id, data, name, r));
    return true;
  }
  return false;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** The latest release, LTS flag and codename, in the same fields in the front matter and the legacy API. */
function addLatestLtsCodename(cycle: EolCycle, row: Record<string, unknown>): void {
  const latest = str(row.latest);
  if (latest) cycle.latest = latest;
  const latestDate = isoDate(row.latestReleaseDate);
  if (latestDate) cycle.latestReleaseDate = latestDate;
  const lts = dateOrFlag(row.lts);
  if (lts !== undefined) cycle.lts = lts;
  const codename = str(row.codename);
  if (codename) cycle.codename = codename;
}

/**
 * Builds the end-of-life part from one or more endoflife.date files. A file in an unknown shape is refused with an
 * error that says which files to use; products are sorted by id and cycles keep the source's order (newest first).
 * snapshotDate: the API's generation date, else the newest release date the data states, else a date in the
 * source name.
 */
export function buildEolPart(
  inputs: { name: string; bytes: Uint8Array }[],
  source: string
): ParseResult<EolPart | undefined> {
  const r: Reader = { products: [], issues: [], dates: [] };
  for (const input of inputs) {
    let data: Json;
    try {
      data = JSON.parse(decoder.decode(input.bytes).replace(/^\uFEFF/, '')) as Json;
    } catch (e) {
      r.issues.push({
        severity: 'error',
        code: 'eol-not-json',
        message: `${input.name} is not valid JSON, so no end-of-life data was read from it. Download it again (products-frontmatter.json from the catalog folder, or https://endoflife.date/api/v1/products/full).`,
        detail: e instanceof Error ? e.message : String(e)
      });
      continue;
    }
    if (!readOne(input.name, data, r)) {
      r.issues.push({
        severity: 'error',
        code: 'eol-unknown-shape',
        message: `${input.name} is not endoflife.date product data that Patchfield reads. Use products-frontmatter.json from the catalog folder, or the API v1 answers https://endoflife.date/api/v1/products/full or https://endoflife.date/api/v1/products/<product>.`
      });
    }
  }
  if (r.products.length === 0) {
    if (!r.issues.some((i) => i.severity === 'error')) {
      r.issues.push({
        severity: 'error',
        code: 'eol-empty',
        message: `No end-of-life products were found in ${source}. Use products-frontmatter.json from the catalog folder, or https://endoflife.date/api/v1/products/full.`
      });
    }
    return { value: undefined, issues: r.issues };
  }

  const byId = new Map<string, EolProduct>();
  for (const p of r.products) byId.set(p.id, p);
  const products = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const part: EolPart = { part: 'eol', source, products };
  const newest = r.dates.reduce<string | undefined>((m, d) => (m === undefined || d > m ? d : m), undefined);
  const snapshot = r.generatedAt ?? newest ?? DATE_IN_NAME.exec(source)?.[1];
  if (snapshot) part.snapshotDate = snapshot;

  const checked = eolPartSchema.safeParse(part);
  if (!checked.success) {
    r.issues.push({
      severity: 'error',
      code: 'eol-invalid',
      message: `The end-of-life data read from ${source} does not have the expected form, so it was not used. Download it again from endoflife.date.`,
      detail: checked.error.message
    });
    return { value: undefined, issues: r.issues };
  }
  return { value: checked.data, issues: r.issues };
}
