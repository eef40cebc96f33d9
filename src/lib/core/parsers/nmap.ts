/**
 * Reader for Nmap XML output (`nmap -oX`, Zenmap "Save Scan"), XML output versions 1.01 to 1.05.
 *
 * Assets are the hosts whose status is "up" (a host without a status element, as some tools write, counts as up);
 * down hosts are counted in one info line. Addresses (IPv4, IPv6, MAC), host names (user-given and PTR), the best
 * OS match (highest accuracy, the first on a tie; family from its osclass: device type, then OS family) and, for
 * each open port with a service product, a software entry (ecosystem "service", name = product, version as Nmap
 * wrote it, vendor from the service CPE). The same product and version on several ports is one entry.
 *
 * Nmap reports no vulnerabilities of its own, so there are no findings. The output of the NSE "vulners" script
 * (CVE lists guessed from service versions) is not imported as findings: an info line says so, and the versions it
 * is based on are in the software list.
 *
 * @see https://nmap.org/book/nmap-dtd.html
 */
import type {
  HostObservation,
  ObservationSink,
  OsFamily,
  OsInfo,
  ParsedFile,
  ParseResult,
  Problem,
  ScannerRule,
  Software,
  StreamParser
} from '../model';
import type { FormatHandler } from './handler';
import {
  createXmlReader,
  feedAll,
  isIp,
  isoTimestamp,
  namesFrom,
  normalizeMac,
  osFamilyOf,
  osFromName,
  pushUnique,
  xmlRoot,
  type XmlContext,
  type XmlElement
} from './xml-stream';

const SAVE_AGAIN =
  'Run the scan again with -oX (e.g. nmap -sV -O -oX scan.xml 192.168.1.0/24), or in Zenmap use Scan → Save Scan.';

interface OsClass {
  accuracy: number;
  type?: string;
  vendor?: string;
  osfamily?: string;
  osgen?: string;
}

interface PortDraft {
  state?: string;
  protocol?: string;
  product?: string;
  version?: string;
  ostype?: string;
  devicetype?: string;
  cpe?: string;
}

interface HostDraft {
  depth: number;
  line: number;
  state?: string;
  ips: string[];
  macs: string[];
  names: { name: string; type: string }[];
  software: Software[];
  softwareSeen: Set<string>;
  ostypes: string[];
  devicetypes: string[];
  bestMatch?: { name: string; accuracy: number; classes: OsClass[] };
  /** osclass elements directly under <os> (XML output before 1.04). */
  classes: OsClass[];
  start?: string;
  end?: string;
  vulners: boolean;
}

