import type { HostObservation, InstalledUpdate, ParsedFile, ParseResult, Problem } from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import { normalizeKb } from './kb';
import {
  decideDateOrder,
  decodeMixedExport,
  decodeWindowsExport,
  fileTimeToIso,
  firstTextLine,
  isBlank,
  isFileTime,
  readCsv,
  readSpacedTable,
  splitLines,
  toIsoDate,
  unnamedHostProblem,
  WindowsHosts
} from './windows-text';

/**
 * `wmic qfe` output: the installed updates Win32_QuickFixEngineering lists.
 *
 * Layouts: the table of `wmic qfe list` (all columns: Caption, CSName, Description, FixComments, HotFixID,
 * InstallDate, InstalledBy, InstalledOn, Name, ServicePackInEffect, Status), `wmic qfe list brief` and
 * `wmic qfe get …` (fewer columns), `/format:csv` (a Node column first) and `/format:list` / `list full`
 * ("Name=value" blocks). wmic writes UTF-16LE when redirected from cmd (`> file`), with or without a BOM, and
 * ends lines in CR CR LF when its output is piped.
 *
 * InstalledOn is the M/D/YYYY string WMI stores whatever the display language; the order is still decided from
 * the whole column (a value like 25/3/2019 makes it day-first). Windows XP and Server 2003 write some values as
 * a hexadecimal FILETIME, and list many updates as "File 1" with the KB number in ServicePackInEffect.
 * @see https://learn.microsoft.com/windows/win32/cimwin32prov/win32-quickfixengineering
 */

const QFE_PROPERTIES = [
  'caption',
  'csname',
  'description',
  'fixcomments',
  'hotfixid',
  'installdate',
  'installedby',
  'installedon',
  'name',
  'servicepackineffect',
  'status'
];

interface QfeRecord {
  values: Map<string, string>;
  line: number;
  /** Line of each value in the "Name=value" layout, where a record spans lines. */
  lines?: Map<string, number>;
}

type Layout = 'table' | 'csv' | 'list';

const HOW_TO = 'In a Command Prompt on the PC: wmic qfe list full /format:csv > %COMPUTERNAME%-qfe.csv';

/** Which layout of wmic qfe output a decoded text is (undefined when it is not wmic qfe output). */
export function sniffWmicQfe(text: string): Layout | undefined {
  const lines = splitLines(text.slice(0, 65536)).slice(0, 200);
  for (const line of lines.slice(0, 20)) {
    const t = line.trim();
    if (t === '') continue;
    if (/^node,/i.test(t) && /(^|,)hotfixid(,|$)/i.test(t)) return 'csv';
  }
  const listKeys = lines.filter((l) => /^(hotfixid|installedon|csname|servicepackineffect)=/i.test(l.trim()));
  if (listKeys.some((l) => /^hotfixid=/i.test(l.trim())) && listKeys.length >= 2) return 'list';
  if (headerIndex(lines) >= 0) return 'table';
  return undefined;
}

/** The table header: known Win32_QuickFixEngineering column names separated by runs of blanks, no dash line. */
function headerIndex(lines: string[]): number {
  for (let i = 0; i < Math.min(lines.length, 50); i++) {
    const line = lines[i] ?? '';
    const words = line
      .trim()
      .split(/\s{2,}/)
      .map((w) => w.toLowerCase());
    if (!words.includes('hotfixid')) continue;
    const known = words.filter((w) => QFE_PROPERTIES.includes(w)).length;
    if (known !== words.length) continue; // "HotFixID : KB…" (Format-List) or a CSV header is not this table
    if (/^\s*-{2,}/.test(lines[i + 1] ?? '')) continue; // PowerShell Format-Table: Get-HotFix
    if (known >= 2 || words.length === 1) return i;
  }
  return -1;
}

