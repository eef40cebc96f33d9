/**
 * Reader for OpenVAS / Greenbone (GVM) reports downloaded in the "XML" report format: GMP 9 to 22.x
 * (`<report><report><gmp><version>…`), the older OMP layout of OpenVAS 6–8, `<get_reports_response>` wrappers and
 * trimmed files that keep only `<report><results>`.
 *
 * One finding per `<result>` of the report's `<results>` (results nested in `<detection>`, `<delta>` or notes are
 * not results of their own). Results are sorted by severity, not by host, and the host details (best_os_txt,
 * best_os_cpe, hostname) come after them, so findings are grouped per host and the hosts are handed over at the
 * end of the report. Rule texts are read from the first result of each NVT (OID) and handed over once.
 *
 * Severity: the result's numeric severity (else the NVT's cvss_base, else the threat text) in CVSS bands:
 * 0 = log/info, below 4 low, below 7 medium, below 9 high, 9 and above critical. Negative severities are
 * GVM's false positive (-1, kept as info with state not_affected), debug (-2) and error (-3) (info).
 *
 * @see https://docs.greenbone.net/API/GMP/gmp-22.4.html#command_get_reports (report XML layout)
 */
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
import type { FormatHandler } from './handler';
import { findKbs, normalizeKb } from './kb';
import {
  createXmlReader,
  feedAll,
  HOLD_BUDGET_CHARS,
  isIp,
  isoTimestamp,
  namesFrom,
  normalizeMac,
  osFromName,
  parseCvss,
  parseScore,
  pushUnique,
  severityFromScore,
  xmlRoot,
  type XmlContext,
  type XmlElement
} from './xml-stream';

const EXPORT_AGAIN =
  'In Greenbone (GSA), open the report and download it again with the report format "XML".';

/** The GVM report format id of "XML", written on every downloaded report. */
const XML_REPORT_FORMAT_ID = 'a994b278-1f62-11e1-96ac-406186ea4fc5';

/** Report sections this reader never needs (their subtrees are skipped). */
const SKIPPED_REPORT_SECTIONS: ReadonlySet<string> = new Set([
  'ports',
  'filters',
  'severity_class',
  'task',
  'scan',
  'result_count',
  'closed_cves',
  'vulns',
  'os',
  'apps',
  'ssl_certs',
  'errors',
  'user_tags',
  'sort',
  'report_format',
  'owner',
  'delta'
]);

/** Result children that are not read (their subtrees are skipped). */
const SKIPPED_RESULT_CHILDREN: ReadonlySet<string> = new Set([
  'detection',
  'notes',
  'overrides',
  'user_tags',
  'owner',
  'delta',
  'qod',
  'tickets'
]);

export interface OpenvasParserOptions {
  /** Evidence kept in memory before later findings lose theirs (tests lower it). */
  holdBudgetChars?: number;
}

interface RuleDraft {
  oid: string;
  name?: string;
  family?: string;
  cvssBase?: string;
  tags?: string;
  solution?: string;
  riskFactor?: string;
  cves: string[];
  xrefs: string[];
  references: string[];
  urlRefs: string[];
  cvss3?: { score?: string; vector?: string };
  severityType?: string;
  severityScore?: string;
  severityValue?: string;
}

interface ResultDraft {
  depth: number;
  line: number;
  host?: string;
  hostname?: string;
  assetId?: string;
  port?: string;
  oid?: string;
  threat?: string;
  severity?: string;
  description?: string;
  cvssBase?: string;
  nvtName?: string;
  rule?: RuleDraft;
}

interface HostDraft {
  key: string;
  hostname?: string;
  assetIds: string[];
  findings: FindingInstance[];
  details: Map<string, string>;
  start?: string;
  end?: string;
  macs: string[];
}

interface HostSection {
  depth: number;
  ip?: string;
  assetId?: string;
  start?: string;
  end?: string;
  details: Map<string, string>;
  macs: string[];
  detailName?: string;
  detailValue?: string;
}

/**
 * Streaming reader: `write` the file's bytes in chunks, then `end`. Rules go to `sink.rule` at the first result of
 * each NVT; hosts go to `sink.host` when the report ends (or at `end` for a file cut short).
 */
