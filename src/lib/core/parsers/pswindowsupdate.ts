import type { InstalledUpdate, ParsedFile, ParseResult, PendingUpdate, Problem } from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import { normalizeKb } from './kb';
import {
  cutHostNameProblem,
  decodeWindowsExport,
  firstTextLine,
  isBlank,
  isCut,
  isSecurityUpdateTitle,
  psValue,
  readPowerShellObjects,
  reportOtherLines,
  splitLines,
  unnamedHostProblem,
  WindowsHosts,
  type PsObjects
} from './windows-text';

/**
 * PSWindowsUpdate's `Get-WindowsUpdate` (alias `Get-WUList`): the updates Windows Update offers, as its table
 *
 *     ComputerName Status     KB          Size Title
 *     ------------ ------     --          ---- -----
 *     PC01         -D-----    KB5034441  437MB 2024-01 Security Update for Windows 10 Version 22H2 …
 *
 * or Format-List / Export-Csv of the same objects. Status is seven flags, "-" when unset: A accepted,
 * D downloaded, I installed, M mandatory, H hidden, U uninstallable, B beta. An update with the I flag (as
 * `Get-WindowsUpdate -IsInstalled` lists them) is an installed update; every other row is a pending update
 * (kind "windows-update"; hidden ones too, they are still missing). An update is a security update when its
 * title says so, when it has an MSRC severity, or when its categories name security updates. The table cuts
 * long titles and computer names with "..."; titles are kept as shown, cut computer names cannot name a PC.
 * @see https://www.powershellgallery.com/packages/PSWindowsUpdate
 */

const HOW_TO =
  'In PowerShell on the PC (module PSWindowsUpdate): Get-WindowsUpdate | Select-Object ComputerName, Status, KB, Size, Title, MsrcSeverity, RebootRequired | Export-Csv "$env:COMPUTERNAME-wu.csv" -NoTypeInformation';

/** Status flag positions. */
const INSTALLED_FLAG = 2;

function isWuListColumns(names: string[]): boolean {
  if (names.includes('operation') || names.includes('operationname')) return false;
  return (
    names.includes('kb') && names.includes('title') && (names.includes('size') || names.includes('status'))
  );
}

export function readPsWindowsUpdate(text: string): PsObjects | undefined {
  return readPowerShellObjects(text, isWuListColumns);
}

export function sniffPsWindowsUpdate(text: string): boolean {
  return readPsWindowsUpdate(text.slice(0, 65536)) !== undefined;
}

/** Whether a Status value says the update is installed ("--I----", or the word "Installed"). */
function isInstalledStatus(status: string): boolean {
  const s = status.trim();
  if (/^[-A-Z]{7}$/.test(s)) return s[INSTALLED_FLAG] === 'I';
  return /^installed$/i.test(s);
}

export function parsePsWindowsUpdate(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'pswindowsupdate', hosts: [], rules: [] };
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
  const objects = readPsWindowsUpdate(decoded.text);
  if (!objects) {
    const first = firstTextLine(splitLines(decoded.text));
    issues.push({
      severity: 'error',
      code: 'not-pswindowsupdate',
      message:
        `This file is not Get-WindowsUpdate (PSWindowsUpdate) output: no KB, Size and Title columns were found` +
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

  const hosts = new WindowsHosts();
  let cutName = false;
  const pending = new Map<string, Map<string, PendingUpdate>>();
  const installed = new Map<string, Map<string, InstalledUpdate>>();
  for (const o of objects.objects) {
    const rawHost = psValue(o, 'computername', 'pscomputername');
    if (rawHost && isCut(rawHost)) {
      cutName = true;
      collector.add(cutHostNameProblem(rawHost, o.line));
    }
    const host = hosts.get(rawHost);
    const title = psValue(o, 'title') ?? '';
    const kb = normalizeKb(psValue(o, 'kb', 'kbarticleids') ?? '') ?? normalizeKb(title);
    if (!title && !kb) {
      collector.add({
        severity: 'warning',
        code: 'update-without-title',
        message: `Rows without a title or KB (line ${o.line}) were skipped. Check that the file was not edited or cut.`,
        line: o.line
      });
      continue;
    }
    const status = psValue(o, 'status') ?? '';
    if (isInstalledStatus(status) || /^true$/i.test(psValue(o, 'isinstalled') ?? '')) {
      if (!kb) {
        collector.add({
          severity: 'info',
          code: 'installed-without-kb',
          message: `Installed updates without a KB (e.g. "${title.slice(0, 60)}", line ${o.line}) are not counted as installed updates. Nothing to do.`,
          line: o.line
        });
        continue;
      }
      const byKb = installed.get(host.key) ?? new Map<string, InstalledUpdate>();
      installed.set(host.key, byKb);
      if (!byKb.has(kb)) byKb.set(kb, { kb, ...(title ? { description: title } : {}) });
      continue;
    }
    const categories = psValue(o, 'categories', 'category', 'categorynames') ?? '';
    const msrc = psValue(o, 'msrcseverity') ?? '';
    const security = isSecurityUpdateTitle(title) || msrc !== '' || /security updates/i.test(categories);
    const reboot = psValue(o, 'rebootrequired');
    const update: PendingUpdate = {
      name: title || kb || 'Windows update',
      ...(kb ? { kb } : {}),
      kind: 'windows-update',
      ...(security ? { security: true } : {}),
      ...(reboot && /^(true|false)$/i.test(reboot) ? { rebootRequired: /^true$/i.test(reboot) } : {})
    };
    const byId = pending.get(host.key) ?? new Map<string, PendingUpdate>();
    pending.set(host.key, byId);
    const id = `${kb ?? ''}|${title.toLowerCase()}`;
    if (byId.has(id)) {
      collector.add({
        severity: 'info',
        code: 'duplicate-update',
        message: `Updates listed twice with the same KB and title (line ${o.line}) are counted once.`,
        line: o.line
      });
      continue;
    }
    byId.set(id, update);
  }
  const cutTitle = objects.objects.find((o) => o.cut?.has('title'));
  if (cutTitle) {
    collector.add({
      severity: 'info',
      code: 'titles-cut',
      message: `The table cut some update titles short ("...", e.g. line ${cutTitle.line}); they are kept as shown, and the KB column still identifies the updates. Export with Export-Csv to keep whole titles.`,
      line: cutTitle.line
    });
  }
  for (const host of hosts.list) {
    host.pendingUpdates = [...(pending.get(host.key)?.values() ?? [])];
    host.installedUpdates = [...(installed.get(host.key)?.values() ?? [])];
  }
  if (hosts.hasUnnamed && !cutName) {
    collector.add(unnamedHostProblem('Get-WindowsUpdate list', 'export with the ComputerName column'));
  }
  value.hosts = hosts.list;
  if (objects.objects.length === 0) {
    collector.add({
      severity: 'info',
      code: 'no-updates',
      message:
        'Get-WindowsUpdate listed no updates: Windows Update offers nothing to this PC (or the search failed; check the date of the export).'
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

export const psWindowsUpdateHandlers: FormatHandler[] = [
  {
    format: 'pswindowsupdate',
    family: 'windows',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffPsWindowsUpdate(text) ? 85 : 0),
    create: (sink) => bufferedParser(parsePsWindowsUpdate, sink, 'Get-WindowsUpdate export', 32 * 1024 * 1024)
  }
];
