/**
 * macOS inventories: `softwareupdate -l` (updates Apple offers the Mac), and `system_profiler
 * SPApplicationsDataType` as text or `-json` (installed applications), optionally with SPSoftwareDataType (the
 * macOS version and the computer's name).
 *
 * softwareupdate -l → PendingUpdate (kind "macos-update"): the title (or label) as name, the version, a reboot
 * when the action is restart or shut down, security when the title or label says "Security Update" or
 * "Security Response" (otherwise unknown: a point release fixes security issues without saying so). Both layouts are
 * read: macOS 10.15+ ("* Label: …" then "Title: …, Version: …, Size: …, Recommended: YES, Action: restart,") and
 * the older one ("* Label" then "Title (version), 123K [recommended] [restart]").
 *
 * system_profiler → Software (ecosystem "macos-app"): name, version, vendor (from the Developer ID signature, or
 * Apple for Apple's apps), architecture (from Kind), and the Last Modified date as `installedOn`. The text output
 * writes that date in the Mac's locale; whether it is day/month or month/day is decided from the whole column
 * (a day above 12 settles it), never guessed from one row.
 * The JSON output is parsed whole up to a few MB and streamed with @streamparser/json above, so memory stays at
 * the size of one application record.
 * @see https://support.apple.com/guide/deployment/ (softwareupdate), `man system_profiler`
 */
import { JSONParser } from '@streamparser/json';
import type {
  HostObservation,
  ObservationSink,
  OsInfo,
  ParsedFile,
  ParseResult,
  PendingUpdate,
  Problem,
  Software,
  StreamParser
} from '../model';
import { decodeText } from './decode';
import type { FormatHandler } from './handler';
import {
  LineGroup,
  hostnameFromLine,
  machineHost,
  parseLineFormat,
  plural,
  quoteLine,
  streamLineFormat,
  unnamedHostProblem,
  type LineFormat,
  type LineFormatParser,
  type LineParseOutcome
} from './line-reader';

/**
 * Security Updates (older macOS), Rapid Security Responses and Background Security Improvements. A Rapid Security
 * Response is also recognised by its letter suffix: "macOS Ventura 13.4.1 (c)".
 */
const SECURITY =
  /\bSecurity (?:Update|Response)s?\b|\bRapid Security\b|\bBackground Security\b|\d \([a-z]\)(?:-|$)/i;

// ---------------------------------------------------------------------------------------------------------
// softwareupdate -l

/**
 * "* Label: name" (or "* name"): the name runs from its first to its last non-blank character. (A lazy name before
 * \s*$ retried every blank run to the end of the line: 40,000 spaces in an entry took 4 s.)
 */
const ENTRY = /^\s*\*\s+(?:Label:\s*)?(\S(?:.*\S)?)/;
/** Old layout: "Security Update 2022-003 (10.15.7), 1877067K [recommended] [restart]". */
const OLD_DETAIL = /^(.+?) \(([^()]*)\), \d+K(?:iB)?((?:\s*\[[^\]]+\])*)\s*$/;
const KNOWN_KEYS = [
  'Title',
  'Version',
  'Size',
  'Recommended',
  'Action',
  'Deferred',
  'Deferred Until',
  'Build'
];

/** "Title: macOS Sonoma 14.4.1, Version: 14.4.1, Size: 1717248KiB, Recommended: YES, Action: restart," */
function detailPairs(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const keys = KNOWN_KEYS.join('|');
  const re = new RegExp(`(?:^|,\\s*)(${keys}):\\s*(.*?)(?=,\\s*(?:${keys}):|,?\\s*$)`, 'g');
  for (const m of text.matchAll(re)) pairs.set(m[1] ?? '', (m[2] ?? '').trim());
  return pairs;
}

