import { windowsReleaseBuild } from '../versions/windows';
import type {
  FileFormat,
  FindingInstance,
  HostObservation,
  ObservationSink,
  OsFamily,
  OsInfo,
  ParsedFile,
  ParseResult,
  Problem,
  ScannerRule,
  Severity,
  StreamParser
} from '../model';
import { decodeText, type DecodeOptions } from './decode';
import { IssueCollector } from './handler';
import { kbFromNumber, normalizeKb } from './kb';
import { isWindowsName, parseWindowsOs } from './windows-os';

/**
 * CSV exports: scanner result lists (Tenable, Greenbone, Qualys), RMM and inventory tools, spreadsheets.
 *
 * What real exports throw at a reader, and what this module does about it:
 * - any encoding Windows writes (UTF-8 with or without BOM, UTF-16 from Excel's "Unicode Text", "ANSI" code
 *   pages): decoded with {@link decodeText}'s rules, chunk by chunk ({@link createTextStreamDecoder});
 * - comma, semicolon (Excel in most European locales) or tab: sniffed from the first records
 *   ({@link sniffCsvDelimiter});
 * - lines before the header (Qualys VMDR writes a 3-line preamble): the header is the first record a
 *   format's predicate accepts, within the first few records;
 * - blank or repeated column names: made unique ("(blank 1)", "Name (2)") so that every cell keeps a name;
 * - quoted cells holding delimiters, quotes ("") and line breaks: each record knows the 1-based line it starts
 *   and ends on, counted the way an editor does (CRLF, LF or CR is one line break);
 * - rows with more or fewer cells than the header, rows of delimiters only, a quote left open at the end.
 *
 * Streaming: bytes go through a streaming decoder into an incremental tokenizer, so memory is bounded by the
 * largest record, never the file. The tokenizer follows RFC 4180, leniently like Python's csv module: a quote
 * inside an unquoted cell, or text right after a closing quote, is kept as written.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 *
 * The second half of the module ("Scanner exports") is what the scanner CSV readers share: dates and CVSS
 * scores whose reading is decided from the whole file, hosts and rules assembled from rows.
 */

export type CsvDelimiter = ',' | ';' | '\t';

/** Delimiters tried when a file does not say, in order of preference on a tie. */
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/** One record as the tokenizer saw it, before any header is applied. */
export interface CsvRecord {
  cells: string[];
  /** 1-based line the record starts on. */
  line: number;
  /** 1-based line the record ends on (greater than `line` when a quoted cell holds line breaks). */
  endLine: number;
  /** Set when the file ended inside a quoted cell that opened on this line. */
  unterminatedQuoteLine?: number;
}

/** A data record under its header. */
export interface CsvRow extends CsvRecord {
  /** 1-based number of the data row (the header and preamble lines are not counted). */
  index: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Quoted cells longer than this are taken as a quote left open, not as data: the reader stops. */
const DEFAULT_MAX_CELL_CHARS = 32 * 1024 * 1024;

/**
 * Incremental RFC 4180 tokenizer: push text in pieces of any size (a piece may end inside a cell, a quote or
 * between CR and LF), get whole records through the callback.
 */
export class CsvTokenizer {
  private readonly delim: number;
  private cells: string[] = [];
  private field = '';
  /** 0 at a cell start, 1 in an unquoted cell, 2 in a quoted cell, 3 just after a quote inside a quoted cell. */
  private state: 0 | 1 | 2 | 3 = 0;
  private inRecord = false;
  private recordLine = 1;
  private quoteLine = 0;
  private lastWasCR = false;
  private stopped = false;
  /** 1-based line the next character is on. */
  line = 1;
  /** Set when a quoted cell grew past the limit: the rest of the input is ignored. */
  overlongCellLine: number | undefined;

  constructor(
    delimiter: CsvDelimiter,
    private readonly onRecord: (record: CsvRecord) => void,
    private readonly maxCellChars = DEFAULT_MAX_CELL_CHARS
  ) {
    this.delim = delimiter.charCodeAt(0);
  }

