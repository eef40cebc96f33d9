/**
 * Debian and Ubuntu package lists: `dpkg -l`, `dpkg-query -W` (with the usual `-f` formats) and the package
 * database itself (/var/lib/dpkg/status, or `dpkg -s` output, which has the same stanzas).
 *
 * Each file describes one machine's installed packages → Software (ecosystem "deb"). Only packages that are really
 * installed count: in `dpkg -l`, rows whose flags say installed ("ii", and "hi" for a held package); in the status
 * database, "install ok installed" and "hold ok installed". Removed packages with configuration files left ("rc"),
 * half-installed ones and the like are counted in one info problem.
 *
 * `dpkg -l` cuts names and versions at its column width (the width comes from the terminal): a value that fills its
 * column exactly may have been cut, so it is marked `truncated` and never used as a real version.
 *
 * Versions are read as strings; comparing them is core/versions' job.
 * @see https://manpages.debian.org/dpkg-query.1 (list format, -W/--showformat fields, package states)
 * @see https://www.debian.org/doc/debian-policy/ch-controlfields.html#version (version syntax)
 */
import type { Problem, Software } from '../model';
import type { FormatHandler } from './handler';
import {
  LineGroup,
  hostnameFromLine,
  machineHost,
  parseLineFormat,
  plural,
  quoteLine,
  sampleLines,
  streamLineFormat,
  unnamedHostProblem,
  type LineFormat,
  type LineFormatParser,
  type LineParseOutcome
} from './line-reader';

/** Debian architecture names (dpkg-architecture -L, plus "all"). */
export const DEB_ARCHITECTURES: ReadonlySet<string> = new Set([
  'all',
  'amd64',
  'i386',
  'arm64',
  'armhf',
  'armel',
  'ppc64el',
  's390x',
  'mips64el',
  'mipsel',
  'riscv64',
  'loong64',
  'powerpc',
  'ppc64',
  'sparc64',
  'x32',
  'alpha',
  'hppa',
  'ia64',
  'm68k',
  'sh4',
  'hurd-i386',
  'hurd-amd64',
  'kfreebsd-amd64',
  'kfreebsd-i386'
]);

/** Debian version syntax: [epoch:]upstream[-revision], upstream starting with a digit. */
const DEB_VERSION = /^(?:\d+:)?\d[A-Za-z0-9.+~:-]*$/;

export function isDebianVersion(text: string): boolean {
  if (!DEB_VERSION.test(text) || text.endsWith('-')) return false;
  // A colon after the epoch is only allowed when there is an epoch.
  const rest = /^\d+:/.test(text) ? text.replace(/^\d+:/, '') : text;
  return !rest.includes(':') || /^\d+:/.test(text);
}

const DEB_NAME = /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9-]+)?$/;

/** Splits "zlib1g:amd64" (a multi-arch qualified name) into name and architecture. */
function splitArchQualifier(name: string): { name: string; arch?: string } {
  const i = name.lastIndexOf(':');
  if (i > 0) {
    const arch = name.slice(i + 1);
    if (DEB_ARCHITECTURES.has(arch)) return { name: name.slice(0, i), arch };
  }
  return { name };
}

const HOW_TO_LIST =
  "on the machine, run `dpkg-query -W -f='${binary:Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${db:Status-Abbrev}\\n' > packages.txt`";

// ---------------------------------------------------------------------------------------------------------
// dpkg -l

/** Flags of a dpkg -l row: desired action, package state, error ("ii ", "rc ", "iU ", "hi ", "iHR"). */
interface Flags {
  text: string;
  installed: boolean;
}

function readFlags(text: string): Flags {
  const desired = text[0] ?? '';
  const state = text[1] ?? '';
  const error = (text[2] ?? ' ').trim();
  return {
    text: text.trim(),
    // Installed and not broken; "h" (hold) keeps an installed package at its version.
    installed: (desired === 'i' || desired === 'h') && state === 'i' && error === ''
  };
}

