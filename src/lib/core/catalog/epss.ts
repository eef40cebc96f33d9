import { Gunzip } from 'fflate';
import type { ParseResult, Problem } from '../model/problem';
import { compareCveIds, CVE_ID } from './kev';
import type { EpssPart } from './parts';

/**
 * FIRST EPSS daily scores (https://www.first.org/epss/data_stats): epss_scores-YYYY-MM-DD.csv.gz, gzipped or not,
 * → the `epss` catalog part. The official file starts with
 * `#model_version:v2025.03.14,score_date:2026-08-16T00:00:00+0000`, then the header `cve,epss,percentile` and one
 * row per scored CVE (about 360,000). Re-joined copies without the comment line, and the semicolon files of the
 * EPSS API crawls (`CVE-…;epss;percentile`, no header), are read too.
 */

const HOW_TO_GET =
  'Download epss_scores-current.csv.gz from https://www.first.org/epss/data_stats (or use the EPSS file in the ' +
  'catalog folder) and import it as it is: gzipped or unpacked both work.';
const SAMPLE_LINES = 10;
/** Input is handed to the decompressor in slices of this size, so no more than one slice of text is held at once. */
const SLICE_BYTES = 1 << 20;
/** A longer line is no line of a CSV catalog file: the file is not text. */
const MAX_LINE_CHARS = 1 << 20;

/**
 * Calls `onLine` with each line of a text file, gzipped or plain (told by the gzip magic bytes), decoding UTF-8 as
 * the bytes are inflated: the whole text is never one string. Line numbers are 1-based; "\r\n" and "\n" end lines.
 * `onLine` returns false to stop reading. Resolves with a message for people when the file cannot be read to its end.
 */
export async function forEachCatalogLine(
  bytes: Uint8Array,
  onLine: (line: string, lineNo: number) => boolean | void
): Promise<{ error?: string; gzip: boolean }> {
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let lineNo = 0;
  let stopped = false;
  let error: string | undefined;

  const take = (chunk: Uint8Array, final: boolean): void => {
    if (stopped) return;
    const text = pending + decoder.decode(chunk, { stream: !final });
    let from = 0;
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', from)) {
      const end = at > from && text.charCodeAt(at - 1) === 13 ? at - 1 : at;
      if (onLine(text.slice(from, end), ++lineNo) === false) {
        stopped = true;
        return;
      }
      from = at + 1;
    }
    pending = text.slice(from);
    if (final && pending !== '') {
      const last = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
      pending = '';
      if (onLine(last, ++lineNo) === false) stopped = true;
    } else if (pending.length > MAX_LINE_CHARS) {
      error = `line ${lineNo + 1} is longer than ${MAX_LINE_CHARS} characters, so this is not a text file`;
      stopped = true;
    }
  };

  if (!gzip) {
    for (let at = 0; at < bytes.length && !stopped; at += SLICE_BYTES) {
      take(bytes.subarray(at, at + SLICE_BYTES), at + SLICE_BYTES >= bytes.length);
      await pause();
    }
    if (bytes.length === 0) take(new Uint8Array(0), true);
    return { error, gzip };
  }

  let ended = false;
  const inflater = new Gunzip((chunk, final) => {
    take(chunk, final);
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < bytes.length && !stopped; at += SLICE_BYTES) {
      inflater.push(bytes.subarray(at, at + SLICE_BYTES), at + SLICE_BYTES >= bytes.length);
      await pause();
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      error: /unexpected EOF/i.test(why)
        ? 'the gzip data ends too early: the download was cut off'
        : `the gzip data is damaged (${why})`,
      gzip
    };
  }
  if (!stopped && !ended) error = 'the gzip data ends too early: the download was cut off';
  return { error, gzip };
}

