import type { ParsedFile, ParseResult, Severity } from '../model';
import {
  cellAt,
  cellValue,
  createScannerCsvParser,
  findCves,
  findMissingKbs,
  hostNames,
  ipsOfCell,
  osFromName,
  parsePort,
  parseScannerCsv,
  pushUnique,
  resolveColumns,
  severityFromWord,
  sniffCsvHeader,
  splitList,
  splitScoreAndVector,
  type CsvHeader,
  type CsvRecord,
  type FindingDraft,
  type RuleDraft,
  type ScannerCsvSpec
} from './csv';
import type { FormatHandler } from './handler';
import { findKbs } from './kb';

/**
 * Qualys CSV exports: one row per detection (QID × host × port/instance), in three layouts found by their
 * column names.
 * - VM detections / scan results ("IP, Network, DNS, NetBIOS, Tracking Method, OS, IP Status, QID, Title,
 *   Vuln Status, Type, Severity, Port, Protocol, FQDN, SSL, First Detected, Last Detected, ..., CVE ID,
 *   Vendor Reference, Bugtraq ID, CVSS3 Base, Threat, Impact, Solution, Results, ...").
 * - VMDR "Asset Vuln Datalist Report": a few preamble lines (report title and date, company address, user)
 *   before the header ("CVE, CVE-Description, CVSSv2 Base (nvd), CVSSv3.1 Base (nvd), QID, Title, Severity,
 *   ..., Status, Asset Id, Asset Name, Asset IPV4, Asset IPV6, ...").
 * - PCI scan ("IP, HOSTNAME, LAST SCAN, QID, VULN TITLE, TYPE, SEVERITY, PORT, PROTOCOL, OPERATING SYSTEM,
 *   ..., Q_SEVERITY, ..., CVEID"), dates day-first in the file's locale.
 * Severity is Qualys's 1–5 (5 critical, 4 high, 3 medium, 2 low, 1 informational), as in its XML reports.
 * Fixed detections are kept with state "fixed" (counted, not gaps).
 * @see https://docs.qualys.com/en/vm/latest/reports/scan_report_formats.htm
 */

const HOW_TO =
  'In Qualys VM/VMDR: Reports → New → Scan Report or Vulnerability data list (or the PCI scan report) → format CSV; ' +
  'or open the scan → Download → CSV.';

const COLUMNS = {
  ip: ['IP', 'IP Address'],
  assetIpv4: ['Asset IPV4', 'Asset IPv4'],
  ipv6: ['Asset IPV6', 'IPv6'],
  network: ['Network'],
  dns: ['DNS', 'DNS Name'],
  netbios: ['NetBIOS', 'NetBIOS Name'],
  fqdn: ['FQDN'],
  hostname: ['HOSTNAME', 'Asset Name', 'Host Name'],
  assetId: ['Asset Id', 'Asset ID'],
  hostId: ['Host ID', 'Host Id'],
  os: ['OS', 'Operating System'],
  qid: ['QID'],
  title: ['Title', 'VULN TITLE', 'Vulnerability Title'],
  status: ['Vuln Status', 'Status'],
  type: ['Type', 'Type Detected'],
  severity: ['Q_SEVERITY', 'Severity', 'KB Severity'],
  severityWord: ['SEVERITY'],
  port: ['Port'],
  protocol: ['Protocol'],
  firstSeen: ['First Detected'],
  lastSeen: ['Last Detected', 'LAST SCAN'],
  cve: ['CVE ID', 'CVE', 'CVEID', 'CVE IDs'],
  cveDescription: ['CVE-Description'],
  vendorReference: ['Vendor Reference'],
  bugtraq: ['Bugtraq ID', 'BUGTRAQID'],
  cvss3: ['CVSS3 Base', 'CVSSv3.1 Base (nvd)', 'CVSS3.1 Base', 'CVSSv3 Base (nvd)', 'CVSS3'],
  cvss2: ['CVSS Base', 'CVSS_BASE', 'CVSSv2 Base (nvd)', 'CVSS'],
  threat: ['Threat'],
  impact: ['Impact'],
  solution: ['Solution'],
  exploitability: ['Exploitability'],
  malware: ['Associated Malware'],
  results: ['Results', 'RESULT'],
  category: ['Category'],
  published: ['Published Date'],
  patchReleased: ['Patch Released'],
  falsePositive: ['FALSE POSITIVE STATUS']
} as const;

