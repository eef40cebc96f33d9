import { toCanonicalJson } from '../json';
import type { EngagementResults, Finding, PatchGap } from '../model';
import { csvCell } from './plan-csv';

/**
 * Exports of the results for the client's IT person or a PSA import: the gaps as CSV, and the whole results as
 * JSON that is the same bytes whichever runtime computed them (CLI, worker, tests).
 */

/** A CSV line (RFC 4180) with formula-looking cells made inert for spreadsheet programs. */
export function csvLine(cells: (string | number | boolean | null | undefined)[]): string {
  return cells.map((c) => csvCell(c === null || c === undefined ? '' : String(c))).join(',');
}

const GAP_COLUMNS = [
  'host',
  'kind',
  'product',
  'action',
  'installed',
  'required',
  'kb',
  'severity',
  'priority',
  'due_date',
  'overdue_since',
  'reason',
  'cves',
  'max_cvss',
  'epss',
  'kev',
  'kev_ransomware',
  'reboot',
  'scanner_results_folded',
  'sources',
  'risk_accepted',
  'accepted_reason',
  'accepted_by',
  'review_by',
  'gap_id'
];

/** One row per gap, most urgent first, for a spreadsheet or a PSA import. */
export function gapsToCsv(gaps: readonly PatchGap[]): string {
  const lines = [csvLine(GAP_COLUMNS)];
  for (const g of gaps) {
    lines.push(
      csvLine([
        g.hostname,
        g.kind,
        g.product,
        g.title,
        g.installed,
        g.required,
        g.kb,
        g.severity,
        g.priority.label,
        g.priority.dueDate,
        g.priority.overdueSince,
        g.priority.reason,
        g.cves.join(' '),
        g.cvss?.score,
        g.epss?.score,
        g.kev ? 'yes' : 'no',
        g.kev?.ransomware ? 'yes' : '',
        g.rebootRequired === null ? 'unknown' : g.rebootRequired ? 'yes' : 'no',
        g.folded,
        [...new Set(g.evidence.map((e) => e.fileName))].join('; '),
        g.exception ? (g.exception.active ? 'yes' : 'lapsed') : 'no',
        g.exception?.reason,
        g.exception?.acceptedBy,
        g.exception?.until,
        g.id
      ])
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

const FINDING_COLUMNS = [
  'host',
  'severity',
  'title',
  'scanner',
  'rule',
  'port',
  'cves',
  'kbs',
  'cvss3',
  'package',
  'fixed_version',
  'state',
  'solution',
  'sources'
];

/** One row per scanner finding (the same CVE from two scanners once, with both sources), for the client's IT person. */
export function findingsToCsv(findings: readonly Finding[]): string {
  const lines = [csvLine(FINDING_COLUMNS)];
  for (const f of findings) {
    lines.push(
      csvLine([
        f.hostname,
        f.severity,
        f.title,
        f.scanner,
        f.ruleId,
        f.port,
        f.cves.join(' '),
        f.kbs.join(' '),
        f.cvss3?.baseScore,
        f.package ? `${f.package.name}${f.package.version ? ` ${f.package.version}` : ''}` : '',
        f.fixedVersion,
        f.state,
        f.solution,
        [...new Set(f.sources.map((s) => `${s.scanner} ${s.ruleId}`))].join('; ')
      ])
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The results as portable JSON: keys in sorted order, no engagement id, and each file id replaced by "file-N"
 * (N by file name order), so the CLI and the app give the same bytes for the same files, catalog, settings and
 * as-of date.
 */
export function resultsJson(results: EngagementResults): string {
  const ids = results.files.map((f) => f.id);
  const portable = new Map(ids.map((id, i) => [id, `file-${i + 1}`]));
  const pattern =
    ids.length > 0
      ? new RegExp(
          `(?<![\\w.-])(${[...ids]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|')})(?![\\w-])`,
          'g'
        )
      : undefined;
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string')
      return pattern ? value.replace(pattern, (id) => portable.get(id) ?? id) : value;
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = replace(v);
      return out;
    }
    return value;
  };
  const { engagementId: _engagementId, ...rest } = results;
  return toCanonicalJson(replace(rest));
}