export function createOpenvasParser(sink: ObservationSink, options: OpenvasParserOptions = {}): StreamParser {
  const budget = options.holdBudgetChars ?? HOLD_BUDGET_CHARS;
  const hosts = new Map<string, HostDraft>();
  const seenRules = new Set<string>();
  const extra: Problem[] = [];
  let formatVersion: string | undefined;
  let result: ResultDraft | undefined;
  let section: HostSection | undefined;
  let resultCount = 0;
  let heldChars = 0;
  let droppedEvidence = 0;
  let fragment = false;
  let handedOver = false;
  let hostCount = 0;

  const reader = createXmlReader({
    what: 'an OpenVAS / Greenbone report',
    remedy: EXPORT_AGAIN,
    root(el) {
      if (el.name === 'report' || el.name === 'get_reports_response') return undefined;
      return {
        severity: 'error',
        code: 'openvas-wrong-root',
        message: `This XML file's top element is <${el.name}>, not <report>, so it is not an OpenVAS / Greenbone report. ${EXPORT_AGAIN}`,
        line: el.line
      };
    },
    open(el, ctx) {
      if (result) {
        openInResult(el, ctx, result);
        return;
      }
      if (section) {
        openInHostSection(el, ctx, section);
        return;
      }
      const parent = ctx.parent;
      if (el.name === 'result' && parent === 'results') {
        result = { depth: el.depth, line: el.line };
        return;
      }
      if (el.name === 'results' && parent === 'report') {
        // A downloaded report nests the report proper in a wrapper <report>; a bare <report><results> is trimmed.
        if (ctx.path[ctx.path.length - 3] !== 'report') fragment = true;
        return;
      }
      if (el.name === 'host' && parent === 'report') {
        section = { depth: el.depth, details: new Map(), macs: [] };
        return;
      }
      if (el.name === 'version' && (parent === 'gmp' || parent === 'omp')) {
        ctx.collect();
        return;
      }
      if (parent === 'report' && SKIPPED_REPORT_SECTIONS.has(el.name)) ctx.skip();
    },
    close(el, text, ctx) {
      if (result) {
        if (el.depth === result.depth) {
          closeResult(result, ctx);
          result = undefined;
        } else {
          closeInResult(el, text, result);
        }
        return;
      }
      if (section) {
        if (el.depth === section.depth) {
          closeHostSection(section, ctx);
          section = undefined;
        } else {
          closeInHostSection(el, text, section);
        }
        return;
      }
      if (el.name === 'version' && text?.trim()) {
        formatVersion = `${ctx.parent === 'omp' ? 'OMP' : 'GMP'} ${text.trim()}`;
        return;
      }
      // The outermost report closes: everything is known.
      if (el.depth === 1) handOver();
    }
  });

  function openInResult(el: XmlElement, ctx: XmlContext, r: ResultDraft): void {
    const rel = ctx.path.slice(r.depth).join('/');
    switch (rel) {
      case 'host':
      case 'port':
      case 'threat':
      case 'severity':
      case 'description':
      case 'host/hostname':
        ctx.collect();
        return;
      case 'host/asset': {
        const id = el.attributes.asset_id?.trim();
        if (id) r.assetId = id;
        return;
      }
      case 'nvt': {
        const oid = el.attributes.oid?.trim();
        if (oid) {
          r.oid = oid;
          if (!seenRules.has(oid)) r.rule = { oid, cves: [], xrefs: [], references: [], urlRefs: [] };
        }
        return;
      }
      case 'nvt/name':
      case 'nvt/cvss_base':
        ctx.collect();
        return;
    }
    if (ctx.path.length === r.depth + 1 && SKIPPED_RESULT_CHILDREN.has(el.name)) {
      ctx.skip();
      return;
    }
    const rule = r.rule;
    if (!rel.startsWith('nvt/')) return;
    if (!rule) {
      ctx.skip();
      return;
    }
    switch (rel) {
      case 'nvt/family':
      case 'nvt/tags':
      case 'nvt/solution':
      case 'nvt/cve':
      case 'nvt/bid':
      case 'nvt/xref':
      case 'nvt/risk_factor':
      case 'nvt/severities/severity/score':
      case 'nvt/severities/severity/value':
        ctx.collect();
        return;
      case 'nvt/refs/ref':
        addRef(rule, el.attributes.type ?? '', el.attributes.id ?? '');
        return;
      case 'nvt/cert/cert_ref':
        addRef(rule, el.attributes.type ?? '', el.attributes.id ?? '');
        return;
      case 'nvt/severities/severity':
        rule.severityType = el.attributes.type?.trim();
        return;
      case 'nvt/epss':
        ctx.skip();
        return;
    }
  }

  function closeInResult(el: XmlElement, text: string | undefined, r: ResultDraft): void {
    if (text === undefined) {
      if (el.name === 'severity' && r.rule?.severityType) closeSeverityEntry(r.rule);
      return;
    }
    const value = text.trim();
    const rel = el.depth - r.depth;
    if (rel === 1) {
      switch (el.name) {
        case 'host':
          r.host = value;
          return;
        case 'port':
          r.port = value;
          return;
        case 'threat':
          r.threat = value;
          return;
        case 'severity':
          r.severity = value;
          return;
        case 'description':
          if (value) r.description = text.trimEnd(); // not .replace(/\s+$/): quadratic in a run of blanks inside
          return;
      }
      return;
    }
    if (el.name === 'hostname' && rel === 2) {
      if (value) r.hostname = value;
      return;
    }
    if (rel === 2 && el.name === 'name') r.nvtName = value;
    if (rel === 2 && el.name === 'cvss_base') r.cvssBase = value;
    const rule = r.rule;
    if (!rule || !value) return;
    if (rel === 2) {
      switch (el.name) {
        case 'name':
          rule.name = value;
          return;
        case 'family':
          rule.family = value;
          return;
        case 'cvss_base':
          rule.cvssBase = value;
          return;
        case 'tags':
          rule.tags = text;
          return;
        case 'solution':
          rule.solution = value;
          return;
        case 'risk_factor':
          rule.riskFactor = value;
          return;
        case 'cve':
          for (const cve of value.split(/[\s,]+/)) {
            if (/^CVE-\d{4}-\d+$/i.test(cve)) pushUnique(rule.cves, cve.toUpperCase());
          }
          return;
        case 'bid':
          for (const bid of value.split(/[\s,]+/)) {
            if (/^\d+$/.test(bid)) pushUnique(rule.xrefs, `BID:${bid}`);
          }
          return;
        case 'xref':
          // OpenVAS 7: "URL:http://…, URL:http://…" or "NOXREF".
          for (const piece of value.split(/,\s+/)) {
            const x = piece.trim();
            if (!x || x === 'NOXREF') continue;
            const url = /^URL:(.+)$/i.exec(x);
            if (url) addRef(rule, 'url', url[1] as string);
            else pushUnique(rule.xrefs, x);
          }
          return;
      }
      return;
    }
    if (rel === 4 && el.name === 'score') rule.severityScore = value;
    if (rel === 4 && el.name === 'value') rule.severityValue = value;
  }

  function closeSeverityEntry(rule: RuleDraft): void {
    if (/^cvss_base_v3/i.test(rule.severityType ?? '') && rule.severityScore && !rule.cvss3) {
      rule.cvss3 = {
        score: rule.severityScore,
        ...(rule.severityValue ? { vector: rule.severityValue } : {})
      };
    }
    rule.severityType = undefined;
    rule.severityScore = undefined;
    rule.severityValue = undefined;
  }

  function addRef(rule: RuleDraft, type: string, id: string): void {
    const value = id.trim();
    if (!value) return;
    switch (type.toLowerCase()) {
      case 'cve':
        pushUnique(rule.cves, value.toUpperCase());
        return;
      case 'url':
        pushUnique(rule.references, value);
        pushUnique(rule.urlRefs, value);
        return;
      case 'cert-bund':
        pushUnique(rule.xrefs, `CERT-Bund:${value}`);
        return;
      case 'dfn-cert':
        pushUnique(rule.xrefs, value.toUpperCase().startsWith('DFN-CERT') ? value : `DFN-CERT:${value}`);
        return;
      case 'bid':
        pushUnique(rule.xrefs, `BID:${value}`);
        return;
      default:
        pushUnique(rule.xrefs, type ? `${type}:${value}` : value);
    }
  }

  function closeResult(r: ResultDraft, ctx: XmlContext): void {
    resultCount++;
    if (!r.oid) {
      ctx.issue({
        severity: 'warning',
        code: 'openvas-result-without-nvt',
        message: `A result at line ${r.line} names no NVT (no <nvt oid="…">), so it was skipped. ${EXPORT_AGAIN}`,
        line: r.line
      });
      return;
    }
    const hostText = r.host?.trim();
    if (!hostText) {
      ctx.issue({
        severity: 'warning',
        code: 'openvas-result-without-host',
        message: `A result at line ${r.line} (${r.nvtName ?? r.oid}) names no host, so it was skipped.`,
        line: r.line
      });
      return;
    }
    const host = hostFor(hostText);
    if (r.hostname && !host.hostname) host.hostname = r.hostname;
    if (r.assetId) pushUnique(host.assetIds, r.assetId);

    const { severity, notAffected } = resultSeverity(r);
    const finding: FindingInstance = { ruleId: r.oid, severity };
    if (notAffected) finding.state = 'not_affected';
    const port = parsePort(r.port);
    if (port.port !== undefined) finding.port = port.port;
    if (port.protocol) finding.protocol = port.protocol;
    if (port.service) finding.service = port.service;
    if (r.description) {
      if (heldChars > budget) {
        droppedEvidence++;
      } else {
        finding.output = r.description;
        heldChars += r.description.length;
        const kbs = findKbs(r.description);
        if (kbs.length > 0) finding.kbs = kbs;
      }
    }
    heldChars += 96;
    host.findings.push(finding);

    if (r.rule) {
      seenRules.add(r.oid);
      sink.rule(buildRule(r.rule, severity, r.description));
    }
  }

  function hostFor(text: string): HostDraft {
    let host = hosts.get(text);
    if (!host) {
      host = { key: text, assetIds: [], findings: [], details: new Map(), macs: [] };
      hosts.set(text, host);
    }
    return host;
  }

  function openInHostSection(el: XmlElement, ctx: XmlContext, s: HostSection): void {
    const rel = ctx.path.slice(s.depth).join('/');
    switch (rel) {
      case 'ip':
      case 'start':
      case 'end':
      case 'detail/name':
      case 'detail/value':
        ctx.collect();
        return;
      case 'asset': {
        const id = el.attributes.asset_id?.trim();
        if (id) s.assetId = id;
        return;
      }
      case 'detail':
        s.detailName = undefined;
        s.detailValue = undefined;
        return;
    }
    if (ctx.path.length === s.depth + 1 || rel === 'detail/source') ctx.skip();
  }

  function closeInHostSection(el: XmlElement, text: string | undefined, s: HostSection): void {
    const value = text?.trim() ?? '';
    const rel = el.depth - s.depth;
    if (rel === 1) {
      if (el.name === 'ip') s.ip = value;
      else if (el.name === 'start' && value) s.start = value;
      else if (el.name === 'end' && value) s.end = value;
      else if (el.name === 'detail' && s.detailName) {
        const name = s.detailName;
        const v = s.detailValue ?? '';
        if (name === 'MAC') {
          const mac = normalizeMac(v);
          if (mac) pushUnique(s.macs, mac);
        } else if (!s.details.has(name) && v) {
          s.details.set(name, v);
        }
      }
      return;
    }
    if (rel === 2 && el.name === 'name') s.detailName = value;
    if (rel === 2 && el.name === 'value') s.detailValue = value;
  }

  function closeHostSection(s: HostSection, ctx: XmlContext): void {
    const ip = s.ip?.trim();
    if (!ip) {
      ctx.issue({
        severity: 'warning',
        code: 'openvas-host-without-ip',
        message: `A host section ending at line ${ctx.line} has no <ip>, so its details (name, OS) were not used.`,
        line: ctx.line
      });
      return;
    }
    const host = hostFor(ip);
    for (const [k, v] of s.details) if (!host.details.has(k)) host.details.set(k, v);
    for (const mac of s.macs) pushUnique(host.macs, mac);
    if (s.assetId) pushUnique(host.assetIds, s.assetId);
    if (s.start) host.start ??= s.start;
    if (s.end) host.end ??= s.end;
  }

  function handOver(): void {
    if (handedOver) return;
    handedOver = true;
    let badAddresses = 0;
    let firstBad = '';
    for (const h of hosts.values()) {
      const obs = buildHost(h);
      if (obs.ips.length === 0 && /^[\d.]+$/.test(h.key)) {
        badAddresses++;
        firstBad ||= h.key;
      }
      hostCount++;
      sink.host(obs);
    }
    hosts.clear();
    if (badAddresses > 0) {
      extra.push({
        severity: 'warning',
        code: 'openvas-host-address-invalid',
        message:
          `${badAddresses === 1 ? 'A host' : `${badAddresses} hosts`} of the report (${firstBad}) ${badAddresses === 1 ? 'has' : 'have'} an address that is not a valid IP address. ` +
          'It is kept as the host’s key only; check whether the report was anonymised or edited.',
        ...(badAddresses > 1 ? { count: badAddresses } : {})
      });
    }
  }

  function buildHost(h: HostDraft): HostObservation {
    const obs: HostObservation = {
      key: h.key,
      ips: [],
      macs: h.macs,
      installedUpdates: [],
      software: [],
      pendingUpdates: [],
      findings: h.findings
    };
    if (isIp(h.key)) obs.ips.push(h.key.toLowerCase());
    const detailName = h.details.get('hostname') ?? h.details.get('DNS-via-TargetDefinition');
    const names = namesFrom(
      detailName ?? h.hostname ?? (isIp(h.key) || /^[\d.]+$/.test(h.key) ? undefined : h.key)
    );
    const fromResult = namesFrom(h.hostname);
    if (names.hostname) obs.hostname = names.hostname;
    const fqdn = names.fqdn ?? fromResult.fqdn;
    if (fqdn) obs.fqdn = fqdn;
    if (h.assetIds.length > 0) obs.hostIds = h.assetIds.map((id) => `openvas:${id}`);
    const os = hostOs(h.details);
    if (os) obs.os = os;
    const start = isoTimestamp(h.start);
    if (start) obs.scanStart = start;
    const end = isoTimestamp(h.end);
    if (end) obs.scanEnd = end;
    return obs;
  }

  return {
    write: (chunk) => reader.write(chunk),
    end() {
      reader.end();
      handOver();
      if (fragment && resultCount > 0) {
        extra.push({
          severity: 'warning',
          code: 'openvas-report-fragment',
          message:
            'The report holds results but no report header or host details (it looks trimmed), so host names and operating systems are missing. ' +
            `The results were read. For a complete report: ${EXPORT_AGAIN}`
        });
      }
      if (droppedEvidence > 0) {
        extra.push({
          severity: 'warning',
          code: 'openvas-evidence-dropped',
          message: `The report is very large: the evidence text of ${droppedEvidence} results was left out to keep memory in bounds. Findings, hosts and severities are complete.`,
          count: droppedEvidence
        });
      }
      if (!reader.failed && reader.rootSeen && hostCount === 0) {
        extra.push({
          severity: 'warning',
          code: 'openvas-no-results',
          message:
            'The report holds no results and lists no hosts: the scan found nothing or the export was filtered (e.g. "apply overrides", minimum QoD, severity levels). ' +
            'Check the report filter in Greenbone and download it again.'
        });
      }
    },
    get issues() {
      return [...reader.issues, ...extra];
    },
    get formatVersion() {
      return formatVersion;
    },
    get position() {
      return resultCount > 0 ? `result ${resultCount}` : `line ${reader.line}`;
    }
  };
}

