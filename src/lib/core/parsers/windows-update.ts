import type {
  HostObservation,
  InstalledUpdate,
  ParsedFile,
  ParseResult,
  PendingUpdate,
  Problem
} from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import { findKbs, normalizeKb } from './kb';
import {
  cutHostNameProblem,
  dateDecisionProblem,
  decideDateOrder,
  decodeWindowsExport,
  firstTextLine,
  isBlank,
  isCut,
  isSecurityUpdateTitle,
  psValue,
  readPowerShellObjects,
  reportOtherLines,
  splitLines,
  toIsoDate,
  unnamedHostProblem,
  WindowsHosts,
  type PsObjects
} from './windows-text';

/**
 * Two Windows Update lists.
 *
 * History (`windows-update-history`): the Windows Update Agent's history, as
 * `(New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher().QueryHistory(0, n)` objects
 * (Title, Operation, ResultCode, Date, …) in Format-List, Format-Table or Export-Csv, and PSWindowsUpdate's
 * `Get-WUHistory` (ComputerName, Operationname, Result, Date, Title). Operation 1 is an installation,
 * 2 an uninstallation; ResultCode 2 is "succeeded" and 3 "succeeded with errors" (the update is installed, a
 * part of the operation failed), 4 failed, 5 aborted. Only successful installations count as installed
 * updates, and a successful uninstallation takes the KB away again: the later event wins when the list has
 * dates; without dates the uninstallation wins (claiming an update that may be gone would hide a gap).
 * Titles are localized and carry the KB anywhere ("… (KB5021088) 向け …"): the KB is searched for in the title.
 * @see https://learn.microsoft.com/windows/win32/api/wuapi/nf-wuapi-iupdatesearcher-queryhistory
 *
 * Missing updates (`windows-missing-updates`): "KBnnnnnnn: title" lines, one per update the Windows Update
 * Agent offers (the output of wesng's missingkbs.vbs and similar scripts; UTF-16LE when redirected by
 * PowerShell). Each line is one pending update: one KB can be offered as several updates (KB2483139 is the
 * Windows 7 language packs, one update per language), so updates are told apart by KB *and* title; a line
 * repeated word for word counts once.
 */

const HISTORY_HOW_TO =
  'In PowerShell on the PC: $s = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher(); $s.QueryHistory(0, $s.GetTotalHistoryCount()) | Select-Object Date, Title, Operation, ResultCode | Export-Csv "$env:COMPUTERNAME-wu-history.csv" -NoTypeInformation';
const MISSING_HOW_TO =
  "Run a missing-updates script on the PC (e.g. wesng's missingkbs.vbs: cscript missingkbs.vbs > %COMPUTERNAME%-missing.txt) and import its output";

// ---------------------------------------------------------------------------------------------------------
// History

function isHistoryColumns(names: string[]): boolean {
  if (!names.includes('title')) return false;
  const operation = names.includes('operation') || names.includes('operationname');
  const result = names.includes('resultcode') || names.includes('result');
  return operation && result;
}

export function readUpdateHistory(text: string): PsObjects | undefined {
  return readPowerShellObjects(text, isHistoryColumns);
}

export function sniffUpdateHistory(text: string): boolean {
  return readUpdateHistory(text.slice(0, 65536)) !== undefined;
}

type Operation = 'install' | 'uninstall' | 'other';
type Outcome = 'succeeded' | 'failed' | 'other';

/** Operation as a number (UpdateOperation) or as Get-WUHistory's word, in English. */
function operationOf(value: string | undefined): Operation | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '1' || v === 'installation' || v === 'install') return 'install';
  if (v === '2' || v === 'uninstallation' || v === 'uninstall') return 'uninstall';
  if (v === '') return undefined;
  return 'other';
}

/** ResultCode as a number (OperationResultCode) or a word ("Succeeded", "SucceededWithErrors", "Failed"). */
function outcomeOf(value: string | undefined): Outcome | undefined {
  const v = (value ?? '').trim().toLowerCase().replace(/\s+/g, '');
  if (v === '2' || v === '3' || v === 'succeeded' || v === 'succeededwitherrors') return 'succeeded';
  if (v === '4' || v === '5' || v === 'failed' || v === 'aborted') return 'failed';
  if (v === '') return undefined;
  return 'other';
}

interface HistoryEvent {
  kb: string;
  title: string;
  operation: Operation;
  outcome: Outcome;
  date?: string;
  /** Position in the file: QueryHistory lists the newest first. */
  index: number;
  line: number;
}

