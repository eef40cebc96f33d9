/**
 * Pending updates on RPM machines: `yum check-update` / `dnf check-update` and `dnf updateinfo list` (also
 * `yum updateinfo list` on RHEL 7 and dnf5's tabular output).
 *
 * check-update prints "name.arch  [epoch:]version-release  repository" columns. A long name or version pushes the
 * rest onto the next line (indented), so records are read as a stream of three tokens across lines, whatever the
 * wrapping. The preamble ("Loaded plugins: …" wrapped onto ": manager", mirror lines, a translated "Загружены модули:"
 * header, subscription notices) is skipped. The "Obsoleting Packages" section lists packages that replace installed
 * ones (the replaced one indented under each): they are not pending updates of their own and are reported in an info
 * problem. check-update exits with status 100 when updates exist; a captured "exit code 100" line is ignored.
 *
 * updateinfo list prints "ADVISORY  TYPE/SEVERITY  name-[epoch:]version-release.arch": one PendingUpdate per line
 * (a package fixed by two advisories is listed twice, once per advisory), `security` true for security advisories,
 * the advisory id in `repository` (the model has no advisory field).
 * @see https://dnf.readthedocs.io/en/latest/command_ref.html (check-update, updateinfo)
 */
import type { PendingUpdate, Problem } from '../model';
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
import { RPM_ARCHITECTURES, evr, parseNevra } from './rpm';

/** "openssl-libs.x86_64": a package name with its architecture. */
function nameArch(token: string): { name: string; arch: string } | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const arch = token.slice(dot + 1);
  const name = token.slice(0, dot);
  if (!RPM_ARCHITECTURES.has(arch) || !/^[A-Za-z0-9_+][A-Za-z0-9_+.~-]*$/.test(name)) return undefined;
  return { name, arch };
}