/** Reads a whole OpenVAS XML report already in memory. */
export function parseOpenvasXml(bytes: Uint8Array, options?: OpenvasParserOptions): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createOpenvasParser({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) }, options);
  feedAll(parser, bytes);
  const value: ParsedFile = { format: 'openvas-xml', hosts, rules };
  if (parser.formatVersion) value.formatVersion = parser.formatVersion;
  return { value, issues: [...parser.issues] };
}

/**
 * An OpenVAS/Greenbone report: root <report> (or <get_reports_response>) and, in the first 64 KB, a mark only GVM
 * writes: the XML report format id, <gmp>/<omp>, <scan_run_status> or an <nvt oid=…>.
 */
export function sniffOpenvasXml(text: string): boolean {
  const root = xmlRoot(text);
  if (!root || (root.name !== 'report' && root.name !== 'get_reports_response')) return false;
  return (
    text.includes(XML_REPORT_FORMAT_ID) ||
    /<(?:gmp|omp)>\s*<version>/.test(text) ||
    text.includes('<scan_run_status>') ||
    /<nvt\s+oid="1\.3\.6\.1\.4\.1\.25623\./.test(text)
  );
}

export const openvasXmlHandlers: FormatHandler[] = [
  {
    format: 'openvas-xml',
    family: 'scanner',
    howTo:
      'In Greenbone Security Assistant: Scans → Reports → open the report → Download (arrow icon) → report format "XML". Set the filter to all severities (incl. Log) and rows=-1 first.',
    sniff: ({ text }) => (sniffOpenvasXml(text) ? 90 : 0),
    create: (sink) => createOpenvasParser(sink)
  }
];

