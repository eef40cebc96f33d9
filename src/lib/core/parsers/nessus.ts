/**
 * Reader for Tenable Nessus scans exported as "Nessus" (.nessus v2, root element <NessusClientData_v2>).
 *
 * It streams: bytes → a streaming TextDecoder → saxes events → one HostObservation per </ReportHost>, handed to the
 * sink and then forgotten. Nothing holds the whole file, a whole-file string or a DOM, so a 500 MB scan costs the
 * memory of its largest host. Rule texts (plugin name, synopsis, description, …) repeat in every ReportItem of a
 * .nessus file; they are read only the first time a plugin ID is seen and handed over once.
 *
 * No DTD is read and no entity beyond XML's five is expanded (saxes does neither), so "billion laughs" and external
 * entities are inert: an unknown entity stays in the text as written and becomes a warning.
 *
 * @see https://static.tenable.com/documentation/nessus_v2_file_format.pdf (the .nessus v2 layout)
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type {
  FindingInstance,
  HostObservation,
  InstalledUpdate,
  ObservationSink,
  OsFamily,
  OsInfo,
  ParsedFile,
  ParseResult,
  Problem,
  ScannerRule,
  Severity,
  Software,
  StreamParser
} from '../model';
import { findKbs, kbFromNumber, normalizeKb } from './kb';
import { isWindowsName, parseWindowsOs } from './windows-os';

export type NessusKind = 'nessus-v2' | 'nessus-v1' | 'nessus-wrongroot';

const ROOT_V2 = 'NessusClientData_v2';
const ROOT_V1 = 'NessusClientData';
const EXPORT_AGAIN = "In Nessus, export the scan as 'Nessus' (.nessus) format.";

/** Nessus plugins whose output this reader interprets beyond keeping it as evidence. */
const PLUGIN = {
  osIdentification: '11936',
  smbOsVersion: '48942',
  smbNativeLanManager: '10785',
  wmiQfe: '52001',
  smbQfe: '62042',
  installedSoftware: '20811',
  securityRollups: '93962',
  patchReport: '66334',
  missingPatchSummary: '38153'
} as const;

/** Plugins whose output lists what IS installed: KB numbers in it are not missing updates. */
const INVENTORY_PLUGINS: ReadonlySet<string> = new Set([
  PLUGIN.wmiQfe,
  PLUGIN.smbQfe,
  PLUGIN.installedSoftware,
  PLUGIN.securityRollups
]);

/** Plugins whose output feeds the host's OS, updates or software. */
const HOST_DETAIL_PLUGINS: ReadonlySet<string> = new Set([
  PLUGIN.osIdentification,
  PLUGIN.smbOsVersion,
  PLUGIN.smbNativeLanManager,
  PLUGIN.wmiQfe,
  PLUGIN.smbQfe,
  PLUGIN.installedSoftware
]);

const MICROSOFT_BULLETINS_FAMILY = 'Windows : Microsoft Bulletins';

/** HostProperties tags this reader uses; the text of other tags is never collected. */
const HOST_TAGS: ReadonlySet<string> = new Set([
  'host-ip',
  'host-fqdn',
  'netbios-name',
  'mac-address',
  'operating-system',
  'os',
  'system-type',
  'HOST_START',
  'HOST_END',
  'HOST_START_TIMESTAMP',
  'HOST_END_TIMESTAMP',
  'Credentialed_Scan'
]);

/** ReportItem children that carry rule texts; collected only for a plugin's first ReportItem. */
const RULE_ELEMENTS: ReadonlySet<string> = new Set([
  'plugin_name',
  'synopsis',
  'description',
  'solution',
  'risk_factor',
  'cve',
  'cvss3_base_score',
  'cvss3_vector',
  'cvss_base_score',
  'cvss_vector',
  'xref',
  'msft',
  'mskb',
  'see_also',
  'plugin_type',
  'plugin_publication_date',
  'patch_publication_date',
  'vuln_publication_date',
  'exploit_available',
  'exploited_by_malware'
]);

/** Nessus severity attribute 0–4. */
const SEVERITY_BY_NUMBER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** At most this many issues of one code are listed; the rest are counted in one summary line. */
const MAX_ISSUES_PER_CODE = 20;

/** Bytes looked at before choosing a decoder: BOMs, UTF-16 without BOM, and the XML declaration's encoding. */
const HEAD_BYTES = 1024;

/** Chunk size parseNessus feeds the streaming parser with (views, not copies). */
const PARSE_CHUNK_BYTES = 1 << 20;

interface RuleDraft {
  name?: string;
  synopsis?: string;
  description?: string;
  solution?: string;
  riskFactor?: string;
  cves: string[];
  cvss3Score?: string;
  cvss3Vector?: string;
  cvss2Score?: string;
  cvss2Vector?: string;
  kbs: string[];
  xrefs: string[];
  references: string[];
  pluginType?: string;
  publishedOn?: string;
  patchPublishedOn?: string;
  vulnPublishedOn?: string;
  exploitAvailable?: boolean;
  exploitedByMalware?: boolean;
}

