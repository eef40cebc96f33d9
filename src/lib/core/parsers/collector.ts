import type {
  HostObservation,
  InstalledUpdate,
  OsInfo,
  ParsedFile,
  ParseResult,
  PendingUpdate,
  Problem,
  Software
} from '../model';
import { normalizeIp, normalizeMac } from '../engine/merge';
import { decodeText } from './decode';
import { bufferedParser, emptyParsedFile, IssueCollector, type FormatHandler } from './handler';
import { normalizeKb } from './kb';
import { parseWindowsOs, windowsEdition } from './windows-os';

/**
 * The output of Patchfield's own collectors (static/collectors/patchfield-collect.ps1 for Windows,
 * patchfield-collect.sh for Linux and macOS): format 1, specified in static/collectors/FORMAT.md.
 *
 * A text file that starts with "# patchfield-collector 1", then sections: "[name]" lines followed by key=value
 * lines ([collector], [host], [os]), TAB-separated rows ([ips], [macs], [hotfixes], [software], [pending],
 * [errors]) or the verbatim /etc/os-release ([os-release]), and a final "[end]". Several outputs may be
 * concatenated: each header starts a machine. Collector outputs are small (a few hundred KB per machine), so the
 * file is read whole (bufferedParser caps its size) and decoded with decodeText (a copy re-saved by Notepad as
 * UTF-16 or ANSI still reads).
 */

/** The format version this parser reads. */
export const COLLECTOR_FORMAT_VERSION = 1;

const HEADER = /^#\s*patchfield-collector\b[ \t]*(\S*)[ \t]*$/i;
const SECTION = /^\[([A-Za-z0-9_-]+)\]\s*$/;

const KEY_VALUE_SECTIONS = new Set(['collector', 'host', 'os']);
const KNOWN_SECTIONS = new Set([
  ...KEY_VALUE_SECTIONS,
  'ips',
  'macs',
  'os-release',
  'hotfixes',
  'software',
  'pending',
  'errors',
  'end'
]);

/** What the header of a text says: the format version, or undefined when the text is not collector output. */
export function sniffCollector(text: string): { version: string } | undefined {
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/, 20)
    .find((l) => l.trim() !== '');
  const m = first === undefined ? null : HEADER.exec(first.trim());
  return m ? { version: m[1] ?? '' } : undefined;
}

/** One machine's lines, gathered by section. */
interface Block {
  /** Line of the header. */
  line: number;
  lastLine: number;
  version: string;
  ended: boolean;
  values: Map<string, Map<string, { value: string; line: number }>>;
  rows: Map<string, { fields: string[]; line: number }[]>;
}

/**
 * Reads collector output. Never throws: every problem is in `issues`, grouped by kind with the first lines.
 */
