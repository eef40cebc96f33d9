import type { HostObservation, Problem } from '../model';
import { decodeText, type DecodeOptions } from './decode';

/**
 * Reading the text that Windows tools and PowerShell write, shared by the Windows inventory parsers:
 * decoding (UTF-16 with or without BOM, OEM code pages, an 8-bit line glued in front of UTF-16 text),
 * lines (CRLF, wmic's CR CR LF, winget's carriage-return progress lines), tables laid out by column position
 * (wmic, Format-Table, winget), `Format-List` records, `Export-Csv` files (with or without the `#TYPE` line),
 * locale dates whose day/month order is decided from a whole column, and the host an export belongs to.
 */

// ---------------------------------------------------------------------------------------------------------
// Decoding

export interface DecodedExport {
  text: string;
  encoding: string;
  bom: boolean;
  issues: Problem[];
}

/**
 * Decodes an export. Besides what {@link decodeText} does, it reads a file that starts with a line of 8-bit
 * text followed by UTF-16LE without a BOM: `wmic` on a fresh machine prints "Please wait while WMIC is being
 * installed." in the console code page before its UTF-16 table, and redirection keeps both. Decoding the whole
 * file one way would garble one part or the other.
 */
export function decodeWindowsExport(bytes: Uint8Array, options: DecodeOptions = {}): DecodedExport {
  const split = mixedUtf16Start(bytes);
  if (split === undefined) {
    const decoded = decodeText(bytes, options);
    return { ...decoded, issues: [] };
  }
  const prefix = decodeText(bytes.subarray(0, split), options).text;
  const rest = new TextDecoder('utf-16le', { ignoreBOM: false }).decode(bytes.subarray(split));
  const shown = prefix.trim().replace(/\s+/g, ' ').slice(0, 80);
  // The 8-bit part keeps its own line breaks so that line numbers still match the file; text on the same line
  // as the start of the UTF-16 part is dropped (it is a message, not data).
  const newlines = splitAtLineFeeds(prefix).length - 1;
  return {
    text: '\n'.repeat(newlines) + rest,
    encoding: 'utf-16le',
    bom: false,
    issues: [
      {
        severity: 'warning',
        code: 'mixed-encoding',
        message: `The file starts with ${split} bytes of plain text ("${shown}") and continues in UTF-16: two outputs were written into one file. Patchfield skipped the plain-text part and read the rest; if something is missing, export again into a new, empty file.`,
        line: 1,
        detail: `8-bit prefix of ${split} bytes, UTF-16LE from byte ${split}`
      }
    ]
  };
}

/** The text of a file made of an 8-bit line and BOM-less UTF-16LE (undefined for any other file). */
export function decodeMixedExport(bytes: Uint8Array): string | undefined {
  return mixedUtf16Start(bytes) === undefined ? undefined : decodeWindowsExport(bytes).text;
}

/** Where BOM-less UTF-16LE text begins after an 8-bit prefix (undefined when the file is not like that). */
function mixedUtf16Start(bytes: Uint8Array): number | undefined {
  if (bytes.length < 16) return undefined;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return undefined;
  const limit = Math.min(bytes.length, 4096);
  let firstNul = -1;
  for (let i = 0; i < limit; i++) {
    if (bytes[i] === 0) {
      firstNul = i;
      break;
    }
  }
  // A NUL at byte 1 is plain UTF-16 from the start: decodeText handles that.
  if (firstNul < 2) return undefined;
  const start = firstNul - 1;
  // The prefix must be text (no control codes other than CR, LF, TAB).
  for (let i = 0; i < start; i++) {
    const b = bytes[i] ?? 0;
    if (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return undefined;
  }
  // What follows must look like UTF-16LE: mostly NULs in the odd positions, few in the even ones.
  const end = Math.min(bytes.length - 1, start + 4096);
  let odd = 0;
  let even = 0;
  let pairs = 0;
  for (let i = start; i + 1 <= end; i += 2) {
    pairs += 1;
    if (bytes[i + 1] === 0) odd += 1;
    if (bytes[i] === 0) even += 1;
  }
  return pairs >= 8 && odd >= pairs * 0.4 && even * 10 <= odd ? start : undefined;
}

/** A file that holds nothing but a BOM and blank characters. */
export function isBlank(text: string): boolean {
  return text.replace(/\uFEFF/g, '').trim() === '';
}

// ---------------------------------------------------------------------------------------------------------
// Lines

/**
 * Splits text into lines; the line number of `lines[i]` is `i + 1`. CR LF, LF and wmic's CR CR LF end a line.
 * A carriage return inside a line means the tool redrew it (winget's spinner and progress bars): only the last
 * non-blank redraw is kept, as a terminal would show it. Terminal escape sequences and stray control codes go,
 * and so do byte order marks (outputs appended to one file each bring their own).
 */
export function splitLines(text: string): string[] {
  return splitAtLineFeeds(text).map(cleanLine);
}

/**
 * `text.split(/\r*\n/)` in one pass: each "\n" ends a line, with the "\r"s just before it. The expression itself
 * retries a run of "\r" from each of its characters when no "\n" follows (48,000 of them took 9 s).
 */
export function splitAtLineFeeds(text: string): string[] {
  const parts = text.split('\n');
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    let end = part.length;
    while (end > 0 && part.charCodeAt(end - 1) === 0x0d) end--;
    if (end < part.length) parts[i] = part.slice(0, end);
  }
  return parts;
}

