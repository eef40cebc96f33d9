import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  FILE_FORMATS,
  type FileFormat,
  type HostObservation,
  type Problem
} from '../../../src/lib/core/model';
import { listZip } from '../../../src/lib/core/parsers/archive';
import { createCycloneDxJsonParser } from '../../../src/lib/core/parsers/cyclonedx';
import { detectFormat, isZip, SNIFF_BYTES } from '../../../src/lib/core/parsers/detect';
import { guessCsvMapping, parseMappedCsv, previewCsv } from '../../../src/lib/core/parsers/generic-csv';
import { createGrypeParser } from '../../../src/lib/core/parsers/grype';
import { bufferedParser, type FormatHandler } from '../../../src/lib/core/parsers/handler';
import { HANDLERS } from '../../../src/lib/core/parsers/handlers';
import { createSystemProfilerJsonParser } from '../../../src/lib/core/parsers/macos';
import { createMdvmJsonParser, parseMdvmZip } from '../../../src/lib/core/parsers/mdvm';
import { createNexposeParser } from '../../../src/lib/core/parsers/nexpose';
import { createOpenvasParser } from '../../../src/lib/core/parsers/openvas-xml';
import { createOsvScannerParser } from '../../../src/lib/core/parsers/osv-scanner';
import { createQualysReportParser } from '../../../src/lib/core/parsers/qualys-xml';
import { createStreamParser } from '../../../src/lib/core/parsers/registry';
import { createSpdxParser } from '../../../src/lib/core/parsers/spdx';
import { createTrivyParser } from '../../../src/lib/core/parsers/trivy';
import { readExport } from '../../../src/cli/io';
import {
  checkHosts,
  checkProblems,
  checkResult,
  checkTime,
  chunkArb,
  describeMutations,
  describeRandom,
  dumpOnFailure,
  FuzzStats,
  loadCorpus,
  mutate,
  mutationArb,
  mutationsArb,
  randomBytes,
  randomInputArb,
  RUNS,
  runParser,
  SEED,
  seedFor,
  testTimeoutMs,
  trace,
  writeAll,
  type Mutation,
  type ParserTarget,
  type Seed
} from './fuzz-tools';

/**
 * Fuzzing Patchfield's importers: every parser gets random bytes and mutated real exports, in chunks of any size.
 * Whatever it is given, it must not throw, must finish within the bound, and must hand back `{ value, issues }`
 * whose value fits the model's zod schemas and whose issues are well-formed problems. The same holds for the
 * detection path (every sniffer, then the registry's parser for the detected format) and for zip archives of
 * exports, damaged in their headers or anywhere else.
 *
 * PATCHFIELD_FUZZ_RUNS sets the cases per parser and kind (default 60; a soak uses thousands);
 * PATCHFIELD_FUZZ_SEED varies the inputs (a failure prints the seed and path that reproduce it).
 */

const corpus = loadCorpus();
const stats = new FuzzStats();
const seedsOf = (format: FileFormat): Seed[] => corpus.seeds.filter((s) => s.format === format);

console.log(`[fuzz] corpus: ${corpus.description}; seed ${SEED}; ${RUNS} runs per parser and kind`);

/** The generic CSV reader uses the mapping the technician saved for the header of the file the input came from. */
function mappingOf(seed: Seed | undefined) {
  const preview = seed ? previewCsv(seed.bytes) : undefined;
  return guessCsvMapping(preview?.header ?? ['Computer name', 'Software', 'Version']);
}

const genericCsvSeeds = corpus.seeds.filter((s) => s.name.startsWith('fixtures/generic-csv/'));

