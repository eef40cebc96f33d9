/**
 * Line-by-line reading of text exports (package lists, os-release, softwareupdate), and the pieces every
 * single-machine inventory format shares.
 *
 * A `LineReader` takes a file's bytes in chunks and hands over one decoded line at a time with its 1-based line
 * number, so a 50 MB `dpkg -l` or `rpm -qai` never becomes one string. It decodes the way {@link decodeText}
 * does: the encoding is decided once, on the first 64 KB cut at a line end (BOM, UTF-16 with or without BOM,
 * UTF-8, then the legacy code pages ranked by plausibility), and the rest of the file is decoded in that
 * encoding as it arrives.
 *
 * Inventory formats describe one machine, usually without naming it: {@link machineHost} builds that host (key
 * "local" unless the capture names the machine) and {@link unnamedHostProblem} tells the technician how the
 * asset will be named.
 */
import type {
  FileFormat,
  HostObservation,
  ObservationSink,
  OsInfo,
  ParsedFile,
  ParseResult,
  PendingUpdate,
  Problem,
  Software,
  StreamParser
} from '../model';
import { DEFAULT_LEGACY_ENCODINGS, decodeText, type DecodeOptions } from './decode';

/** How many leading bytes decide the encoding (the same amount format detection reads). */
const HEAD_BYTES = 64 * 1024;

/** A longer "line" is not a line of any text export: it is cut there and reported. */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Legacy encodings for text captured on Linux and macOS and saved or pasted on a Windows PC: "ANSI" in Russia is
 * windows-1251 (and KOI8-R on older Linux consoles), in Central Europe windows-1250. Plausibility scoring picks
 * among them; DOS OEM pages come last because Unix tools never write them.
 */
export const UNIX_LEGACY_ENCODINGS: readonly string[] = [
  'gbk',
  'shift_jis',
  'big5',
  'euc-kr',
  'windows-1252',
  'windows-1251',
  'koi8-r',
  'windows-1250',
  ...DEFAULT_LEGACY_ENCODINGS.filter(
    (e) => !['gbk', 'shift_jis', 'big5', 'euc-kr', 'windows-1252'].includes(e)
  )
];

export interface LineReaderOptions extends DecodeOptions {
  /** Lines longer than this are cut (default {@link MAX_LINE_CHARS}). */
  maxLineChars?: number;
}

/**
 * Splits a byte stream into decoded lines ("\n", "\r\n" and lone "\r" all end a line; the line break is not
 * part of the text). Never throws on bad input: undecodable bytes become U+FFFD and are counted.
 */
export class LineReader {
  private head: Uint8Array[] = [];
  private headLength = 0;
  private decodeChunk: ((chunk: Uint8Array, final: boolean) => string) | undefined;
  /** The line read so far (its pieces, joined when the line ends), at most maxLineChars of it. */
  private pending: string[] = [];
  private pendingLength = 0;
  /** A "\r" at the end of the last chunk: it ends a line, together with a "\n" that starts the next chunk. */
  private heldReturn = false;
  private cutting = false;
  private lineNo = 0;
  private bytes = 0;
  private chosen: string | undefined;
  private replacements = 0;
  private readonly cut: number[] = [];
  private readonly maxLineChars: number;

  constructor(
    private readonly onLine: (text: string, line: number) => void,
    private readonly options: LineReaderOptions = {}
  ) {
    this.maxLineChars = options.maxLineChars ?? MAX_LINE_CHARS;
  }

  /** The encoding the file was read in, once decided. */
  get encoding(): string | undefined {
    return this.chosen;
  }

  get bytesRead(): number {
    return this.bytes;
  }

  get linesRead(): number {
    return this.lineNo;
  }

  /** How many characters could not be decoded (U+FFFD produced by the decoder). */
  get undecodable(): number {
    return this.replacements;
  }

  /** Lines cut at {@link LineReaderOptions.maxLineChars} (their numbers). */
  get cutLines(): readonly number[] {
    return this.cut;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (this.decodeChunk) {
      this.pushText(this.decodeChunk(chunk, false), false);
      return;
    }
    this.head.push(chunk.slice());
    this.headLength += chunk.length;
    if (this.headLength >= HEAD_BYTES) this.startDecoding(false);
  }

  end(): void {
    if (!this.decodeChunk) this.startDecoding(true);
    else this.pushText(this.decodeChunk(new Uint8Array(0), true), true);
  }

