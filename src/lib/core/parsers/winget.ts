import type { ParsedFile, ParseResult, PendingUpdate, Problem, Software } from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import {
  decodeWindowsExport,
  firstTextLine,
  isBlank,
  isCut,
  readDashedTable,
  splitLines,
  unnamedHostProblem,
  WindowsHosts,
  type Table
} from './windows-text';

/**
 * `winget list` and `winget upgrade` output, saved with `>` (UTF-8 from PowerShell 7 and cmd, UTF-16LE from
 * Windows PowerShell 5.1).
 *
 *     Name                     Id                     Version       Available     Source
 *     ------------------------------------------------------------------------------------
 *     Git                      Git.Git                2.43.0        2.44.0        winget
 *     Microsoft Visual C++ 20… Microsoft.VCRedist.20… 14.38.33130.0 14.38.33135.0 winget
 *     2 upgrades available.
 *
 * Before the table winget draws a spinner and progress bars with carriage returns and block characters
 * ("   - \r   \\ \r", "██████▒▒▒  1.00 MB / 2.00 MB"): only what a terminal would finally show is read, and
 * everything before the header is skipped. Columns start where the header's words start (winget pads the
 * longest name with a single blank, so values cannot be split on runs of blanks) and are counted in display
 * cells. Names, ids and versions too wide for their column end in "…": such software is marked `truncated`.
 * When winget's UTF-8 passed through the wrong code page, "…" arrives as "ΓÇª", "â€¦" or "???": it is put
 * back before the columns are cut, which also puts the row's later columns back in place.
 *
 * `winget list`: every row is installed software (ecosystem "winget" or "msstore" by source, "msix" for MSIX
 * ids, "windows-program" otherwise); rows with an Available version are also pending updates (kind
 * "application"). `winget upgrade`: every row is a pending update only, including the table of pinned
 * packages that "require explicit targeting". winget never names the computer.
 * @see https://learn.microsoft.com/windows/package-manager/winget/list
 */

export type WingetFormat = 'winget-list' | 'winget-upgrade';

const LIST_HOW_TO =
  'In a terminal on the PC: winget list --accept-source-agreements > %COMPUTERNAME%-winget-list.txt';
const UPGRADE_HOW_TO =
  'In a terminal on the PC: winget upgrade --include-unknown --accept-source-agreements > %COMPUTERNAME%-winget-upgrade.txt';

/** Header words for Available and Source in the languages winget ships (lower case). */
const AVAILABLE_WORDS = [
  'available',
  'verfügbar',
  'disponible',
  'disponibile',
  'disponível',
  'beschikbaar',
  'dostępne',
  'доступно',
  '利用可能',
  '可用',
  '사용 가능'
];
const SOURCE_WORDS = [
  'source',
  'quelle',
  'origen',
  'origine',
  'origem',
  'bron',
  'źródło',
  'источник',
  'ソース',
  '源',
  '來源',
  '원본'
];
const NOTHING_TO_UPGRADE =
  /no (applicable|available) upgrade|no installed package found|keine anwendbaren? (upgrades?|aktualisierung)/i;

interface WingetRow {
  name: string;
  id: string;
  version: string;
  available: string;
  source: string;
  line: number;
}

interface WingetTables {
  rows: WingetRow[];
  /** The "N upgrades available." count after the first table, when present, and the rows of that table. */
  reportedCount?: { count: number; line: number; rows: number };
  explicitTargeting: boolean;
  headerLine: number;
}

/** "…" that went through the wrong code page, back to itself. */
function repairEllipsis(line: string): string {
  return line.replace(/ΓÇª|â€¦/g, '…').replace(/\?\?\?(?= |$)/g, '…');
}

/** The header line of a winget table: at least three words directly above one long rule of dashes. */
function isWingetHeader(lines: string[], i: number): boolean {
  const header = lines[i] ?? '';
  const rule = (lines[i + 1] ?? '').trim();
  if (!/^-{10,}$/.test(rule)) return false;
  const words = header.trim().split(/\s+/);
  return words.length >= 3 && words.length <= 6 && !/[|:]/.test(header);
}

function readWinget(text: string): WingetTables | undefined {
  const lines = splitLines(text).map(repairEllipsis);
  const rows: WingetRow[] = [];
  let reportedCount: WingetTables['reportedCount'];
  let explicitTargeting = false;
  let headerLine: number | undefined;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!isWingetHeader(lines, i)) continue;
    headerLine ??= i + 1;
    const table = readDashedTable(lines, i);
    const tableRows = wingetRows(table);
    rows.push(...tableRows);
    // What follows the table: "N upgrades available." and the pinned-packages note.
    for (let k = table.end; k < lines.length; k++) {
      const t = (lines[k] ?? '').trim();
      if (t === '') continue;
      if (isWingetHeader(lines, k)) break;
      const count = /^(\d+)\s+\S/.exec(t);
      if (count && reportedCount === undefined && tableRows.length > 0) {
        reportedCount = { count: Number(count[1]), line: k + 1, rows: tableRows.length };
      }
      if (/explicit targeting/i.test(t)) explicitTargeting = true;
    }
    i = table.end - 1;
  }
  if (headerLine === undefined) return undefined;
  return { rows, explicitTargeting, headerLine, ...(reportedCount ? { reportedCount } : {}) };
}

