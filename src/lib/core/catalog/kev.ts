import { gunzipSync } from 'fflate';
import Papa from 'papaparse';
import type { ParseResult, Problem } from '../model/problem';
import type { KevEntry, KevPart } from './parts';

/**
 * CISA Known Exploited Vulnerabilities: known_exploited_vulnerabilities.json (or the .csv beside it) from
 * https://www.cisa.gov/sites/default/files/feeds/ → the `kev` catalog part.
 * Fields follow CISA's known_exploited_vulnerabilities_schema.json (cveID, vendorProject, product,
 * vulnerabilityName, dateAdded, dueDate, knownRansomwareCampaignUse, ...).
 */

/** A CVE identifier as the catalog parts store it. */
export const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** How many line numbers a grouped problem lists. */
const SAMPLE_LINES = 10;
const HOW_TO_GET =
  'Download known_exploited_vulnerabilities.json from https://www.cisa.gov/known-exploited-vulnerabilities-catalog ' +
  '(or use the one in the catalog folder) and import that file.';

/**
 * Orders CVE ids the way people read them: by year, then by number ("CVE-2021-9999" before "CVE-2021-10000").
 * The risk index relies on parts sorted with this order (it searches them by halves).
 */
export function compareCveIds(a: string, b: string): number {
  if (a.length !== b.length) {
    // "CVE-YYYY-" has a fixed width: after it a shorter number is a smaller one.
    for (let i = 0; i < 9; i++) {
      const d = a.charCodeAt(i) - b.charCodeAt(i);
      if (d !== 0 && !Number.isNaN(d)) return d;
    }
    return a.length - b.length;
  }
  // Same length: plain string order is number order (and year order before it).
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Reads the CISA KEV catalog (JSON, or the CSV variant). A file that is not the KEV gives an error and no part. */
export function buildKevPart(bytes: Uint8Array, source: string): ParseResult<KevPart | undefined> {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // A gzipped copy (the catalog is 1.3 MB unpacked, so it is unpacked at once).
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      return refuse(
        'kev-not-json',
        `${source} is gzipped but damaged (${e instanceof Error ? e.message : String(e)}). ${HOW_TO_GET}`
      );
    }
  }
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  const start = text.trimStart().charAt(0);
  if (start === '') {
    return refuse('kev-empty', `${source} is empty. ${HOW_TO_GET}`);
  }
  return start === '{' || start === '[' ? readKevJson(text, source) : readKevCsv(text, source);
}

interface RawKev {
  cveID?: unknown;
  vendorProject?: unknown;
  product?: unknown;
  vulnerabilityName?: unknown;
  dateAdded?: unknown;
  dueDate?: unknown;
  knownRansomwareCampaignUse?: unknown;
}

function readKevJson(text: string, source: string): ParseResult<KevPart | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return refuse(
      'kev-not-json',
      `${source} is not readable JSON (${e instanceof Error ? e.message : String(e)}): the download was probably cut off. ${HOW_TO_GET}`
    );
  }
  const root = isRecord(doc) ? doc : undefined;
  const list = root?.vulnerabilities;
  if (!root || !Array.isArray(list)) {
    return refuse(
      'kev-wrong-file',
      `${source} is JSON but not the CISA KEV catalog: it has no "vulnerabilities" list. ${HOW_TO_GET}`
    );
  }
  const issues: Problem[] = [];
  const reader = new KevRows(source, 'entry');
  list.forEach((raw, index) => reader.add(isRecord(raw) ? (raw as RawKev) : {}, index + 1));
  const catalogVersion = typeof root.catalogVersion === 'string' ? root.catalogVersion.trim() : undefined;
  const released = typeof root.dateReleased === 'string' ? root.dateReleased.slice(0, 10) : '';
  const fromVersion = catalogVersion?.replace(/^(\d{4})\.(\d{2})\.(\d{2})$/, '$1-$2-$3');
  const snapshotDate = ISO_DATE.test(released)
    ? released
    : fromVersion && ISO_DATE.test(fromVersion)
      ? fromVersion
      : reader.newestDateAdded;
  if (typeof root.count === 'number' && root.count !== list.length) {
    issues.push({
      severity: 'warning',
      code: 'kev-count-mismatch',
      message: `${source} says it holds ${root.count} vulnerabilities but lists ${list.length}: the file may be cut or edited. ${HOW_TO_GET}`
    });
  }
  return reader.finish(issues, { catalogVersion: catalogVersion || undefined, snapshotDate });
}

const CSV_COLUMNS = ['cveID', 'vendorProject', 'product', 'vulnerabilityName', 'dateAdded'] as const;