  /** Stops tokenizing: later input is ignored (a sniffer that has seen enough, a reader that gave up). */
  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  push(text: string): void {
    if (this.stopped) return;
    const n = text.length;
    const delim = this.delim;
    // The hot loop works on locals; the fields are written back before a record is handed over and at the end.
    let state = this.state;
    let lastWasCR = this.lastWasCR;
    let field = this.field;
    let runStart = 0;
    let i = 0;
    while (i < n) {
      if (state === 2) {
        // Inside quotes: run to the next quote, counting line breaks (CRLF once).
        let j = i;
        let line = this.line;
        for (; j < n; j++) {
          const c = text.charCodeAt(j);
          if (c === QUOTE) break;
          if (c === CR) {
            line++;
            lastWasCR = true;
          } else {
            if (c === LF && !lastWasCR) line++;
            lastWasCR = false;
          }
        }
        this.line = line;
        if (j >= n) break; // the cell goes on in the next piece
        field += text.slice(runStart, j);
        state = 3;
        lastWasCR = false;
        i = j + 1;
        continue;
      }
      if (state === 1) {
        // An unquoted cell: run to the next delimiter or line break.
        let j = i;
        for (; j < n; j++) {
          const c = text.charCodeAt(j);
          if (c === delim || c === CR || c === LF) break;
        }
        if (j >= n) {
          lastWasCR = false;
          break; // the cell goes on in the next piece
        }
        this.cells.push(field + text.slice(runStart, j));
        field = '';
        state = 0;
        const c = text.charCodeAt(j);
        lastWasCR = c === CR;
        runStart = j + 1;
        i = j + 1;
        if (c !== delim) {
          this.state = 0;
          this.endRecord();
          if (this.stopped) return;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      const wasCR = lastWasCR;
      lastWasCR = c === CR;
      if (state === 3) {
        if (c === QUOTE) {
          field += '"';
          state = 2;
          runStart = i + 1;
        } else if (c === delim) {
          this.cells.push(field);
          field = '';
          state = 0;
          runStart = i + 1;
        } else if (c === CR || c === LF) {
          this.cells.push(field);
          field = '';
          state = 0;
          this.state = state;
          this.endRecord();
          if (this.stopped) return;
          runStart = i + 1;
        } else {
          // Text after a closing quote ("abc"def): kept as written, as spreadsheets do.
          state = 1;
          runStart = i;
          i += 1;
          continue;
        }
        i += 1;
        continue;
      }
      // state 0: the start of a cell.
      if (c === LF && wasCR) {
        runStart = i + 1; // the LF of a CRLF that ended the record
        i += 1;
        continue;
      }
      if (!this.inRecord) {
        this.inRecord = true;
        this.recordLine = this.line;
      }
      if (c === QUOTE) {
        state = 2;
        this.quoteLine = this.line;
        runStart = i + 1;
      } else if (c === delim) {
        this.cells.push('');
        runStart = i + 1;
      } else if (c === CR || c === LF) {
        this.cells.push('');
        this.state = state;
        this.endRecord();
        if (this.stopped) return;
        runStart = i + 1;
      } else {
        state = 1;
        runStart = i;
      }
      i += 1;
    }
    if (state === 1 || state === 2) {
      field += text.slice(runStart);
      if (state === 2 && field.length > this.maxCellChars) {
        this.overlongCellLine = this.quoteLine;
        this.stopped = true;
      }
    }
    this.state = state;
    this.lastWasCR = lastWasCR;
    this.field = field;
  }

  /** Hands over the last record (a file need not end with a line break). */
  end(): void {
    if (this.stopped) return;
    if (this.state === 2) {
      this.cells.push(this.field);
      this.field = '';
      this.emit(this.quoteLine);
    } else if (this.state === 1 || this.state === 3) {
      this.cells.push(this.field);
      this.field = '';
      this.emit();
    } else if (this.inRecord) {
      this.cells.push('');
      this.emit();
    }
    this.state = 0;
    this.stopped = true;
  }

  private endRecord(): void {
    this.emit();
    this.line++;
  }

  private emit(unterminatedQuoteLine?: number): void {
    const record: CsvRecord = { cells: this.cells.map(detach), line: this.recordLine, endLine: this.line };
    if (unterminatedQuoteLine !== undefined) record.unterminatedQuoteLine = unterminatedQuoteLine;
    this.cells = [];
    this.inRecord = false;
    this.onRecord(record);
  }
}

/**
 * A copy of a cell that does not keep the decoded chunk it was cut from alive: engines make `slice` a view
 * into its parent string, so one small value kept from each chunk would keep the whole file in memory.
 */
function detach(cell: string): string {
  return cell.length < 13 ? cell : (cell + ' ').slice(0, -1);
}

/** Tokenizes a whole string (a head sample, a small file); `limit` stops after that many records. */
export function tokenizeCsv(text: string, delimiter: CsvDelimiter, limit = Infinity): CsvRecord[] {
  const records: CsvRecord[] = [];
  const tokenizer = new CsvTokenizer(delimiter, (r) => {
    records.push(r);
    if (records.length >= limit) tokenizer.stop();
  });
  tokenizer.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  tokenizer.end();
  return records;
}

/** True for a record whose cells are all blank (an empty line, or a row of delimiters only). */
export function isBlankRecord(cells: readonly string[]): boolean {
  for (const c of cells) if (c.trim() !== '') return false;
  return true;
}

/**
 * The delimiter of a CSV text, from its first records: the one that splits the most records into the same
 * number (two or more) of cells. Quoted cells are respected, so commas in descriptions do not count.
 * Comma on a tie or when nothing splits.
 */
export function sniffCsvDelimiter(text: string): CsvDelimiter {
  const sample = text.slice(0, 32768);
  let best: CsvDelimiter = ',';
  let bestScore = 0;
  for (const d of CSV_DELIMITERS) {
    const counts = new Map<number, number>();
    for (const r of tokenizeCsv(sample, d, 40)) {
      if (isBlankRecord(r.cells) || r.cells.length < 2) continue;
      counts.set(r.cells.length, (counts.get(r.cells.length) ?? 0) + 1);
    }
    let score = 0;
    for (const [cells, times] of counts) score = Math.max(score, times * 1000 + Math.min(cells, 999));
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Header

/** Column names as people write them: case, spaces and a BOM do not matter. */
export function normalizeColumnName(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** The header row: unique column names and a lookup by any of several names. */
export class CsvHeader {
  /** Unique names: blank ones become "(blank 1)", "(blank 2)"; a repeated name gets " (2)", " (3)". */
  readonly names: string[];
  /** The cells as written. */
  readonly raw: string[];
  readonly line: number;
  private readonly byName = new Map<string, number>();

  constructor(cells: readonly string[], line: number) {
    this.raw = [...cells];
    this.line = line;
    const seen = new Map<string, number>();
    let blanks = 0;
    this.names = cells.map((cell) => {
      const name = cell.replace(/^\uFEFF/, '').trim();
      if (name === '') {
        blanks += 1;
        return `(blank ${blanks})`;
      }
      const key = normalizeColumnName(name);
      const times = (seen.get(key) ?? 0) + 1;
      seen.set(key, times);
      return times === 1 ? name : `${name} (${times})`;
    });
    this.names.forEach((name, i) => {
      const key = normalizeColumnName(name);
      if (!this.byName.has(key)) this.byName.set(key, i);
    });
  }

  /** Index of the first of `names` the header has (case and spacing ignored); -1 when it has none. */
  column(...names: string[]): number {
    for (const name of names) {
      const i = this.byName.get(normalizeColumnName(name));
      if (i !== undefined) return i;
    }
    return -1;
  }

  has(...names: string[]): boolean {
    return this.column(...names) >= 0;
  }

  /** How many of `names` the header has. */
  count(names: readonly string[]): number {
    return names.filter((n) => this.byName.has(normalizeColumnName(n))).length;
  }
}

/** Column indexes for a table of names: each key gets the index of the first of its names the header has, or -1. */
export function resolveColumns<K extends string>(
  header: CsvHeader,
  names: { readonly [key in K]: readonly string[] }
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(names) as K[]) out[key] = header.column(...names[key]);
  return out;
}

/** A cell by column index, '' when the column is absent (-1) or the row is short. */
export function cellAt(row: { cells: readonly string[] }, column: number): string {
  return column >= 0 ? (row.cells[column] ?? '') : '';
}

export interface CsvHeadSample {
  delimiter: CsvDelimiter;
  header: CsvHeader;
  /** Records before the header (a report title, a company address). */
  preamble: CsvRecord[];
  /** The first data records after the header (the last one may be cut in a head sample). */
  rows: CsvRecord[];
}

/**
 * For format detection: the header of a CSV head sample, found by `isHeader` within the first
 * `maxPreamble + 1` non-blank records, with the delimiter under which it is found. undefined when no delimiter
 * gives such a header.
 */
export function sniffCsvHeader(
  text: string,
  isHeader: (header: CsvHeader) => boolean,
  maxPreamble = DEFAULT_MAX_PREAMBLE,
  dataRows = 3
): CsvHeadSample | undefined {
  const sample = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (sample.trim() === '') return undefined;
  const first = sniffCsvDelimiter(sample);
  for (const delimiter of [first, ...CSV_DELIMITERS.filter((d) => d !== first)]) {
    const records = tokenizeCsv(sample, delimiter, maxPreamble + 1 + dataRows + 50).filter(
      (r) => !isBlankRecord(r.cells)
    );
    for (let i = 0; i < Math.min(records.length, maxPreamble + 1); i++) {
      const record = records[i] as CsvRecord;
      if (record.cells.length < 2) continue;
      const header = new CsvHeader(record.cells, record.line);
      if (isHeader(header)) {
        return {
          delimiter,
          header,
          preamble: records.slice(0, i),
          rows: records.slice(i + 1, i + 1 + dataRows)
        };
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding, chunk by chunk

/** Bytes of the start of a file used to choose its encoding (the same amount format detection reads). */
const ENCODING_HEAD_BYTES = 64 * 1024;

/**
 * Encodings tried for CSV that is neither Unicode nor valid UTF-8: CSV comes from Excel "ANSI" saves, so the
 * Windows code pages come before the DOS console ones; windows-1251 covers Russian Excel.
 */
export const CSV_LEGACY_ENCODINGS: readonly string[] = [
  'gbk',
  'shift_jis',
  'big5',
  'euc-kr',
  'windows-1252',
  'windows-1251',
  'cp850'
];

export interface TextStreamDecoder {
  /** Decodes the next chunk; returns the text that is complete so far (possibly ''). */
  write(chunk: Uint8Array): string;
  /** Decodes what is left. */
  end(): string;
  /** The encoding chosen, once chosen ('utf-8', 'utf-16le', 'windows-1252', ...). */
  readonly encoding: string | undefined;
  /** True when the file began with a byte order mark. */
  readonly bom: boolean;
  readonly issues: readonly Problem[];
}

/**
 * A streaming counterpart of {@link decodeText}: the encoding is chosen from the first 64 KB by the same rules
 * (BOM, UTF-16 without BOM, valid UTF-8, else the most plausible legacy code page), then the rest is decoded
 * chunk by chunk. A start that is plain ASCII says nothing about the encoding: if bytes that are not UTF-8
 * come later, the code page is chosen from them and used from there on.
 */
export function createTextStreamDecoder(options: DecodeOptions = {}): TextStreamDecoder {
  const legacy = [...(options.legacy ?? CSV_LEGACY_ENCODINGS)];
  const issues: Problem[] = [];
  let head: Uint8Array[] = [];
  let headLength = 0;
  let encoding: string | undefined;
  let bom = false;
  /** 'utf8': validated UTF-8 with `pending` bytes of a split sequence; 'decoder': a TextDecoder; 'oem': per chunk. */
  let mode: 'utf8' | 'decoder' | 'oem' | undefined;
  let decoder: TextDecoder | undefined;
  let pending: Uint8Array = new Uint8Array(0);
  let sawNonAscii = false;
  let warnedInvalid = false;
  // Without `stream`, a fatal decoder keeps no state between calls: one serves every chunk.
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  function choose(bytes: Uint8Array, final: boolean): string {
    const [a, b, c] = bytes;
    if (a === 0xef && b === 0xbb && c === 0xbf) {
      bom = true;
      return startUtf8(bytes.subarray(3), final);
    }
    if ((a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff)) {
      bom = true;
      return startDecoder(a === 0xff ? 'utf-16le' : 'utf-16be', bytes.subarray(2), final);
    }
    // Decide on whole lines: a multi-byte character or a UTF-8 sequence may be cut at the end of the head.
    const cut = final ? bytes : bytes.subarray(0, lastLineEnd(bytes));
    const decided = decodeText(cut.length > 0 ? cut : bytes, { ...options, legacy });
    if (decided.encoding === 'utf-16le' || decided.encoding === 'utf-16be') {
      return startDecoder(decided.encoding, bytes, final);
    }
    if (decided.encoding === 'utf-8') return startUtf8(bytes, final);
    return startLegacy(decided.encoding, bytes, final);
  }

  function startUtf8(bytes: Uint8Array, final: boolean): string {
    encoding = 'utf-8';
    mode = 'utf8';
    return utf8(bytes, final);
  }

  function startDecoder(name: string, bytes: Uint8Array, final: boolean): string {
    encoding = name;
    mode = 'decoder';
    decoder = new TextDecoder(name, { ignoreBOM: true });
    return decoder.decode(bytes, { stream: !final });
  }

  function startLegacy(name: string, bytes: Uint8Array, final: boolean): string {
    if (name === 'cp850' || name === 'cp437') {
      // DOS code pages are single-byte tables that TextDecoder does not know: each chunk decodes on its own.
      encoding = name;
      mode = 'oem';
      return oem(bytes);
    }
    try {
      return startDecoder(name, bytes, final);
    } catch {
      return startDecoder('windows-1252', bytes, final);
    }
  }

  function oem(bytes: Uint8Array): string {
    return decodeText(bytes, { legacy: [encoding as string] }).text;
  }

  function utf8(chunk: Uint8Array, final: boolean): string {
    const bytes = pending.length > 0 ? join([pending, chunk], pending.length + chunk.length) : chunk;
    const tail = final ? 0 : partialUtf8Tail(bytes);
    const body = bytes.subarray(0, bytes.length - tail);
    pending = bytes.slice(bytes.length - tail);
    try {
      const text = strictUtf8.decode(body);
      if (!sawNonAscii) sawNonAscii = /[\u0080-\uffff]/.test(text);
      return text;
    } catch {
      if (!sawNonAscii) {
        // Plain ASCII so far, and now bytes that are not UTF-8: a code page after all.
        pending = new Uint8Array(0);
        const decided = decodeText(bytes, { ...options, legacy });
        return startLegacy(decided.encoding === 'utf-8' ? 'windows-1252' : decided.encoding, bytes, final);
      }
      if (!warnedInvalid) {
        warnedInvalid = true;
        issues.push({
          severity: 'warning',
          code: 'invalid-utf8',
          message:
            'Part of the file is not valid UTF-8 although the start is: some characters show as "\uFFFD". ' +
            'The file was probably edited with another program; export it again from the source.'
        });
      }
      return new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    }
  }

  function decodeChunk(chunk: Uint8Array, final: boolean): string {
    switch (mode) {
      case 'utf8':
        return utf8(chunk, final);
      case 'oem':
        return oem(chunk);
      default:
        return (decoder as TextDecoder).decode(chunk, { stream: !final });
    }
  }

  return {
    write(chunk: Uint8Array): string {
      if (chunk.length === 0) return '';
      if (mode) return decodeChunk(chunk, false);
      // Small first chunks are copied (the caller may reuse its buffer) until the head is long enough.
      head.push(chunk.slice());
      headLength += chunk.length;
      if (headLength < ENCODING_HEAD_BYTES) return '';
      const bytes = join(head, headLength);
      head = [];
      headLength = 0;
      return choose(bytes, false);
    },
    end(): string {
      if (!mode) {
        const bytes = join(head, headLength);
        head = [];
        headLength = 0;
        return bytes.length > 0 ? choose(bytes, true) : '';
      }
      return decodeChunk(new Uint8Array(0), true);
    },
    get encoding() {
      return encoding;
    },
    get bom() {
      return bom;
    },
    get issues() {
      return issues;
    }
  };
}

function join(pieces: Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Length up to and including the last LF (the whole length when there is none). */
function lastLineEnd(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0 && i > bytes.length - 65536; i--) {
    if (bytes[i] === LF) return i + 1;
  }
  return bytes.length;
}

/** Bytes of an incomplete UTF-8 sequence at the end (0 when it ends cleanly). */
function partialUtf8Tail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needed > back ? back : 0;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming reader

/** Non-blank records that may come before the header (report titles, addresses, filters). */
const DEFAULT_MAX_PREAMBLE = 10;

export interface CsvReaderOptions {
  /** The delimiter, when the format fixes it; otherwise it is sniffed from the first 64 KB. */
  delimiter?: CsvDelimiter;
  /**
   * Which record is the header. Without it, the first non-blank record is. With it, up to `maxPreamble`
   * non-blank records may come first; if none is accepted, the reader stops and `header` stays undefined.
   */
  isHeader?: (header: CsvHeader) => boolean;
  maxPreamble?: number;
  /** Passed to the decoder (e.g. `legacy: ['windows-1251', ...]` where Russian "ANSI" files are likely). */
  decode?: DecodeOptions;
  maxCellChars?: number;
  /** Data rows per problem group listed by line (IssueCollector). */
  maxLinesPerProblem?: number;
}

export interface CsvReader {
  write(chunk: Uint8Array): void;
  end(): void;
  /** The header once found. */
  readonly header: CsvHeader | undefined;
  readonly preamble: readonly CsvRecord[];
  readonly delimiter: CsvDelimiter | undefined;
  readonly encoding: string | undefined;
  /** Data rows handed over (blank ones are not). */
  readonly rows: number;
  /** Data rows skipped because every cell was blank (an empty line, or delimiters only). */
  readonly blankRows: number;
  /** The first few lines of blank rows. */
  readonly blankLines: readonly number[];
  /** The first non-blank records, when no header was found (to say what the file holds). */
  readonly firstRecords: readonly CsvRecord[];
  /** The line the reader is on. */
  readonly line: number;
  /** Decoding and structure problems (ragged rows, a quote left open), grouped by code. */
  readonly issues: Problem[];
}

/**
 * Reads CSV bytes in chunks and hands each data row to `onRow` as soon as it is complete. Never throws on bad
 * input; never holds more than one record (and 64 KB of head) at a time.
 */
export function createCsvReader(
  options: CsvReaderOptions,
  onRow: (row: CsvRow, header: CsvHeader) => void
): CsvReader {
  const collector = new IssueCollector(options.maxLinesPerProblem ?? 5);
  const decoder = createTextStreamDecoder(options.decode);
  const maxPreamble = options.maxPreamble ?? DEFAULT_MAX_PREAMBLE;
  const preamble: CsvRecord[] = [];
  const firstRecords: CsvRecord[] = [];
  const blankLines: number[] = [];
  let tokenizer: CsvTokenizer | undefined;
  let delimiter: CsvDelimiter | undefined = options.delimiter;
  let header: CsvHeader | undefined;
  let headText: string[] = [];
  let headChars = 0;
  let rows = 0;
  let blankRows = 0;
  let seen = 0;
  let ended = false;

  function onRecord(record: CsvRecord): void {
    if (record.unterminatedQuoteLine !== undefined) {
      collector.add({
        severity: 'warning',
        code: 'csv-unterminated-quote',
        message:
          `A quoted cell opens at line ${record.unterminatedQuoteLine} and is never closed: the file is cut off, ` +
          'or a quote in it is unbalanced. The rest of the file was read as that one cell. Export the file again.',
        line: record.unterminatedQuoteLine
      });
    }
    const blank = isBlankRecord(record.cells);
    if (!header) {
      if (blank) return;
      if (firstRecords.length < 5) firstRecords.push(record);
      const candidate = new CsvHeader(record.cells, record.line);
      if (!options.isHeader || options.isHeader(candidate)) {
        header = candidate;
        return;
      }
      preamble.push(record);
      seen += 1;
      if (seen > maxPreamble) tokenizer?.stop();
      return;
    }
    if (blank) {
      blankRows += 1;
      if (blankLines.length < 5) blankLines.push(record.line);
      return;
    }
    rows += 1;
    const width = header.names.length;
    if (record.cells.length !== width) {
      const extra = record.cells.slice(width);
      if (record.cells.length < width || !isBlankRecord(extra)) {
        collector.add({
          severity: 'warning',
          code: 'csv-ragged-row',
          message:
            `Rows do not all have the header's ${width} cells (header at line ${header.line}); the first that differs, ` +
            `at line ${record.line}, has ${record.cells.length}. Missing cells are read as empty, extra ones are ignored. ` +
            'The file may have been edited or cut: check those rows, or export the file again.',
          line: record.line
        });
      }
    }
    onRow({ ...record, index: rows }, header);
  }

  function feed(text: string): void {
    if (!text) return;
    if (!tokenizer) {
      headText.push(text);
      headChars += text.length;
      if (headChars < ENCODING_HEAD_BYTES) return;
      startTokenizer();
      return;
    }
    tokenizer.push(text);
  }

  function startTokenizer(): void {
    const text = headText.join('');
    headText = [];
    delimiter ??= options.isHeader
      ? (sniffCsvHeader(text, options.isHeader, maxPreamble)?.delimiter ?? sniffCsvDelimiter(text))
      : sniffCsvDelimiter(text);
    tokenizer = new CsvTokenizer(delimiter, onRecord, options.maxCellChars);
    tokenizer.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  }

  return {
    write(chunk: Uint8Array): void {
      if (ended || tokenizer?.isStopped) return;
      feed(decoder.write(chunk));
    },
    end(): void {
      if (ended) return;
      ended = true;
      feed(decoder.end());
      if (!tokenizer) startTokenizer();
      const t = tokenizer as CsvTokenizer;
      t.end();
      if (t.overlongCellLine !== undefined) {
        collector.add({
          severity: 'error',
          code: 'csv-cell-too-large',
          message:
            `A quoted cell opening at line ${t.overlongCellLine} runs on for more than ` +
            `${Math.round((options.maxCellChars ?? DEFAULT_MAX_CELL_CHARS) / 1048576)} million characters: a quote is ` +
            'unbalanced. Reading stopped there; export the file again.',
          line: t.overlongCellLine
        });
      }
    },
    get header() {
      return header;
    },
    get preamble() {
      return preamble;
    },
    get delimiter() {
      return delimiter;
    },
    get encoding() {
      return decoder.encoding;
    },
    get rows() {
      return rows;
    },
    get blankRows() {
      return blankRows;
    },
    get blankLines() {
      return blankLines;
    },
    get firstRecords() {
      return firstRecords;
    },
    get line() {
      return tokenizer?.line ?? 1;
    },
    get issues() {
      return [...decoder.issues, ...collector.problems];
    }
  };
}

export interface CsvTable {
  header: CsvHeader | undefined;
  preamble: CsvRecord[];
  rows: CsvRow[];
  delimiter: CsvDelimiter | undefined;
  encoding: string | undefined;
  blankRows: number;
}

/**
 * Reads a whole CSV (bytes, or chunks of it) into rows under their header. For small files and tests; parsers
 * of big exports use {@link createCsvReader} and keep only what they need of each row.
 */
export function readCsvRecords(
  input: Uint8Array | Iterable<Uint8Array>,
  options: CsvReaderOptions = {}
): ParseResult<CsvTable> {
  const rows: CsvRow[] = [];
  const reader = createCsvReader(options, (row) => rows.push(row));
  if (input instanceof Uint8Array) reader.write(input);
  else for (const chunk of input) reader.write(chunk);
  reader.end();
  return {
    value: {
      header: reader.header,
      preamble: [...reader.preamble],
      rows,
      delimiter: reader.delimiter,
      encoding: reader.encoding,
      blankRows: reader.blankRows
    },
    issues: reader.issues
  };
}

// ===============================================================================================================
// Scanner exports: what the Tenable, Greenbone and Qualys CSV readers share

/** Cell values that mean "nothing here" in scanner exports ("'-" is Excel's escaped dash). */
const EMPTY_VALUES = new Set(['', '-', "'-", 'n/a', 'null', '--']);

/** A cell's text trimmed, '' for the placeholders exports write for "no value". */
export function cellValue(row: { cells: readonly string[] }, column: number): string {
  const v = cellAt(row, column).trim();
  return EMPTY_VALUES.has(v.toLowerCase()) ? '' : v;
}

// ---------------------------------------------------------------------------------------------------------------
// Dates: one order per file

export type DateOrder = 'dmy' | 'mdy';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** "05/13/2021", "13.05.2021 07:08", "20/8/2024": day-month or month-day, decided for the whole file. */
const NUMERIC_DATE =
  /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp][Mm])?)?(?:\s*(?:[A-Z]{2,5}|[+-]\d{2}:?\d{2}|Z))?$/;
/** "2021-05-13", "2021/05/13 07:08:28", ISO with T and zone. */
const YMD_DATE =
  /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/;
/** "Jan 5, 2021 10:24:08 MST", "Feb 03, 2026 07:00 AM", "5 Jan 2021". */
const WORD_DATE =
  /^(?:([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?|(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?)\s+(\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?(?:\s+(?:[A-Z]{2,5}|GMT[+-]?\d{0,4}|[+-]\d{2}:?\d{2}))?$/;

/**
 * Collects the evidence a file gives about its date order: "13/05/2021" can only be day-month, "05/13/2021"
 * only month-day; "05/06/2021" says nothing. Spreadsheets write one order per file.
 */
export class DateOrderVote {
  dmy = 0;
  mdy = 0;
  /** Dates like 05/06/2021 that need the order to be read. */
  ambiguous = 0;

  add(text: string): void {
    const m = NUMERIC_DATE.exec(text.trim());
    if (!m) return;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (/^\d{1,2}\./.test(text.trim())) return; // 13.05.2021: dots are always day-month
    if (a > 12 && b <= 12) this.dmy += 1;
    else if (b > 12 && a <= 12) this.mdy += 1;
    else if (a !== b) this.ambiguous += 1;
  }

  /** The order the file shows, `fallback` when it shows none; undefined when it shows both. */
  order(fallback: DateOrder): DateOrder | undefined {
    if (this.dmy > 0 && this.mdy > 0) return undefined;
    if (this.dmy > 0) return 'dmy';
    if (this.mdy > 0) return 'mdy';
    return fallback;
  }
}

/**
 * A date as exports write it → ISO 8601: "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM[:SS]" with the time as written
 * (zone abbreviations such as MST are dropped: they are the scanner's local time). ISO input is kept as written.
 * undefined for text that is not a date ("N/A").
 */
export function parseExportDate(text: string, order: DateOrder | undefined): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const ymd = YMD_DATE.exec(t);
  if (ymd) {
    const date = isoDate(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]));
    if (!date) return undefined;
    if (t.includes('T') && t.startsWith(date)) return t; // ISO as written, zone included
    return withTime(date, ymd[4], ymd[5], ymd[6], undefined);
  }
  const num = NUMERIC_DATE.exec(t);
  if (num) {
    const a = Number(num[1]);
    const b = Number(num[2]);
    const dotted = /^\d{1,2}\./.test(t);
    if (!dotted && order === undefined && a !== b && a <= 12 && b <= 12) return undefined;
    const dayFirst = dotted || order === 'dmy' || (order === undefined && a > 12);
    const date = dayFirst ? isoDate(Number(num[3]), b, a) : isoDate(Number(num[3]), a, b);
    return date ? withTime(date, num[4], num[5], num[6], num[7]) : undefined;
  }
  const word = WORD_DATE.exec(t);
  if (word) {
    const monthName = (word[1] ?? word[4] ?? '').toLowerCase();
    const month = MONTHS.indexOf(monthName) + 1;
    const day = Number(word[2] ?? word[3]);
    const date = month > 0 ? isoDate(Number(word[5]), month, day) : undefined;
    return date ? withTime(date, word[6], word[7], word[8], word[9]) : undefined;
  }
  return undefined;
}

function withTime(
  date: string,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  meridiem: string | undefined
): string {
  if (hour === undefined || minute === undefined) return date;
  let h = Number(hour);
  if (meridiem) {
    const pm = meridiem.toLowerCase() === 'pm';
    if (h === 12) h = pm ? 12 : 0;
    else if (pm) h += 12;
  }
  if (h > 23 || Number(minute) > 59) return date;
  return `${date}T${pad2(h)}:${minute}${second !== undefined ? `:${second}` : ''}`;
}

function isoDate(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1970 || year > 2999) return undefined;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCDate() !== day) return undefined;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// ---------------------------------------------------------------------------------------------------------------
// CVSS scores: a spreadsheet may have dropped the decimal point

/**
 * Evidence about how a file writes CVSS scores. Re-saved in a locale whose decimal separator is not the one
 * written, a spreadsheet turns "7.5" into 75: every score then lacks its decimal point, and some exceed 10.
 */
export class ScoreVote {
  /** Whole numbers above 10 (impossible as CVSS scores). */
  overTen = 0;
  /** Scores written with a decimal separator. */
  withDecimals = 0;

  add(text: string): void {
    const t = text.trim();
    if (/^\d{1,3}$/.test(t)) {
      if (Number(t) > 10) this.overTen += 1;
    } else if (/^\d{1,2}[.,]\d+$/.test(t)) {
      this.withDecimals += 1;
    }
  }

  /** True when the file's scores are tenths written without a decimal point ("75" for 7.5). */
  get lostDecimalPoint(): boolean {
    return this.overTen > 0 && this.withDecimals === 0;
  }
}

/** "7.5", "7,5" (decimal comma), "75" when the file lost its decimal points → 7.5; undefined otherwise. */
export function parseScore(text: string, tenths: boolean): number | undefined {
  const t = text.trim();
  let score: number;
  if (/^\d{1,3}$/.test(t)) score = tenths ? Number(t) / 10 : Number(t);
  else if (/^\d{1,2}[.,]\d+$/.test(t)) score = Number(t.replace(',', '.'));
  else return undefined;
  return score >= 0 && score <= 10 ? score : undefined;
}

/** "8.1 (AV:N/AC:H/...)" as Qualys writes CVSS cells → score text and vector. */
export function splitScoreAndVector(text: string): { score: string; vector?: string } {
  const m = /^\s*(\d{1,3}(?:[.,]\d+)?)\s*(?:\(([^)]*)\))?\s*$/.exec(text);
  if (!m) return { score: '' };
  return m[2] ? { score: m[1] as string, vector: (m[2] as string).trim() } : { score: m[1] as string };
}

// ---------------------------------------------------------------------------------------------------------------
// Hosts and rules assembled from rows

/** A finding whose dates are kept as written until the file's date order is known. */
export interface FindingDraft extends Omit<FindingInstance, 'firstSeen' | 'lastSeen'> {
  firstSeenRaw?: string;
  lastSeenRaw?: string;
}

/** A rule whose scores and dates are kept as written until the whole file is read. */
export interface RuleDraft {
  ruleId: string;
  name: string;
  family?: string;
  severity: Severity;
  riskFactor?: string;
  synopsis?: string;
  description?: string;
  solution?: string;
  cves: string[];
  kbs: string[];
  xrefs: string[];
  references: string[];
  pluginType?: string;
  cvss3Score?: string;
  cvss3Vector?: string;
  cvss2Score?: string;
  cvss2Vector?: string;
  publishedOn?: string;
  patchPublishedOn?: string;
  vulnPublishedOn?: string;
  exploitAvailable?: boolean;
  exploitedByMalware?: boolean;
  aliases?: string[];
}

interface HostDraft {
  key: string;
  hostname?: string;
  fqdn?: string;
  domain?: string;
  ips: string[];
  macs: string[];
  hostIds: string[];
  os?: OsInfo;
  scanStartRaw?: string;
  scanEndRaw?: string;
  findings: FindingDraft[];
}

/** What a row says about its host; empty fields are ignored, the first non-empty value wins. */
export interface HostFacts {
  hostname?: string;
  fqdn?: string;
  domain?: string;
  ips?: string[];
  macs?: string[];
  hostIds?: string[];
  os?: OsInfo;
  scanStart?: string;
  scanEnd?: string;
}

/**
 * Collects the rows of a scanner export into hosts and rules. Rows of one host may be anywhere in the file
 * (Tenable.sc sorts by plugin), so hosts are handed over at the end; rule texts are kept once per rule.
 * Dates and CVSS scores are read at the end too, with the order and scale the whole file shows.
 */
export class ScannerRows {
  readonly dates = new DateOrderVote();
  readonly scores = new ScoreVote();
  private readonly hosts = new Map<string, HostDraft>();
  private readonly rules = new Map<string, RuleDraft>();

  constructor(
    private readonly scanner: string,
    /** Date order assumed when the file's dates never tell (e.g. US-made exports write month first). */
    private readonly defaultOrder: DateOrder
  ) {}

  get hostCount(): number {
    return this.hosts.size;
  }

  get findingCount(): number {
    let n = 0;
    for (const h of this.hosts.values()) n += h.findings.length;
    return n;
  }

  /** Records what a row says about its host and returns the host's findings list. */
  host(key: string, facts: HostFacts): FindingDraft[] {
    let h = this.hosts.get(key);
    if (!h) {
      h = { key, ips: [], macs: [], hostIds: [], findings: [] };
      this.hosts.set(key, h);
    }
    if (facts.hostname && !h.hostname) h.hostname = facts.hostname;
    if (facts.fqdn && !h.fqdn) h.fqdn = facts.fqdn;
    if (facts.domain && !h.domain) h.domain = facts.domain;
    for (const ip of facts.ips ?? []) pushUnique(h.ips, ip);
    for (const mac of facts.macs ?? []) pushUnique(h.macs, mac);
    for (const id of facts.hostIds ?? []) pushUnique(h.hostIds, id);
    if (facts.os && !h.os) h.os = facts.os;
    if (facts.scanStart) {
      this.dates.add(facts.scanStart);
      h.scanStartRaw ??= facts.scanStart;
    }
    if (facts.scanEnd) {
      this.dates.add(facts.scanEnd);
      h.scanEndRaw ??= facts.scanEnd;
    }
    return h.findings;
  }

  addFinding(hostKey: string, finding: FindingDraft): void {
    if (finding.firstSeenRaw) this.dates.add(finding.firstSeenRaw);
    if (finding.lastSeenRaw) this.dates.add(finding.lastSeenRaw);
    this.host(hostKey, {}).push(finding);
  }

  /**
   * The rule with this id: `make` builds it the first time (texts are taken from the first row), later rows
   * only add to its lists (CVEs, KBs, references), through `merge`.
   */
  rule(ruleId: string, make: () => RuleDraft, merge?: (rule: RuleDraft) => void): RuleDraft {
    let r = this.rules.get(ruleId);
    if (!r) {
      r = make();
      for (const d of [r.publishedOn, r.patchPublishedOn, r.vulnPublishedOn]) if (d) this.dates.add(d);
      for (const s of [r.cvss3Score, r.cvss2Score]) if (s) this.scores.add(s);
      this.rules.set(ruleId, r);
    } else if (merge) {
      merge(r);
    }
    return r;
  }

  /** The hosts and rules, with dates and scores read; problems about how they were read. */
  finish(): { hosts: HostObservation[]; rules: ScannerRule[]; issues: Problem[] } {
    const issues: Problem[] = [];
    const order = this.dates.order(this.defaultOrder);
    if (order === undefined) {
      issues.push({
        severity: 'warning',
        code: 'csv-date-order-mixed',
        message:
          `The file writes dates both day-first (${this.dates.dmy} dates like 13/05/2021) and month-first ` +
          `(${this.dates.mdy} like 05/13/2021), so dates such as 05/06/2021 cannot be read: they are left out. ` +
          'Export the file again without opening it in a spreadsheet.'
      });
    } else if (this.dates.ambiguous > 0 && this.dates.dmy === 0 && this.dates.mdy === 0) {
      issues.push({
        severity: 'info',
        code: 'csv-date-order-assumed',
        message: `No date in the file shows whether it is day-first or month-first; dates were read ${order === 'mdy' ? 'month-first (05/06/2021 = 6 May)' : 'day-first (05/06/2021 = 5 June)'}, as ${this.scanner} writes them by default.`
      });
    }
    const tenths = this.scores.lostDecimalPoint;
    if (tenths) {
      issues.push({
        severity: 'warning',
        code: 'csv-score-without-decimal-point',
        message:
          'The CVSS scores in this file have lost their decimal point (e.g. "75" for 7.5; a spreadsheet re-saved it ' +
          'with another decimal separator). They were read as tenths. Export the file again from the scanner to be sure.'
      });
    }
    const date = (raw: string | undefined): string | undefined =>
      raw ? parseExportDate(raw, order) : undefined;

    const rules: ScannerRule[] = [];
    for (const d of this.rules.values()) rules.push(buildRule(this.scanner, d, tenths, date));
    const hosts: HostObservation[] = [];
    for (const h of this.hosts.values()) {
      const obs: HostObservation = {
        key: h.key,
        kind: 'machine',
        ips: h.ips,
        macs: h.macs,
        installedUpdates: [],
        software: [],
        pendingUpdates: [],
        findings: h.findings.map((f) => {
          const { firstSeenRaw, lastSeenRaw, ...rest } = f;
          const out: FindingInstance = rest;
          const first = date(firstSeenRaw);
          if (first) out.firstSeen = first;
          const last = date(lastSeenRaw);
          if (last) out.lastSeen = last;
          return out;
        })
      };
      if (h.hostname) obs.hostname = h.hostname;
      if (h.fqdn) obs.fqdn = h.fqdn;
      if (h.domain) obs.domain = h.domain;
      if (h.hostIds.length > 0) obs.hostIds = h.hostIds;
      if (h.os) obs.os = h.os;
      const start = date(h.scanStartRaw);
      if (start) obs.scanStart = start;
      const end = date(h.scanEndRaw);
      if (end) obs.scanEnd = end;
      hosts.push(obs);
    }
    return { hosts, rules, issues };
  }
}

function buildRule(
  scanner: string,
  d: RuleDraft,
  tenths: boolean,
  date: (raw: string | undefined) => string | undefined
): ScannerRule {
  const rule: ScannerRule = {
    ruleId: d.ruleId,
    scanner,
    name: d.name,
    severity: d.severity,
    cves: d.cves,
    kbs: d.kbs,
    xrefs: d.xrefs,
    references: d.references
  };
  if (d.family) rule.family = d.family;
  if (d.riskFactor) rule.riskFactor = d.riskFactor;
  if (d.synopsis) rule.synopsis = d.synopsis;
  if (d.description) rule.description = d.description;
  if (d.solution) rule.solution = d.solution;
  const cvss3 = d.cvss3Score ? parseScore(d.cvss3Score, tenths) : undefined;
  if (cvss3 !== undefined)
    rule.cvss3 = d.cvss3Vector ? { baseScore: cvss3, vector: d.cvss3Vector } : { baseScore: cvss3 };
  const cvss2 = d.cvss2Score ? parseScore(d.cvss2Score, tenths) : undefined;
  if (cvss2 !== undefined)
    rule.cvss2 = d.cvss2Vector ? { baseScore: cvss2, vector: d.cvss2Vector } : { baseScore: cvss2 };
  if (d.pluginType) rule.pluginType = d.pluginType;
  // Rules carry dates without their time, as the .nessus reader writes them.
  const published = date(d.publishedOn)?.slice(0, 10);
  if (published) rule.publishedOn = published;
  const patch = date(d.patchPublishedOn)?.slice(0, 10);
  if (patch) rule.patchPublishedOn = patch;
  const vuln = date(d.vulnPublishedOn)?.slice(0, 10);
  if (vuln) rule.vulnPublishedOn = vuln;
  if (d.exploitAvailable !== undefined) rule.exploitAvailable = d.exploitAvailable;
  if (d.exploitedByMalware !== undefined) rule.exploitedByMalware = d.exploitedByMalware;
  if (d.aliases && d.aliases.length > 0) rule.aliases = d.aliases;
  return rule;
}

export function pushUnique<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Cell readers shared by scanner exports

const CVE_ID = /\bCVE-\d{4}-\d{4,}\b/gi;

/** Every CVE id in a cell ("CVE-2013-2566,CVE-2015-2808", one a line, with spaces), upper-cased. */
export function findCves(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(CVE_ID)) pushUnique(out, m[0].toUpperCase());
  return out;
}

/** KBs of an MSKB cell ("4093110;4093118", "KB4093110", "MSKB:4093110"), normalised. */
export function kbsOfCell(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/[\s,;]+/)) {
    const p = piece.replace(/^MSKB:/i, '');
    const kb = kbFromNumber(p) ?? normalizeKb(p);
    if (kb) pushUnique(out, kb);
  }
  return out;
}

/** A list cell split on line breaks, semicolons or commas, trimmed, without blanks and repeats. */
export function splitList(text: string, separators: RegExp = /\r?\n|;|,/): string[] {
  const out: string[] = [];
  for (const piece of text.split(separators)) {
    const v = piece.trim();
    if (v && !EMPTY_VALUES.has(v.toLowerCase())) pushUnique(out, v);
  }
  return out;
}

/** "Yes"/"TRUE"/"true"/"1" → true, "No"/"FALSE"/"0" → false, anything else undefined. */
export function parseYesNo(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'yes' || t === 'true' || t === 'y' || t === '1') return true;
  if (t === 'no' || t === 'false' || t === 'n' || t === '0') return false;
  return undefined;
}

/** A port number 0–65535, undefined for anything else ("general", ""). */
export function parsePort(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,5}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 65535 ? n : undefined;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isIpAddress(text: string): boolean {
  return IPV4.test(text) || (text.includes(':') && /^[0-9a-f:.]+$/i.test(text) && text.split(':').length > 2);
}

/** Every IP address in a cell ("10.0.0.1, 10.0.0.2", one a line), lower-cased. */
export function ipsOfCell(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/[\s,;]+/)) {
    const ip = piece.trim().toLowerCase();
    if (ip && isIpAddress(ip)) pushUnique(out, ip);
  }
  return out;
}

