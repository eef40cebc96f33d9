import type { ParseResult, Problem } from '../model/problem';
import { forEachCatalogLine } from './epss';
import { compareCveIds, CVE_ID } from './kev';
import type { SsvcEntry, SsvcPart } from './parts';

/**
 * CISA Vulnrichment: the SSVC decision points CISA's ADP container gives each CVE (Exploitation, Automatable,
 * Technical Impact), read from cisa_adp_ssvc.csv(.gz), one row per CVE with the columns
 * `cve, exploitation, automatable, technical_impact, ssvc_version, ssvc_timestamp, adp_cvss_v31_vector,
 * adp_cvss_v31_base, adp_cwe, in_kev_adp, kev_date_added, cna_cvss_vectors` (cna_cvss_vectors: the CNA's CVSS
 * vectors separated by spaces). Besides the `ssvc` part it hands back the CVSS vectors of the rows for the `cvss` part.
 */

export interface VulnrichmentVector {
  cve: string;
  vector: string;
  source: 'cisa-adp' | 'cna';
}

const HOW_TO_GET =
  'Use cisa_adp_ssvc.csv.gz from the catalog folder (vulnrichment), made from https://github.com/cisagov/vulnrichment.';
const SAMPLE_LINES = 10;
const REQUIRED = ['cve', 'exploitation', 'automatable', 'technical_impact'] as const;

/** Values as CISA writes them (case varies: "None", "PoC", "Yes", "Total"), lower-cased → the part's enums. */
const EXPLOITATION: Record<string, SsvcEntry[1]> = {
  none: 'none',
  poc: 'poc',
  'public poc': 'poc',
  active: 'active'
};
const AUTOMATABLE: Record<string, SsvcEntry[2]> = { yes: 'yes', no: 'no' };
const TECHNICAL_IMPACT: Record<string, SsvcEntry[3]> = { partial: 'partial', total: 'total' };

/** Reads the Vulnrichment SSVC table (gzipped or plain). A file without its columns gives an error and no part. */
export async function buildSsvcPart(
  bytes: Uint8Array,
  source: string
): Promise<ParseResult<{ ssvc: SsvcPart; vectors: VulnrichmentVector[] } | undefined>> {
  const issues: Problem[] = [];
  const entries: SsvcEntry[] = [];
  const vectors: VulnrichmentVector[] = [];
  let columns: Record<string, number> | undefined;
  let refused: string | undefined;
  let newest: string | undefined;
  const bad: { line: number; why: string }[] = [];
  let badCount = 0;

  const { error } = await forEachCatalogLine(bytes, (line, lineNo) => {
    if (line.trim() === '') return;
    const cells = splitCsvLine(lineNo === 1 ? line.replace(/^\uFEFF/, '') : line);
    if (!columns) {
      const names = cells.map((c) => c.trim().toLowerCase());
      const missing = REQUIRED.filter((c) => !names.includes(c));
      if (missing.length > 0) {
        refused =
          `${source} is not the Vulnrichment SSVC table: line ${lineNo} should be its header, but the columns ` +
          `${missing.join(', ')} are missing. ${HOW_TO_GET}`;
        return false;
      }
      columns = Object.fromEntries(names.map((n, i) => [n, i]));
      return;
    }
    const cell = (name: string): string => {
      const at = columns![name];
      return at === undefined ? '' : (cells[at] ?? '').trim();
    };
    const cve = cell('cve').toUpperCase();
    const exploitation = EXPLOITATION[cell('exploitation').toLowerCase()];
    const automatable = AUTOMATABLE[cell('automatable').toLowerCase()];
    const impact = TECHNICAL_IMPACT[cell('technical_impact').toLowerCase()];
    let why: string | undefined;
    if (!CVE_ID.test(cve)) why = `"${cve.slice(0, 30)}" is not a CVE id`;
    else if (!exploitation) why = `Exploitation "${cell('exploitation')}" is not none, poc or active`;
    else if (!automatable) why = `Automatable "${cell('automatable')}" is not yes or no`;
    else if (!impact) why = `Technical Impact "${cell('technical_impact')}" is not partial or total`;
    if (why) {
      badCount++;
      if (bad.length < SAMPLE_LINES) bad.push({ line: lineNo, why });
      return;
    }
    entries.push([cve, exploitation!, automatable!, impact!]);
    const stamp = /^\d{4}-\d{2}-\d{2}/.exec(cell('ssvc_timestamp'))?.[0];
    if (stamp && (!newest || stamp > newest)) newest = stamp;
    const adp = cell('adp_cvss_v31_vector');
    if (adp) vectors.push({ cve, vector: adp, source: 'cisa-adp' });
    for (const vector of cell('cna_cvss_vectors').split(/\s+/)) {
      if (vector) vectors.push({ cve, vector, source: 'cna' });
    }
  });

  if (refused) {
    return {
      value: undefined,
      issues: [{ severity: 'error', code: 'ssvc-wrong-file', message: refused, line: 1 }]
    };
  }
  if (error) {
    issues.push({
      severity: entries.length > 0 ? 'warning' : 'error',
      code: 'ssvc-unreadable',
      message:
        entries.length > 0
          ? `${source} could not be read to its end (${error}); the ${entries.length} rows before that are kept. ${HOW_TO_GET}`
          : `${source} could not be read: ${error}. ${HOW_TO_GET}`
    });
  }
  if (badCount > 0) {
    issues.push({
      severity: 'warning',
      code: 'ssvc-bad-row',
      message:
        `${badCount} ${badCount === 1 ? 'row' : 'rows'} of ${source} ${badCount === 1 ? 'was' : 'were'} skipped ` +
        `(${bad.map((b) => b.line).join(', ')}${badCount > bad.length ? ', …' : ''}): ${bad[0]!.why}.`,
      line: bad[0]!.line,
      lines: bad.map((b) => b.line),
      count: badCount,
      detail: bad.map((b) => `${b.line}: ${b.why}`).join('\n')
    });
  }
  if (entries.length === 0) {
    if (!error) {
      issues.push({
        severity: 'error',
        code: 'ssvc-empty',
        message: `${source} has no SSVC rows. ${HOW_TO_GET}`
      });
    }
    return { value: undefined, issues };
  }

  // Stable sort: of a CVE listed twice the first row is kept.
  entries.sort((a, b) => compareCveIds(a[0], b[0]));
  const unique = entries.filter((e, i) => i === 0 || entries[i - 1]![0] !== e[0]);
  if (unique.length < entries.length) {
    issues.push({
      severity: 'info',
      code: 'ssvc-duplicate',
      message: `${entries.length - unique.length} CVEs have more than one row in ${source}; the first row of each is kept.`,
      count: entries.length - unique.length
    });
  }
  const ssvc: SsvcPart = { part: 'ssvc', source, entries: unique };
  if (newest) ssvc.snapshotDate = newest;
  return { value: { ssvc, vectors }, issues };
}

/** One CSV line into cells: commas separate, double quotes may enclose a cell ("" is a quote inside one). */
function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
