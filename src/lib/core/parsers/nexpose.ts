/**
 * Reader for Rapid7 Nexpose / InsightVM reports in the "XML Export 2.0" (and the older "XML Export", root
 * `<NexposeReport version="1.0">`) templates.
 *
 * Nodes come first: address, names, OS fingerprints, software and service fingerprints, and `<test>` results on the
 * node and on each endpoint's services. The `<VulnerabilityDefinitions>` (title, severity 1–10, CVSS, description,
 * solution, references) come after all nodes.
 *
 * Counting: one finding per `<test>` whose status says the node is affected: vulnerable-exploited and
 * vulnerable-version (state affected) and potential (state unknown). Tests with any other status (not-vulnerable,
 * error, skipped-*, unknown) are checks that found nothing and are not findings.
 *
 * Severity: the definition's CVSS score when it has one, else its Nexpose severity 1–10, in CVSS bands (below 4 low,
 * below 7 medium, below 9 high, 9 and above critical). As the definitions follow the nodes, nodes are held until
 * they have been read; past HOLD_BUDGET_CHARS of held evidence, nodes are handed over early with severity medium
 * and a warning says how many.
 *
 * @see https://docs.rapid7.com/insightvm/export-template-attributes/ (XML Export 2.0)
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
  Software,
  StreamParser
} from '../model';
import type { FormatHandler } from './handler';
import { findKbs, normalizeKb } from './kb';
import {
  createXmlReader,
  estimateHostChars,
  feedAll,
  HOLD_BUDGET_CHARS,
  isIp,
  isoDateOf,
  isoTimestamp,
  namesFrom,
  normalizeMac,
  osFromName,
  paragraphs,
  parseCvss,
  parseScore,
  pushUnique,
  severityFromScore,
  xmlRoot,
  type XmlContext,
  type XmlElement
} from './xml-stream';

const EXPORT_AGAIN =
  'In InsightVM / Nexpose, create the report again with the export template "XML Export 2.0" and download it.';

/** Test statuses that are findings, with the state they carry. */
const FINDING_STATUSES: Record<string, FindingInstance['state']> = {
  'vulnerable-exploited': 'affected',
  'vulnerable-version': 'affected',
  potential: 'unknown'
};

export interface NexposeParserOptions {
  /** Evidence held while waiting for the definitions before nodes are handed over early (tests lower it). */
  holdBudgetChars?: number;
}

interface NodeDraft {
  depth: number;
  line: number;
  address?: string;
  mac?: string;
  deviceId?: string;
  names: string[];
  os?: { certainty: number; attributes: Readonly<Record<string, string>> };
  software: Software[];
  softwareSeen: Set<string>;
  findings: FindingInstance[];
}

interface TestDraft {
  depth: number;
  finding: FindingInstance;
}

interface RuleDraft {
  depth: number;
  id: string;
  attributes: Readonly<Record<string, string>>;
  description?: string;
  solution?: string;
  cves: string[];
  kbs: string[];
  xrefs: string[];
  references: string[];
  exploitAvailable?: boolean;
  exploitedByMalware?: boolean;
  reference?: string;
}