function softwareUpdateParser(): LineFormatParser {
  let hostname: string | undefined;
  let recognised = false;
  let noUpdates = false;
  let current: { update: PendingUpdate; label: string; line: number; detailed: boolean } | undefined;
  const updates: PendingUpdate[] = [];
  const unreadable = new LineGroup();

  const flush = (): void => {
    if (current) updates.push(current.update);
    current = undefined;
  };

  return {
    line(text, line, nth) {
      const t = text.trim();
      if (t === '') return;
      if (/^Software Update Tool|^Finding available software|^Software Update found the following/.test(t)) {
        recognised = true;
        return;
      }
      if (/^No new software available\.?$/.test(t)) {
        recognised = true;
        noUpdates = true;
        return;
      }
      const entry = ENTRY.exec(text);
      if (entry) {
        flush();
        recognised = true;
        const label = entry[1] ?? '';
        current = {
          label,
          line,
          detailed: false,
          update: {
            name: label,
            kind: 'macos-update',
            ...(SECURITY.test(label) ? { security: true } : {})
          }
        };
        return;
      }
      if (current && !current.detailed && /^\s/.test(text)) {
        current.detailed = true;
        const u = current.update;
        if (/^Title:/.test(t)) {
          const pairs = detailPairs(t);
          const title = pairs.get('Title');
          if (title) u.name = title;
          const version = pairs.get('Version');
          if (version) u.version = version;
          const action = pairs.get('Action');
          u.rebootRequired = action ? /restart|shut ?down/i.test(action) : false;
          if (title && SECURITY.test(title)) u.security = true;
          return;
        }
        const old = OLD_DETAIL.exec(t);
        if (old) {
          u.name = old[1] ?? u.name;
          if (old[2]) u.version = old[2];
          u.rebootRequired = /\[restart\]|\[shut ?down\]/i.test(old[3] ?? '');
          if (SECURITY.test(u.name)) u.security = true;
          return;
        }
        unreadable.add(line, quoteLine(t));
        return;
      }
      if (!recognised && nth <= 3) {
        const named = hostnameFromLine(t, nth === 1);
        if (named) {
          hostname ??= named;
          return;
        }
      }
      // Progress and log lines ("Downloading …", "softwareupdate[123:456] …") are not updates.
      if (/^(?:Downloading|Installing|Done\.|softwareupdate\[)/.test(t)) return;
      unreadable.add(line, quoteLine(t));
    },
    finish(): LineParseOutcome {
      flush();
      const issues: Problem[] = [];
      if (!recognised) {
        issues.push({
          severity: 'error',
          code: 'not-softwareupdate',
          message:
            'No "* Label" entry and no "No new software available." line was found, so this is not `softwareupdate -l` output. On the Mac, run `softwareupdate -l > updates.txt 2>&1` in Terminal and import that file.'
        });
        return { hosts: [], issues };
      }
      if (updates.length === 0) {
        issues.push({
          severity: 'info',
          code: 'macos-no-updates',
          message: noUpdates
            ? "softwareupdate found no new software: the Mac was up to date with Apple's catalog when the list was made."
            : 'softwareupdate listed no update. If the list was cut short, run `softwareupdate -l > updates.txt 2>&1` again on the Mac.'
        });
      }
      issues.push(
        ...unreadable.problem(
          'warning',
          'softwareupdate-line-unreadable',
          (n, where) =>
            `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}: ${unreadable.examples.join(' | ')}). If updates are missing, run \`softwareupdate -l > updates.txt 2>&1\` again on the Mac.`
        )
      );
      if (!hostname) issues.push(unnamedHostProblem('softwareupdate list'));
      return {
        hosts: [machineHost({ hostname, os: { family: 'macos' }, pendingUpdates: updates })],
        issues
      };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Shared by the text and JSON system_profiler outputs

/** "Developer ID Application: Microsoft Corporation (UBF8T346G9)" → "Microsoft Corporation". */
function vendorFromSignature(
  signedBy: string | undefined,
  obtainedFrom: string | undefined
): string | undefined {
  // The team ID in parentheses ends the name, which may itself hold commas ("Zoom Video Communications, Inc.").
  const m =
    /Developer ID Application:\s*(.+?)\s*\([A-Z0-9]{10}\)/.exec(signedBy ?? '') ??
    /Developer ID Application:\s*([^,]+)/.exec(signedBy ?? '');
  if (m?.[1]) return m[1].trim();
  if (/^apple$/i.test(obtainedFrom ?? '')) return 'Apple';
  return undefined;
}

/** Kind (text) or arch_kind (JSON) → the architecture the app runs as. */
function appArchitecture(kind: string | undefined): string | undefined {
  if (!kind) return undefined;
  const k = kind.toLowerCase();
  if (k === 'arch_arm_i64' || k === 'universal') return 'universal';
  if (k === 'arch_i64' || k === 'intel' || k === '64-bit intel') return 'x86_64';
  if (k === 'arch_arm' || k === 'apple silicon' || k === 'arch_ios' || k === 'ios') return 'arm64';
  if (k === 'arch_i32') return 'i386';
  if (k === 'arch_ppc' || k === 'powerpc' || k === 'classic') return 'ppc';
  return undefined;
}

/** "macOS 14.4.1 (23E224)", "OS X 10.11.6 (15G31)", "Mac OS X 10.6.8 (10K549)" → OS of the Mac. */
export function macOsFromVersion(text: string | undefined): OsInfo {
  const os: OsInfo = { family: 'macos' };
  const t = text?.trim();
  if (!t) return os;
  os.name = t;
  const v = /(\d+(?:\.\d+){0,2})/.exec(t);
  if (v?.[1]) os.version = v[1];
  return os;
}

interface AppRecord {
  name: string;
  version?: string | undefined;
  obtainedFrom?: string | undefined;
  signedBy?: string | undefined;
  kind?: string | undefined;
  /** The date as written (text) or ISO (JSON). */
  lastModified?: string | undefined;
  line?: number;
}

function softwareOf(app: AppRecord, date: string | undefined): Software {
  const item: Software = { name: app.name, ecosystem: 'macos-app' };
  if (app.version) item.version = app.version;
  const vendor = vendorFromSignature(app.signedBy, app.obtainedFrom);
  if (vendor) item.vendor = vendor;
  const arch = appArchitecture(app.kind);
  if (arch) item.architecture = arch;
  if (date) item.installedOn = date;
  return item;
}

/**
 * Dates as the Mac's locale writes them ("15/03/2024, 08:12", "3/15/24, 8:12 AM", "15.03.24, 08:12",
 * "2024-03-15 08:12"). The order of day and month is decided from the whole column: a first number above 12 means
 * day first, a second number above 12 means month first; if no row settles it (or rows disagree), no date is kept.
 */
export function decideDateOrder(dates: readonly string[]): 'dmy' | 'mdy' | 'ymd' | undefined {
  let dayFirst = false;
  let monthFirst = false;
  let ymd = false;
  for (const d of dates) {
    const m = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})/.exec(d.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if ((m[1] ?? '').length === 4) {
      ymd = true;
      continue;
    }
    if (a > 12) dayFirst = true;
    if (b > 12) monthFirst = true;
  }
  if (dayFirst && monthFirst) return undefined;
  if (dayFirst) return 'dmy';
  if (monthFirst) return 'mdy';
  return ymd ? 'ymd' : undefined;
}

export function dateInOrder(text: string, order: 'dmy' | 'mdy' | 'ymd' | undefined): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  if (!order || order === 'ymd') return undefined;
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b/.exec(text.trim());
  if (!m) return undefined;
  const [day, month] = order === 'dmy' ? [m[1], m[2]] : [m[2], m[1]];
  const year = (m[3] ?? '').length === 2 ? `20${m[3]}` : (m[3] ?? '');
  const d = Number(day);
  const mo = Number(month);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  return `${year}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function appsProblems(apps: AppRecord[], order: 'dmy' | 'mdy' | 'ymd' | undefined, text: boolean): Problem[] {
  const issues: Problem[] = [];
  const noVersion = apps.filter((a) => !a.version);
  if (noVersion.length > 0) {
    issues.push({
      severity: 'info',
      code: 'macos-app-no-version',
      message: `${plural(noVersion.length, 'application has', 'applications have')} no version (${noVersion
        .slice(0, 5)
        .map((a) => a.name)
        .join(
          ', '
        )}${noVersion.length > 5 ? ', …' : ''}); ${noVersion.length === 1 ? 'it is' : 'they are'} listed without one and cannot be checked for updates.`
    });
  }
  if (text && !order && apps.some((a) => a.lastModified && !/^\d{4}-/.test(a.lastModified))) {
    issues.push({
      severity: 'info',
      code: 'macos-date-order-unknown',
      message:
        'The Last Modified dates do not show whether the day or the month comes first (no day above 12), so no date is kept. `system_profiler -json SPApplicationsDataType` writes unambiguous dates.'
    });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------------
// system_profiler (text)

interface ProfilerItem {
  name: string;
  line: number;
  fields: Map<string, string>;
}

function systemProfilerTextParser(): LineFormatParser {
  let hostname: string | undefined;
  let section: string | undefined;
  let itemIndent: number | undefined;
  let item: ProfilerItem | undefined;
  const apps: AppRecord[] = [];
  let overview: Map<string, string> | undefined;
  const otherSections = new Set<string>();
  const unreadable = new LineGroup();
  let sawApplications = false;

  const close = (): void => {
    const it = item;
    item = undefined;
    if (!it) return;
    const location = it.fields.get('Location');
    if (section === 'Applications' || (location !== undefined && /\.app\/?$/.test(location))) {
      apps.push({
        name: it.name,
        version: it.fields.get('Version'),
        obtainedFrom: it.fields.get('Obtained from'),
        signedBy: it.fields.get('Signed by'),
        kind: it.fields.get('Kind'),
        lastModified: it.fields.get('Last Modified'),
        line: it.line
      });
    } else if (section === 'Software' && /System Software Overview/i.test(it.name)) {
      overview = it.fields;
    }
  };

  return {
    line(text, line, nth) {
      if (text.trim() === '') return;
      const indent = /^[ \t]*/.exec(text)?.[0].replace(/\t/g, '    ').length ?? 0;
      const t = text.trim();
      if (indent === 0) {
        if (t.endsWith(':')) {
          close();
          section = t.slice(0, -1);
          if (section === 'Applications') sawApplications = true;
          else if (section !== 'Software') otherSections.add(section);
          itemIndent = undefined;
          return;
        }
        const named = nth <= 2 ? hostnameFromLine(t, nth === 1) : undefined;
        if (named) hostname ??= named;
        else unreadable.add(line, quoteLine(t));
        return;
      }
      if (section === undefined) {
        unreadable.add(line, quoteLine(t));
        return;
      }
      if (t.endsWith(':') && (itemIndent === undefined || indent <= itemIndent)) {
        close();
        itemIndent = indent;
        item = { name: t.slice(0, -1).trim(), line, fields: new Map() };
        return;
      }
      const field = /^([^:]+):(?:\s+(.*))?$/.exec(t);
      if (!item || !field) {
        unreadable.add(line, quoteLine(t));
        return;
      }
      const key = (field[1] ?? '').trim();
      if (!item.fields.has(key)) item.fields.set(key, (field[2] ?? '').trim());
    },
    finish(): LineParseOutcome {
      close();
      const issues: Problem[] = [];
      if (apps.length === 0 && !overview) {
        issues.push({
          severity: sawApplications ? 'warning' : 'error',
          code: 'no-applications',
          message: sawApplications
            ? 'The Applications section lists no application. Run `system_profiler SPApplicationsDataType > apps.txt` again on the Mac (it takes a minute) and import the new file.'
            : 'No "Applications:" section was found, so this is not `system_profiler SPApplicationsDataType` output. On the Mac, run `system_profiler SPSoftwareDataType SPApplicationsDataType > apps.txt` and import that file.'
        });
        if (!sawApplications) return { hosts: [], issues };
      }
      const order = decideDateOrder(apps.map((a) => a.lastModified ?? ''));
      const software = apps.map((a) =>
        softwareOf(a, a.lastModified ? dateInOrder(a.lastModified, order) : undefined)
      );
      issues.push(...appsProblems(apps, order, true));
      if (otherSections.size > 0) {
        issues.push({
          severity: 'info',
          code: 'macos-sections-ignored',
          message: `The sections ${[...otherSections].map((s) => `"${s}"`).join(', ')} are not used; only Applications and Software (the macOS version) are read.`
        });
      }
      issues.push(
        ...unreadable.problem(
          'warning',
          'system-profiler-line-unreadable',
          (n, where) =>
            `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}). If applications are missing, run \`system_profiler SPApplicationsDataType > apps.txt\` again on the Mac.`,
          unreadable.examples.join(' | ')
        )
      );
      const name = hostname ?? overview?.get('Computer Name');
      if (!name) issues.push(unnamedHostProblem('system_profiler output'));
      return {
        hosts: [
          machineHost({ hostname: name, os: macOsFromVersion(overview?.get('System Version')), software })
        ],
        issues
      };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// system_profiler -json

