import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import {
  hostObservationSchema,
  parsedFileSchema,
  problemSchema,
  type FileFormat,
  type HostObservation,
  type ObservationSink,
  type ParsedFile,
  type ParseResult,
  type Problem,
  type ScannerRule,
  type StreamParser
} from '../../../src/lib/core/model';
import { detectFormat, isZip, SNIFF_BYTES } from '../../../src/lib/core/parsers/detect';
import { listZip } from '../../../src/lib/core/parsers/archive';
import { FIXTURES_DIR, hasShared, readBytes, SHARED_DIR } from '../shared';

/**
 * Helpers for fuzzing Patchfield's importers: the corpus of real exports to mutate, the generators of hostile
 * bytes, a runner that feeds a parser in chunks and times it, and the checks every result must pass.
 */

// ---------------------------------------------------------------------------------------------------------------
// Settings

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}

/** Cases per parser and per kind of input (random bytes, mutated samples, detection); a soak raises it. */
export const RUNS = envInt('PATCHFIELD_FUZZ_RUNS', 60);
/** The fixed seed every run starts from, so that a failure in CI reproduces locally. */
export const SEED = envInt('PATCHFIELD_FUZZ_SEED', 20260606);
/**
 * A case that runs longer than this is a hang (the slowest real sample parses in under 0.1 s): the bound is far
 * above any honest parse, so it catches runaway loops and blow-ups, not ordinary slowness. PATCHFIELD_FUZZ_LIMIT_MS
 * lowers it to hunt for costs that grow faster than the input.
 */
export const CASE_LIMIT_MS = envInt('PATCHFIELD_FUZZ_LIMIT_MS', 5000);

/**
 * PATCHFIELD_FUZZ_TRACE=<file> appends each case to the file before it runs: a parser stuck in a loop cannot be
 * interrupted from the same thread, so the file's last line names the case that hangs.
 */
const TRACE = process.env.PATCHFIELD_FUZZ_TRACE;
export function trace(what: () => string): void {
  if (TRACE) appendFileSync(TRACE, `${what()}\n`);
}

/**
 * PATCHFIELD_FUZZ_DUMP=<folder> keeps the bytes of every failing case (shrinking included; the last file written
 * is the smallest), to replay in a regression test.
 */
const DUMP = process.env.PATCHFIELD_FUZZ_DUMP;
let dumped = 0;
export function dumpOnFailure<T>(bytes: Uint8Array, label: string, run: () => T): T {
  const keep = (e: unknown): void => {
    if (!DUMP) return;
    mkdirSync(DUMP, { recursive: true });
    dumped += 1;
    const file = join(DUMP, `${String(dumped).padStart(4, '0')}-${label.replace(/[^\w.-]+/g, '_')}.bin`);
    writeFileSync(file, bytes);
    appendFileSync(join(DUMP, 'cases.txt'), `${file}\t${e instanceof Error ? e.message : String(e)}\n`);
  };
  try {
    const result = run();
    if (result instanceof Promise) {
      return result.catch((e: unknown) => {
        keep(e);
        throw e;
      }) as T;
    }
    return result;
  } catch (e) {
    keep(e);
    throw e;
  }
}

/** A distinct, stable seed per property, derived from the run's seed. */
export function seedFor(name: string): number {
  let h = SEED >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0;
}

/** vitest's limit for one property: generous, scaled with the number of runs. */
export function testTimeoutMs(runs: number): number {
  return Math.max(60_000, runs * 200);
}

// ---------------------------------------------------------------------------------------------------------------
// Corpus

export interface Seed {
  /** Where it came from, e.g. "samples/nessus/x.nessus" or "fixtures/nmap/truncated.xml". */
  name: string;
  bytes: Uint8Array;
  /** The format detection gives the unmutated file; null for files no handler claims. */
  format: FileFormat | null;
}

export interface Corpus {
  seeds: Seed[];
  /** One line for the log: which folders the seeds came from. */
  description: string;
}

/** Fixture folders that hold no importer input (report renders, e2e data, the reference catalog, version tables). */
const NOT_IMPORTER_INPUT = /^(report|e2e|catalog|versions)(\/|$)/;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      if (entry.startsWith('.')) continue;
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(dir);
  return out;
}

function detectWhole(bytes: Uint8Array, name: string): FileFormat | null {
  const head = bytes.subarray(0, SNIFF_BYTES);
  const entries = isZip(head) ? listZip(bytes).value.map((e) => e.name) : undefined;
  return detectFormat(head, name, entries).format;
}

let corpusCache: Corpus | undefined;

