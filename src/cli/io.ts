import {
  createReadStream,
  existsSync,
  openSync,
  readSync,
  closeSync,
  statSync,
  readFileSync,
  readdirSync
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import {
  isZip,
  listZip,
  readZip,
  createStreamParser,
  createTally,
  detectFormat,
  parseWindowsBuildsCsv,
  decodeText,
  SNIFF_BYTES,
  buildCatalogFromFolder,
  catalogFromParts,
  decodeCatalogBundle,
  looksLikeBundle,
  type Catalog,
  type CatalogFolder,
  type FileFormat,
  type HostObservation,
  type ImportCounts,
  type Problem,
  type ScannerRule
} from '../lib/core';

export interface ReadFileResult {
  file: string;
  format: FileFormat | null;
  formatVersion?: string | undefined;
  counts: ImportCounts;
  hosts: HostObservation[];
  rules: ScannerRule[];
  problems: Problem[];
}

function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads an export from disk in chunks with the same detection, parsers and counting as the app.
 * keepHosts=false keeps only the counts (inspect), so big files never sit in memory.
 * A zip of several exports gives one result per entry (an archive that is itself a format gives one).
 */
export async function readExport(path: string, name: string, keepHosts: boolean): Promise<ReadFileResult[]> {
  const head = readHead(path);
  if (!isZip(head)) {
    return [await readChunks(head, name, createReadStream(path, { highWaterMark: 1024 * 1024 }), keepHosts)];
  }
  return readArchive(new Uint8Array(readFileSync(path)), name, keepHosts);
}

async function readArchive(bytes: Uint8Array, name: string, keepHosts: boolean): Promise<ReadFileResult[]> {
  const listed = listZip(bytes);
  const head = bytes.subarray(0, SNIFF_BYTES);
  const claimed = detectFormat(
    head,
    name,
    listed.value.map((e) => e.name)
  );
  if (listed.issues.length === 0 && claimed.format) {
    return [
      await readChunks(
        head,
        name,
        chunksOf(bytes),
        keepHosts,
        listed.value.map((e) => e.name)
      )
    ];
  }
  const read = readZip(bytes);
  if (read.issues.length > 0) return [failed(name, read.issues)];
  const results: ReadFileResult[] = [];
  for (const entry of read.value) {
    const entryName = `${name}/${entry.name}`;
    if (isZip(entry.bytes)) results.push(failed(entryName, [nestedArchive(entryName)]));
    else
      results.push(
        await readChunks(entry.bytes.subarray(0, SNIFF_BYTES), entryName, chunksOf(entry.bytes), keepHosts)
      );
  }
  return results;
}

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += 1024 * 1024) yield bytes.subarray(i, i + 1024 * 1024);
}

function failed(name: string, problems: Problem[]): ReadFileResult {
  return {
    file: name,
    format: null,
    counts: { assets: 0, findings: 0, installedUpdates: 0, software: 0, pendingUpdates: 0 },
    hosts: [],
    rules: [],
    problems
  };
}

function nestedArchive(name: string): Problem {
  return {
    severity: 'error',
    code: 'nested-archive',
    message: `${name} is an archive inside an archive: unzip it and import its files.`
  };
}

async function readChunks(
  head: Uint8Array,
  name: string,
  chunks: AsyncIterable<unknown> | Iterable<Uint8Array>,
  keepHosts: boolean,
  zipEntries?: string[]
): Promise<ReadFileResult> {
  const tally = createTally();
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const detection = detectFormat(head, name, zipEntries);
  if (!detection.format) return failed(name, [detection.problem]);
  const parser = createStreamParser(detection.format, {
    host(h) {
      tally.add(h);
      if (keepHosts) hosts.push(h);
      else {
        // Only what inspect prints, copied through JSON so that it shares no memory with the chunk it was cut
        // from (V8 keeps substrings as views: a big file's chunks would otherwise stay alive to the end).
        const summary = { key: h.key, hostname: h.hostname, fqdn: h.fqdn, ips: h.ips, macs: [], os: h.os };
        hosts.push({
          ...(JSON.parse(JSON.stringify(summary)) as typeof summary),
          findings: [],
          software: [],
          installedUpdates: [],
          pendingUpdates: []
        });
      }
    },
    rule(r) {
      if (keepHosts) rules.push(r);
    }
  });
  for await (const chunk of chunks) parser.write(chunk as Uint8Array);
  parser.end();
  return {
    file: name,
    format: detection.format,
    formatVersion: parser.formatVersion,
    counts: tally.counts,
    hosts,
    rules,
    problems: [...parser.issues]
  };
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** A folder on disk as the catalog builder reads it: every file under it, read on demand. */
export function catalogFolder(dir: string): CatalogFolder {
  const files: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk('');
  return { files, read: (path) => Promise.resolve(new Uint8Array(readFileSync(join(dir, path)))) };
}

/**
 * --catalog: a catalog bundle (from `patchfield catalog build`), a folder of official files (built in memory, the
 * same code), or the Windows build table CSV alone.
 */
export async function loadCatalogFrom(path: string): Promise<{ catalog: Catalog; problems: Problem[] }> {
  if (!existsSync(path)) {
    return {
      catalog: {},
      problems: [
        {
          severity: 'error',
          code: 'catalog-not-found',
          message: `${path} does not exist. Pass a catalog bundle (patchfield catalog build), a catalog folder, or the Windows build table CSV.`
        }
      ]
    };
  }
  if (!isFile(path)) {
    const built = await buildCatalogFromFolder(catalogFolder(path));
    const problems: Problem[] = built.problems.map(({ part, ...p }) => ({
      ...p,
      message: part ? `${part}: ${p.message}` : p.message
    }));
    if (built.parts.length === 0) {
      problems.push({
        severity: 'error',
        code: 'catalog-not-found',
        message: `No catalog files found in ${path}. It should hold the official files (see README, "Reference catalog").`
      });
    }
    return { catalog: catalogFromParts(built.parts), problems };
  }
  const bytes = new Uint8Array(readFileSync(path));
  const name = basename(path);
  if (looksLikeBundle(bytes)) {
    const decoded = decodeCatalogBundle(bytes, name);
    return { catalog: catalogFromParts(decoded.value?.parts ?? []), problems: decoded.issues };
  }
  const parsed = parseWindowsBuildsCsv(decodeText(bytes).text, name);
  const ok = !parsed.issues.some((p) => p.severity === 'error');
  return { catalog: ok ? { windowsBuilds: parsed.value } : {}, problems: parsed.issues };
}

const require = createRequire(import.meta.url);

export function reportFonts(): { regular: Uint8Array; bold: Uint8Array; loadCjk: () => Promise<Uint8Array> } {
  const read = (spec: string): Uint8Array => new Uint8Array(readFileSync(require.resolve(spec)));
  return {
    regular: read('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: read('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
    loadCjk: () =>
      Promise.resolve(read('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'))
  };
}
