/**
 * Streaming XML for the scanner and discovery readers (OpenVAS/Greenbone, Qualys, Nexpose, Nmap), and the small
 * helpers they share (addresses, OS names, CVSS texts, dates).
 *
 * Bytes → a streaming TextDecoder → saxes → element events with the path of open elements. A reader asks for the
 * text of the elements it needs (`collect`) and skips the subtrees it does not (`skip`); nothing else is sliced or
 * kept, so memory follows the largest record, never the file.
 *
 * No DTD is read and no entity beyond XML's five is expanded (saxes does neither): "billion laughs" and external
 * (XXE) entities are inert. An unknown entity stays in the text as written and becomes a warning; a remote DTD named
 * in a DOCTYPE (Qualys writes one) is never fetched.
 *
 * @see https://github.com/lddubeau/saxes (the non-validating streaming parser)
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { HostObservation, OsFamily, OsInfo, Problem, Severity } from '../model';
import { IssueCollector } from './handler';
import { isWindowsName, parseWindowsOs } from './windows-os';

/** 'own': the element's direct text and CDATA · 'deep': all text inside it, a line break at each child element. */
export type TextMode = 'own' | 'deep';

export interface XmlElement {
  name: string;
  attributes: Readonly<Record<string, string>>;
  /** 1-based line of the end of the start tag. */
  line: number;
  /** 1 for the root element. */
  depth: number;
}

export interface XmlContext {
  /** Names of the open elements, root first, the current element last. */
  readonly path: readonly string[];
  /** The parent element's name ('' for the root). */
  readonly parent: string;
  readonly line: number;
  /** From `open`: the element's text is handed to `close`. */
  collect(mode?: TextMode): void;
  /** From `open`: nothing inside the element is reported (its own `close` still is). */
  skip(): void;
  /** Adds text to what 'deep' collectors gather, e.g. a link target written as an attribute. */
  appendText(text: string): void;
  /** A problem that does not stop reading; repeats of one code are grouped with a count and their first lines. */
  issue(problem: Problem): void;
  /** A problem that stops reading; what was handed over stays handed over. */
  stop(problem: Problem): void;
}

export interface XmlReaderSpec {
  /** What the file should be, for messages: "an Nmap scan". */
  what: string;
  /** What to do about a damaged file: "Save the scan again with nmap -oX." */
  remedy: string;
  /** Checks the root element; a problem stops reading (a well-formed file of another kind). */
  root(element: XmlElement): Problem | undefined;
  open?(element: XmlElement, ctx: XmlContext): void;
  /** `text` is set for elements whose `open` called `collect`. */
  close?(element: XmlElement, text: string | undefined, ctx: XmlContext): void;
}

export interface XmlReader {
  write(chunk: Uint8Array): void;
  end(): void;
  readonly issues: Problem[];
  readonly line: number;
  /** True once an error stopped reading. */
  readonly failed: boolean;
  readonly rootSeen: boolean;
}

/** Bytes looked at before choosing a decoder: BOMs, UTF-16 without BOM, the XML declaration's encoding. */
const HEAD_BYTES = 1024;

interface Frame {
  element: XmlElement;
  mode?: TextMode;
  parts?: string[];
  skipping?: boolean;
}

/** Thrown from the saxes handlers once reading has stopped, to leave the chunk being parsed; caught in `feed`. */
const ABANDONED = new Error('XML reading stopped');

/** Scanner reports nest a dozen levels at most; past this a file is damaged (or built to be slow to read). */
export const MAX_XML_DEPTH = 256;