export function parseUpdateHistory(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'windows-update-history', hosts: [], rules: [] };
  const decoded = decodeOrFail(bytes, issues, HISTORY_HOW_TO);
  if (decoded === undefined) return { value, issues };
  const objects = readUpdateHistory(decoded);
  if (!objects) {
    issues.push(
      notFormat(
        decoded,
        'not-update-history',
        'Windows Update history: no Title, Operation and ResultCode fields were found',
        HISTORY_HOW_TO
      )
    );
    return { value, issues };
  }
  value.formatVersion = layoutName(objects);
  const collector = new IssueCollector();
  reportOtherLines(objects.other, (p) => collector.add(p));

  const rawDates = objects.objects.map((o) => psValue(o, 'date') ?? '').filter((d) => d !== '');
  const decision = decideDateOrder(rawDates);
  const firstDated = objects.objects.find((o) => psValue(o, 'date'));
  const dateProblem = dateDecisionProblem(decision, 'Date', firstDated?.line, rawDates);
  if (dateProblem) collector.add(dateProblem);

  const hosts = new WindowsHosts();
  let cutName = false;
  const events = new Map<HostObservation, HistoryEvent[]>();
  objects.objects.forEach((o, index) => {
    const rawHost = psValue(o, 'computername', 'pscomputername');
    if (rawHost && isCut(rawHost)) {
      cutName = true;
      collector.add(cutHostNameProblem(rawHost, o.line));
    }
    const host = hosts.get(rawHost);
    if (!events.has(host)) events.set(host, []);
    const title = psValue(o, 'title') ?? '';
    const kb = normalizeKb(title) ?? normalizeKb(psValue(o, 'kb') ?? '');
    const operation = operationOf(psValue(o, 'operation', 'operationname'));
    const outcome = outcomeOf(psValue(o, 'resultcode', 'result'));
    if (!kb) {
      collector.add({
        severity: 'info',
        code: 'history-entry-without-kb',
        message: `History entries whose title names no KB (e.g. "${title.slice(0, 60) || 'empty'}", line ${o.line}: drivers, Store apps, platform updates) are not counted as installed updates. Nothing to do.`,
        line: o.line
      });
      return;
    }
    if (!operation || !outcome) {
      collector.add({
        severity: 'warning',
        code: 'history-entry-unreadable',
        message: `History entries without a readable Operation or ResultCode (line ${o.line}) were skipped. Export the history again with the Operation and ResultCode columns.`,
        line: o.line
      });
      return;
    }
    const rawDate = psValue(o, 'date');
    const date = rawDate && !dateProblem ? toIsoDate(rawDate, decision.order) : undefined;
    events.get(host)?.push({ kb, title, operation, outcome, index, line: o.line, ...(date ? { date } : {}) });
  });

  for (const [host, list] of events) {
    host.installedUpdates = installedFromHistory(list, collector);
  }
  if (hosts.hasUnnamed && !cutName) {
    collector.add(
      unnamedHostProblem(
        'Windows Update history',
        'export with Get-WUHistory, whose ComputerName column names the PC'
      )
    );
  }
  value.hosts = hosts.list;
  if (objects.objects.length === 0) {
    collector.add({
      severity: 'warning',
      code: 'no-updates',
      message:
        'The Windows Update history in this file is empty. Check that the export ran on the right PC, then export again.'
    });
  }
  issues.push(...collector.problems);
  return { value, issues };
}

/** The KBs a history leaves installed: see the module comment. */
function installedFromHistory(list: HistoryEvent[], collector: IssueCollector): InstalledUpdate[] {
  const dated = list.length > 0 && list.every((e) => e.date !== undefined);
  // Oldest first: by date when every entry has one, otherwise reversed file order (QueryHistory is newest first).
  const ordered = [...list].sort((a, b) =>
    dated ? (a.date as string).localeCompare(b.date as string) || b.index - a.index : b.index - a.index
  );
  const state = new Map<string, { installed: boolean; update?: InstalledUpdate; uninstallLine?: number }>();
  const everInstalled = new Set<string>();
  const failed = new Map<string, number>();
  for (const e of ordered) {
    if (e.outcome !== 'succeeded') {
      if (e.operation === 'install' && !failed.has(e.kb)) failed.set(e.kb, e.line);
      continue;
    }
    const s = state.get(e.kb) ?? { installed: false };
    if (e.operation === 'install') {
      everInstalled.add(e.kb);
      const update: InstalledUpdate = {
        kb: e.kb,
        ...(e.date ? { installedOn: e.date } : {}),
        ...(e.title ? { description: e.title } : {})
      };
      // Without dates an uninstallation anywhere in the list wins.
      if (dated || s.uninstallLine === undefined) {
        s.installed = true;
        s.update = update;
      }
    } else if (e.operation === 'uninstall') {
      s.installed = false;
      s.uninstallLine = e.line;
      delete s.update;
    }
    state.set(e.kb, s);
  }
  for (const [kb, s] of state) {
    if (s.uninstallLine !== undefined && !s.installed) {
      collector.add({
        severity: 'info',
        code: 'update-uninstalled',
        message:
          `Updates that were uninstalled (e.g. ${kb}, line ${s.uninstallLine}) are not counted as installed` +
          (dated ? '.' : ': the list has no dates, so an uninstallation wins over an installation.'),
        line: s.uninstallLine
      });
    }
  }
  for (const [kb, line] of failed) {
    if (everInstalled.has(kb)) continue;
    collector.add({
      severity: 'info',
      code: 'update-install-failed',
      message: `Updates whose installation failed and never succeeded (e.g. ${kb}, line ${line}) are not counted as installed: they are still missing.`,
      line
    });
  }
  return [...state.values()].filter((s) => s.installed && s.update).map((s) => s.update as InstalledUpdate);
}