/** "[epoch:]version-release" as check-update prints it. */
const EVR = /^(?:\d+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$/;

/** yum's and dnf's own first lines (English): a list with nothing after them means "no updates". */
const YUM_HEADER = /^(?:Loaded plugins:|Last metadata expiration check|Updating Subscription Management)/;

/** Lines yum, dnf and their plugins print around the list, in English (other languages are skipped before the list). */
const NOISE =
  /^(?:Loaded plugins:|Loading mirror speeds|Last metadata expiration check|Updating Subscription Management|This system is (?:not )?registered|Unable to read consumer identity|Security: |Repository .* is listed more than once|Failed to set locale|Determining fastest mirrors|Repodata is over|Obsoleting Packages|Upgraded Packages|Available Upgrades|updateinfo list done|\*\s|:\s|(?:exit|return)(?: code| status)?\s*[:=]?\s*\d+$|rc\s*[:=]\s*\d+$|\d{1,3}$)/i;

interface PendingRecord {
  name: string;
  arch: string;
  line: number;
  indented: boolean;
  section: 'updates' | 'obsoleting';
  version?: string;
}

function checkUpdateParser(): LineFormatParser {
  let hostname: string | undefined;
  let section: 'updates' | 'obsoleting' = 'updates';
  let started = false;
  let record: PendingRecord | undefined;
  let headed = false;
  const updates: PendingUpdate[] = [];
  const obsoleting: string[] = [];
  let obsoletingLine: number | undefined;
  const unreadable = new LineGroup();
  const incomplete = new LineGroup();

  function complete(r: PendingRecord, repo: string): void {
    if (r.section === 'obsoleting') {
      // Unindented: the new package; indented under it (from "@repo", installed): the one it replaces.
      if (!r.indented) obsoleting.push(`${r.name}.${r.arch}`);
      return;
    }
    updates.push({
      name: r.name,
      version: r.version ?? '',
      architecture: r.arch,
      repository: repo,
      kind: 'package'
    });
  }

  return {
    line(text, line, nth) {
      const t = text.trim();
      if (t === '') {
        if (record) {
          incomplete.add(record.line, record.name);
          record = undefined;
        }
        return;
      }
      if (/^Obsoleting Packages/i.test(t)) {
        section = 'obsoleting';
        obsoletingLine = line;
        return;
      }
      const indented = /^\s/.test(text);
      const tokens = t.split(/\s+/);
      // A record's first token is name.arch; the next tokens (on this line or the next ones) are version and repo.
      if (!record && !nameArch(tokens[0] ?? '')) {
        if (!started) {
          hostname ??= hostnameFromLine(t, nth === 1);
          if (YUM_HEADER.test(t)) headed = true;
          return; // preamble, in whatever language
        }
        if (!NOISE.test(t)) unreadable.add(line, quoteLine(t));
        return;
      }
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i] ?? '';
        if (
          record &&
          i === 0 &&
          !indented &&
          nameArch(token) &&
          !(record.version === undefined && EVR.test(token))
        ) {
          // A new package where the previous one still lacked its version or repository.
          incomplete.add(record.line, record.name);
          record = undefined;
        }
        if (!record) {
          const na = nameArch(token);
          if (!na) {
            unreadable.add(line, quoteLine(t));
            return;
          }
          started = true;
          record = { ...na, line, indented: indented && i === 0, section };
        } else if (record.version === undefined) {
          if (!EVR.test(token)) {
            unreadable.add(line, quoteLine(t));
            record = undefined;
            return;
          }
          record.version = token;
        } else {
          complete(record, token);
          record = undefined;
        }
      }
    },
    finish(): LineParseOutcome {
      if (record) incomplete.add(record.line, record.name);
      const issues: Problem[] = [];
      if (!started && headed) {
        issues.push({
          severity: 'info',
          code: 'yum-no-updates',
          message:
            'yum/dnf listed no pending update: the machine was up to date with its repositories when the list was made.'
        });
      } else if (!started) {
        issues.push({
          severity: 'warning',
          code: 'yum-no-updates',
          message:
            'No "name.arch version repository" line was found, so no pending update was read: this may not be `yum check-update` output. On the machine, run `yum check-update > updates.txt` (or dnf) and import that file.'
        });
      }
      issues.push(
        ...incomplete.problem(
          'warning',
          'yum-record-incomplete',
          (n, where) =>
            `${plural(n, 'package line stops before its', 'package lines stop before their')} version or repository (${where}: ${incomplete.examples.join(', ')}) and ${n === 1 ? 'was' : 'were'} skipped. The output may be cut: capture it again on the machine.`
        ),
        ...unreadable.problem(
          'warning',
          'yum-line-unreadable',
          (n, where) =>
            `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}). If updates are missing, capture the output again on the machine with LANG=C (English messages).`,
          unreadable.examples.join(' | ')
        )
      );
      if (obsoleting.length > 0) {
        issues.push({
          severity: 'info',
          code: 'yum-obsoleting',
          message: `${plural(obsoleting.length, 'package', 'packages')} under "Obsoleting Packages" would replace installed ones (${obsoleting.slice(0, 6).join(', ')}${obsoleting.length > 6 ? ', …' : ''}). They are not counted as pending updates of their own; \`yum update\` installs them.`,
          ...(obsoletingLine !== undefined ? { line: obsoletingLine } : {})
        });
      }
      if (!hostname) issues.push(unnamedHostProblem('check-update output'));
      return {
        hosts:
          started || headed
            ? [machineHost({ hostname, os: { family: 'linux' }, pendingUpdates: updates })]
            : [],
        issues
      };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// dnf updateinfo list

/** "Important/Sec.", "security", "bugfix", "enhancement", "newpackage", "unspecified". */
const ADVISORY_TYPE =
  /^(?:(?:Critical|Important|Moderate|Low|None|Unknown)\/Sec\.|security|bugfix|enhancement|newpackage|unspecified)$/i;
/** RHSA-2023:1234, ALSA-2023:1234, ELSA-…, FEDORA-2023-1a2b3c, ALAS2-2023-2000, CVE-2023-1234, SUSE-SU-2023:1234-1, openSUSE-… */
const ADVISORY_ID = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*[-:][A-Za-z0-9][A-Za-z0-9:._-]*$/;
const SEVERITY_WORD = /^(?:Critical|Important|Moderate|Low|None|Unknown)$/i;

export interface UpdateInfoRow {
  advisory: string;
  type: string;
  severity?: string;
  package: string;
}

/**
 * One advisory line: dnf4/yum "ADVISORY TYPE NEVRA" (optionally with an "i" installed marker first), dnf5
 * "ADVISORY TYPE SEVERITY NEVRA ISSUED".
 */
export function parseUpdateInfoLine(text: string): UpdateInfoRow | undefined {
  let tokens = text.trim().split(/\s+/);
  if (tokens[0] === 'i' || tokens[0] === 'I') tokens = tokens.slice(1);
  const [advisory = '', type = '', third = '', fourth = ''] = tokens;
  if (!ADVISORY_ID.test(advisory) || !ADVISORY_TYPE.test(type)) return undefined;
  if (tokens.length >= 4 && SEVERITY_WORD.test(third) && parseNevra(fourth)) {
    return { advisory, type, severity: third, package: fourth };
  }
  if (!parseNevra(third)) return undefined;
  const slash = /^(\w+)\/Sec\.$/i.exec(type);
  return { advisory, type, ...(slash?.[1] ? { severity: slash[1] } : {}), package: third };
}

function updateInfoParser(): LineFormatParser {
  let hostname: string | undefined;
  let rows = 0;
  let headed = false;
  const updates: PendingUpdate[] = [];
  const unreadable = new LineGroup();

  return {
    line(text, line, nth) {
      const t = text.trim();
      if (t === '') return;
      const row = parseUpdateInfoLine(t);
      if (!row) {
        if (rows === 0) {
          hostname ??= hostnameFromLine(t, nth === 1);
          if (YUM_HEADER.test(t)) headed = true;
          return; // preamble; dnf5's "Name Type Severity Package Issued" header
        }
        if (!NOISE.test(t)) unreadable.add(line, quoteLine(t));
        return;
      }
      rows += 1;
      const nevra = parseNevra(row.package);
      if (!nevra) return;
      const update: PendingUpdate = {
        name: nevra.name,
        version: evr(nevra),
        repository: row.advisory,
        security: /\/Sec\.$|^security$/i.test(row.type) || /^CVE-/i.test(row.advisory),
        kind: 'package'
      };
      if (nevra.arch) update.architecture = nevra.arch;
      updates.push(update);
    },
    finish(): LineParseOutcome {
      const issues: Problem[] = [];
      if (rows === 0 && headed) {
        issues.push({
          severity: 'info',
          code: 'updateinfo-empty',
          message:
            'dnf listed no advisory for the machine: it was up to date with its repositories when the list was made.'
        });
      } else if (rows === 0) {
        issues.push({
          severity: 'warning',
          code: 'updateinfo-empty',
          message:
            'No "ADVISORY TYPE package" line was found: either no advisory applied to the machine when the list was made, or this is not `dnf updateinfo list` output. On the machine, run `dnf updateinfo list > advisories.txt` (yum on RHEL 7) and import that file.'
        });
      }
      issues.push(
        ...unreadable.problem(
          'warning',
          'updateinfo-line-unreadable',
          (n, where) =>
            `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}). If advisories are missing, capture the list again on the machine with LANG=C.`,
          unreadable.examples.join(' | ')
        )
      );
      if (!hostname) issues.push(unnamedHostProblem('updateinfo list'));
      return {
        hosts:
          rows > 0 || headed
            ? [machineHost({ hostname, os: { family: 'linux' }, pendingUpdates: updates })]
            : [],
        issues
      };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Formats, detection, handlers

export const YUM_CHECK_UPDATE: LineFormat = {
  format: 'yum-check-update',
  what: 'yum check-update output',
  howTo: 'run `yum check-update > updates.txt` (or `dnf check-update`) on the machine',
  create: checkUpdateParser
};

export const DNF_UPDATEINFO: LineFormat = {
  format: 'dnf-updateinfo',
  what: 'dnf updateinfo list output',
  howTo: 'run `dnf updateinfo list > advisories.txt` on the machine',
  create: updateInfoParser
};

export const parseYumCheckUpdate = (bytes: Uint8Array) => parseLineFormat(bytes, YUM_CHECK_UPDATE);
export const parseDnfUpdateInfo = (bytes: Uint8Array) => parseLineFormat(bytes, DNF_UPDATEINFO);

export function sniffYumCheckUpdate(text: string): number {
  const lines = sampleLines(text.slice(0, 65536), 80);
  let records = 0;
  let wrapped = 0;
  let other = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const tokens = l.trim().split(/\s+/);
    if (!nameArch(tokens[0] ?? '')) {
      if (!/^\s/.test(l)) other += 1;
      continue;
    }
    if (tokens.length >= 3 && EVR.test(tokens[1] ?? '')) records += 1;
    // A long name alone on its line, its version and repository on the next, indented.
    else if (tokens.length <= 2 && /^\s/.test(lines[i + 1] ?? '')) wrapped += 1;
  }
  const headed = YUM_HEADER.test(lines[0] ?? '') || /^Obsoleting Packages/m.test(text.slice(0, 65536));
  if (records + wrapped === 0) {
    // "Last metadata expiration check: …" and nothing else: dnf check-update on an up-to-date machine.
    return headed && other <= 2 ? 50 : 0;
  }
  if (records + wrapped >= 3 || headed)
    return records + wrapped >= (records + wrapped + other) * 0.5 ? 80 : 50;
  return 40;
}

export function sniffDnfUpdateInfo(text: string): number {
  const lines = sampleLines(text.slice(0, 65536), 80);
  const rows = lines.filter((l) => parseUpdateInfoLine(l)).length;
  if (rows === 0) return 0;
  return rows >= 2 || lines.length <= 4 ? 85 : 60;
}

export const yumHandlers: FormatHandler[] = [
  {
    format: 'yum-check-update',
    family: 'linux',
    howTo:
      'On the Red Hat/CentOS/Rocky/Fedora machine: yum check-update > "$(hostname)-check-update.txt" (or dnf)',
    sniff: ({ text }) => sniffYumCheckUpdate(text),
    create: (sink) => streamLineFormat(sink, YUM_CHECK_UPDATE)
  },
  {
    format: 'dnf-updateinfo',
    family: 'linux',
    howTo: 'On the Red Hat/CentOS/Rocky/Fedora machine: dnf updateinfo list > "$(hostname)-advisories.txt"',
    sniff: ({ text }) => sniffDnfUpdateInfo(text),
    create: (sink) => streamLineFormat(sink, DNF_UPDATEINFO)
  }
];