/** A streaming XML reader that calls `spec` for each element. Never throws on bad input. */
export function createXmlReader(spec: XmlReaderSpec): XmlReader {
  const collector = new IssueCollector();
  const fatal: Problem[] = [];
  const xml = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const stack: Frame[] = [];
  const path: string[] = [];
  /** Frames collecting text, outermost first. */
  const collectors: Frame[] = [];
  /** Depth of the element being skipped, 0 when none. */
  let skipDepth = 0;

  let decoder: TextDecoder | undefined;
  let head: Uint8Array[] = [];
  let headLength = 0;
  let stopped = false;
  let ended = false;
  let rootSeen = false;
  let closing = false;
  let entityWarned = false;

  let current: Frame | undefined;
  const ctx: XmlContext = {
    path,
    get parent() {
      return path.length >= 2 ? (path[path.length - 2] as string) : '';
    },
    get line() {
      return xml.line;
    },
    collect(mode: TextMode = 'own') {
      if (!current || current.mode) return;
      current.mode = mode;
      current.parts = [];
      collectors.push(current);
      if (collectors.length === 1) xml.on('text', onText);
    },
    skip() {
      if (current && !skipDepth) {
        current.skipping = true;
        skipDepth = current.element.depth;
      }
    },
    appendText(text) {
      for (const c of collectors) if (c.mode === 'deep') c.parts?.push(text);
    },
    issue(problem) {
      collector.add(problem);
    },
    stop
  };

  const onText = (text: string): void => {
    if (skipDepth) return;
    const top = stack[stack.length - 1];
    for (const c of collectors) if (c === top || c.mode === 'deep') c.parts?.push(text);
  };

  function stop(problem: Problem): void {
    if (stopped) return;
    fatal.push(problem);
    stopped = true;
    xml.off('text');
  }

  function deepBreak(): void {
    for (const c of collectors) if (c.mode === 'deep') c.parts?.push('\n');
  }

  // Once reading has stopped, the rest of the chunk saxes is working through is abandoned: left to run, it would
  // report (and build an Error for) every bad character after the first, which took 20 s for 300 KB of garbage.
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
      collector.add({
        severity: 'warning',
        code: 'xml-undefined-entity',
        message:
          `Line ${line} uses an entity reference that XML does not define (only &amp; &lt; &gt; &quot; &apos; are). ` +
          `Patchfield never expands entities declared in a DTD, so the text is kept as written. A genuine export has none: check where this file came from.`,
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
        message: closing
          ? `The file ends before its first XML element: it is empty, cut off or not ${spec.what}. ${spec.remedy}`
          : `This file is not XML (line ${line}: ${plain}), so it is not ${spec.what}. ${spec.remedy}`,
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
        message: `The file is cut off at line ${line}: it ends inside <${path[path.length - 1] ?? 'the root'}>. Copy the file again; if it is cut off at the source too, ${lowerFirst(spec.remedy)}`,
        line,
        column,
        detail
      });
      return;
    }
    stop({
      severity: 'error',
      code: 'xml-not-well-formed',
      message: `The file is damaged at line ${line}, column ${column}: ${plain}. ${spec.remedy} Do not edit the file by hand.`,
      line,
      column,
      detail
    });
  }

  xml.on('doctype', (doctype: string) => {
    if (stopped || entityWarned || !/<!ENTITY/i.test(doctype)) return;
    entityWarned = true;
    collector.add({
      severity: 'warning',
      code: 'dtd-entities-ignored',
      message: `The file declares DTD entities. Patchfield does not expand them (they can exhaust memory or read other files); a genuine export declares none.`,
      line: xml.line
    });
  });

  xml.on('cdata', (cdata: string) => {
    if (collectors.length) onText(cdata);
  });

  xml.on('opentag', (tag: SaxesTagPlain) => {
    if (stopped) throw ABANDONED;
    const depth = stack.length + 1;
    if (depth > MAX_XML_DEPTH) {
      // Readers look at the path of open elements, so each level makes every element below it slower.
      stop({
        severity: 'error',
        code: 'xml-too-deep',
        message: `The file nests elements more than ${MAX_XML_DEPTH} levels deep at line ${xml.line}: no scanner writes ${spec.what} like that, so the file is damaged. ${spec.remedy}`,
        line: xml.line
      });
      throw ABANDONED;
    }
    const element: XmlElement = { name: tag.name, attributes: tag.attributes, line: xml.line, depth };
    const frame: Frame = { element };
    if (collectors.length && !skipDepth) deepBreak();
    stack.push(frame);
    path.push(tag.name);
    if (skipDepth) return;
    if (!rootSeen) {
      rootSeen = true;
      const problem = spec.root(element);
      if (problem) {
        stop(problem);
        return;
      }
    }
    current = frame;
    spec.open?.(element, ctx);
    current = undefined;
  });

  xml.on('closetag', () => {
    if (stopped) throw ABANDONED;
    const frame = stack[stack.length - 1];
    if (!frame) return;
    const depth = frame.element.depth;
    if (skipDepth && depth > skipDepth) {
      stack.pop();
      path.pop();
      return;
    }
    if (skipDepth === depth) skipDepth = 0;
    let text: string | undefined;
    if (frame.mode) {
      const parts = frame.parts ?? [];
      text = parts.length === 1 ? (parts[0] as string) : parts.join('');
      collectors.pop();
      if (collectors.length === 0) xml.off('text');
    }
    spec.close?.(frame.element, text, ctx);
    stack.pop();
    path.pop();
    if (collectors.length) deepBreak();
  });

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
    const choice = chooseXmlEncoding(bytes);
    if (choice.warning) collector.add(choice.warning);
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
        } catch {
          // saxes reports through the error handler; nothing else can throw here.
        }
        closing = false;
        if (!rootSeen && !stopped) {
          stop({
            severity: 'error',
            code: 'not-xml',
            message: `The file holds no XML element: it is empty or not ${spec.what}. ${spec.remedy}`
          });
        }
      }
      xml.off('text');
    },
    get issues(): Problem[] {
      return [...fatal, ...collector.problems];
    },
    get line(): number {
      return xml.line;
    },
    get failed(): boolean {
      return stopped;
    },
    get rootSeen(): boolean {
      return rootSeen;
    }
  };
}