// ---------------------------------------------------------------------------------------------------------
// Missing updates

const MISSING_LINE = /^\s*(KB\d{6,7})\s*:\s*(.*\S)\s*$/i;

/** Whether a decoded text is a "KBnnnnnnn: title" missing-updates list. */
export function sniffMissingUpdates(text: string): boolean {
  const lines = splitLines(text.slice(0, 65536)).filter((l) => l.trim() !== '');
  if (lines.length === 0) return false;
  const matching = lines.filter((l) => MISSING_LINE.test(l)).length;
  return matching >= 1 && matching >= lines.length * 0.6;
}

export function parseMissingUpdates(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'windows-missing-updates', hosts: [], rules: [] };
  const text = decodeOrFail(bytes, issues, MISSING_HOW_TO);
  if (text === undefined) return { value, issues };
  if (!sniffMissingUpdates(text)) {
    issues.push(
      notFormat(
        text,
        'not-missing-updates',
        'a missing-updates list: its lines are not "KBnnnnnnn: title"',
        MISSING_HOW_TO
      )
    );
    return { value, issues };
  }
  const collector = new IssueCollector();
  const host = new WindowsHosts().get(undefined);
  const seen = new Set<string>();
  const pending: PendingUpdate[] = [];
  splitLines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = MISSING_LINE.exec(line);
    const kb = m ? normalizeKb(m[1] as string) : findKbs(line)[0];
    if (!kb) {
      collector.add({
        severity: 'warning',
        code: 'line-not-understood',
        message: `Lines that are not "KBnnnnnnn: title" (e.g. line ${i + 1}: "${line.trim().slice(0, 60)}") were skipped. Check that the file was not edited or cut.`,
        line: i + 1
      });
      return;
    }
    const title = (m ? (m[2] as string) : line).trim().replace(/\s+/g, ' ');
    const id = `${kb}|${title.toLowerCase()}`;
    if (seen.has(id)) {
      collector.add({
        severity: 'info',
        code: 'duplicate-update',
        message: `Updates listed twice with the same KB and title (e.g. ${kb}, line ${i + 1}) are counted once.`,
        line: i + 1
      });
      return;
    }
    seen.add(id);
    pending.push({
      name: title || kb,
      kb,
      kind: 'windows-update',
      ...(isSecurityUpdateTitle(title) ? { security: true } : {})
    });
  });
  host.pendingUpdates = pending;
  value.hosts = [host];
  collector.add(unnamedHostProblem('missing-updates list'));
  issues.push(...collector.problems);
  return { value, issues };
}

// ---------------------------------------------------------------------------------------------------------
// Shared

function decodeOrFail(bytes: Uint8Array, issues: Problem[], howTo: string): string | undefined {
  if (bytes.length === 0) {
    issues.push({
      severity: 'error',
      code: 'empty-file',
      message: `The file is empty (0 bytes). ${howTo}, and import the new file.`
    });
    return undefined;
  }
  const decoded = decodeWindowsExport(bytes, {
    legacy: ['gbk', 'shift_jis', 'big5', 'euc-kr', 'cp850', 'windows-1252', 'windows-1251', 'ibm866']
  });
  issues.push(...decoded.issues);
  if (isBlank(decoded.text)) {
    issues.push({
      severity: 'error',
      code: 'empty-file',
      message: `The file holds no text (${decoded.bom ? 'only a byte order mark and blank lines' : 'only blank lines'}). ${howTo}, and import the new file.`
    });
    return undefined;
  }
  return decoded.text;
}

function notFormat(text: string, code: string, what: string, howTo: string): Problem {
  const first = firstTextLine(splitLines(text));
  return {
    severity: 'error',
    code,
    message:
      `This file is not ${what}` +
      (first ? ` (line ${first.line} reads "${first.text}")` : '') +
      `. ${howTo}.`,
    ...(first ? { line: first.line } : {})
  };
}

function layoutName(objects: PsObjects): string {
  return objects.layout === 'csv'
    ? 'Export-Csv'
    : objects.layout === 'table'
      ? 'Format-Table'
      : 'Format-List';
}

export const windowsUpdateHandlers: FormatHandler[] = [
  {
    format: 'windows-update-history',
    family: 'windows',
    howTo: HISTORY_HOW_TO,
    sniff: ({ text }) => (sniffUpdateHistory(text) ? 85 : 0),
    create: (sink) => bufferedParser(parseUpdateHistory, sink, 'Windows Update history', 32 * 1024 * 1024)
  },
  {
    format: 'windows-missing-updates',
    family: 'windows',
    howTo: `${MISSING_HOW_TO}.`,
    sniff: ({ text }) => (sniffMissingUpdates(text) ? 80 : 0),
    create: (sink) => bufferedParser(parseMissingUpdates, sink, 'missing-updates list', 32 * 1024 * 1024)
  }
];