/**
 * Every real sample in ../shared/samples (when present) and every importer fixture of the repository, each with
 * the format detection gives it. Without ../shared the fixtures alone are used: every format family has some.
 */
export function loadCorpus(): Corpus {
  if (corpusCache) return corpusCache;
  const seeds: Seed[] = [];
  const add = (root: string, label: string, path: string): void => {
    const rel = relative(root, path);
    if (label === 'fixtures' && (NOT_IMPORTER_INPUT.test(rel) || /(^|\/)README\.md$/.test(rel))) return;
    if (label === 'samples' && rel === 'MANIFEST.md') return;
    const bytes = readBytes(path);
    seeds.push({ name: `${label}/${rel}`, bytes, format: detectWhole(bytes, rel.split('/').pop() ?? rel) });
  };
  const samplesDir = join(SHARED_DIR, 'samples');
  let samples = 0;
  if (hasShared) {
    for (const path of filesUnder(samplesDir)) add(samplesDir, 'samples', path);
    samples = seeds.length;
  }
  for (const path of filesUnder(FIXTURES_DIR)) add(FIXTURES_DIR, 'fixtures', path);
  const fixtures = seeds.length - samples;
  const description = hasShared
    ? `${samples} real samples from ${samplesDir} + ${fixtures} fixtures from tests/fixtures`
    : `${fixtures} fixtures from tests/fixtures only (${samplesDir} is absent)`;
  corpusCache = { seeds, description };
  return corpusCache;
}

// ---------------------------------------------------------------------------------------------------------------
// Text encodings the mutations switch between

const utf8Encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => utf8Encoder.encode(text);

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const body = (bom ? '\uFEFF' : '') + text;
  const out = new Uint8Array(body.length * 2);
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    out[i * 2 + (bigEndian ? 1 : 0)] = c & 0xff;
    out[i * 2 + (bigEndian ? 0 : 1)] = c >> 8;
  }
  return out;
}

/** Each UTF-16 code unit's low byte: what a tool writing a legacy code page makes of text it cannot represent. */
function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function looksUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes.length >= 4 && bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0)
    return 'utf-16le';
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0)
    return 'utf-16be';
  return undefined;
}

/** The file's text as a person would read it (UTF-16 when it looks so, else UTF-8 with replacements). */
function asText(bytes: Uint8Array): string {
  return new TextDecoder(looksUtf16(bytes) ?? 'utf-8').decode(bytes);
}

export const ENCODINGS = [
  'utf-16le+bom',
  'utf-16le',
  'utf-16be+bom',
  'utf-8+bom',
  'utf-8',
  'strip-bom',
  'latin1'
] as const;
export type Encoding = (typeof ENCODINGS)[number];

export function reencode(bytes: Uint8Array, to: Encoding): Uint8Array {
  if (to === 'strip-bom') {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3);
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
      return bytes.subarray(2);
    return bytes;
  }
  const text = asText(bytes).replace(/^\uFEFF/, '');
  switch (to) {
    case 'utf-16le+bom':
      return utf16(text, false, true);
    case 'utf-16le':
      return utf16(text, false, false);
    case 'utf-16be+bom':
      return utf16(text, true, true);
    case 'utf-8+bom':
      return concatBytes([new Uint8Array([0xef, 0xbb, 0xbf]), utf8(text)]);
    case 'utf-8':
      return utf8(text);
    case 'latin1':
      return latin1(text);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Random bytes with the characters parsers care about biased in

/** Characters and tokens that steer XML, JSON, CSV and line parsers; long runs of them make long lines. */
export const STRUCTURAL = [
  '<',
  '>',
  '"',
  "'",
  ',',
  ';',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\0',
  ' ',
  ':',
  '=',
  '{',
  '}',
  '[',
  ']',
  '/',
  '\\',
  '|',
  '&',
  '-',
  '#',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
  '&a;',
  '&amp;',
  '&#0;',
  '&#x10FFFF;',
  '</',
  '/>',
  '""',
  '","',
  '{"',
  '":',
  '":[',
  'null',
  'true',
  '-0',
  '1e999',
  '9999999999999999999999',
  'NaN',
  '\uFEFF',
  '\u2028',
  '\uFFFD',
  '\uD800',
  'KB5034441',
  'CVE-2024-21412',
  '10.0.19045.4291',
  '192.168.0.1',
  'Host Name:',
  '====',
  '----------',
  'pkg:deb/debian/openssl@1.1.1n-0+deb11u5?arch=amd64',
  'ii  ',
  'Package: ',
  'NAME="',
  'x86_64'
] as const;

const BOMS: readonly Uint8Array[] = [
  new Uint8Array([]),
  new Uint8Array([0xef, 0xbb, 0xbf]),
  new Uint8Array([0xff, 0xfe]),
  new Uint8Array([0xfe, 0xff])
];

/** One piece of a random input, as text (encoded later with the input's encoding) or raw bytes. */
type Piece = string | Uint8Array;

const structuralArb = fc.constantFrom(...STRUCTURAL);

/** A token repeated many times: long lines, deep nesting (`[[[[`, `<a><a>`), huge fields. */
export const runArb = fc.record({
  token: fc.oneof(structuralArb, fc.constantFrom('A', '<a>', '[', '{"a":', '"', 'é')),
  count: fc.oneof(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 1000, max: 60_000 }))
});

