import { Tokenizer, TokenParser, TokenType, type ParsedTokenInfo } from '@streamparser/json';
import type {
  FindingInstance,
  HostObservation,
  ObservationSink,
  OsInfo,
  ParsedFile,
  ParseResult,
  Problem,
  ScannerRule,
  Severity,
  StreamParser
} from '../model';
import { readZip } from './archive';
import {
  createTextStreamDecoder,
  hostNames,
  isIpAddress,
  normalizeMac,
  parseExportDate,
  pushUnique
} from './csv';
import { decodeText } from './decode';
import { bufferedParser, IssueCollector, type FormatHandler, type SniffSample } from './handler';
import { normalizeKb } from './kb';
import { parseWindowsOs } from './windows-os';

/**
 * Microsoft Defender Vulnerability Management (Defender for Endpoint) data, in two shapes:
 * - the export zip: machines/machines.json (the API's `GET /api/machines`, "#Machines") and
 *   vulnerabilities/vulnerabilities.json (`GET /api/vulnerabilities/machinesVulnerabilities`, one row per
 *   machine × CVE × product), as collected by PowerShell scripts — which write each IP entry as a stringified
 *   hashtable "@{ipAddress=10.0.0.5; macAddress=00155D010203; operationalStatus=Up; type=Ethernet}";
 * - one JSON page of the API answer (`@odata.context`, `value[]`, `@odata.nextLink` when there are more pages),
 *   of vulnerabilities per machine, of machines, or of the software-vulnerabilities export
 *   (`/api/machines/SoftwareVulnerabilitiesByMachine`: deviceId, deviceName, softwareName, ...).
 *
 * One finding per vulnerability row (the CVE is the rule; the vulnerable product and version are the finding's
 * package; the fixing KB its kbs). Machines become hosts with "mdvm:<id>" (and "aad:<Entra device id>") ids.
 * JSON larger than a few MB is read with @streamparser/json one row at a time, so memory follows the rows kept,
 * not the file's object tree.
 * @see https://learn.microsoft.com/defender-endpoint/api/get-machines
 * @see https://learn.microsoft.com/defender-endpoint/api/get-all-vulnerabilities-by-machines
 * @see https://learn.microsoft.com/defender-endpoint/api/get-assessment-software-vulnerabilities
 */

const HOW_TO_ZIP =
  'Collect machines (GET /api/machines) into machines/machines.json and vulnerabilities ' +
  '(GET /api/vulnerabilities/machinesVulnerabilities) into vulnerabilities/vulnerabilities.json, and zip both folders.';
const HOW_TO_JSON =
  'Save the answer of the Defender API GET /api/vulnerabilities/machinesVulnerabilities (every page, following ' +
  '@odata.nextLink) as JSON, or export machines and vulnerabilities as the Defender zip.';

/** JSON above this size is streamed row by row instead of parsed whole. */
export const MDVM_STREAM_ABOVE_BYTES = 4 * 1024 * 1024;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Where a row came from, for messages. */
type Source = 'machines.json' | 'vulnerabilities.json' | 'the file';

interface MachineDraft {
  id: string;
  names: { dns?: string };
  ips: string[];
  macs: string[];
  hostIds: string[];
  os?: OsInfo;
  osBuild?: number;
  /** The Windows product version MDVM reports vulnerable (10.0.22631.4751): it states the revision (UBR). */
  windowsVersion?: string;
  findings: FindingInstance[];
  fromMachines: boolean;
}

const SEVERITIES: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  informational: 'info',
  info: 'info',
  none: 'info'
};

/** CVE ids as MITRE assigns them: the year 1999 or later. */
const CVE_SYNTAX = /^CVE-(\d{4})-\d{4,}$/;

function str(value: Json | undefined): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function pick(row: JsonObject, ...keys: string[]): string {
  for (const k of keys) {
    const v = str(row[k]);
    if (v) return v;
  }
  return '';
}

/**
 * Collects machines and vulnerability rows (in any order) into hosts and rules. Machines without
 * vulnerabilities are still assets; vulnerabilities of a machine not in machines.json make a host of their own.
 */
export class MdvmCollector {
  readonly issues = new IssueCollector();
  private readonly machines = new Map<string, MachineDraft>();
  private readonly rules = new Map<string, ScannerRule>();
  vulnerabilityRows = 0;
  machineRows = 0;
  private unknownRows = 0;