function readKevCsv(text: string, source: string): ParseResult<KevPart | undefined> {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  const fields = parsed.meta.fields ?? [];
  const missing = CSV_COLUMNS.filter((c) => !fields.includes(c));
  if (missing.length > 0) {
    const what = /^\s*#?\s*model_version|^cve,epss,percentile/i.test(text)
      ? 'an EPSS score file'
      : `a file with the columns ${fields.slice(0, 5).join(', ') || '(none)'}`;
    return refuse(
      'kev-wrong-file',
      `${source} is not the CISA KEV catalog: it looks like ${what}, and the KEV columns ${missing.join(', ')} are missing. ${HOW_TO_GET}`,
      1
    );
  }
  const reader = new KevRows(source, 'row');
  // Row 1 is the header; papaparse counts data rows from 0.
  parsed.data.forEach((raw, index) => reader.add(raw, index + 2));
  const issues: Problem[] = [];
  for (const e of parsed.errors.slice(0, SAMPLE_LINES)) {
    const line = (e.row ?? 0) + 2;
    issues.push({
      severity: 'warning',
      code: 'kev-csv',
      message: `Row ${line} of ${source} could not be read cleanly (${e.message}); check that row or download the file again.`,
      line
    });
  }
  // The CSV carries no release date: the newest dateAdded is the day the catalog is at least as fresh as.
  return reader.finish(issues, { snapshotDate: reader.newestDateAdded });
}

/** Collects KEV entries from JSON objects or CSV rows, grouping the rows it has to skip into one warning. */
class KevRows {
  readonly entries: KevEntry[] = [];
  newestDateAdded: string | undefined;
  private readonly seen = new Set<string>();
  private readonly skipped: { where: number; why: string }[] = [];
  private skippedCount = 0;
  private duplicates = 0;

  constructor(
    private readonly source: string,
    private readonly unit: 'entry' | 'row'
  ) {}

  add(raw: RawKev, where: number): void {
    const cve = text(raw.cveID).toUpperCase();
    const dateAdded = kevDate(text(raw.dateAdded));
    const dueText = text(raw.dueDate);
    const dueDate = kevDate(dueText);
    let why: string | undefined;
    if (!CVE_ID.test(cve)) why = `"${cve || '(empty)'}" is not a CVE id`;
    else if (!dateAdded) why = `dateAdded "${text(raw.dateAdded)}" is not a date`;
    if (why) {
      this.skippedCount++;
      if (this.skipped.length < SAMPLE_LINES) this.skipped.push({ where, why });
      return;
    }
    if (this.seen.has(cve)) {
      this.duplicates++;
      return;
    }
    this.seen.add(cve);
    const entry: KevEntry = {
      cve,
      dateAdded: dateAdded!,
      ransomware: text(raw.knownRansomwareCampaignUse).toLowerCase() === 'known',
      vendor: text(raw.vendorProject),
      product: text(raw.product),
      name: text(raw.vulnerabilityName)
    };
    if (dueText && dueDate) entry.dueDate = dueDate;
    this.entries.push(entry);
    if (!this.newestDateAdded || entry.dateAdded > this.newestDateAdded)
      this.newestDateAdded = entry.dateAdded;
  }

  finish(
    issues: Problem[],
    meta: { catalogVersion?: string; snapshotDate?: string }
  ): ParseResult<KevPart | undefined> {
    const label = this.unit === 'entry' ? 'Entry' : 'Row';
    if (this.skippedCount > 0) {
      const first = this.skipped[0]!;
      issues.unshift({
        severity: 'warning',
        code: 'kev-bad-entry',
        message:
          this.skippedCount === 1
            ? `${label} ${first.where} of ${this.source} was skipped: ${first.why}.`
            : `${this.skippedCount} ${this.unit === 'entry' ? 'entries' : 'rows'} of ${this.source} were skipped ` +
              `(${this.unit === 'entry' ? 'entries' : 'rows'} ${this.skipped.map((s) => s.where).join(', ')}` +
              `${this.skippedCount > this.skipped.length ? ', …' : ''}); the first: ${first.why}.`,
        ...(this.unit === 'row' ? { line: first.where, lines: this.skipped.map((s) => s.where) } : {}),
        detail: this.skipped.map((s) => `${s.where}: ${s.why}`).join('\n'),
        count: this.skippedCount
      });
    }
    if (this.duplicates > 0) {
      issues.push({
        severity: 'info',
        code: 'kev-duplicate',
        message: `${this.duplicates} CVEs are listed more than once in ${this.source}; the first listing of each is kept.`,
        count: this.duplicates
      });
    }
    if (this.entries.length === 0) {
      issues.push({
        severity: 'error',
        code: 'kev-empty',
        message: `${this.source} has no usable KEV entries. ${HOW_TO_GET}`
      });
      return { value: undefined, issues };
    }
    const part: KevPart = { part: 'kev', source: this.source, entries: this.entries };
    if (meta.snapshotDate) part.snapshotDate = meta.snapshotDate;
    if (meta.catalogVersion) part.catalogVersion = meta.catalogVersion;
    return { value: part, issues };
  }
}

/** YYYY-MM-DD, also the M/D/YYYY a US spreadsheet writes when the CSV was opened and saved again. */
function kevDate(value: string): string | undefined {
  if (ISO_DATE.test(value)) return value;
  const iso = /^(\d{4}-\d{2}-\d{2})T/.exec(value);
  if (iso) return iso[1];
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (us) return `${us[3]}-${us[1]!.padStart(2, '0')}-${us[2]!.padStart(2, '0')}`;
  return undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(code: string, message: string, line?: number): ParseResult<KevPart | undefined> {
  return { value: undefined, issues: [{ severity: 'error', code, message, ...(line ? { line } : {}) }] };
}
