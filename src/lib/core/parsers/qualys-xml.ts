/**
 * Readers for Qualys VM XML exports:
 *
 * - ASSET_DATA_REPORT (Reports → Scan Report / Host Based Findings, format XML): HOST_LIST/HOST with VULN_INFO
 *   entries (QID, TYPE Vuln | Ig | Practice, port, RESULT, first/last found), then a GLOSSARY with each QID's
 *   title, severity 1–5, CVEs, vendor references (MS bulletins, KBs), threat, impact and solution.
 * - SCAN (scan-1.dtd, a scan's results downloaded as XML): IP elements holding VULNS, PRACTICES, INFOS and SERVICES,
 *   each entry with its QID (`number`), severity and texts inline.
 *
 * One finding per VULN_INFO (asset data report) and per VULN / PRACTICE / INFO / SERVICE entry (scan), rule id =
 * QID. Severity 5 → critical, 4 → high, 3 → medium, 2 → low, 1 → info; information gathered (TYPE Ig, INFO,
 * SERVICE) is info whatever its number. Practices are Qualys' "potential vulnerabilities" and keep their severity.
 *
 * The glossary of an asset data report comes after its hosts, so hosts are held until it has been read (rules are
 * handed over first, then the hosts with their severities). Past HOLD_BUDGET_CHARS of held evidence, hosts are
 * handed over early with an estimated severity (the entry's own CVSS, else medium) and a warning says how many.
 *
 * The DOCTYPE names a remote DTD (https://qualysguard…/asset_data_report.dtd); it is never fetched.
 *
 * @see https://qualysguard.qualys.com/asset_data_report.dtd
 * @see https://qualysguard.qualys.com/scan-1.dtd
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
  estimateHostChars,
  feedAll,
  HOLD_BUDGET_CHARS,
  htmlToText,
  isIp,
  isoTimestamp,
  namesFrom,
  osFromName,
  parseCvss,
  parseScore,
  pushUnique,
  severityFromScore,
  xmlRoot,
  type XmlContext
} from './xml-stream';

const REPORT_AGAIN =
  'In Qualys VM, run the report again (Reports → New → Scan Report, Host Based Findings) and download it as XML.';
const SCAN_AGAIN =
  'In Qualys VM, open the finished scan (Scans → Scans) and download its results again as XML.';

/** Qualys severity 1–5 (vulnerabilities and potential vulnerabilities). */
const SEVERITY_BY_LEVEL: Record<string, Severity> = {
  '1': 'info',
  '2': 'low',
  '3': 'medium',
  '4': 'high',
  '5': 'critical'
};