export function parseCollector(bytes: Uint8Array): ParseResult<ParsedFile> {
  const value = emptyParsedFile('patchfield-collector');
  const issues = new IssueCollector();
  const { text } = decodeText(bytes);
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') {
    return {
      value,
      issues: [
        {
          severity: 'error',
          code: 'empty-file',
          message: `The file is empty (${bytes.length === 0 ? '0 bytes' : 'only blank characters'}). Run the Patchfield collector on the machine again and copy the file it writes.`
        }
      ]
    };
  }

  const blocks: Block[] = [];
  let block: Block | undefined;
  let section: string | undefined;
  let before = 0;
  const lines = body.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const trimmed = raw.trim();
    const header = HEADER.exec(trimmed);
    if (header) {
      block = {
        line: lineNo,
        lastLine: lineNo,
        version: header[1] ?? '',
        ended: false,
        values: new Map(),
        rows: new Map()
      };
      blocks.push(block);
      section = undefined;
      return;
    }
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (!block) {
      before += 1;
      return;
    }
    block.lastLine = lineNo;
    const sectionMatch = SECTION.exec(trimmed);
    if (sectionMatch) {
      section = (sectionMatch[1] as string).toLowerCase();
      if (section === 'end') {
        block.ended = true;
        section = undefined;
      } else if (!KNOWN_SECTIONS.has(section)) {
        issues.add({
          severity: 'info',
          code: 'collector-unknown-section',
          line: lineNo,
          message: `Section [${section}] (line ${lineNo}) is not part of collector format 1 and was skipped. A newer collector may have added it; updating Patchfield reads it.`
        });
      }
      return;
    }
    if (block.ended) {
      issues.add({
        severity: 'warning',
        code: 'collector-after-end',
        line: lineNo,
        message: `Line ${lineNo} comes after a machine's [end] line without a new "# patchfield-collector 1" header, so it was skipped. If outputs were joined by hand, keep each one whole, header first.`
      });
      return;
    }
    if (section === undefined) {
      issues.add({
        severity: 'warning',
        code: 'collector-line-outside-section',
        line: lineNo,
        message: `Line ${lineNo} is not inside any [section] and was skipped. The file may have been edited by hand: run the collector again for a clean copy.`
      });
      return;
    }
    if (!KNOWN_SECTIONS.has(section)) return;
    if (KEY_VALUE_SECTIONS.has(section)) {
      const eq = raw.indexOf('=');
      if (eq <= 0) {
        issues.add({
          severity: 'warning',
          code: 'collector-bad-line',
          line: lineNo,
          message: `Line ${lineNo} in [${section}] is not "key=value" and was skipped. The file may have been edited or cut: run the collector again for a clean copy.`
        });
        return;
      }
      let map = block.values.get(section);
      if (!map) block.values.set(section, (map = new Map()));
      map.set(raw.slice(0, eq).trim().toLowerCase(), { value: raw.slice(eq + 1).trim(), line: lineNo });
      return;
    }
    let rows = block.rows.get(section);
    if (!rows) block.rows.set(section, (rows = []));
    rows.push({
      fields: section === 'os-release' ? [raw] : raw.split('\t').map((f) => f.trim()),
      line: lineNo
    });
  });

  if (blocks.length === 0) {
    return {
      value,
      issues: [
        {
          severity: 'error',
          code: 'not-collector-output',
          line: 1,
          message:
            'This file is not Patchfield collector output: its first line is not "# patchfield-collector 1". Import the file that patchfield-collect.ps1 or patchfield-collect.sh wrote, unchanged.'
        }
      ]
    };
  }
  if (before > 0) {
    issues.add({
      severity: 'warning',
      code: 'collector-text-before-header',
      line: 1,
      message: `${before} line(s) before the first "# patchfield-collector" header were skipped. The file may have been joined with something else; the machines after the header are read.`
    });
  }

  const usedKeys = new Set<string>();
  for (const b of blocks) {
    const host = readBlock(b, issues);
    if (!host) continue;
    if (usedKeys.has(host.key)) {
      issues.add({
        severity: 'warning',
        code: 'collector-duplicate-host',
        line: b.line,
        message: `${host.key} appears more than once in this file (again at line ${b.line}): both outputs are kept, and Patchfield merges them into one asset. Import each machine's newest output only if they differ.`
      });
      host.key = `${host.key} (line ${b.line})`;
    }
    usedKeys.add(host.key);
    value.hosts.push(host);
  }
  const versions = [...new Set(blocks.map((b) => b.version))].filter((v) => v !== '');
  if (versions.length > 0) value.formatVersion = versions.join(', ');
  return { value, issues: issues.problems };
}

// ---------------------------------------------------------------------------------------------------------
// One machine

const STEP_WORDS: Record<string, string> = {
  host: 'the host name and domain',
  ips: 'the network addresses',
  macs: 'the MAC addresses',
  os: 'the operating system',
  hotfixes: 'the installed updates (Get-HotFix)',
  history: 'the Windows Update history',
  software: 'the installed software',
  pending: 'the pending updates',
  security: 'which pending updates are security updates'
};

/** apt's lists older than this, compared with the collection time, make the pending list doubtful. */
const STALE_LIST_DAYS = 7;