const FLAG_MEANINGS: Record<string, string> = {
  rc: 'removed, configuration files left',
  pn: 'purged, not installed',
  un: 'unknown, not installed',
  in: 'selected for install, not installed',
  iU: 'unpacked, not configured',
  iF: 'configuration failed',
  iH: 'half-installed',
  iW: 'waiting for triggers',
  it: 'triggers pending',
  uWR: 'unknown, waiting for triggers, reinstall required',
  rh: 'removed, unusual state'
};

function describeStates(states: Map<string, number>): string {
  return [...states.entries()]
    .map(([flags, n]) => `${flags}${FLAG_MEANINGS[flags] ? ` (${FLAG_MEANINGS[flags]})` : ''} ×${n}`)
    .join(', ');
}

interface Columns {
  /** [start, width] of name, version, architecture (absent in dpkg before 1.16.2). */
  name: [number, number];
  version: [number, number];
  arch?: [number, number];
  /**
   * Whether these widths came from the terminal, so that longer values were cut. dpkg 1.16–1.19 on a terminal
   * sizes the columns from its width W (h = max(0, W − 80) / 2: name 14 + h/2, version and architecture 12 + h/4,
   * description 33 + h; before 1.16.2, h = max(0, W − 80) / 4: name and version 14 + h, description 44 + 2h) and
   * cuts what does not fit. Redirected to a file, and always since dpkg 1.20, the columns are as wide as their
   * longest value and nothing is cut.
   */
  truncates: boolean;
}

/** The column layout from the "+++-====-====-====-====" ruler under the header. */
function columnsFromRuler(ruler: string): Columns | undefined {
  const segments = ruler.trimEnd().split('-');
  if (segments.length < 4) return undefined;
  const spans: [number, number][] = [];
  let pos = 0;
  for (const seg of segments) {
    spans.push([pos, seg.length]);
    pos += seg.length + 1;
  }
  const [, name, version, third, fourth] = spans;
  if (!name || !version || !third) return undefined;
  const nw = name[1];
  const vw = version[1];
  if (segments.length >= 5 && fourth) {
    const h = fourth[1] - 33;
    const truncates =
      h >= 0 && nw === 14 + Math.floor(h / 2) && vw === 12 + Math.floor(h / 4) && third[1] === vw;
    return { name, version, arch: third, truncates };
  }
  const h = (third[1] - 44) / 2;
  return { name, version, truncates: Number.isInteger(h) && h >= 0 && nw === 14 + h && vw === 14 + h };
}

const RULER = /^\+\+\+-=+(?:-=+){2,}\s*$/;
const ROW = /^([A-Za-z][A-Za-z][A-Za-z ]?)\s+(\S+)\s+(\S+)(?:\s+(\S+))?/;