  /** Decides the encoding from the head, then decodes what was held back. */
  private startDecoding(final: boolean): void {
    const head = concat(this.head, this.headLength);
    this.head = [];
    // The same first bytes decide whatever the chunk sizes, so a file reads the same in the app and in tests.
    const sample = final && head.length <= HEAD_BYTES ? head : cutAtLineEnd(head.subarray(0, HEAD_BYTES));
    const decided = decodeText(sample, this.options);
    this.chosen = decided.encoding;
    this.decodeChunk = chunkDecoder(decided.encoding, this.options);
    this.pushText(this.decodeChunk(head, final), final);
  }

  /**
   * Only the new text is searched for line breaks: a long line arriving in small chunks is kept in pieces, never
   * joined and searched again at every chunk (which took minutes for a 700 KB line written 3 bytes at a time).
   */
  private pushText(text: string, final: boolean): void {
    if (text.length > 0) this.countReplacements(text);
    const s = this.heldReturn ? `\r${text}` : text;
    this.heldReturn = false;
    let start = 0;
    const breaks = /\r\n|\n|\r/g;
    for (let m = breaks.exec(s); m; m = breaks.exec(s)) {
      // A "\r" at the very end may be the first half of a "\r\n" split across chunks: wait for the next one.
      if (!final && m[0] === '\r' && m.index === s.length - 1) {
        this.heldReturn = true;
        this.appendPending(s.slice(start, m.index));
        return;
      }
      this.appendPending(s.slice(start, m.index));
      this.emit(this.takePending());
      start = m.index + m[0].length;
    }
    this.appendPending(s.slice(start));
    if (final && this.pendingLength > 0) this.emit(this.takePending());
  }

  /** Adds to the line being read; past maxLineChars the rest of the line is dropped and the line marked as cut. */
  private appendPending(text: string): void {
    if (text.length === 0) return;
    const room = this.maxLineChars - this.pendingLength;
    if (text.length > room) this.cutting = true;
    const kept = text.length > room ? text.slice(0, Math.max(0, room)) : text;
    if (kept.length === 0) return;
    this.pending.push(kept);
    this.pendingLength += kept.length;
  }

  private takePending(): string {
    const line = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    return line;
  }

  private emit(text: string): void {
    this.lineNo += 1;
    let line = text;
    if (this.cutting || line.length > this.maxLineChars) {
      this.cut.push(this.lineNo);
      line = line.slice(0, this.maxLineChars);
      this.cutting = false;
    }
    this.onLine(line, this.lineNo);
  }

