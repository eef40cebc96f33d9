import type { ParsedFile, ParseResult, Severity } from '../model';
import {
  cellAt,
  cellValue,
  createScannerCsvParser,
  findCves,
  findMissingKbs,
  hostNames,
  ipsOfCell,
  isIpAddress,
  kbsOfCell,
  macsOfCell,
  osFromName,
  parsePort,
  parseScannerCsv,
  parseYesNo,
  pushUnique,
  resolveColumns,
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
 * Tenable's CSV exports: one row per finding (plugin × host × port), in three layouts.
 * - Nessus Pro / Nessus Manager ("Plugin ID, CVE, CVSS v2.0 Base Score, Risk, Host, Protocol, Port, Name,
 *   Synopsis, Description, Solution, See Also, Plugin Output", newer versions add CVSS v3/v4, VPR, EPSS, MSKB,
 *   XREF). It repeats a finding's row once per CVE: every row is counted as a finding (the rule the project
 *   keeps: one finding per data row), and the CVEs are merged into the plugin's rule.
 * - Tenable.sc ("Plugin, Plugin Name, Family, Severity, IP Address, ..., Plugin Text, First Discovered, ...").
 * - Tenable.io / Tenable Vulnerability Management ("Asset UUID", "IP Address", "FQDN", "NetBios", "OS",
 *   "Vulnerability State", "First Found", ... and sometimes unnamed columns).
 * Columns are found by name, so their order and the extra ones do not matter; comma or semicolon.
 * @see https://docs.tenable.com/nessus/Content/ScanResultsExportFormats.htm
 */

const HOW_TO =
  'In Nessus: open the scan → Report (or Export) → CSV, with all columns. In Tenable.sc: Analysis → Vulnerabilities → ' +
  'Vulnerability Detail List → Export as CSV. In Tenable.io: Vulnerabilities → Export → CSV.';

const COLUMNS = {
  pluginId: ['Plugin ID', 'Plugin', 'Plugin Id', 'PluginID'],
  name: ['Name', 'Plugin Name'],
  family: ['Family', 'Plugin Family'],
  risk: ['Risk'],
  severity: ['Severity'],
  riskFactor: ['Risk Factor'],
  uuid: ['Asset UUID', 'Asset ID', 'Host UUID'],
  host: ['Host', 'Asset Name', 'Host Name'],
  ip: ['IP Address', 'IPV4 Address', 'IPv4 Address', 'IP'],
  ipv6: ['IPV6 Address', 'IPv6 Address'],
  dns: ['DNS Name', 'FQDN', 'Host FQDN', 'DNS'],
  netbios: ['NetBIOS Name', 'NetBios', 'NetBIOS'],
  mac: ['MAC Address', 'MAC Addresses', 'MAC'],
  os: ['OS', 'Operating System', 'Operating Systems'],
  protocol: ['Protocol'],
  port: ['Port'],
  service: ['Service', 'Svc Name', 'Service Name'],
  output: ['Plugin Output', 'Plugin Text', 'Output'],
  synopsis: ['Synopsis'],
  description: ['Description'],
  solution: ['Solution'],
  seeAlso: ['See Also'],
  cve: ['CVE', 'CVEs'],
  cvss3: ['CVSS v3.0 Base Score', 'CVSS V3 Base Score', 'CVSS3 Base Score', 'CVSS v3 Base Score'],
  cvss3Vector: ['CVSS v3.0 Vector', 'CVSS V3 Vector', 'CVSS3 Vector'],
  cvss2: ['CVSS v2.0 Base Score', 'CVSS V2 Base Score', 'CVSS Base Score', 'CVSS'],
  cvss2Vector: ['CVSS v2.0 Vector', 'CVSS V2 Vector', 'CVSS Vector'],
  mskb: ['MSKB'],
  xref: ['XREF', 'XREFs', 'Cross References'],
  pluginType: ['Plugin Type', 'Check Type'],
  pluginPublished: ['Plugin Publication Date'],
  patchPublished: ['Patch Publication Date'],
  vulnPublished: ['Vuln Publication Date', 'Vulnerability Publication Date'],
  exploit: ['Exploit?', 'Exploit Available', 'Exploitable'],
  malware: ['Exploited by Malware'],
  state: ['Vulnerability State', 'State'],
  firstSeen: ['First Discovered', 'First Found', 'First Seen'],
  lastSeen: ['Last Observed', 'Last Found', 'Last Seen'],
  hostStart: ['Host Start'],
  hostEnd: ['Host End']
} as const;

/** Columns that name an exploit framework ("TRUE" when one has an exploit). */
const FRAMEWORK_COLUMNS = ['Metasploit', 'Core Impact', 'CANVAS', 'Core Exploits', 'D2 Elliot', 'ExploitHub'];

type Columns = Record<keyof typeof COLUMNS, number> & { frameworks: number[] };