function dpkgListParser(): LineFormatParser {
  let columns: Columns | undefined;
  let hostname: string | undefined;
  let rows = 0;
  const software: Software[] = [];
  const notInstalled = new LineGroup();
  const states = new Map<string, number>();
  const truncated = new LineGroup();
  const unreadable = new LineGroup();
  const badVersion = new LineGroup();

  function cell(text: string, span: [number, number]): { value: string; full: boolean; overflow: boolean } {
    const [start, width] = span;
    const raw = text.slice(start, start + width);
    const after = text.charAt(start + width);
    return {
      value: raw.trim(),
      full: raw.length === width && !raw.endsWith(' ') && !raw.startsWith(' '),
      overflow: after !== '' && after !== ' '
    };
  }

  return {
    line(text, line, nth) {
      if (RULER.test(text)) {
        columns = columnsFromRuler(text);
        return;
      }
      const row = ROW.exec(text);
      const flagsText = text.slice(0, 3);
      if (!row || !/^[A-Za-z]{2}[A-Za-z ]$/.test(flagsText.padEnd(3, ' ')) || text.charAt(3) !== ' ') {
        if (rows === 0 && !columns) {
          hostname ??= hostnameFromLine(text, nth === 1);
          return; // header lines ("Desired=…", "| Status=…", "||/ Name …"), in any language
        }
        if (/^\|{1,2}\/? |^Desired=|^\| /.test(text)) return; // a second header (concatenated outputs)
        if (text.trim() !== '') unreadable.add(line, quoteLine(text));
        return;
      }
      rows += 1;
      const flags = readFlags(flagsText);
      let name: string;
      let version: string;
      let arch: string | undefined;
      let nameCut = false;
      let versionCut = false;
      const name1 = columns ? cell(text, columns.name) : undefined;
      const version1 = columns ? cell(text, columns.version) : undefined;
      const arch1 = columns?.arch ? cell(text, columns.arch) : undefined;
      if (
        columns &&
        name1 &&
        version1 &&
        !name1.overflow &&
        !version1.overflow &&
        !arch1?.overflow &&
        name1.value !== '' &&
        text.charAt(columns.name[0] - 1) === ' '
      ) {
        name = name1.value;
        version = version1.value;
        arch = arch1?.value || undefined;
        nameCut = columns.truncates && name1.full;
        versionCut = columns.truncates && version1.full;
      } else {
        // No ruler (e.g. `dpkg -l | grep ^ii`) or a value wider than its column: split at spaces.
        name = row[2] ?? '';
        version = row[3] ?? '';
        arch = row[4] && DEB_ARCHITECTURES.has(row[4]) ? row[4] : undefined;
      }
      if (!flags.installed) {
        notInstalled.add(line, `${flags.text} ${name}`);
        states.set(flags.text, (states.get(flags.text) ?? 0) + 1);
        return;
      }
      // A cut name may end in a cut ":amd64" qualifier: it is kept as it is.
      const qualified = nameCut ? { name } : splitArchQualifier(name);
      const item: Software = { name: qualified.name, ecosystem: 'deb' };
      if (nameCut || versionCut) {
        truncated.add(line, `${name} ${version}`);
        item.truncated = true;
        if (version !== '' && version !== '<none>') item.version = version;
      } else if (isDebianVersion(version)) {
        item.version = version;
      } else if (version !== '' && version !== '<none>') {
        badVersion.add(line, `${name} ${version}`);
      }
      const architecture = arch ?? qualified.arch;
      if (architecture) item.architecture = architecture;
      software.push(item);
    },
    finish(): LineParseOutcome {
      const issues: Problem[] = [];
      if (rows === 0) {
        issues.push({
          severity: columns ? 'warning' : 'error',
          code: 'no-packages',
          message: columns
            ? 'This dpkg -l output lists no packages (only its header). Check that the command ran on the right machine, or ' +
              HOW_TO_LIST +
              ' and import that file.'
            : 'No package rows were found in this file, so it is not dpkg -l output. ' +
              capitalise(HOW_TO_LIST) +
              ' and import that file.'
        });
        return {
          hosts: [],
          issues: [...issues, ...unreadable.problem('warning', 'dpkg-line-unreadable', lineMsg)]
        };
      }
      issues.push(
        ...truncated.problem(
          'warning',
          'dpkg-list-truncated',
          (n, where) =>
            `${plural(n, 'package name or version fills its', 'package names or versions fill their')} dpkg -l column exactly and may have been cut at the terminal width (${where}). They are kept as software, but their versions are not used to decide patches. For exact versions, ${HOW_TO_LIST} (or \`COLUMNS=300 dpkg -l\`) and import that file instead.`,
          truncated.examples.join('; ')
        ),
        ...badVersion.problem(
          'warning',
          'dpkg-version-invalid',
          (n, where) =>
            `${plural(n, 'package has', 'packages have')} a version that is not a valid Debian version (${where}); the packages are kept without a version. Capture the list again with dpkg-query and check the machine's package database (\`dpkg --audit\`).`,
          badVersion.examples.join('; ')
        ),
        ...notInstalled.problem(
          'info',
          'dpkg-not-installed',
          (n, where) =>
            `${plural(n, 'listed package is', 'listed packages are')} not installed: ${describeStates(states)} (${where}). They are not counted as software.`
        ),
        ...unreadable.problem('warning', 'dpkg-line-unreadable', lineMsg, unreadable.examples.join(' | '))
      );
      if (!hostname) issues.push(unnamedHostProblem('dpkg -l output'));
      return { hosts: [machineHost({ hostname, os: { family: 'linux' }, software })], issues };
    }
  };
}