/** Streaming reader for Nmap XML: one host per </host>, handed over at once. */
export function createNmapParser(sink: ObservationSink): StreamParser {
  const extra: Problem[] = [];
  const keys = new Set<string>();
  let formatVersion: string | undefined;
  let hostCount = 0;
  let downCount = 0;
  let vulnersHosts = 0;
  let host: HostDraft | undefined;
  let port: PortDraft | undefined;
  let match: { name: string; accuracy: number; classes: OsClass[] } | undefined;

  const reader = createXmlReader({
    what: 'an Nmap XML scan',
    remedy: SAVE_AGAIN,
    root(el) {
      if (el.name === 'nmaprun') {
        const version = el.attributes.version?.trim();
        const xmlVersion = el.attributes.xmloutputversion?.trim();
        if (version || xmlVersion) {
          formatVersion = [version ? `Nmap ${version}` : '', xmlVersion ? `XML ${xmlVersion}` : '']
            .filter(Boolean)
            .join(', ');
        }
        return undefined;
      }
      return {
        severity: 'error',
        code: 'nmap-wrong-root',
        message: `This XML file's top element is <${el.name}>, not <nmaprun>, so it is not an Nmap scan. ${SAVE_AGAIN}`,
        line: el.line
      };
    },
    open(el, ctx) {
      if (host) {
        openInHost(el, ctx, host);
        return;
      }
      if (el.name === 'host' && ctx.parent === 'nmaprun') {
        host = {
          depth: el.depth,
          line: el.line,
          ips: [],
          macs: [],
          names: [],
          software: [],
          softwareSeen: new Set(),
          ostypes: [],
          devicetypes: [],
          classes: [],
          vulners: false
        };
        const start = isoTimestamp(el.attributes.starttime);
        if (start) host.start = start;
        const end = isoTimestamp(el.attributes.endtime);
        if (end) host.end = end;
        return;
      }
      if (ctx.parent === 'nmaprun') ctx.skip();
    },
    close(el, text, ctx) {
      const h = host;
      if (!h) return;
      if (el.depth === h.depth) {
        closeHost(h, ctx);
        host = undefined;
        return;
      }
      if (el.name === 'port' && port) {
        closePort(h, port);
        port = undefined;
        return;
      }
      if (el.name === 'cpe' && port && /^cpe:\/a:/i.test(text?.trim() ?? '')) {
        // The service's application CPE; an OS CPE (cpe:/o:…) beside it says nothing about the product's vendor.
        port.cpe ??= text?.trim();
        return;
      }
      if (el.name === 'osmatch' && match) {
        if (!h.bestMatch || match.accuracy > h.bestMatch.accuracy) h.bestMatch = match;
        match = undefined;
      }
    }
  });

  function openInHost(el: XmlElement, ctx: XmlContext, h: HostDraft): void {
    const a = el.attributes;
    switch (el.name) {
      case 'status':
        h.state = a.state?.trim().toLowerCase();
        return;
      case 'address': {
        const addr = a.addr?.trim();
        if (!addr) return;
        const type = a.addrtype?.trim().toLowerCase();
        if (type === 'mac') {
          const mac = normalizeMac(addr);
          if (mac) pushUnique(h.macs, mac);
        } else if (isIp(addr)) {
          pushUnique(h.ips, addr.toLowerCase());
        }
        return;
      }
      case 'hostname': {
        const name = a.name?.trim();
        if (name) h.names.push({ name, type: a.type?.trim() ?? '' });
        return;
      }
      case 'port':
        port = {};
        if (a.protocol?.trim()) port.protocol = a.protocol.trim().toLowerCase();
        return;
      case 'state':
        if (port) port.state = a.state?.trim().toLowerCase();
        return;
      case 'service':
        if (port) {
          if (a.product?.trim()) port.product = a.product.trim();
          if (a.version?.trim()) port.version = a.version.trim();
          if (a.ostype?.trim()) port.ostype = a.ostype.trim();
          if (a.devicetype?.trim()) port.devicetype = a.devicetype.trim();
        }
        return;
      case 'cpe':
        if (port && ctx.parent === 'service') ctx.collect();
        return;
      case 'script':
        if (a.id === 'vulners') h.vulners = true;
        ctx.skip();
        return;
      case 'osmatch': {
        const name = a.name?.trim();
        if (name) match = { name, accuracy: Number(a.accuracy) || 0, classes: [] };
        return;
      }
      case 'osclass': {
        const c = osClass(a);
        if (ctx.parent === 'osmatch') match?.classes.push(c);
        else if (ctx.parent === 'os') h.classes.push(c);
        return;
      }
      case 'ports':
      case 'os':
      case 'hostnames':
      case 'extraports':
        return;
    }
    // Everything else under a host (times, trace, uptime, sequences, hostscript, extrareasons) is not used.
    if (ctx.path.length === h.depth + 1 || el.name === 'extrareasons') ctx.skip();
  }

  function closePort(h: HostDraft, p: PortDraft): void {
    if (p.state !== 'open') return;
    if (p.ostype) h.ostypes.push(p.ostype);
    if (p.devicetype) h.devicetypes.push(p.devicetype);
    if (!p.product) return;
    const key = `${p.product}\u0000${p.version ?? ''}`;
    if (h.softwareSeen.has(key)) return;
    h.softwareSeen.add(key);
    const sw: Software = { name: p.product, ecosystem: 'service' };
    if (p.version) sw.version = p.version;
    const vendor = p.cpe ? /^cpe:\/a:([^:]+)/i.exec(p.cpe)?.[1] : undefined;
    if (vendor) sw.vendor = vendor;
    h.software.push(sw);
  }

  function closeHost(h: HostDraft, ctx: XmlContext): void {
    if (h.state && h.state !== 'up') {
      downCount++;
      return;
    }
    if (h.vulners) vulnersHosts++;
    const index = hostCount + 1;
    let key =
      h.ips.find((ip) => !ip.includes(':')) ?? h.ips[0] ?? h.macs[0] ?? h.names[0]?.name ?? `host ${index}`;
    if (keys.has(key)) {
      let n = 2;
      while (keys.has(`${key} (${n})`)) n++;
      ctx.issue({
        severity: 'info',
        code: 'nmap-host-repeated',
        message: `Host ${key} appears more than once in the scan (again at line ${h.line}); each entry is listed separately as "${key} (${n})".`,
        line: h.line
      });
      key = `${key} (${n})`;
    }
    keys.add(key);
    if (h.ips.length === 0 && h.macs.length === 0) {
      ctx.issue({
        severity: 'warning',
        code: 'nmap-host-without-address',
        message: `A host at line ${h.line} has no IP or MAC address; it is listed as "${key}".`,
        line: h.line
      });
    }
    const obs: HostObservation = {
      key,
      ips: h.ips,
      macs: h.macs,
      installedUpdates: [],
      software: h.software,
      pendingUpdates: [],
      findings: []
    };
    const user = h.names.find((n) => n.type === 'user' && !isIp(n.name));
    const withDot = h.names.find((n) => n.name.includes('.') && !isIp(n.name));
    const names = namesFrom((withDot ?? user ?? h.names[0])?.name);
    if (names.hostname) obs.hostname = names.hostname;
    if (names.fqdn) obs.fqdn = names.fqdn;
    const os = hostOs(h);
    if (os) obs.os = os;
    if (h.start) obs.scanStart = h.start;
    if (h.end) obs.scanEnd = h.end;
    hostCount++;
    sink.host(obs);
  }

  return {
    write: (chunk) => reader.write(chunk),
    end() {
      reader.end();
      if (downCount > 0) {
        extra.push({
          severity: 'info',
          code: 'nmap-hosts-down',
          message: `${downCount} scanned address${downCount === 1 ? ' was' : 'es were'} down (no reply) and ${downCount === 1 ? 'is' : 'are'} not listed as assets.`,
          count: downCount
        });
      }
      if (vulnersHosts > 0) {
        extra.push({
          severity: 'info',
          code: 'nmap-vulners-not-imported',
          message:
            `The scan ran the "vulners" script on ${vulnersHosts} host${vulnersHosts === 1 ? '' : 's'}. Its CVE lists are guesses from service versions, so they are not imported as findings; ` +
            'the service versions are in each asset’s software list. Import a vulnerability scanner’s report for findings.'
        });
      }
      if (!reader.failed && reader.rootSeen && hostCount === 0) {
        extra.push({
          severity: 'warning',
          code: 'nmap-no-hosts-up',
          message:
            downCount > 0
              ? `No scanned host was up (${downCount} did not reply), so the scan lists no assets. Check the target range and that the scanning machine can reach it, then scan again.`
              : 'The scan lists no hosts. Check the target range and scan again.'
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
      return hostCount + downCount > 0 ? `host ${hostCount + downCount}` : `line ${reader.line}`;
    }
  };
}

function osClass(a: Readonly<Record<string, string>>): OsClass {
  const c: OsClass = { accuracy: Number(a.accuracy) || 0 };
  if (a.type?.trim()) c.type = a.type.trim();
  if (a.vendor?.trim()) c.vendor = a.vendor.trim();
  if (a.osfamily?.trim()) c.osfamily = a.osfamily.trim();
  if (a.osgen?.trim()) c.osgen = a.osgen.trim();
  return c;
}

function bestClass(classes: OsClass[]): OsClass | undefined {
  let best: OsClass | undefined;
  for (const c of classes) if (!best || c.accuracy > best.accuracy) best = c;
  return best;
}

/** Family from an osclass: the device type first (a Linux WAP is network gear), then the OS family. */
export function nmapOsFamily(c: OsClass | undefined, name: string): OsFamily | undefined {
  const byType = c?.type ? osFamilyOf('', c.type) : undefined;
  if (byType) return byType;
  const fam = c?.osfamily ?? '';
  if (/^embedded$/i.test(fam)) return 'other';
  if (/^(?:ios)$/i.test(fam) && /apple/i.test(c?.vendor ?? '')) return 'macos';
  return osFamilyOf(`${fam} ${c?.vendor ?? ''}`.trim()) ?? osFamilyOf(name);
}

function hostOs(h: HostDraft): OsInfo | undefined {
  const m = h.bestMatch;
  if (m) {
    const c = bestClass(m.classes) ?? bestClass(h.classes);
    const family = nmapOsFamily(c, m.name) ?? 'other';
    return osFromName(m.name, undefined, family);
  }
  const c = bestClass(h.classes);
  if (c) {
    const name = [c.vendor, c.osfamily, c.osgen].filter(Boolean).join(' ');
    return osFromName(name, undefined, nmapOsFamily(c, name) ?? 'other');
  }
  // Only service detection (-sV): the services' ostype ("Linux", "Windows") or device type ("router", "printer")
  // gives the family when all open ports agree.
  const types = [...new Set(h.ostypes.map((t) => t.toLowerCase()))];
  if (types.length === 1) {
    const family = osFamilyOf(types[0] as string);
    if (family) return { family };
  }
  const devices = [...new Set(h.devicetypes.map((t) => t.toLowerCase()))];
  if (types.length === 0 && devices.length === 1) {
    const family = osFamilyOf('', devices[0]);
    if (family) return { family };
  }
  return undefined;
}

/** Reads a whole Nmap XML file already in memory. */
export function parseNmap(bytes: Uint8Array): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createNmapParser({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) });
  feedAll(parser, bytes);
  const value: ParsedFile = { format: 'nmap-xml', hosts, rules };
  if (parser.formatVersion) value.formatVersion = parser.formatVersion;
  return { value, issues: [...parser.issues] };
}

/** An Nmap XML scan: root element <nmaprun>. */
export function sniffNmap(text: string): boolean {
  return xmlRoot(text)?.name === 'nmaprun';
}

export const nmapHandlers: FormatHandler[] = [
  {
    format: 'nmap-xml',
    family: 'discovery',
    howTo:
      'Run Nmap with XML output: nmap -sV -O -oX scan.xml 192.168.1.0/24 (as administrator/root for OS detection). In Zenmap: Scan → Save Scan (.xml).',
    sniff: ({ text }) => (sniffNmap(text) ? 95 : 0),
    create: (sink) => createNmapParser(sink)
  }
];