/** "00:50:56:A1:B2:C3", "00-50-56-a1-b2-c3" or "005056A1B2C3" → "00:50:56:a1:b2:c3". */
export function normalizeMac(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (/^[0-9a-f]{12}$/.test(t)) return t.replace(/(..)(?!$)/g, '$1:');
  const c = t.replace(/-/g, ':');
  return /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/.test(c) ? c : undefined;
}

export function macsOfCell(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(/[\s,;]+/)) {
    const mac = normalizeMac(piece);
    if (mac) pushUnique(out, mac);
  }
  return out;
}

/**
 * Names of a host from the cells a scanner gives: a NetBIOS name (possibly "DOMAIN\NAME"), a DNS name and
 * whatever it calls the host (an IP or a name). The short name prefers NetBIOS, then the first DNS label.
 */
export function hostNames(cells: { netbios?: string; dns?: string; name?: string }): HostFacts {
  const facts: HostFacts = {};
  let netbios = cells.netbios?.trim();
  if (netbios?.includes('\\')) {
    const at = netbios.lastIndexOf('\\');
    const domain = netbios.slice(0, at).trim();
    if (domain) facts.domain = domain;
    netbios = netbios.slice(at + 1).trim();
  }
  const dns = [cells.dns, cells.name]
    .map((v) => v?.trim().replace(/\.$/, '') ?? '')
    .find((v) => v !== '' && !isIpAddress(v));
  if (dns && dns.includes('.')) facts.fqdn = dns.toLowerCase();
  const hostname = netbios || (dns ? firstLabel(dns) : undefined);
  if (hostname) facts.hostname = hostname;
  return facts;
}

function firstLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

// ---------------------------------------------------------------------------------------------------------------
// Operating system names as scanners write them

/** Distributions whose name a scanner may write, with their os-release ID. */
const DISTROS: [RegExp, string][] = [
  [/\bubuntu\b/i, 'ubuntu'],
  [/\bdebian\b/i, 'debian'],
  [/\b(?:red ?hat|rhel)\b/i, 'rhel'],
  [/\bcentos\b/i, 'centos'],
  [/\brocky\b/i, 'rocky'],
  [/\balma ?linux\b/i, 'almalinux'],
  [/\boracle linux\b/i, 'ol'],
  [/\bamazon linux\b/i, 'amzn'],
  [/\bsuse\b|\bsles\b/i, 'sles'],
  [/\bfedora\b/i, 'fedora'],
  [/\balpine\b/i, 'alpine']
];

/**
 * An OS as a scanner names it ("Windows Server 2016 Datacenter 64 bit Edition Version 1607", "Ubuntu 22.04",
 * "Linux Kernel 4.14 on Amazon Linux 2", "Linux 2.x") → OsInfo. Windows goes through parseWindowsOs; Linux
 * names that name a distribution get `distro` (ID as in os-release, version when written).
 */
export function osFromName(name: string): OsInfo | undefined {
  const clean = name.split(/\r?\n/)[0]?.replace(/\s+/g, ' ').trim() ?? '';
  if (!clean) return undefined;
  if (isWindowsName(clean)) {
    // Qualys appends "64 bit Edition" and "Version 1607" to the product name.
    let product = clean;
    let architecture: string | undefined;
    let displayVersion: string | undefined;
    const bits = /\s*\b(64|32)[ -]?bit(?:\s+edition)?\b/i.exec(product);
    if (bits) {
      architecture = bits[1] === '64' ? 'x64' : 'x86';
      product = product.replace(bits[0], '');
    }
    const release = /\s*\bversion\s+(\d{4}|\d{2}H\d)\b/i.exec(product);
    if (release) {
      displayVersion = (release[1] as string).toUpperCase();
      product = product.replace(release[0], '');
    }
    const info = parseWindowsOs(product.trim());
    info.name = clean;
    // Windows 10 and 11 names do not fix the build; their feature release does.
    const build =
      displayVersion && info.build === undefined ? releaseBuild(clean, displayVersion) : undefined;
    if (build !== undefined) {
      info.build = build;
      info.version = `10.0.${build}`;
    }
    if (architecture) info.architecture = architecture;
    if (displayVersion) info.displayVersion = displayVersion;
    return info;
  }
  const info: OsInfo = { family: otherOsFamily(clean), name: clean };
  if (info.family === 'linux') {
    for (const [pattern, id] of DISTROS) {
      const m = pattern.exec(clean);
      if (!m) continue;
      const after = clean.slice(m.index + m[0].length);
      const version = /^[^\d]{0,30}?(\d+(?:\.\d+)*)/.exec(after)?.[1];
      info.distro = version ? { id, versionId: version } : { id };
      break;
    }
  }
  if (info.family === 'macos') {
    const version = /\b(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)\b/.exec(clean)?.[1];
    if (version) info.version = version;
  }
  return info;
}