/** Every handler as the registry creates it, then the variants of the parsers whose paths switch on size. */
const TARGETS: ParserTarget[] = [
  ...HANDLERS.map((h): ParserTarget => ({
    name: h.format,
    format: h.format,
    seeds: seedsOf(h.format),
    create: (sink) => h.create(sink)
  })),
  ...(
    [
      ['trivy-json', (sink) => createTrivyParser(sink, { streamAboveBytes: 0 })],
      ['grype-json', (sink) => createGrypeParser(sink, { streamAboveBytes: 0 })],
      ['osv-scanner-json', (sink) => createOsvScannerParser(sink, { streamAboveBytes: 0 })],
      ['cyclonedx-json', (sink) => createCycloneDxJsonParser(sink, { streamAboveBytes: 0 })],
      ['spdx-json', (sink) => createSpdxParser(sink, { streamAboveBytes: 0 })],
      ['macos-system-profiler-json', (sink) => createSystemProfilerJsonParser(sink, { streamAbove: 0 })],
      ['mdvm-json', (sink) => createMdvmJsonParser(sink, { streamAbove: 0 })],
      [
        'mdvm-zip',
        (sink) => bufferedParser((b) => parseMdvmZip(b, { streamAbove: 0 }), sink, 'Defender export')
      ]
    ] as const satisfies readonly (readonly [FileFormat, ParserTarget['create']])[]
  ).map(([format, create]): ParserTarget => ({
    name: `${format} (streamed)`,
    format,
    seeds: seedsOf(format),
    create
  })),
  ...(
    [
      ['openvas-xml', (sink) => createOpenvasParser(sink, { holdBudgetChars: 256 })],
      ['nexpose-xml', (sink) => createNexposeParser(sink, { holdBudgetChars: 256 })],
      ['qualys-xml', (sink) => createQualysReportParser(sink, { holdBudgetChars: 256 })]
    ] as const satisfies readonly (readonly [FileFormat, ParserTarget['create']])[]
  ).map(([format, create]): ParserTarget => ({
    name: `${format} (early handover)`,
    format,
    seeds: seedsOf(format),
    create
  })),
  {
    name: 'generic-csv',
    format: 'generic-csv',
    seeds: genericCsvSeeds,
    create: (sink, seed) =>
      bufferedParser((b) => parseMappedCsv(b, mappingOf(seed ?? genericCsvSeeds[0])), sink, 'CSV export')
  }
];

afterAll(() => {
  console.log([`[fuzz] corpus: ${corpus.description}`, ...stats.lines()].join('\n'));
});

describe('fuzz: every parser, fed random bytes, returns a well-formed { value, issues }', () => {
  for (const target of TARGETS) {
    it(
      `${target.name} survives random bytes`,
      () => {
        fc.assert(
          fc.property(randomInputArb, chunkArb, (input, chunk) => {
            const bytes = randomBytes(input);
            const what = `${target.name} on ${describeRandom(input, bytes)}, chunk ${chunk}`;
            trace(() => what);
            dumpOnFailure(bytes, `random ${target.name}`, () => {
              const out = runParser(target, target.seeds[0], bytes, chunk);
              stats.record(target.name, 'random', out.ms, () => describeRandom(input, bytes));
              checkResult(out.result, target.format, what);
              if (typeof out.position !== 'string') throw new Error(`${what}: position is not text`);
              checkTime(out.ms, what);
            });
          }),
          { numRuns: RUNS, seed: seedFor(`random ${target.name}`) }
        );
      },
      testTimeoutMs(RUNS)
    );
  }
});

