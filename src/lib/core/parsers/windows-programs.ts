import { JSONParser } from '@streamparser/json';
import type {
  HostObservation,
  ObservationSink,
  ParsedFile,
  ParseResult,
  Problem,
  Software,
  StreamParser
} from '../model';
import { decodeText, sniffEncoding } from './decode';
import { IssueCollector, type FormatHandler } from './handler';
import { normalizeKb } from './kb';
import {
  cleanHostName,
  isCut,
  LOCAL_HOST_KEY,
  newWindowsHost,
  csvDelimiter,
  readCsv,
  splitAtLineFeeds,
  splitCsvRecord,
  splitLines,
  splitListLine,
  unnamedHostProblem
} from './windows-text';

/**
 * Installed programs read from the registry's Uninstall keys with PowerShell:
 *
 *     Get-ItemProperty HKLM:\Software\Microsoft\Windows\CurrentVersion\Uninstall\*,
 *       HKLM:\Software\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\* |
 *       Select-Object DisplayName, DisplayVersion, Publisher, InstallDate | Export-Csv programs.csv
 *
 * as Export-Csv (with or without the "#TYPE" line, comma or -UseCulture semicolon), Format-List, or
 * ConvertTo-Json; `Invoke-Command -ComputerName …` adds PSComputerName, which names the PC of each row.
 *
 * Each key with a DisplayName is a program (ecosystem "windows-program"; "x86" when its PSPath is under
 * Wow6432Node). Keys without a DisplayName are components Windows does not list and are not counted. Keys
 * of Windows Installer patches (ReleaseType "Update", "Security Update" or "Hotfix", or a ParentKeyName, with a
 * KB in the name: Office updates) are installed updates, not programs. A program listed twice with the same
 * name, version and architecture (HKLM and HKCU) counts once. InstallDate is yyyyMMdd in the registry; other
 * layouts some installers write are left out with an info problem (a streamed column cannot be re-read to
 * decide a day/month order).
 *
 * Files from many PCs can be large: the parser streams. Text is decoded chunk by chunk (UTF-8 or UTF-16; a
 * legacy code page is decided on the first 64 KB and decoded when the file is complete), CSV and Format-List are
 * read record by record, and JSON goes through @streamparser/json one array element at a time, so memory holds
 * the programs read so far, never the file.
 */

const HOW_TO =
  'In PowerShell on the PC: Get-ItemProperty HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*, HKLM:\\Software\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\* | Select-Object DisplayName, DisplayVersion, Publisher, InstallDate, PSPath | Export-Csv "$env:COMPUTERNAME-programs.csv" -NoTypeInformation';

/** Property names of an Uninstall key that, with DisplayName, say "this is an installed-programs export". */
const PROGRAM_PROPERTIES = [
  'displayversion',
  'publisher',
  'installdate',
  'uninstallstring',
  'installlocation',
  'estimatedsize',
  'systemcomponent',
  'urlinfoabout'
];

function isProgramColumns(names: string[]): boolean {
  return names.includes('displayname') && names.some((n) => PROGRAM_PROPERTIES.includes(n));
}

type Layout = 'csv' | 'list' | 'json';

/** Which layout of installed-programs export a decoded text is (undefined when it is not one). */
export function sniffInstalledPrograms(text: string): Layout | undefined {
  const sample = text.slice(0, 65536).replace(/^\uFEFF/, '');
  const trimmed = sample.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const keys = [...sample.matchAll(/"([A-Za-z]+)"\s*:/g)].map((m) => (m[1] as string).toLowerCase());
    return isProgramColumns(keys) ? 'json' : undefined;
  }
  const lines = splitLines(sample);
  const first = lines.map((l) => l.trim()).filter((l) => l !== '');
  const header = /^#TYPE\b/i.test(first[0] ?? '') ? first[1] : first[0];
  if (header && /[,;\t]/.test(header) && !/ : /.test(header)) {
    const csv = readCsv(header);
    if (csv && isProgramColumns(csv.header.map((h) => h.toLowerCase()))) return 'csv';
  }
  const listKeys = lines
    .map((l) => {
      const split = splitListLine(l);
      return split && /^(?:\s|$)/.test(split.after) ? split.key.toLowerCase() : undefined;
    })
    .filter((k): k is string => k !== undefined);
  return isProgramColumns(listKeys) ? 'list' : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Streaming decoder and record readers

