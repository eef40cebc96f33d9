import type { HostObservation, OsInfo, ParsedFile, ParseResult, Problem } from '../model';
import { IssueCollector, type FormatHandler, bufferedParser } from './handler';
import { windowsEdition } from './windows-os';
import {
  decodeWindowsExport,
  firstTextLine,
  isBlank,
  newWindowsHost,
  psValue,
  readPowerShellObjects,
  splitLines,
  unnamedHostProblem,
  type PsObject
} from './windows-text';

/**
 * The Windows version from the registry key HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion, in the forms
 * technicians export it:
 * - `reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"` ("    UBR    REG_DWORD    0x10e3"),
 *   also against another PC (`reg query \\PC01\HKLM\…`, which names it);
 * - `reg export` .reg files (UTF-16LE, `"UBR"=dword:000010e3`, `"CurrentBuild"="19045"`);
 * - `Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'` through Format-List, Export-Csv or
 *   ConvertTo-Json (one object, or one per PC from Invoke-Command with PSComputerName).
 *
 * What it gives: the build (CurrentBuild), the exact revision (UBR: the "4291" of 10.0.19045.4291, which
 * decides which cumulative update is installed), the edition, the feature release (DisplayVersion, or ReleaseId
 * before 20H2) and client/server (InstallationType). ProductName still says "Windows 10" on Windows 11: a client
 * build of 22000 or later is named Windows 11. The key holds no computer name; a .reg or reg query file that
 * also exports …\ComputerName\ComputerName is named by it, otherwise the file describes one unnamed machine.
 * @see https://learn.microsoft.com/windows/release-health/release-information
 */

const HOW_TO =
  'In a Command Prompt on the PC: reg query "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion" > %COMPUTERNAME%-currentversion.txt';

const KEY_SUFFIX = /\\Windows NT\\CurrentVersion$/i;
const COMPUTER_NAME_KEY = /\\Control\\ComputerName\\(?:Active)?ComputerName$/i;
const JSON_LIMIT = 4 * 1024 * 1024;

/** Values of one CurrentVersion key, by lower-case name. */
interface CurrentVersion {
  values: Map<string, string>;
  computerName?: string;
  line: number;
}

type Layout = 'reg-query' | 'reg-file' | 'powershell' | 'json';

interface Read {
  layout: Layout;
  keys: CurrentVersion[];
  /** A well-formed export of some other key (reg query / .reg): say which. */
  otherKey?: string;
}

const VERSION_NAMES = [
  'currentbuild',
  'currentbuildnumber',
  'ubr',
  'productname',
  'editionid',
  'displayversion',
  'releaseid',
  'installationtype'
];

function isCurrentVersionColumns(names: string[]): boolean {
  const known = names.filter((n) => VERSION_NAMES.includes(n)).length;
  return (names.includes('currentbuild') || names.includes('currentbuildnumber')) && known >= 3;
}

/** Which form of CurrentVersion export a decoded text is. */
export function sniffCurrentVersion(text: string): Layout | undefined {
  const read = readCurrentVersion(text.slice(0, 65536), true);
  return read && read.keys.length > 0 ? read.layout : undefined;
}