/** Feeds a whole file to a streaming parser in 1 MB views (no copies). */
export function feedAll(parser: { write(chunk: Uint8Array): void; end(): void }, bytes: Uint8Array): void {
  const size = 1 << 20;
  for (let offset = 0; offset < bytes.length; offset += size) {
    parser.write(bytes.subarray(offset, offset + size));
  }
  parser.end();
}

function lowerFirst(text: string): string {
  return text ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Detection

export interface XmlRoot {
  name: string;
  /** The start tag as written, attributes included (for sniffing a version or a namespace). */
  tag: string;
  /** The DOCTYPE declaration, when there is one. */
  doctype?: string;
}

/**
 * The root element of an XML text (the first ~64 KB of a file is enough), skipping the XML declaration,
 * processing instructions, comments and a DOCTYPE. undefined when the text does not start like XML.
 */
export function xmlRoot(text: string): XmlRoot | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let doctype: string | undefined;
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
      const bracket = text.indexOf('[', i);
      const gt = text.indexOf('>', i);
      if (gt < 0) return undefined;
      let end = gt;
      if (bracket >= 0 && bracket < gt) {
        const closeSubset = text.indexOf(']', bracket);
        if (closeSubset < 0) return undefined;
        end = text.indexOf('>', closeSubset);
        if (end < 0) return undefined;
      }
      doctype = text.slice(i, end + 1);
      i = end + 1;
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)[^>]*>?/.exec(text.slice(i, i + 2000));
      if (!m) return undefined;
      return { name: m[1] as string, tag: m[0], ...(doctype ? { doctype } : {}) };
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
 * Scanners write UTF-8. A UTF-8 BOM is dropped by the decoder; UTF-16 (with a BOM, or recognisable by its first "<")
 * is decoded as UTF-16; an XML declaration naming another encoding (ISO-8859-1, windows-1252) is honoured.
 */
export function chooseXmlEncoding(bytes: Uint8Array): EncodingChoice {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le' };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be' };
  if (b0 === 0x3c && b1 === 0x00 && b2 !== 0x00 && b3 === 0x00) return { encoding: 'utf-16le' };
  if (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 !== 0x00) return { encoding: 'utf-16be' };
  const start = b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? 3 : 0;
  let declared: string | undefined;
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
// Holding hosts until the rule texts arrive

