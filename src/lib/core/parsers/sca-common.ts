/**
 * What the software-composition readers (Trivy, Grype, OSV-Scanner, CycloneDX, SPDX) share: package URLs,
 * ecosystem names, severities and CVSS scores, Linux distribution names, a loose version order, and a JSON reader
 * that buffers small files and streams big ones.
 *
 * The JSON reader hands over only the parts of a document a format asks for ("records", selected by paths such as
 * `$.Results.*.Vulnerabilities.*`), one at a time, and forgets everything else as soon as it has been read. Small
 * files (below {@link STREAM_ABOVE_BYTES}) are decoded whole and parsed with JSON.parse, which is fast; bigger ones go
 * through @streamparser/json, so that a 500 MB report costs the memory of its largest record, not of the file. Both
 * paths hand over the same records in the same order (document order, children before the container that holds
 * them), so a format reader cannot tell them apart; the tests run every sample both ways.
 *
 * @see https://github.com/package-url/purl-spec/blob/main/PURL-SPECIFICATION.rst (package URLs)
 * @see https://www.first.org/cvss/v3.1/specification-document (CVSS v3.1 base score, section 7)
 * @see https://www.first.org/cvss/v2/guide (CVSS v2 base score, section 3.2.1)
 */
import { Tokenizer, TokenParser, TokenType } from '@streamparser/json';
import type {
  FileFormat,
  HostObservation,
  ObservationSink,
  OsInfo,
  ParsedFile,
  ParseResult,
  Problem,
  ScannerRule,
  Severity,
  Software,
  StreamParser
} from '../model';
import { decodeText, sniffEncoding } from './decode';
import { IssueCollector } from './handler';

// ---------------------------------------------------------------------------------------------------------
// Reading JSON values without trusting their shape

export type JsonKey = string | number;
export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object, or an empty one when the value is anything else. */
export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** The array, or an empty one when the value is anything else. */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A trimmed, non-empty string (numbers are written as text), else undefined. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t ? t : undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Non-empty strings of an array (or of a single string), trimmed. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return str(value) ? [value.trim()] : [];
  return arr(value)
    .map(str)
    .filter((s): s is string => s !== undefined);
}

export function pushUnique<T>(list: T[], ...values: (T | undefined)[]): void {
  for (const v of values) if (v !== undefined && !list.includes(v)) list.push(v);
}

/** "2021-08-25T12:20:30.000000005Z" → "2021-08-25"; other text is kept as written. */
export function isoDay(value: unknown): string | undefined {
  const t = str(value);
  if (!t) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ]|$)/.exec(t);
  return m ? m[1] : t;
}

// ---------------------------------------------------------------------------------------------------------
// The JSON reader

/** Files up to this size are parsed whole; bigger ones are streamed record by record. */
export const STREAM_ABOVE_BYTES = 4 * 1024 * 1024;

/** Bytes gathered before the encoding is chosen for streaming. */
const ENCODING_HEAD_BYTES = 4096;

/** How the document turned out, for the format reader's `finish`. */
export type JsonOutcome =
  | { kind: 'empty'; bom: boolean }
  | { kind: 'invalid' }
  | { kind: 'value'; root: 'object' | 'array' | 'null' | 'string' | 'number' | 'boolean' };

/** A format reader: which records it wants, what it does with each, and what it hands over at the end. */
export interface JsonDocumentReader {
  /**
   * Selectors in @streamparser/json syntax: `$` then `.key` or `.*` per level. A record is handed over whole; no
   * selector may lie inside another one's record.
   */
  readonly paths: readonly string[];
  /** One selected value, with the keys leading to it from the root. Never throws. */
  record(keys: readonly JsonKey[], value: unknown): void;
  /** The end of the file: hand hosts and rules to the sink. Never throws. */
  finish(outcome: JsonOutcome): void;
  /** What the reader wants the technician to know. */
  readonly problems: Problem[];
  readonly formatVersion?: string | undefined;
  /** Short words for a progress line. */
  readonly position?: string;
}

export interface JsonReadOptions {
  /** Above this many bytes the file is streamed (tests pass 0 to stream every sample). */
  streamAboveBytes?: number;
}

interface PathTrie {
  terminal: boolean;
  children: Map<string, PathTrie>;
}