/** Above this size the JSON is streamed instead of parsed whole. */
export const JSON_STREAM_ABOVE_BYTES = 4 * 1024 * 1024;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

function appFromJson(v: unknown): AppRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const name = str(o._name);
  if (!name) return undefined;
  const signed = Array.isArray(o.signed_by)
    ? o.signed_by.filter((s) => typeof s === 'string').join(', ')
    : str(o.signed_by);
  return {
    name,
    version: str(o.version),
    obtainedFrom: str(o.obtained_from),
    signedBy: signed,
    kind: str(o.arch_kind) ?? (o.has64BitIntelCode === 'yes' ? 'arch_i64' : undefined),
    lastModified: typeof o.lastModified === 'string' ? o.lastModified : undefined
  };
}

/** Collects what the JSON holds, record by record, whichever way it is read. */
class ProfilerJsonCollector {
  readonly apps: AppRecord[] = [];
  overview: Record<string, unknown> | undefined;
  skipped = 0;
  sections = new Set<string>();

  app(v: unknown): void {
    const app = appFromJson(v);
    if (app) this.apps.push(app);
    else this.skipped += 1;
  }

  software(v: unknown): void {
    if (v && typeof v === 'object') this.overview ??= v as Record<string, unknown>;
  }

  result(issues: Problem[]): { hosts: HostObservation[]; issues: Problem[] } {
    if (!this.sections.has('SPApplicationsDataType') && !this.sections.has('SPSoftwareDataType')) {
      issues.push({
        severity: 'error',
        code: 'no-applications',
        message:
          'This JSON has no "SPApplicationsDataType" (nor "SPSoftwareDataType") list, so it is not `system_profiler -json` output. On the Mac, run `system_profiler -json SPSoftwareDataType SPApplicationsDataType > apps.json` and import that file.'
      });
      return { hosts: [], issues };
    }
    if (this.apps.length === 0 && this.sections.has('SPApplicationsDataType')) {
      issues.push({
        severity: 'warning',
        code: 'no-applications',
        message:
          'The SPApplicationsDataType list is empty. Run `system_profiler -json SPApplicationsDataType > apps.json` again on the Mac (it takes a minute) and import the new file.'
      });
    }
    if (this.skipped > 0) {
      issues.push({
        severity: 'warning',
        code: 'macos-app-unreadable',
        message: `${plural(this.skipped, 'application entry has', 'application entries have')} no "_name" and ${this.skipped === 1 ? 'was' : 'were'} skipped.`
      });
    }
    const software = this.apps.map((a) =>
      softwareOf(a, a.lastModified ? dateInOrder(a.lastModified, 'ymd') : undefined)
    );
    issues.push(...appsProblems(this.apps, 'ymd', false));
    const o = this.overview;
    const hostname = str(o?.local_host_name) ?? str(o?.computer_name);
    if (!hostname) issues.push(unnamedHostProblem('system_profiler output'));
    return { hosts: [machineHost({ hostname, os: macOsFromVersion(str(o?.os_version)), software })], issues };
  }
}