const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: structuralArb },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: runArb.map(({ token, count }) => token.repeat(count)) }
);

export interface RandomInput {
  bom: number;
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';
  pieces: Piece[];
}

/** Random inputs: either plain random bytes, or structural pieces in an encoding, behind an optional BOM. */
export const randomInputArb: fc.Arbitrary<RandomInput> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 4096 })
      .map((b) => ({ bom: 0, encoding: 'utf-8' as const, pieces: [b] }))
  },
  {
    weight: 4,
    arbitrary: fc.record({
      bom: fc.integer({ min: 0, max: BOMS.length - 1 }),
      encoding: fc.constantFrom(
        'utf-8' as const,
        'utf-8' as const,
        'utf-16le' as const,
        'utf-16be' as const,
        'latin1' as const
      ),
      pieces: fc.array(pieceArb, { maxLength: 80 })
    })
  }
);

/**
 * Generated inputs are capped (1 MiB random, 4 MiB mutated, above the largest real sample twice over). The time bound
 * looks for costs that grow faster than the input; some honest costs are merely large per byte (a file that is not
 * UTF-8 is decoded whole in each legacy code page, about 1.7 s per MB), and bigger inputs would make them false alarms.
 */
const MAX_RANDOM_BYTES = 1024 * 1024;

export function randomBytes(input: RandomInput): Uint8Array {
  const encode = (text: string): Uint8Array =>
    input.encoding === 'utf-8'
      ? utf8(text)
      : input.encoding === 'latin1'
        ? latin1(text)
        : utf16(text, input.encoding === 'utf-16be', false);
  const bytes = concatBytes([
    BOMS[input.bom] as Uint8Array,
    ...input.pieces.map((p) => (typeof p === 'string' ? encode(p) : p))
  ]);
  return bytes.length > MAX_RANDOM_BYTES ? bytes.subarray(0, MAX_RANDOM_BYTES) : bytes;
}