type Columns = Record<keyof typeof COLUMNS, number>;

/** A Qualys detections header: a QID column, a host column and a title or severity column. */
export function isQualysCsvHeader(header: CsvHeader): boolean {
  return (
    header.has('QID') &&
    header.has('IP', 'IP Address', 'Asset IPV4', 'Asset Id', 'Asset Name', 'DNS', 'NetBIOS', 'HOSTNAME') &&
    header.has('Title', 'VULN TITLE', 'Severity', 'Q_SEVERITY')
  );
}

const SEVERITY_BY_LEVEL: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** Qualys 1–5, or a word when a layout writes one. */
function qualysSeverity(level: string, word: string): Severity | undefined {
  const l = level.trim();
  if (/^[1-5]$/.test(l)) return SEVERITY_BY_LEVEL[Number(l) - 1];
  return severityFromWord(l) ?? severityFromWord(word);
}

/** Qualys detection status → finding state. */
function detectionState(text: string): FindingDraft['state'] | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
  if (!t) return undefined;
  if (t === 'active' || t === 'new' || t === 'reopened' || t === 'open') return 'affected';
  if (t === 'fixed') return 'fixed';
  return 'unknown';
}

export const QUALYS_CSV_SPEC: ScannerCsvSpec<Columns> = {
  format: 'qualys-csv',
  scanner: 'qualys',
  what: 'Qualys CSV export',
  expected: '"QID", "IP" (or "Asset IPV4") and "Title" columns',
  howTo: HOW_TO,
  // Qualys writes US dates unless the user's locale says otherwise; the file's own dates decide when they can.
  defaultOrder: 'mdy',
  isHeader: isQualysCsvHeader,
  columns: (header) => resolveColumns(header, COLUMNS),
  formatVersion(_header: CsvHeader, preamble: readonly CsvRecord[]) {
    const title = preamble[0]?.cells[0]?.trim();
    return title && /report/i.test(title) ? title : undefined;
  },
  readRow(row, c, rows, issues) {
    const v = (column: number): string => cellValue(row, column);
    const qid = v(c.qid);
    if (!qid) {
      issues.add({
        severity: 'warning',
        code: 'csv-row-without-qid',
        message: `Rows without a QID were skipped (the first at line ${row.line}). Check that the export was not edited.`,
        line: row.line
      });
      return;
    }
    const ips = [...ipsOfCell(v(c.ip)), ...ipsOfCell(v(c.assetIpv4))];
    for (const ip of ipsOfCell(v(c.ipv6))) pushUnique(ips, ip);
    const assetId = v(c.assetId);
    const hostId = v(c.hostId);
    const assetName = v(c.hostname);
    const dns = v(c.fqdn) || v(c.dns);
    const netbios = v(c.netbios);
    const network = v(c.network);
    // An IP is one machine only within its network (Qualys networks may overlap).
    const ipKey =
      ips[0] && network && !/^global default network$/i.test(network) ? `${ips[0]} (${network})` : ips[0];
    const key = assetId || hostId || ipKey || dns || assetName || netbios;
    if (!key) {
      issues.add({
        severity: 'warning',
        code: 'csv-row-without-host',
        message: `Rows that name no host (no IP, asset or DNS name) were skipped; the first is at line ${row.line} (QID ${qid}). Export again with the IP and DNS columns included.`,
        line: row.line
      });
      return;
    }

    const levelText = v(c.severity);
    let severity = qualysSeverity(levelText, v(c.severityWord));
    if (!severity) {
      issues.add({
        severity: 'warning',
        code: 'csv-bad-severity',
        message: `Rows with a severity that is not 1 to 5 were read as info; the first is QID ${qid} at line ${row.line} ("${levelText}"). Check that the Severity column was not edited.`,
        line: row.line
      });
      severity = 'info';
    }

    const facts = hostNames({ netbios, dns, name: assetName });
    facts.ips = ips;
    const hostIds: string[] = [];
    if (assetId) hostIds.push(`qualys-asset:${assetId}`);
    if (hostId) hostIds.push(`qualys:${hostId}`);
    if (hostIds.length > 0) facts.hostIds = hostIds;
    const os = osFromName(v(c.os));
    if (os) facts.os = os;
    rows.host(key, facts);

    const cves = findCves(v(c.cve));
    const vendorRefs = splitList(v(c.vendorReference), /[,\n]/);
    const kbs: string[] = [];
    const xrefs: string[] = [];
    for (const ref of vendorRefs) {
      const found = findKbs(ref);
      if (found.length > 0) for (const kb of found) pushUnique(kbs, kb);
      else pushUnique(xrefs, ref);
    }
    for (const bid of splitList(v(c.bugtraq), /[,\s]+/)) pushUnique(xrefs, `BID:${bid}`);
    rows.rule(
      qid,
      () => {
        const r: RuleDraft = {
          ruleId: qid,
          name: v(c.title) || `Qualys QID ${qid}`,
          severity: severity as Severity,
          cves,
          kbs,
          xrefs,
          references: []
        };
        const category = v(c.category);
        if (category) r.family = category;
        const type = v(c.type);
        if (type) r.pluginType = type;
        const threat = v(c.threat) || v(c.cveDescription);
        const impact = v(c.impact);
        const description = [threat, impact ? `Impact:\n${impact}` : ''].filter(Boolean).join('\n\n');
        if (description) r.description = description;
        const solution = v(c.solution);
        if (solution) r.solution = solution;
        const cvss3 = splitScoreAndVector(v(c.cvss3));
        if (cvss3.score) {
          r.cvss3Score = cvss3.score;
          if (cvss3.vector) r.cvss3Vector = cvss3.vector;
        }
        const cvss2 = splitScoreAndVector(v(c.cvss2));
        if (cvss2.score) {
          r.cvss2Score = cvss2.score;
          if (cvss2.vector) r.cvss2Vector = cvss2.vector;
        }
        const published = v(c.published);
        if (published) r.vulnPublishedOn = published;
        const patch = v(c.patchReleased);
        if (patch) r.patchPublishedOn = patch;
        if (v(c.exploitability)) r.exploitAvailable = true;
        if (v(c.malware)) r.exploitedByMalware = true;
        return r;
      },
      (r) => {
        for (const cve of cves) pushUnique(r.cves, cve);
        for (const kb of kbs) pushUnique(r.kbs, kb);
        for (const x of xrefs) pushUnique(r.xrefs, x);
      }
    );

    const finding: FindingDraft = { ruleId: qid, severity };
    const port = parsePort(v(c.port));
    if (port !== undefined) finding.port = port;
    const protocol = v(c.protocol).toLowerCase();
    if (protocol) finding.protocol = protocol;
    const output = cellAt(row, c.results);
    if (output.trim() && cellValue(row, c.results)) {
      finding.output = output;
      const missing = findMissingKbs(output, kbs.length > 0);
      if (missing.length > 0) finding.kbs = missing;
    }
    const state = detectionState(v(c.status));
    if (state) finding.state = state;
    const first = v(c.firstSeen);
    if (first) finding.firstSeenRaw = first;
    const last = v(c.lastSeen);
    if (last) finding.lastSeenRaw = last;
    rows.addFinding(key, finding);
  }
};

export function parseQualysCsv(bytes: Uint8Array): ParseResult<ParsedFile> {
  return parseScannerCsv(QUALYS_CSV_SPEC, bytes);
}

export function sniffQualysCsv(text: string): boolean {
  return sniffCsvHeader(text, isQualysCsvHeader) !== undefined;
}

export const qualysCsvHandlers: FormatHandler[] = [
  {
    format: 'qualys-csv',
    family: 'scanner',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffQualysCsv(text) ? 90 : 0),
    create: (sink) => createScannerCsvParser(QUALYS_CSV_SPEC, sink)
  }
];