  /** A row of any MDVM list: a machine, a vulnerability, or something else (counted and reported). */
  addRow(row: Json, source: Source, index: number): void {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      this.unknownRows += 1;
      return;
    }
    if ('cveId' in row || 'cveID' in row) this.addVulnerability(row, source, index);
    else if (('computerDnsName' in row || 'osPlatform' in row) && 'id' in row) this.addMachine(row);
    else this.unknownRows += 1;
  }

  addMachine(row: JsonObject): void {
    const id = str(row.id);
    if (!id) return;
    this.machineRows += 1;
    const m = this.machine(id);
    m.fromMachines = true;
    const dns = str(row.computerDnsName);
    if (dns) m.names.dns = dns;
    const aad = str(row.aadDeviceId);
    if (aad) pushUnique(m.hostIds, `aad:${aad}`);
    const last = str(row.lastIpAddress);
    if (last && isIpAddress(last)) pushUnique(m.ips, last.toLowerCase());
    const entries = Array.isArray(row.ipAddresses) ? row.ipAddresses : [];
    for (const entry of entries) {
      const e = ipEntry(entry);
      if (!e) continue;
      const mac = e.macAddress ? normalizeMac(e.macAddress) : undefined;
      if (mac) pushUnique(m.macs, mac);
      // Addresses of interfaces that are up, without loopback and link-local ones (every PC has those).
      const ip = e.ipAddress?.toLowerCase();
      if (ip && isIpAddress(ip) && !/^down$/i.test(e.operationalStatus ?? '') && !isLocalAddress(ip)) {
        pushUnique(m.ips, ip);
      }
    }
    const os = machineOs(row);
    if (os) m.os = os;
    const build = row.osBuild;
    if (typeof build === 'number' && Number.isInteger(build)) m.osBuild = build;
  }

  addVulnerability(row: JsonObject, source: Source, index: number): void {
    this.vulnerabilityRows += 1;
    const where = `row ${index + 1} of ${source}`;
    const machineId = pick(row, 'machineId', 'deviceId');
    const cveId = pick(row, 'cveId', 'cveID');
    if (!machineId || !cveId) {
      this.issues.add({
        severity: 'warning',
        code: 'mdvm-row-incomplete',
        message: `Vulnerability rows without a machine id or CVE id were skipped (the first is ${where}). Export the vulnerabilities again.`
      });
      return;
    }
    const year = CVE_SYNTAX.exec(cveId)?.[1];
    if (!year || Number(year) < 1999 || Number(year) > 2100) {
      this.issues.add({
        severity: 'warning',
        code: 'mdvm-cve-id-unusual',
        message:
          `Vulnerability ids that are not real CVE ids (CVE-YYYY-NNNN with a year from 1999) are kept as written, ` +
          `but no CVE catalog will match them; the first is "${cveId}" (${where}). Check whether the file is test data.`
      });
    }
    const severityText = pick(row, 'severity', 'vulnerabilitySeverityLevel');
    let severity = SEVERITIES[severityText.toLowerCase()];
    if (!severity) {
      this.issues.add({
        severity: 'warning',
        code: 'mdvm-bad-severity',
        message: `Vulnerabilities with a severity that is not Critical, High, Medium or Low were read as info; the first is ${cveId} (${where}, "${severityText}"). Check that the file was not edited.`
      });
      severity = 'info';
    }
    const m = this.machine(machineId);
    const name = pick(row, 'computerDnsName', 'deviceName');
    if (name && !m.names.dns) m.names.dns = name;
    if (!m.os) {
      const os = machineOs(row);
      if (os) m.os = os;
    }

    const product = pick(row, 'productName', 'softwareName');
    const version = pick(row, 'productVersion', 'softwareVersion');
    const vendor = pick(row, 'productVendor', 'softwareVendor');
    const kb = kbOf(pick(row, 'fixingKbId', 'recommendedSecurityUpdateId'));
    if (vendor.toLowerCase() === 'microsoft' && /^windows_(?:10|11|server_\d{4}(?:_r2)?)$/i.test(product)) {
      m.windowsVersion ??= version;
    }

    const finding: FindingInstance = { ruleId: cveId, severity, state: 'affected' };
    if (product) finding.package = version ? { name: product, version } : { name: product };
    if (kb) finding.kbs = [kb];
    const first = pick(row, 'firstSeenTimestamp', 'firstSeen');
    if (first) finding.firstSeen = parseExportDate(first, 'mdy') ?? first;
    const last = pick(row, 'lastSeenTimestamp', 'lastSeen');
    if (last) finding.lastSeen = parseExportDate(last, 'mdy') ?? last;
    m.findings.push(finding);

    let rule = this.rules.get(cveId);
    if (!rule) {
      rule = {
        ruleId: cveId,
        scanner: 'mdvm',
        name: cveId,
        severity,
        cves: year && Number(year) >= 1999 && Number(year) <= 2100 ? [cveId] : [],
        kbs: [],
        xrefs: [],
        references: []
      };
      const score = row.cvssScore;
      if (typeof score === 'number' && score >= 0 && score <= 10) rule.cvss3 = { baseScore: score };
      const exploit = pick(row, 'exploitabilityLevel');
      if (exploit) rule.exploitAvailable = !/^noexploit$/i.test(exploit);
      this.rules.set(cveId, rule);
    }
    if (kb) pushUnique(rule.kbs, kb);
  }

  private machine(id: string): MachineDraft {
    let m = this.machines.get(id);
    if (!m) {
      m = { id, names: {}, ips: [], macs: [], hostIds: [`mdvm:${id}`], findings: [], fromMachines: false };
      this.machines.set(id, m);
    }
    return m;
  }

  finish(): { hosts: HostObservation[]; rules: ScannerRule[]; issues: Problem[] } {
    const hosts: HostObservation[] = [];
    for (const m of this.machines.values()) {
      const obs: HostObservation = {
        key: m.id,
        kind: 'machine',
        hostIds: m.hostIds,
        ips: m.ips,
        macs: m.macs,
        installedUpdates: [],
        software: [],
        pendingUpdates: [],
        findings: m.findings
      };
      const names = hostNames({ dns: m.names.dns ?? '' });
      if (names.hostname) obs.hostname = names.hostname;
      if (names.fqdn) obs.fqdn = names.fqdn;
      if (m.os) {
        obs.os = m.os;
        // The vulnerable Windows product's version states the revision the machine runs (10.0.22631.4751).
        const v = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(m.windowsVersion ?? '');
        if (v && m.os.family === 'windows' && m.os.build === Number(v[3]) && m.os.revision === undefined) {
          obs.os = { ...m.os, revision: Number(v[4]) };
        }
      }
      hosts.push(obs);
    }
    const issues = [...this.issues.problems];
    if (this.unknownRows > 0) {
      issues.push({
        severity: 'warning',
        code: 'mdvm-row-unknown',
        message: `${this.unknownRows} row(s) are neither a machine nor a vulnerability (no "id" with "computerDnsName", no "cveId") and were skipped. Check that the file is a Defender machines or vulnerabilities export.`,
        count: this.unknownRows
      });
    }
    return { hosts, rules: [...this.rules.values()], issues };
  }
}