/**
 * Qualys asset data reports and Nexpose reports list hosts first and the rule texts (with the severities the
 * findings need) after them; OpenVAS lists results by severity, not by host, and host details last. Hosts are held
 * until then, up to this many characters of evidence and names; past it a reader hands hosts over early (and says
 * what it had to estimate) so that memory stays bounded.
 */
export const HOLD_BUDGET_CHARS = 48 * 1024 * 1024;

/** A rough size of a host in characters: evidence texts dominate. */
export function estimateHostChars(host: HostObservation): number {
  let n = 512;
  for (const f of host.findings) n += 96 + (f.output?.length ?? 0);
  for (const s of host.software) n += 64 + s.name.length;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers of the scanner readers

/** CVSS-style score bands: 0 (or less) = info/log, below 4 low, below 7 medium, below 9 high, 9 and above critical. */
export function severityFromScore(score: number): Severity {
  if (!(score > 0)) return 'info';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/** A score as scanners write it ("9.8", "7,5", "10.0"): undefined when it is not 0–10. */
export function parseScore(text: string | undefined): number | undefined {
  const t = text?.trim().replace(',', '.');
  if (!t || !/^-?\d{1,2}(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return n >= -10 && n <= 10 ? n : undefined;
}

/**
 * A CVSS base score with its vector, from "9.3 (AV:N/AC:M/Au:N/C:C/I:C/A:C)" (Qualys), "(AV:N/…)" (Nexpose) or a
 * score and a vector apart. Which CVSS version it is, is told by the vector ("CVSS:3.x/…") when there is one.
 */
export function parseCvss(
  scoreText: string | undefined,
  vectorText?: string
): { baseScore: number; vector?: string; v3: boolean } | undefined {
  let score = scoreText?.trim() ?? '';
  let vector = vectorText?.trim() ?? '';
  const inline = /^(\d{1,2}(?:\.\d+)?)\s*\(([^)]*)\)\s*$/.exec(score);
  if (inline) {
    score = inline[1] as string;
    vector ||= (inline[2] as string).trim();
  }
  vector = vector.replace(/^\((.*)\)$/, '$1').trim();
  const baseScore = parseScore(score);
  if (baseScore === undefined || baseScore < 0) return undefined;
  const v3 = /^CVSS:3/i.test(vector);
  return vector ? { baseScore, vector, v3 } : { baseScore, v3 };
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/** IPv4 or IPv6 (loosely: hex groups and colons, optionally a dotted IPv4 tail). */
export function isIp(text: string): boolean {
  return IPV4.test(text) || (text.includes(':') && /^[0-9a-f:.]+$/i.test(text) && text.split(':').length > 2);
}

/** "E4CE8F490D7C", "00-0C-29-AA-BB-CC", "00:0c:29:aa:bb:cc" → "00:0c:29:aa:bb:cc"; undefined otherwise. */
export function normalizeMac(text: string): string | undefined {
  const t = text.trim().toLowerCase().replace(/-/g, ':');
  if (/^[0-9a-f]{12}$/.test(t)) return t.match(/../g)?.join(':');
  return /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/.test(t) ? t : undefined;
}

/** Host name and FQDN from a DNS or NetBIOS name: "srv01.contoso.local" → { hostname "srv01", fqdn … }. */
export function namesFrom(name: string | undefined): { hostname?: string; fqdn?: string } {
  const n = name?.trim().replace(/\.$/, '');
  if (!n || isIp(n)) return {};
  const dot = n.indexOf('.');
  if (dot > 0) return { hostname: n.slice(0, dot), fqdn: n.toLowerCase() };
  return { hostname: n };
}

export function pushUnique<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

/** "2019-07-31T21:57:48Z", "20131127T050242739" (Nexpose), epoch seconds → ISO; undefined when unreadable. */
export function isoTimestamp(text: string | undefined): string | undefined {
  const t = text?.trim();
  if (!t) return undefined;
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) return t;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?(Z)?$/.exec(t);
  if (compact) {
    const [, y, mo, d, h, mi, s] = compact;
    return `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  }
  if (/^\d{9,11}$/.test(t)) return new Date(Number(t) * 1000).toISOString().replace('.000Z', 'Z');
  return undefined;
}

/** The date part of a timestamp: "2010-08-11T00:00:00" → "2010-08-11". */
export function isoDateOf(text: string | undefined): string | undefined {
  return isoTimestamp(text)?.slice(0, 10);
}

/**
 * Qualys writes rule texts as HTML fragments (<P>, <BR>, <A HREF>, &quot;): plain text for the report, paragraphs
 * and line breaks kept, links reduced to their text.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html.trim();
  return html
    .replace(/\r\n?/g, '\n')
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\s*\/?\s*(p|div|li|ul|ol|tr|table|h\d)\b[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&quot;/gi, '"')
    .replace(/&apos;|&#39;/gi, "'")
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Text gathered with 'deep' (pretty-printed paragraphs): one line per paragraph, indentation and blank lines gone. */
export function paragraphs(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const out = text
    .split(/\r?\n/)
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
  return out || undefined;
}

/** Device types of network gear (Nmap osclass type, Nexpose device-class). */
const NETWORK_DEVICE =
  /\b(?:router|switch|wap|firewall|load balancer|voip gateway|bridge|hub|terminal server)\b/i;
/** Device types that are neither computers nor network gear. */
const OTHER_DEVICE =
  /\b(?:printer|phone|pda|media device|game console|webcam|storage|power|security-misc|print server|telecom|voip)\b/i;

/**
 * The OS family from a scanner's free-text OS name (and, where given, its device type): Windows, Linux, macOS, Unix,
 * network gear or other. Undefined when the text tells nothing.
 */
export function osFamilyOf(name: string, deviceType?: string): OsFamily | undefined {
  if (deviceType && NETWORK_DEVICE.test(deviceType)) return 'network';
  if (deviceType && OTHER_DEVICE.test(deviceType)) return 'other';
  if (isWindowsName(name)) return 'windows';
  if (/\b(?:mac ?os|os x|darwin|macos)\b/i.test(name)) return 'macos';
  if (
    /\b(?:linux|centos|red ?hat|rhel|ubuntu|debian|suse|fedora|alma ?linux|rocky|amazon linux|alpine|oracle linux|gentoo)\b/i.test(
      name
    )
  ) {
    return 'linux';
  }
  if (/\b(?:freebsd|netbsd|openbsd|bsd|solaris|sunos|aix|hp-ux|irix|unix|tru64)\b/i.test(name)) return 'unix';
  if (
    /\b(?:cisco|ios xe|nx-os|junos|juniper|fortios|fortigate|pan-os|palo alto|routeros|mikrotik|procurve|aruba|big-?ip|f5 networks)\b/i.test(
      name
    )
  ) {
    return 'network';
  }
  return undefined;
}

/**
 * OsInfo from a scanner's OS text. Windows names go through parseWindowsOs, except when the scanner lists several
 * candidates ("Windows 2008 R2/7", "Windows 7 or Windows Server 2008 R2"): then no build or product type is guessed.
 */
export function osFromName(name: string, deviceType?: string, family?: OsFamily): OsInfo {
  const clean = name.replace(/\s+/g, ' ').trim();
  const fam = family ?? osFamilyOf(clean, deviceType) ?? 'other';
  if (fam === 'windows') {
    if (isAmbiguousOsName(clean)) return { family: 'windows', name: clean };
    // Scanners abbreviate service packs ("Windows Server 2008 R2 SP1"); parseWindowsOs reads them spelt out.
    const spelt = clean.replace(/\bSP\s?(\d)\b/i, 'Service Pack $1');
    const info = parseWindowsOs(spelt);
    info.name = clean;
    return info;
  }
  const info: OsInfo = { family: fam, name: clean };
  if (fam === 'macos') {
    const version = /\b(1[0-5]\.\d{1,2}(?:\.\d{1,2})?)\b/.exec(clean)?.[1];
    if (version) info.version = version;
  }
  return info;
}

/** Several OS candidates in one name: "A/B", "A or B", "A, B", "Linux 2.6.9 - 2.6.24". */
export function isAmbiguousOsName(name: string): boolean {
  return /\/|\bor\b|,|\s-\s/i.test(name);
}