function buildTrie(paths: readonly string[]): PathTrie {
  const root: PathTrie = { terminal: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const segment of path.split('.').slice(1)) {
      let child = node.children.get(segment);
      if (!child) {
        child = { terminal: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.terminal = true;
  }
  return root;
}

/**
 * Hands over the selected values of an already parsed document in the order the streaming parser would: document
 * order, a record as soon as it is complete.
 */
function walkRecords(
  value: unknown,
  keys: JsonKey[],
  nodes: PathTrie[],
  emit: (keys: readonly JsonKey[], value: unknown) => void
): void {
  if (nodes.some((n) => n.terminal)) {
    emit(keys.slice(), value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const entries: [JsonKey, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v] as [JsonKey, unknown])
    : Object.entries(value);
  for (const [key, child] of entries) {
    const next: PathTrie[] = [];
    for (const n of nodes) {
      const wild = n.children.get('*');
      if (wild) next.push(wild);
      const literal = n.children.get(String(key));
      if (literal) next.push(literal);
    }
    if (next.length === 0) continue;
    keys.push(key);
    walkRecords(child, keys, next, emit);
    keys.pop();
  }
}

interface SyntaxFault {
  /** Byte offset in the UTF-8 stream, when known. */
  offset?: number;
  truncated: boolean;
  detail: string;
}

/**
 * A @streamparser/json tokenizer and token parser wired together, reporting the first fault and the root's kind.
 * keepStack false: every value not selected is dropped from its parent as soon as it is complete.
 */
class JsonStream {
  private readonly tokenizer = new Tokenizer();
  private readonly parser: TokenParser;
  private lastOffset = 0;
  private started = false;
  private done = false;
  fault: SyntaxFault | undefined;
  root: 'object' | 'array' | 'null' | 'string' | 'number' | 'boolean' | undefined;

  constructor(paths: readonly string[], emit?: (keys: readonly JsonKey[], value: unknown) => void) {
    this.parser = new TokenParser({ paths: [...paths], keepStack: false });
    this.tokenizer.onToken = (token) => {
      if (this.fault) return;
      if (!this.started) {
        this.started = true;
        this.root = rootKind(token.token);
      }
      this.lastOffset = token.offset;
      this.parser.write(token);
    };
    this.tokenizer.onError = (err) => this.setFault(err, false);
    this.parser.onError = (err) => this.setFault(err, false);
    this.parser.onEnd = () => {
      this.done = true;
    };
    this.parser.onValue = ({ value, key, stack }) => {
      if (!emit || this.fault) return;
      const keys: JsonKey[] = [];
      for (let i = 1; i < stack.length; i++) {
        const k = stack[i]?.key;
        if (k !== undefined) keys.push(k);
      }
      if (key !== undefined) keys.push(key);
      emit(keys, value);
    };
  }

  private setFault(err: Error, truncated: boolean): void {
    if (this.fault) return;
    const at = /absolute position "(\d+)"/.exec(err.message);
    this.fault = {
      offset: at ? Number(at[1]) : this.lastOffset,
      truncated,
      detail: err.message
    };
  }

  write(bytes: Uint8Array): void {
    if (this.fault || bytes.length === 0) return;
    try {
      this.tokenizer.write(bytes);
    } catch (err) {
      this.setFault(err instanceof Error ? err : new Error(String(err)), false);
    }
  }

  end(): void {
    if (this.fault) return;
    try {
      if (!this.tokenizer.isEnded) this.tokenizer.end();
    } catch (err) {
      this.setFault(err instanceof Error ? err : new Error(String(err)), true);
      return;
    }
    // onError callbacks may have set a fault during end(), which TypeScript's narrowing cannot see.
    const fault = this.fault as SyntaxFault | undefined;
    if (fault) {
      if (/ended in the middle|mid-parsing/i.test(fault.detail)) fault.truncated = true;
      return;
    }
    if (this.started && !this.done && !this.parser.isEnded) {
      this.fault = { truncated: true, detail: 'the document ends before its last value is closed' };
    }
  }

  get empty(): boolean {
    return !this.started && !this.fault;
  }
}

function rootKind(token: TokenType): 'object' | 'array' | 'null' | 'string' | 'number' | 'boolean' {
  switch (token) {
    case TokenType.LEFT_BRACE:
      return 'object';
    case TokenType.LEFT_BRACKET:
      return 'array';
    case TokenType.NULL:
      return 'null';
    case TokenType.STRING:
      return 'string';
    case TokenType.NUMBER:
      return 'number';
    default:
      return 'boolean';
  }
}

/** Counts lines so that a byte offset in the stream can be told as line and column. */
class LineCounter {
  private bytes = 0;
  private lines = 0;
  private lastNewline = -1;
  private pending: Uint8Array | undefined;

  /** Called with each chunk right before it is written to the tokenizer. */
  before(chunk: Uint8Array): void {
    this.flush();
    this.pending = chunk;
  }

  private flush(): void {
    const chunk = this.pending;
    if (!chunk) return;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a) {
        this.lines++;
        this.lastNewline = this.bytes + i;
      }
    }
    this.bytes += chunk.length;
    this.pending = undefined;
  }

  /** Line and column (1-based) of a byte offset in the chunk written last or earlier. */
  at(offset: number | undefined): { line: number; column: number } {
    let lines = this.lines;
    let lastNewline = this.lastNewline;
    const chunk = this.pending;
    const target = offset ?? this.bytes + (chunk?.length ?? 0);
    if (chunk) {
      const upTo = Math.min(chunk.length, Math.max(0, target - this.bytes));
      for (let i = 0; i < upTo; i++) {
        if (chunk[i] === 0x0a) {
          lines++;
          lastNewline = this.bytes + i;
        }
      }
    }
    return { line: lines + 1, column: Math.max(1, target - lastNewline) };
  }
}

/**
 * A streaming parser for one JSON format: buffers up to `streamAboveBytes`, then either parses the whole text or
 * switches to streaming. Text is UTF-8 (with or without BOM) or UTF-16 (PowerShell's `>` writes UTF-16LE).
 */
export function createJsonStreamParser(
  reader: JsonDocumentReader,
  what: string,
  howTo: string,
  options: JsonReadOptions = {}
): StreamParser {
  const threshold = options.streamAboveBytes ?? STREAM_ABOVE_BYTES;
  const issues: Problem[] = [];
  let chunks: Uint8Array[] = [];
  let size = 0;
  let stream: JsonStream | undefined;
  let lines: LineCounter | undefined;
  let decoder: TextDecoder | undefined;
  const encoder = new TextEncoder();
  let ended = false;
  let records = 0;
  let bomSeen = false;
  let faultAt: { line: number; column: number } | undefined;

  const emit = (keys: readonly JsonKey[], value: unknown): void => {
    records++;
    try {
      reader.record(keys, value);
    } catch (err) {
      // A reader must never throw; if one does, the record is skipped rather than the file lost.
      issues.push(internalProblem(what, err));
    }
  };

  function startStreaming(): void {
    const head = concat(chunks, Math.min(size, 4096));
    const encoding = sniffEncoding(head);
    stream = new JsonStream(reader.paths, emit);
    lines = new LineCounter();
    const buffered = chunks;
    chunks = [];
    if (encoding === 'utf-16le' || encoding === 'utf-16be') {
      // The tokenizer reads UTF-8: UTF-16 text is decoded in pieces and encoded again.
      decoder = new TextDecoder(encoding);
      bomSeen = head[0] === 0xff || head[0] === 0xfe;
    } else if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      bomSeen = true;
      stripUtf8Bom(buffered);
    }
    for (const c of buffered) feed(c);
  }

  /** Drops the three bytes of a UTF-8 BOM, which may span several small chunks. */
  function stripUtf8Bom(buffered: Uint8Array[]): void {
    let skip = 3;
    for (let i = 0; i < buffered.length && skip > 0; i++) {
      const chunk = buffered[i] as Uint8Array;
      const cut = Math.min(skip, chunk.length);
      buffered[i] = chunk.subarray(cut);
      skip -= cut;
    }
  }

  function feed(chunk: Uint8Array): void {
    if (!stream || !lines) return;
    const bytes = decoder ? encoder.encode(decoder.decode(chunk, { stream: true })) : chunk;
    lines.before(bytes);
    stream.write(bytes);
    // Located now, while the chunk that holds the fault is still the one the line counter looks into.
    if (stream.fault && !faultAt) faultAt = lines.at(stream.fault.offset);
  }

  function report(fault: SyntaxFault, at: { line: number; column: number }): void {
    issues.push(
      fault.truncated
        ? {
            severity: 'error',
            code: 'json-truncated',
            message: `The file ends in the middle of the JSON (line ${at.line}): it was cut off while being written or copied. ${howTo}`,
            line: at.line,
            detail: fault.detail
          }
        : {
            severity: 'error',
            code: 'json-not-well-formed',
            message: `This is not valid JSON at line ${at.line}, column ${at.column}, so it cannot be read as ${withArticle(what)}. It may be damaged or edited by hand. ${howTo}`,
            line: at.line,
            column: at.column,
            detail: fault.detail
          }
    );
  }

  function finishBuffered(): JsonOutcome {
    const bytes = concat(chunks, size);
    chunks = [];
    const decoded = decodeText(bytes);
    const text = decoded.text;
    if (text.trim() === '') return { kind: 'empty', bom: decoded.bom };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      // JSON.parse does not say where in every runtime: the streaming tokenizer finds the place.
      const utf8 = encoder.encode(text);
      const probe = new JsonStream([]);
      const counter = new LineCounter();
      counter.before(utf8);
      probe.write(utf8);
      probe.end();
      const fault = probe.fault ?? {
        truncated: false,
        detail: err instanceof Error ? err.message : String(err)
      };
      report(fault, counter.at(fault.offset));
      return { kind: 'invalid' };
    }
    walkRecords(value, [], [buildTrie(reader.paths)], emit);
    return { kind: 'value', root: valueKind(value) };
  }

  function finishStreaming(): JsonOutcome {
    if (!stream || !lines) return { kind: 'invalid' };
    if (decoder) {
      const rest = encoder.encode(decoder.decode());
      if (rest.length) {
        lines.before(rest);
        stream.write(rest);
      }
    }
    stream.end();
    if (stream.fault) {
      report(stream.fault, faultAt ?? lines.at(stream.fault.offset));
      return { kind: 'invalid' };
    }
    if (stream.empty || !stream.root) return { kind: 'empty', bom: bomSeen };
    return { kind: 'value', root: stream.root };
  }

  return {
    write(chunk: Uint8Array): void {
      if (ended || chunk.length === 0) return;
      if (stream) {
        feed(chunk);
        return;
      }
      chunks.push(chunk.slice());
      size += chunk.length;
      // The first bytes decide the encoding (BOM, UTF-16), so a few KB are gathered before streaming starts.
      if (size > threshold && size >= ENCODING_HEAD_BYTES) startStreaming();
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (!stream && size > 0 && size > threshold) startStreaming();
      const outcome = stream ? finishStreaming() : finishBuffered();
      if (outcome.kind === 'empty') {
        issues.push({
          severity: 'error',
          code: 'empty-file',
          message: `The file is empty (${outcome.bom ? 'only a byte order mark' : size === 0 ? '0 bytes' : 'only blank characters'}): there is no ${what} in it. ${howTo}`
        });
      }
      try {
        reader.finish(outcome);
      } catch (err) {
        issues.push(internalProblem(what, err));
      }
    },
    get issues(): readonly Problem[] {
      return [...issues, ...reader.problems];
    },
    get formatVersion() {
      return reader.formatVersion;
    },
    get position() {
      return (
        reader.position ?? (records > 0 ? `${records} records read` : `${Math.round(size / 1024)} KB read`)
      );
    }
  };
}