/** An ipAddresses entry: an object, or PowerShell's "@{ipAddress=...; macAddress=...; ...}" string. */
function ipEntry(entry: Json): Record<string, string> | undefined {
  if (typeof entry === 'string') {
    const fields: Record<string, string> = {};
    for (const m of entry.matchAll(/(\w+)=([^;}]*)/g)) fields[m[1] as string] = (m[2] as string).trim();
    return Object.keys(fields).length > 0 ? fields : undefined;
  }
  if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry)) fields[k] = str(v);
    return fields;
  }
  return undefined;
}

/** Loopback and link-local addresses say nothing about which machine this is. */
function isLocalAddress(ip: string): boolean {
  return /^127\.|^169\.254\./.test(ip) || ip === '::1' || /^fe80:/i.test(ip);
}

/** "Windows11" → "Windows 11", "WindowsServer2012R2" → "Windows Server 2012 R2". */
function platformName(platform: string): string {
  return platform
    .replace(/^Windows(?=\S)/i, 'Windows ')
    .replace(/^Windows Server(?=\d)/i, 'Windows Server ')
    .replace(/(\d)R2$/i, '$1 R2')
    .trim();
}

/** NT version of a Windows platform name, for "<major>.<minor>.<build>". */
function ntVersion(name: string): string {
  if (/windows (?:10|11)\b|server (?:2016|2019|2022|2025)/i.test(name)) return '10.0';
  if (/8\.1|2012 r2/i.test(name)) return '6.3';
  if (/windows 8\b|server 2012\b/i.test(name)) return '6.2';
  if (/windows 7|2008 r2/i.test(name)) return '6.1';
  return '10.0';
}