function cleanLine(line: string): string {
  let out = line;
  if (out.includes('\r')) {
    const parts = out.split('\r');
    out = [...parts].reverse().find((p) => p.trim() !== '') ?? '';
  }
  // eslint-disable-next-line no-control-regex
  return out.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\uFEFF]/g, '');
}

/** The first non-blank line (shortened), for messages that say what a file holds instead. */
export function firstTextLine(lines: string[]): { line: number; text: string } | undefined {
  const i = lines.findIndex((l) => l.trim() !== '');
  if (i < 0) return undefined;
  const t = (lines[i] ?? '').trim();
  return { line: i + 1, text: t.length > 70 ? `${t.slice(0, 70)}…` : t };
}

// ---------------------------------------------------------------------------------------------------------
// Display width: consoles give East Asian wide characters two cells, and column layouts count cells.

const isWide = (cp: number): boolean =>
  (cp >= 0x1100 && cp <= 0x115f) ||
  (cp >= 0x2e80 && cp <= 0x303e) ||
  (cp >= 0x3041 && cp <= 0x33ff) ||
  (cp >= 0x3400 && cp <= 0x4dbf) ||
  (cp >= 0x4e00 && cp <= 0x9fff) ||
  (cp >= 0xa000 && cp <= 0xa4cf) ||
  (cp >= 0xac00 && cp <= 0xd7a3) ||
  (cp >= 0xf900 && cp <= 0xfaff) ||
  (cp >= 0xfe30 && cp <= 0xfe4f) ||
  (cp >= 0xff00 && cp <= 0xff60) ||
  (cp >= 0xffe0 && cp <= 0xffe6) ||
  (cp >= 0x1f300 && cp <= 0x1f64f) ||
  (cp >= 0x20000 && cp <= 0x3fffd);

/** The cells of a line: one entry per cell, holding the character that starts there ('' for the second half). */
function toCells(line: string, countWide: boolean): string[] {
  const cells: string[] = [];
  for (const ch of line) {
    cells.push(ch);
    if (countWide && isWide(ch.codePointAt(0) ?? 0)) cells.push('');
  }
  return cells;
}

// ---------------------------------------------------------------------------------------------------------
// Tables laid out by column position

export interface TableColumn {
  name: string;
  /** First cell of the column. */
  start: number;
}

export interface TableRow {
  /** One trimmed value per column. */
  cells: string[];
  /** 1-based line number. */
  line: number;
  /** Whether the row's values did not start where the header's columns do (and were placed by order). */
  misaligned?: boolean;
}

export interface Table {
  columns: TableColumn[];
  /** 1-based line of the header. */
  headerLine: number;
  rows: TableRow[];
  /** 0-based index of the first line after the table (a blank line or the end). */
  end: number;
}

/** A line of dashes under a header: PowerShell's "---- -------" (one run per column) or winget's single rule. */
export const DASH_LINE = /^\s*-{2,}(?:\s+-{2,})*\s*$/;

/**
 * Reads a table whose header sits directly above a line of dashes, as PowerShell's Format-Table and winget
 * print it. Columns start where the header's words start (Format-Table right-aligns some columns, e.g. sizes:
 * the gap between two columns is found where every row has a blank). Values are cut by display cells, so CJK
 * names do not shift the columns after them. Rows run until a blank line or the end of the text.
 */