function readBlock(b: Block, issues: IssueCollector): HostObservation | undefined {
  const where = `the output at line ${b.line}`;
  if (!/^\d+$/.test(b.version)) {
    issues.add({
      severity: 'error',
      code: 'collector-bad-header',
      line: b.line,
      message: `The header at line ${b.line} lacks the format version ("# patchfield-collector 1"), so ${where} was skipped. Run the collector again and import its file unchanged.`
    });
    return undefined;
  }
  if (Number(b.version) > COLLECTOR_FORMAT_VERSION) {
    issues.add({
      severity: 'error',
      code: 'collector-newer-format',
      line: b.line,
      message: `${capitalize(where)} was written by a newer Patchfield collector (format ${b.version}); this Patchfield reads format ${COLLECTOR_FORMAT_VERSION}. Update Patchfield, or run the collector that comes with this version (it is served by Patchfield at /collectors/).`
    });
    return undefined;
  }

  const get = (section: string, key: string): string | undefined => {
    const v = b.values.get(section)?.get(key)?.value;
    return v ? v : undefined;
  };
  const lineOf = (section: string, key: string): number | undefined => b.values.get(section)?.get(key)?.line;
  const rows = (section: string) => b.rows.get(section) ?? [];

  // Identity.
  let hostname = get('host', 'hostname');
  let fqdn = get('host', 'fqdn');
  const domain = get('host', 'domain');
  if (hostname && hostname.includes('.') && !/^\d+(\.\d+){3}$/.test(hostname)) {
    fqdn ??= hostname;
    hostname = hostname.slice(0, hostname.indexOf('.'));
  }
  const ips: string[] = [];
  for (const { fields, line } of rows('ips')) {
    const ip = normalizeIp(fields[0] ?? '');
    if (ip) {
      if (!ips.includes(ip)) ips.push(ip);
    } else {
      issues.add({
        severity: 'warning',
        code: 'collector-bad-address',
        line,
        message: `"${fields[0]}" (line ${line}) is not an IP address and was skipped. The file may have been edited; the machine's other addresses are kept.`
      });
    }
  }
  const macs: string[] = [];
  for (const { fields, line } of rows('macs')) {
    const mac = normalizeMac(fields[0] ?? '');
    if (mac) {
      if (!macs.includes(mac)) macs.push(mac);
    } else {
      issues.add({
        severity: 'warning',
        code: 'collector-bad-address',
        line,
        message: `"${fields[0]}" (line ${line}) is not a usable MAC address and was skipped. The file may have been edited; the machine's other addresses are kept.`
      });
    }
  }
  const name = hostname ?? fqdn ?? ips[0] ?? macs[0];
  const holdsData = [...b.values.keys()].some((k) => k !== 'collector') || b.rows.size > 0;
  if (!name && !holdsData) {
    issues.add({
      severity: 'warning',
      code: 'collector-empty',
      line: b.line,
      message: `${capitalize(where)} holds no data about any machine. Run the collector again and import the file it writes.`
    });
    return undefined;
  }

  const label = name ?? where;
  const osResult = readOs(b, get, lineOf, rows('os-release'), label);
  // Without a host the data is refused below; its OS problems would only add noise.
  if (name) for (const p of osResult.issues) issues.add(p);

  const installedUpdates = readHotfixes(rows('hotfixes'), issues);
  const software = readSoftware(rows('software'), issues);
  const family = osResult.os?.family;
  const pendingUpdates = readPending(rows('pending'), family, issues);

  for (const { fields, line } of rows('errors')) {
    const step = (fields[0] ?? '').toLowerCase().replace(/[^a-z-]/g, '') || 'unknown';
    const what = STEP_WORDS[step] ?? `step "${step}"`;
    issues.add({
      severity: 'warning',
      code: `collector-${step}-failed`,
      line,
      message: `The collector could not read ${what} on ${label}${fields[1] ? `: ${fields[1].replace(/[.\s]+$/, '')}` : ''}. That part of the machine is missing from this import: run the collector again${step === 'pending' ? ' where the machine can reach its update source (Windows Update, WSUS, the package mirrors)' : ''}, or import another export that covers it.`
    });
  }

  const collectedAtText = get('collector', 'collected_at');
  const collectedAt = isoTimestamp(collectedAtText);
  if (collectedAtText && !collectedAt) {
    issues.add({
      severity: 'info',
      code: 'collector-bad-time',
      line: lineOf('collector', 'collected_at'),
      message: `The collection time "${collectedAtText}" of ${name ?? where} is not an ISO 8601 time, so the data has no date; check when the collector ran.`
    });
  }
  const listsDate = isoTimestamp(get('collector', 'package_lists_date'));
  if (collectedAt && listsDate) {
    const days = Math.floor((Date.parse(collectedAt) - Date.parse(listsDate)) / 86_400_000);
    if (days > STALE_LIST_DAYS) {
      issues.add({
        severity: 'warning',
        code: 'collector-package-lists-stale',
        line: lineOf('collector', 'package_lists_date'),
        message: `On ${label} the package lists were last refreshed on ${listsDate.slice(0, 10)}, ${days} days before the collector ran, so updates published since are missing from its pending updates. Run "sudo apt update" there (or let its daily timer run) and collect again.`
      });
    }
  }

  if (!b.ended) {
    issues.add({
      severity: 'warning',
      code: 'collector-incomplete',
      line: b.lastLine,
      message: `The output for ${label} stops at line ${b.lastLine} without its final [end] line: the collector was stopped or the file was cut. What was read is kept; run the collector again for the complete list.`
    });
  }

  if (!name) {
    issues.add({
      severity: 'error',
      code: 'collector-host-unnamed',
      line: b.line,
      message: `${capitalize(where)} names no host (no host name, FQDN, IP or MAC address), so its data cannot be tied to a machine and was skipped. Run the collector again on that machine.`
    });
    return undefined;
  }

  const host: HostObservation = {
    key: name,
    ips,
    macs,
    installedUpdates,
    software,
    pendingUpdates,
    findings: [],
    kind: 'machine'
  };
  if (hostname) host.hostname = hostname;
  if (fqdn) host.fqdn = fqdn;
  if (domain) host.domain = domain;
  if (osResult.os) host.os = osResult.os;
  if (collectedAt) {
    host.scanStart = collectedAt;
    host.scanEnd = collectedAt;
  }
  return host;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "2024-05-14T09:12:33Z" (any ISO 8601 date-time with a zone) → canonical ISO; undefined otherwise. */
function isoTimestamp(text: string | undefined): string | undefined {
  if (!text || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text))
    return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().replace('.000Z', 'Z');
}

