import type { ParsedFile, ParseResult, Severity } from '../model';
import {
  cellAt,
  cellValue,
  createScannerCsvParser,
  findCves,
  findMissingKbs,
  hostNames,
  ipsOfCell,
  parsePort,
  parseScore,
  parseScannerCsv,
  pushUnique,
  resolveColumns,
  severityFromScore,
  severityFromWord,
  sniffCsvHeader,
  splitList,
  type CsvHeader,
  type FindingDraft,
  type RuleDraft,
  type ScannerCsvSpec
} from './csv';
import type { FormatHandler } from './handler';
import { findKbs } from './kb';

/**
 * Greenbone / OpenVAS "CSV Results" report format: one row per result (NVT × host × port), informational
 * ("Log") results included.
 *
 * Columns (GVM 9 to 22): IP, Hostname, Port, Port Protocol, CVSS, Severity, QoD, Solution Type, NVT Name,
 * Summary, Specific Result, NVT OID, CVEs, Task ID, Task Name, Timestamp, Result ID, Impact, Solution,
 * Affected Software/OS, Vulnerability Insight, Vulnerability Detection Method, Product Detection Result, BIDs,
 * CERTs, Other References. They are found by name.
 *
 * The CVSS column is the result's severity score. Greenbone scores with CVSS v3.x wherever the NVT has a v3
 * vector (since GOS 21.04), so it is kept as the rule's cvss3; the model has no place for a score whose
 * version the file does not state.
 * @see https://docs.greenbone.net/GSM-Manual/gos-22.04/en/reports.html#exporting-a-report
 */

const HOW_TO =
  'In Greenbone / OpenVAS: open the report → Download → choose the "CSV Results" report format (or XML).';

const COLUMNS = {
  ip: ['IP', 'IP Address', 'Host'],
  hostname: ['Hostname', 'Host Name'],
  port: ['Port'],
  protocol: ['Port Protocol', 'Protocol'],
  cvss: ['CVSS', 'Severity Score'],
  severity: ['Severity'],
  solutionType: ['Solution Type'],
  name: ['NVT Name', 'Name'],
  summary: ['Summary'],
  result: ['Specific Result', 'Result'],
  oid: ['NVT OID', 'OID'],
  cves: ['CVEs', 'CVE'],
  timestamp: ['Timestamp'],
  impact: ['Impact'],
  solution: ['Solution'],
  affected: ['Affected Software/OS'],
  insight: ['Vulnerability Insight'],
  detection: ['Vulnerability Detection Method'],
  bids: ['BIDs'],
  certs: ['CERTs'],
  references: ['Other References']
} as const;

type Columns = Record<keyof typeof COLUMNS, number>;

/** A Greenbone results header: an NVT OID (or NVT Name) column and an IP column. */
export function isOpenvasCsvHeader(header: CsvHeader): boolean {
  return header.has('NVT OID', 'NVT Name') && header.has('IP') && !header.has('QID', 'Plugin ID');
}

/** Joins labelled sections of an NVT's texts into one description. */
function sections(parts: [string, string][]): string | undefined {
  const present = parts.filter(([, text]) => text.trim() !== '');
  if (present.length === 0) return undefined;
  return present.map(([label, text]) => (label ? `${label}:\n${text.trim()}` : text.trim())).join('\n\n');
}