interface ItemState {
  pluginId: string;
  pluginName: string;
  family: string;
  severity: Severity;
  port?: number;
  protocol?: string;
  service?: string;
  output?: string;
  /** Set when this is the plugin's first ReportItem in the file. */
  rule?: RuleDraft;
}

interface HostState {
  key: string;
  tags: Map<string, string>;
  findings: FindingInstance[];
  updates: Map<string, InstalledUpdate>;
  software: Software[];
  softwareSeen: Set<string>;
  /** "Remote operating system : …" lines of OS Identification (11936). */
  osIdentification: string[];
  /** "Operating system version = 10.19045" of plugin 48942, as a dotted version. */
  registryVersion?: string;
  architecture?: string;
  /** Build number stated by SMB NativeLanManager (10785), e.g. "7601". */
  lanManagerBuild?: string;
  lanManagerOs?: string;
  smbDomain?: string;
}

/** Thrown from the saxes handlers once reading has stopped, to leave the chunk being parsed; caught in `feed`. */
const ABANDONED = new Error('Nessus reading stopped');

/**
 * Streaming reader: `write` the file's bytes in chunks of any size, then `end`. Hosts go to `sink.host` at each
 * </ReportHost>, rules to `sink.rule` the first time a plugin ID is seen (always before a host that uses them).
 * Bad input never throws: it becomes `issues`. After an error that stops reading (XML not well-formed, wrong root)
 * the rest of the input is ignored; hosts handed over before it stay handed over.
 */