function releaseBuild(name: string, release: string): number | undefined {
  const product = /\bwindows (10|11)\b/i.exec(name)?.[1] as '10' | '11' | undefined;
  return product ? windowsReleaseBuild(product, release) : undefined;
}

function otherOsFamily(name: string): OsFamily {
  if (/\b(?:mac ?os|os x|darwin)\b/i.test(name)) return 'macos';
  if (
    /\b(?:linux|centos|red ?hat|rhel|ubuntu|debian|suse|sles|fedora|alma ?linux|rocky|amazon linux|alpine|oracle linux)\b/i.test(
      name
    )
  ) {
    return 'linux';
  }
  if (/\b(?:freebsd|netbsd|openbsd|solaris|sunos|aix|hp-ux|unix)\b/i.test(name)) return 'unix';
  if (
    /\b(?:cisco|junos|juniper|fortios|fortigate|pan-os|palo alto|routeros|mikrotik|procurve|aruba|ios xe|nx-os)\b/i.test(
      name
    )
  ) {
    return 'network';
  }
  return 'other';
}

// ---------------------------------------------------------------------------------------------------------------
// Problems every scanner CSV reader raises the same way

/** The problems for a file that is not (or no longer) what its reader expects: empty, or without the header. */
export function headerProblem(reader: CsvReader, what: string, expected: string, howTo: string): Problem {
  const first = reader.firstRecords[0];
  if (!first) {
    return {
      severity: 'error',
      code: 'empty-file',
      message: `The file is empty (no rows at all), so it holds no ${what}. ${howTo}`
    };
  }
  const shown = first.cells
    .slice(0, 6)
    .map((c) => c.trim())
    .join(reader.delimiter ?? ',');
  return {
    severity: 'error',
    code: 'csv-header-not-found',
    message:
      `This CSV is not a ${what}: no header with ${expected} was found in its first lines ` +
      `(line ${first.line} reads "${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown}"). ${howTo}`,
    line: first.line
  };
}