/** How many bytes decide the encoding (as format detection does). */
const HEAD_BYTES = 64 * 1024;
/** A legacy-encoded file is decoded whole; bigger ones are not what they claim to be. */
const LEGACY_LIMIT = 32 * 1024 * 1024;
/** A record (CSV row, list block, JSON element) longer than this is not an Uninstall key. */
const MAX_RECORD_CHARS = 1024 * 1024;

interface ProgramRecord {
  values: Map<string, string>;
  /** Line (CSV, Format-List) or, for JSON, undefined. */
  line?: number;
  /** "line 12" or "entry 3" (JSON), for messages. */
  where: string;
}

/** Turns text, arriving in pieces, into records of whatever layout the file turns out to be. */
class RecordReader {
  private layout: Layout | undefined;
  private decided = false;
  private pending = '';
  private lineNo = 0;
  // CSV
  private header: string[] | undefined;
  private delimiter = ',';
  private csvRecord: { raw: string; line: number } | undefined;
  private typeLineSeen = false;
  // Format-List
  private listRecord: ProgramRecord | undefined;
  private lastKey: string | undefined;
  // JSON
  private json: JSONParser | undefined;
  private jsonFault: string | undefined;
  private jsonIndex = 0;
  /** Text seen before the layout is decided. */
  private head = '';
  /** Whether the file held nothing but blank characters (known once the layout is decided). */
  blank = false;
  readonly skipped: { line: number; text: string }[] = [];

  constructor(private readonly emit: (record: ProgramRecord) => void) {}

  get fault(): string | undefined {
    return this.jsonFault;
  }

  get kind(): Layout | undefined {
    return this.layout;
  }

  write(text: string): void {
    if (!this.decided) {
      this.head += text;
      if (this.head.length < HEAD_BYTES) return;
      this.decide();
      const all = this.head;
      this.head = '';
      this.feed(all);
      return;
    }
    this.feed(text);
  }

  end(): void {
    if (!this.decided) {
      this.decide();
      const all = this.head;
      this.head = '';
      this.feed(all);
    }
    if (this.layout === 'json') {
      try {
        if (this.json && !this.json.isEnded) this.json.end();
      } catch (err) {
        this.jsonFault ??= err instanceof Error ? err.message : String(err);
      }
      return;
    }
    if (this.pending !== '') {
      const last = this.pending;
      this.pending = '';
      this.line(last);
    }
    this.flushCsv();
    this.flushList();
  }