export function readDashedTable(
  lines: string[],
  headerIndex: number,
  options: { wide?: boolean; stopAtBlank?: boolean } = {}
): Table {
  const wide = options.wide ?? true;
  const header = lines[headerIndex] ?? '';
  const dashes = lines[headerIndex + 1] ?? '';
  const headerCells = toCells(header, wide);
  const dashCells = toCells(dashes, wide);
  const runs = [...dashes.matchAll(/-+/g)];
  const words = wordsByCell(headerCells);

  // Column starts: each dash run is one column when there are several; one long rule (winget) → header words.
  const spans: { name: string; start: number; end: number }[] =
    runs.length >= 2
      ? cellRuns(dashCells).map((r) => ({
          name: headerCells.slice(r.start, r.end).join('').trim(),
          start: r.start,
          end: r.end
        }))
      : words.map((w) => ({ name: w.text, start: w.start, end: w.end }));

  const stopAtBlank = options.stopAtBlank ?? true;
  const body: { cells: string[]; line: number }[] = [];
  let i = headerIndex + 2;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      if (stopAtBlank) break;
      continue;
    }
    if (DASH_LINE.test(line) && i > headerIndex + 2) break;
    body.push({ cells: toCells(line, wide), line: i + 1 });
  }

  // Boundaries: the rightmost cell between two columns that is blank in the header and every row.
  const all = [headerCells, ...body.map((b) => b.cells)];
  const blankEverywhere = (cell: number): boolean => all.every((c) => (c[cell] ?? ' ').trim() === '');
  const bounds: number[] = [];
  for (let k = 0; k + 1 < spans.length; k++) {
    const col = spans[k] as { start: number; end: number };
    const next = spans[k + 1] as { start: number; end: number };
    let bound = next.start - 1;
    for (let p = next.start - 1; p >= col.end; p--) {
      if (blankEverywhere(p)) {
        bound = p;
        break;
      }
    }
    bounds.push(Math.max(bound, col.start));
  }
  const starts = [spans[0]?.start ?? 0, ...bounds.map((b) => b + 1)];
  const rows: TableRow[] = body.map((b) => ({
    line: b.line,
    cells: starts.map((s, k) => {
      const e = k + 1 < starts.length ? (starts[k + 1] as number) : undefined;
      return b.cells
        .slice(k === 0 ? 0 : s, e)
        .join('')
        .trim();
    })
  }));
  return {
    columns: spans.map((c, k) => ({ name: c.name, start: starts[k] ?? c.start })),
    headerLine: headerIndex + 1,
    rows,
    end: i
  };
}

/** Runs of non-blank cells in a line, with the text they hold. */
function wordsByCell(cells: string[]): { text: string; start: number; end: number }[] {
  const words: { text: string; start: number; end: number }[] = [];
  let start = -1;
  for (let p = 0; p <= cells.length; p++) {
    const blank = p === cells.length || (cells[p] ?? ' ') === ' ' || cells[p] === '\t';
    if (!blank && start < 0) start = p;
    if (blank && start >= 0) {
      words.push({ text: cells.slice(start, p).join(''), start, end: p });
      start = -1;
    }
  }
  return words;
}

function cellRuns(cells: string[]): { start: number; end: number }[] {
  return wordsByCell(cells).map((w) => ({ start: w.start, end: w.end }));
}

/**
 * Reads a table whose columns are separated by two or more blanks and which has no dash line: the layout of
 * `wmic ... list` and `wmic ... get`. Each value starts where its column's header word starts; a row whose
 * values were shifted (a name longer or shorter than its padding, as when a file was edited or re-encoded)
 * has its later values placed in order after the last one that matched, and is marked `misaligned`.
 */
export function readSpacedTable(lines: string[], headerIndex: number): Table {
  const header = lines[headerIndex] ?? '';
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  const rows: TableRow[] = [];
  let i = headerIndex + 1;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const cells = columns.map(() => '');
    let last = -1;
    let misaligned = false;
    for (const m of line.matchAll(/\S+(?: \S+)*/g)) {
      const at = m.index;
      let col = columns.findIndex((c) => c.start === at);
      if (col <= last) {
        let containing = -1;
        columns.forEach((c, k) => {
          if (c.start <= at) containing = k;
        });
        col = containing > last ? containing : last + 1;
        misaligned = true;
      }
      if (col >= columns.length) {
        col = columns.length - 1;
        cells[col] = `${cells[col]} ${m[0]}`.trim();
      } else {
        cells[col] = m[0];
      }
      last = col;
    }
    rows.push({ cells, line: i + 1, ...(misaligned ? { misaligned } : {}) });
  }
  return { columns, headerLine: headerIndex + 1, rows, end: i };
}

/** Text that a table cut to fit its column: PowerShell 5.1 ends it in "...", PowerShell 7 and winget in "…". */
export function isCut(value: string): boolean {
  return /(?:\.\.\.|…)$/.test(value.trim());
}

// ---------------------------------------------------------------------------------------------------------
// Format-List