/** "a Trivy report", "an SPDX document", "an OSV-Scanner report". */
export function withArticle(what: string): string {
  return `${/^(?:[aeio]|SPDX|OSV|X)/i.test(what) ? 'an' : 'a'} ${what}`;
}

function internalProblem(what: string, err: unknown): Problem {
  return {
    severity: 'error',
    code: 'parser-failure',
    message: `Patchfield could not finish reading this ${what}. Please send the file to your Patchfield contact.`,
    detail: err instanceof Error ? err.message : String(err)
  };
}

function valueKind(value: unknown): 'object' | 'array' | 'null' | 'string' | 'number' | 'boolean' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    default:
      return 'boolean';
  }
}

function concat(chunks: Uint8Array[], limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let offset = 0;
  for (const c of chunks) {
    if (offset >= limit) break;
    const take = Math.min(c.length, limit - offset);
    out.set(take === c.length ? c : c.subarray(0, take), offset);
    offset += take;
  }
  return out;
}

/** Runs a stream parser over whole bytes and collects what it hands over (tests, the CLI, small callers). */
export function collectParse(
  format: FileFormat,
  create: (sink: ObservationSink) => StreamParser,
  bytes: Uint8Array,
  chunkBytes = 1 << 20
): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = create({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) });
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    parser.write(bytes.subarray(offset, offset + chunkBytes));
  }
  parser.end();
  const value: ParsedFile = { format, hosts, rules };
  if (parser.formatVersion) value.formatVersion = parser.formatVersion;
  return { value, issues: [...parser.issues] };
}