/** "2024-05-14" or Unix seconds (rpm's install time) → "YYYY-MM-DD"; undefined for anything else. */
function isoDate(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text) ? text : undefined;
  }
  if (/^\d{9,11}$/.test(text)) return new Date(Number(text) * 1000).toISOString().slice(0, 10);
  return undefined;
}

function badDate(issues: IssueCollector, value: string, line: number, section: string): void {
  issues.add({
    severity: 'info',
    code: 'collector-bad-date',
    line,
    message: `"${value}" (line ${line}, [${section}]) is not a date (YYYY-MM-DD or Unix seconds); the entry is kept without it.`
  });
}

// ---------------------------------------------------------------------------------------------------------
// Operating system

type Getter = (section: string, key: string) => string | undefined;

function readOs(
  b: Block,
  get: Getter,
  lineOf: (section: string, key: string) => number | undefined,
  osRelease: { fields: string[]; line: number }[],
  label: string
): { os?: OsInfo; issues: Problem[] } {
  const family = get('os', 'family')?.toLowerCase();
  const architecture = get('os', 'architecture');
  const issues: Problem[] = [];
  if (family === 'windows') {
    const version = get('os', 'version');
    const build = get('os', 'build');
    const ubr = get('os', 'ubr');
    const ubrOk = ubr !== undefined && /^\d{1,6}$/.test(ubr);
    if (ubr !== undefined && !ubrOk) {
      issues.push({
        severity: 'warning',
        code: 'collector-bad-value',
        line: lineOf('os', 'ubr'),
        message: `The update build revision "${ubr}" of ${label} is not a number, so its cumulative update level is unknown. Run the collector again.`
      });
    }
    const versionText = version ?? (build ? `Build ${build}` : undefined);
    const os = parseWindowsOs(
      get('os', 'name'),
      versionText && ubrOk ? `${versionText}.${ubr}` : versionText
    );
    if (os.build === undefined && build && /^\d{3,6}$/.test(build)) os.build = Number(build);
    if (os.revision === undefined && ubrOk && os.build !== undefined) os.revision = Number(ubr);
    const edition = get('os', 'edition');
    if (!os.edition && edition) os.edition = windowsEdition(edition) ?? edition;
    const displayVersion = get('os', 'display_version');
    if (displayVersion) os.displayVersion = displayVersion;
    const productType = get('os', 'product_type');
    if (productType === 'client' || productType === 'server') os.productType = productType;
    if (architecture) os.architecture = architecture;
    return { os, issues };
  }
  if (family === 'macos') {
    const name = get('os', 'name') ?? 'macOS';
    const version = get('os', 'version');
    const extra = get('os', 'version_extra');
    const build = get('os', 'build');
    const os: OsInfo = {
      family: 'macos',
      // The model's build is a Windows build number; the macOS build (23E224) goes with the name, as Apple shows it.
      name: [name, version, extra, build ? `(${build})` : undefined].filter(Boolean).join(' ')
    };
    if (version) os.version = version;
    if (architecture) os.architecture = architecture;
    return { os, issues };
  }
  if (family === 'linux') {
    const fields = new Map<string, string>();
    for (const {
      fields: [raw = '']
    } of osRelease) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
      if (!m) continue;
      const value = unquoteShellValue(m[2] as string);
      if (value !== undefined) fields.set(m[1] as string, value);
    }
    const linux = linuxOs(fields, label, b.line);
    if (linux.os && architecture) linux.os.architecture = architecture;
    return linux;
  }
  if (family === 'unix') {
    const os: OsInfo = { family: 'unix' };
    const name = get('os', 'name');
    const version = get('os', 'version');
    if (name) os.name = version ? `${name} ${version}` : name;
    if (version) os.version = version;
    if (architecture) os.architecture = architecture;
    return { os, issues };
  }
  issues.push({
    severity: 'warning',
    code: 'collector-os-unknown',
    line: lineOf('os', 'family') ?? b.line,
    message: `${label} does not say which operating system it runs${family ? ` (family "${family}" is not windows, linux, macos or unix)` : ''}, so its updates cannot be assessed. Run the collector again.`
  });
  return { issues };
}