export function describeRandom(input: RandomInput, bytes: Uint8Array): string {
  return `random ${bytes.length} bytes (${input.pieces.length} pieces, ${input.encoding}${input.bom ? `, BOM ${input.bom}` : ''})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations of real files

/** A position in the file as a fraction in millionths, so that one plan fits files of any length. */
const at = fc.integer({ min: 0, max: 1_000_000 });
const place = (fraction: number, length: number): number => Math.floor((fraction / 1_000_000) * length);

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; piece: Piece }
  | { op: 'repeat'; at: number; token: string; count: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'splice'; at: number; other: number; from: number; length: number }
  | { op: 'encoding'; to: Encoding }
  | { op: 'newlines'; to: '\n' | '\r\n' | '\r' };

/** Chunk lengths up to this are counted from a fraction of the file; above, they are whole-file fractions. */
const chunkLength = fc.oneof(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 513, max: 1_000_000 }));

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      at,
      byte: fc.oneof(
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(0x00, 0x0a, 0x0d, 0x22, 0x27, 0x2c, 0x3b, 0x3c, 0x3e, 0x09, 0xff, 0xfe, 0xef, 0x80)
      )
    })
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), at, piece: pieceArb }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(at, runArb)
      .map(([a, run]) => ({ op: 'repeat' as const, at: a, token: run.token, count: run.count }))
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at, length: chunkLength }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('duplicate' as const), at, length: chunkLength, to: at })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('splice' as const),
      at,
      other: fc.nat(),
      from: at,
      length: chunkLength
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('encoding' as const), to: fc.constantFrom(...ENCODINGS) })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('newlines' as const),
      to: fc.constantFrom('\n' as const, '\r\n' as const, '\r' as const)
    })
  }
);

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 6 });

/** Mutated inputs are capped (see MAX_RANDOM_BYTES) so that a few duplications of a large sample stay a realistic file. */
const MAX_MUTATED_BYTES = 4 * 1024 * 1024;

function lengthOf(length: number, fileLength: number): number {
  return length <= 512 ? length : place(length, fileLength);
}

/** Applies the mutations in order; `others` are the files a splice may take a piece from. */
export function mutate(
  bytes: Uint8Array,
  mutations: readonly Mutation[],
  others: readonly Seed[]
): Uint8Array {
  let b = bytes;
  for (const m of mutations) {
    const n = b.length;
    const i = place(m.op === 'encoding' || m.op === 'newlines' ? 0 : m.at, n);
    switch (m.op) {
      case 'flip':
        if (n > 0) {
          const j = Math.min(i, n - 1);
          b = b.slice();
          b[j] = (b[j] ?? 0) ^ (1 << m.bit);
        }
        break;
      case 'set':
        if (n > 0) {
          b = b.slice();
          b[Math.min(i, n - 1)] = m.byte;
        }
        break;
      case 'truncate':
        b = b.subarray(0, i);
        break;
      case 'insert':
        b = concatBytes([
          b.subarray(0, i),
          typeof m.piece === 'string' ? utf8(m.piece) : m.piece,
          b.subarray(i)
        ]);
        break;
      case 'repeat':
        b = concatBytes([b.subarray(0, i), utf8(m.token.repeat(m.count)), b.subarray(i)]);
        break;
      case 'delete':
        b = concatBytes([b.subarray(0, i), b.subarray(i + lengthOf(m.length, n))]);
        break;
      case 'duplicate': {
        const chunk = b.slice(i, i + lengthOf(m.length, n));
        const to = place(m.to, n);
        b = concatBytes([b.subarray(0, to), chunk, b.subarray(to)]);
        break;
      }
      case 'splice': {
        const other = others.length > 0 ? (others[m.other % others.length] as Seed).bytes : new Uint8Array(0);
        const from = place(m.from, other.length);
        b = concatBytes([b.subarray(0, i), other.subarray(from, from + lengthOf(m.length, other.length))]);
        break;
      }
      case 'encoding':
        b = reencode(b, m.to);
        break;
      case 'newlines': {
        const encoding = looksUtf16(b);
        const text = asText(b).replace(/\r\n|\r|\n/g, m.to);
        b = encoding ? utf16(text, encoding === 'utf-16be', false) : utf8(text);
        break;
      }
    }
    if (b.length > MAX_MUTATED_BYTES) b = b.subarray(0, MAX_MUTATED_BYTES);
  }
  return b;
}

export function describeMutations(seed: Seed, mutations: readonly Mutation[], bytes: Uint8Array): string {
  const ops = mutations
    .map((m) => {
      switch (m.op) {
        case 'encoding':
        case 'newlines':
          return `${m.op} ${JSON.stringify(m.to)}`;
        case 'repeat':
          return `repeat ${JSON.stringify(m.token)}×${m.count}`;
        case 'insert':
          return `insert ${typeof m.piece === 'string' ? JSON.stringify(m.piece.slice(0, 16)) : `${m.piece.length} bytes`}`;
        default:
          return m.op;
      }
    })
    .join(', ');
  return `${seed.name} → ${bytes.length} bytes (${ops})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Chunking: how the file reaches the parser

/** 0 = the whole file in one write; otherwise the chunk length (tiny chunks split characters and tokens). */
export const chunkArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 64 }),
  fc.constantFrom(1000, 4096, 65536)
);

/** At most this many writes per case: tiny chunks of a large file are widened. */
const MAX_WRITES = 50_000;

export function writeAll(parser: StreamParser, bytes: Uint8Array, chunk: number): void {
  const size = chunk <= 0 ? Math.max(1, bytes.length) : Math.max(chunk, Math.ceil(bytes.length / MAX_WRITES));
  for (let i = 0; i < bytes.length; i += size) parser.write(bytes.subarray(i, i + size));
}

// ---------------------------------------------------------------------------------------------------------------
// Running a parser and checking what it returns

export interface ParserTarget {
  /** The format, or the format and the variant of its parser (e.g. "trivy-json (streamed)"). */
  name: string;
  format: FileFormat;
  /** Files of this format to mutate. */
  seeds: Seed[];
  /** A parser for one file; `seed` is the file the input was made from (the generic CSV mapping depends on it). */
  create(sink: ObservationSink, seed: Seed | undefined): StreamParser;
}

export interface Outcome {
  result: ParseResult<ParsedFile>;
  position: string;
  ms: number;
}