function jsonError(message: string, detail?: string): Problem {
  return {
    severity: 'error',
    code: 'json-invalid',
    message: `The file is not valid JSON (${message}), so it could not be read; it may be cut off. Run \`system_profiler -json SPSoftwareDataType SPApplicationsDataType > apps.json\` again on the Mac and import the new file.`,
    ...(detail ? { detail } : {})
  };
}

/** Parses the whole JSON at once (files up to {@link JSON_STREAM_ABOVE_BYTES}). */
export function parseSystemProfilerJson(bytes: Uint8Array): ParseResult<ParsedFile> {
  const value: ParsedFile = { format: 'macos-system-profiler-json', hosts: [], rules: [] };
  const issues: Problem[] = [];
  const text = decodeText(bytes).text;
  if (text.trim() === '') {
    issues.push(emptyJson(bytes.length));
    return { value, issues };
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    issues.push(jsonError(e instanceof Error ? e.message : 'syntax error'));
    return { value, issues };
  }
  if (!root || typeof root !== 'object' || Array.isArray(root)) {
    issues.push(notProfilerRoot(root));
    return { value, issues };
  }
  const collector = new ProfilerJsonCollector();
  const o = root as Record<string, unknown>;
  for (const key of Object.keys(o)) collector.sections.add(key);
  if (Array.isArray(o.SPApplicationsDataType)) for (const a of o.SPApplicationsDataType) collector.app(a);
  if (Array.isArray(o.SPSoftwareDataType)) for (const s of o.SPSoftwareDataType) collector.software(s);
  const result = collector.result(issues);
  value.hosts = result.hosts;
  return { value, issues: result.issues };
}