/** Nessus plugins whose output lists what IS installed: KB numbers in it are not missing updates. */
const INVENTORY_PLUGINS: ReadonlySet<string> = new Set(['20811', '52001', '62042', '93962']);
const MICROSOFT_BULLETINS_FAMILY = 'windows : microsoft bulletins';

/** A Tenable export's header: a plugin id column, a host column and a plugin name column. */
export function isTenableCsvHeader(header: CsvHeader): boolean {
  if (header.has('QID', 'NVT OID')) return false;
  return (
    header.has(...COLUMNS.pluginId) &&
    header.has('Host', 'IP Address', 'IPV4 Address', 'DNS Name', 'FQDN', 'NetBIOS Name', 'Asset UUID') &&
    header.has(...COLUMNS.name, 'Plugin Output', 'Plugin Text')
  );
}

function tenableColumns(header: CsvHeader): Columns {
  return {
    ...resolveColumns(header, COLUMNS),
    frameworks: FRAMEWORK_COLUMNS.map((n) => header.column(n)).filter((i) => i >= 0)
  };
}

/** "MSKB:4012598" (Nessus) or "MSKB #4012598" (Tenable.sc) → "KB4012598". */
function xrefKb(xref: string): string | undefined {
  const m = /^MSKB\s*[:#]\s*(\S+)$/i.exec(xref.trim());
  return m ? kbsOfCell(m[1] as string)[0] : undefined;
}

/** Risk "Critical/High/Medium/Low/None", or Severity as a word or Nessus's 0–4. */
function tenableSeverity(text: string): Severity | undefined {
  const t = text.trim();
  if (/^[0-4]$/.test(t)) return (['info', 'low', 'medium', 'high', 'critical'] as const)[Number(t)];
  return severityFromWord(t);
}

/** Tenable.io's "Vulnerability State" / Tenable.sc's state words. */
function findingState(text: string): FindingDraft['state'] | undefined {
  switch (text.trim().toLowerCase()) {
    case '':
      return undefined;
    case 'active':
    case 'new':
    case 'open':
    case 'reopened':
    case 'resurfaced':
      return 'affected';
    case 'fixed':
    case 'mitigated':
      return 'fixed';
    default:
      return 'unknown';
  }
}

export const TENABLE_CSV_SPEC: ScannerCsvSpec<Columns> = {
  format: 'tenable-csv',
  scanner: 'tenable',
  what: 'Tenable CSV export',
  expected: '"Plugin ID" (or "Plugin"), "Host" (or "IP Address") and "Name" columns',
  howTo: HOW_TO,
  // Nessus and Tenable.sc write US dates unless the export says otherwise.
  defaultOrder: 'mdy',
  isHeader: isTenableCsvHeader,
  columns: tenableColumns,
  readRow(row, c, rows, issues) {
    const v = (column: number): string => cellValue(row, column);
    const pluginId = v(c.pluginId);
    if (!pluginId) {
      issues.add({
        severity: 'warning',
        code: 'csv-row-without-plugin-id',
        message: `Rows without a plugin ID were skipped (the first at line ${row.line}). Check that the export was not edited.`,
        line: row.line
      });
      return;
    }
    const host = v(c.host);
    const ip = v(c.ip);
    const dns = v(c.dns);
    const netbios = v(c.netbios);
    const uuid = v(c.uuid);
    const key = uuid || host || ip.split(/[\s,;]+/)[0] || dns || netbios;
    if (!key) {
      issues.add({
        severity: 'warning',
        code: 'csv-row-without-host',
        message: `Rows that name no host (no Host, IP Address, DNS or NetBIOS name) were skipped; the first is at line ${row.line} (plugin ${pluginId}). Export again with the Host or IP Address column included.`,
        line: row.line
      });
      return;
    }

    const riskText = v(c.risk) || v(c.severity) || v(c.riskFactor);
    let severity =
      tenableSeverity(v(c.risk)) ?? tenableSeverity(v(c.severity)) ?? tenableSeverity(v(c.riskFactor));
    if (!severity) {
      issues.add({
        severity: 'warning',
        code: 'csv-bad-severity',
        message: `Rows with a risk that is not Critical, High, Medium, Low or None were read as info; the first is plugin ${pluginId} at line ${row.line} ("${riskText}"). Check that the Risk column was not edited.`,
        line: row.line
      });
      severity = 'info';
    }

    const facts = hostNames({ netbios, dns, name: host });
    const ips = [...ipsOfCell(ip), ...ipsOfCell(v(c.ipv6))];
    if (isIpAddress(host)) pushUnique(ips, host.toLowerCase());
    facts.ips = ips;
    facts.macs = macsOfCell(v(c.mac));
    if (uuid) facts.hostIds = [`tenable:${uuid}`];
    const os = osFromName(v(c.os));
    if (os) facts.os = os;
    const start = v(c.hostStart);
    if (start) facts.scanStart = start;
    const end = v(c.hostEnd);
    if (end) facts.scanEnd = end;
    rows.host(key, facts);

    const cves = findCves(v(c.cve));
    const xrefs = splitList(v(c.xref), /[;,\n]/);
    const kbs = kbsOfCell(v(c.mskb));
    for (const x of xrefs) {
      const kb = xrefKb(x);
      if (kb) pushUnique(kbs, kb);
    }
    const family = v(c.family);
    // Microsoft bulletin plugins are named after their KB ("KB5034122: Windows 10 ... Security Update").
    if (family.toLowerCase() === MICROSOFT_BULLETINS_FAMILY)
      for (const kb of findKbs(v(c.name))) pushUnique(kbs, kb);
    const rule = rows.rule(
      pluginId,
      () => {
        const r: RuleDraft = {
          ruleId: pluginId,
          name: v(c.name) || `Tenable plugin ${pluginId}`,
          severity: severity as Severity,
          cves,
          kbs,
          xrefs: xrefs.filter((x) => !xrefKb(x)),
          references: splitList(v(c.seeAlso), /\r?\n/)
        };
        if (family) r.family = family;
        const riskFactor = v(c.riskFactor);
        if (riskFactor) r.riskFactor = riskFactor;
        const synopsis = v(c.synopsis);
        if (synopsis) r.synopsis = synopsis;
        const description = v(c.description);
        if (description) r.description = description;
        const solution = v(c.solution);
        if (solution) r.solution = solution;
        const cvss3 = v(c.cvss3);
        if (cvss3) r.cvss3Score = cvss3;
        const cvss3Vector = v(c.cvss3Vector);
        if (cvss3 && cvss3Vector) r.cvss3Vector = cvss3Vector;
        const cvss2 = v(c.cvss2);
        if (cvss2) r.cvss2Score = cvss2;
        const cvss2Vector = v(c.cvss2Vector);
        if (cvss2 && cvss2Vector) r.cvss2Vector = cvss2Vector;
        const pluginType = v(c.pluginType);
        if (pluginType) r.pluginType = pluginType;
        const published = v(c.pluginPublished);
        if (published) r.publishedOn = published;
        const patch = v(c.patchPublished);
        if (patch) r.patchPublishedOn = patch;
        const vuln = v(c.vulnPublished);
        if (vuln) r.vulnPublishedOn = vuln;
        const exploit = parseYesNo(v(c.exploit));
        const framework = c.frameworks.some((i) => parseYesNo(v(i)) === true);
        if (exploit !== undefined || framework) r.exploitAvailable = exploit === true || framework;
        const malware = parseYesNo(v(c.malware));
        if (malware !== undefined) r.exploitedByMalware = malware;
        return r;
      },
      (r) => {
        for (const cve of cves) pushUnique(r.cves, cve);
        for (const kb of kbs) pushUnique(r.kbs, kb);
        for (const x of xrefs) if (!xrefKb(x)) pushUnique(r.xrefs, x);
      }
    );

    const finding: FindingDraft = { ruleId: pluginId, severity };
    const port = parsePort(v(c.port));
    if (port !== undefined) finding.port = port;
    const protocol = v(c.protocol).toLowerCase();
    if (protocol) finding.protocol = protocol;
    const service = v(c.service);
    if (service) finding.service = service;
    // Evidence is kept as written (indentation matters to people reading it); Tenable.sc prefixes its own label.
    const output = cellAt(row, c.output).replace(/^Plugin Output:[ \t]*\r?\n?/, '');
    if (output.trim()) {
      finding.output = output;
      if (!INVENTORY_PLUGINS.has(pluginId)) {
        const patchRule = rule.kbs.length > 0 || family.toLowerCase() === MICROSOFT_BULLETINS_FAMILY;
        const missing = findMissingKbs(output, patchRule);
        if (missing.length > 0) finding.kbs = missing;
      }
    }
    if (!finding.kbs && kbs.length > 0 && !INVENTORY_PLUGINS.has(pluginId)) finding.kbs = kbs;
    const state = findingState(v(c.state));
    if (state) finding.state = state;
    const first = v(c.firstSeen);
    if (first) finding.firstSeenRaw = first;
    const last = v(c.lastSeen);
    if (last) finding.lastSeenRaw = last;
    rows.addFinding(key, finding);
  }
};

export function parseTenableCsv(bytes: Uint8Array): ParseResult<ParsedFile> {
  return parseScannerCsv(TENABLE_CSV_SPEC, bytes);
}

/** Whether the start of a file is a Tenable CSV export. */
export function sniffTenableCsv(text: string): boolean {
  return sniffCsvHeader(text, isTenableCsvHeader) !== undefined;
}

export const tenableCsvHandlers: FormatHandler[] = [
  {
    format: 'tenable-csv',
    family: 'scanner',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffTenableCsv(text) ? 90 : 0),
    create: (sink) => createScannerCsvParser(TENABLE_CSV_SPEC, sink)
  }
];