// ---------------------------------------------------------------------------------------------------------
// Package URLs

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
  subpath?: string;
}

/**
 * Parses a package URL ("pkg:deb/debian/bash@5.0-4?arch=amd64"). Returns undefined for anything that is not a
 * valid purl: no "pkg:" scheme, no type, no name ("pkg:pypi/", "pkg:///", "/"), bad percent-encoding.
 */
export function parsePurl(text: string | undefined): Purl | undefined {
  if (!text) return undefined;
  const t = text.trim();
  const scheme = /^pkg:\/*/i.exec(t);
  if (!scheme) return undefined;
  let rest = t.slice(scheme[0].length);
  let subpath: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    subpath = rest.slice(hash + 1).replace(/^\/+|\/+$/g, '') || undefined;
    rest = rest.slice(0, hash);
  }
  const qualifiers: Record<string, string> = {};
  const question = rest.indexOf('?');
  try {
    if (question >= 0) {
      for (const pair of rest.slice(question + 1).split('&')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        const value = decodeURIComponent(pair.slice(eq + 1));
        if (value) qualifiers[pair.slice(0, eq).toLowerCase()] = value;
      }
      rest = rest.slice(0, question);
    }
    rest = rest.replace(/\/+$/, '');
    let version: string | undefined;
    const at = rest.lastIndexOf('@');
    if (at > rest.lastIndexOf('/')) {
      version = decodeURIComponent(rest.slice(at + 1)) || undefined;
      rest = rest.slice(0, at);
    }
    const segments = rest.split('/');
    const type = (segments.shift() ?? '').toLowerCase();
    if (!/^[a-z.+-][a-z0-9.+-]*$/.test(type)) return undefined;
    const name = decodeURIComponent(segments.pop() ?? '');
    if (!name.trim()) return undefined;
    const namespace = segments
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s))
      .join('/');
    const purl: Purl = { type, name, qualifiers };
    if (namespace) purl.namespace = namespace;
    if (version) purl.version = version;
    if (subpath) purl.subpath = subpath;
    return purl;
  } catch {
    return undefined; // malformed percent-encoding
  }
}

/** Purl types whose namespace is part of the package's name as people write it (group:artifact, vendor/package). */
const NAMESPACED: Record<string, string> = {
  maven: ':',
  npm: '/',
  composer: '/',
  golang: '/',
  github: '/',
  gitlab: '/',
  bitbucket: '/',
  swift: '/',
  hex: '/'
};

/**
 * The package name as its ecosystem writes it: "org.apache.logging.log4j:log4j-core" for Maven, "asm89/stack-cors"
 * for Composer, "@angular/core" for npm; for OS packages the namespace is the distribution and is left out.
 */
export function qualifiedName(name: string, purl: Purl | undefined): string {
  if (!purl?.namespace || purl.name.toLowerCase() !== name.toLowerCase()) return name;
  const sep = NAMESPACED[purl.type];
  return sep ? `${purl.namespace}${sep}${name}` : name;
}

// ---------------------------------------------------------------------------------------------------------
// Ecosystems: the model uses purl type names (deb, rpm, apk, npm, pypi, maven, golang, cargo, gem, composer, …).

/** Trivy result types (and package types) → purl type. */
const TRIVY_TYPES: Record<string, string> = {
  debian: 'deb',
  ubuntu: 'deb',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  amazon: 'rpm',
  redhat: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  alma: 'rpm',
  oracle: 'rpm',
  fedora: 'rpm',
  photon: 'rpm',
  'cbl-mariner': 'rpm',
  azurelinux: 'rpm',
  suse: 'rpm',
  'suse linux enterprise server': 'rpm',
  'suse linux enterprise micro': 'rpm',
  'opensuse.leap': 'rpm',
  'opensuse.tumbleweed': 'rpm',
  'opensuse-leap': 'rpm',
  'opensuse-tumbleweed': 'rpm',
  echo: 'deb',
  bottlerocket: 'bottlerocket',
  npm: 'npm',
  yarn: 'npm',
  pnpm: 'npm',
  bun: 'npm',
  'node-pkg': 'npm',
  pip: 'pypi',
  pipenv: 'pypi',
  poetry: 'pypi',
  uv: 'pypi',
  'python-pkg': 'pypi',
  bundler: 'gem',
  gemspec: 'gem',
  cargo: 'cargo',
  'rust-binary': 'cargo',
  gomod: 'golang',
  gobinary: 'golang',
  jar: 'maven',
  pom: 'maven',
  gradle: 'maven',
  sbt: 'maven',
  composer: 'composer',
  'composer-vendor': 'composer',
  nuget: 'nuget',
  'dotnet-core': 'nuget',
  'packages-props': 'nuget',
  conan: 'conan',
  cocoapods: 'cocoapods',
  swift: 'swift',
  pub: 'pub',
  hex: 'hex',
  conda: 'conda',
  'conda-pkg': 'conda',
  julia: 'julia'
};

/** Grype / Syft artifact types → purl type. */
const SYFT_TYPES: Record<string, string> = {
  deb: 'deb',
  rpm: 'rpm',
  apk: 'apk',
  alpm: 'alpm',
  portage: 'portage',
  python: 'pypi',
  'java-archive': 'maven',
  'jenkins-plugin': 'maven',
  npm: 'npm',
  gem: 'gem',
  'go-module': 'golang',
  'rust-crate': 'cargo',
  'php-composer': 'composer',
  'php-pecl': 'pecl',
  'php-pear': 'pear',
  dotnet: 'nuget',
  nuget: 'nuget',
  pod: 'cocoapods',
  'swift-package': 'swift',
  'dart-pub': 'pub',
  hex: 'hex',
  'erlang-otp': 'otp',
  conan: 'conan',
  hackage: 'hackage',
  'r-package': 'cran',
  'github-action': 'github',
  'github-action-workflow': 'github',
  binary: 'binary',
  'linux-kernel': 'generic',
  'linux-kernel-module': 'generic',
  nix: 'nix',
  'wordpress-plugin': 'wordpress',
  'lua-rock': 'luarocks',
  opam: 'opam'
};

/** OSV ecosystem names → purl type. */
const OSV_ECOSYSTEMS: Record<string, string> = {
  'crates.io': 'cargo',
  go: 'golang',
  pypi: 'pypi',
  npm: 'npm',
  packagist: 'composer',
  maven: 'maven',
  rubygems: 'gem',
  nuget: 'nuget',
  pub: 'pub',
  hex: 'hex',
  hackage: 'hackage',
  cran: 'cran',
  swifturl: 'swift',
  conan: 'conan',
  bioconductor: 'bioconductor',
  debian: 'deb',
  ubuntu: 'deb',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  'rocky linux': 'rpm',
  almalinux: 'rpm',
  'red hat': 'rpm',
  suse: 'rpm',
  opensuse: 'rpm',
  mageia: 'rpm',
  photon: 'rpm',
  'azure linux': 'rpm',
  github: 'github',
  'github actions': 'github',
  android: 'android',
  linux: 'generic',
  'oss-fuzz': 'generic'
};

export function ecosystemFromTrivyType(type: string | undefined): string | undefined {
  return type ? TRIVY_TYPES[type.toLowerCase()] : undefined;
}

export function ecosystemFromSyftType(type: string | undefined): string | undefined {
  return type ? SYFT_TYPES[type.toLowerCase()] : undefined;
}

/** "crates.io" → cargo, "PyPI" → pypi, "Debian:11" → deb. */
export function ecosystemFromOsv(ecosystem: string | undefined): string | undefined {
  if (!ecosystem) return undefined;
  const base = (ecosystem.split(':')[0] ?? '').trim().toLowerCase();
  return OSV_ECOSYSTEMS[base];
}

/** Package types that belong to the operating system (their presence says the target is a system image). */
export const OS_PACKAGE_TYPES: ReadonlySet<string> = new Set(['deb', 'rpm', 'apk', 'alpm', 'portage']);

// ---------------------------------------------------------------------------------------------------------
// Severities and CVSS

/** A severity word of any tool → the model's severity; undefined for "unknown" or nothing. */
export function severityFromText(text: string | undefined): Severity | undefined {
  switch (text?.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
      return 'low';
    case 'negligible':
    case 'unimportant':
    case 'none':
    case 'info':
    case 'informational':
      return 'info';
    default:
      return undefined;
  }
}

/** CVSS qualitative rating (v3 table, used for v2 scores too). */
export function severityFromScore(score: number | undefined): Severity | undefined {
  if (score === undefined || !Number.isFinite(score)) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function higherSeverity(a: Severity | undefined, b: Severity | undefined): Severity | undefined {
  if (!a) return b;
  if (!b) return a;
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

function vectorMetrics(vector: string): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const part of vector.split('/')) {
    const [k, v] = part.split(':');
    if (k && v) metrics.set(k.trim().toUpperCase(), v.trim().toUpperCase());
  }
  return metrics;
}

/** CVSS v3.0 / v3.1 base score from a vector; undefined when the vector is incomplete. */
export function cvss3BaseScore(vector: string | undefined): number | undefined {
  if (!vector) return undefined;
  const m = vectorMetrics(vector.trim());
  const version = /^CVSS:3\.0\//i.test(vector.trim()) ? '3.0' : '3.1';
  const changed = m.get('S') === 'C';
  if (!changed && m.get('S') !== 'U') return undefined;
  const av = ({ N: 0.85, A: 0.62, L: 0.55, P: 0.2 } as Record<string, number>)[m.get('AV') ?? ''];
  const ac = ({ L: 0.77, H: 0.44 } as Record<string, number>)[m.get('AC') ?? ''];
  const pr = (
    changed
      ? ({ N: 0.85, L: 0.68, H: 0.5 } as Record<string, number>)
      : ({ N: 0.85, L: 0.62, H: 0.27 } as Record<string, number>)
  )[m.get('PR') ?? ''];
  const ui = ({ N: 0.85, R: 0.62 } as Record<string, number>)[m.get('UI') ?? ''];
  const cia = { H: 0.56, L: 0.22, N: 0 } as Record<string, number>;
  const c = cia[m.get('C') ?? ''];
  const i = cia[m.get('I') ?? ''];
  const a = cia[m.get('A') ?? ''];
  if ([av, ac, pr, ui, c, i, a].some((x) => x === undefined)) return undefined;
  const iss = 1 - (1 - (c as number)) * (1 - (i as number)) * (1 - (a as number));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * (av as number) * (ac as number) * (pr as number) * (ui as number);
  if (impact <= 0) return 0;
  const raw = changed
    ? Math.min(1.08 * (impact + exploitability), 10)
    : Math.min(impact + exploitability, 10);
  return version === '3.0' ? Math.ceil(raw * 10) / 10 : roundUp31(raw);
}

/** CVSS v3.1 Roundup (Appendix A): avoids floating-point surprises such as 4.000000001 → 4.1. */
function roundUp31(value: number): number {
  const scaled = Math.round(value * 100000);
  return scaled % 10000 === 0 ? scaled / 100000 : (Math.floor(scaled / 10000) + 1) / 10;
}

/** CVSS v2 base score from a vector ("AV:N/AC:M/Au:N/C:P/I:P/A:P"). */
export function cvss2BaseScore(vector: string | undefined): number | undefined {
  if (!vector) return undefined;
  const m = vectorMetrics(vector.trim().replace(/^\(|\)$/g, ''));
  const av = ({ L: 0.395, A: 0.646, N: 1 } as Record<string, number>)[m.get('AV') ?? ''];
  const ac = ({ H: 0.35, M: 0.61, L: 0.71 } as Record<string, number>)[m.get('AC') ?? ''];
  const au = ({ M: 0.45, S: 0.56, N: 0.704 } as Record<string, number>)[m.get('AU') ?? ''];
  const cia = { N: 0, P: 0.275, C: 0.66 } as Record<string, number>;
  const c = cia[m.get('C') ?? ''];
  const i = cia[m.get('I') ?? ''];
  const a = cia[m.get('A') ?? ''];
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return undefined;
  const impact = 10.41 * (1 - (1 - (c as number)) * (1 - (i as number)) * (1 - (a as number)));
  const exploitability = 20 * (av as number) * (ac as number) * (au as number);
  const f = impact === 0 ? 0 : 1.176;
  const score = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  return Math.round(Math.max(0, score) * 10) / 10;
}

/** Which CVSS version a vector is written in. */
export function cvssVectorVersion(vector: string | undefined): 2 | 3 | 4 | undefined {
  const v = vector?.trim();
  if (!v) return undefined;
  if (/^CVSS:4\./i.test(v)) return 4;
  if (/^CVSS:3\./i.test(v)) return 3;
  if (/(?:^|\/)AV:[LAN]\/AC:[HML]\/Au:[MSN]\//i.test(v)) return 2;
  if (/(?:^|\/)AV:[NALP]\/AC:[LH]\/PR:/i.test(v)) return 3;
  return undefined;
}

/** A score within 0–10, else undefined (the model refuses anything else). */
export function cvssScore(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n >= 0 && n <= 10 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Linux distributions: every tool's name for a distribution → its os-release ID (what the os-release reader fills).

const DISTRO_IDS: Record<string, string> = {
  amazon: 'amzn',
  'amazon linux': 'amzn',
  redhat: 'rhel',
  'red hat': 'rhel',
  'red hat enterprise linux': 'rhel',
  oracle: 'ol',
  'oracle linux': 'ol',
  alma: 'almalinux',
  'suse linux enterprise server': 'sles',
  'suse linux enterprise micro': 'sle-micro',
  'opensuse.leap': 'opensuse-leap',
  'opensuse.tumbleweed': 'opensuse-tumbleweed',
  'cbl-mariner': 'mariner',
  'rocky linux': 'rocky'
};

const NON_LINUX: Record<string, OsInfo['family']> = {
  windows: 'windows',
  macos: 'macos',
  darwin: 'macos',
  freebsd: 'unix',
  openbsd: 'unix',
  netbsd: 'unix',
  solaris: 'unix'
};

/**
 * The OS of an image as an SCA tool names it: family "amazon", version "2 (Karoo)" →
 * { family: 'linux', name: 'amazon 2 (Karoo)', version: '2', distro: { id: 'amzn', versionId: '2', codename: 'Karoo' } }.
 */
export function osFromDistro(
  name: string | undefined,
  version: string | undefined,
  extra: {
    prettyName?: string | undefined;
    idLike?: string[] | undefined;
    architecture?: string | undefined;
  } = {}
): OsInfo | undefined {
  const family = name?.trim();
  if (!family) return undefined;
  const lower = family.toLowerCase();
  const other = NON_LINUX[lower];
  const v = version?.trim() || undefined;
  const info: OsInfo = { family: other ?? 'linux', name: v ? `${family} ${v}` : family };
  let versionId = v;
  let codename: string | undefined;
  const paren = v ? /^(\S+)\s*\(([^)]+)\)\s*$/.exec(v) : null;
  if (paren) {
    versionId = paren[1];
    codename = paren[2]?.trim();
  }
  if (versionId) info.version = versionId;
  if (extra.architecture) info.architecture = extra.architecture;
  if (!other) {
    const distro: NonNullable<OsInfo['distro']> = { id: DISTRO_IDS[lower] ?? lower.replace(/\s+/g, '-') };
    if (versionId) distro.versionId = versionId;
    if (codename) distro.codename = codename;
    if (extra.prettyName) distro.prettyName = extra.prettyName;
    if (extra.idLike?.length) distro.idLike = extra.idLike;
    info.distro = distro;
  }
  return info;
}

/**
 * Trivy's Target for OS packages: "debian (debian 10.8)" → { target: "debian", os: "debian", version: "10.8" };
 * "disk.img (amazon 2 (Karoo))" → { target: "disk.img", os: "amazon", version: "2 (Karoo)" }.
 */
export function splitTrivyTarget(target: string): { target: string; os?: string; version?: string } {
  const t = target.trim();
  if (!t.endsWith(')')) return { target: t };
  let depth = 0;
  let open = -1;
  for (let i = t.length - 1; i >= 0; i--) {
    if (t[i] === ')') depth++;
    else if (t[i] === '(' && --depth === 0) {
      open = i;
      break;
    }
  }
  const name = open > 0 ? t.slice(0, open).trim() : '';
  if (!name) return { target: t };
  const inner = t.slice(open + 1, -1).trim();
  const m = /^(.*?)\s+(\S+(?:\s*\([^()]*\))?)$/.exec(inner);
  if (!m) return { target: name, os: inner };
  return { target: name, os: m[1] as string, version: m[2] as string };
}

// ---------------------------------------------------------------------------------------------------------
// Versions

/**
 * A loose version order for choosing a fixed version among an advisory's candidates (semver, PEP 440, Go, Cargo and
 * the like): numbers compare as numbers, a letter run after the common part ("rc1", "beta") sorts before the
 * release. Not for dpkg or rpm versions (see ../versions).
 */
export function compareLooseVersions(a: string, b: string): number {
  const ta = versionTokens(a);
  const tb = versionTokens(b);
  const n = Math.max(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined) return typeof y === 'string' ? 1 : -1;
    if (y === undefined) return typeof x === 'string' ? -1 : 1;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x < y ? -1 : 1;
    } else if (typeof x === 'string' && typeof y === 'string') {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      return typeof x === 'number' ? 1 : -1;
    }
  }
  return 0;
}