export interface QualysParserOptions {
  /** Evidence held while waiting for the glossary before hosts are handed over early (tests lower it). */
  holdBudgetChars?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Rule texts (GLOSSARY/VULN_DETAILS of a report, VULN/INFO/… entries of a scan)

interface RuleDraft {
  qid: string;
  level?: string;
  title?: string;
  category?: string;
  threat?: string;
  impact?: string;
  solution?: string;
  cvss2?: string;
  cvss3?: string;
  cves: string[];
  vendorRefs: string[];
  bugtraq: string[];
  references: string[];
  exploitAvailable?: boolean;
  exploitedByMalware?: boolean;
  lastUpdate?: string;
}

function newRule(qid: string): RuleDraft {
  return { qid, cves: [], vendorRefs: [], bugtraq: [], references: [] };
}

/** At the open tag of an element inside a VULN_DETAILS or scan entry: collects what the rule uses, skips the rest. */
function openRulePart(rel: string, ctx: XmlContext, d: RuleDraft): void {
  switch (rel) {
    case 'QID':
    case 'TITLE':
    case 'SEVERITY':
    case 'CATEGORY':
    case 'THREAT':
    case 'DIAGNOSIS':
    case 'IMPACT':
    case 'CONSEQUENCE':
    case 'SOLUTION':
    case 'LAST_UPDATE':
    case 'CVSS_BASE':
    case 'CVSS3_BASE':
    case 'CVSS_SCORE/CVSS_BASE':
    case 'CVSS3_SCORE/CVSS3_BASE':
    case 'CVE_ID_LIST/CVE_ID/ID':
    case 'VENDOR_REFERENCE_LIST/VENDOR_REFERENCE/ID':
    case 'VENDOR_REFERENCE_LIST/VENDOR_REFERENCE/URL':
    case 'BUGTRAQ_ID_LIST/BUGTRAQ_ID/ID':
      ctx.collect();
      return;
    case 'CVE_ID_LIST':
    case 'CVE_ID_LIST/CVE_ID':
    case 'VENDOR_REFERENCE_LIST':
    case 'VENDOR_REFERENCE_LIST/VENDOR_REFERENCE':
    case 'BUGTRAQ_ID_LIST':
    case 'BUGTRAQ_ID_LIST/BUGTRAQ_ID':
    case 'CVSS_SCORE':
    case 'CVSS3_SCORE':
    case 'CORRELATION':
      return;
    case 'CORRELATION/EXPLOITABILITY':
      d.exploitAvailable = true;
      ctx.skip();
      return;
    case 'CORRELATION/MALWARE':
      d.exploitedByMalware = true;
      ctx.skip();
      return;
  }
  // Everything else (PCI_FLAG, COMPLIANCE, BUGTRAQ URLs, temporal scores, …) is not used.
  ctx.skip();
}

function closeRulePart(name: string, parent: string, text: string, d: RuleDraft): void {
  const value = text.trim();
  if (!value) return;
  switch (name) {
    case 'TITLE':
      d.title = value;
      return;
    case 'SEVERITY':
      d.level = value;
      return;
    case 'CATEGORY':
      d.category = value;
      return;
    case 'THREAT':
    case 'DIAGNOSIS':
      d.threat = value;
      return;
    case 'IMPACT':
    case 'CONSEQUENCE':
      d.impact = value;
      return;
    case 'SOLUTION':
      d.solution = value;
      return;
    case 'LAST_UPDATE':
      d.lastUpdate = value;
      return;
    case 'CVSS_BASE':
      d.cvss2 = value;
      return;
    case 'CVSS3_BASE':
      d.cvss3 = value;
      return;
    case 'ID':
      if (parent === 'CVE_ID') {
        if (/^CVE-\d{4}-\d+$/i.test(value)) pushUnique(d.cves, value.toUpperCase());
      } else if (parent === 'VENDOR_REFERENCE') pushUnique(d.vendorRefs, value);
      else if (parent === 'BUGTRAQ_ID' && /^\d+$/.test(value)) pushUnique(d.bugtraq, value);
      return;
    case 'URL':
      if (parent === 'VENDOR_REFERENCE') pushUnique(d.references, value);
      return;
  }
}

function buildRule(d: RuleDraft, fallbackLevel?: string): ScannerRule {
  const level = d.level ?? fallbackLevel ?? '';
  const rule: ScannerRule = {
    ruleId: d.qid,
    scanner: 'qualys',
    name: d.title ? htmlToText(d.title) : `Qualys QID ${d.qid}`,
    severity: SEVERITY_BY_LEVEL[level] ?? 'info',
    cves: d.cves,
    kbs: [],
    xrefs: [],
    references: d.references
  };
  if (d.category) rule.family = d.category;
  if (level) rule.riskFactor = `Qualys severity ${level}`;
  const threat = d.threat ? htmlToText(d.threat) : '';
  const impact = d.impact ? htmlToText(d.impact) : '';
  if (threat) rule.description = impact && impact !== 'N/A' ? `${threat}\n\nImpact: ${impact}` : threat;
  const solution = d.solution ? htmlToText(d.solution) : '';
  if (solution && solution !== 'N/A') rule.solution = solution;
  const v2 = parseCvss(d.cvss2);
  if (v2)
    rule.cvss2 = v2.vector ? { baseScore: v2.baseScore, vector: v2.vector } : { baseScore: v2.baseScore };
  const v3 = parseCvss(d.cvss3);
  if (v3)
    rule.cvss3 = v3.vector ? { baseScore: v3.baseScore, vector: v3.vector } : { baseScore: v3.baseScore };

  // Vendor references: MS bulletins (MS17-010) become MSFT xrefs, KB ids rule KBs, the rest plain xrefs.
  const kbs: string[] = [];
  let microsoft = false;
  for (const ref of d.vendorRefs) {
    if (/^MS\d{2}-\d{3}$/i.test(ref)) {
      microsoft = true;
      pushUnique(rule.xrefs, `MSFT:${ref.toUpperCase()}`);
      continue;
    }
    const kb = /^KB\d{6,7}$/i.test(ref) ? normalizeKb(ref) : undefined;
    if (kb) {
      microsoft = true;
      pushUnique(kbs, kb);
    } else pushUnique(rule.xrefs, ref);
  }
  // The patches of a Microsoft rule are listed after "Patch:" in the solution (catalog links, "(KB4012212)");
  // KBs before it are articles (workarounds, how-tos), not updates.
  if (microsoft && d.solution) {
    const patch = /Patch:/i.exec(d.solution);
    if (patch) for (const kb of findKbs(d.solution.slice(patch.index))) pushUnique(kbs, kb);
  }
  rule.kbs = kbs;
  for (const bid of d.bugtraq) pushUnique(rule.xrefs, `BID:${bid}`);
  if (d.exploitAvailable) rule.exploitAvailable = true;
  if (d.exploitedByMalware) rule.exploitedByMalware = true;
  return rule;
}

// ---------------------------------------------------------------------------------------------------------------
// Hosts

interface HostDraft {
  line: number;
  ip?: string;
  dns?: string;
  netbios?: string;
  os?: string;
  hostIds: string[];
  findings: FindingInstance[];
  /** Findings whose severity waits for the glossary: index → how to estimate it if it never comes. */
  pending: { finding: FindingInstance; estimate: Severity }[];
}

function buildHost(h: HostDraft, index: number): HostObservation {
  const ip = h.ip?.trim();
  const key = ip || h.dns || h.netbios || `host ${index}`;
  const obs: HostObservation = {
    key,
    ips: ip && isIp(ip) ? [ip.toLowerCase()] : [],
    macs: [],
    installedUpdates: [],
    software: [],
    pendingUpdates: [],
    findings: h.findings
  };
  const dns = namesFrom(h.dns);
  const netbios = h.netbios?.trim();
  const hostname = netbios || dns.hostname;
  if (hostname) obs.hostname = hostname;
  if (dns.fqdn) obs.fqdn = dns.fqdn;
  if (h.hostIds.length > 0) obs.hostIds = h.hostIds;
  const os = h.os ? qualysOs(h.os) : undefined;
  if (os) obs.os = os;
  return obs;
}

/**
 * Qualys OS names: "Windows 2008 R2 Enterprise Service Pack 1" (no "Server"), "Windows 2008 R2/7" (either),
 * "Ubuntu / Tiny Core Linux / Linux 2.6.x" (candidates).
 */
export function qualysOs(text: string): OsInfo | undefined {
  const name = text.replace(/\s+/g, ' ').trim();
  if (!name) return undefined;
  // Qualys drops "Server" from server names ("Windows 2012 Standard" is Windows Server 2012) and writes the
  // architecture and feature release into the name ("… Standard 64 bit Edition Version 1809 Build 17763.5696").
  const bits = /\b(64|32)[ -]bit(?:\s+Edition)?\b/i.exec(name)?.[1];
  const release = /\bVersion\s+(\d{4}|\d{2}H\d)\b/i.exec(name)?.[1];
  const normalized = name
    .replace(/^(Microsoft\s+)?Windows\s+(20(?:03|08|12|16|19|22|25))\b/i, '$1Windows Server $2')
    .replace(/\s*\b(?:64|32)[ -]bit(?:\s+Edition)?\b/i, '')
    .replace(/\s*\bVersion\s+(?:\d{4}|\d{2}H\d)\b/i, '');
  const info = osFromName(normalized);
  info.name = name;
  if (info.family === 'windows') {
    if (bits) info.architecture = bits === '64' ? 'x64' : 'x86';
    if (release) info.displayVersion = release.toUpperCase();
  }
  return info;
}

// ---------------------------------------------------------------------------------------------------------------
// ASSET_DATA_REPORT

/**
 * Streaming reader for a Qualys ASSET_DATA_REPORT. Rules go to `sink.rule` when the glossary has been read; hosts
 * follow them (or are handed over early, see the module comment).
 */
export function createQualysReportParser(
  sink: ObservationSink,
  options: QualysParserOptions = {}
): StreamParser {
  const budget = options.holdBudgetChars ?? HOLD_BUDGET_CHARS;
  const extra: Problem[] = [];
  /** QID → severity level 1–5, from the glossary. */
  const levels = new Map<string, string>();
  let held: HostDraft[] = [];
  let heldChars = 0;
  let streaming = false;
  let glossaryRead = false;
  let hostCount = 0;
  let estimated = 0;
  let estimatedHosts = 0;
  let missingQids = 0;
  let firstMissing = '';

  let host: HostDraft | undefined;
  let hostDepth = 0;
  let info:
    { depth: number; line: number; qid?: string; type?: string; values: Map<string, string> } | undefined;
  let rule: RuleDraft | undefined;
  let ruleDepth = 0;

  const reader = createXmlReader({
    what: 'a Qualys asset data report',
    remedy: REPORT_AGAIN,
    root(el) {
      if (el.name === 'ASSET_DATA_REPORT') return undefined;
      return {
        severity: 'error',
        code: 'qualys-wrong-root',
        message: `This XML file's top element is <${el.name}>, not <ASSET_DATA_REPORT>, so it is not a Qualys asset data report. ${REPORT_AGAIN}`,
        line: el.line
      };
    },
    open(el, ctx) {
      if (info) {
        if (ctx.path.length === info.depth + 1) ctx.collect();
        else ctx.skip();
        return;
      }
      if (rule) {
        const rel = ctx.path.slice(ruleDepth).join('/');
        openRulePart(rel, ctx, rule);
        return;
      }
      if (host) {
        const rel = ctx.path.slice(hostDepth).join('/');
        if (rel === 'VULN_INFO_LIST/VULN_INFO') {
          info = { depth: el.depth, line: el.line, values: new Map() };
          return;
        }
        if (rel === 'VULN_INFO_LIST') return;
        if (ctx.path.length === hostDepth + 1) {
          if (HOST_FIELDS.has(el.name)) ctx.collect();
          else ctx.skip();
        }
        return;
      }
      const parent = ctx.parent;
      if (el.name === 'HOST' && parent === 'HOST_LIST') {
        host = { line: el.line, hostIds: [], findings: [], pending: [] };
        hostDepth = el.depth;
        return;
      }
      if (el.name === 'VULN_DETAILS' && parent === 'VULN_DETAILS_LIST') {
        const qid = /^qid_(\d+)$/.exec(el.attributes.id ?? '')?.[1];
        rule = newRule(qid ?? '');
        ruleDepth = el.depth;
        return;
      }
      if (
        parent === 'ASSET_DATA_REPORT' &&
        (el.name === 'HEADER' || el.name === 'RISK_SCORE_PER_HOST' || el.name === 'APPENDICES')
      ) {
        ctx.skip();
      }
    },
    close(el, text, ctx) {
      if (info) {
        if (el.depth === info.depth) {
          closeInfo(info, ctx);
          info = undefined;
        } else if (text !== undefined) {
          info.values.set(el.name, el.name === 'RESULT' ? text : text.trim());
          if (el.name === 'QID') info.qid = text.trim();
          if (el.name === 'TYPE') info.type = text.trim();
        }
        return;
      }
      if (rule) {
        if (el.depth === ruleDepth) {
          closeRule(rule, ctx);
          rule = undefined;
        } else if (text !== undefined) {
          if (el.name === 'QID' && ctx.path.length === ruleDepth + 1) {
            const qid = text.trim();
            if (qid) rule.qid = qid;
          } else {
            closeRulePart(el.name, ctx.parent, text, rule);
          }
        }
        return;
      }
      if (host) {
        if (el.depth === hostDepth) {
          closeHost(host);
          host = undefined;
        } else if (text !== undefined && el.depth === hostDepth + 1) {
          takeHostField(host, el.name, text.trim());
        }
        return;
      }
      if (el.name === 'GLOSSARY') {
        glossaryRead = true;
        resolveHeld();
      }
    }
  });

  function closeInfo(i: NonNullable<typeof info>, ctx: XmlContext): void {
    const h = host;
    if (!h) return;
    const qid = i.qid;
    if (!qid || !/^\d+$/.test(qid)) {
      ctx.issue({
        severity: 'warning',
        code: 'qualys-vuln-without-qid',
        message: `A VULN_INFO at line ${i.line} has no QID, so it was skipped.`,
        line: i.line
      });
      return;
    }
    const type = (i.type ?? '').toLowerCase();
    const finding: FindingInstance = { ruleId: qid, severity: 'info' };
    const port = Number(i.values.get('PORT'));
    if (i.values.get('PORT') && Number.isInteger(port) && port >= 0 && port <= 65535) finding.port = port;
    const protocol = i.values.get('PROTOCOL')?.toLowerCase();
    if (protocol) finding.protocol = protocol;
    const service = i.values.get('SERVICE');
    if (service) finding.service = service;
    const result = i.values.get('RESULT');
    if (result?.trim()) {
      finding.output = result.trimEnd(); // not .replace(/\s+$/): quadratic in a run of blanks inside
      if (type !== 'ig') {
        const kbs = findKbs(result);
        if (kbs.length > 0) finding.kbs = kbs;
      }
    }
    const first = isoTimestamp(i.values.get('FIRST_FOUND'));
    if (first) finding.firstSeen = first;
    const last = isoTimestamp(i.values.get('LAST_FOUND'));
    if (last) finding.lastSeen = last;
    const status = i.values.get('VULN_STATUS')?.toLowerCase();
    if (status === 'fixed') finding.state = 'fixed';
    else if (status && type !== 'ig') finding.state = 'affected';
    h.findings.push(finding);
    if (type !== 'ig') {
      const score = parseScore(i.values.get('CVSS3_FINAL')) ?? parseScore(i.values.get('CVSS_FINAL'));
      h.pending.push({ finding, estimate: score !== undefined ? severityFromScore(score) : 'medium' });
    }
  }

  function closeRule(d: RuleDraft, ctx: XmlContext): void {
    if (!d.qid) {
      ctx.issue({
        severity: 'warning',
        code: 'qualys-glossary-without-qid',
        message: `A glossary entry ending at line ${ctx.line} has no QID, so its texts were not used.`,
        line: ctx.line
      });
      return;
    }
    if (d.level) levels.set(d.qid, d.level);
    sink.rule(buildRule(d));
  }

  function closeHost(h: HostDraft): void {
    if (streaming || glossaryRead) {
      handOver(h, glossaryRead);
      return;
    }
    held.push(h);
    heldChars += estimateHostChars(buildHostPreview(h));
    if (heldChars > budget) {
      // Too much to hold: from here on, hosts go out with estimated severities.
      streaming = true;
      for (const x of held) handOver(x, false);
      held = [];
      heldChars = 0;
    }
  }

  function resolveHeld(): void {
    for (const h of held) handOver(h, true);
    held = [];
    heldChars = 0;
  }

  function handOver(h: HostDraft, withGlossary: boolean): void {
    let estimatedHere = 0;
    for (const p of h.pending) {
      const level = levels.get(p.finding.ruleId);
      const known = withGlossary && level ? SEVERITY_BY_LEVEL[level] : undefined;
      if (known) {
        p.finding.severity = known;
      } else {
        p.finding.severity = p.estimate;
        if (withGlossary) {
          missingQids++;
          firstMissing ||= p.finding.ruleId;
        } else estimatedHere++;
      }
    }
    if (estimatedHere > 0) {
      estimated += estimatedHere;
      estimatedHosts++;
    }
    hostCount++;
    sink.host(buildHost(h, hostCount));
  }

  return {
    write: (chunk) => reader.write(chunk),
    end() {
      reader.end();
      if (held.length > 0) {
        // No glossary (a template without it, or the file is cut short): severities are estimated.
        const before = estimated;
        for (const h of held) handOver(h, false);
        held = [];
        if (!reader.failed && estimated > before) {
          extra.push({
            severity: 'warning',
            code: 'qualys-no-glossary',
            message:
              'The report has no glossary (the QID texts and severities), so the severity of each vulnerability was estimated from its CVSS score, or set to medium. ' +
              'In Qualys, edit the report template to include the glossary ("Display: Glossary") and run the report again.'
          });
        }
      } else if (estimated > 0) {
        extra.push({
          severity: 'warning',
          code: 'qualys-severity-estimated',
          message:
            `The report is very large, so ${estimatedHosts} hosts were handed over before the glossary that holds the severities: ` +
            `${estimated} of their vulnerabilities have a severity estimated from their CVSS score (or medium). Their rule texts are complete. ` +
            'For exact severities, split the report by asset group.',
          count: estimated
        });
      }
      if (missingQids > 0) {
        extra.push({
          severity: 'warning',
          code: 'qualys-qid-not-in-glossary',
          message: `${missingQids} vulnerabilities name a QID that the glossary does not describe (first: QID ${firstMissing}); their severity was estimated from CVSS (or medium).`,
          count: missingQids
        });
      }
      if (!reader.failed && reader.rootSeen && hostCount === 0) {
        extra.push({
          severity: 'warning',
          code: 'qualys-no-hosts',
          message:
            'The report lists no hosts: the scans found nothing in its scope or the template filters everything out. Check the report template and asset groups in Qualys and run it again.'
        });
      }
    },
    get issues() {
      return [...reader.issues, ...extra];
    },
    formatVersion: undefined,
    get position() {
      return host ? `host ${hostCount + held.length + 1}` : `line ${reader.line}`;
    }
  };
}

const HOST_FIELDS: ReadonlySet<string> = new Set([
  'IP',
  'DNS',
  'NETBIOS',
  'OPERATING_SYSTEM',
  'HOST_ID',
  'ASSET_ID',
  'QG_HOSTID',
  'TRACKING_METHOD'
]);

function takeHostField(h: HostDraft, name: string, value: string): void {
  if (!value) return;
  switch (name) {
    case 'IP':
      h.ip = value;
      return;
    case 'DNS':
      h.dns = value;
      return;
    case 'NETBIOS':
      h.netbios = value;
      return;
    case 'OPERATING_SYSTEM':
      h.os = value;
      return;
    case 'HOST_ID':
      pushUnique(h.hostIds, `qualys:${value}`);
      return;
    case 'ASSET_ID':
      pushUnique(h.hostIds, `qualys:asset-${value}`);
      return;
    case 'QG_HOSTID':
      pushUnique(h.hostIds, `qualys:agent-${value}`);
      return;
  }
}

/** Just enough of a host to estimate its size while it is held. */
function buildHostPreview(h: HostDraft): HostObservation {
  return {
    key: '',
    ips: [],
    macs: [],
    installedUpdates: [],
    software: [],
    pendingUpdates: [],
    findings: h.findings
  };
}

/** Reads a whole Qualys asset data report already in memory. */
export function parseQualysReport(bytes: Uint8Array, options?: QualysParserOptions): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createQualysReportParser(
    { host: (h) => hosts.push(h), rule: (r) => rules.push(r) },
    options
  );
  feedAll(parser, bytes);
  return { value: { format: 'qualys-xml', hosts, rules }, issues: [...parser.issues] };
}

