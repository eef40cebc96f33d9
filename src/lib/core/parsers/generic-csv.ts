import Papa from 'papaparse';
import { z } from 'zod';
import type {
  HostObservation,
  InstalledUpdate,
  ParsedFile,
  ParseResult,
  PendingUpdate,
  Problem
} from '../model';
import { decodeText } from './decode';
import { IssueCollector } from './handler';
import { normalizeKb } from './kb';
import { isWindowsName, parseWindowsOs } from './windows-os';

/**
 * CSV exports of RMM and inventory tools (NinjaOne, Datto RMM, N-able, ConnectWise Automate, PDQ Inventory,
 * Lansweeper, ManageEngine …) have no fixed layout. The technician maps columns once; the mapping is saved as a
 * named preset and applied automatically the next time the same header appears.
 */

/** What a column can mean. */
export const MAPPING_FIELDS = {
  hostname: 'Computer name',
  fqdn: 'Fully qualified name',
  ip: 'IP address',
  mac: 'MAC address',
  osName: 'Operating system',
  osVersion: 'OS version / build',
  softwareName: 'Installed program',
  softwareVersion: 'Program version',
  softwareVendor: 'Program publisher',
  patchName: 'Update / patch title',
  patchKb: 'Update KB number',
  patchStatus: 'Update status (installed, missing, …)',
  patchDate: 'Update install date',
  patchSeverity: 'Update severity / classification'
} as const;

export type MappingField = keyof typeof MAPPING_FIELDS;

/** Field → the header name of the column that holds it. */
export type CsvMapping = z.infer<typeof csvMappingSchema>;
export const csvMappingSchema = z.partialRecord(
  z.enum(Object.keys(MAPPING_FIELDS) as [MappingField, ...MappingField[]]),
  z.string()
);

/** Header names people's tools use for each field, lower case, most specific first. */
const SYNONYMS: Record<MappingField, string[]> = {
  hostname: [
    'computer name',
    'device name',
    'hostname',
    'host name',
    'system name',
    'machine name',
    'asset name',
    'endpoint name',
    'netbios name',
    'device',
    'computer',
    'endpoint',
    'name'
  ],
  fqdn: ['fqdn', 'dns name', 'full dns name', 'fully qualified domain name'],
  ip: ['ip address', 'ipv4 address', 'last ip', 'local ip', 'private ip', 'ip addresses', 'ipv4', 'ip'],
  mac: ['mac address', 'mac addresses', 'mac'],
  osName: ['operating system', 'os name', 'os', 'platform', 'os caption'],
  osVersion: ['os version', 'os build', 'build number', 'os build number', 'version'],
  softwareName: [
    'software name',
    'application name',
    'program name',
    'application',
    'software',
    'program',
    'product'
  ],
  softwareVersion: [
    'software version',
    'application version',
    'program version',
    'product version',
    'app version'
  ],
  softwareVendor: ['publisher', 'vendor', 'manufacturer', 'software publisher'],
  patchName: ['patch name', 'update name', 'patch title', 'update title', 'patch', 'update', 'title'],
  patchKb: ['kb', 'kb number', 'kb article', 'kb id', 'hotfix id', 'hotfixid', 'patch id', 'article'],
  patchStatus: ['patch status', 'update status', 'installation status', 'install status', 'state', 'status'],
  patchDate: ['installed on', 'install date', 'installed date', 'date installed', 'installation date'],
  patchSeverity: ['severity', 'classification', 'category', 'priority', 'patch severity']
};

export interface CsvPreview {
  header: string[];
  rows: string[][];
  delimiter: string;
  /** 1-based line of the header (after any preamble lines). */
  headerLine: number;
}

/** Header names, normalised, joined: two files with this signature have the same layout. */
export function headerSignature(header: string[]): string {
  return header.map((h) => h.trim().toLowerCase().replace(/\s+/g, ' ')).join('|');
}

/**
 * The header and first rows of a delimited text file, or undefined when it is not one (fewer than two columns, or
 * rows that do not line up with the header).
 */