function versionTokens(v: string): (number | string)[] {
  const t = v.trim().replace(/^v(?=\d)/i, '');
  const epoch = /^(\d+):(.*)$/.exec(t);
  const tokens: (number | string)[] = [epoch ? Number(epoch[1]) : 0];
  for (const m of (epoch ? (epoch[2] as string) : t).matchAll(/\d+|[a-z]+/gi)) {
    tokens.push(/^\d/.test(m[0]) ? Number(m[0]) : m[0].toLowerCase());
  }
  return tokens;
}

/** A git commit hash (OSV lists fix commits beside fix versions). */
export function isCommitHash(text: string): boolean {
  return /^[0-9a-f]{40}$/i.test(text.trim());
}

// ---------------------------------------------------------------------------------------------------------
// Shared building blocks of the readers

/** Software of one target, each package once. */
export class SoftwareList {
  private readonly seen = new Set<string>();
  readonly items: Software[] = [];

  add(item: Software): void {
    const key = [item.name, item.version ?? '', item.ecosystem ?? '', item.architecture ?? ''].join('\u0000');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(item);
  }

  get size(): number {
    return this.items.length;
  }
}

/** Rules handed to the sink once per rule id, in first-seen order. */
export class RuleBook {
  private readonly seen = new Set<string>();
  readonly pending: ScannerRule[] = [];