const lineMsg = (n: number, where: string): string =>
  `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}). If packages are missing, capture the list again on the machine and import the new file.`;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------------------
// dpkg-query -W

const STATUS_WORDS =
  /(?:unknown|install|hold|deinstall|purge) (?:ok|reinstreq|hold|hold-reinstreq) (?:not-installed|config-files|half-installed|unpacked|half-configured|triggers-awaited|triggers-pending|installed)/;
const TOKEN = new RegExp(`${STATUS_WORDS.source}|\\S+`, 'g');
const STATUS_ABBREV = /^[uihrp][ncHUFWti][ R]?$/;

type Role = 'name' | 'version' | 'arch' | 'status' | 'abbrev' | 'empty' | 'other';

function roleOf(value: string): Role {
  const v = value.trim();
  if (v === '') return 'empty';
  if (STATUS_WORDS.test(v) && v.split(' ').length === 3) return 'status';
  if (STATUS_ABBREV.test(value.replace(/\s+$/, (s) => s.slice(0, 1)))) return 'abbrev';
  if (DEB_ARCHITECTURES.has(v)) return 'arch';
  if (/^\d/.test(v) && isDebianVersion(v)) return 'version';
  if (DEB_NAME.test(v)) return 'name';
  return 'other';
}

interface QueryLayout {
  tabs: boolean;
  package: number;
  version: number;
  arch?: number;
  source?: number;
  status?: number;
  statusKind?: 'status' | 'abbrev';
  columns: number;
}

function splitQueryLine(text: string, tabs: boolean): string[] {
  if (tabs) return text.split('\t');
  return text.match(TOKEN) ?? [];
}

/** Guesses which `-f` fields the lines hold from a sample of them (the most common role of each column). */
function guessQueryLayout(lines: string[]): QueryLayout | undefined {
  const tabs = lines.some((l) => l.includes('\t'));
  const rows = lines.map((l) => splitQueryLine(l, tabs));
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const roles: Role[] = [];
  for (let c = 0; c < columns; c++) {
    const tally = new Map<Role, number>();
    for (const r of rows) {
      const v = r[c];
      if (v === undefined) continue;
      const role = roleOf(v);
      if (role !== 'empty') tally.set(role, (tally.get(role) ?? 0) + 1);
    }
    let best: Role = 'empty';
    let bestCount = 0;
    for (const [role, n] of tally) {
      if (n > bestCount) {
        best = role;
        bestCount = n;
      }
    }
    roles.push(best);
  }
  const pkg = roles.indexOf('name');
  if (pkg < 0) return undefined;
  const version = roles.indexOf('version');
  if (version < 0) {
    // Every version empty (only not-installed packages) still leaves a layout of name + empty column.
    return undefined;
  }
  const source = roles.findIndex((r, i) => r === 'name' && i > pkg);
  const arch = roles.indexOf('arch');
  const status = roles.findIndex((r) => r === 'status' || r === 'abbrev');
  return {
    tabs,
    package: pkg,
    version,
    columns,
    ...(arch >= 0 ? { arch } : {}),
    ...(source >= 0 ? { source } : {}),
    ...(status >= 0 ? { status, statusKind: roles[status] as 'status' | 'abbrev' } : {})
  };
}

function statusInstalled(value: string, kind: 'status' | 'abbrev'): { installed: boolean; label: string } {
  if (kind === 'abbrev') {
    const flags = readFlags(value.padEnd(3, ' '));
    return { installed: flags.installed, label: flags.text };
  }
  const [want, flag, state] = value.trim().split(/\s+/);
  return {
    installed: (want === 'install' || want === 'hold') && flag === 'ok' && state === 'installed',
    label: value.trim()
  };
}

/** Lines kept back until the layout is known. */
const LAYOUT_SAMPLE = 50;

