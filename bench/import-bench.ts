/**
 * Import benchmarks: throughput (MB/s) and ratios, never asserted times. For each big format family, on a
 * generated file built from the real samples:
 *  1. the bare underlying parser over the same bytes (saxes for XML, papaparse for CSV, a line splitter for
 *     dpkg status): the floor any importer pays;
 *  2. Patchfield's parser alone;
 *  3. the whole import as the app runs it (hash, raw Blob, detection, parse, zod checks, staging batches, final
 *     transaction) through the engine API on fake-indexeddb — the worker's code path.
 * Peak heap growth is sampled during each run: streaming keeps it far below the file size.
 */
import 'fake-indexeddb/auto';
import Papa from 'papaparse';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { handlerFor, type FileFormat } from '../src/lib/core';
import { createEngagement, openDatabase } from '../src/lib/db';
import { createEngineApi } from '../src/lib/workers/engine.api';
import { generateNessus, hostBlocksOf } from './generate-nessus';
import { generateDpkgStatus, generateQualysXml, generateTenableCsv } from './generators';

const MB = 1024 * 1024;
const XML_MB = Number(process.env.BENCH_MB ?? 100);
const OTHER_MB = Number(process.env.BENCH_OTHER_MB ?? 60);
const outDir = join('bench', 'out');
const samples = join('..', 'shared', 'samples');

interface Family {
  name: string;
  format: FileFormat;
  file: string;
  generate(path: string): string;
  bare(path: string): Promise<string>;
}

async function* chunks(path: string): AsyncGenerator<Uint8Array> {
  for await (const c of createReadStream(path, { highWaterMark: MB })) yield c as Uint8Array;
}

async function bareXml(path: string): Promise<string> {
  const sax = new SaxesParser();
  let elements = 0;
  sax.on('opentag', () => {
    elements += 1;
  });
  const decoder = new TextDecoder();
  for await (const c of chunks(path)) sax.write(decoder.decode(c, { stream: true }));
  sax.close();
  return `${elements} elements`;
}

async function bareCsv(path: string): Promise<string> {
  // papaparse's own chunked parsing over the decoded text, as a CSV importer would use it.
  let rows = 0;
  const decoder = new TextDecoder();
  let carry = '';
  for await (const c of chunks(path)) {
    const text = carry + decoder.decode(c, { stream: true });
    const cut = text.lastIndexOf('\n');
    carry = text.slice(cut + 1);
    rows += Papa.parse(text.slice(0, cut + 1)).data.length;
  }
  rows += Papa.parse(carry).data.length;
  return `${rows} rows`;
}

/** The least a control-file reader does: decode, split lines, split each "Field: value" line. */
async function bareFields(path: string): Promise<string> {
  let fields = 0;
  const decoder = new TextDecoder();
  let carry = '';
  for await (const c of chunks(path)) {
    const lines = (carry + decoder.decode(c, { stream: true })).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.charCodeAt(0) !== 32) {
        fields += line.slice(0, colon).length > 0 && line.slice(colon + 1).trim().length >= 0 ? 1 : 0;
      }
    }
  }
  return `${fields} fields`;
}

function families(): Family[] {
  const have = (p: string): boolean => existsSync(join(samples, p));
  const list: Family[] = [
    {
      name: 'Nessus XML',
      format: 'nessus-v2',
      file: `nessus-${XML_MB}mb.nessus`,
      generate(path) {
        const names = [
          'pytenable_example_win10_agent.nessus',
          'defectdojo_nessus_v_unknown_7hosts.xml',
          'defectdojo_nessus_with_cvssv3.nessus',
          'libnessus_macosx_local_checks.nessus',
          'rubynessus_example_v2_2hosts.nessus'
        ].filter((f) => have(join('nessus', f)));
        const templates = names.flatMap((f) =>
          hostBlocksOf(readFileSync(join(samples, 'nessus', f), 'utf8'))
        );
        const perHost =
          templates.length > 0 ? templates.reduce((n, t) => n + t.length, 0) / templates.length : 45_000;
        const g = generateNessus({ path, hosts: Math.ceil((XML_MB * MB) / perHost), templates });
        return `${g.items} ReportItems from ${templates.length || 'synthetic'} sample hosts`;
      },
      bare: bareXml
    }
  ];
  if (have('qualys/defectdojo_qualys_asset_data_report_7hosts.xml')) {
    list.push({
      name: 'Qualys XML',
      format: 'qualys-xml',
      file: `qualys-${XML_MB}mb.xml`,
      generate: (path) =>
        `${generateQualysXml(join(samples, 'qualys/defectdojo_qualys_asset_data_report_7hosts.xml'), path, XML_MB * MB).hosts} hosts`,
      bare: bareXml
    });
  }
  if (have('nessus-csv/defectdojo_tenable_65col_blank_headers.csv')) {
    list.push({
      name: 'Tenable CSV',
      format: 'tenable-csv',
      file: `tenable-${OTHER_MB}mb.csv`,
      generate: (path) =>
        `${generateTenableCsv(join(samples, 'nessus-csv/defectdojo_tenable_65col_blank_headers.csv'), path, OTHER_MB * MB).rows} rows`,
      bare: bareCsv
    });
  }
  if (have('linux-dpkg/trivy_ubuntu1804_var_lib_dpkg_status')) {
    list.push({
      name: 'dpkg status',
      format: 'dpkg-status',
      file: `dpkg-status-${OTHER_MB}mb`,
      generate: (path) =>
        `${generateDpkgStatus(join(samples, 'linux-dpkg/trivy_ubuntu1804_var_lib_dpkg_status'), path, OTHER_MB * MB).packages} packages`,
      bare: bareFields
    });
  }
  return list;
}