/** Reads wmic qfe output. Never throws; one observation per computer named in CSName/Node. */
export function parseWmicQfe(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'wmic-qfe', hosts: [], rules: [] };
  if (bytes.length === 0) {
    issues.push(emptyProblem('0 bytes'));
    return { value, issues };
  }
  const decoded = decodeWindowsExport(bytes);
  issues.push(...decoded.issues);
  if (isBlank(decoded.text)) {
    issues.push(emptyProblem(decoded.bom ? 'only a byte order mark and blank lines' : 'only blank lines'));
    return { value, issues };
  }
  const layout = sniffWmicQfe(decoded.text);
  const lines = splitLines(decoded.text);
  if (!layout) {
    const first = firstTextLine(lines);
    issues.push({
      severity: 'error',
      code: 'not-wmic-qfe',
      message:
        `This file is not wmic qfe output: no HotFixID column was found` +
        (first ? ` (line ${first.line} reads "${first.text}")` : '') +
        `. ${HOW_TO}, then import that file.`,
      ...(first ? { line: first.line } : {})
    });
    return { value, issues };
  }
  value.formatVersion = layout === 'csv' ? '/format:csv' : layout === 'list' ? '/format:list' : 'table';
  const collector = new IssueCollector();
  const records =
    layout === 'csv'
      ? csvRecords(decoded.text)
      : layout === 'list'
        ? listRecords(lines)
        : tableRecords(lines, collector);
  value.hosts = buildHosts(records, collector);
  issues.push(...collector.problems);
  if (records.length === 0) {
    issues.push({
      severity: 'warning',
      code: 'no-updates',
      message:
        'The wmic qfe output has a header but lists no updates. Check that the command ran as administrator on the PC, then export again.'
    });
  }
  return { value, issues };
}

function emptyProblem(what: string): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${what}): wmic returned nothing. ${HOW_TO}, and import the new file.`
  };
}

function tableRecords(lines: string[], collector: IssueCollector): QfeRecord[] {
  const h = headerIndex(lines);
  const before = lines.slice(0, h).filter((l) => l.trim() !== '');
  if (before.length > 0) {
    const first = lines.findIndex((l) => l.trim() !== '');
    collector.add({
      severity: 'info',
      code: 'lines-before-table',
      message: `${before.length} line(s) before the table header were skipped (line ${first + 1} reads "${before[0]?.trim().slice(0, 60)}"): they are not part of wmic's output. Nothing to do.`,
      line: first + 1
    });
  }
  const table = readSpacedTable(lines, h);
  const names = table.columns.map((c) => c.name.toLowerCase());
  return table.rows.map((r) => {
    if (r.misaligned) {
      collector.add({
        severity: 'info',
        code: 'row-realigned',
        message:
          'Some rows do not line up with the header (values shifted, e.g. by a user name longer or shorter than its column): their values were taken in order. Check the dates of these rows if they matter.',
        line: r.line
      });
    }
    return { values: new Map(names.map((n, i) => [n, r.cells[i] ?? ''])), line: r.line };
  });
}

function csvRecords(text: string): QfeRecord[] {
  const csv = readCsv(text);
  if (!csv) return [];
  const names = csv.header.map((h) => h.toLowerCase());
  return csv.rows
    .filter((r) => !(r.cells.length === csv.header.length && r.cells.every((c, i) => c === csv.header[i])))
    .map((r) => ({ values: new Map(names.map((n, i) => [n, (r.cells[i] ?? '').trim()])), line: r.line }));
}

function listRecords(lines: string[]): QfeRecord[] {
  const records: QfeRecord[] = [];
  let current: QfeRecord | undefined;
  lines.forEach((l, i) => {
    const m = /^\s*([A-Za-z_]+)=(.*)$/.exec(l);
    if (!m) {
      if (l.trim() === '') current = undefined;
      return;
    }
    const key = (m[1] as string).toLowerCase();
    if (!current || current.values.has(key)) {
      current = { values: new Map(), line: i + 1, lines: new Map() };
      records.push(current);
    }
    current.values.set(key, (m[2] ?? '').trim());
    current.lines?.set(key, i + 1);
  });
  return records;
}