  has(ruleId: string): boolean {
    return this.seen.has(ruleId);
  }

  add(rule: ScannerRule): void {
    if (this.seen.has(rule.ruleId)) return;
    this.seen.add(rule.ruleId);
    this.pending.push(rule);
  }

  /** Hands the rules not yet handed over to the sink. */
  flush(sink: ObservationSink): void {
    for (const r of this.pending) sink.rule(r);
    this.pending.length = 0;
  }
}

/** CVE ids among vulnerability ids and aliases. */
export function cveIds(...lists: (string | undefined)[][]): string[] {
  const out: string[] = [];
  for (const list of lists)
    for (const id of list) {
      const t = id?.trim().toUpperCase();
      if (t && /^CVE-\d{4}-\d{4,}$/.test(t)) pushUnique(out, t);
    }
  return out;
}

/** The problems a reader collects, grouped by code. */
export function newIssues(): IssueCollector {
  return new IssueCollector();
}

/** The info problem for reports that name only the packages with a vulnerability. */
export function partialInventoryProblem(tool: string, count: number, fullInventory: string): Problem {
  return {
    severity: 'info',
    code: 'partial-inventory',
    message:
      `This ${tool} report lists only the packages that have a vulnerability, so the software list holds just ` +
      `those (${count}), not everything installed. ${fullInventory}`
  };
}

/** Vulnerabilities whose severity no source states: they are kept, as informational. */
export function unknownSeverityProblem(ruleId: string): Problem {
  return {
    severity: 'info',
    code: 'severity-unknown',
    message:
      `The report gives no severity and no CVSS score for some vulnerabilities (first: ${ruleId}); they are ` +
      'listed as informational. Check them in the advisory database if they matter.'
  };
}