/** A shell value as os-release writes it: bare, "double-quoted" (\" \\ \$ \` escapes) or 'single-quoted'. */
function unquoteShellValue(raw: string): string | undefined {
  const v = raw.trim();
  if (v.startsWith('"')) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const c = v.charAt(i);
      if (c === '\\' && i + 1 < v.length && '"\\$`'.includes(v.charAt(i + 1))) {
        out += v.charAt(++i);
      } else if (c === '"') {
        return out;
      } else {
        out += c;
      }
    }
    return undefined;
  }
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    return end > 0 ? v.slice(1, end) : undefined;
  }
  return v;
}

/** Distribution IDs (os-release ID) whose packages Patchfield can match against advisories. */
const KNOWN_DISTRO_IDS = new Set([
  'debian',
  'ubuntu',
  'raspbian',
  'devuan',
  'linuxmint',
  'pop',
  'elementary',
  'zorin',
  'kali',
  'rhel',
  'centos',
  'fedora',
  'rocky',
  'almalinux',
  'ol',
  'amzn',
  'scientific',
  'cloudlinux',
  'sles',
  'sled',
  'opensuse-leap',
  'opensuse-tumbleweed',
  'alpine',
  'arch',
  'manjaro',
  'gentoo',
  'photon',
  'mariner',
  'azurelinux',
  'wolfi',
  'chainguard'
]);

/** Releases without a VERSION_ID by design. */
const ROLLING_DISTROS = new Set(['arch', 'manjaro', 'gentoo', 'opensuse-tumbleweed', 'wolfi', 'chainguard']);