function readCurrentVersion(text: string, sniffing = false): Read | undefined {
  const lines = splitLines(text);
  const firstIndex = lines.findIndex((l) => l.trim() !== '');
  const first = (lines[firstIndex] ?? '').trim();
  if (/^(Windows Registry Editor Version [\d.]+|REGEDIT4)$/i.test(first)) return readRegFile(lines);
  if (
    lines.some((l) => /^(?:\\\\[^\\\s]+\\)?(?:HKEY_[A-Z_]+|HKLM|HKCU)\\/i.test(l)) &&
    lines.some((l) => /^ {4}\S.* {4}REG_[A-Z_]+/.test(l))
  ) {
    return readRegQuery(lines);
  }
  if (/^[[{]/.test(first)) return sniffing && text.length > JSON_LIMIT ? undefined : readJson(text);
  const objects = readPowerShellObjects(text, isCurrentVersionColumns);
  if (!objects) return undefined;
  return {
    layout: 'powershell',
    keys: objects.objects.map((o: PsObject) => ({
      values: o.fields,
      ...(psValue(o, 'pscomputername') ? { computerName: psValue(o, 'pscomputername') } : {}),
      line: o.line
    }))
  };
}

/** `reg query` output: a key line, then "    Name    REG_TYPE    data" lines, subkeys listed after. */
function readRegQuery(lines: string[]): Read {
  const keys: CurrentVersion[] = [];
  let current: CurrentVersion | undefined;
  let computerName: string | undefined;
  let inComputerNameKey = false;
  let otherKey: string | undefined;
  lines.forEach((line, i) => {
    const key = /^(?:\\\\([^\\\s]+)\\)?((?:HKEY_[A-Z_]+|HKLM|HKCU)\\.*?)\s*$/i.exec(line);
    if (key) {
      const path = key[2] as string;
      inComputerNameKey = COMPUTER_NAME_KEY.test(path);
      if (KEY_SUFFIX.test(path)) {
        current = { values: new Map(), line: i + 1, ...(key[1] ? { computerName: key[1] } : {}) };
        keys.push(current);
      } else {
        current = undefined;
        otherKey ??= path;
      }
      return;
    }
    const value = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (!value) return;
    const name = (value[1] as string).trim().toLowerCase();
    const data = regQueryData(value[2] as string, (value[3] ?? '').trim());
    if (inComputerNameKey && name === 'computername') computerName = data;
    current?.values.set(name, data);
  });
  for (const k of keys) if (!k.computerName && computerName) k.computerName = computerName;
  return { layout: 'reg-query', keys, ...(otherKey ? { otherKey } : {}) };
}

/** reg query prints DWORD and QWORD values in hexadecimal ("0x10e3"). */
function regQueryData(type: string, data: string): string {
  if ((type === 'REG_DWORD' || type === 'REG_QWORD') && /^0x[0-9a-f]+$/i.test(data)) {
    return String(parseInt(data.slice(2), 16));
  }
  return data;
}

/** A .reg file: "[key]" sections with "name"=value lines; hex values continue on lines ending in "\". */
function readRegFile(lines: string[]): Read {
  const keys: CurrentVersion[] = [];
  let current: CurrentVersion | undefined;
  let computerName: string | undefined;
  let inComputerNameKey = false;
  let otherKey: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const section = /^\[(-?)(.*)\]$/.exec(line);
    if (section) {
      const path = section[2] as string;
      inComputerNameKey = COMPUTER_NAME_KEY.test(path);
      if (KEY_SUFFIX.test(path) && section[1] === '') {
        current = { values: new Map(), line: i + 1 };
        keys.push(current);
      } else {
        current = undefined;
        otherKey ??= path;
      }
      continue;
    }
    const start = i;
    let entry = line;
    while (entry.endsWith('\\') && i + 1 < lines.length && /^(?:hex|.*=hex)/i.test(lines[start] ?? '')) {
      i += 1;
      entry = entry.slice(0, -1) + (lines[i] ?? '').trim();
    }
    const m = /^(?:"((?:[^"\\]|\\.)*)"|@)=(.*)$/.exec(entry);
    if (!m) continue;
    const name = (m[1] ?? '(default)').replace(/\\(.)/g, '$1').toLowerCase();
    const data = regFileData(m[2] as string);
    if (data === undefined) continue;
    if (inComputerNameKey && name === 'computername') computerName = data;
    current?.values.set(name, data);
  }
  for (const k of keys) if (!k.computerName && computerName) k.computerName = computerName;
  return { layout: 'reg-file', keys, ...(otherKey ? { otherKey } : {}) };
}

function regFileData(raw: string): string | undefined {
  const v = raw.trim();
  const text = /^"((?:[^"\\]|\\.)*)"$/.exec(v);
  if (text) return (text[1] as string).replace(/\\(.)/g, '$1');
  const dword = /^dword:([0-9a-f]{1,8})$/i.exec(v);
  if (dword) return String(parseInt(dword[1] as string, 16));
  const qword = /^hex\(b\):([0-9a-f,\s]+)$/i.exec(v);
  if (qword) {
    const bytes = (qword[1] as string).split(',').map((b) => parseInt(b.trim(), 16));
    let n = 0;
    for (let k = bytes.length - 1; k >= 0; k--) n = n * 256 + (bytes[k] ?? 0);
    return String(n);
  }
  const expand = /^hex\((?:2|7)\):([0-9a-f,\s]*)$/i.exec(v);
  if (expand) {
    const bytes = (expand[1] as string)
      .split(',')
      .filter((b) => b.trim() !== '')
      .map((b) => parseInt(b.trim(), 16));
    return new TextDecoder('utf-16le').decode(new Uint8Array(bytes)).replace(/\0+$/, '').replace(/\0/g, '\n');
  }
  return undefined; // binary values are of no use here
}