// ---------------------------------------------------------------------------------------------------------------
// SCAN (scan-1.dtd)

/** The kinds of entries under an IP, by list element. */
const SCAN_LISTS: Record<string, string> = {
  VULNS: 'VULN',
  PRACTICES: 'PRACTICE',
  INFOS: 'INFO',
  SERVICES: 'SERVICE'
};

/**
 * Streaming reader for Qualys SCAN XML: one host per IP element, handed over at its end tag; rules the first time a
 * QID is seen.
 */
export function createQualysScanParser(sink: ObservationSink): StreamParser {
  const extra: Problem[] = [];
  const seenRules = new Set<string>();
  let hostCount = 0;
  let host: (HostDraft & { depth: number }) | undefined;
  let category: { port?: number; protocol?: string; fqdn?: string; value?: string } = {};
  let entry:
    | {
        depth: number;
        line: number;
        kind: string;
        qid: string;
        level: string;
        cveAttr?: string;
        result?: string;
        rule?: RuleDraft;
      }
    | undefined;

  const reader = createXmlReader({
    what: 'a Qualys scan (XML)',
    remedy: SCAN_AGAIN,
    root(el) {
      if (el.name === 'SCAN') return undefined;
      return {
        severity: 'error',
        code: 'qualys-scan-wrong-root',
        message: `This XML file's top element is <${el.name}>, not <SCAN>, so it is not a Qualys scan result. ${SCAN_AGAIN}`,
        line: el.line
      };
    },
    open(el, ctx) {
      if (entry) {
        const rel = ctx.path.slice(entry.depth).join('/');
        if (rel === 'RESULT') {
          ctx.collect();
          return;
        }
        if (entry.rule) openRulePart(rel, ctx, entry.rule);
        else ctx.skip();
        return;
      }
      if (host) {
        const rel = ctx.path.slice(host.depth);
        if (rel.length === 1) {
          if (el.name === 'OS' || el.name === 'NETBIOS_HOSTNAME' || el.name === 'DNS') ctx.collect();
          else if (!SCAN_LISTS[el.name]) ctx.skip();
          return;
        }
        if (rel.length === 2 && el.name === 'CAT') {
          const port = Number(el.attributes.port);
          category = {};
          if (el.attributes.port && Number.isInteger(port) && port >= 0 && port <= 65535)
            category.port = port;
          const protocol = el.attributes.protocol?.trim().toLowerCase();
          if (protocol) category.protocol = protocol;
          const value = el.attributes.value?.trim();
          if (value) category.value = value;
          return;
        }
        if (rel.length === 3 && SCAN_LISTS[rel[0] as string] === el.name) {
          const qid = el.attributes.number?.trim() ?? '';
          if (!/^\d+$/.test(qid)) {
            ctx.issue({
              severity: 'warning',
              code: 'qualys-entry-without-qid',
              message: `A ${el.name} at line ${el.line} has no QID (number attribute), so it was skipped.`,
              line: el.line
            });
            ctx.skip();
            return;
          }
          entry = {
            depth: el.depth,
            line: el.line,
            kind: el.name,
            qid,
            level: el.attributes.severity?.trim() ?? '',
            ...(el.attributes.cveid ? { cveAttr: el.attributes.cveid } : {})
          };
          if (!seenRules.has(qid)) {
            entry.rule = newRule(qid);
            if (category.value) entry.rule.category = category.value;
          }
          return;
        }
        if (rel.length >= 2) ctx.skip();
        return;
      }
      if (el.name === 'IP' && ctx.parent === 'SCAN') {
        host = { depth: el.depth, line: el.line, hostIds: [], findings: [], pending: [] };
        const ip = el.attributes.value?.trim();
        if (ip) host.ip = ip;
        const name = el.attributes.name?.trim();
        if (name && name !== 'No registered hostname') host.dns = name;
        return;
      }
      if (el.name === 'HEADER' && ctx.parent === 'SCAN') ctx.skip();
    },
    close(el, text, ctx) {
      if (entry) {
        if (el.depth === entry.depth) {
          closeEntry(entry);
          entry = undefined;
        } else if (text !== undefined) {
          if (el.name === 'RESULT' && el.depth === entry.depth + 1) entry.result = text;
          else if (entry.rule) closeRulePart(el.name, ctx.parent, text, entry.rule);
        }
        return;
      }
      if (host) {
        if (el.depth === host.depth) {
          hostCount++;
          sink.host(buildHost(host, hostCount));
          host = undefined;
        } else if (text !== undefined) {
          const value = text.trim();
          if (el.name === 'OS' && value) host.os = value;
          if (el.name === 'NETBIOS_HOSTNAME' && value) host.netbios = value;
          if (el.name === 'DNS' && value) host.dns ??= value;
        }
      }
    }
  });

  function closeEntry(e: NonNullable<typeof entry>): void {
    const h = host;
    if (!h) return;
    const informational = e.kind === 'INFO' || e.kind === 'SERVICE';
    const finding: FindingInstance = {
      ruleId: e.qid,
      severity: informational ? 'info' : (SEVERITY_BY_LEVEL[e.level] ?? 'info')
    };
    if (category.port !== undefined) finding.port = category.port;
    if (category.protocol) finding.protocol = category.protocol;
    if (e.result?.trim()) {
      finding.output = e.result.trimEnd();
      if (!informational) {
        const kbs = findKbs(e.result);
        if (kbs.length > 0) finding.kbs = kbs;
      }
    }
    h.findings.push(finding);
    if (e.rule) {
      seenRules.add(e.qid);
      for (const cve of (e.cveAttr ?? '').split(/[\s,]+/)) {
        if (/^CVE-\d{4}-\d+$/i.test(cve)) pushUnique(e.rule.cves, cve.toUpperCase());
      }
      const rule = buildRule(e.rule, e.level);
      sink.rule(rule);
    }
  }

  return {
    write: (chunk) => reader.write(chunk),
    end() {
      reader.end();
      if (!reader.failed && reader.rootSeen && hostCount === 0) {
        extra.push({
          severity: 'warning',
          code: 'qualys-scan-no-hosts',
          message:
            'The scan lists no hosts: no target answered, or the scan was cancelled before it reached any. Check the scan status in Qualys (Scans → Scans) and download a finished scan.'
        });
      }
    },
    get issues() {
      return [...reader.issues, ...extra];
    },
    get position() {
      return hostCount > 0 || host ? `host ${hostCount + (host ? 1 : 0)}` : `line ${reader.line}`;
    }
  };
}