function linuxOs(
  fields: Map<string, string>,
  label: string,
  line: number
): { os?: OsInfo; issues: Problem[] } {
  const issues: Problem[] = [];
  const get = (k: string): string | undefined => fields.get(k)?.trim() || undefined;
  const id = get('ID')?.toLowerCase();
  const versionId = get('VERSION_ID');
  const pretty = get('PRETTY_NAME');
  const name = get('NAME');
  const os: OsInfo = { family: 'linux' };
  const osName = pretty ?? (name && get('VERSION') ? `${name} ${get('VERSION')}` : name);
  if (osName) os.name = osName;
  if (versionId) os.version = versionId;
  if (fields.size === 0) {
    issues.push({
      severity: 'warning',
      code: 'collector-no-os-release',
      line,
      message: `The output for ${label} has no /etc/os-release, so its Linux distribution and release are unknown and its packages cannot be checked against advisories. Run the collector again, or import the machine's /etc/os-release as well.`
    });
    return { os, issues };
  }
  if (id) {
    const codename = get('VERSION_CODENAME') ?? get('UBUNTU_CODENAME');
    const idLike = get('ID_LIKE')
      ?.toLowerCase()
      .split(/\s+/)
      .filter((x) => x !== '');
    os.distro = { id };
    if (versionId) os.distro.versionId = versionId;
    if (codename) os.distro.codename = codename;
    if (pretty) os.distro.prettyName = pretty;
    if (idLike && idLike.length > 0) os.distro.idLike = idLike;
  }
  if (!id) {
    issues.push({
      severity: 'warning',
      code: 'os-release-id-missing',
      line,
      message: `The os-release of ${label} has no ID${name ? ` (NAME is "${name}")` : ''}, so the distribution is unknown and its packages cannot be checked against a distribution's advisories. Check the machine's /etc/os-release.`
    });
  } else if (!KNOWN_DISTRO_IDS.has(id)) {
    issues.push({
      severity: 'warning',
      code: 'os-release-unknown-id',
      line,
      message: `The distribution ID "${id}" of ${label}${name ? ` (NAME "${name}")` : ''} is not one Patchfield knows, so its packages are not matched against any distribution's advisories. Assess its packages by hand.`
    });
  }
  if (!versionId) {
    const rolling = id !== undefined && ROLLING_DISTROS.has(id);
    issues.push({
      severity: rolling ? 'info' : 'warning',
      code: 'os-release-version-missing',
      line,
      message: rolling
        ? `${pretty ?? name ?? id} on ${label} is a rolling release without VERSION_ID: its packages are compared with the current repository state only.`
        : `The os-release of ${label} has no VERSION_ID, so the release (e.g. 22.04, 12, 9.4) is unknown and end-of-life and advisories cannot be matched. Check the machine's /etc/os-release.`
    });
  }
  return { os, issues };
}

// ---------------------------------------------------------------------------------------------------------
// Tables

type Row = { fields: string[]; line: number };
const field = (fields: string[], i: number): string | undefined => {
  const v = fields[i];
  return v ? v : undefined;
};

function missingName(issues: IssueCollector, line: number, section: string): void {
  issues.add({
    severity: 'warning',
    code: 'collector-row-without-name',
    line,
    message: `A row of [${section}] (line ${line}) has no name in its first column and was skipped. The file may have been edited: run the collector again for a clean copy.`
  });
}

/** [hotfixes]: kb, installed_on, description, source. One entry per KB (Get-HotFix and the history may both list it). */
function readHotfixes(rows: Row[], issues: IssueCollector): InstalledUpdate[] {
  const byKb = new Map<string, InstalledUpdate>();
  for (const { fields, line } of rows) {
    const kb = normalizeKb(fields[0] ?? '');
    if (!kb) {
      issues.add({
        severity: 'warning',
        code: 'collector-bad-kb',
        line,
        message: `"${fields[0] ?? ''}" (line ${line}, [hotfixes]) is not a KB number (KB followed by 6 or 7 digits) and was skipped.`
      });
      continue;
    }
    const raw = field(fields, 1);
    const installedOn = isoDate(raw);
    if (raw && !installedOn) badDate(issues, raw, line, 'hotfixes');
    const description = field(fields, 2);
    const existing = byKb.get(kb);
    if (existing) {
      if (!existing.installedOn && installedOn) existing.installedOn = installedOn;
      continue;
    }
    const update: InstalledUpdate = { kb };
    if (installedOn) update.installedOn = installedOn;
    if (description) update.description = description;
    byKb.set(kb, update);
  }
  return [...byKb.values()];
}