/** ConvertTo-Json of Get-ItemProperty: one object, or an array of them (Invoke-Command on several PCs). */
function readJson(text: string): Read | undefined {
  if (text.length > JSON_LIMIT) return { layout: 'json', keys: [] };
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  const list = Array.isArray(data) ? data : [data];
  const keys: CurrentVersion[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
    const values = new Map<string, string>();
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (typeof v === 'string' || typeof v === 'number') values.set(k.toLowerCase(), String(v));
    }
    if (!isCurrentVersionColumns([...values.keys()])) continue;
    const computerName = values.get('pscomputername');
    keys.push({ values, line: 1, ...(computerName ? { computerName } : {}) });
  }
  return keys.length > 0 ? { layout: 'json', keys } : undefined;
}

/** The OS a CurrentVersion key describes; see the module comment for the rules. */
export function osFromCurrentVersion(values: Map<string, string>): OsInfo {
  const get = (name: string): string | undefined => {
    const v = values.get(name)?.trim();
    return v ? v : undefined;
  };
  const os: OsInfo = { family: 'windows' };
  const buildText = get('currentbuild') ?? get('currentbuildnumber');
  const build = buildText && /^\d+$/.test(buildText) ? Number(buildText) : undefined;
  const ubr = get('ubr');
  const installationType = get('installationtype');
  const editionId = get('editionid');
  let name = get('productname');
  const server =
    /server/i.test(installationType ?? '') || /^server/i.test(editionId ?? '') || /server/i.test(name ?? '');
  const client =
    !server && (/client/i.test(installationType ?? '') || (name !== undefined && !/server/i.test(name)));
  if (server) os.productType = 'server';
  else if (client) os.productType = 'client';
  if (name && build !== undefined && build >= 22000 && !server)
    name = name.replace(/\bWindows 10\b/, 'Windows 11');
  if (name) os.name = name;
  const major = get('currentmajorversionnumber');
  const minor = get('currentminorversionnumber');
  const legacy = get('currentversion');
  if (build !== undefined) {
    os.build = build;
    const base = major !== undefined ? `${major}.${minor ?? '0'}` : legacy;
    if (base && /^\d+\.\d+$/.test(base)) os.version = `${base}.${build}`;
  }
  if (ubr && /^\d+$/.test(ubr) && build !== undefined) os.revision = Number(ubr);
  const edition = (name ? windowsEdition(name) : undefined) ?? editionId;
  if (edition) os.edition = edition;
  const sp = get('csdversion');
  if (sp) os.servicePack = sp;
  const display = get('displayversion') ?? (get('releaseid') === '2009' ? '20H2' : get('releaseid'));
  if (display) os.displayVersion = display;
  const lab = get('buildlabex') ?? '';
  const arch = /\.(amd64|x86|arm64|ia64)fre\./i.exec(lab)?.[1]?.toLowerCase();
  if (arch)
    os.architecture =
      arch === 'amd64' ? 'x64' : arch === 'arm64' ? 'ARM64' : arch === 'ia64' ? 'IA64' : 'x86';
  return os;
}