export const OPENVAS_CSV_SPEC: ScannerCsvSpec<Columns> = {
  format: 'openvas-csv',
  scanner: 'openvas',
  what: 'Greenbone / OpenVAS CSV results export',
  expected: '"IP" and "NVT OID" columns',
  howTo: HOW_TO,
  defaultOrder: 'mdy',
  isHeader: isOpenvasCsvHeader,
  columns: (header) => resolveColumns(header, COLUMNS),
  readRow(row, c, rows, issues) {
    const v = (column: number): string => cellValue(row, column);
    const name = v(c.name);
    const oid = v(c.oid) || name;
    if (!oid) {
      issues.add({
        severity: 'warning',
        code: 'csv-row-without-nvt',
        message: `Rows with neither an NVT OID nor an NVT name were skipped (the first at line ${row.line}). Check that the report was not edited, or download it again.`,
        line: row.line
      });
      return;
    }
    const ipCell = v(c.ip);
    const ips = ipsOfCell(ipCell);
    const hostname = v(c.hostname);
    const key = ips[0] ?? (ipCell || hostname);
    if (!key) {
      issues.add({
        severity: 'warning',
        code: 'csv-row-without-host',
        message: `Rows that name no host (empty IP and Hostname cells) were skipped; the first is at line ${row.line} (NVT ${oid}). Download the report again in the CSV Results format.`,
        line: row.line
      });
      return;
    }

    const scoreText = v(c.cvss);
    const score = parseScore(scoreText, false);
    const word = v(c.severity);
    const falsePositive = /^false positive$/i.test(word);
    let severity: Severity | undefined = falsePositive ? 'info' : severityFromWord(word);
    if (!severity && score !== undefined) severity = severityFromScore(score);
    if (!severity) {
      issues.add({
        severity: 'warning',
        code: 'csv-bad-severity',
        message: `Rows with neither a known severity nor a CVSS score were read as info; the first is NVT ${oid} at line ${row.line} ("${word}"). Check that the Severity and CVSS columns were not edited.`,
        line: row.line
      });
      severity = 'info';
    }

    const facts = hostNames({ dns: hostname, name: hostname });
    facts.ips = ips;
    rows.host(key, facts);

    const cves = findCves(v(c.cves));
    if (/^CVE-\d{4}-\d{4,}$/i.test(oid)) pushUnique(cves, oid.toUpperCase());
    const summary = v(c.summary);
    const solution = v(c.solution);
    rows.rule(
      oid,
      () => {
        const r: RuleDraft = {
          ruleId: oid,
          name: name || `NVT ${oid}`,
          severity: severity as Severity,
          cves,
          kbs: findKbs(`${summary}\n${solution}`),
          xrefs: [
            ...splitList(v(c.bids), /[,\s]+/).map((b) => `BID:${b}`),
            ...splitList(v(c.certs), /[,\s]+/)
          ],
          references: splitList(v(c.references), /[,\s]+/)
        };
        if (summary) r.synopsis = summary;
        const description = sections([
          ['', v(c.insight)],
          ['Affected software/OS', v(c.affected)],
          ['Impact', v(c.impact)],
          ['Detection method', v(c.detection)]
        ]);
        if (description) r.description = description;
        if (solution) r.solution = solution;
        if (score !== undefined) r.cvss3Score = scoreText;
        const solutionType = v(c.solutionType);
        if (solutionType) r.pluginType = solutionType;
        return r;
      },
      (r) => {
        for (const cve of cves) pushUnique(r.cves, cve);
      }
    );

    const finding: FindingDraft = { ruleId: oid, severity };
    const output = cellAt(row, c.result);
    let port = parsePort(v(c.port));
    let protocol = v(c.protocol).toLowerCase();
    // GVM's CVE scanner leaves Port empty and says where the product was found in the result.
    const foundAt = port === undefined ? /found at:\s*(\d{1,5})\/(tcp|udp)\b/i.exec(output) : null;
    if (foundAt) {
      port = parsePort(foundAt[1] as string);
      protocol ||= (foundAt[2] as string).toLowerCase();
    }
    if (port !== undefined) finding.port = port;
    if (protocol) finding.protocol = protocol;
    if (output.trim()) {
      finding.output = output;
      const kbs = findMissingKbs(output, false);
      if (kbs.length > 0) finding.kbs = kbs;
    }
    finding.state = falsePositive ? 'not_affected' : 'affected';
    const timestamp = v(c.timestamp);
    if (timestamp) finding.lastSeenRaw = timestamp;
    rows.addFinding(key, finding);
  }
};

export function parseOpenvasCsv(bytes: Uint8Array): ParseResult<ParsedFile> {
  return parseScannerCsv(OPENVAS_CSV_SPEC, bytes);
}

export function sniffOpenvasCsv(text: string): boolean {
  return sniffCsvHeader(text, isOpenvasCsvHeader) !== undefined;
}

export const openvasCsvHandlers: FormatHandler[] = [
  {
    format: 'openvas-csv',
    family: 'scanner',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffOpenvasCsv(text) ? 90 : 0),
    create: (sink) => createScannerCsvParser(OPENVAS_CSV_SPEC, sink)
  }
];