function dpkgQueryParser(): LineFormatParser {
  let hostname: string | undefined;
  let layout: QueryLayout | undefined;
  let guessed = false;
  const held: { text: string; line: number }[] = [];
  const software: Software[] = [];
  const notInstalled = new LineGroup();
  const states = new Map<string, number>();
  const unreadable = new LineGroup();
  let dataLines = 0;

  function decide(): void {
    guessed = true;
    layout = guessQueryLayout(held.map((h) => h.text));
    const lines = held.splice(0);
    for (const h of lines) take(h.text, h.line);
  }

  function take(text: string, line: number): void {
    if (!layout) {
      unreadable.add(line, quoteLine(text));
      return;
    }
    const fields = splitQueryLine(text, layout.tabs);
    const rawName = (fields[layout.package] ?? '').trim();
    const version = (fields[layout.version] ?? '').trim();
    if (!DEB_NAME.test(rawName) || (!layout.tabs && fields.length > layout.columns)) {
      unreadable.add(line, quoteLine(text));
      return;
    }
    const { name, arch: qualifier } = splitArchQualifier(rawName);
    if (layout.status !== undefined && layout.statusKind) {
      const s = statusInstalled(fields[layout.status] ?? '', layout.statusKind);
      if (!s.installed) {
        notInstalled.add(line, `${rawName} (${s.label})`);
        states.set(s.label, (states.get(s.label) ?? 0) + 1);
        return;
      }
    }
    if (version === '') {
      // dpkg-query -W also lists packages it knows but that are not installed, with an empty version.
      notInstalled.add(line, rawName);
      states.set('no version', (states.get('no version') ?? 0) + 1);
      return;
    }
    if (!isDebianVersion(version)) {
      unreadable.add(line, quoteLine(text));
      return;
    }
    const item: Software = { name, version, ecosystem: 'deb' };
    const arch = layout.arch !== undefined ? (fields[layout.arch] ?? '').trim() : qualifier;
    if (arch) item.architecture = arch;
    if (layout.source !== undefined) {
      const source = (fields[layout.source] ?? '').trim().replace(/\s*\(.*\)$/, '');
      item.sourcePackage = source || name;
    }
    software.push(item);
  }

  return {
    line(text, line, nth) {
      if (text.trim() === '') return;
      if (dataLines === 0) {
        const named = hostnameFromLine(text, nth === 1);
        if (named) {
          hostname ??= named;
          return;
        }
      }
      dataLines += 1;
      if (guessed) take(text, line);
      else {
        held.push({ text, line });
        if (held.length >= LAYOUT_SAMPLE) decide();
      }
    },
    finish(): LineParseOutcome {
      if (!guessed) decide();
      const issues: Problem[] = [];
      if (!layout) {
        issues.push({
          severity: 'error',
          code: 'dpkg-query-layout-unknown',
          message: `No package name and version columns could be told apart in this file, so it cannot be read as dpkg-query -W output. ${capitalise(HOW_TO_LIST)} and import that file.`,
          ...(unreadable.lines[0] !== undefined ? { line: unreadable.lines[0] } : {})
        });
        return { hosts: [], issues };
      }
      if (software.length === 0) {
        issues.push({
          severity: 'warning',
          code: 'no-packages',
          message: `No installed package was found in this dpkg-query output. Check that the command ran on the right machine, or ${HOW_TO_LIST} and import that file.`
        });
      }
      if (layout.status === undefined) {
        issues.push({
          severity: 'info',
          code: 'dpkg-query-no-status',
          message:
            "This list has no package status column, so packages that were removed but left their configuration files behind may be counted as installed. For an exact list, add ${db:Status-Abbrev} to the -f format (e.g. dpkg-query -W -f='${db:Status-Abbrev}\\t${binary:Package}\\t${Version}\\n')."
        });
      }
      issues.push(
        ...notInstalled.problem(
          'info',
          'dpkg-not-installed',
          (n, where) =>
            `${plural(n, 'listed package is', 'listed packages are')} not installed: ${[...states.entries()].map(([s, k]) => `${s} ×${k}`).join(', ')} (${where}). They are not counted as software.`
        ),
        ...unreadable.problem('warning', 'dpkg-line-unreadable', lineMsg, unreadable.examples.join(' | '))
      );
      if (!hostname) issues.push(unnamedHostProblem('dpkg-query output'));
      return { hosts: [machineHost({ hostname, os: { family: 'linux' }, software })], issues };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// /var/lib/dpkg/status

interface Stanza {
  line: number;
  fields: Map<string, { value: string; line: number }>;
}

/** Fields this reader uses; the rest of a stanza (Description, Depends, Conffiles…) is not kept. */
const STATUS_FIELDS: ReadonlySet<string> = new Set([
  'package',
  'status',
  'source',
  'version',
  'architecture',
  'hostname',
  'host'
]);

function dpkgStatusParser(): LineFormatParser {
  let hostname: string | undefined;
  let stanza: Stanza | undefined;
  let stanzas = 0;
  const software: Software[] = [];
  const noStatus = new LineGroup();
  const noPackage = new LineGroup();
  const noVersion = new LineGroup();
  const badVersion = new LineGroup();
  const badStatus = new LineGroup();
  const unreadable = new LineGroup();
  const notInstalled = new LineGroup();
  const states = new Map<string, number>();

  function close(): void {
    const s = stanza;
    stanza = undefined;
    if (!s) return;
    stanzas += 1;
    const pkg = s.fields.get('package');
    if (!pkg) {
      const named = s.fields.get('hostname') ?? s.fields.get('host');
      if (stanzas === 1 && named && s.fields.size === 1) {
        hostname = named.value; // "hostname: web01" above the database in a collector's capture
        stanzas = 0;
        return;
      }
      noPackage.add(s.line);
      return;
    }
    const name = pkg.value;
    const version = s.fields.get('version');
    if (version && !isDebianVersion(version.value)) badVersion.add(version.line, `${name} ${version.value}`);
    const status = s.fields.get('status');
    if (!status) {
      noStatus.add(pkg.line, name);
      return;
    }
    const words = status.value.split(/\s+/);
    if (words.length !== 3) {
      badStatus.add(status.line, `${name}: ${status.value}`);
      return;
    }
    const installed = statusInstalled(status.value, 'status').installed;
    if (!installed) {
      notInstalled.add(status.line, name);
      states.set(status.value, (states.get(status.value) ?? 0) + 1);
      return;
    }
    const item: Software = { name, ecosystem: 'deb' };
    if (!version) noVersion.add(pkg.line, name);
    else if (isDebianVersion(version.value)) item.version = version.value;
    const arch = s.fields.get('architecture')?.value;
    if (arch) item.architecture = arch;
    // "Source: gcc-5 (5.1.1-12ubuntu1)": the source package, with its version when it differs from the binary's.
    const source = s.fields.get('source')?.value.replace(/\s*\(.*\)\s*$/, '');
    item.sourcePackage = source || name;
    software.push(item);
  }

  return {
    line(text, line, nth) {
      if (text.trim() === '') {
        close();
        return;
      }
      if (/^[ \t]/.test(text)) {
        if (!stanza) unreadable.add(line, quoteLine(text));
        return; // continuation of a multi-line field (Description, Conffiles)
      }
      const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*):(?:[ \t]*(.*))?$/.exec(text);
      if (!m) {
        if (stanzas === 0 && !stanza) {
          const named = hostnameFromLine(text, nth === 1);
          if (named) {
            hostname ??= named;
            return;
          }
        }
        unreadable.add(line, quoteLine(text));
        return;
      }
      stanza ??= { line, fields: new Map() };
      const key = (m[1] ?? '').toLowerCase();
      if (STATUS_FIELDS.has(key) && !stanza.fields.has(key)) {
        stanza.fields.set(key, { value: (m[2] ?? '').trim(), line });
      }
    },
    finish(): LineParseOutcome {
      close();
      const issues: Problem[] = [];
      if (stanzas === 0) {
        issues.push({
          severity: 'error',
          code: 'no-packages',
          message: `No package entry ("Package: …" stanza) was found, so this is not a dpkg status database. Copy /var/lib/dpkg/status from the machine again, or ${HOW_TO_LIST} and import that file.`
        });
        return {
          hosts: [],
          issues: [...issues, ...unreadable.problem('warning', 'dpkg-line-unreadable', lineMsg)]
        };
      }
      issues.push(
        ...noStatus.problem(
          'warning',
          'dpkg-status-missing',
          (n, where) =>
            `${plural(n, 'package entry has', 'package entries have')} no Status field (${where}: ${noStatus.examples.join(', ')}), so whether they are installed is unknown; they are left out. The status file may be damaged: check it with \`dpkg --audit\` on the machine.`
        ),
        ...badVersion.problem(
          'warning',
          'dpkg-version-invalid',
          (n, where) =>
            `${plural(n, 'package has', 'packages have')} a version that is not a valid Debian version (${where}: ${badVersion.examples.join(', ')}); no version is kept for them. The status file may be damaged: check it with \`dpkg --audit\` on the machine.`
        ),
        ...noVersion.problem(
          'warning',
          'dpkg-version-missing',
          (n, where) =>
            `${plural(n, 'installed package has', 'installed packages have')} no Version field (${where}: ${noVersion.examples.join(', ')}); they are kept without a version. Check the machine with \`dpkg --audit\`.`
        ),
        ...badStatus.problem(
          'warning',
          'dpkg-status-invalid',
          (n, where) =>
            `${plural(n, 'package has', 'packages have')} a Status that is not "want flag state" (${where}: ${badStatus.examples.join('; ')}); they are left out. Check the machine with \`dpkg --audit\`.`
        ),
        ...noPackage.problem(
          'warning',
          'dpkg-stanza-without-package',
          (n, where) =>
            `${plural(n, 'entry has', 'entries have')} no Package field (${where}) and ${n === 1 ? 'was' : 'were'} skipped.`
        ),
        ...notInstalled.problem(
          'info',
          'dpkg-not-installed',
          (n, where) =>
            `${plural(n, 'package is', 'packages are')} in the database but not installed: ${[...states.entries()].map(([s, k]) => `"${s}" ×${k}`).join(', ')} (${where}). They are not counted as software.`
        ),
        ...unreadable.problem('warning', 'dpkg-line-unreadable', lineMsg, unreadable.examples.join(' | '))
      );
      if (software.length === 0) {
        issues.push({
          severity: 'warning',
          code: 'no-packages',
          message:
            'No installed package was found in this dpkg status database. Check that the file is /var/lib/dpkg/status of the right machine.'
        });
      }
      if (!hostname) issues.push(unnamedHostProblem('dpkg status database'));
      return { hosts: [machineHost({ hostname, os: { family: 'linux' }, software })], issues };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Formats, detection, handlers

export const DPKG_LIST: LineFormat = {
  format: 'dpkg-list',
  what: 'dpkg -l output',
  howTo: 'run `dpkg -l > packages.txt` on the machine',
  create: dpkgListParser
};

export const DPKG_QUERY: LineFormat = {
  format: 'dpkg-query',
  what: 'dpkg-query output',
  howTo: HOW_TO_LIST,
  create: dpkgQueryParser
};

export const DPKG_STATUS: LineFormat = {
  format: 'dpkg-status',
  what: 'dpkg status database',
  howTo: 'copy /var/lib/dpkg/status from the machine',
  create: dpkgStatusParser
};

export const parseDpkgList = (bytes: Uint8Array) => parseLineFormat(bytes, DPKG_LIST);
export const parseDpkgQuery = (bytes: Uint8Array) => parseLineFormat(bytes, DPKG_QUERY);
export const parseDpkgStatus = (bytes: Uint8Array) => parseLineFormat(bytes, DPKG_STATUS);

/** How sure we are that a sample is `dpkg -l` output (0 = not). */
export function sniffDpkgList(text: string): number {
  const sample = text.slice(0, 65536);
  if (/^\+\+\+-=+(?:-=+){2,}\s*$/m.test(sample) && /^\|\|\/ /m.test(sample)) return 95;
  if (/^Desired=Unknown\/Install\/Remove\/Purge\/Hold/m.test(sample)) return 90;
  const lines = sampleLines(sample);
  const rows = lines.filter((l) =>
    /^[uihrp][ncHUFWti][ R]?\s+[a-z0-9][a-z0-9+.:-]*\s+(?:\d+:)?\d\S*(?:\s|$)/.test(l)
  );
  return rows.length >= 3 && rows.length >= lines.length * 0.8 ? 70 : 0;
}

/** How sure we are that a sample is a dpkg status database (or `dpkg -s` output). */
export function sniffDpkgStatus(text: string): number {
  const sample = text.slice(0, 65536);
  if (!/^Package: \S+\s*$/m.test(sample)) return 0;
  if (/^Status: (?:install|deinstall|purge|hold|unknown) \S+ \S+\s*$/m.test(sample)) return 95;
  return /^Version: \S+\s*$/m.test(sample) ? 55 : 0;
}

/** rpm-style releases and architectures: such a list is not from dpkg-query. */
const RPM_HINT = /\.(?:el\d|fc\d\d|amzn\d|mga\d|sle|suse|module\+)|^(?:x86_64|noarch|i686|aarch64|ppc64le)$/;

/** How sure we are that a sample is `dpkg-query -W` output (lines of name, version and optional fields). */
export function sniffDpkgQuery(text: string): number {
  const lines = sampleLines(text.slice(0, 65536));
  if (lines.length < 3) return 0;
  const tabs = lines.some((l) => l.includes('\t'));
  let good = 0;
  let debianish = 0;
  let strong = 0;
  for (const l of lines) {
    const fields = splitQueryLine(l, tabs).map((f) => f.trim());
    if (fields.length < 2 || fields.length > 8) continue;
    if (fields.some((f) => RPM_HINT.test(f))) return 0;
    const roles = fields.map(roleOf);
    // `dpkg -l` rows without a header start with the flags, then a name, then a version: not ours.
    if (roles[0] === 'abbrev' && roles[1] === 'name' && roles[2] === 'version' && fields.length > 4) return 0;
    const nameAt = roles.findIndex((r) => r === 'name');
    const versionAt = roles.findIndex((r) => r === 'version');
    if (nameAt < 0 || (versionAt < 0 && !roles.includes('empty'))) continue;
    if (roles.includes('other')) continue;
    good += 1;
    const version = versionAt >= 0 ? (fields[versionAt] ?? '') : '';
    if (/[-~+]|ubuntu|deb/.test(version)) debianish += 1;
    if (roles.includes('arch') || roles.includes('status') || roles.includes('abbrev')) strong += 1;
  }
  if (good < 3 || good < lines.length * 0.8 || debianish < good * 0.5) return 0;
  return 50 + (tabs ? 10 : 0) + (strong >= good * 0.5 ? 10 : 0);
}

export const dpkgHandlers: FormatHandler[] = [
  {
    format: 'dpkg-list',
    family: 'linux',
    howTo: 'On the Debian/Ubuntu machine: COLUMNS=300 dpkg -l > "$(hostname)-dpkg.txt"',
    sniff: ({ text }) => sniffDpkgList(text),
    create: (sink) => streamLineFormat(sink, DPKG_LIST)
  },
  {
    format: 'dpkg-query',
    family: 'linux',
    howTo:
      'On the Debian/Ubuntu machine: dpkg-query -W -f=\'${binary:Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${db:Status-Abbrev}\\n\' > "$(hostname)-packages.txt"',
    sniff: ({ text }) => sniffDpkgQuery(text),
    create: (sink) => streamLineFormat(sink, DPKG_QUERY)
  },
  {
    format: 'dpkg-status',
    family: 'linux',
    howTo: 'On the Debian/Ubuntu machine: cp /var/lib/dpkg/status "$(hostname)-dpkg-status.txt"',
    sniff: ({ text }) => sniffDpkgStatus(text),
    create: (sink) => streamLineFormat(sink, DPKG_STATUS)
  }
];