/** Lets the worker answer messages (progress, cancel) between slices of a long read. */
function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Reads a FIRST EPSS score file into the columnar part, sorted by CVE. A file that is not EPSS gives an error. */
export async function buildEpssPart(
  bytes: Uint8Array,
  source: string
): Promise<ParseResult<EpssPart | undefined>> {
  const issues: Problem[] = [];
  const cves: string[] = [];
  const epss: number[] = [];
  const percentile: number[] = [];
  const lineOf: number[] = [];
  let modelVersion: string | undefined;
  let scoreDate: string | undefined;
  let delimiter: string | undefined;
  let columns = { cve: 0, epss: 1, percentile: 2 };
  let sawHeader = false;
  let refused: string | undefined;
  const bad: { line: number; why: string }[] = [];
  let badCount = 0;

  const { error } = await forEachCatalogLine(bytes, (line, lineNo) => {
    if (line.trim() === '') return;
    if (cves.length === 0 && !sawHeader) {
      const start = lineNo === 1 ? line.replace(/^\uFEFF/, '') : line;
      if (start.startsWith('#')) {
        modelVersion = /model_version:([^,\s]+)/.exec(start)?.[1] ?? modelVersion;
        scoreDate = /score_date:(\d{4}-\d{2}-\d{2})/.exec(start)?.[1] ?? scoreDate;
        return;
      }
      delimiter = start.includes(';') && !start.includes(',') ? ';' : start.includes('\t') ? '\t' : ',';
      const names = start.split(delimiter).map((c) => c.trim().toLowerCase());
      if (names.includes('cve') && names.includes('epss')) {
        sawHeader = true;
        columns = {
          cve: names.indexOf('cve'),
          epss: names.indexOf('epss'),
          percentile: names.indexOf('percentile')
        };
        if (columns.percentile < 0) {
          refused = `${source} has EPSS scores but no percentile column (line ${lineNo}). ${HOW_TO_GET}`;
          return false;
        }
        return;
      }
      if (!CVE_ID.test((names[0] ?? '').toUpperCase())) {
        refused =
          `${source} is not an EPSS score file: line ${lineNo} reads "${start.slice(0, 60)}", where the header ` +
          `"cve,epss,percentile" or a first row like "CVE-2021-44228,0.94,0.99" was expected. ${HOW_TO_GET}`;
        return false;
      }
    }
    const cells = splitRow(line, delimiter ?? ',', columns);
    const score = Number(cells[1]);
    const rank = Number(cells[2]);
    let cve = cells[0];
    if (!CVE_ID.test(cve)) cve = cve.trim().toUpperCase();
    let why: string | undefined;
    if (!CVE_ID.test(cve)) why = `"${cve.slice(0, 30)}" is not a CVE id`;
    else if (!(score >= 0 && score <= 1) || cells[1].trim() === '')
      why = `the EPSS score "${cells[1]}" is not a number from 0 to 1`;
    else if (!(rank >= 0 && rank <= 1) || cells[2].trim() === '')
      why = `the percentile "${cells[2]}" is not a number from 0 to 1`;
    if (why) {
      badCount++;
      if (bad.length < SAMPLE_LINES) bad.push({ line: lineNo, why });
      return;
    }
    // A fresh copy: a slice of the line would keep the whole decoded chunk it came from in memory.
    cve = (cve + ' ').slice(0, -1);
    cves.push(cve);
    epss.push(round5(score));
    percentile.push(round5(rank));
    lineOf.push(lineNo);
  });

  if (refused) {
    return { value: undefined, issues: [{ severity: 'error', code: 'epss-wrong-file', message: refused }] };
  }
  if (error) {
    issues.push({
      severity: cves.length > 0 ? 'warning' : 'error',
      code: 'epss-unreadable',
      message:
        cves.length > 0
          ? `${source} could not be read to its end (${error}); the ${cves.length} scores before that are kept. ${HOW_TO_GET}`
          : `${source} could not be read: ${error}. ${HOW_TO_GET}`
    });
  }
  if (badCount > 0) {
    issues.push({
      severity: 'warning',
      code: 'epss-bad-row',
      message:
        `${badCount} ${badCount === 1 ? 'line' : 'lines'} of ${source} ${badCount === 1 ? 'was' : 'were'} skipped ` +
        `(${bad.map((b) => b.line).join(', ')}${badCount > bad.length ? ', …' : ''}): ${bad[0]!.why}. ` +
        'The other scores are used; download the file again if many lines are affected.',
      line: bad[0]!.line,
      lines: bad.map((b) => b.line),
      count: badCount,
      detail: bad.map((b) => `${b.line}: ${b.why}`).join('\n')
    });
  }
  if (cves.length === 0) {
    if (!error) {
      issues.push({
        severity: 'error',
        code: 'epss-empty',
        message: `${source} has no EPSS scores. ${HOW_TO_GET}`
      });
    }
    return { value: undefined, issues };
  }

  const part: EpssPart = {
    part: 'epss',
    source,
    cves,
    epss,
    percentile
  };
  const duplicates = sortColumns(part, lineOf);
  if (duplicates.length > 0) {
    issues.push({
      severity: 'info',
      code: 'epss-duplicate',
      message: `${duplicates.length} CVEs appear more than once in ${source} (e.g. line ${duplicates[0]}); the first score of each is kept.`,
      count: duplicates.length,
      lines: duplicates.slice(0, SAMPLE_LINES)
    });
  }
  const snapshotDate = scoreDate ?? /(\d{4}-\d{2}-\d{2})/.exec(source)?.[1];
  if (snapshotDate) part.snapshotDate = snapshotDate;
  else {
    issues.push({
      severity: 'info',
      code: 'epss-no-date',
      message: `${source} does not say which day its scores are for (no score_date line, no date in the file name), so the catalog cannot tell how fresh they are.`
    });
  }
  if (modelVersion) part.modelVersion = modelVersion;
  return { value: part, issues };
}