  private decide(): void {
    this.decided = true;
    this.layout = sniffInstalledPrograms(this.head);
    this.blank = this.head.replace(/\uFEFF/g, '').trim() === '';
    if (this.layout === 'json') {
      const root = this.head.replace(/^\uFEFF/, '').trimStart()[0];
      this.json = new JSONParser({ paths: [root === '[' ? '$.*' : '$'], keepStack: false });
      this.json.onValue = ({ value }) => {
        this.jsonIndex += 1;
        if (!value || typeof value !== 'object' || Array.isArray(value)) return;
        const values = new Map<string, string>();
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
            values.set(k.toLowerCase(), String(v));
          }
        }
        this.emit({ values, where: `entry ${this.jsonIndex}` });
      };
      this.json.onError = (err) => {
        this.jsonFault ??= err.message;
      };
    }
  }

  private feed(text: string): void {
    if (this.layout === 'json') {
      if (this.jsonFault || !this.json) return;
      try {
        this.json.write(text.replace(/^\uFEFF/, ''));
      } catch (err) {
        this.jsonFault ??= err instanceof Error ? err.message : String(err);
      }
      return;
    }
    if (!this.layout) return;
    const joined = this.pending + text;
    const parts = splitAtLineFeeds(joined);
    this.pending = parts.pop() ?? '';
    if (this.pending.length > MAX_RECORD_CHARS) this.pending = this.pending.slice(0, MAX_RECORD_CHARS);
    for (const p of parts) this.line(p);
  }

  private line(raw: string): void {
    this.lineNo += 1;
    const line = raw.replace(/\r/g, '').replace(/^\uFEFF/, '');
    if (this.layout === 'csv') this.csvLine(line);
    else this.listLine(line);
  }

  private csvLine(line: string): void {
    if (!this.csvRecord) {
      if (line.trim() === '') return;
      this.csvRecord = { raw: line, line: this.lineNo };
    } else {
      this.csvRecord.raw += `\n${line}`;
      if (this.csvRecord.raw.length > MAX_RECORD_CHARS) {
        this.skipped.push({ line: this.csvRecord.line, text: 'a row longer than 1 MB' });
        this.csvRecord = undefined;
        return;
      }
    }
    if ((this.csvRecord.raw.split('"').length - 1) % 2 === 0) this.flushCsv();
  }

  private flushCsv(): void {
    const record = this.csvRecord;
    this.csvRecord = undefined;
    if (!record) return;
    if (!this.header && !this.typeLineSeen && /^#TYPE\b/i.test(record.raw.trim())) {
      this.typeLineSeen = true;
      return;
    }
    if (!this.header) {
      this.delimiter = csvDelimiter(record.raw);
      this.header = splitCsvRecord(record.raw, this.delimiter).map((h) => h.trim().toLowerCase());
      return;
    }
    const header = this.header;
    const cells = splitCsvRecord(record.raw, this.delimiter);
    if (cells.length === header.length && cells.every((c, i) => c.trim().toLowerCase() === header[i])) return;
    this.emit({
      values: new Map(header.map((h, i) => [h, (cells[i] ?? '').trim()])),
      line: record.line,
      where: `line ${record.line}`
    });
  }

  private listLine(line: string): void {
    if (line.trim() === '') {
      this.flushList();
      return;
    }
    const split = splitListLine(line);
    const m = split ? /^(?:[ \t](.*))?$/.exec(split.after) : null;
    if (split && m) {
      const key = split.key.toLowerCase();
      if (this.listRecord?.values.has(key)) this.flushList();
      this.listRecord ??= { values: new Map(), line: this.lineNo, where: `line ${this.lineNo}` };
      this.listRecord.values.set(key, (m[1] ?? '').trim());
      this.lastKey = key;
      return;
    }
    if (/^\s/.test(line) && this.listRecord && this.lastKey) {
      const prev = this.listRecord.values.get(this.lastKey) ?? '';
      this.listRecord.values.set(this.lastKey, `${prev} ${line.trim()}`.trim());
      return;
    }
    this.flushList();
    this.skipped.push({ line: this.lineNo, text: line.trim() });
  }

  private flushList(): void {
    const record = this.listRecord;
    this.listRecord = undefined;
    this.lastKey = undefined;
    if (record) this.emit(record);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Records → hosts

class ProgramsCollector {
  readonly collector = new IssueCollector();
  private readonly hosts = new Map<string, HostObservation>();
  private readonly seen = new Map<HostObservation, Set<string>>();
  private readonly updates = new Map<HostObservation, Set<string>>();
  records = 0;

  add(r: ProgramRecord): void {
    this.records += 1;
    const get = (name: string): string => r.values.get(name)?.trim() ?? '';
    const rawHost = get('pscomputername') || get('computername');
    const name = cleanHostName(rawHost);
    const key = name ?? LOCAL_HOST_KEY;
    let host = this.hosts.get(key.toLowerCase());
    if (!host) {
      host = newWindowsHost(key, name);
      this.hosts.set(key.toLowerCase(), host);
      this.seen.set(host, new Set());
      this.updates.set(host, new Set());
    }
    if (rawHost && isCut(rawHost)) {
      this.collector.add({
        severity: 'warning',
        code: 'host-name-cut',
        message: `The computer name is cut short ("${rawHost}", ${r.where}), so it cannot name the asset. Export again with Export-Csv to keep the whole name.`,
        ...(r.line ? { line: r.line } : {})
      });
    }
    const displayName = get('displayname');
    if (displayName === '') {
      this.collector.add({
        severity: 'info',
        code: 'entry-without-name',
        message: `Uninstall keys without a DisplayName (e.g. ${r.where}) are components Windows does not list as programs; they are not counted. Nothing to do.`,
        ...(r.line ? { line: r.line } : {})
      });
      return;
    }
    const releaseType = get('releasetype');
    const parent = get('parentkeyname');
    const kb = normalizeKb(displayName);
    if (kb && (/update|hotfix|service pack/i.test(releaseType) || parent !== '')) {
      const set = this.updates.get(host) as Set<string>;
      if (!set.has(kb)) {
        set.add(kb);
        const installedOn = registryDate(get('installdate'));
        host.installedUpdates.push({
          kb,
          description: displayName,
          ...(installedOn ? { installedOn } : {})
        });
      }
      return;
    }
    const version = get('displayversion');
    const vendor = get('publisher');
    const path = `${get('pspath')} ${get('psparentpath')}`;
    const architecture = /wow6432node/i.test(path) ? 'x86' : undefined;
    const id = `${displayName.toLowerCase()}|${version}|${architecture ?? ''}`;
    const seen = this.seen.get(host) as Set<string>;
    if (seen.has(id)) {
      this.collector.add({
        severity: 'info',
        code: 'duplicate-program',
        message: `Programs listed twice with the same name and version (e.g. "${displayName.slice(0, 60)}", ${r.where}: under HKLM and HKCU) are counted once.`,
        ...(r.line ? { line: r.line } : {})
      });
      return;
    }
    seen.add(id);
    const rawDate = get('installdate');
    const installedOn = registryDate(rawDate);
    if (rawDate !== '' && !installedOn) {
      this.collector.add({
        severity: 'info',
        code: 'install-date-unreadable',
        message: `InstallDate values not written as yyyyMMdd (e.g. "${rawDate}", ${r.where}) were left out; the programs are still counted.`,
        ...(r.line ? { line: r.line } : {})
      });
    }
    const program: Software = {
      name: displayName,
      ...(version ? { version } : {}),
      ...(vendor ? { vendor } : {}),
      ...(architecture ? { architecture } : {}),
      ecosystem: 'windows-program',
      ...(installedOn ? { installedOn } : {})
    };
    host.software.push(program);
  }

  get list(): HostObservation[] {
    return [...this.hosts.values()];
  }

  get hasUnnamed(): boolean {
    return this.hosts.has(LOCAL_HOST_KEY);
  }
}

/** InstallDate as the registry holds it (yyyyMMdd), or an ISO date; undefined for anything else. */
function registryDate(value: string): string | undefined {
  const v = value.trim();
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)/.exec(v);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1980 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCMonth() === mo - 1 ? date.toISOString().slice(0, 10) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The streaming parser

/** A parser that takes an installed-programs export in chunks and hands over its hosts at the end. */
export function createInstalledProgramsParser(sink: ObservationSink): StreamParser {
  const issues: Problem[] = [];
  const programs = new ProgramsCollector();
  const reader = new RecordReader((r) => programs.add(r));
  let size = 0;
  let head: Uint8Array[] = [];
  let headSize = 0;
  let decoder: TextDecoder | undefined;
  let legacy: Uint8Array[] | undefined;
  let legacySize = 0;
  let tooLarge = false;
  let encoding: string | undefined;
  let ended = false;

  const start = (bytes: Uint8Array): void => {
    encoding = sniffEncoding(bytes);
    if (encoding === 'utf-8' || encoding === 'utf-16le' || encoding === 'utf-16be') {
      decoder = new TextDecoder(encoding, { ignoreBOM: false });
      reader.write(decoder.decode(bytes, { stream: true }));
    } else {
      legacy = [bytes];
      legacySize = bytes.length;
    }
  };

  const take = (chunk: Uint8Array): void => {
    if (decoder) {
      reader.write(decoder.decode(chunk, { stream: true }));
      return;
    }
    if (legacy) {
      legacySize += chunk.length;
      if (legacySize > LEGACY_LIMIT) {
        tooLarge = true;
        legacy = [];
        return;
      }
      legacy.push(chunk.slice());
    }
  };

  const concat = (parts: Uint8Array[], total: number): Uint8Array => {
    const out = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  };

  return {
    write(chunk: Uint8Array): void {
      if (ended || tooLarge || chunk.length === 0) return;
      size += chunk.length;
      if (encoding === undefined) {
        head.push(chunk.slice());
        headSize += chunk.length;
        if (headSize < HEAD_BYTES) return;
        const bytes = concat(head, headSize);
        head = [];
        start(bytes);
        return;
      }
      take(chunk);
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (encoding === undefined) {
        const bytes = concat(head, headSize);
        head = [];
        if (bytes.length === 0) {
          issues.push(emptyProblem('0 bytes'));
          return;
        }
        start(bytes);
      }
      if (tooLarge) {
        issues.push({
          severity: 'error',
          code: 'file-too-large',
          message: `The file is ${Math.round(size / 1048576)} MB in a legacy code page, more than Patchfield reads in one piece. Export it again with Export-Csv -Encoding UTF8.`
        });
        return;
      }
      if (decoder) reader.write(decoder.decode());
      else if (legacy) reader.write(decodeText(concat(legacy, legacySize)).text);
      reader.end();
      finish();
    },
    get issues() {
      return issues;
    },
    get position() {
      return `${programs.records} entries read`;
    }
  };

  function finish(): void {
    if (!reader.kind) {
      if (reader.blank) {
        issues.push(emptyProblem('only blank characters'));
        return;
      }
      issues.push({
        severity: 'error',
        code: 'not-installed-programs',
        message: `This file is not an installed-programs export: no DisplayName column with DisplayVersion, Publisher or InstallDate was found. ${HOW_TO}, then import that file.`
      });
      return;
    }
    if (reader.fault) {
      issues.push({
        severity: programs.records > 0 ? 'warning' : 'error',
        code: 'json-not-well-formed',
        message: `The JSON file is damaged or cut off after ${programs.records} entries; the entries before that point were read. Export it again with ConvertTo-Json and copy the whole file.`,
        detail: reader.fault
      });
    }
    for (const s of reader.skipped) {
      programs.collector.add({
        severity: 'info',
        code: 'lines-skipped',
        message: `Lines that are not part of the export (e.g. "${s.text.slice(0, 60)}", line ${s.line}) were skipped. Nothing to do.`,
        line: s.line
      });
    }
    if (programs.hasUnnamed) {
      programs.collector.add(
        unnamedHostProblem(
          'installed-programs export',
          'export through Invoke-Command, whose PSComputerName column names the PC'
        )
      );
    }
    if (programs.records === 0) {
      programs.collector.add({
        severity: 'warning',
        code: 'no-programs',
        message: `The export has a header but no programs. ${HOW_TO}, and import the new file.`
      });
    }
    issues.push(...programs.collector.problems);
    for (const h of programs.list) sink.host(h);
  }
}

function emptyProblem(what: string): Problem {
  return {
    severity: 'error',
    code: 'empty-file',
    message: `The file is empty (${what}). ${HOW_TO}, and import the new file.`
  };
}

/** The whole-file form of {@link createInstalledProgramsParser}, for tests and the CLI. */
export function parseInstalledPrograms(bytes: Uint8Array): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const parser = createInstalledProgramsParser({ host: (h) => hosts.push(h), rule: () => {} });
  parser.write(bytes);
  parser.end();
  return { value: { format: 'windows-installed-programs', hosts, rules: [] }, issues: [...parser.issues] };
}

export const windowsProgramsHandlers: FormatHandler[] = [
  {
    format: 'windows-installed-programs',
    family: 'windows',
    howTo: HOW_TO,
    sniff: ({ text }) => (sniffInstalledPrograms(text) ? 85 : 0),
    create: (sink) => createInstalledProgramsParser(sink)
  }
];
