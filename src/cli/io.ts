import { createReadStream, existsSync, openSync, readSync, closeSync, statSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  createStreamParser,
  createTally,
  detectFormat,
  parseWindowsBuildsCsv,
  decodeText,
  SNIFF_BYTES,
  type Catalog,
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
 */
export async function readExport(path: string, name: string, keepHosts: boolean): Promise<ReadFileResult> {
  const tally = createTally();
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const detection = detectFormat(readHead(path), name);
  if (!detection.format) {
    return { file: name, format: null, counts: tally.counts, hosts, rules, problems: [detection.problem] };
  }
  const parser = createStreamParser(detection.format, {
    host(h) {
      tally.add(h);
      if (keepHosts) hosts.push(h);
      else hosts.push({ ...h, findings: [], software: [], installedUpdates: [], pendingUpdates: [] });
    },
    rule(r) {
      if (keepHosts) rules.push(r);
    }
  });
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    parser.write(chunk as Uint8Array);
  }
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

/** --catalog: the Windows build table CSV itself, or a catalog folder that holds it. */
export function loadCatalogFrom(path: string): { catalog: Catalog; problems: Problem[] } {
  const candidates = isFile(path)
    ? [path]
    : [
        join(path, 'windows-builds', 'windows_build_revision_kb_merged.csv'),
        join(path, 'windows_build_revision_kb_merged.csv')
      ];
  const csv = candidates.find(isFile);
  if (!csv) {
    return {
      catalog: {},
      problems: [
        {
          severity: 'error',
          code: 'catalog-not-found',
          message: `No Windows build table found at ${path}. Pass the CSV (windows_build_revision_kb_merged.csv) or the catalog folder that holds windows-builds/.`
        }
      ]
    };
  }
  const parsed = parseWindowsBuildsCsv(
    decodeText(new Uint8Array(readFileSync(csv))).text,
    csv.split(/[\\/]/).pop()!
  );
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