/** OS of a machine (or of an export row): osPlatform, osVersion, osBuild, version (23H2), osProcessor. */
function machineOs(row: JsonObject): OsInfo | undefined {
  const platform = pick(row, 'osPlatform');
  if (!platform) return undefined;
  const osVersion = pick(row, 'osVersion');
  const build = typeof row.osBuild === 'number' ? row.osBuild : undefined;
  const arch = pick(row, 'osProcessor') || pick(row, 'osArchitecture');
  const architecture = /64/.test(arch) ? (/arm/i.test(arch) ? 'ARM64' : 'x64') : arch ? 'x86' : undefined;
  if (/^windows/i.test(platform)) {
    const name = platformName(platform);
    const version = /^\d+\.\d+\.\d+/.test(osVersion)
      ? osVersion
      : build !== undefined
        ? `${ntVersion(name)}.${build}`
        : undefined;
    const info = parseWindowsOs(name, version);
    const release = pick(row, 'version');
    if (/^\d{2}H\d$|^\d{4}$/i.test(release)) info.displayVersion = release.toUpperCase();
    if (architecture) info.architecture = architecture;
    return info;
  }
  const family = /linux|ubuntu|debian|redhat|rhel|centos|suse|oracle|amazon|fedora|alma|rocky/i.test(platform)
    ? 'linux'
    : /mac/i.test(platform)
      ? 'macos'
      : 'other';
  const info: OsInfo = { family, name: platform };
  if (osVersion) info.version = osVersion;
  if (architecture) info.architecture = architecture;
  return info;
}