/** An info problem for rows of delimiters only (Excel leaves them after deleted rows); undefined when none. */
export function blankRowsProblem(reader: CsvReader): Problem | undefined {
  if (reader.blankRows === 0) return undefined;
  return {
    severity: 'info',
    code: 'csv-blank-rows',
    message: `${reader.blankRows} empty row(s) (blank, or delimiters only) were skipped.`,
    line: reader.blankLines[0],
    count: reader.blankRows,
    lines: [...reader.blankLines]
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Missing KBs named in a scanner's evidence

/** Words of outputs that list updates as missing (as opposed to installed). */
const MISSING_WORDS = /\bmissing\b|has not been patched|install the following|not installed|should be/i;
/** "KB : 4346087", "KB      : 4011632" in Nessus Microsoft bulletin outputs. */
const KB_FIELD = /\bKB\s*:\s*(\d{6,7})\b/g;
/** "The remote host is missing one of the following rollup KBs :" then "  - 5034122" lines (Nessus). */
const ROLLUP_LIST = /following rollup KBs\s*:[ \t]*((?:\r?\n[ \t]*-[ \t]*\d{6,7}[ \t]*)+)/gi;

/**
 * KBs an evidence text names as missing: "KB4093110" and "KB : 4011632" in an output that says something is
 * missing or not installed (or always, when `patchRule` says the rule is about missing updates). Installed-update
 * inventories name KBs too, so without either signal nothing is taken.
 */
export function findMissingKbs(output: string, patchRule: boolean): string[] {
  if (!/KB/i.test(output) || (!patchRule && !MISSING_WORDS.test(output))) return [];
  const kbs: string[] = [];
  for (const m of output.matchAll(/(?<![A-Za-z0-9])KB[ _-]?(\d{6,7})(?!\d)/gi)) pushUnique(kbs, `KB${m[1]}`);
  for (const m of output.matchAll(KB_FIELD)) pushUnique(kbs, `KB${m[1]}`);
  for (const m of output.matchAll(ROLLUP_LIST)) {
    for (const d of (m[1] as string).matchAll(/\d{6,7}/g)) pushUnique(kbs, `KB${d[0]}`);
  }
  return kbs;
}

// ---------------------------------------------------------------------------------------------------------------
// A streaming parser for a scanner's CSV export

/** What one scanner's CSV layout needs to say; the reading, grouping and reporting are shared. */
export interface ScannerCsvSpec<C> {
  format: FileFormat;
  /** Short tool name for ScannerRule.scanner. */
  scanner: string;
  /** For messages: "Tenable CSV export". */
  what: string;
  /** For messages: which columns make the header, e.g. 'a "Plugin ID" column'. */
  expected: string;
  /** How to produce the export (said when the file is not one). */
  howTo: string;
  /** Date order when the file's dates never tell. */
  defaultOrder: DateOrder;
  isHeader(header: CsvHeader): boolean;
  /** Column indexes, resolved once from the header. */
  columns(header: CsvHeader): C;
  /** Reads one data row into `rows`; trouble goes to `issues` (grouped by code). */
  readRow(row: CsvRow, columns: C, rows: ScannerRows, issues: IssueCollector): void;
  /** The format's version or layout as the file states it (e.g. a report title in the preamble). */
  formatVersion?(header: CsvHeader, preamble: readonly CsvRecord[]): string | undefined;
  decode?: DecodeOptions;
}

/**
 * Streaming parser for a scanner CSV: rows are read as the bytes arrive; hosts and rules are handed to the
 * sink at `end` (rows of one host may be anywhere in the file). Never throws on bad input.
 */
export function createScannerCsvParser<C>(spec: ScannerCsvSpec<C>, sink: ObservationSink): StreamParser {
  const rows = new ScannerRows(spec.scanner, spec.defaultOrder);
  const rowIssues = new IssueCollector();
  const issues: Problem[] = [];
  let columns: C | undefined;
  let formatVersion: string | undefined;
  let ended = false;
  const reader = createCsvReader(
    { isHeader: (h) => spec.isHeader(h), ...(spec.decode ? { decode: spec.decode } : {}) },
    (row, header) => {
      if (columns === undefined) {
        columns = spec.columns(header);
        formatVersion = spec.formatVersion?.(header, reader.preamble);
      }
      spec.readRow(row, columns, rows, rowIssues);
    }
  );
  return {
    write(chunk: Uint8Array): void {
      if (!ended) reader.write(chunk);
    },
    end(): void {
      if (ended) return;
      ended = true;
      reader.end();
      issues.push(...reader.issues);
      const header = reader.header;
      if (!header) {
        issues.push(headerProblem(reader, spec.what, spec.expected, spec.howTo));
        return;
      }
      formatVersion ??= spec.formatVersion?.(header, reader.preamble);
      issues.push(...rowIssues.problems);
      const blank = blankRowsProblem(reader);
      if (blank) issues.push(blank);
      const done = rows.finish();
      issues.push(...done.issues);
      if (reader.rows === 0) {
        issues.push({
          severity: 'warning',
          code: 'no-findings',
          message:
            `The ${spec.what} has its header (line ${header.line}) but no rows: the scan found nothing, or the export ` +
            'was filtered down to nothing. Check the scan and its export filters, and export it again if findings are expected.',
          line: header.line
        });
      } else if (done.hosts.length === 0) {
        issues.push({
          severity: 'error',
          code: 'no-hosts',
          message: `None of the ${reader.rows} rows of this ${spec.what} names a host, so nothing could be imported. ${spec.howTo}`
        });
      }
      for (const r of done.rules) sink.rule(r);
      for (const h of done.hosts) sink.host(h);
    },
    get issues(): readonly Problem[] {
      return issues;
    },
    get formatVersion() {
      return formatVersion;
    },
    get position(): string {
      return reader.rows > 0 ? `row ${reader.rows}` : `line ${reader.line}`;
    }
  };
}

/** Reads a whole scanner CSV already in memory (tests, the CLI). */
export function parseScannerCsv<C>(spec: ScannerCsvSpec<C>, bytes: Uint8Array): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createScannerCsvParser(spec, { host: (h) => hosts.push(h), rule: (r) => rules.push(r) });
  const step = 1 << 20;
  for (let offset = 0; offset < bytes.length; offset += step)
    parser.write(bytes.subarray(offset, offset + step));
  parser.end();
  const value: ParsedFile = { format: spec.format, hosts, rules };
  if (parser.formatVersion) value.formatVersion = parser.formatVersion;
  return { value, issues: [...parser.issues] };
}

/** Severity words scanners write ("None" and "Log" are informational). */
export function severityFromWord(text: string): Severity | undefined {
  switch (text.trim().toLowerCase()) {
    case 'critical':
    case 'urgent':
      return 'critical';
    case 'high':
    case 'serious':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
    case 'minimal':
      return 'low';
    case 'none':
    case 'info':
    case 'informational':
    case 'information':
    case 'log':
      return 'info';
    default:
      return undefined;
  }
}

/** Severity from a CVSS base score, the NVD bands (0 is informational). */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}