class MemoryPeak {
  private peak = 0;
  private base = 0;
  private timer: NodeJS.Timeout | undefined;
  start(): void {
    (globalThis as { gc?: () => void }).gc?.();
    this.base = process.memoryUsage().heapUsed;
    this.peak = this.base;
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().heapUsed)), 5);
  }
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage().heapUsed);
    return (this.peak - this.base) / MB;
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T; heapMB: number }> {
  const mem = new MemoryPeak();
  mem.start();
  const t0 = performance.now();
  const value = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, value, heapMB: mem.stop() };
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  console.log(
    'Family          size      bare parser        Patchfield parser          full import (app path)     full ÷ bare  heap (parser / import)'
  );
  let failed = false;
  for (const family of families()) {
    const handler = handlerFor(family.format);
    if (!handler) {
      console.log(`${family.name}: no parser for ${family.format} in this build — skipped`);
      continue;
    }
    const path = join(outDir, family.file);
    const what = family.generate(path);
    const sizeMB = statSync(path).size / MB;
    const bare = await timed(() => family.bare(path));
    const parse = await timed(async () => {
      let hosts = 0;
      let records = 0;
      const parser = handler.create({
        host(h) {
          hosts += 1;
          records += h.findings.length + h.software.length + h.pendingUpdates.length;
        },
        rule() {}
      });
      for await (const c of chunks(path)) parser.write(c);
      parser.end();
      return { hosts, records, errors: parser.issues.filter((i) => i.severity === 'error').length };
    });
    const db = openDatabase(`bench-${family.format}-${Date.now()}`);
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
    const blob = new Blob([readFileSync(path)]);
    const full = await timed(() =>
      api.importFiles(engagement.id, [{ name: family.file, size: blob.size, blob }], 'bench')
    );
    const outcome = full.value[0]!;
    const records =
      (await db.hosts.count()) +
      (await db.rules.count()) +
      (await db.files.count()) +
      (await db.rawFiles.count());
    db.close();
    const rate = (s: number): string => `${(sizeMB / s).toFixed(1).padStart(6)} MB/s`;
    console.log(
      `${family.name.padEnd(15)} ${sizeMB.toFixed(0).padStart(4)} MB  ${bare.seconds.toFixed(2)} s ${rate(bare.seconds)}  ` +
        `${parse.seconds.toFixed(2)} s ${rate(parse.seconds)} (${(parse.seconds / bare.seconds).toFixed(2)}×)  ` +
        `${full.seconds.toFixed(2)} s ${rate(full.seconds)}  ${(full.seconds / bare.seconds).toFixed(2).padStart(5)}×      ` +
        `+${parse.heapMB.toFixed(0)} MB / +${full.heapMB.toFixed(0)} MB`
    );
    console.log(
      `    ${what}; ${parse.value.hosts} hosts, ${parse.value.records} records read; import ${outcome.status}, ${records} IndexedDB records`
    );
    if (outcome.status !== 'done' || parse.value.errors > 0) {
      console.error(`    ${family.name}: the import did not finish cleanly:`, outcome.problems.slice(0, 3));
      failed = true;
    }
  }
  console.log(
    '\nHeap is the JavaScript heap growth at its peak; fake-indexeddb keeps the database itself in that heap (Chromium keeps it on disk).'
  );
  if (failed) process.exitCode = 1;
}

void main();