function wingetRows(table: Table): WingetRow[] {
  const names = table.columns.map((c) => c.name.toLowerCase());
  let available = -1;
  let source = -1;
  names.forEach((n, k) => {
    if (k < 3) return;
    if (AVAILABLE_WORDS.includes(n)) available = k;
    else if (SOURCE_WORDS.includes(n)) source = k;
  });
  // Unknown header words: the source column holds short lower-case source names; the other is Available.
  for (let k = 3; k < names.length; k++) {
    if (k === available || k === source) continue;
    const values = table.rows.map((r) => r.cells[k] ?? '').filter((v) => v !== '');
    if (source < 0 && values.length > 0 && values.every((v) => /^[a-z][\w-]*$/.test(v) && !/\d/.test(v)))
      source = k;
    else if (available < 0) available = k;
  }
  return table.rows
    .filter((r) => (r.cells[1] ?? '') !== '')
    .map((r) => ({
      name: r.cells[0] ?? '',
      id: r.cells[1] ?? '',
      version: r.cells[2] ?? '',
      available: available >= 0 ? (r.cells[available] ?? '') : '',
      source: source >= 0 ? (r.cells[source] ?? '') : '',
      line: r.line
    }));
}

/** Which winget output a decoded text is. */
export function sniffWinget(text: string): WingetFormat | undefined {
  const sample = text.slice(0, 65536);
  const tables = readWinget(sample);
  if (!tables) {
    const lines = splitLines(sample).filter((l) => l.trim() !== '');
    return lines.length <= 12 && lines.some((l) => NOTHING_TO_UPGRADE.test(l)) ? 'winget-upgrade' : undefined;
  }
  if (tables.rows.length === 0) return 'winget-list';
  if (tables.explicitTargeting || tables.reportedCount) return 'winget-upgrade';
  return tables.rows.every((r) => r.available !== '') ? 'winget-upgrade' : 'winget-list';
}

export function parseWingetList(bytes: Uint8Array): ParseResult<ParsedFile> {
  return parseWinget(bytes, 'winget-list');
}

export function parseWingetUpgrade(bytes: Uint8Array): ParseResult<ParsedFile> {
  return parseWinget(bytes, 'winget-upgrade');
}

