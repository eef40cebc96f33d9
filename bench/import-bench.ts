/**
 * Nessus import benchmark: prints throughput (MB/s) and ratios, never asserts times.
 *  1. bare saxes over the file (the floor any XML importer pays),
 *  2. Patchfield's streaming Nessus parser alone,
 *  3. the whole import as the app runs it (hash, raw Blob, parse, staging batches, final transaction) through the
 *     engine API on fake-indexeddb — the same code path as the worker; IndexedDB in Chromium costs more per record
 *     (see ../shared/PERFORMANCE.md), which is why records are kept few: the record count is printed too.
 * Peak memory is sampled during each run; a streaming parse must stay far below the file size.
 */
import 'fake-indexeddb/auto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { createNessusParser } from '../src/lib/core';
import { createEngagement, openDatabase } from '../src/lib/db';
import { createEngineApi } from '../src/lib/workers/engine.api';
import { generateNessus, hostBlocksOf } from './generate-nessus';

const MB = 1024 * 1024;
const TARGET_MB = Number(process.env.BENCH_MB ?? 60);
const outDir = join('bench', 'out');
const samples = join('..', 'shared', 'samples', 'nessus');

function sampleTemplates(): string[] {
  if (!existsSync(samples)) return [];
  const good = [
    'pytenable_example_win10_agent.nessus',
    'defectdojo_nessus_v_unknown_7hosts.xml',
    'defectdojo_nessus_with_cvssv3.nessus',
    'libnessus_macosx_local_checks.nessus',
    'rubynessus_example_v2_2hosts.nessus'
  ];
  return good.flatMap((f) => hostBlocksOf(readFileSync(join(samples, f), 'utf8')));
}

class MemoryPeak {
  private peakHeap = 0;
  private peakRss = 0;
  private timer: NodeJS.Timeout | undefined;
  private baseHeap = 0;
  start(): void {
    (globalThis as { gc?: () => void }).gc?.();
    this.baseHeap = process.memoryUsage().heapUsed;
    this.peakHeap = this.baseHeap;
    this.peakRss = process.memoryUsage().rss;
    this.timer = setInterval(() => this.sample(), 5);
  }
  sample(): void {
    const m = process.memoryUsage();
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
    this.peakRss = Math.max(this.peakRss, m.rss);
  }
  stop(): { heapGrowthMB: number; rssMB: number } {
    this.sample();
    clearInterval(this.timer);
    return { heapGrowthMB: (this.peakHeap - this.baseHeap) / MB, rssMB: this.peakRss / MB };
  }
}

async function timed<T>(
  fn: () => Promise<T>
): Promise<{ seconds: number; value: T; heapGrowthMB: number; rssMB: number }> {
  const mem = new MemoryPeak();
  mem.start();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, value, ...mem.stop() };
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `generated-${TARGET_MB}mb.nessus`);
  const templates = sampleTemplates();
  const perHost =
    templates.length > 0 ? templates.reduce((n, t) => n + t.length, 0) / templates.length : 45_000;
  const hosts = Math.ceil((TARGET_MB * MB) / perHost);
  const gen = generateNessus({ path, hosts, templates });
  const sizeMB = statSync(path).size / MB;
  console.log(
    `Generated ${path}: ${sizeMB.toFixed(1)} MB, ${hosts} hosts, ${gen.items} ReportItems (templates: ${templates.length > 0 ? `${templates.length} real hosts from ../shared/samples/nessus` : 'synthetic'})`
  );

  const bare = await timed(async () => {
    const sax = new SaxesParser();
    let elements = 0;
    sax.on('opentag', () => {
      elements += 1;
    });
    const decoder = new TextDecoder();
    for await (const chunk of createReadStream(path, { highWaterMark: MB }))
      sax.write(decoder.decode(chunk as Buffer, { stream: true }));
    sax.close();
    return elements;
  });

  const parse = await timed(async () => {
    let hostsSeen = 0;
    let findings = 0;
    const parser = createNessusParser({
      host(h) {
        hostsSeen += 1;
        findings += h.findings.length;
      },
      rule() {}
    });
    for await (const chunk of createReadStream(path, { highWaterMark: MB }))
      parser.write(chunk as Uint8Array);
    parser.end();
    return { hostsSeen, findings, errors: parser.issues.filter((i) => i.severity === 'error').length };
  });

  const db = openDatabase(`bench-${Date.now()}`);
  const api = createEngineApi({
    db: () => db,
    loadFonts: () => Promise.reject(new Error('not needed')),
    loadCjkFont: () => Promise.reject(new Error('not needed'))
  });
  const engagement = await createEngagement(db, {
    clientName: 'Bench',
    site: '',
    contact: '',
    technician: '',
    visitDate: '2026-11-24',
    notes: ''
  });
  const bytes = readFileSync(path);
  const blob = new Blob([bytes]);
  const full = await timed(async () =>
    api.importFiles(engagement.id, [{ name: 'generated.nessus', size: blob.size, blob }], 'bench')
  );
  const outcome = full.value[0]!;
  const records =
    (await db.hosts.count()) +
    (await db.rules.count()) +
    (await db.files.count()) +
    (await db.rawFiles.count());

  const rate = (s: number): string => `${(sizeMB / s).toFixed(1)} MB/s`;
  console.log('');
  console.log(
    `bare saxes parse      ${bare.seconds.toFixed(2)} s  ${rate(bare.seconds)}  (${bare.value} elements)`
  );
  console.log(
    `Nessus parser         ${parse.seconds.toFixed(2)} s  ${rate(parse.seconds)}  ${parse.value.hostsSeen} hosts, ${parse.value.findings} findings, peak heap +${parse.heapGrowthMB.toFixed(0)} MB`
  );
  console.log(
    `full import (app path, fake-indexeddb) ${full.seconds.toFixed(2)} s  ${rate(full.seconds)}  status ${outcome.status}, ${records} IndexedDB records, peak heap +${full.heapGrowthMB.toFixed(0)} MB (file held once as the raw Blob)`
  );
  console.log('');
  console.log(`parser / bare saxes:      ${(parse.seconds / bare.seconds).toFixed(2)}×`);
  console.log(`full import / bare saxes: ${(full.seconds / bare.seconds).toFixed(2)}×`);
  console.log(
    `parser peak heap / file size: ${(parse.heapGrowthMB / sizeMB).toFixed(2)} (a whole-file string would be ≥ 1; UTF-16 ≥ 2)`
  );
  console.log(
    `peak RSS during import: ${full.rssMB.toFixed(0)} MB (fake-indexeddb keeps the whole database in the JS heap; Chromium keeps it on disk)`
  );
  if (outcome.status !== 'done' || parse.value.errors > 0) {
    console.error('The benchmark import did not finish cleanly:', outcome.problems);
    process.exitCode = 1;
  }
}

void main();