  private countReplacements(text: string): void {
    for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) this.replacements += 1;
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The head up to its last line break ("\n", or "\n\0" in UTF-16LE), so no character is cut in two. */
function cutAtLineEnd(head: Uint8Array): Uint8Array {
  for (let i = head.length - 1; i > 0; i--) {
    if (head[i] === 0x0a) return head.subarray(0, head[i + 1] === 0 ? i + 2 : i + 1);
  }
  // No line break at all: drop an incomplete UTF-8 sequence at the end.
  let end = head.length;
  while (end > 0 && end > head.length - 3 && ((head[end - 1] ?? 0) & 0xc0) === 0x80) end -= 1;
  if (end > 0 && (head[end - 1] ?? 0) >= 0xc0) end -= 1;
  return head.subarray(0, end);
}

/** Encodings a streaming WHATWG TextDecoder handles (multi-byte characters split across chunks included). */
function chunkDecoder(
  encoding: string,
  options: DecodeOptions
): (chunk: Uint8Array, final: boolean) => string {
  let decoder: TextDecoder | undefined;
  try {
    // By default the decoder drops a UTF-8 or UTF-16 BOM at the start of the stream, as decodeText does.
    decoder = new TextDecoder(encoding);
  } catch {
    decoder = undefined;
  }
  if (decoder) {
    const d = decoder;
    return (chunk, final) => d.decode(chunk, { stream: !final });
  }
  // DOS OEM code pages (cp850, cp437) are single-byte tables kept private in decode.ts: decode each chunk through
  // decodeText's legacy path with only that encoding. A leading "\n" rules out a BOM and a trailing 0xFF rules out
  // UTF-8, so the table is always used; both are removed again. (Single-byte: chunk boundaries cannot split one.)
  const legacy = [encoding];
  return (chunk) => {
    if (chunk.length === 0) return '';
    const padded = new Uint8Array(chunk.length + 2);
    padded[0] = 0x0a;
    padded.set(chunk, 1);
    padded[chunk.length + 1] = 0xff;
    const text = decodeText(padded, { ...options, legacy }).text;
    return text.slice(1, -1);
  };
}

// ---------------------------------------------------------------------------------------------------------
// Parsers made of lines

/** What a line-based format parser hands back at the end of the file. */
export interface LineParseOutcome {
  hosts: HostObservation[];
  issues: Problem[];
  formatVersion?: string;
}

/** A line-based format: gets every line, then `finish` once. Never throws on bad input. */
export interface LineFormatParser {
  /** `nth`: how many non-blank lines the file has had up to this one (1 for its first line of text). */
  line(text: string, line: number, nth: number): void;
  finish(): LineParseOutcome;
}

export interface LineFormat {
  format: FileFormat;
  /** What the file is, for messages: "dpkg -l output". */
  what: string;
  /** How to produce it again, for messages: "run `dpkg -l > packages.txt` on the machine". */
  howTo: string;
  /** Legacy encodings to try (default {@link UNIX_LEGACY_ENCODINGS}). */
  legacy?: string[];
  create(): LineFormatParser;
}

/**
 * Runs a line-based format over a reader and adds what every text format reports the same way: an empty file,
 * a file of blank lines (or only a BOM), undecodable characters, cut lines.
 */
function lineRun(spec: LineFormat): {
  reader: LineReader;
  finish(): LineParseOutcome;
} {
  const parser = spec.create();
  let nonBlank = 0;
  const reader = new LineReader(
    (text, line) => {
      if (nonBlank === 0 && text.trim() === '') return;
      if (text.trim() !== '') nonBlank += 1;
      parser.line(text, line, nonBlank);
    },
    { legacy: spec.legacy ?? [...UNIX_LEGACY_ENCODINGS] }
  );
  return {
    reader,
    finish(): LineParseOutcome {
      if (nonBlank === 0) {
        return {
          hosts: [],
          issues: [
            {
              severity: 'error',
              code: 'empty-file',
              message:
                reader.bytesRead === 0
                  ? `The file is empty (0 bytes), so it holds no ${spec.what}. ${capitalise(spec.howTo)} and import the new file.`
                  : `The file holds no text (only blank lines or a byte order mark), so no ${spec.what}. ${capitalise(spec.howTo)} and import the new file.`,
              detail: `${reader.bytesRead} bytes, encoding ${reader.encoding ?? 'none'}`
            }
          ]
        };
      }
      const outcome = parser.finish();
      const issues = [...outcome.issues];
      if (reader.undecodable > 0) {
        issues.push({
          severity: 'warning',
          code: 'text-undecodable',
          message: `${reader.undecodable} characters of this ${spec.what} could not be decoded as ${reader.encoding ?? 'text'} and show as "�". Names and versions are read as they are; if some look wrong, capture the list again with LANG=C.UTF-8.`,
          detail: `encoding ${reader.encoding ?? 'unknown'}`
        });
      }
      if (reader.cutLines.length > 0) {
        issues.push({
          severity: 'warning',
          code: 'line-too-long',
          message: `Line ${reader.cutLines[0]} is longer than ${Math.round(MAX_LINE_CHARS / 1024)} K characters, which no ${spec.what} has; only its start was read. Check that you picked the right file.`,
          line: reader.cutLines[0],
          ...(reader.cutLines.length > 1
            ? { count: reader.cutLines.length, lines: reader.cutLines.slice(0, 5) }
            : {})
        });
      }
      return { ...outcome, issues };
    }
  };
}

/** Parses a whole file held in memory (tests, small files). */
export function parseLineFormat(bytes: Uint8Array, spec: LineFormat): ParseResult<ParsedFile> {
  const run = lineRun(spec);
  run.reader.write(bytes);
  run.reader.end();
  const outcome = run.finish();
  return {
    value: {
      format: spec.format,
      ...(outcome.formatVersion ? { formatVersion: outcome.formatVersion } : {}),
      hosts: outcome.hosts,
      rules: []
    },
    issues: outcome.issues
  };
}

/** The streaming parser for a line-based format: memory grows with what the file describes, not its size. */
export function streamLineFormat(sink: ObservationSink, spec: LineFormat): StreamParser {
  const run = lineRun(spec);
  const issues: Problem[] = [];
  let formatVersion: string | undefined;
  let ended = false;
  return {
    write(chunk: Uint8Array): void {
      if (!ended) run.reader.write(chunk);
    },
    end(): void {
      if (ended) return;
      ended = true;
      run.reader.end();
      const outcome = run.finish();
      formatVersion = outcome.formatVersion;
      issues.push(...outcome.issues);
      for (const host of outcome.hosts) sink.host(host);
    },
    get issues() {
      return issues;
    },
    get formatVersion() {
      return formatVersion;
    },
    get position() {
      return `line ${run.reader.linesRead}`;
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// One machine, usually unnamed

/**
 * A machine name written into a capture, e.g. the first lines of a collector's combined output:
 * "hostname: web01", "Host name = web01.example.com", "# host: web01", "HOSTNAME=web01". With `first` (the file's
 * first line of text), also the bare output of the `hostname` command ("web01", "web01.example.com").
 */
export function hostnameFromLine(line: string, first = false): string | undefined {
  const m =
    /^\s*(?:#+\s*)?(?:host[ _-]?name|host|computer[ _-]?name|machine)\s*[:=]\s*["']?([A-Za-z0-9][A-Za-z0-9._-]{0,252})["']?\s*$/i.exec(
      line
    );
  if (m?.[1]) return m[1];
  if (!first) return undefined;
  const bare = /^\s*([A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*)\s*$/.exec(line);
  return bare?.[1] && /[A-Za-z]/.test(bare[1]) ? bare[1] : undefined;
}

export interface MachineParts {
  hostname?: string | undefined;
  os?: OsInfo | undefined;
  software?: Software[];
  pendingUpdates?: PendingUpdate[];
}

/**
 * The one machine an inventory file describes. Key "local" and no host name unless the file names the machine; a
 * dotted name is kept as the FQDN with its first label as host name.
 */
export function machineHost(parts: MachineParts): HostObservation {
  const name = parts.hostname?.trim();
  const naming: Partial<HostObservation> = {};
  if (name) {
    const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
    const dot = name.indexOf('.');
    if (!isIp && dot > 0 && dot < name.length - 1) {
      naming.hostname = name.slice(0, dot);
      naming.fqdn = name.toLowerCase();
      naming.domain = name.slice(dot + 1).toLowerCase();
    } else {
      naming.hostname = name;
    }
  }
  return {
    key: name ? name.toLowerCase() : 'local',
    ...naming,
    ips: [],
    macs: [],
    kind: 'machine',
    ...(parts.os ? { os: parts.os } : {}),
    installedUpdates: [],
    software: parts.software ?? [],
    pendingUpdates: parts.pendingUpdates ?? [],
    findings: []
  };
}

/** The warning every unnamed single-machine file carries. */
export function unnamedHostProblem(what: string): Problem {
  return {
    severity: 'warning',
    code: 'host-name-unknown',
    message: `This ${what} does not say which machine it comes from. The asset will be named after the file, unless another file of the same machine (for example its os-release or hostname from the same collector run) gives the name; rename the file after the machine (e.g. "web01-packages.txt") or merge the assets by hand.`
  };
}

/**
 * Counts records skipped or noted for one reason: one problem with the count and the first few lines, whatever
 * the number of records (the message is written once the count is known).
 */
export class LineGroup {
  count = 0;
  readonly lines: number[] = [];
  readonly examples: string[] = [];

  add(line: number, example?: string): void {
    this.count += 1;
    if (this.lines.length < 5) this.lines.push(line);
    if (example !== undefined && this.examples.length < 3) this.examples.push(example);
  }

  /** A problem for the group, or nothing when it is empty. */
  problem(
    severity: Problem['severity'],
    code: string,
    message: (count: number, where: string) => string,
    detail?: string
  ): Problem[] {
    if (this.count === 0) return [];
    const first = this.lines[0];
    return [
      {
        severity,
        code,
        message: message(this.count, linesPhrase(this.lines, this.count)),
        ...(first !== undefined ? { line: first } : {}),
        ...(this.count > 1 ? { count: this.count, lines: [...this.lines] } : {}),
        ...(detail ? { detail } : {})
      }
    ];
  }
}

/** "line 12", "lines 3, 8 and 9", "lines 3, 8, 9, 12, 40, …". */
export function linesPhrase(lines: readonly number[], count: number): string {
  if (lines.length === 0) return '';
  if (lines.length === 1) return `line ${lines[0]}`;
  if (count > lines.length) return `lines ${lines.join(', ')}, …`;
  return `lines ${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The first non-blank lines of a sample, without a leading "hostname: …" line. */
export function sampleLines(text: string, max = 60): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    if (raw.trim() === '') continue;
    if (out.length === 0 && hostnameFromLine(raw, true)) continue;
    out.push(raw);
    if (out.length >= max) break;
  }
  return out;
}

/** A few words of a line for a message, without control characters. */
export function quoteLine(text: string, max = 60): string {
  const clean = Array.from(text, (c) => (c < ' ' || c === '\u007f' ? ' ' : c))
    .join('')
    .trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