export function previewCsv(bytes: Uint8Array, maxRows = 8): CsvPreview | undefined {
  const text = decodeText(bytes.subarray(0, 256 * 1024)).text;
  const lines = text.split(/\r?\n/);
  const parsed = Papa.parse<string[]>(lines.slice(0, 400).join('\n'), { skipEmptyLines: 'greedy' });
  const data = parsed.data.filter((r) => r.some((c) => c.trim() !== ''));
  // The header is the first row as wide as most rows (preamble lines are narrower).
  const widths = data.map((r) => r.length);
  const common = mode(widths);
  if (common < 2) return undefined;
  const headerIndex = data.findIndex((r) => r.length === common);
  const header = data[headerIndex]!.map((h) => h.trim());
  if (header.filter((h) => h !== '').length < 2) return undefined;
  const rows = data.slice(headerIndex + 1).filter((r) => r.length === common);
  if (rows.length === 0) return undefined;
  const headerLine = lines.findIndex((l) => l.includes(header[0]!) && l.includes(header[1]!)) + 1;
  return {
    header,
    rows: rows.slice(0, maxRows),
    delimiter: parsed.meta.delimiter,
    headerLine: Math.max(1, headerLine)
  };
}

/** A first guess of the mapping from the header names; each column is used for one field at most. */
export function guessCsvMapping(header: string[]): CsvMapping {
  const lower = header.map((h) => h.trim().toLowerCase());
  const used = new Set<number>();
  const mapping: CsvMapping = {};
  // Exact synonym matches first (for every field), then "contains" matches, so "version" does not steal "os version".
  for (const exact of [true, false]) {
    for (const field of Object.keys(SYNONYMS) as MappingField[]) {
      if (mapping[field]) continue;
      for (const synonym of SYNONYMS[field]) {
        const index = lower.findIndex(
          (h, i) => !used.has(i) && (exact ? h === synonym : synonym.length > 3 && h.includes(synonym))
        );
        if (index >= 0) {
          mapping[field] = header[index]!;
          used.add(index);
          break;
        }
      }
    }
  }
  // A bare "Version" column beside a program column, in a file without an OS column, is the program's version.
  if (mapping.osVersion && !mapping.osName && mapping.softwareName && !mapping.softwareVersion) {
    if (mapping.osVersion.trim().toLowerCase() === 'version') {
      mapping.softwareVersion = mapping.osVersion;
      delete mapping.osVersion;
    }
  }
  return mapping;
}

/** The mapping is usable when it names a machine column and at least one thing to read about it. */
export function mappingProblems(mapping: CsvMapping): string[] {
  const problems: string[] = [];
  if (!mapping.hostname && !mapping.ip && !mapping.fqdn)
    problems.push('Choose the column that names the computer.');
  const facts: MappingField[] = ['osName', 'osVersion', 'softwareName', 'patchName', 'patchKb'];
  if (!facts.some((f) => mapping[f])) {
    problems.push('Choose at least one column about the computer: its OS, a program, or an update.');
  }
  return problems;
}

const INSTALLED = /^(installed|success|succeeded|ok|compliant|applied|done|yes)$/i;
const NOT_INSTALLED =
  /(missing|pending|available|approved|failed|not installed|needed|required|reboot|scheduled|no)/i;

/**
 * Reads a CSV with the technician's mapping: one host per distinct computer; programs, installed and pending
 * updates from the mapped columns. Rows without a computer name are skipped with a grouped warning.
 */