/** Reads a whole Qualys SCAN XML file already in memory. */
export function parseQualysScan(bytes: Uint8Array): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createQualysScanParser({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) });
  feedAll(parser, bytes);
  return { value: { format: 'qualys-scan-xml', hosts, rules }, issues: [...parser.issues] };
}

// ---------------------------------------------------------------------------------------------------------------
// Detection

export type QualysXmlKind = 'qualys-xml' | 'qualys-scan-xml' | 'qualys-other';

/** By root element: ASSET_DATA_REPORT, SCAN (with IP results or the scan-1 DTD), or another Qualys API output. */
export function sniffQualysXml(text: string): QualysXmlKind | null {
  const root = xmlRoot(text);
  if (!root) return null;
  if (root.name === 'ASSET_DATA_REPORT') return 'qualys-xml';
  if (root.name === 'SCAN') {
    if (
      /scan-1\.dtd/i.test(root.doctype ?? '') ||
      /value="scan\//.test(root.tag) ||
      /<IP\s+value=/.test(text)
    ) {
      return 'qualys-scan-xml';
    }
    return null;
  }
  if (
    /^(?:HOST_LIST_VM_DETECTION_OUTPUT|HOST_LIST_OUTPUT|SCAN_LIST_OUTPUT|KNOWLEDGE_BASE_VULN_LIST_OUTPUT)$/.test(
      root.name
    )
  ) {
    return 'qualys-other';
  }
  return null;
}

export const qualysXmlHandlers: FormatHandler[] = [
  {
    format: 'qualys-xml',
    family: 'scanner',
    howTo:
      'In Qualys VM: Reports → New → Scan Report (template "Host Based Findings", with the glossary) → run it → download as XML.',
    sniff({ text, fileName }) {
      const kind = sniffQualysXml(text);
      if (kind === 'qualys-xml') return 95;
      if (kind === 'qualys-other') {
        return {
          severity: 'error',
          code: 'qualys-api-output',
          message: `${fileName} is Qualys API output (${xmlRoot(text)?.name ?? 'XML'}), not a report Patchfield reads. ${REPORT_AGAIN}`
        };
      }
      return 0;
    },
    create: (sink) => createQualysReportParser(sink)
  },
  {
    format: 'qualys-scan-xml',
    family: 'scanner',
    howTo: 'In Qualys VM: Scans → Scans → select the finished scan → Download → XML.',
    sniff: ({ text }) => (sniffQualysXml(text) === 'qualys-scan-xml' ? 95 : 0),
    create: (sink) => createQualysScanParser(sink)
  }
];