function parseWinget(bytes: Uint8Array, format: WingetFormat): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format, hosts: [], rules: [] };
  const howTo = format === 'winget-list' ? LIST_HOW_TO : UPGRADE_HOW_TO;
  if (bytes.length === 0) {
    issues.push(emptyProblem('0 bytes', howTo));
    return { value, issues };
  }
  // An 8-bit winget file was re-saved by Windows PowerShell in the ANSI code page ("…" is 0x85 there).
  const decoded = decodeWindowsExport(bytes, {
    legacy: ['windows-1252', 'cp850', 'windows-1251', 'gbk', 'shift_jis', 'big5', 'euc-kr']
  });
  issues.push(...decoded.issues);
  if (isBlank(decoded.text)) {
    issues.push(
      emptyProblem(decoded.bom ? 'only a byte order mark and blank lines' : 'only blank lines', howTo)
    );
    return { value, issues };
  }
  const tables = readWinget(decoded.text);
  const host = new WindowsHosts().get(undefined);
  if (!tables) {
    if (format === 'winget-upgrade' && splitLines(decoded.text).some((l) => NOTHING_TO_UPGRADE.test(l))) {
      value.hosts = [host];
      issues.push(
        {
          severity: 'info',
          code: 'no-updates',
          message: 'winget found no upgrades for this PC.'
        },
        unnamedHostProblem('winget upgrade output')
      );
      return { value, issues };
    }
    const first = firstTextLine(splitLines(decoded.text));
    issues.push({
      severity: 'error',
      code: 'not-winget',
      message:
        `This file is not ${format === 'winget-list' ? 'winget list' : 'winget upgrade'} output: no table with a line of dashes under its header was found` +
        (first ? ` (line ${first.line} reads "${first.text}")` : '') +
        `. ${howTo}, then import that file.`,
      ...(first ? { line: first.line } : {})
    });
    return { value, issues };
  }
  const collector = new IssueCollector();
  const software = new Map<string, Software>();
  const pending = new Map<string, PendingUpdate>();
  for (const r of tables.rows) {
    if (r.name === '') {
      // A progress bar redrawn over the row blanked its name: there is nothing to call the package.
      collector.add({
        severity: 'warning',
        code: 'row-without-name',
        message: `Rows without a package name (line ${r.line}) were skipped: winget redrew its progress bar over them. Export again into a new file to keep them.`,
        line: r.line
      });
      continue;
    }
    // The id is not kept, so only a cut name or version makes the record itself cut.
    const truncated = isCut(r.name) || isCut(r.version);
    const version = knownVersion(r.version);
    if (!version && r.version !== '') {
      collector.add({
        severity: 'info',
        code: 'version-unknown',
        message: `winget does not know the installed version of some packages ("${r.version}", e.g. ${r.name}, line ${r.line}); they are kept without a version.`,
        line: r.line
      });
    }
    const ecosystem = ecosystemOf(r);
    if (format === 'winget-list') {
      const id = `${r.id.toLowerCase()}|${r.version}`;
      if (!software.has(id)) {
        software.set(id, {
          name: r.name,
          ...(version ? { version } : {}),
          ecosystem,
          ...(truncated ? { truncated: true } : {})
        });
      }
    }
    const available = knownVersion(r.available);
    if (available && (format === 'winget-upgrade' || r.available !== '')) {
      const id = `${r.id.toLowerCase()}|${available}`;
      if (!pending.has(id)) {
        pending.set(id, {
          name: r.name,
          version: available,
          ...(version ? { currentVersion: version } : {}),
          ...(r.source ? { repository: r.source } : {}),
          kind: 'application'
        });
      }
    } else if (format === 'winget-upgrade') {
      collector.add({
        severity: 'warning',
        code: 'upgrade-without-version',
        message: `Rows without an available version (line ${r.line}) were skipped. Check that the file was not edited or cut.`,
        line: r.line
      });
    }
  }
  const cut = tables.rows.find((r) => isCut(r.name) || isCut(r.id) || isCut(r.version));
  if (cut) {
    collector.add({
      severity: 'warning',
      code: 'names-cut',
      message: `winget cut some names, ids or versions to fit its columns ("…", e.g. line ${cut.line}); they are kept as shown and marked as cut. Make the terminal window wider (or redirect from a wide console) and export again to keep them whole.`,
      line: cut.line
    });
  }
  if (format === 'winget-upgrade' && tables.reportedCount) {
    const { count, line, rows } = tables.reportedCount;
    if (count !== rows) {
      collector.add({
        severity: 'warning',
        code: 'upgrade-count-mismatch',
        message: `winget says ${count} upgrades are available (line ${line}) but the table above it lists ${rows}. Check that the file was not cut, or export again.`,
        line
      });
    }
  }
  host.software = [...software.values()];
  host.pendingUpdates = [...pending.values()];
  value.hosts = [host];
  collector.add(
    unnamedHostProblem(format === 'winget-list' ? 'winget list output' : 'winget upgrade output')
  );
  if (tables.rows.length === 0) {
    collector.add({
      severity: format === 'winget-list' ? 'warning' : 'info',
      code: format === 'winget-list' ? 'no-packages' : 'no-updates',
      message:
        format === 'winget-list'
          ? `The winget list table is empty. ${LIST_HOW_TO}, and import the new file.`
          : 'winget lists no upgrades for this PC.'
    });
  }
  issues.push(...collector.problems);
  return { value, issues };
}

/** A version winget states ("Unknown" and "< 2.0" are not versions). */
function knownVersion(v: string): string | undefined {
  const t = v.trim();
  if (t === '' || /^unknown$/i.test(t) || /^[<>]/.test(t)) return undefined;
  return t;
}

function ecosystemOf(r: WingetRow): string {
  const s = r.source.toLowerCase();
  if (s === 'winget' || s === 'msstore') return s;
  if (/^msix\\/i.test(r.id)) return 'msix';
  return 'windows-program';
}

function emptyProblem(what: string, howTo: string): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${what}). ${howTo}, and import the new file.`
  };
}

export const wingetHandlers: FormatHandler[] = [
  {
    format: 'winget-list',
    family: 'windows',
    howTo: LIST_HOW_TO,
    sniff: ({ text }) => (sniffWinget(text) === 'winget-list' ? 85 : 0),
    create: (sink) => bufferedParser(parseWingetList, sink, 'winget list output', 32 * 1024 * 1024)
  },
  {
    format: 'winget-upgrade',
    family: 'windows',
    howTo: UPGRADE_HOW_TO,
    sniff: ({ text }) => (sniffWinget(text) === 'winget-upgrade' ? 85 : 0),
    create: (sink) => bufferedParser(parseWingetUpgrade, sink, 'winget upgrade output', 32 * 1024 * 1024)
  }
];