export function parseMappedCsv(bytes: Uint8Array, mapping: CsvMapping): ParseResult<ParsedFile> {
  const issues = new IssueCollector();
  const value: ParsedFile = { format: 'generic-csv', hosts: [], rules: [] };
  const preview = previewCsv(bytes, 1);
  if (!preview) {
    return {
      value,
      issues: [
        {
          severity: 'error',
          code: 'not-csv',
          message: 'This file is not a table with a header row. Export the report as CSV from the tool.'
        }
      ]
    };
  }
  const text = decodeText(bytes).text;
  const lines = text.split(/\r?\n/);
  const parsed = Papa.parse<Record<string, string>>(lines.slice(preview.headerLine - 1).join('\n'), {
    header: true,
    skipEmptyLines: 'greedy',
    delimiter: preview.delimiter
  });
  const hosts = new Map<string, HostObservation>();
  const col = (row: Record<string, string>, field: MappingField): string => {
    const name = mapping[field];
    return name ? (row[name] ?? '').trim() : '';
  };
  parsed.data.forEach((row, i) => {
    const line = preview.headerLine + i + 1;
    const hostname = col(row, 'hostname');
    const fqdn = col(row, 'fqdn');
    const ips = splitList(col(row, 'ip'));
    const key = (hostname || fqdn || ips[0] || '').toLowerCase();
    if (!key) {
      issues.add({
        severity: 'warning',
        code: 'row-without-computer',
        message: 'Rows without a computer name or address were skipped.',
        line
      });
      return;
    }
    let host = hosts.get(key);
    if (!host) {
      host = {
        key,
        ...(hostname ? { hostname } : {}),
        ...(fqdn.includes('.') ? { fqdn } : {}),
        ips: [],
        macs: [],
        installedUpdates: [],
        software: [],
        pendingUpdates: [],
        findings: []
      };
      hosts.set(key, host);
    }
    for (const ip of ips) if (!host.ips.includes(ip)) host.ips.push(ip);
    for (const mac of splitList(col(row, 'mac'))) if (!host.macs.includes(mac)) host.macs.push(mac);
    const osName = col(row, 'osName');
    const osVersion = col(row, 'osVersion');
    if ((osName || osVersion) && !host.os) {
      host.os = isWindowsName(osName)
        ? parseWindowsOs(osName, osVersion)
        : {
            family: osFamily(osName),
            ...(osName ? { name: osName } : {}),
            ...(osVersion ? { version: osVersion } : {})
          };
    }
    const softwareName = col(row, 'softwareName');
    if (softwareName) {
      const version = col(row, 'softwareVersion');
      const vendor = col(row, 'softwareVendor');
      host.software.push({
        name: softwareName,
        ...(version ? { version } : {}),
        ...(vendor ? { vendor } : {})
      });
    }
    const patchName = col(row, 'patchName');
    const kb = normalizeKb(col(row, 'patchKb')) ?? normalizeKb(patchName);
    if (patchName || kb) {
      const status = col(row, 'patchStatus');
      const installed = status ? INSTALLED.test(status) : Boolean(col(row, 'patchDate'));
      if (installed && kb) {
        const date = isoDate(col(row, 'patchDate'));
        const update: InstalledUpdate = {
          kb,
          ...(date ? { installedOn: date } : {}),
          ...(patchName ? { description: patchName } : {})
        };
        if (!host.installedUpdates.some((u) => u.kb === kb)) host.installedUpdates.push(update);
      } else if (!installed && (!status || NOT_INSTALLED.test(status))) {
        const severity = col(row, 'patchSeverity');
        const pending: PendingUpdate = {
          name: patchName || kb!,
          ...(kb ? { kb } : {}),
          kind: kb ? 'windows-update' : 'application',
          ...(/secur|critical|important/i.test(`${severity} ${patchName}`) ? { security: true } : {})
        };
        host.pendingUpdates.push(pending);
      } else if (installed && !kb) {
        issues.add({
          severity: 'info',
          code: 'installed-without-kb',
          message: 'Installed updates without a KB number are not counted as installed updates.',
          line
        });
      }
    }
  });
  for (const e of parsed.errors) {
    issues.add({
      severity: 'warning',
      code: 'csv-row-unreadable',
      message: `A row could not be read (${e.message}); it was skipped.`,
      line: preview.headerLine + (e.row ?? 0) + 1
    });
  }
  value.hosts = [...hosts.values()];
  const problems: Problem[] = issues.problems;
  if (value.hosts.length === 0) {
    problems.push({
      severity: 'error',
      code: 'no-hosts',
      message: 'No computer could be read with this column mapping. Check which column names the computer.'
    });
  }
  return { value, issues: problems };
}

function splitList(text: string): string[] {
  return text
    .split(/[;,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

function osFamily(name: string): 'linux' | 'macos' | 'unknown' | 'other' {
  if (/mac ?os|os x|darwin/i.test(name)) return 'macos';
  if (/linux|ubuntu|debian|centos|red ?hat|rhel|suse|fedora|rocky|alma/i.test(name)) return 'linux';
  return name ? 'other' : 'unknown';
}

/** ISO dates as they are; other shapes are left out rather than guessed per row. */
function isoDate(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

function mode(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v > best)) [best, bestCount] = [v, c];
  return best;
}