// ---------------------------------------------------------------------------------------------------------------

function resultSeverity(r: ResultDraft): { severity: Severity; notAffected: boolean } {
  const threat = r.threat?.trim().toLowerCase() ?? '';
  const score = parseScore(r.severity) ?? parseScore(r.cvssBase);
  if (threat === 'false positive' || (score !== undefined && score === -1)) {
    return { severity: 'info', notAffected: true };
  }
  if (score !== undefined) return { severity: severityFromScore(score), notAffected: false };
  return { severity: severityFromThreat(threat), notAffected: false };
}

function severityFromThreat(threat: string): Severity {
  switch (threat) {
    case 'alarm':
    case 'high':
      return 'high';
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return 'info';
  }
}

/** "42/tcp", "general/tcp", "clm_pts (6200/tcp)", "general/CPE-T", "package". */
function parsePort(text: string | undefined): { port?: number; protocol?: string; service?: string } {
  const t = text?.trim();
  if (!t) return {};
  const out: { port?: number; protocol?: string; service?: string } = {};
  const m = /(?:^|\()\s*(\d{1,5}|general)\/([A-Za-z-]+)/.exec(t);
  if (m) {
    if (m[1] !== 'general') {
      const n = Number(m[1]);
      if (n <= 65535) out.port = n;
    }
    const proto = (m[2] as string).toLowerCase();
    if (/^(?:tcp|udp|icmp|sctp)$/.test(proto)) out.protocol = proto;
  }
  const service = /^([^\s(]+)\s*\(/.exec(t)?.[1];
  if (service) out.service = service;
  return out;
}

/** GVM's NVT tags: "cvss_base_vector=…|summary=…|insight=…|solution=…" (a value may span lines). */
function parseTags(text: string | undefined): Map<string, string> {
  const tags = new Map<string, string>();
  if (!text) return tags;
  for (const piece of text.split(/\|(?=[A-Za-z_]+=)/)) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const key = piece.slice(0, eq).trim();
    const value = tidy(piece.slice(eq + 1));
    if (value && !tags.has(key)) tags.set(key, value);
  }
  return tags;
}

/** Pretty-printed report text: the indentation the exporter added to continuation lines goes. */
function tidy(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** "Summary:" and "Solution:" sections of an OMP-era result description. */
function descriptionSection(description: string | undefined, label: string): string | undefined {
  if (!description) return undefined;
  const re = new RegExp(
    `^\\s*${label}:\\s*$([\\s\\S]*?)(?=^\\s*[A-Z][A-Za-z ]{2,30}:\\s*$|(?![\\s\\S]))`,
    'm'
  );
  const m = re.exec(description);
  const value = m ? tidy(m[1] as string) : '';
  return value || undefined;
}

function buildRule(d: RuleDraft, firstSeverity: Severity, description: string | undefined): ScannerRule {
  const tags = parseTags(d.tags);
  const cvssBase = parseScore(d.cvssBase);
  const rule: ScannerRule = {
    ruleId: d.oid,
    scanner: 'openvas',
    name: tidy(d.name ?? '') || `OpenVAS NVT ${d.oid}`,
    severity: cvssBase !== undefined && cvssBase >= 0 ? severityFromScore(cvssBase) : firstSeverity,
    cves: d.cves,
    kbs: [],
    xrefs: d.xrefs,
    references: d.references
  };
  if (d.family) rule.family = d.family;
  if (d.riskFactor) rule.riskFactor = d.riskFactor;
  const synopsis = tags.get('summary') ?? descriptionSection(description, 'Summary');
  if (synopsis) rule.synopsis = synopsis;
  const parts: string[] = [];
  const insight = tags.get('insight');
  if (insight) parts.push(insight);
  const impact = tags.get('impact');
  if (impact) parts.push(`Impact: ${impact}`);
  const affected = tags.get('affected');
  if (affected) parts.push(`Affected: ${affected}`);
  if (parts.length > 0) rule.description = parts.join('\n\n');
  const solution = d.solution
    ? tidy(d.solution)
    : (tags.get('solution') ?? descriptionSection(description, 'Solution'));
  if (solution) rule.solution = solution;

  const vector = tags.get('cvss_base_vector');
  if (d.cvss3?.score) {
    const v3 = parseCvss(d.cvss3.score, d.cvss3.vector);
    if (v3)
      rule.cvss3 = v3.vector ? { baseScore: v3.baseScore, vector: v3.vector } : { baseScore: v3.baseScore };
  }
  if (cvssBase !== undefined && cvssBase >= 0) {
    const base = parseCvss(d.cvssBase, vector);
    if (base?.v3) {
      rule.cvss3 ??= { baseScore: base.baseScore, ...(base.vector ? { vector: base.vector } : {}) };
    } else if (base) {
      rule.cvss2 = { baseScore: base.baseScore, ...(base.vector ? { vector: base.vector } : {}) };
    }
  }

  // Microsoft bulletins: the KB is in the NVT name ("… (KB5062557)"), the summary, the solution or a support URL.
  const kbs: string[] = [];
  for (const text of [rule.name, synopsis ?? '', solution ?? ''])
    for (const kb of findKbs(text)) pushUnique(kbs, kb);
  for (const url of d.urlRefs) {
    const m = /support\.microsoft\.com\/(?:[a-z-]+\/)?(?:help|kb)\/(\d{6,7})\b/i.exec(url);
    const kb = m ? normalizeKb(`KB${m[1]}`) : undefined;
    if (kb) pushUnique(kbs, kb);
  }
  rule.kbs = kbs;
  return rule;
}

/** OS from GVM host details: best_os_txt ("Microsoft Windows 10 1809"), best_os_cpe ("cpe:/o:microsoft:windows_10:1809"). */
function hostOs(details: Map<string, string>): OsInfo | undefined {
  const text = details.get('best_os_txt') ?? details.get('OS');
  const cpe = details.get('best_os_cpe');
  const name = text && !/^cpe:/i.test(text) ? text : undefined;
  if (!name && !cpe) return undefined;
  const fromCpe = cpe ? osFromCpe(cpe) : undefined;
  if (name) {
    const info = osFromName(name, undefined, fromCpe?.family);
    if (fromCpe?.distro && info.family === 'linux') info.distro = fromCpe.distro;
    return info;
  }
  return fromCpe;
}

/** Linux distributions as CPE vendor:product → os-release ID. */
const CPE_DISTROS: Record<string, string> = {
  'canonical:ubuntu_linux': 'ubuntu',
  'debian:debian_linux': 'debian',
  'redhat:enterprise_linux': 'rhel',
  'centos:centos': 'centos',
  'rocky:rocky': 'rocky',
  'rockylinux:rocky_linux': 'rocky',
  'almalinux:almalinux': 'almalinux',
  'oracle:linux': 'ol',
  'suse:linux_enterprise_server': 'sles',
  'opensuse:leap': 'opensuse-leap',
  'fedoraproject:fedora': 'fedora',
  'amazon:linux': 'amzn',
  'alpinelinux:alpine_linux': 'alpine'
};

/** cpe:/o:vendor:product:version → OsInfo (family; Linux distribution and version when the CPE names one). */
function osFromCpe(cpe: string): OsInfo | undefined {
  const m = /^cpe:(?:\/|2\.3:)o:([^:]+):([^:]+)(?::([^:]*))?/i.exec(cpe.trim());
  if (!m) return undefined;
  const vendor = (m[1] as string).toLowerCase();
  const product = (m[2] as string).toLowerCase();
  const version = m[3] && m[3] !== '*' && m[3] !== '-' ? m[3] : undefined;
  const distroId = CPE_DISTROS[`${vendor}:${product}`];
  if (distroId) {
    return {
      family: 'linux',
      distro: { id: distroId, ...(version ? { versionId: version } : {}) },
      ...(version ? { version } : {})
    };
  }
  const words = `${vendor} ${product.replace(/_/g, ' ')}`;
  const info = osFromName(words);
  if (info.family === 'other') return { family: 'other' };
  return { family: info.family };
}