/** "5051989" or "KB5051989" → "KB5051989". */
function kbOf(text: string): string | undefined {
  const t = text.trim();
  if (/^\d{6,7}$/.test(t)) return `KB${t}`;
  return normalizeKb(t);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON lists: whole or streamed

/** What the top of an MDVM JSON document says besides its rows. */
export interface MdvmListMeta {
  /** "[" or "{" or "null", ... : the document's first character (or word). */
  root?: string;
  context?: string;
  count?: number;
  nextLink?: string;
  /** For an object: whether it has the "value" list; the API's error message when it is an error answer. */
  hasValue?: boolean;
  apiError?: string;
  rows: number;
  /** Set when the JSON is not well-formed. */
  error?: string;
}

/**
 * Reads an MDVM JSON list (`{ "@odata.context", "value": [...] }` or a bare array) from text chunks, handing
 * each row to `onRow` as soon as it is complete. Above the stream threshold nothing else is kept.
 */
export class MdvmJsonRows {
  readonly meta: MdvmListMeta = { rows: 0 };
  private tokenizer: Tokenizer | undefined;
  private failed = false;
  private pending = '';
  /** The text of a document that is not an object or array (null, a number): read whole at the end. */
  private scalar: string | undefined;
  /** Depth in the document and whether the next string at depth 1 is a key, to read the @odata fields. */
  private depth = 0;
  private expectKey = false;
  private key: string | undefined;

  constructor(private readonly onRow: (row: Json, index: number) => void) {}

  write(text: string): void {
    if (this.failed || !text) return;
    if (this.scalar !== undefined) {
      if (this.scalar.length < 65536) this.scalar += text;
      return;
    }
    if (!this.tokenizer) {
      this.pending += text;
      const start = this.pending.replace(/^[\s\uFEFF]+/, '');
      if (start === '') return;
      this.start(start);
      this.pending = '';
      return;
    }
    this.feed(text);
  }

  end(): void {
    if (this.failed) return;
    if (!this.tokenizer && this.scalar === undefined) {
      const start = this.pending.replace(/^[\s\uFEFF]+/, '');
      if (start === '') return; // nothing at all: meta.root stays undefined
      this.start(start);
    }
    if (this.scalar !== undefined) {
      // null, a number or a string: there are no rows; JSON.parse says whether it is JSON at all.
      try {
        JSON.parse(this.scalar);
      } catch (e) {
        this.meta.error = e instanceof Error ? e.message : String(e);
      }
      return;
    }
    try {
      this.tokenizer?.end();
    } catch (e) {
      this.fail(e);
    }
  }

  private start(text: string): void {
    const first = text[0] as string;
    this.meta.root = first === '{' || first === '[' ? first : (/^[a-z]+/.exec(text)?.[0] ?? first);
    if (first !== '{' && first !== '[') {
      this.scalar = text;
      return;
    }
    const tokenizer = new Tokenizer();
    const parser = new TokenParser({ paths: [first === '{' ? '$.value.*' : '$.*'], keepStack: false });
    tokenizer.onToken = (token: ParsedTokenInfo) => {
      this.watch(token);
      parser.write(token);
    };
    parser.onValue = ({ value }) => {
      this.onRow(value as Json, this.meta.rows);
      this.meta.rows += 1;
    };
    tokenizer.onError = (e: Error) => this.fail(e);
    parser.onError = (e: Error) => this.fail(e);
    this.tokenizer = tokenizer;
    this.feed(text);
  }

  private feed(text: string): void {
    try {
      this.tokenizer?.write(text);
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.meta.error = e instanceof Error ? e.message : String(e);
  }

  /** Reads the top-level members that are not the rows (@odata.context, @odata.count, @odata.nextLink). */
  private watch({ token, value }: ParsedTokenInfo): void {
    switch (token) {
      case TokenType.LEFT_BRACE:
        this.depth += 1;
        if (this.depth === 1) this.expectKey = true;
        return;
      case TokenType.LEFT_BRACKET:
        if (this.depth === 1 && this.key === 'value') this.meta.hasValue = true;
        this.depth += 1;
        return;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        this.depth -= 1;
        return;
      case TokenType.COMMA:
        if (this.depth === 1) this.expectKey = true;
        return;
      case TokenType.COLON:
        return;
    }
    if (this.depth !== 1) return;
    if (this.expectKey && token === TokenType.STRING) {
      this.key = value as string;
      this.expectKey = false;
      return;
    }
    if (this.key === '@odata.context' && typeof value === 'string') this.meta.context = value;
    else if (this.key === '@odata.count' && typeof value === 'number') this.meta.count = value;
    else if (this.key === '@odata.nextLink' && typeof value === 'string') this.meta.nextLink = value;
  }
}

/**
 * Reads one JSON document of rows into the collector: small ones with JSON.parse, big ones streamed.
 * Bytes go through the same decoding as every text format (a PowerShell `Out-File` writes UTF-16).
 */
function readJsonList(
  bytes: Uint8Array,
  source: Source,
  collector: MdvmCollector,
  streamAbove: number
): MdvmListMeta {
  if (bytes.length <= streamAbove) {
    const text = decodeText(bytes).text;
    const trimmed = text.replace(/^[\s\uFEFF]+/, '');
    const meta: MdvmListMeta = { rows: 0 };
    if (!trimmed) return meta;
    meta.root =
      trimmed[0] === '{' || trimmed[0] === '[' ? trimmed[0] : (/^[a-z]+/.exec(trimmed)?.[0] ?? trimmed[0]);
    let doc: Json | undefined;
    try {
      doc = JSON.parse(trimmed) as Json;
    } catch {
      // Not well-formed: the streaming reader keeps the rows before the damage and says where it is.
      doc = undefined;
    }
    if (doc === undefined) return streamJsonList(bytes, source, collector);
    let rows: Json[] | undefined;
    if (Array.isArray(doc)) rows = doc;
    else if (doc && typeof doc === 'object') {
      if (Array.isArray(doc.value)) rows = doc.value;
      meta.hasValue = rows !== undefined;
      const error = doc.error;
      if (error && typeof error === 'object' && !Array.isArray(error))
        meta.apiError = str(error.message) || str(error.code);
      const context = str(doc['@odata.context']);
      if (context) meta.context = context;
      if (typeof doc['@odata.count'] === 'number') meta.count = doc['@odata.count'];
      const next = str(doc['@odata.nextLink']);
      if (next) meta.nextLink = next;
    }
    (rows ?? []).forEach((row, i) => collector.addRow(row, source, i));
    meta.rows = rows?.length ?? 0;
    return meta;
  }
  return streamJsonList(bytes, source, collector);
}

function streamJsonList(bytes: Uint8Array, source: Source, collector: MdvmCollector): MdvmListMeta {
  const list = new MdvmJsonRows((row, i) => collector.addRow(row, source, i));
  const decoder = createTextStreamDecoder();
  const step = 1 << 20;
  for (let offset = 0; offset < bytes.length; offset += step) {
    list.write(decoder.write(bytes.subarray(offset, offset + step)));
  }
  list.write(decoder.end());
  list.end();
  return list.meta;
}

/** Problems about one JSON list: not JSON, not a list, one page of several, fewer rows than announced. */
function listProblems(meta: MdvmListMeta, source: Source, howTo: string): Problem[] {
  const issues: Problem[] = [];
  if (meta.root === undefined) {
    issues.push({
      severity: 'error',
      code: 'empty-file',
      message: `${source === 'the file' ? 'The file' : source} is empty (or only a byte order mark and blanks). ${howTo}`
    });
    return issues;
  }
  if (meta.error) {
    issues.push({
      severity: 'error',
      code: 'json-invalid',
      message: `${source === 'the file' ? 'The file' : source} is not valid JSON (${meta.error}): it is cut off or was edited. ${howTo}`,
      detail: meta.error
    });
    return issues;
  }
  if (meta.root !== '{' && meta.root !== '[') {
    issues.push({
      severity: 'error',
      code: 'not-mdvm',
      message: `${source === 'the file' ? 'The file' : source} holds the JSON value ${meta.root}, not a list of Defender machines or vulnerabilities. ${howTo}`
    });
    return issues;
  }
  if (meta.root === '{' && !meta.hasValue) {
    issues.push({
      severity: 'error',
      code: 'not-mdvm',
      message: meta.apiError
        ? `${source === 'the file' ? 'The file' : source} holds an error answer of the Defender API ("${meta.apiError}"), not data. ${howTo}`
        : `${source === 'the file' ? 'The file' : source} is a JSON object without a "value" list, so it holds no Defender machines or vulnerabilities. ${howTo}`
    });
    return issues;
  }
  if (meta.nextLink) {
    issues.push({
      severity: 'warning',
      code: 'mdvm-more-pages',
      message:
        `${source === 'the file' ? 'This file' : source} is one page of a longer API answer (it has an @odata.nextLink): ` +
        'the other pages are missing, so machines and vulnerabilities may be missing too. Fetch every page (follow ' +
        '@odata.nextLink until there is none) and import them all.',
      detail: meta.nextLink
    });
  }
  if (meta.count !== undefined && meta.count > meta.rows) {
    issues.push({
      severity: 'warning',
      code: 'mdvm-incomplete',
      message: `${source === 'the file' ? 'The file' : source} announces ${meta.count} rows (@odata.count) but holds ${meta.rows}: the rest is missing. Export it again with every page.`
    });
  }
  return issues;
}

function emptyResult(format: 'mdvm-zip' | 'mdvm-json', issues: Problem[]): ParseResult<ParsedFile> {
  return { value: { format, hosts: [], rules: [] }, issues };
}

// ---------------------------------------------------------------------------------------------------------------
// The zip

type EntryKind = 'machines' | 'vulnerabilities';

/** machines/machines.json, machines.json, machines_1.json; the same for vulnerabilities. */
function entryKind(name: string): EntryKind | undefined {
  const n = name.toLowerCase();
  if (!n.endsWith('.json')) return undefined;
  const base = n.slice(n.lastIndexOf('/') + 1);
  const folder = n.includes('/') ? n.slice(0, n.lastIndexOf('/')) : '';
  for (const kind of ['machines', 'vulnerabilities'] as const) {
    if (base.startsWith(kind) || folder === kind || folder.endsWith(`/${kind}`)) return kind;
  }
  return undefined;
}

/** Reads the Defender export zip: machines first, then vulnerabilities. Never throws. */
export function parseMdvmZip(
  bytes: Uint8Array,
  options: { streamAbove?: number } = {}
): ParseResult<ParsedFile> {
  const zip = readZip(bytes, (name) => entryKind(name) !== undefined);
  if (zip.issues.length > 0) return emptyResult('mdvm-zip', zip.issues);
  const machines = zip.value.filter((e) => entryKind(e.name) === 'machines');
  const vulnerabilities = zip.value.filter((e) => entryKind(e.name) === 'vulnerabilities');
  if (machines.length === 0 && vulnerabilities.length === 0) {
    return emptyResult('mdvm-zip', [
      {
        severity: 'error',
        code: 'mdvm-zip-without-data',
        message: `This zip holds neither machines/machines.json nor vulnerabilities/vulnerabilities.json, so it is not a Defender export. ${HOW_TO_ZIP}`
      }
    ]);
  }
  const collector = new MdvmCollector();
  const issues: Problem[] = [];
  const streamAbove = options.streamAbove ?? MDVM_STREAM_ABOVE_BYTES;
  for (const entry of [...machines, ...vulnerabilities]) {
    const source: Source = entryKind(entry.name) === 'machines' ? 'machines.json' : 'vulnerabilities.json';
    const meta = readJsonList(entry.bytes, source, collector, streamAbove);
    issues.push(
      ...listProblems(meta, source, HOW_TO_ZIP).map((p) => ({ ...p, detail: p.detail ?? entry.name }))
    );
  }
  if (machines.length === 0) {
    issues.push({
      severity: 'warning',
      code: 'mdvm-no-machines',
      message:
        'The zip has no machines/machines.json: machines are known only by their Defender id (no names, addresses or ' +
        `operating system). ${HOW_TO_ZIP}`
    });
  } else if (vulnerabilities.length === 0) {
    issues.push({
      severity: 'warning',
      code: 'mdvm-no-vulnerabilities',
      message: `The zip has no vulnerabilities/vulnerabilities.json: only the machines are imported, without findings. ${HOW_TO_ZIP}`
    });
  }
  return finishResult('mdvm-zip', collector, issues);
}

function finishResult(
  format: 'mdvm-zip' | 'mdvm-json',
  collector: MdvmCollector,
  issues: Problem[]
): ParseResult<ParsedFile> {
  const done = collector.finish();
  issues.push(...done.issues);
  const fatal = issues.some((i) => i.severity === 'error');
  if (!fatal && done.hosts.length === 0) {
    issues.push({
      severity: 'warning',
      code: 'no-hosts',
      message: `The Defender data holds no machines and no vulnerabilities (an empty list). Check the export, or the API query's filter. ${format === 'mdvm-zip' ? HOW_TO_ZIP : HOW_TO_JSON}`
    });
  }
  return { value: { format, hosts: done.hosts, rules: done.rules }, issues };
}

// ---------------------------------------------------------------------------------------------------------------
// The API JSON page

/** Reads an MDVM API JSON page already in memory. */
export function parseMdvmJson(
  bytes: Uint8Array,
  options: { streamAbove?: number } = {}
): ParseResult<ParsedFile> {
  const collector = new MdvmCollector();
  const meta = readJsonList(bytes, 'the file', collector, options.streamAbove ?? MDVM_STREAM_ABOVE_BYTES);
  return jsonResult(meta, collector, []);
}

/** The result of one API JSON document, read whole or streamed. */
function jsonResult(
  meta: MdvmListMeta,
  collector: MdvmCollector,
  before: Problem[]
): ParseResult<ParsedFile> {
  const issues = [...before, ...listProblems(meta, 'the file', HOW_TO_JSON)];
  // A cut-off file keeps the rows read before the damage; anything else in error holds nothing.
  if (
    issues.some((i) => i.severity === 'error') &&
    collector.vulnerabilityRows + collector.machineRows === 0
  ) {
    return emptyResult('mdvm-json', issues);
  }
  if (meta.rows > 0 && collector.vulnerabilityRows === 0 && collector.machineRows === 0) {
    return emptyResult('mdvm-json', [
      {
        severity: 'error',
        code: 'not-mdvm',
        message: `The file's ${meta.rows} rows are neither Defender machines nor vulnerabilities (no "cveId", no "computerDnsName"). ${HOW_TO_JSON}`
      }
    ]);
  }
  return finishResult('mdvm-json', collector, issues);
}

/**
 * Streaming parser for the API JSON: up to `streamAbove` bytes are buffered and parsed whole; past that the
 * rows are streamed as they arrive and nothing of the document is kept but the hosts' findings.
 */
export function createMdvmJsonParser(
  sink: ObservationSink,
  options: { streamAbove?: number } = {}
): StreamParser {
  const streamAbove = options.streamAbove ?? MDVM_STREAM_ABOVE_BYTES;
  const collector = new MdvmCollector();
  const issues: Problem[] = [];
  let buffered: Uint8Array[] = [];
  let size = 0;
  let streaming: { decoder: ReturnType<typeof createTextStreamDecoder>; list: MdvmJsonRows } | undefined;
  let ended = false;
  let hosts = 0;

  function emit(result: ParseResult<ParsedFile>): void {
    issues.push(...result.issues);
    for (const r of result.value.rules) sink.rule(r);
    for (const h of result.value.hosts) {
      hosts += 1;
      sink.host(h);
    }
  }

  return {
    write(chunk: Uint8Array): void {
      if (ended || chunk.length === 0) return;
      size += chunk.length;
      if (streaming) {
        streaming.list.write(streaming.decoder.write(chunk));
        return;
      }
      buffered.push(chunk.slice());
      if (size <= streamAbove) return;
      streaming = {
        decoder: createTextStreamDecoder(),
        list: new MdvmJsonRows((row, i) => collector.addRow(row, 'the file', i))
      };
      for (const piece of buffered) streaming.list.write(streaming.decoder.write(piece));
      buffered = [];
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (!streaming) {
        const bytes = new Uint8Array(size);
        let at = 0;
        for (const piece of buffered) {
          bytes.set(piece, at);
          at += piece.length;
        }
        buffered = [];
        emit(parseMdvmJson(bytes, { streamAbove: Infinity }));
        return;
      }
      streaming.list.write(streaming.decoder.end());
      streaming.list.end();
      emit(jsonResult(streaming.list.meta, collector, [...streaming.decoder.issues]));
    },
    get issues(): readonly Problem[] {
      return issues;
    },
    get position(): string {
      if (hosts > 0) return `host ${hosts}`;
      return streaming ? `row ${streaming.list.meta.rows}` : `${Math.round(size / 1024)} KB read`;
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Detection

/**
 * Entry names of a zip from its first bytes, for detection when the caller did not list them: each local file
 * header ("PK\x03\x04") carries its entry's name. Only entries that start within the head are seen.
 */
export function zipNamesInHead(head: Uint8Array): string[] {
  const names: string[] = [];
  const decoder = new TextDecoder('utf-8');
  for (let i = 0; i + 30 <= head.length; i++) {
    if (head[i] !== 0x50 || head[i + 1] !== 0x4b || head[i + 2] !== 0x03 || head[i + 3] !== 0x04) continue;
    const nameLength = (head[i + 26] as number) | ((head[i + 27] as number) << 8);
    if (nameLength === 0 || nameLength > 1024 || i + 30 + nameLength > head.length) continue;
    const name = decoder.decode(head.subarray(i + 30, i + 30 + nameLength));
    if (/^[\x20-\x7e\u00a0-\uffff]+$/.test(name) && !name.includes('\ufffd')) names.push(name);
    i += 29 + nameLength;
  }
  return names;
}

function isZipHead(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/**
 * How sure we are that a sample is the Defender export zip (0: not it). Only an archive that holds nothing but
 * Defender lists is claimed whole: a zip of several exports that happens to hold machines.json is left to be
 * read entry by entry (each Defender list is then an mdvm-json file of its own).
 */
export function sniffMdvmZip(sample: SniffSample): number {
  const listed = sample.zipEntries ?? (isZipHead(sample.head) ? zipNamesInHead(sample.head) : []);
  const names = listed.filter(
    (n) => !n.endsWith('/') && !/(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$)/i.test(n)
  );
  if (names.length === 0) return 0;
  const kinds = names.map(entryKind);
  if (kinds.some((k) => k === undefined)) return 0;
  if (kinds.includes('machines') && kinds.includes('vulnerabilities')) return 95;
  // From the head alone, vulnerabilities.json may start beyond it when machines.json is large.
  if (kinds.includes('machines') && !sample.zipEntries) return 80;
  return 75;
}

/** How sure we are that a text sample is an MDVM API JSON page or list (0: not it). */
export function sniffMdvmJson(text: string): number {
  const t = text.replace(/^[\s\uFEFF]+/, '');
  if (!t.startsWith('{') && !t.startsWith('[')) return 0;
  const vulnerabilityRow = /"cveId"\s*:/.test(t) && /"(?:machineId|deviceId)"\s*:/.test(t);
  const machineRow = /"computerDnsName"\s*:/.test(t) && /"osPlatform"\s*:/.test(t);
  if (t.startsWith('{') && /"@odata\.context"\s*:/.test(t)) {
    if (vulnerabilityRow) return 92;
    if (machineRow || /#Machines"/.test(t)) return 85;
    return 0;
  }
  if (vulnerabilityRow) return 80;
  return machineRow ? 70 : 0;
}

export const mdvmHandlers: FormatHandler[] = [
  {
    format: 'mdvm-zip',
    family: 'scanner',
    howTo: HOW_TO_ZIP,
    sniff: sniffMdvmZip,
    create: (sink) => bufferedParser((bytes) => parseMdvmZip(bytes), sink, 'Defender export')
  },
  {
    format: 'mdvm-json',
    family: 'scanner',
    howTo: HOW_TO_JSON,
    sniff: ({ text }) => sniffMdvmJson(text),
    create: (sink) => createMdvmJsonParser(sink)
  }
];