export interface ListField {
  key: string;
  value: string;
  line: number;
}

export interface ListRecord {
  fields: ListField[];
  line: number;
}

export interface FormatList {
  records: ListRecord[];
  /** Lines that are neither "Name : value" nor a continuation (warnings, prompts, junk). */
  other: { line: number; text: string }[];
}

/**
 * PowerShell's `Format-List`: "Name : value" lines, names padded so that the colons line up, one blank line
 * between objects, long values wrapped onto lines indented to the value column (joined back with a space, as
 * PowerShell wraps at word boundaries). "WARNING: …" and other lines without " : " are returned apart.
 */
export function readFormatList(lines: string[]): FormatList {
  const records: ListRecord[] = [];
  const other: { line: number; text: string }[] = [];
  let current: ListRecord | undefined;
  let last: ListField | undefined;
  lines.forEach((raw, i) => {
    const no = i + 1;
    if (raw.trim() === '') {
      current = undefined;
      last = undefined;
      return;
    }
    const split = splitListLine(raw);
    const m = split ? /^(?:[ \t](.*))?$/.exec(split.after) : null;
    if (split && m) {
      const key = split.key;
      if (current && current.fields.some((f) => f.key.toLowerCase() === key.toLowerCase()))
        current = undefined;
      if (!current) {
        current = { fields: [], line: no };
        records.push(current);
      }
      last = { key, value: (m[1] ?? '').trim(), line: no };
      current.fields.push(last);
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.value = `${last.value} ${raw.trim()}`.trim();
      return;
    }
    other.push({ line: no, text: raw.trim() });
    current = undefined;
    last = undefined;
  });
  return { records, other };
}

/**
 * "Name   : value", "Name :" (empty value): the name (from the first character, which is not blank, to the blanks
 * before the next colon) and what follows that colon. The blank before the colon tells it from "WARNING: text".
 * Split by hand: the regular expression /^(\S[^:]*?)\s+:/ takes time quadratic in a run of blanks that no colon
 * follows (37,000 spaces on one line kept format detection busy for seconds).
 */
export function splitListLine(line: string): { key: string; after: string } | undefined {
  const colon = line.indexOf(':', 1);
  if (colon < 0) return undefined;
  const key = line.slice(0, colon).trimEnd();
  if (key === '' || key.length === colon || /^\s/.test(key)) return undefined;
  return { key, after: line.slice(colon + 1) };
}

/** A record's value for the first of these names that it has (ignoring case). */
export function listValue(record: ListRecord, ...names: string[]): ListField | undefined {
  for (const n of names) {
    const f = record.fields.find((x) => x.key.toLowerCase() === n.toLowerCase());
    if (f) return f;
  }
  return undefined;
}

/** PowerShell stream messages that land in a redirected file: WARNING:, VERBOSE:, DEBUG: (and translations). */
export const POWERSHELL_MESSAGE =
  /^(?:WARNING|VERBOSE|DEBUG|WARNUNG|AUSFÜHRLICH|AVERTISSEMENT|COMMENTAIRES|ADVERTENCIA|DETALLADO|AVVISO|DETTAGLIATO|AVISO|DETALHADO|WAARSCHUWING|UITGEBREID|OSTRZEŻENIE|SZCZEGÓŁOWE|ПРЕДУПРЕЖДЕНИЕ|ПОДРОБНО|警告|詳細|详细信息|경고|자세한 정보)\s*:/i;

// ---------------------------------------------------------------------------------------------------------
// CSV (Export-Csv, wmic /format:csv)

export interface CsvRow {
  cells: string[];
  line: number;
}

export interface CsvTable {
  header: string[];
  headerLine: number;
  rows: CsvRow[];
  delimiter: string;
  /** The type name of PowerShell's "#TYPE …" first line, when present. */
  typeName?: string;
}

/**
 * Reads a CSV export: an optional "#TYPE …" line (Windows PowerShell's Export-Csv without -NoTypeInformation),
 * blank lines before the header (wmic /format:csv starts with one), a header, then rows. Fields follow
 * RFC 4180 (quotes, doubled quotes, line breaks inside quotes); each row keeps the line it starts on. The
 * delimiter is the one the header uses: a comma, or the semicolon of -UseCulture in many European locales.
 * Undefined when the text has no header line.
 */