describe('fuzz: every parser, fed mutated real exports of its format, returns a well-formed { value, issues }', () => {
  for (const target of TARGETS) {
    it.skipIf(target.seeds.length === 0)(
      `${target.name} survives mutations of its ${target.seeds.length} sample(s)`,
      () => {
        fc.assert(
          fc.property(
            fc.nat({ max: target.seeds.length - 1 }),
            mutationsArb,
            chunkArb,
            (index, mutations, chunk) => {
              const seed = target.seeds[index] as Seed;
              const bytes = mutate(seed.bytes, mutations, corpus.seeds);
              const what = `${target.name} on ${describeMutations(seed, mutations, bytes)}, chunk ${chunk}`;
              trace(() => what);
              dumpOnFailure(bytes, `mutated ${target.name}`, () => {
                const out = runParser(target, seed, bytes, chunk);
                stats.record(target.name, 'mutated', out.ms, () => describeMutations(seed, mutations, bytes));
                checkResult(out.result, target.format, what);
                checkTime(out.ms, what);
              });
            }
          ),
          { numRuns: RUNS, seed: seedFor(`mutated ${target.name}`) }
        );
      },
      testTimeoutMs(RUNS)
    );
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The detection path

/** File names a technician's files arrive with: the real one, a misleading one, none at all. */
const fileNameArb = fc.constantFrom(
  '',
  'export.txt',
  'scan.nessus',
  'report.xml',
  'data.json',
  'list.csv',
  'x.zip'
);

function checkVerdict(verdict: number | Problem, handler: string, what: string): void {
  if (typeof verdict === 'number') {
    if (!Number.isFinite(verdict) || verdict < 0 || verdict > 100)
      throw new Error(`${what}: ${handler}'s sniffer scored ${verdict}, outside 0–100`);
    return;
  }
  checkProblems([verdict], `${what}: ${handler}'s sniffer`);
}

/**
 * Detection catches a sniffer's exception and goes on with the others, so each sniffer is wrapped while these
 * tests run: an exception or a verdict outside 0–100 (or a malformed problem) is noted here, and the case fails.
 */
const sniffFaults: string[] = [];
const originalSniffs = HANDLERS.map((h) => h.sniff);

function watchSniffers(): void {
  HANDLERS.forEach((h, i) => {
    const sniff = originalSniffs[i] as FormatHandler['sniff'];
    h.sniff = (sample) => {
      try {
        const verdict = sniff.call(h, sample);
        checkVerdict(verdict, h.format, sample.fileName);
        return verdict;
      } catch (e) {
        sniffFaults.push(`${h.format}'s sniffer: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
    };
  });
}

function unwatchSniffers(): void {
  HANDLERS.forEach((h, i) => {
    h.sniff = originalSniffs[i] as FormatHandler['sniff'];
  });
}

/**
 * As the importer does it: zip entries listed, the format detected (every sniffer watched), then the registry's
 * parser, whose output is validated against the model on the way out.
 */
function detectAndParse(
  bytes: Uint8Array,
  name: string,
  chunk: number,
  what: string
): { ms: number; format: string } {
  const started = performance.now();
  const head = bytes.subarray(0, SNIFF_BYTES);
  let zipEntries: string[] | undefined;
  if (isZip(head)) {
    const listed = listZip(bytes);
    checkProblems(listed.issues, `${what}: listing the zip`);
    zipEntries = listed.value.map((e) => e.name);
  }
  sniffFaults.length = 0;
  const detection = detectFormat(head, name, zipEntries);
  if (sniffFaults.length > 0) throw new Error(`${what}: ${sniffFaults.join('; ')}`);
  if (!detection.format) {
    checkProblems([detection.problem], `${what}: detection`);
    if (detection.problem.code === 'unknown-format') {
      // The importer then offers a table no format claims for column mapping.
      const preview = previewCsv(head);
      if (preview && !preview.header.every((h) => typeof h === 'string'))
        throw new Error(`${what}: the CSV preview's header is not text`);
    }
    return { ms: performance.now() - started, format: `refused (${detection.problem.code})` };
  }
  if (!FILE_FORMATS.includes(detection.format))
    throw new Error(`${what}: detected unknown format ${detection.format}`);
  const hosts: HostObservation[] = [];
  const parser = createStreamParser(detection.format, { host: (h) => hosts.push(h), rule: () => {} });
  writeAll(parser, bytes, chunk);
  parser.end();
  const ms = performance.now() - started;
  checkProblems(parser.issues, `${what} read as ${detection.format}`);
  checkHosts(hosts, `${what} read as ${detection.format}`);
  const rejected = parser.issues.find((p) => p.code === 'invalid-record');
  if (rejected)
    throw new Error(
      `${what} read as ${detection.format}: a record did not fit the model (${rejected.detail})`
    );
  return { ms, format: detection.format };
}

const detectionGroups: { name: string; seeds: Seed[] }[] = [
  ...[...new Set(HANDLERS.map((h) => h.format))].map((format) => ({ name: format, seeds: seedsOf(format) })),
  { name: 'unrecognised files', seeds: corpus.seeds.filter((s) => s.format === null) }
];

describe('fuzz: detection then the chosen parser, on mutated exports', () => {
  beforeAll(watchSniffers);
  afterAll(unwatchSniffers);

  for (const group of detectionGroups) {
    it.skipIf(group.seeds.length === 0)(
      `${group.name}: mutated files are detected and read, or refused, with well-formed problems`,
      () => {
        fc.assert(
          fc.property(
            fc.nat({ max: group.seeds.length - 1 }),
            mutationsArb,
            chunkArb,
            fc.oneof(fc.constant(undefined), fileNameArb),
            (index, mutations, chunk, rename) => {
              const seed = group.seeds[index] as Seed;
              const bytes = mutate(seed.bytes, mutations, corpus.seeds);
              const name = rename ?? seed.name.split('/').pop() ?? '';
              const what = `detection of ${describeMutations(seed, mutations, bytes)} named "${name}", chunk ${chunk}`;
              trace(() => what);
              dumpOnFailure(bytes, `detection ${group.name}`, () => {
                const out = detectAndParse(bytes, name, chunk, what);
                stats.record(
                  group.name,
                  'detection',
                  out.ms,
                  () => `${describeMutations(seed, mutations, bytes)} → ${out.format}`
                );
                checkTime(out.ms, what);
              });
            }
          ),
          { numRuns: RUNS, seed: seedFor(`detection ${group.name}`) }
        );
      },
      testTimeoutMs(RUNS)
    );
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Zip archives

/** Small exports of several formats, to pack into archives. */
function smallSeeds(limit: number): Seed[] {
  const picked = new Map<string, Seed>();
  for (const s of corpus.seeds) {
    if (
      s.format &&
      s.bytes.length > 0 &&
      s.bytes.length <= 64 * 1024 &&
      !picked.has(s.format) &&
      !isZip(s.bytes)
    )
      picked.set(s.format, s);
  }
  return [...picked.values()].slice(0, limit);
}

function buildArchives(): { name: string; bytes: Uint8Array }[] {
  const small = smallSeeds(8);
  const base = (s: Seed): string => s.name.split('/').pop() ?? 'export';
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  small.forEach((s, i) => {
    files[`exports/${base(s)}`] = [s.bytes, { level: i % 2 === 0 ? 0 : 6 }];
  });
  const mixed = zipSync({
    ...files,
    'empty-folder/': [new Uint8Array(0), { level: 0 }],
    '__MACOSX/._notes.txt': [new Uint8Array([0, 5, 22, 7, 0, 2]), { level: 0 }],
    'inner.zip': [zipSync({ [base(small[0] as Seed)]: (small[0] as Seed).bytes }), { level: 0 }]
  });
  const archives: { name: string; bytes: Uint8Array }[] = [{ name: 'exports.zip', bytes: mixed }];
  for (const s of corpus.seeds) if (isZip(s.bytes)) archives.push({ name: s.name, bytes: s.bytes });
  return archives;
}

/** Offsets of the fields a damaged or hostile archive lies in (sizes, methods, name lengths, offsets). */
const ZIP_FIELDS: Record<number, [offset: number, width: 2 | 4][]> = {
  // local file header
  0x04034b50: [
    [8, 2],
    [14, 4],
    [18, 4],
    [22, 4],
    [26, 2],
    [28, 2]
  ],
  // central directory entry
  0x02014b50: [
    [10, 2],
    [20, 4],
    [24, 4],
    [28, 2],
    [30, 2],
    [32, 2],
    [42, 4]
  ],
  // end of central directory
  0x06054b50: [
    [8, 2],
    [10, 2],
    [12, 4],
    [16, 4],
    [20, 2]
  ]
};

interface ZipPatch {
  op: 'zip-field';
  header: number;
  field: number;
  value: number;
}

const zipPatchArb: fc.Arbitrary<ZipPatch> = fc.record({
  op: fc.constant('zip-field' as const),
  header: fc.nat(),
  field: fc.nat(),
  value: fc.oneof(
    fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0x40000000, 3 * 1024 * 1024, 99),
    fc.integer({ min: 0, max: 0xffffffff })
  )
});

function patchZip(bytes: Uint8Array, patch: ZipPatch): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: { at: number; fields: [number, 2 | 4][] }[] = [];
  for (let i = 0; i + 4 <= bytes.length; i++) {
    const fields = ZIP_FIELDS[view.getUint32(i, true)];
    if (fields) headers.push({ at: i, fields });
  }
  if (headers.length === 0) return bytes;
  const header = headers[patch.header % headers.length]!;
  const [offset, width] = header.fields[patch.field % header.fields.length]!;
  if (header.at + offset + width > bytes.length) return bytes;
  const out = bytes.slice();
  const w = new DataView(out.buffer);
  if (width === 2) w.setUint16(header.at + offset, patch.value & 0xffff, true);
  else w.setUint32(header.at + offset, patch.value >>> 0, true);
  return out;
}

describe('fuzz: zip archives of exports, damaged, through the archive path', () => {
  const archives = buildArchives();
  beforeAll(watchSniffers);
  afterAll(unwatchSniffers);

  it(
    `${archives.length} archives: each entry is read or refused, never a crash or a hang`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'patchfield-fuzz-'));
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.nat({ max: archives.length - 1 }),
            fc.array(fc.oneof({ weight: 2, arbitrary: zipPatchArb }, { weight: 3, arbitrary: mutationArb }), {
              minLength: 1,
              maxLength: 4
            }),
            async (index, ops) => {
              const archive = archives[index]!;
              let bytes = archive.bytes;
              for (const op of ops)
                bytes =
                  op.op === 'zip-field' ? patchZip(bytes, op) : mutate(bytes, [op as Mutation], corpus.seeds);
              const describe = (): string =>
                `${archive.name} → ${bytes.length} bytes (${ops.map((o) => (o.op === 'zip-field' ? `zip-field ${o.value}` : o.op)).join(', ')})`;
              const what = `archive ${describe()}`;
              trace(() => what);
              await dumpOnFailure(bytes, 'zip', async () => {
                if (!isZip(bytes)) {
                  // Damaged in its first bytes, it is no archive any more: the detection path reads it.
                  const out = detectAndParse(bytes, 'case.zip', 0, what);
                  stats.record('zip archives', 'zip', out.ms, describe);
                  checkTime(out.ms, what);
                  return;
                }
                const path = join(dir, 'case.zip');
                writeFileSync(path, bytes);
                sniffFaults.length = 0;
                const started = performance.now();
                const results = await readExport(path, 'case.zip', true);
                const ms = performance.now() - started;
                stats.record('zip archives', 'zip', ms, describe);
                if (sniffFaults.length > 0) throw new Error(`${what}: ${sniffFaults.join('; ')}`);
                for (const r of results) {
                  if (r.format !== null && !FILE_FORMATS.includes(r.format))
                    throw new Error(`${what}: ${r.file} detected as unknown format ${r.format}`);
                  checkProblems(r.problems, `${what}: ${r.file}`);
                  checkHosts(r.hosts, `${what}: ${r.file}`);
                  const rejected = r.problems.find((p) => p.code === 'invalid-record');
                  if (rejected)
                    throw new Error(
                      `${what}: ${r.file}: a record did not fit the model (${rejected.detail})`
                    );
                }
                checkTime(ms, what);
              });
            }
          ),
          { numRuns: RUNS * 4, seed: seedFor('zip archives') }
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    testTimeoutMs(RUNS * 4)
  );
});