function emptyJson(size: number): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${size === 0 ? '0 bytes' : 'only blank characters'}). On the Mac, run \`system_profiler -json SPSoftwareDataType SPApplicationsDataType > apps.json\` and import the new file.`
  };
}

function notProfilerRoot(root: unknown): Problem {
  return {
    severity: 'error',
    code: 'no-applications',
    message: `The JSON holds ${root === null ? 'only "null"' : Array.isArray(root) ? 'a list' : `a single ${typeof root}`}, not system_profiler's object of data types. On the Mac, run \`system_profiler -json SPSoftwareDataType SPApplicationsDataType > apps.json\` and import that file.`
  };
}

/**
 * The streaming parser for system_profiler -json: buffers small files and parses them whole; above
 * `streamAbove` bytes it switches to @streamparser/json, which hands over one application at a time.
 */
export function createSystemProfilerJsonParser(
  sink: ObservationSink,
  options: { streamAbove?: number } = {}
): StreamParser {
  const streamAbove = options.streamAbove ?? JSON_STREAM_ABOVE_BYTES;
  const issues: Problem[] = [];
  let held: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  let failed = false;
  let firstChar: string | undefined;
  let decoder: TextDecoder | undefined;
  let json: JSONParser | undefined;
  const collector = new ProfilerJsonCollector();

  // Data types present, seen in the text itself: an empty list hands over no item to tell it is there.
  let tail = '';
  const noteSections = (text: string): void => {
    const window = tail + text;
    for (const m of window.matchAll(/"(SP[A-Za-z]+DataType)"\s*:/g)) collector.sections.add(m[1] ?? '');
    tail = window.slice(-64);
  };

  const feed = (text: string): void => {
    if (failed || !json || text === '') return;
    if (firstChar === undefined) {
      const m = /\S/.exec(text);
      if (m) {
        firstChar = m[0];
        if (firstChar !== '{') {
          failed = true;
          issues.push(notProfilerRoot(firstChar === 'n' ? null : firstChar === '[' ? [] : ''));
          return;
        }
      }
    }
    noteSections(text);
    try {
      json.write(text);
    } catch (e) {
      failed = true;
      issues.push(jsonError(e instanceof Error ? e.message : 'syntax error'));
    }
  };

  const startStreaming = (): void => {
    const head = held[0] ?? new Uint8Array(0);
    const utf16 =
      (head[0] === 0xff && head[1] === 0xfe) || (head.length > 1 && head[1] === 0 && head[0] !== 0);
    decoder = new TextDecoder(utf16 ? 'utf-16le' : 'utf-8');
    // Only the items are emitted, and with keepStack false each is dropped from its list once handed over.
    json = new JSONParser({
      paths: ['$.SPApplicationsDataType.*', '$.SPSoftwareDataType.*'],
      keepStack: false
    });
    json.onValue = ({ value, stack }) => {
      const section = stack[1]?.key;
      if (section === 'SPApplicationsDataType') collector.app(value);
      else if (section === 'SPSoftwareDataType') collector.software(value);
    };
    const chunks = held;
    held = [];
    for (const c of chunks) feed(decoder.decode(c, { stream: true }));
  };

  return {
    write(chunk: Uint8Array): void {
      if (ended || chunk.length === 0) return;
      size += chunk.length;
      if (json && decoder) {
        feed(decoder.decode(chunk, { stream: true }));
        return;
      }
      held.push(chunk.slice());
      if (size > streamAbove) startStreaming();
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (!json || !decoder) {
        const bytes = new Uint8Array(size);
        let offset = 0;
        for (const c of held) {
          bytes.set(c, offset);
          offset += c.length;
        }
        held = [];
        const result = parseSystemProfilerJson(bytes);
        issues.push(...result.issues);
        for (const h of result.value.hosts) sink.host(h);
        return;
      }
      feed(decoder.decode());
      if (!failed) {
        try {
          // The parser ends by itself after the top-level object; end() then would throw.
          if (!json.isEnded) json.end();
        } catch (e) {
          failed = true;
          issues.push(jsonError(e instanceof Error ? e.message : 'unexpected end'));
        }
      }
      if (failed) return;
      const result = collector.result(issues);
      for (const h of result.hosts) sink.host(h);
    },
    get issues() {
      return issues;
    },
    get formatVersion() {
      return undefined;
    },
    get position() {
      return collector.apps.length > 0
        ? `application ${collector.apps.length}`
        : `${Math.round(size / 1024)} KB read`;
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Formats, detection, handlers

export const MACOS_SOFTWAREUPDATE: LineFormat = {
  format: 'macos-softwareupdate',
  what: 'softwareupdate list',
  howTo: 'run `softwareupdate -l > updates.txt 2>&1` in Terminal on the Mac',
  create: softwareUpdateParser
};

export const MACOS_SYSTEM_PROFILER: LineFormat = {
  format: 'macos-system-profiler',
  what: 'system_profiler output',
  howTo: 'run `system_profiler SPSoftwareDataType SPApplicationsDataType > apps.txt` in Terminal on the Mac',
  create: systemProfilerTextParser
};

export const parseSoftwareUpdate = (bytes: Uint8Array) => parseLineFormat(bytes, MACOS_SOFTWAREUPDATE);
export const parseSystemProfilerText = (bytes: Uint8Array) => parseLineFormat(bytes, MACOS_SYSTEM_PROFILER);

export function sniffSoftwareUpdate(text: string): number {
  const sample = text.slice(0, 65536);
  if (/^Software Update found the following new or updated software:/m.test(sample)) return 95;
  if (
    /^Software Update Tool\s*$/m.test(sample) &&
    /^(?:Finding available software|No new software available\.)/m.test(sample)
  )
    return 95;
  if (/^No new software available\.\s*$/m.test(sample) && sample.trim().split(/\r?\n/).length <= 4) return 80;
  // Blanks before "*" are spaces or tabs: \s would also take line breaks, and retry a run of blank lines from each.
  if (/^[ \t]*\* Label: .+\r?\n\s+Title: .+, Version: /m.test(sample)) return 90;
  return 0;
}

export function sniffSystemProfilerText(text: string): number {
  const sample = text.slice(0, 65536);
  const apps = /^Applications:\s*$/m.test(sample);
  const fields = /^ {6}(?:Version|Obtained from|Last Modified|Kind|Location): /m.test(sample);
  if (apps && fields) return 90;
  if (/^Software:\s*$/m.test(sample) && /^ {4}System Software Overview:\s*$/m.test(sample)) return 85;
  return 0;
}

export function sniffSystemProfilerJson(text: string): number | Problem {
  const sample = text.slice(0, 65536);
  const start = sample.trimStart();
  if (start.startsWith('{') && /"SP(?:Applications|Software)DataType"\s*:\s*\[/.test(sample)) return 95;
  if (/^<\?xml|^<!DOCTYPE plist|^<plist/.test(start) && /SPApplicationsDataType/.test(sample)) {
    return {
      severity: 'error',
      code: 'system-profiler-xml',
      message:
        'This is system_profiler -xml output (a property list), which Patchfield does not read. On the Mac, run `system_profiler -json SPSoftwareDataType SPApplicationsDataType > apps.json` and import that file.'
    };
  }
  return 0;
}

export const macosHandlers: FormatHandler[] = [
  {
    format: 'macos-softwareupdate',
    family: 'macos',
    howTo: 'In Terminal on the Mac: softwareupdate -l > "$(hostname)-softwareupdate.txt" 2>&1',
    sniff: ({ text }) => sniffSoftwareUpdate(text),
    create: (sink) => streamLineFormat(sink, MACOS_SOFTWAREUPDATE)
  },
  {
    format: 'macos-system-profiler',
    family: 'macos',
    howTo:
      'In Terminal on the Mac: system_profiler SPSoftwareDataType SPApplicationsDataType > "$(hostname)-apps.txt"',
    sniff: ({ text }) => sniffSystemProfilerText(text),
    create: (sink) => streamLineFormat(sink, MACOS_SYSTEM_PROFILER)
  },
  {
    format: 'macos-system-profiler-json',
    family: 'macos',
    howTo:
      'In Terminal on the Mac: system_profiler -json SPSoftwareDataType SPApplicationsDataType > "$(hostname)-apps.json"',
    sniff: ({ text }) => sniffSystemProfilerJson(text),
    create: (sink) => createSystemProfilerJsonParser(sink)
  }
];