export function parseCurrentVersion(bytes: Uint8Array): ParseResult<ParsedFile> {
  const issues: Problem[] = [];
  const value: ParsedFile = { format: 'windows-currentversion', hosts: [], rules: [] };
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
  if (/^\s*[[{]/.test(decoded.text) && decoded.text.length > JSON_LIMIT) {
    issues.push({
      severity: 'error',
      code: 'file-too-large',
      message: `This JSON file is ${Math.round(decoded.text.length / 1048576)} MB, far larger than one registry key. Check that you picked the right file. ${HOW_TO}.`
    });
    return { value, issues };
  }
  const read = readCurrentVersion(decoded.text);
  if (!read || read.keys.length === 0) {
    const first = firstTextLine(splitLines(decoded.text));
    issues.push({
      severity: 'error',
      code: 'not-currentversion',
      message:
        (read?.otherKey
          ? `This registry export holds the key "${read.otherKey}", not HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion`
          : `This file is not an export of the registry key HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion` +
            (first ? ` (line ${first.line} reads "${first.text}")` : '')) +
        `. ${HOW_TO}, then import that file.`,
      ...(first && !read?.otherKey ? { line: first.line } : {})
    });
    return { value, issues };
  }
  value.formatVersion =
    read.layout === 'reg-query'
      ? 'reg query'
      : read.layout === 'reg-file'
        ? 'reg export'
        : read.layout === 'json'
          ? 'ConvertTo-Json'
          : 'Get-ItemProperty';
  const collector = new IssueCollector();
  const hosts: HostObservation[] = [];
  const seen = new Set<string>();
  let unnamedKept = false;
  for (const key of read.keys) {
    const name = key.computerName?.trim();
    if (!name) {
      if (unnamedKept) {
        collector.add({
          severity: 'warning',
          code: 'extra-key-ignored',
          message: `The file holds the CurrentVersion key more than once without saying which PC each comes from (line ${key.line}); only the first was read. Export each PC into its own file.`,
          line: key.line
        });
        continue;
      }
      unnamedKept = true;
    } else if (seen.has(name.toLowerCase())) {
      continue;
    }
    if (name) seen.add(name.toLowerCase());
    const host = newWindowsHost(name ?? 'local', name);
    host.os = osFromCurrentVersion(key.values);
    if (host.os.build === undefined) {
      collector.add({
        severity: 'warning',
        code: 'build-missing',
        message: `The CurrentVersion key${name ? ` of ${name}` : ''} (line ${key.line}) has no CurrentBuild value, so the Windows build is unknown. Export the whole key again: ${HOW_TO}.`,
        line: key.line
      });
    } else if (host.os.revision === undefined && host.os.build >= 10240) {
      collector.add({
        severity: 'info',
        code: 'revision-missing',
        message: `The CurrentVersion key${name ? ` of ${name}` : ''} has no UBR value, so the exact update level (the revision after the build) is unknown; installed updates from other exports will still be used.`,
        line: key.line
      });
    }
    hosts.push(host);
  }
  if (unnamedKept) {
    collector.add(
      unnamedHostProblem(
        'registry export',
        read.layout === 'reg-query'
          ? 'append the computer name to the same file: reg query "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName" >> the file'
          : read.layout === 'reg-file'
            ? undefined
            : 'run Get-ItemProperty through Invoke-Command, which adds PSComputerName'
      )
    );
  }
  value.hosts = hosts;
  issues.push(...collector.problems);
  return { value, issues };
}

/** The key a `reg query` or .reg export holds when it is not CurrentVersion (undefined for other files). */
function otherRegistryKey(text: string): string | undefined {
  const sample = text.slice(0, 65536);
  const first = sample.replace(/^\uFEFF/, '').trimStart();
  const looksLikeRegistry =
    /^(Windows Registry Editor Version [\d.]+|REGEDIT4)\s/i.test(first) ||
    (/^(?:\\\\[^\\\s]+\\)?HKEY_[A-Z_]+\\/im.test(sample) && / {4}REG_[A-Z_]+/.test(sample));
  if (!looksLikeRegistry) return undefined;
  const read = readCurrentVersion(sample, true);
  return read && read.keys.length === 0 ? read.otherKey : undefined;
}

function otherKeyProblem(key: string, fileName: string): Problem {
  const programs = /\\Uninstall(\\|$)/i.test(key)
    ? ' For installed programs, export the Uninstall keys with Get-ItemProperty … | Export-Csv (see the help).'
    : '';
  return {
    severity: 'error',
    code: 'not-currentversion',
    message: `${fileName} is a registry export of "${key}", a key Patchfield does not read. ${HOW_TO}.${programs}`
  };
}

function emptyProblem(what: string): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${what}). ${HOW_TO}, and import the new file.`
  };
}

export const windowsRegistryHandlers: FormatHandler[] = [
  {
    format: 'windows-currentversion',
    family: 'windows',
    howTo: HOW_TO,
    sniff: ({ text, fileName }) => {
      const layout = sniffCurrentVersion(text);
      if (layout) return layout === 'reg-query' || layout === 'reg-file' ? 90 : 85;
      // A registry export of another key: say which key it holds and what to export instead.
      const other = otherRegistryKey(text);
      return other ? otherKeyProblem(other, fileName) : 0;
    },
    create: (sink) => bufferedParser(parseCurrentVersion, sink, 'registry export', 8 * 1024 * 1024)
  }
];