export function createNessusParser(sink: ObservationSink): StreamParser {
  const issues: Problem[] = [];
  const issueCounts = new Map<string, number>();
  const seenRules = new Set<string>();
  /** Plugin IDs whose findings name missing KBs (Microsoft bulletins, MSKB xrefs, patch summaries). */
  const missingPatchRules = new Set<string>();

  const xml = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });

  let decoder: TextDecoder | undefined;
  let head: Uint8Array[] = [];
  let headLength = 0;
  let stopped = false;
  let ended = false;
  let hasError = false;
  let rootSeen = false;
  let closing = false;

  let depth = 0;
  let hostCount = 0;
  let lastHostKey: string | undefined;
  let host: HostState | undefined;
  let item: ItemState | undefined;
  /** Depth of a ReportItem being skipped (no pluginID), 0 when none. */
  let skipDepth = 0;
  let inHostProperties = false;
  let tagName = '';

  // Text is collected only inside elements this reader uses: the text handler is switched on at their open tag and
  // off at their close tag, so saxes does not even slice the rest. Pieces are joined once, at the close tag.
  let collecting = '';
  let collectDepth = 0;
  let parts: string[] = [];
  const onText = (text: string): void => {
    parts.push(text);
  };

  function addIssue(problem: Problem): void {
    const count = (issueCounts.get(problem.code) ?? 0) + 1;
    issueCounts.set(problem.code, count);
    if (count <= MAX_ISSUES_PER_CODE) issues.push(problem);
    if (problem.severity === 'error') hasError = true;
  }

  function stop(problem: Problem): void {
    addIssue(problem);
    stopped = true;
    xml.off('text');
  }

  function startCollecting(what: string): void {
    collecting = what;
    collectDepth = depth;
    parts = [];
    xml.on('text', onText);
  }

  // Once reading has stopped, the rest of the chunk saxes is working through is abandoned: left to run, it would
  // report (and build an Error for) every bad character after the first, which took 5 s for 300 KB of garbage.
  xml.on('error', (err: Error) => {
    if (!stopped) onError(err);
    if (stopped) throw ABANDONED;
  });

  function onError(err: Error): void {
    const line = xml.line;
    const column = Math.max(1, xml.column);
    const detail = err.message;
    const plain = detail.replace(/^\d+:\d+:\s*/, '').replace(/\.$/, '');
    if (plain === 'undefined entity') {
      addIssue({
        severity: 'warning',
        code: 'xml-undefined-entity',
        message:
          `Line ${line} uses an entity reference that XML does not define (only &amp; &lt; &gt; &quot; &apos; ` +
          'are). Patchfield never expands entities declared in a DTD, so the text is kept as written. A genuine ' +
          'Nessus export has none: check where this file came from.',
        line,
        column,
        detail
      });
      return;
    }
    if (!rootSeen && closing) {
      stop({
        severity: 'error',
        code: 'not-xml',
        message:
          'The file ends before its first XML element: it is empty, cut off or not a Nessus scan. ' +
          `${EXPORT_AGAIN} Patchfield reads .nessus v2 files.`,
        line,
        column,
        detail
      });
      return;
    }
    if (!rootSeen) {
      stop({
        severity: 'error',
        code: 'not-xml',
        message:
          `This file is not XML (line ${line}: ${plain}), so it is not a Nessus scan. ` +
          `${EXPORT_AGAIN} Patchfield reads .nessus v2 files.`,
        line,
        column,
        detail
      });
      return;
    }
    if (closing && plain.startsWith('unclosed tag')) {
      stop({
        severity: 'error',
        code: 'xml-truncated',
        message:
          `The file is cut off at line ${line}: it ends in the middle of ${positionWords()}. ` +
          'Copy the file again, or export the scan again from Nessus as .nessus.',
        line,
        column,
        detail
      });
      return;
    }
    stop({
      severity: 'error',
      code: 'xml-not-well-formed',
      message:
        `The file is damaged or cut off at line ${line}, column ${column}: ${plain}. ` +
        'Export the scan again from Nessus as .nessus (and do not edit it by hand).',
      line,
      column,
      detail
    });
  }

  xml.on('doctype', (doctype: string) => {
    if (stopped || !/<!ENTITY/i.test(doctype)) return;
    addIssue({
      severity: 'warning',
      code: 'dtd-entities-ignored',
      message:
        'The file declares DTD entities. Patchfield does not expand them (they can be used to exhaust memory); ' +
        'a genuine Nessus export declares none.',
      line: xml.line
    });
  });

  xml.on('cdata', (cdata: string) => {
    if (collecting) parts.push(cdata);
  });

  xml.on('opentag', (tag: SaxesTagPlain) => {
    if (stopped) throw ABANDONED;
    depth++;
    const name = tag.name;
    if (!rootSeen) {
      rootSeen = true;
      checkRoot(name);
      return;
    }
    if (collecting || skipDepth) return;

    if (item) {
      if (name === 'plugin_output' || (item.rule && RULE_ELEMENTS.has(name))) startCollecting(name);
      return;
    }
    if (inHostProperties) {
      if (name === 'tag') {
        const tagKey = tag.attributes.name ?? '';
        if (HOST_TAGS.has(tagKey)) {
          tagName = tagKey;
          startCollecting('tag');
        }
      }
      return;
    }
    switch (name) {
      case 'ReportHost':
        openHost(tag.attributes.name);
        return;
      case 'HostProperties':
        if (host) inHostProperties = true;
        return;
      case 'ReportItem':
        if (host) openItem(tag.attributes);
        return;
    }
  });

  xml.on('closetag', (tag: SaxesTagPlain) => {
    if (stopped) throw ABANDONED;
    const name = tag.name;
    if (collecting) {
      if (depth === collectDepth) {
        const text = parts.length === 1 ? (parts[0] as string) : parts.join('');
        parts = [];
        const what = collecting;
        collecting = '';
        xml.off('text');
        if (what === 'tag') {
          if (host) host.tags.set(tagName, text);
        } else if (item) {
          takeItemText(item, what, text);
        }
      }
      depth--;
      return;
    }
    if (skipDepth) {
      if (depth === skipDepth) skipDepth = 0;
      depth--;
      return;
    }
    depth--;
    switch (name) {
      case 'ReportItem':
        if (item) closeItem(item);
        item = undefined;
        return;
      case 'HostProperties':
        inHostProperties = false;
        return;
      case 'ReportHost': {
        const done = host;
        host = undefined;
        if (done && !item) closeHost(done);
        return;
      }
    }
  });

  function checkRoot(name: string): void {
    if (name === ROOT_V2) return;
    if (name === ROOT_V1) {
      stop({
        severity: 'error',
        code: 'nessus-v1',
        message: `This is a Nessus v1 (.nessus legacy) file; Patchfield reads .nessus v2. ${EXPORT_AGAIN}`,
        line: xml.line
      });
      return;
    }
    stop({
      severity: 'error',
      code: 'nessus-wrong-root',
      message: `This XML file's top element is <${name}>, not <${ROOT_V2}>, so it is not a Nessus v2 scan. ${EXPORT_AGAIN}`,
      line: xml.line
    });
  }

  function openHost(name: string | undefined): void {
    const key = name?.trim() || `host ${hostCount + 1}`;
    if (!name?.trim()) {
      addIssue({
        severity: 'warning',
        code: 'report-host-without-name',
        message: `A ReportHost at line ${xml.line} has no name; it is listed as "${key}".`,
        line: xml.line
      });
    }
    host = {
      key,
      tags: new Map(),
      findings: [],
      updates: new Map(),
      software: [],
      softwareSeen: new Set(),
      osIdentification: []
    };
    item = undefined;
    inHostProperties = false;
  }

  function openItem(attributes: Record<string, string>): void {
    const pluginId = attributes.pluginID?.trim();
    if (!pluginId) {
      addIssue({
        severity: 'warning',
        code: 'report-item-without-plugin-id',
        message: `A finding at line ${xml.line} has no plugin ID and was skipped.`,
        line: xml.line
      });
      skipDepth = depth;
      return;
    }
    const severityText = attributes.severity?.trim() ?? '';
    let severity = /^[0-4]$/.test(severityText) ? SEVERITY_BY_NUMBER[Number(severityText)] : undefined;
    if (!severity) {
      addIssue({
        severity: 'warning',
        code: 'report-item-bad-severity',
        message: `Plugin ${pluginId} at line ${xml.line} has severity "${severityText}" (expected 0 to 4); it is read as info.`,
        line: xml.line
      });
      severity = 'info';
    }
    const next: ItemState = {
      pluginId,
      pluginName: attributes.pluginName?.trim() ?? '',
      family: attributes.pluginFamily?.trim() ?? '',
      severity
    };
    const port = attributes.port?.trim();
    if (port && /^\d{1,5}$/.test(port)) next.port = Number(port);
    const protocol = attributes.protocol?.trim();
    if (protocol) next.protocol = protocol;
    const service = attributes.svc_name?.trim();
    if (service) next.service = service;
    if (!seenRules.has(pluginId)) next.rule = { cves: [], kbs: [], xrefs: [], references: [] };
    item = next;
  }

  function closeItem(it: ItemState): void {
    const h = host;
    if (!h) return;
    if (it.rule) {
      seenRules.add(it.pluginId);
      const rule = buildRule(it, it.rule);
      if (
        it.family === MICROSOFT_BULLETINS_FAMILY ||
        rule.kbs.length > 0 ||
        it.pluginId === PLUGIN.patchReport ||
        it.pluginId === PLUGIN.missingPatchSummary
      ) {
        missingPatchRules.add(it.pluginId);
      }
      sink.rule(rule);
    }
    const finding: FindingInstance = { ruleId: it.pluginId, severity: it.severity };
    if (it.port !== undefined) finding.port = it.port;
    if (it.protocol) finding.protocol = it.protocol;
    if (it.service) finding.service = it.service;
    const output = it.output;
    if (output !== undefined) {
      finding.output = output;
      if (
        !INVENTORY_PLUGINS.has(it.pluginId) &&
        (missingPatchRules.has(it.pluginId) || (output.includes('KB') && MISSING_WORDS.test(output)))
      ) {
        const kbs = findMissingKbs(output);
        if (kbs.length > 0) finding.kbs = kbs;
      }
      if (HOST_DETAIL_PLUGINS.has(it.pluginId)) readHostDetails(h, it.pluginId, output);
    }
    h.findings.push(finding);
  }

  function closeHost(h: HostState): void {
    hostCount++;
    lastHostKey = h.key;
    sink.host(buildHost(h));
  }

  function positionWords(): string {
    if (host) {
      const at = item ? `, plugin ${item.pluginId}` : '';
      return `host ${hostCount + 1} (${host.key}${at})`;
    }
    return hostCount > 0 ? `the file after host ${hostCount} (${lastHostKey ?? ''})` : 'the file header';
  }

  function feed(text: string): void {
    if (!text || stopped) return;
    try {
      xml.write(text);
    } catch (e) {
      if (e !== ABANDONED) throw e;
    }
  }

  function startDecoder(final: boolean): void {
    const bytes = concat(head, headLength);
    head = [];
    headLength = 0;
    const choice = chooseEncoding(bytes);
    if (choice.warning) addIssue(choice.warning);
    try {
      decoder = new TextDecoder(choice.encoding);
    } catch {
      decoder = new TextDecoder('utf-8');
    }
    feed(decoder.decode(bytes, { stream: !final }));
  }

  return {
    write(chunk: Uint8Array): void {
      if (stopped || ended || chunk.length === 0) return;
      if (!decoder) {
        // Small first chunks are copied (the caller may reuse its buffer) until there are enough to choose a decoder.
        head.push(headLength === 0 && chunk.length >= HEAD_BYTES ? chunk : chunk.slice());
        headLength += chunk.length;
        if (headLength >= HEAD_BYTES) startDecoder(false);
        return;
      }
      feed(decoder.decode(chunk, { stream: true }));
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (!decoder) startDecoder(true);
      else if (!stopped) feed(decoder.decode());
      if (!stopped) {
        closing = true;
        try {
          xml.close();
        } catch (e) {
          if (e !== ABANDONED) throw e;
        }
        closing = false;
      }
      xml.off('text');
      for (const [code, count] of issueCounts) {
        if (count > MAX_ISSUES_PER_CODE) {
          issues.push({
            severity: 'info',
            code: 'more-issues',
            message: `${count - MAX_ISSUES_PER_CODE} more issues like "${code}" are not listed.`,
            detail: code
          });
        }
      }
      if (!hasError && hostCount === 0) {
        issues.push({
          severity: 'warning',
          code: 'no-hosts',
          message:
            'The scan holds no hosts: the targets were unreachable or the export is empty. Check the scan in ' +
            'Nessus and export it again once it lists hosts.'
        });
      }
    },
    get issues(): readonly Problem[] {
      return issues;
    },
    get position(): string {
      if (host) return `host ${hostCount + 1} (${host.key})`;
      if (hostCount > 0) return `host ${hostCount} (${lastHostKey ?? ''})`;
      return `line ${xml.line}`;
    }
  };
}

