import type { InstalledUpdate, ParsedFile, ParseResult, Problem, Software } from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import { normalizeKb } from './kb';
import {
  cutHostNameProblem,
  decodeWindowsExport,
  firstTextLine,
  isBlank,
  isCut,
  psValue,
  readPowerShellObjects,
  reportOtherLines,
  splitLines,
  unnamedHostProblem,
  WindowsHosts,
  type PsObjects
} from './windows-text';

/**
 * PowerShell `Get-Package` output (PackageManagement): `Format-List Name, Version, ProviderName, Publisher`,
 * the default table (Name, Version, Source, ProviderName; long names cut with "..." or "…") and Export-Csv.
 *
 * Providers "Programs" (the Uninstall registry keys) and "msi" (Windows Installer products) are installed
 * programs (ecosystem "windows-program"); "msu" entries are Windows updates and count as installed updates
 * by the KB in their name; other providers (PowerShellGet, NuGet, Chocolatey) are software of their own
 * ecosystem. A program listed twice with the same name and version (by msi and by Programs) counts once.
 * Warnings PowerShell writes into the file ("WARNING: MSG:UnableToDownload «https://…»", in the console's code
 * page) are skipped with an info problem.
 * @see https://learn.microsoft.com/powershell/module/packagemanagement/get-package
 */

const HOW_TO =
  'In PowerShell on the PC: Get-Package | Select-Object Name, Version, ProviderName, Source | Export-Csv "$env:COMPUTERNAME-packages.csv" -NoTypeInformation';

function isPackageColumns(names: string[]): boolean {
  return names.includes('name') && names.includes('providername');
}

export function readGetPackage(text: string): PsObjects | undefined {
  return readPowerShellObjects(text, isPackageColumns);
}

export function sniffGetPackage(text: string): boolean {
  return readGetPackage(text.slice(0, 65536)) !== undefined;
}

/** The ecosystem of a PackageManagement provider's packages. */
function ecosystemOf(provider: string): string {
  const p = provider.trim().toLowerCase();
  if (p === 'programs' || p === 'msi' || p === '') return 'windows-program';
  if (p === 'powershellget') return 'powershell';
  if (p === 'chocolateyget') return 'chocolatey';
  return p;
}

export function parseGetPackage(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'get-package', hosts: [], rules: [] };
  if (bytes.length === 0) {
    issues.push(emptyProblem('0 bytes'));
    return { value, issues };
  }
  // Windows PowerShell writes warnings in the console's code page (« » as 0xAE 0xAF in cp850).
  const decoded = decodeWindowsExport(bytes, {
    legacy: ['cp850', 'windows-1252', 'windows-1251', 'ibm866', 'gbk', 'shift_jis', 'big5', 'euc-kr'],
    score: packageScore
  });
  issues.push(...decoded.issues);
  if (isBlank(decoded.text)) {
    issues.push(emptyProblem(decoded.bom ? 'only a byte order mark and blank lines' : 'only blank lines'));
    return { value, issues };
  }
  const objects = readGetPackage(decoded.text);
  if (!objects) {
    const first = firstTextLine(splitLines(decoded.text));
    issues.push({
      severity: 'error',
      code: 'not-get-package',
      message:
        `This file is not Get-Package output: no Name and ProviderName fields were found` +
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
  const software = new Map<string, Map<string, Software>>();
  const updates = new Map<string, Map<string, InstalledUpdate>>();
  for (const o of objects.objects) {
    const rawHost = psValue(o, 'pscomputername', 'computername');
    if (rawHost && isCut(rawHost)) {
      cutName = true;
      collector.add(cutHostNameProblem(rawHost, o.line));
    }
    const host = hosts.get(rawHost);
    const name = psValue(o, 'name');
    if (!name) {
      collector.add({
        severity: 'warning',
        code: 'package-without-name',
        message: `Entries without a Name (line ${o.line}) were skipped. Check that the file was not edited or cut.`,
        line: o.line
      });
      continue;
    }
    const provider = psValue(o, 'providername') ?? '';
    if (provider.toLowerCase() === 'msu') {
      const kb = normalizeKb(name);
      if (!kb) {
        collector.add({
          severity: 'info',
          code: 'update-without-kb',
          message: `Windows updates (msu) whose name holds no KB number (e.g. "${name.slice(0, 60)}", line ${o.line}) are not counted. Nothing to do.`,
          line: o.line
        });
        continue;
      }
      const byKb = updates.get(host.key) ?? new Map<string, InstalledUpdate>();
      updates.set(host.key, byKb);
      if (!byKb.has(kb)) byKb.set(kb, { kb, description: name });
      continue;
    }
    const version = psValue(o, 'version');
    const vendor = psValue(o, 'publisher');
    const truncated = (o.cut?.has('name') ?? false) || (o.cut?.has('version') ?? false);
    const item: Software = {
      name,
      ...(version ? { version } : {}),
      ...(vendor ? { vendor } : {}),
      ecosystem: ecosystemOf(provider),
      ...(truncated ? { truncated: true } : {})
    };
    const byName = software.get(host.key) ?? new Map<string, Software>();
    software.set(host.key, byName);
    const id = `${name.toLowerCase()}|${version ?? ''}`;
    if (byName.has(id)) {
      collector.add({
        severity: 'info',
        code: 'duplicate-program',
        message: `Programs listed twice with the same name and version (e.g. "${name.slice(0, 60)}", line ${o.line}, once by msi and once by Programs) are counted once.`,
        line: o.line
      });
      continue;
    }
    byName.set(id, item);
  }
  if (objects.objects.some((o) => o.cut?.has('name'))) {
    collector.add({
      severity: 'warning',
      code: 'names-cut',
      message:
        'The table cut some program names short (they end in "..." or "…"); they are kept as shown and marked as cut, so they may not match other sources. Export with Export-Csv (or Format-List) to keep whole names.',
      line: objects.objects.find((o) => o.cut?.has('name'))?.line
    });
  }
  for (const host of hosts.list) {
    host.software = [...(software.get(host.key)?.values() ?? [])];
    host.installedUpdates = [...(updates.get(host.key)?.values() ?? [])];
  }
  if (hosts.hasUnnamed && !cutName) collector.add(unnamedHostProblem('Get-Package list'));
  value.hosts = hosts.list;
  if (objects.objects.length === 0) {
    collector.add({
      severity: 'warning',
      code: 'no-packages',
      message:
        'The Get-Package output lists no packages. Run it again in a PowerShell window on the PC, and export again.'
    });
  }
  issues.push(...collector.problems);
  return { value, issues };
}

/** Prefers the decoding in which most lines are Format-List or table lines, then the most plausible one. */
function packageScore(text: string): number {
  const lines = text.split(/\r?\n/, 2000);
  const known = lines.filter((l) => /^(Name|Version|ProviderName|Publisher|Source)\s+:/.test(l)).length;
  let bad = 0;
  for (const ch of text.slice(0, 65536)) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0xfffd || (cp >= 0x80 && cp < 0xa0)) bad += 1;
  }
  return known * 1000 - bad;
}

function emptyProblem(what: string): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${what}). ${HOW_TO}, and import the new file.`
  };
}

export const getPackageHandlers: FormatHandler[] = [
  {
    format: 'get-package',
    family: 'windows',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffGetPackage(text) ? 85 : 0),
    create: (sink) => bufferedParser(parseGetPackage, sink, 'Get-Package export', 32 * 1024 * 1024)
  }
];