export function readCsv(text: string): CsvTable | undefined {
  const records = csvRecords(text);
  let k = 0;
  let typeName: string | undefined;
  while (k < records.length && (records[k]?.raw.trim() ?? '') === '') k++;
  const first = records[k];
  if (first && /^#TYPE\b/i.test(first.raw.trim())) {
    typeName = first.raw.trim().replace(/^#TYPE\s*/i, '');
    k++;
  }
  while (k < records.length && (records[k]?.raw.trim() ?? '') === '') k++;
  const headerRecord = records[k];
  if (!headerRecord) return undefined;
  const delimiter = csvDelimiter(headerRecord.raw);
  const header = splitCsvRecord(headerRecord.raw, delimiter).map((h) => h.trim());
  const rows: CsvRow[] = [];
  for (const r of records.slice(k + 1)) {
    if (r.raw.trim() === '') continue;
    rows.push({ cells: splitCsvRecord(r.raw, delimiter), line: r.line });
  }
  return { header, headerLine: headerRecord.line, rows, delimiter, ...(typeName ? { typeName } : {}) };
}

/** Physical lines joined into records where a quoted field spans lines. */
function csvRecords(text: string): { raw: string; line: number }[] {
  const lines = splitAtLineFeeds(text);
  const out: { raw: string; line: number }[] = [];
  let pending: { raw: string; line: number } | undefined;
  lines.forEach((l, i) => {
    const line = l.replace(/^\uFEFF/, '').replace(/\r$/, '');
    if (pending) {
      pending.raw += `\n${line}`;
    } else {
      pending = { raw: line, line: i + 1 };
    }
    if (quotesBalanced(pending.raw)) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

function quotesBalanced(text: string): boolean {
  let n = 0;
  for (const ch of text) if (ch === '"') n++;
  return n % 2 === 0;
}

/** The delimiter a CSV header line uses: comma, semicolon (-UseCulture) or tab. */
export function csvDelimiter(headerLine: string): string {
  const outside = headerLine.replace(/"[^"]*"/g, '');
  const count = (d: string): number => outside.split(d).length - 1;
  const candidates: [string, number][] = [
    [',', count(',')],
    [';', count(';')],
    ['\t', count('\t')]
  ];
  candidates.sort((a, b) => b[1] - a[1]);
  return (candidates[0] as [string, number])[1] > 0 ? (candidates[0] as [string, number])[0] : ',';
}

/** The fields of one CSV record (which may span lines), quotes removed. */
export function splitCsvRecord(record: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < record.length) {
    const ch = record[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (record[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else {
      cell += ch;
    }
    i++;
  }
  cells.push(cell);
  return cells;
}

// ---------------------------------------------------------------------------------------------------------
// Dates

export type DateOrder = 'mdy' | 'dmy' | 'ymd';

export interface DateDecision {
  /** The order every date of the column is read in; undefined when the column cannot tell. */
  order?: DateOrder;
  /** No value shows which part is the day (e.g. only 3/7/2019 and 1/2/2020): the order could be either. */
  ambiguous: boolean;
  /** Some values are day-first and others month-first: the column mixes layouts. */
  conflicting: boolean;
}

interface DateParts {
  a: number;
  b: number;
  c: number;
  /** The first part has four digits (yyyy-MM-dd, yyyy/M/d, yyyy.MM.dd.). */
  yearFirst: boolean;
  separator: string;
}

/** "3/7/2019 12:00:00 AM", "07.03.2019 00:00:00", "7. 3. 2019", "2019/03/07", "2019. 03. 07." → parts. */
function dateParts(value: string): DateParts | undefined {
  const m = /^\s*(\d{1,4})\s*([./-])\s*(\d{1,2})\s*[./-]\s*(\d{1,4})\.?(?:$|[\sT,])/.exec(value);
  if (!m) return undefined;
  const first = m[1] as string;
  const last = m[4] as string;
  if (first.length === 4 && last.length > 2) return undefined;
  if (first.length === 3 || last.length === 3) return undefined;
  return {
    a: Number(first),
    b: Number(m[3]),
    c: Number(last),
    yearFirst: first.length === 4,
    separator: m[2] as string
  };
}

/**
 * Decides the day/month order of a whole date column, never row by row: a value with a first part above 12
 * makes the column day-first, one with a second part above 12 month-first. Year-first dates are read as
 * year-month-day. When no value tells, dates written with dots are day-first (no Windows locale writes
 * month.day.year); otherwise `fallback` decides (e.g. WMI's own M/D/YYYY for wmic) or the column is ambiguous.
 */
export function decideDateOrder(values: readonly string[], fallback?: DateOrder): DateDecision {
  let dayFirst = false;
  let monthFirst = false;
  let undecided = false;
  let dots = 0;
  let others = 0;
  let any = false;
  for (const v of values) {
    const p = dateParts(v);
    if (!p) continue;
    any = true;
    if (p.yearFirst) continue;
    if (p.separator === '.') dots += 1;
    else others += 1;
    if (p.a > 12 && p.b <= 12) dayFirst = true;
    else if (p.b > 12 && p.a <= 12) monthFirst = true;
    else if (p.a !== p.b) undecided = true;
  }
  if (dayFirst && monthFirst) return { ambiguous: false, conflicting: true };
  if (dayFirst) return { order: 'dmy', ambiguous: false, conflicting: false };
  if (monthFirst) return { order: 'mdy', ambiguous: false, conflicting: false };
  if (!any || (dots === 0 && others === 0)) return { order: 'ymd', ambiguous: false, conflicting: false };
  if (!undecided) return { order: fallback ?? 'mdy', ambiguous: false, conflicting: false }; // 3/3/2019: either way
  if (others === 0) return { order: 'dmy', ambiguous: false, conflicting: false };
  if (fallback) return { order: fallback, ambiguous: false, conflicting: false };
  return { ambiguous: true, conflicting: false };
}

/**
 * A date as an ISO "YYYY-MM-DD", or undefined when it is not a valid date in the given order. Also reads
 * ISO timestamps, yyyyMMdd (the registry's InstallDate), JSON's "/Date(ms)/" and wmic's hexadecimal FILETIME.
 */
export function toIsoDate(value: string, order: DateOrder | undefined): string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const json = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(v);
  if (json) return isoFromMs(Number(json[1]));
  if (/^\d{8}$/.test(v))
    return isoFromParts(Number(v.slice(0, 4)), Number(v.slice(4, 6)), Number(v.slice(6, 8)));
  const filetime = fileTimeToIso(v);
  if (filetime) return filetime;
  const p = dateParts(v);
  if (!p) return undefined;
  if (p.yearFirst) return isoFromParts(p.a, p.b, p.c);
  if (!order) return undefined;
  const year = p.c < 100 ? (p.c >= 70 ? 1900 + p.c : 2000 + p.c) : p.c;
  return order === 'dmy' ? isoFromParts(year, p.b, p.a) : isoFromParts(year, p.a, p.b);
}

/**
 * wmic on Windows XP and Server 2003 writes some InstalledOn values as a FILETIME in hexadecimal
 * ("01c8f1d4b1a7f2a0": 100-nanosecond intervals since 1601-01-01 UTC).
 */
export function fileTimeToIso(value: string): string | undefined {
  const v = value.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{15,16}$/i.test(v)) return undefined;
  const high = parseInt(v.slice(0, -8), 16);
  const low = parseInt(v.slice(-8), 16);
  const ms = (high * 4294967296 + low) / 10000 - 11644473600000;
  return isoFromMs(ms);
}

/** True when a value is a hexadecimal FILETIME (whatever date it holds). */
export function isFileTime(value: string): boolean {
  return /^(?:0x)?[0-9a-f]{15,16}$/i.test(value.trim());
}

function isoFromMs(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (y < 1980 || y > 2100) return undefined;
  return d.toISOString().slice(0, 10);
}

function isoFromParts(y: number, m: number, d: number): string | undefined {
  if (y < 1980 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return undefined; // 31 April
  return date.toISOString().slice(0, 10);
}

/** The problem to report for a date column that could not be decided (undefined when it was). */
export function dateDecisionProblem(
  decision: DateDecision,
  column: string,
  firstLine: number | undefined,
  examples: string[]
): Problem | undefined {
  const shown = examples.slice(0, 3).join('", "');
  if (decision.conflicting) {
    return {
      severity: 'warning',
      code: 'dates-mixed-order',
      message: `The ${column} column mixes day-first and month-first dates ("${shown}"), so no date could be trusted and all were left out (updates are still counted). Export each PC into its own file, or export the dates as yyyy-MM-dd.`,
      ...(firstLine ? { line: firstLine } : {})
    };
  }
  if (decision.ambiguous) {
    return {
      severity: 'warning',
      code: 'dates-ambiguous',
      message: `The ${column} dates ("${shown}") could be day/month or month/day, and no date in the column shows which, so the dates were left out (updates are still counted). To keep them, export the dates as yyyy-MM-dd, e.g. with \`@{n='${column}';e={$_.${column}.ToString('yyyy-MM-dd')}}\` in Select-Object.`,
      ...(firstLine ? { line: firstLine } : {})
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Hosts

/** A machine described by a Windows export, with nothing read yet. */
export function newWindowsHost(key: string, hostname?: string): HostObservation {
  return {
    key,
    ...(hostname ? { hostname } : {}),
    ips: [],
    macs: [],
    os: { family: 'windows' },
    installedUpdates: [],
    software: [],
    pendingUpdates: [],
    findings: []
  };
}

/** The key a file uses for the one machine it describes when it does not name it (see merge.ts). */
export const LOCAL_HOST_KEY = 'local';

/**
 * Hosts of one file by name: rows that name the same computer (in any letter case) go to one observation.
 * Rows without a computer name go to the "local" observation.
 */
export class WindowsHosts {
  private readonly byKey = new Map<string, HostObservation>();

  /** The observation for a computer name (undefined or blank: the file's unnamed machine). */
  get(name: string | undefined): HostObservation {
    const clean = cleanHostName(name);
    const key = clean ?? LOCAL_HOST_KEY;
    const id = key.toLowerCase();
    let host = this.byKey.get(id);
    if (!host) {
      host = newWindowsHost(key, clean);
      this.byKey.set(id, host);
    }
    return host;
  }

  get list(): HostObservation[] {
    return [...this.byKey.values()];
  }

  get hasUnnamed(): boolean {
    return this.byKey.has(LOCAL_HOST_KEY);
  }
}

/** A computer name as exports write it; undefined for blanks, "localhost", "." and names cut by a table. */
export function cleanHostName(name: string | undefined): string | undefined {
  const n = (name ?? '').trim();
  if (n === '' || n === '.' || /^localhost$/i.test(n) || isCut(n)) return undefined;
  return n;
}

/** The warning for an export that does not say which computer it comes from. */
export function unnamedHostProblem(what: string, alternative?: string): Problem {
  const example = `PC01-${what.replace(/\W+/g, '-').toLowerCase()}.txt`;
  return {
    severity: 'warning',
    code: 'host-name-unknown',
    message:
      `This ${what} does not say which computer it comes from, so the asset will be named after the file. ` +
      `Name the file after the PC (e.g. ${example}) before importing` +
      (alternative ? `, or ${alternative}.` : '.')
  };
}

/** The warning for a computer-name column whose values the table cut ("DESKTOP-4..."). */
export function cutHostNameProblem(shown: string, line: number): Problem {
  return {
    severity: 'warning',
    code: 'host-name-cut',
    message: `The computer name is cut short by the table layout ("${shown}", line ${line}), so it cannot name the asset: the asset will be named after the file. Export again with \`| Format-Table -AutoSize\` or \`| Export-Csv\` to keep the whole name.`,
    line
  };
}

// ---------------------------------------------------------------------------------------------------------
// Update titles

/**
 * Whether an update title names a security update (in English and the languages Windows Update commonly
 * shows). Definition and security-intelligence updates of antivirus products are not security patches.
 */
export function isSecurityUpdateTitle(title: string): boolean {
  if (/definition|security intelligence|security essentials|définition|definitions|定義|定义/i.test(title))
    return false;
  return /\bsecurity\b|sicherheit|sécurité|seguridad|sicurezza|segurança|beveiliging|zabezpiecze|безопасност|セキュリティ|安全更新|보안/i.test(
    title
  );
}

// ---------------------------------------------------------------------------------------------------------
// PowerShell objects in any of the layouts people export them in

export type PsLayout = 'csv' | 'table' | 'list';

export interface PsObject {
  /** 1-based line where the object starts. */
  line: number;
  /** Values by property name in lower case. */
  fields: Map<string, string>;
  /** Lines of the properties (Format-List), by lower-case name. */
  lines?: Map<string, number>;
  /** Properties whose value a table cut short ("..." / "…"). */
  cut?: Set<string>;
}

export interface PsObjects {
  layout: PsLayout;
  /** Property names as the file writes them (CSV and table headers, Format-List names in first-seen order). */
  columns: string[];
  objects: PsObject[];
  /** Lines that belong to no object: PowerShell warnings, prompts, stray text. */
  other: { line: number; text: string }[];
  /** Export-Csv's "#TYPE" type name, when present. */
  typeName?: string;
}

/**
 * Reads objects that PowerShell wrote as Export-Csv, Format-Table or Format-List, whichever the text is.
 * `accepts` says whether a set of property names (lower case) is the one the caller expects; the first layout
 * whose names it accepts wins.
 */
export function readPowerShellObjects(
  text: string,
  accepts: (names: string[]) => boolean
): PsObjects | undefined {
  const lines = splitLines(text);
  return readCsvObjects(text, accepts) ?? readTableObjects(lines, accepts) ?? readListObjects(lines, accepts);
}

function readCsvObjects(text: string, accepts: (names: string[]) => boolean): PsObjects | undefined {
  const head = text.slice(0, 8192).replace(/^\uFEFF/, '');
  const firstLines = splitAtLineFeeds(head)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const headerLine = /^#TYPE\b/i.test(firstLines[0] ?? '') ? firstLines[1] : firstLines[0];
  if (!headerLine || !/[,;\t]/.test(headerLine) || / : /.test(headerLine)) return undefined;
  const csv = readCsv(text);
  if (!csv || csv.header.length < 2) return undefined;
  const names = csv.header.map((h) => h.toLowerCase());
  if (!accepts(names)) return undefined;
  return {
    layout: 'csv',
    columns: csv.header,
    objects: csv.rows
      .filter((r) => !(r.cells.length === csv.header.length && r.cells.every((c, i) => c === csv.header[i])))
      .map((r) => ({ line: r.line, fields: new Map(names.map((n, i) => [n, (r.cells[i] ?? '').trim()])) })),
    other: [],
    ...(csv.typeName ? { typeName: csv.typeName } : {})
  };
}

function readTableObjects(lines: string[], accepts: (names: string[]) => boolean): PsObjects | undefined {
  const objects: PsObject[] = [];
  const used = new Set<number>();
  let columns: string[] | undefined;
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!DASH_LINE.test(lines[i + 1] ?? '') || (lines[i] ?? '').trim() === '') continue;
    const table = readDashedTable(lines, i);
    const names = table.columns.map((c) => c.name.toLowerCase());
    if (!accepts(names)) continue;
    columns ??= table.columns.map((c) => c.name);
    used.add(i);
    used.add(i + 1);
    for (const r of table.rows) {
      used.add(r.line - 1);
      const cut = new Set(names.filter((_, k) => isCut(r.cells[k] ?? '')));
      objects.push({
        line: r.line,
        fields: new Map(names.map((n, k) => [n, r.cells[k] ?? ''])),
        ...(cut.size > 0 ? { cut } : {})
      });
    }
    i = table.end - 1;
  }
  if (!columns) return undefined;
  const other = lines
    .map((text, i) => ({ line: i + 1, text: text.trim() }))
    .filter((l) => l.text !== '' && !used.has(l.line - 1));
  return { layout: 'table', columns, objects, other };
}

function readListObjects(lines: string[], accepts: (names: string[]) => boolean): PsObjects | undefined {
  const list = readFormatList(lines);
  const columns: string[] = [];
  for (const r of list.records) {
    for (const f of r.fields)
      if (!columns.some((c) => c.toLowerCase() === f.key.toLowerCase())) columns.push(f.key);
  }
  if (list.records.length === 0 || !accepts(columns.map((c) => c.toLowerCase()))) return undefined;
  return {
    layout: 'list',
    columns,
    objects: list.records.map((r) => ({
      line: r.line,
      fields: new Map(r.fields.map((f) => [f.key.toLowerCase(), f.value])),
      lines: new Map(r.fields.map((f) => [f.key.toLowerCase(), f.line]))
    })),
    other: list.other
  };
}

/** The first non-empty value of these properties (lower-case names). */
export function psValue(o: PsObject, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = o.fields.get(n)?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * Reports the lines that belong to no object: PowerShell warnings and verbose messages that landed in the
 * file (one info problem, with the first message), and anything else (one info problem with the lines).
 * A message's continuation lines (up to the next blank line) belong to it.
 */
export function reportOtherLines(
  other: { line: number; text: string }[],
  add: (problem: Problem) => void
): void {
  let message: { line: number; text: string[] } | undefined;
  let previous = -1;
  const flush = (): void => {
    if (!message) return;
    const whole = message.text.join(' ');
    add({
      severity: 'info',
      code: 'powershell-message',
      message: `PowerShell wrote a message into the file ("${(message.text[0] ?? '').slice(0, 80)}", line ${message.line}); it was skipped. Nothing to do unless the export looks incomplete.`,
      line: message.line,
      detail: whole.slice(0, 500)
    });
    message = undefined;
  };
  for (const o of other) {
    const adjacent = o.line === previous + 1;
    previous = o.line;
    if (POWERSHELL_MESSAGE.test(o.text)) {
      flush();
      message = { line: o.line, text: [o.text] };
      continue;
    }
    if (message && adjacent) {
      message.text.push(o.text);
      continue;
    }
    flush();
    add({
      severity: 'info',
      code: 'lines-skipped',
      message: `Lines that are not part of the export (e.g. "${o.text.slice(0, 60)}", line ${o.line}) were skipped. Nothing to do.`,
      line: o.line
    });
  }
  flush();
}