/** Reads a whole .nessus file already in memory; hosts and rules are collected instead of streamed. */
export function parseNessus(bytes: Uint8Array): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createNessusParser({
    host: (h) => hosts.push(h),
    rule: (r) => rules.push(r)
  });
  for (let offset = 0; offset < bytes.length; offset += PARSE_CHUNK_BYTES) {
    parser.write(bytes.subarray(offset, offset + PARSE_CHUNK_BYTES));
  }
  parser.end();
  return { value: { format: 'nessus-v2', hosts, rules }, issues: [...parser.issues] };
}

/**
 * Tells from the start of a file (its first ~64 KB as text) whether it is a Nessus XML export and which kind, by
 * its root element: <NessusClientData_v2> (v2), <NessusClientData> (legacy v1) or another NessusClientData_* name.
 * null: not a Nessus file (or no root element within `head`).
 */
export function sniffNessus(head: string): NessusKind | null {
  const root = rootElementName(head);
  if (root === undefined) return null;
  if (root === ROOT_V2) return 'nessus-v2';
  if (root === ROOT_V1) return 'nessus-v1';
  return /^NessusClientData/i.test(root) ? 'nessus-wrongroot' : null;
}

/** Name of the first element, skipping the XML declaration, processing instructions, comments and a DOCTYPE. */
function rootElementName(text: string): string | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      i++;
      continue;
    }
    if (c !== 0x3c) return undefined; // text before the root: not XML
    if (text.startsWith('<?', i)) {
      const close = text.indexOf('?>', i + 2);
      if (close < 0) return undefined;
      i = close + 2;
    } else if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      if (close < 0) return undefined;
      i = close + 3;
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE, with an optional internal subset in brackets.
      const bracket = text.indexOf('[', i);
      const gt = text.indexOf('>', i);
      if (gt < 0) return undefined;
      if (bracket >= 0 && bracket < gt) {
        const closeSubset = text.indexOf(']', bracket);
        if (closeSubset < 0) return undefined;
        const end = text.indexOf('>', closeSubset);
        if (end < 0) return undefined;
        i = end + 1;
      } else {
        i = gt + 1;
      }
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(i, i + 200));
      return m?.[1];
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

