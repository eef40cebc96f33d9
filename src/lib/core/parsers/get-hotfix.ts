import type { InstalledUpdate, ParsedFile, ParseResult, Problem } from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import { normalizeKb } from './kb';
import {
  cutHostNameProblem,
  dateDecisionProblem,
  decideDateOrder,
  decodeWindowsExport,
  firstTextLine,
  isBlank,
  isCut,
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
 * PowerShell `Get-HotFix` output (Win32_QuickFixEngineering through PowerShell): Export-Csv with or without
 * the "#TYPE" line (all properties, or `Select-Object Source, Description, HotFixID, InstalledBy, InstalledOn`),
 * the default Format-Table view, and Format-List.
 *
 * InstalledOn is a DateTime that PowerShell prints in the exporting PC's regional format ("3/7/2019 12:00:00 AM"
 * in en-US, "07.03.2019 00:00:00" in de-DE, "07/03/2019 00:00:00" in en-GB): the day/month order is decided
 * from the whole column, and a column that cannot tell leaves the dates out with a warning.
 * @see https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-hotfix
 */

const HOW_TO =
  'In PowerShell on the PC: Get-HotFix | Select-Object Source, Description, HotFixID, InstalledBy, InstalledOn | Export-Csv "$env:COMPUTERNAME-hotfix.csv" -NoTypeInformation';

const HOST_COLUMNS = ['csname', 'source', 'pscomputername', '__server'];

/** Whether a set of property names (lower case) is Get-HotFix's. */
function isHotFixColumns(names: string[]): boolean {
  // wmic /format:csv has a Node column first and no PowerShell property: that is wmic qfe.
  return names.includes('hotfixid') && names[0] !== 'node';
}

/** Reads the objects of a Get-HotFix export (undefined when the text is not one). */
export function readGetHotFix(text: string): PsObjects | undefined {
  return readPowerShellObjects(text, isHotFixColumns);
}

/** Whether a decoded text is Get-HotFix output. */
export function sniffGetHotFix(text: string): boolean {
  return readGetHotFix(text.slice(0, 65536)) !== undefined;
}

export function parseGetHotFix(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'get-hotfix', hosts: [], rules: [] };
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
  const objects = readGetHotFix(decoded.text);
  if (!objects) {
    const first = firstTextLine(splitLines(decoded.text));
    issues.push({
      severity: 'error',
      code: 'not-get-hotfix',
      message:
        `This file is not Get-HotFix output: no HotFixID column was found` +
        (first ? ` (line ${first.line} reads "${first.text}")` : '') +
        `. ${HOW_TO}, then import that file.`,
      ...(first ? { line: first.line } : {})
    });
    return { value, issues };
  }
  value.formatVersion =
    objects.layout === 'csv' ? 'Export-Csv' : objects.layout === 'table' ? 'Format-Table' : 'Format-List';
  const collector = new IssueCollector();
  reportOtherLines(objects.other, (p) => collector.add(p));

  const dates = objects.objects.map((o) => psValue(o, 'installedon') ?? '').filter((v) => v !== '');
  const decision = decideDateOrder(dates);
  const firstDated = objects.objects.find((o) => psValue(o, 'installedon'));
  const dateProblem = dateDecisionProblem(decision, 'InstalledOn', firstDated?.line, dates);
  if (dateProblem) collector.add(dateProblem);

  const hosts = new WindowsHosts();
  let cutName = false;
  const updates = new Map<string, Map<string, InstalledUpdate>>();
  for (const o of objects.objects) {
    const rawHost = psValue(o, ...HOST_COLUMNS);
    if (rawHost && isCut(rawHost)) {
      cutName = true;
      collector.add(cutHostNameProblem(rawHost, o.line));
    }
    const host = hosts.get(rawHost);
    const hotfixId = psValue(o, 'hotfixid') ?? '';
    const kb = normalizeKb(hotfixId);
    if (!kb) {
      collector.add({
        severity: 'info',
        code: 'hotfix-without-kb',
        message: `Entries without a KB number in HotFixID (e.g. "${hotfixId || 'empty'}", line ${o.line}) are not counted as installed updates: old hotfixes and components have none. Nothing to do.`,
        line: o.line
      });
      continue;
    }
    const raw = psValue(o, 'installedon');
    let installedOn: string | undefined;
    if (raw && !dateProblem) {
      installedOn = toIsoDate(raw, decision.order);
      if (!installedOn) {
        collector.add({
          severity: 'warning',
          code: 'install-date-unreadable',
          message: `InstalledOn values that are not dates (e.g. "${raw}", line ${o.line}) were left out; the updates are still counted.`,
          line: o.line
        });
      }
    }
    const description = psValue(o, 'description');
    let byKb = updates.get(host.key);
    if (!byKb) {
      byKb = new Map();
      updates.set(host.key, byKb);
    }
    const prev = byKb.get(kb);
    if (prev) {
      // A KB listed twice (XP lists many as "File 1" and again by name): keep what each row adds.
      if (!prev.installedOn && installedOn) prev.installedOn = installedOn;
      if (!prev.description && description) prev.description = description;
      continue;
    }
    byKb.set(kb, { kb, ...(installedOn ? { installedOn } : {}), ...(description ? { description } : {}) });
  }
  for (const host of hosts.list) host.installedUpdates = [...(updates.get(host.key)?.values() ?? [])];
  if (hosts.hasUnnamed && !cutName) {
    collector.add(
      unnamedHostProblem('Get-HotFix export', 'export with the Source column (`Get-HotFix | Export-Csv …`)')
    );
  }
  value.hosts = hosts.list;
  if (objects.objects.length === 0) {
    collector.add({
      severity: 'warning',
      code: 'no-updates',
      message:
        'The Get-HotFix output has a header but lists no updates. Run Get-HotFix again in a PowerShell window opened as administrator, and export again.'
    });
  }
  issues.push(...collector.problems);
  return { value, issues };
}

function emptyProblem(what: string): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${what}). ${HOW_TO}, and import the new file.`
  };
}

export const getHotFixHandlers: FormatHandler[] = [
  {
    format: 'get-hotfix',
    family: 'windows',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffGetHotFix(text) ? 90 : 0),
    create: (sink) => bufferedParser(parseGetHotFix, sink, 'Get-HotFix export', 32 * 1024 * 1024)
  }
];