/** Feeds the bytes to a fresh parser in chunks, as the importer does, and collects `{ value, issues }`. */
export function runParser(
  target: ParserTarget,
  seed: Seed | undefined,
  bytes: Uint8Array,
  chunk: number
): Outcome {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const started = performance.now();
  const parser = target.create({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) }, seed);
  writeAll(parser, bytes, chunk);
  parser.end();
  const ms = performance.now() - started;
  const formatVersion = parser.formatVersion;
  return {
    result: {
      value: {
        format: target.format,
        ...(formatVersion !== undefined ? { formatVersion } : {}),
        hosts,
        rules
      },
      issues: [...parser.issues]
    },
    position: parser.position,
    ms
  };
}

function firstZodIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  return first ? `${first.path.map(String).join('.')}: ${first.message}` : 'invalid';
}

/** Every problem is well-formed: a known severity, a code, words for the technician, positive line numbers. */
export function checkProblems(issues: readonly Problem[], what: string): void {
  if (!Array.isArray(issues)) throw new Error(`${what}: issues is not an array`);
  for (const p of issues) {
    const r = problemSchema.safeParse(p);
    if (!r.success)
      throw new Error(`${what}: malformed problem ${JSON.stringify(p)} (${firstZodIssue(r.error)})`);
    if (p.message.trim() === '') throw new Error(`${what}: problem ${p.code} has a blank message`);
  }
}

/** The result has the model's shape: a parsed file whose hosts and rules all pass the zod schemas. */
export function checkResult(result: ParseResult<ParsedFile>, format: FileFormat, what: string): void {
  if (!result || typeof result !== 'object' || !('value' in result) || !('issues' in result))
    throw new Error(`${what}: not a { value, issues } result`);
  const v = parsedFileSchema.safeParse(result.value);
  if (!v.success) throw new Error(`${what}: value does not fit the model (${firstZodIssue(v.error)})`);
  if (result.value.format !== format)
    throw new Error(`${what}: format ${result.value.format}, expected ${format}`);
  checkProblems(result.issues, what);
}

export function checkHosts(hosts: readonly HostObservation[], what: string): void {
  for (const h of hosts) {
    const r = hostObservationSchema.safeParse(h);
    if (!r.success)
      throw new Error(`${what}: host ${h.key} does not fit the model (${firstZodIssue(r.error)})`);
  }
}

export function checkTime(ms: number, what: string): void {
  if (ms > CASE_LIMIT_MS)
    throw new Error(`${what}: took ${Math.round(ms)} ms, over the ${CASE_LIMIT_MS} ms bound`);
}

// ---------------------------------------------------------------------------------------------------------------
// What ran: cases per parser and the slowest of each

export type CaseKind = 'random' | 'mutated' | 'detection' | 'zip';

interface Tally {
  cases: Record<CaseKind, number>;
  slowestMs: number;
  slowest: string;
}

export class FuzzStats {
  private readonly byTarget = new Map<string, Tally>();

  record(target: string, kind: CaseKind, ms: number, what: () => string): void {
    let t = this.byTarget.get(target);
    if (!t) {
      t = { cases: { random: 0, mutated: 0, detection: 0, zip: 0 }, slowestMs: -1, slowest: '' };
      this.byTarget.set(target, t);
    }
    t.cases[kind] += 1;
    if (ms > t.slowestMs) {
      t.slowestMs = ms;
      t.slowest = `${kind}: ${what()}`;
    }
  }

  /** One line per parser (cases by kind, slowest case) and a total. */
  lines(): string[] {
    const kinds: CaseKind[] = ['random', 'mutated', 'detection', 'zip'];
    const totals: Record<CaseKind, number> = { random: 0, mutated: 0, detection: 0, zip: 0 };
    const width = Math.max(...[...this.byTarget.keys()].map((k) => k.length), 10);
    const out: string[] = [];
    for (const [name, t] of [...this.byTarget.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const sum = kinds.reduce((n, k) => n + t.cases[k], 0);
      for (const k of kinds) totals[k] += t.cases[k];
      const parts = kinds.filter((k) => t.cases[k] > 0).map((k) => `${k} ${t.cases[k]}`);
      out.push(
        `[fuzz] ${name.padEnd(width)}  ${String(sum).padStart(6)} cases (${parts.join(', ')}); slowest ${t.slowestMs.toFixed(1)} ms: ${t.slowest.slice(0, 160)}`
      );
    }
    const total = kinds.reduce((n, k) => n + totals[k], 0);
    out.push(
      `[fuzz] total: ${total} cases over ${this.byTarget.size} parsers (${kinds.map((k) => `${k} ${totals[k]}`).join(', ')}); ${RUNS} runs per parser and kind, seed ${SEED}`
    );
    return out;
  }
}