interface EncodingChoice {
  encoding: string;
  warning?: Problem;
}

/**
 * Nessus writes UTF-8. A UTF-8 BOM is dropped by the decoder; a UTF-16 file (with BOM, or recognisable by its
 * first "<") is decoded as UTF-16; an XML declaration naming another single-byte encoding is honoured.
 */
function chooseEncoding(bytes: Uint8Array): EncodingChoice {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le' };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be' };
  if (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00) return { encoding: 'utf-16le' };
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f) return { encoding: 'utf-16be' };
  let declared: string | undefined;
  const start = b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? 3 : 0;
  if (bytes[start] === 0x3c && bytes[start + 1] === 0x3f) {
    const end = Math.min(bytes.length, start + 300);
    let decl = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i] as number;
      decl += String.fromCharCode(b);
      if (b === 0x3e) break;
    }
    declared = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(decl)?.[1]?.toLowerCase();
  }
  if (!declared || start === 3 || /^utf-?8$/.test(declared) || declared.startsWith('utf-16')) {
    return { encoding: 'utf-8' };
  }
  try {
    new TextDecoder(declared);
    return { encoding: declared };
  } catch {
    return {
      encoding: 'utf-8',
      warning: {
        severity: 'warning',
        code: 'unknown-encoding',
        message: `The file declares the encoding "${declared}", which Patchfield cannot read; it is read as UTF-8, so some characters may show wrongly.`,
        line: 1
      }
    };
  }
}