/** The CVE, EPSS and percentile cells of a row ('' where the row is short). */
function splitRow(
  line: string,
  delimiter: string,
  columns: { cve: number; epss: number; percentile: number }
): [string, string, string] {
  if (columns.cve === 0 && columns.epss === 1 && columns.percentile === 2) {
    // The layout of every EPSS file: no array of cells to build for 360,000 rows.
    const a = line.indexOf(delimiter);
    if (a < 0) return [line, '', ''];
    const b = line.indexOf(delimiter, a + 1);
    if (b < 0) return [line.slice(0, a), line.slice(a + 1), ''];
    const c = line.indexOf(delimiter, b + 1);
    return [line.slice(0, a), line.slice(a + 1, b), c < 0 ? line.slice(b + 1) : line.slice(b + 1, c)];
  }
  const cells = line.split(delimiter);
  return [cells[columns.cve] ?? '', cells[columns.epss] ?? '', cells[columns.percentile] ?? ''];
}

/** Sorts the three columns by CVE (in place) and drops repeated CVEs; returns the lines of the dropped ones. */
function sortColumns(part: EpssPart, lineOf: number[]): number[] {
  const { cves } = part;
  let sorted = true;
  for (let i = 1; i < cves.length && sorted; i++) sorted = compareCveIds(cves[i - 1]!, cves[i]!) < 0;
  if (sorted) return [];
  const order = cves.map((_, i) => i);
  // Stable sort: of repeated CVEs the first in the file comes first and is kept.
  order.sort((a, b) => compareCveIds(cves[a]!, cves[b]!));
  const out = { cves: [] as string[], epss: [] as number[], percentile: [] as number[] };
  const dropped: number[] = [];
  for (const i of order) {
    const cve = cves[i]!;
    if (out.cves.length > 0 && out.cves[out.cves.length - 1] === cve) {
      dropped.push(lineOf[i]!);
      continue;
    }
    out.cves.push(cve);
    out.epss.push(part.epss[i]!);
    out.percentile.push(part.percentile[i]!);
  }
  part.cves = out.cves;
  part.epss = out.epss;
  part.percentile = out.percentile;
  return dropped.sort((a, b) => a - b);
}

/** FIRST publishes five decimals; more only makes the stored part bigger. */
function round5(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}