/** [software]: name, version, vendor, architecture, source, ecosystem, installed_on. */
function readSoftware(rows: Row[], issues: IssueCollector): Software[] {
  const software: Software[] = [];
  for (const { fields, line } of rows) {
    const name = field(fields, 0);
    if (!name) {
      missingName(issues, line, 'software');
      continue;
    }
    const item: Software = { name };
    const version = field(fields, 1);
    const vendor = field(fields, 2);
    const architecture = field(fields, 3);
    const sourcePackage = field(fields, 4);
    const ecosystem = field(fields, 5);
    const raw = field(fields, 6);
    const installedOn = isoDate(raw);
    if (raw && !installedOn) badDate(issues, raw, line, 'software');
    if (version) item.version = version;
    if (vendor) item.vendor = vendor;
    if (architecture) item.architecture = architecture;
    if (sourcePackage && sourcePackage !== name) item.sourcePackage = sourcePackage;
    if (ecosystem) item.ecosystem = ecosystem;
    if (installedOn) item.installedOn = installedOn;
    software.push(item);
  }
  return software;
}

const PENDING_KINDS = new Set<NonNullable<PendingUpdate['kind']>>([
  'package',
  'windows-update',
  'macos-update',
  'application'
]);

function yesNo(text: string | undefined): boolean | undefined {
  const t = text?.toLowerCase();
  if (t === 'yes' || t === 'true' || t === '1') return true;
  if (t === 'no' || t === 'false' || t === '0') return false;
  return undefined;
}

/** [pending]: name, version, current_version, architecture, repository, kb, security, reboot, kind. */
function readPending(
  rows: Row[],
  family: OsInfo['family'] | undefined,
  issues: IssueCollector
): PendingUpdate[] {
  const fallbackKind: PendingUpdate['kind'] =
    family === 'windows' ? 'windows-update' : family === 'macos' ? 'macos-update' : 'package';
  const pending: PendingUpdate[] = [];
  for (const { fields, line } of rows) {
    const name = field(fields, 0);
    if (!name) {
      missingName(issues, line, 'pending');
      continue;
    }
    const update: PendingUpdate = { name };
    const version = field(fields, 1);
    const currentVersion = field(fields, 2);
    const architecture = field(fields, 3);
    const repository = field(fields, 4);
    const kb = normalizeKb(fields[5] ?? '') ?? (family === 'windows' ? normalizeKb(name) : undefined);
    const security = yesNo(field(fields, 6));
    const reboot = yesNo(field(fields, 7));
    const kind = field(fields, 8) as PendingUpdate['kind'];
    if (version) update.version = version;
    if (currentVersion) update.currentVersion = currentVersion;
    if (architecture) update.architecture = architecture;
    if (repository) update.repository = repository;
    if (kb) update.kb = kb;
    if (security !== undefined) update.security = security;
    if (reboot !== undefined) update.rebootRequired = reboot;
    update.kind = kind && PENDING_KINDS.has(kind) ? kind : fallbackKind;
    pending.push(update);
  }
  return pending;
}

// ---------------------------------------------------------------------------------------------------------
// Handler

export const collectorHandlers: FormatHandler[] = [
  {
    format: 'patchfield-collector',
    family: 'collector',
    howTo:
      'On each machine, run Patchfield’s collector (served by Patchfield at /collectors/): on Windows `powershell -NoProfile -ExecutionPolicy Bypass -File .\\patchfield-collect.ps1`, on Linux and macOS `sh patchfield-collect.sh`. No administrator rights needed; import the .txt file it writes.',
    sniff({ text, fileName }) {
      const header = sniffCollector(text);
      if (!header) return 0;
      if (/^\d+$/.test(header.version) && Number(header.version) > COLLECTOR_FORMAT_VERSION) {
        return {
          severity: 'error',
          code: 'collector-newer-format',
          message: `${fileName} was written by a newer Patchfield collector (format ${header.version}); this Patchfield reads format ${COLLECTOR_FORMAT_VERSION}. Update Patchfield, or run the collector that comes with this version (it is served by Patchfield at /collectors/).`
        };
      }
      return 98;
    },
    create: (sink) => bufferedParser(parseCollector, sink, 'Patchfield collector output')
  }
];