function concat(pieces: Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Rules

function takeItemText(it: ItemState, element: string, text: string): void {
  if (element === 'plugin_output') {
    if (text.length > 0) it.output = text;
    return;
  }
  const rule = it.rule;
  if (!rule) return;
  const value = text.trim();
  if (!value) return;
  switch (element) {
    case 'plugin_name':
      rule.name = value;
      break;
    case 'synopsis':
      rule.synopsis = value;
      break;
    case 'description':
      rule.description = value;
      break;
    case 'solution':
      rule.solution = value;
      break;
    case 'risk_factor':
      rule.riskFactor = value;
      break;
    case 'cve':
      pushUnique(rule.cves, value.toUpperCase());
      break;
    case 'cvss3_base_score':
      rule.cvss3Score = value;
      break;
    case 'cvss3_vector':
      rule.cvss3Vector = value;
      break;
    case 'cvss_base_score':
      rule.cvss2Score = value;
      break;
    case 'cvss_vector':
      rule.cvss2Vector = value;
      break;
    case 'xref': {
      const m = /^MSKB\s*:\s*(\S+)$/i.exec(value);
      const kb = m ? (kbFromNumber(m[1] as string) ?? normalizeKb(m[1] as string)) : undefined;
      if (kb) pushUnique(rule.kbs, kb);
      else pushUnique(rule.xrefs, value);
      break;
    }
    case 'mskb': {
      const kb = kbFromNumber(value) ?? normalizeKb(value);
      if (kb) pushUnique(rule.kbs, kb);
      break;
    }
    case 'msft':
      pushUnique(rule.xrefs, `MSFT:${value}`);
      break;
    case 'see_also':
      for (const line of value.split(/\r?\n/)) {
        const ref = line.trim();
        if (ref) pushUnique(rule.references, ref);
      }
      break;
    case 'plugin_type':
      rule.pluginType = value;
      break;
    case 'plugin_publication_date':
      rule.publishedOn = isoDate(value) ?? value;
      break;
    case 'patch_publication_date':
      rule.patchPublishedOn = isoDate(value) ?? value;
      break;
    case 'vuln_publication_date':
      rule.vulnPublishedOn = isoDate(value) ?? value;
      break;
    case 'exploit_available':
      rule.exploitAvailable = parseBoolean(value);
      break;
    case 'exploited_by_malware':
      rule.exploitedByMalware = parseBoolean(value);
      break;
  }
}

function buildRule(it: ItemState, d: RuleDraft): ScannerRule {
  const rule: ScannerRule = {
    ruleId: it.pluginId,
    scanner: 'nessus',
    name: it.pluginName || d.name || (it.pluginId === '0' ? 'Open port' : `Nessus plugin ${it.pluginId}`),
    severity: it.severity,
    cves: d.cves,
    kbs: d.kbs,
    xrefs: d.xrefs,
    references: d.references
  };
  if (it.family) rule.family = it.family;
  if (d.riskFactor) rule.riskFactor = d.riskFactor;
  if (d.synopsis) rule.synopsis = d.synopsis;
  if (d.description) rule.description = d.description;
  if (d.solution) rule.solution = d.solution;
  const cvss3 = cvss(d.cvss3Score, d.cvss3Vector);
  if (cvss3) rule.cvss3 = cvss3;
  const cvss2 = cvss(d.cvss2Score, d.cvss2Vector);
  if (cvss2) rule.cvss2 = cvss2;
  if (d.pluginType) rule.pluginType = d.pluginType;
  if (d.publishedOn) rule.publishedOn = d.publishedOn;
  if (d.patchPublishedOn) rule.patchPublishedOn = d.patchPublishedOn;
  if (d.vulnPublishedOn) rule.vulnPublishedOn = d.vulnPublishedOn;
  if (d.exploitAvailable !== undefined) rule.exploitAvailable = d.exploitAvailable;
  if (d.exploitedByMalware !== undefined) rule.exploitedByMalware = d.exploitedByMalware;
  return rule;
}

/** A CVSS score as Nessus writes it ("9.8"), with its vector as written ("CVSS:3.0/AV:N/…", "CVSS2#AV:N/…"). */
function cvss(score: string | undefined, vector: string | undefined): ScannerRule['cvss3'] {
  if (score === undefined || !/^\d{1,2}(\.\d+)?$/.test(score)) return undefined;
  const baseScore = Number(score);
  if (baseScore > 10) return undefined;
  return vector ? { baseScore, vector } : { baseScore };
}

function parseBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** "2017/11/14" → "2017-11-14"; undefined when the text is not such a date. */
function isoDate(text: string): string | undefined {
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  return validIsoDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

function validIsoDate(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1970 || year > 2999) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCDate() !== day) return undefined;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pushUnique(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Findings: missing KBs named in plugin output

/** Words of outputs that list updates as missing (as opposed to installed). */
const MISSING_WORDS = /\bmissing\b|has not been patched|install the following|not installed/i;
/** "KB : 4346087", "KB      : 4011632" in Microsoft bulletin outputs. */
const KB_FIELD = /\bKB\s*:\s*(\d{6,7})\b/g;
/** "The remote host is missing one of the following rollup KBs :" followed by "  - 4338814" lines. */
const ROLLUP_LIST = /following rollup KBs\s*:[ \t]*((?:\r?\n[ \t]*-[ \t]*\d{6,7}[ \t]*)+)/gi;

/** KBs a plugin output names as missing: "KB4093110", "KB : 4011632" and rollup lists of bare numbers. */
function findMissingKbs(output: string): string[] {
  const kbs = findKbs(output);
  if (output.includes('KB')) {
    for (const m of output.matchAll(KB_FIELD)) pushUnique(kbs, `KB${m[1]}`);
    for (const m of output.matchAll(ROLLUP_LIST)) {
      for (const d of (m[1] as string).matchAll(/\d{6,7}/g)) pushUnique(kbs, `KB${d[0]}`);
    }
  }
  return kbs;
}

// ---------------------------------------------------------------------------------------------------------------
// Hosts

function readHostDetails(h: HostState, pluginId: string, output: string): void {
  switch (pluginId) {
    case PLUGIN.osIdentification:
      for (const m of output.matchAll(/^[ \t]*Remote operating system\s*:[ \t]*(.+)$/gim)) {
        const value = (m[1] as string).trim();
        if (value) h.osIdentification.push(value);
      }
      return;
    case PLUGIN.smbOsVersion: {
      // "Operating system version = 10.19045" (CurrentVersion.CurrentBuildNumber). "Build lab extended" is not
      // used: BuildLabEx is not updated by cumulative updates, so its revision is stale.
      const v =
        /^[ \t]*Operating system version\s*=\s*(\d+)\.(?:(\d+)\.)?(\d{3,5})(?:\.(\d{1,6}))?[ \t]*$/im.exec(
          output
        );
      if (v) {
        const major = v[1] as string;
        const minor = v[2] ?? (major === '10' ? '0' : undefined);
        if (minor !== undefined) h.registryVersion = `${major}.${minor}.${v[3]}${v[4] ? `.${v[4]}` : ''}`;
        else h.registryVersion = `Build ${v[3]}`;
      }
      const arch = /^[ \t]*Architecture\s*=\s*(\S+)/im.exec(output);
      if (arch) h.architecture = arch[1];
      return;
    }
    case PLUGIN.smbNativeLanManager: {
      // "The remote Operating System is : Windows Server 2008 R2 Standard 7601 Service Pack 1"
      const os = /^[ \t]*The remote Operating System is\s*:[ \t]*(.+)$/im.exec(output);
      if (os) {
        const text = (os[1] as string).trim();
        h.lanManagerOs = text;
        // The build closes the name ("… Standard 7601", "… 7601 Service Pack 1"); "Server 2016" is a product year.
        const build = /(?<!(?:server|windows)\s+)\b(\d{4,5})(?:\s+Service Pack \d+)?\s*$/i.exec(text);
        if (build) h.lanManagerBuild = build[1];
      }
      const domain = /^[ \t]*The remote SMB Domain Name is\s*:[ \t]*(\S.*)$/im.exec(output);
      if (domain) h.smbDomain = (domain[1] as string).trim();
      return;
    }
    case PLUGIN.wmiQfe:
      readWmiQfe(h, output);
      return;
    case PLUGIN.smbQfe:
      readSmbQfe(h, output);
      return;
    case PLUGIN.installedSoftware:
      readInstalledSoftware(h, output);
      return;
  }
}

/** WMI QFE (52001): "+ KB3186568" then "  - Description : Update" and "  - InstalledOn : 8/25/2017". */
function readWmiQfe(h: HostState, output: string): void {
  let current: InstalledUpdate | undefined;
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    const head = /^\+\s*(\S+)/.exec(line);
    if (head) {
      const kb = normalizeKb(head[1] as string);
      current = kb ? { kb } : undefined;
      if (current) addUpdate(h, current);
      continue;
    }
    if (!current) continue;
    const field = /^-\s*(Description|InstalledOn)\s*:\s*(.*)$/i.exec(line);
    if (!field) continue;
    const value = (field[2] as string).trim();
    const existing = h.updates.get(current.kb);
    if (!existing || !value) continue;
    if ((field[1] as string).toLowerCase() === 'description') existing.description ??= value;
    else {
      const on = wmiDate(value);
      if (on) existing.installedOn ??= on;
    }
  }
}

/** SMB QFE (62042): "KB3186568, Installed on: 2017/08/25". */
function readSmbQfe(h: HostState, output: string): void {
  for (const m of output.matchAll(/^[ \t]*(KB[ _-]?\d{6,7})\b[^\n]*$/gim)) {
    const kb = normalizeKb(m[1] as string);
    if (!kb) continue;
    const update: InstalledUpdate = { kb };
    const on = /Installed on\s*:\s*(\S+)/i.exec(m[0]);
    const date = on ? (isoDate(on[1] as string) ?? wmiDate(on[1] as string)) : undefined;
    if (date) update.installedOn = date;
    addUpdate(h, update);
  }
}

function addUpdate(h: HostState, update: InstalledUpdate): void {
  const existing = h.updates.get(update.kb);
  if (!existing) {
    h.updates.set(update.kb, update);
    return;
  }
  if (update.installedOn) existing.installedOn ??= update.installedOn;
  if (update.description) existing.description ??= update.description;
}

/** WMI's InstalledOn: "8/25/2017" (M/D/YYYY, as WMI writes it in every locale) or an ISO-like date. */
function wmiDate(text: string): string | undefined {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (us) return validIsoDate(Number(us[3]), Number(us[1]), Number(us[2]));
  return isoDate(text);
}

/** Installed software (20811): "Name  [version X]  [installed on 2017/09/04]". */
function readInstalledSoftware(h: HostState, output: string): void {
  for (const raw of output.split(/\r?\n/)) {
    const bracket = raw.indexOf('  [');
    if (bracket <= 0) continue;
    const name = raw.slice(0, bracket).trim();
    const rest = raw.slice(bracket);
    if (!name || !/\[(?:version|installed on)\b/i.test(rest)) continue;
    const version = /\[version\s+([^\]]+)\]/i.exec(rest)?.[1]?.trim();
    const key = `${name}\u0000${version ?? ''}`;
    if (h.softwareSeen.has(key)) continue;
    h.softwareSeen.add(key);
    h.software.push(version ? { name, version } : { name });
  }
}

function buildHost(h: HostState): HostObservation {
  const tags = h.tags;
  const obs: HostObservation = {
    key: h.key,
    ips: [],
    macs: [],
    installedUpdates: [...h.updates.values()],
    software: h.software,
    pendingUpdates: [],
    findings: h.findings
  };

  const fqdn = tags.get('host-fqdn')?.trim();
  if (fqdn) obs.fqdn = fqdn;

  let domain: string | undefined;
  let netbios = tags.get('netbios-name')?.trim();
  if (netbios?.includes('\\')) {
    const at = netbios.lastIndexOf('\\');
    domain = netbios.slice(0, at).trim() || undefined;
    netbios = netbios.slice(at + 1).trim();
  }
  const keyIsIp = isIp(h.key);
  const hostname =
    netbios ||
    (fqdn && !isIp(fqdn) ? firstLabel(fqdn) : undefined) ||
    (keyIsIp ? undefined : firstLabel(h.key));
  if (hostname) obs.hostname = hostname;
  domain ??= h.smbDomain;
  if (domain) obs.domain = domain;

  const ip = tags.get('host-ip')?.trim();
  if (ip && isIp(ip)) obs.ips.push(ip.toLowerCase());
  if (keyIsIp) pushUnique(obs.ips, h.key.toLowerCase());

  const macs = tags.get('mac-address');
  if (macs) {
    for (const piece of macs.split(/[\s,;]+/)) {
      const mac = normalizeMac(piece);
      if (mac) pushUnique(obs.macs, mac);
    }
  }

  const os = hostOs(h);
  if (os) obs.os = os;

  const credentialed = parseBoolean(tags.get('Credentialed_Scan')?.trim() ?? '');
  if (credentialed !== undefined) obs.credentialed = credentialed;
  const start = scanTime(tags.get('HOST_START_TIMESTAMP'), tags.get('HOST_START'));
  if (start) obs.scanStart = start;
  const end = scanTime(tags.get('HOST_END_TIMESTAMP'), tags.get('HOST_END'));
  if (end) obs.scanEnd = end;
  return obs;
}

function hostOs(h: HostState): OsInfo | undefined {
  const tags = h.tags;
  // Nessus writes several candidates, one a line, when it is unsure; the first is its best guess.
  const name = firstLine(tags.get('operating-system')) ?? h.osIdentification[0] ?? h.lanManagerOs;
  const osTag = tags.get('os')?.trim().toLowerCase();
  const systemType = tags.get('system-type')?.trim().toLowerCase();

  if (name ? isWindowsName(name) : osTag === 'windows') {
    // Only sources that describe the OS itself: the registry version (48942), OS Identification lines (11936)
    // and SMB NativeLanManager's build (10785). Never file or app-package versions found in other outputs.
    const versionTexts: string[] = [];
    if (h.registryVersion) versionTexts.push(h.registryVersion);
    for (const line of h.osIdentification) if (line !== name) versionTexts.push(line);
    if (h.lanManagerBuild) versionTexts.push(`Build ${h.lanManagerBuild}`);
    const info = parseWindowsOs(name, versionTexts.length ? versionTexts.join(' ; ') : undefined);
    if (h.architecture) info.architecture = h.architecture;
    return info;
  }
  if (!name && !osTag) return undefined;
  const info: OsInfo = { family: otherOsFamily(name ?? '', osTag, systemType) };
  if (name) info.name = name;
  if (info.family === 'macos') {
    const version = /\b(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)\b/.exec(name ?? '')?.[1];
    if (version) info.version = version;
  }
  return info;
}

const NETWORK_SYSTEM_TYPES = new Set([
  'router',
  'switch',
  'firewall',
  'load-balancer',
  'wireless-access-point'
]);

function otherOsFamily(name: string, osTag: string | undefined, systemType: string | undefined): OsFamily {
  if (/\b(?:mac ?os|os x|darwin)\b/i.test(name) || osTag === 'mac' || osTag === 'macos') return 'macos';
  if (
    /\b(?:linux|centos|red ?hat|rhel|ubuntu|debian|suse|fedora|alma ?linux|rocky|amazon linux|alpine|oracle linux)\b/i.test(
      name
    ) ||
    osTag === 'linux'
  ) {
    return 'linux';
  }
  if (/\b(?:freebsd|netbsd|openbsd|solaris|sunos|aix|hp-ux|unix)\b/i.test(name)) return 'unix';
  if (
    (systemType && NETWORK_SYSTEM_TYPES.has(systemType)) ||
    /\b(?:cisco|junos|juniper|fortios|fortigate|pan-os|palo alto|routeros|mikrotik|procurve|aruba|ios xe|nx-os)\b/i.test(
      name
    )
  ) {
    return 'network';
  }
  return name ? 'other' : 'unknown';
}

/** Epoch seconds (HOST_START_TIMESTAMP) → UTC ISO; else "Fri Sep 14 03:33:11 2018" → "2018-09-14T03:33:11" (scanner's local time). */
function scanTime(timestamp: string | undefined, text: string | undefined): string | undefined {
  const ts = timestamp?.trim();
  if (ts && /^\d{9,11}$/.test(ts)) return new Date(Number(ts) * 1000).toISOString().replace('.000Z', 'Z');
  const t = text?.trim();
  if (!t) return undefined;
  const m = /^(?:[A-Za-z]{3}\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})$/.exec(t);
  if (m) {
    const month = MONTHS.indexOf((m[1] as string).toLowerCase()) + 1;
    const date = month > 0 ? validIsoDate(Number(m[6]), month, Number(m[2])) : undefined;
    if (date) return `${date}T${pad2(Number(m[3]))}:${m[4]}:${m[5]}`;
  }
  return t;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function firstLine(text: string | undefined): string | undefined {
  if (!text) return undefined;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t) return t;
  }
  return undefined;
}

function firstLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function normalizeMac(text: string): string | undefined {
  const t = text.trim().toLowerCase().replace(/-/g, ':');
  return /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/.test(t) ? t : undefined;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function isIp(text: string): boolean {
  return IPV4.test(text) || (text.includes(':') && /^[0-9a-f:.]+$/i.test(text) && text.split(':').length > 2);
}