/** Streaming reader for Nexpose XML exports. */
export function createNexposeParser(sink: ObservationSink, options: NexposeParserOptions = {}): StreamParser {
  const budget = options.holdBudgetChars ?? HOLD_BUDGET_CHARS;
  const extra: Problem[] = [];
  /** Vulnerability id (lower case) → severity, from the definitions. */
  const severities = new Map<string, Severity>();
  let held: HostObservation[] = [];
  let heldChars = 0;
  let streaming = false;
  let definitionsRead = false;
  let formatVersion: string | undefined;
  let hostCount = 0;
  let estimated = 0;
  let estimatedHosts = 0;
  let unknownTests = 0;
  let firstUnknown = '';

  let node: NodeDraft | undefined;
  let endpoint: { port?: number; protocol?: string } | undefined;
  let serviceName: string | undefined;
  let test: TestDraft | undefined;
  let rule: RuleDraft | undefined;

  const reader = createXmlReader({
    what: 'a Nexpose / InsightVM XML report',
    remedy: EXPORT_AGAIN,
    root(el) {
      if (el.name === 'NexposeReport') {
        const version = el.attributes.version?.trim();
        if (version) formatVersion = `NexposeReport ${version}`;
        return undefined;
      }
      return {
        severity: 'error',
        code: 'nexpose-wrong-root',
        message: `This XML file's top element is <${el.name}>, not <NexposeReport>, so it is not a Nexpose XML Export 2.0 report. ${EXPORT_AGAIN}`,
        line: el.line
      };
    },
    open(el, ctx) {
      // Nexpose writes links as <URLLink LinkURL="…"/>: the target goes into the text being gathered.
      if (el.name === 'URLLink') {
        const url = (el.attributes.LinkURL ?? el.attributes.LinkTitle ?? '').trim();
        if (url) ctx.appendText(` ${url} `);
        return;
      }
      if (test) return; // its text is collected 'deep'
      if (rule) {
        openInRule(el, ctx, rule);
        return;
      }
      if (node) {
        openInNode(el, ctx, node);
        return;
      }
      const parent = ctx.parent;
      if (el.name === 'node' && parent === 'nodes') {
        node = {
          depth: el.depth,
          line: el.line,
          names: [],
          software: [],
          softwareSeen: new Set(),
          findings: []
        };
        const a = el.attributes;
        if (a.address?.trim()) node.address = a.address.trim();
        if (a['hardware-address']?.trim()) node.mac = a['hardware-address'].trim();
        if (a['device-id']?.trim()) node.deviceId = a['device-id'].trim();
        return;
      }
      if (el.name === 'vulnerability' && parent === 'VulnerabilityDefinitions') {
        const id = el.attributes.id?.trim() ?? '';
        rule = {
          depth: el.depth,
          id,
          attributes: el.attributes,
          cves: [],
          kbs: [],
          xrefs: [],
          references: []
        };
        return;
      }
      if (el.name === 'scans' && parent === 'NexposeReport') ctx.skip();
    },
    close(el, text, ctx) {
      if (test) {
        if (el.depth === test.depth) {
          const output = paragraphs(text);
          if (output) {
            test.finding.output = output;
            const kbs = findKbs(output);
            if (kbs.length > 0) test.finding.kbs = kbs;
          }
          node?.findings.push(test.finding);
          test = undefined;
        }
        return;
      }
      if (rule) {
        if (el.depth === rule.depth) {
          closeRule(rule, ctx);
          rule = undefined;
        } else {
          closeInRule(el, text, rule);
        }
        return;
      }
      if (node) {
        if (el.depth === node.depth) {
          closeNode(node);
          node = undefined;
          return;
        }
        if (el.name === 'endpoint') endpoint = undefined;
        else if (el.name === 'service') serviceName = undefined;
        else if (el.name === 'name' && ctx.parent === 'names' && text?.trim())
          pushUnique(node.names, text.trim());
        return;
      }
      if (el.name === 'VulnerabilityDefinitions') {
        definitionsRead = true;
        for (const h of held) handOver(h, true);
        held = [];
        heldChars = 0;
      }
    }
  });

  function openInNode(el: XmlElement, ctx: XmlContext, n: NodeDraft): void {
    const a = el.attributes;
    switch (el.name) {
      case 'test': {
        const status = a.status?.trim().toLowerCase() ?? '';
        const id = a.id?.trim();
        if (!(status in FINDING_STATUSES) || !id) {
          ctx.skip();
          return;
        }
        const finding: FindingInstance = { ruleId: id.toLowerCase(), severity: 'medium' };
        const state = FINDING_STATUSES[status];
        if (state) finding.state = state;
        if (endpoint?.port !== undefined) finding.port = endpoint.port;
        if (endpoint?.protocol) finding.protocol = endpoint.protocol;
        if (serviceName) finding.service = serviceName;
        const since = isoTimestamp(a['vulnerable-since']);
        if (since) finding.firstSeen = since;
        test = { depth: el.depth, finding };
        ctx.collect('deep');
        return;
      }
      case 'endpoint': {
        endpoint = {};
        const port = Number(a.port);
        if (a.port && Number.isInteger(port) && port >= 0 && port <= 65535) endpoint.port = port;
        const protocol = a.protocol?.trim().toLowerCase();
        if (protocol) endpoint.protocol = protocol;
        return;
      }
      case 'service': {
        const name = a.name?.trim();
        serviceName = name && name !== '<unknown>' ? name : undefined;
        return;
      }
      case 'os':
        if (ctx.parent === 'fingerprints') {
          const certainty = Number(a.certainty ?? '0') || 0;
          if (!n.os || certainty > n.os.certainty) n.os = { certainty, attributes: a };
        }
        return;
      case 'fingerprint': {
        // Node software (<software><fingerprint>) and service fingerprints (<service><fingerprints><fingerprint>).
        const product = a.product?.trim();
        if (!product) return;
        const isService = ctx.path[ctx.path.length - 3] === 'service';
        const vendor = a.vendor?.trim();
        const version = a.version?.trim();
        const key = `${product}\u0000${version ?? ''}`;
        if (n.softwareSeen.has(key)) return;
        n.softwareSeen.add(key);
        const sw: Software = { name: product };
        if (vendor) sw.vendor = vendor;
        if (version) sw.version = version;
        if (isService) sw.ecosystem = 'service';
        n.software.push(sw);
        return;
      }
      case 'configuration':
        ctx.skip();
        return;
      case 'name':
        if (ctx.parent === 'names') ctx.collect();
        return;
    }
  }

  function openInRule(el: XmlElement, ctx: XmlContext, r: RuleDraft): void {
    const rel = ctx.path.slice(r.depth).join('/');
    switch (rel) {
      case 'description':
      case 'solution':
        ctx.collect('deep');
        return;
      case 'references':
      case 'exploits':
      case 'malware':
        return;
      case 'references/reference':
        r.reference = el.attributes.source?.trim() ?? '';
        ctx.collect();
        return;
      case 'exploits/exploit':
        r.exploitAvailable = true;
        ctx.skip();
        return;
      case 'malware/name':
        r.exploitedByMalware = true;
        ctx.skip();
        return;
    }
    if (ctx.path.length === r.depth + 1) ctx.skip();
  }

  function closeInRule(el: XmlElement, text: string | undefined, r: RuleDraft): void {
    if (text === undefined) return;
    if (el.name === 'description') {
      const d = paragraphs(text);
      if (d) r.description = d;
      return;
    }
    if (el.name === 'solution') {
      const s = paragraphs(text);
      if (s) r.solution = s;
      return;
    }
    if (el.name !== 'reference') return;
    const value = text.trim();
    const source = (r.reference ?? '').toUpperCase();
    if (!value) return;
    switch (source) {
      case 'CVE':
        if (/^CVE-\d{4}-\d+$/i.test(value)) pushUnique(r.cves, value.toUpperCase());
        return;
      case 'URL':
        pushUnique(r.references, value);
        return;
      case 'MS':
        pushUnique(r.xrefs, `MSFT:${value.toUpperCase()}`);
        return;
      case 'MSKB':
      case 'KB': {
        const kb = normalizeKb(/^\d{6,7}$/.test(value) ? `KB${value}` : value);
        if (kb) pushUnique(r.kbs, kb);
        else pushUnique(r.xrefs, `${source}:${value}`);
        return;
      }
      default:
        pushUnique(r.xrefs, source ? `${source}:${value}` : value);
    }
  }

  function closeRule(r: RuleDraft, ctx: XmlContext): void {
    if (!r.id) {
      ctx.issue({
        severity: 'warning',
        code: 'nexpose-definition-without-id',
        message: `A vulnerability definition ending at line ${ctx.line} has no id, so its texts were not used.`,
        line: ctx.line
      });
      return;
    }
    const a = r.attributes;
    const cvss = parseCvss(a.cvssScore, a.cvssVector);
    const level = parseScore(a.severity);
    const severity: Severity = cvss ? severityFromScore(cvss.baseScore) : severityFromScore(level ?? 0);
    severities.set(r.id.toLowerCase(), severity);
    const rule: ScannerRule = {
      ruleId: r.id.toLowerCase(),
      scanner: 'nexpose',
      name: a.title?.trim() || `Nexpose check ${r.id}`,
      severity,
      cves: r.cves,
      kbs: r.kbs,
      xrefs: r.xrefs,
      references: r.references
    };
    if (a.severity?.trim()) rule.riskFactor = `Nexpose severity ${a.severity.trim()}`;
    if (r.description) rule.description = r.description;
    if (r.solution) rule.solution = r.solution;
    if (cvss) {
      const value = cvss.vector
        ? { baseScore: cvss.baseScore, vector: cvss.vector }
        : { baseScore: cvss.baseScore };
      if (cvss.v3) rule.cvss3 = value;
      else rule.cvss2 = value;
    }
    // Microsoft checks name their KB in the title or the solution ("… (KB4012212)").
    if (r.xrefs.some((x) => x.startsWith('MSFT:')) || /\bmicrosoft\b/i.test(rule.name)) {
      for (const kb of findKbs(`${rule.name}\n${rule.solution ?? ''}`)) pushUnique(rule.kbs, kb);
    }
    const published = isoDateOf(a.published);
    if (published) rule.publishedOn = published;
    if (r.exploitAvailable) rule.exploitAvailable = true;
    if (r.exploitedByMalware) rule.exploitedByMalware = true;
    sink.rule(rule);
  }

  function closeNode(n: NodeDraft): void {
    const obs = buildNode(n, hostCount + held.length + 1);
    if (streaming || definitionsRead) {
      handOver(obs, definitionsRead);
      return;
    }
    held.push(obs);
    heldChars += estimateHostChars(obs);
    if (heldChars > budget) {
      streaming = true;
      for (const h of held) handOver(h, false);
      held = [];
      heldChars = 0;
    }
  }

  function handOver(h: HostObservation, withDefinitions: boolean): void {
    let estimatedHere = 0;
    for (const f of h.findings) {
      const known = withDefinitions ? severities.get(f.ruleId) : undefined;
      if (known) f.severity = known;
      else if (withDefinitions) {
        unknownTests++;
        firstUnknown ||= f.ruleId;
      } else estimatedHere++;
    }
    if (estimatedHere > 0) {
      estimated += estimatedHere;
      estimatedHosts++;
    }
    hostCount++;
    sink.host(h);
  }

  return {
    write: (chunk) => reader.write(chunk),
    end() {
      reader.end();
      if (held.length > 0) {
        const before = estimated;
        for (const h of held) handOver(h, false);
        held = [];
        if (!reader.failed && estimated > before) {
          extra.push({
            severity: 'warning',
            code: 'nexpose-no-definitions',
            message:
              'The report has no vulnerability definitions, so every finding is listed with severity medium and without its title or solution. ' +
              EXPORT_AGAIN
          });
        }
      } else if (estimated > 0) {
        extra.push({
          severity: 'warning',
          code: 'nexpose-severity-estimated',
          message:
            `The report is very large, so ${estimatedHosts} nodes were handed over before the vulnerability definitions that hold the severities: ` +
            `${estimated} of their findings are listed as medium. Their rule texts are complete. For exact severities, report on smaller sites or asset groups.`,
          count: estimated
        });
      }
      if (unknownTests > 0) {
        extra.push({
          severity: 'warning',
          code: 'nexpose-test-not-defined',
          message: `${unknownTests} findings name a check that the report's definitions do not describe (first: ${firstUnknown}); they are listed as medium.`,
          count: unknownTests
        });
      }
      if (!reader.failed && reader.rootSeen && hostCount === 0) {
        extra.push({
          severity: 'warning',
          code: 'nexpose-no-nodes',
          message:
            'The report lists no nodes: its scope holds no scanned assets. Check the report scope (sites, asset groups) in InsightVM / Nexpose and run it again.'
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
      const n = hostCount + held.length;
      return n > 0 || node ? `node ${n + (node ? 1 : 0)}` : `line ${reader.line}`;
    }
  };
}

function buildNode(n: NodeDraft, index: number): HostObservation {
  const address = n.address;
  const key = address || n.names[0] || `node ${index}`;
  const obs: HostObservation = {
    key,
    ips: address && isIp(address) ? [address.toLowerCase()] : [],
    macs: [],
    installedUpdates: [],
    software: n.software,
    pendingUpdates: [],
    findings: n.findings
  };
  const mac = n.mac ? normalizeMac(n.mac) : undefined;
  if (mac) obs.macs.push(mac);
  const fqdnName = n.names.find((x) => x.includes('.') && !isIp(x));
  const names = namesFrom(fqdnName ?? n.names.find((x) => !isIp(x)));
  if (names.hostname) obs.hostname = names.hostname;
  if (names.fqdn) obs.fqdn = names.fqdn;
  if (n.deviceId) obs.hostIds = [`nexpose:${n.deviceId}`];
  const os = n.os ? nexposeOs(n.os.attributes) : undefined;
  if (os) obs.os = os;
  return obs;
}

/** OS fingerprint: vendor "Microsoft", family "Windows", product "Windows Server 2012 R2 Standard Edition", version "SP1". */
function nexposeOs(a: Readonly<Record<string, string>>): OsInfo | undefined {
  const vendor = a.vendor?.trim() ?? '';
  const family = a.family?.trim() ?? '';
  const product = a.product?.trim() ?? '';
  const version = a.version?.trim() ?? '';
  const deviceClass = a['device-class']?.trim();
  let name = product || family;
  if (vendor && !name.toLowerCase().startsWith(vendor.toLowerCase())) name = `${vendor} ${name}`;
  if (version && !name.includes(version)) name = `${name} ${version}`;
  name = name.trim();
  if (!name) return undefined;
  const info = osFromName(name, deviceClass);
  if (a.arch?.trim()) info.architecture = a.arch.trim();
  return info;
}

/** Reads a whole Nexpose XML report already in memory. */
export function parseNexpose(bytes: Uint8Array, options?: NexposeParserOptions): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createNexposeParser({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) }, options);
  feedAll(parser, bytes);
  const value: ParsedFile = { format: 'nexpose-xml', hosts, rules };
  if (parser.formatVersion) value.formatVersion = parser.formatVersion;
  return { value, issues: [...parser.issues] };
}

export type NexposeKind = 'nexpose-xml' | 'nexpose-simple';

/** <NexposeReport> (XML Export / 2.0); <NeXposeSimpleXML> is the "Simple XML" template, which lacks the texts. */
export function sniffNexpose(text: string): NexposeKind | null {
  const root = xmlRoot(text)?.name;
  if (root === 'NexposeReport') return 'nexpose-xml';
  if (root === 'NeXposeSimpleXML') return 'nexpose-simple';
  return null;
}

export const nexposeHandlers: FormatHandler[] = [
  {
    format: 'nexpose-xml',
    family: 'scanner',
    howTo:
      'In InsightVM / Nexpose: Reports → Create a report → Export → template "XML Export 2.0" → scope (site or asset group) → Save & run → download.',
    sniff({ text, fileName }) {
      const kind = sniffNexpose(text);
      if (kind === 'nexpose-xml') return 95;
      if (kind === 'nexpose-simple') {
        return {
          severity: 'error',
          code: 'nexpose-simple-xml',
          message: `${fileName} is a Nexpose "Simple XML" export, which leaves out the vulnerability titles, severities and solutions. ${EXPORT_AGAIN}`
        };
      }
      return 0;
    },
    create: (sink) => createNexposeParser(sink)
  }
];