function buildHosts(records: QfeRecord[], collector: IssueCollector): HostObservation[] {
  const hosts = new WindowsHosts();
  const get = (r: QfeRecord, name: string): string => r.values.get(name) ?? '';
  const lineOf = (r: QfeRecord, name: string): number => r.lines?.get(name) ?? r.line;

  const dates = records.map((r) => get(r, 'installedon')).filter((v) => v !== '' && !isFileTime(v));
  const decision = decideDateOrder(dates, 'mdy');
  if (decision.conflicting) {
    collector.add({
      severity: 'warning',
      code: 'dates-mixed-order',
      message: `The InstalledOn column mixes day-first and month-first dates, so the dates were left out (updates are still counted). Export each PC into its own file.`
    });
  }

  const byHost = new Map<HostObservation, Map<string, InstalledUpdate>>();
  for (const r of records) {
    const host = hosts.get(get(r, 'csname') || get(r, 'node'));
    let updates = byHost.get(host);
    if (!updates) {
      updates = new Map();
      byHost.set(host, updates);
    }
    const hotfixId = get(r, 'hotfixid');
    let kb = normalizeKb(hotfixId);
    if (!kb && /^File \d+$/i.test(hotfixId)) {
      kb = normalizeKb(get(r, 'servicepackineffect')) ?? normalizeKb(get(r, 'description'));
      if (kb) {
        collector.add({
          severity: 'info',
          code: 'hotfix-id-in-service-pack-column',
          message:
            'Rows that name the update "File 1" (Windows XP and Server 2003 do this) were read with the KB number from their ServicePackInEffect column. Nothing to do.',
          line: lineOf(r, 'hotfixid')
        });
      }
    }
    if (!kb) {
      collector.add({
        severity: 'info',
        code: 'hotfix-without-kb',
        message: `Rows without a KB number in HotFixID (e.g. "${hotfixId || 'empty'}", line ${lineOf(r, 'hotfixid')}) are not counted as installed updates: old hotfixes and components have none. Nothing to do.`,
        line: lineOf(r, 'hotfixid')
      });
      continue;
    }
    const raw = get(r, 'installedon');
    let installedOn: string | undefined;
    if (raw !== '') {
      installedOn = isFileTime(raw) ? fileTimeToIso(raw) : toIsoDate(raw, decision.order);
      if (!installedOn && !decision.conflicting) {
        collector.add({
          severity: 'warning',
          code: 'install-date-unreadable',
          message: `InstalledOn values that are not dates (e.g. "${raw}", line ${lineOf(r, 'installedon')}) were left out; the updates are still counted.`,
          line: lineOf(r, 'installedon')
        });
      }
    }
    const description = get(r, 'description');
    const prev = updates.get(kb);
    if (prev) {
      // A KB listed twice (XP lists many as "File 1" and again by name): keep what each row adds.
      if (!prev.installedOn && installedOn) prev.installedOn = installedOn;
      if (!prev.description && description) prev.description = description;
      continue;
    }
    updates.set(kb, {
      kb,
      ...(installedOn ? { installedOn } : {}),
      ...(description ? { description } : {})
    });
  }
  for (const [host, updates] of byHost) host.installedUpdates = [...updates.values()];
  if (hosts.hasUnnamed) {
    collector.add(
      unnamedHostProblem(
        'wmic qfe list',
        'export with `wmic qfe list full /format:csv`, whose Node column names the PC'
      )
    );
  }
  return hosts.list;
}

export const wmicQfeHandlers: FormatHandler[] = [
  {
    format: 'wmic-qfe',
    family: 'windows',
    howTo: HOW_TO,
    sniff: ({ text, head }) => {
      if (sniffWmicQfe(text)) return 90;
      // A console line glued in front of UTF-16 text: decode the head the way the parser does.
      const mixed = decodeMixedExport(head);
      return mixed !== undefined && sniffWmicQfe(mixed) ? 90 : 0;
    },
    create: (sink) => bufferedParser(parseWmicQfe, sink, 'wmic qfe output', 32 * 1024 * 1024)
  }
];
