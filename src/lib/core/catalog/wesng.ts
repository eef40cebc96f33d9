/**
 * The wesng definitions (bitsadmin/wesng `definitions.zip`) reduced to what Patchfield uses per KB: its release
 * day, the KBs it supersedes, the products it applies to and its title. The zip holds one CVEs_YYYYMMDD.csv of
 * about 136 MB; it is inflated and read in chunks, so no more than one chunk and one record are held as text.
 *
 * Columns of CVEs_*.csv: DatePosted (YYYYMMDD), CVE, BulletinKB, Title, AffectedProduct, AffectedComponent,
 * Severity, Impact, Supersedes (KBs, ';'-separated), Exploits.
 *
 * @see https://github.com/bitsadmin/wesng (definitions.zip and how it is built)
 */
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import type { ParseResult, Problem } from '../model';
import { cellAt, createCsvReader, type CsvHeader, type CsvRow } from '../parsers/csv';
import type { WesngKb, WesngPart } from './parts';
import type { WindowsBuildCatalog } from './windows-builds';

const CVES_ENTRY = /(?:^|\/)CVEs_(\d{4})(\d{2})(\d{2})\.csv$/i;
const CVES_NAME = /CVEs_(\d{4})(\d{2})(\d{2})\.csv/i;
const KB_DIGITS = /^(?:KB)?(\d{6,7})$/i;
/** KB numbers inside a Supersedes cell: "4010250", "3142037\n", "3118389<br><br>4022136", "KB5034441". */
const SUPERSEDED_KB = /(?<!\d)(?:KB)?(\d{6,7})(?!\d)/gi;
/** Lines listed per kind of skipped row. */
const MAX_LINES = 5;
/** Inflated bytes handed to the CSV reader at a time. */
const CHUNK_BYTES = 1 << 20;

interface KbFacts {
  dates: Map<string, number>;
  titles: Map<string, number>;
  supersedes: Set<string>;
  products: Set<string>;
}

/** Skipped rows of one kind: counted, with their first few lines. */
class SkippedRows {
  private readonly groups = new Map<string, { count: number; lines: number[] }>();

  add(kind: string, line: number): void {
    let group = this.groups.get(kind);
    if (!group) {
      group = { count: 0, lines: [] };
      this.groups.set(kind, group);
    }
    group.count += 1;
    if (group.lines.length < MAX_LINES) group.lines.push(line);
  }

  get(kind: string): { count: number; lines: number[] } | undefined {
    return this.groups.get(kind);
  }
}

/**
 * Builds the wesng part from definitions.zip (or from a CVEs_*.csv given as plain bytes). Never throws: a file
 * that is neither, or holds no usable row, gives `undefined` with an error that says what to choose instead.
 */
export async function buildWesngPart(
  zipBytes: Uint8Array,
  source: string
): Promise<ParseResult<WesngPart | undefined>> {
  const issues: Problem[] = [];
  const kbs = new Map<string, KbFacts>();
  const skipped = new SkippedRows();
  let noKbRows = 0;
  let headerChecked = false;
  let headerOk = false;
  let columns = { date: -1, kb: -1, title: -1, product: -1, supersedes: -1 };

  const reader = createCsvReader({ delimiter: ',' }, (row: CsvRow, header: CsvHeader) => {
    if (!headerChecked) {
      headerChecked = true;
      columns = {
        date: header.column('DatePosted'),
        kb: header.column('BulletinKB'),
        title: header.column('Title'),
        product: header.column('AffectedProduct'),
        supersedes: header.column('Supersedes')
      };
      headerOk = columns.date >= 0 && columns.kb >= 0;
    }
    if (!headerOk) return;
    readRow(row);
  });

  function readRow(row: CsvRow): void {
    const kbCell = cellAt(row, columns.kb).trim();
    if (kbCell === '') {
      noKbRows += 1;
      return;
    }
    const kbMatch = KB_DIGITS.exec(kbCell);
    if (!kbMatch) {
      // Linux package updates (CBL-Mariner), "Release Notes", "Click to Run": no Windows KB to date.
      if (/^(?:KB)?\d+$/i.test(kbCell)) skipped.add('bad-kb', row.line);
      else noKbRows += 1;
      return;
    }
    const date = isoDate(cellAt(row, columns.date).trim());
    if (!date) {
      skipped.add('bad-date', row.line);
      return;
    }
    const kb = `KB${kbMatch[1]}`;
    let facts = kbs.get(kb);
    if (!facts) {
      facts = { dates: new Map(), titles: new Map(), supersedes: new Set(), products: new Set() };
      kbs.set(kb, facts);
    }
    facts.dates.set(date, (facts.dates.get(date) ?? 0) + 1);
    const title = cellAt(row, columns.title).replace(/\s+/g, ' ').trim();
    if (title) facts.titles.set(title, (facts.titles.get(title) ?? 0) + 1);
    const product = cellAt(row, columns.product).replace(/\s+/g, ' ').trim();
    if (product) facts.products.add(product);
    for (const m of cellAt(row, columns.supersedes).matchAll(SUPERSEDED_KB)) {
      const old = `KB${m[1]}`;
      if (old !== kb) facts.supersedes.add(old);
    }
  }

  let entryName: string | undefined;
  if (isZip(zipBytes)) {
    const unzipped = inflateCvesEntry(zipBytes, (chunk) => reader.write(chunk));
    entryName = unzipped.entryName;
    if (unzipped.problem) {
      issues.push(unzipped.problem);
      if (!entryName || kbs.size === 0) return { value: undefined, issues };
    }
  } else {
    for (let offset = 0; offset < zipBytes.length; offset += CHUNK_BYTES) {
      reader.write(zipBytes.subarray(offset, offset + CHUNK_BYTES));
    }
  }
  reader.end();
  const fileName = entryName ?? (source.split(/[\\/]/).pop() || 'the wesng CSV');

  if (!reader.header || !headerOk) {
    const haveHeader = reader.header !== undefined;
    const columnsOk = haveHeader && reader.header.has('DatePosted') && reader.header.has('BulletinKB');
    if (!columnsOk) {
      issues.push({
        severity: 'error',
        code: 'wesng-wrong-file',
        message: haveHeader
          ? `${fileName} is not a wesng CVE list: the columns DatePosted and BulletinKB are missing. Choose definitions.zip from the wesng catalog folder.`
          : `${fileName} holds no CSV rows: it is empty or not a wesng file. Choose definitions.zip from the wesng catalog folder.`,
        line: 1
      });
      return { value: undefined, issues };
    }
  }
  for (const p of reader.issues) issues.push(p);

  const badKb = skipped.get('bad-kb');
  if (badKb) {
    issues.push({
      severity: 'warning',
      code: 'wesng-bad-kb',
      message: `${badKb.count} row${plural(badKb.count)} of ${fileName} name a BulletinKB that is not a KB number of 6 or 7 digits (first at line${plural(badKb.lines.length)} ${badKb.lines.join(', ')}); they were skipped. Nothing to do unless many rows are affected: then download definitions.zip again.`,
      line: badKb.lines[0],
      count: badKb.count,
      lines: badKb.lines
    });
  }
  const badDate = skipped.get('bad-date');
  if (badDate) {
    issues.push({
      severity: 'warning',
      code: 'wesng-bad-date',
      message: `${badDate.count} row${plural(badDate.count)} of ${fileName} have a DatePosted that is not a date written YYYYMMDD (first at line${plural(badDate.lines.length)} ${badDate.lines.join(', ')}); they were skipped. If many rows are affected, download definitions.zip again.`,
      line: badDate.lines[0],
      count: badDate.count,
      lines: badDate.lines
    });
  }
  if (noKbRows > 0) {
    issues.push({
      severity: 'info',
      code: 'wesng-rows-without-kb',
      message: `${noKbRows} row${plural(noKbRows)} of ${fileName} name no Windows KB (for example Linux package updates or release notes) and were not needed.`,
      count: noKbRows
    });
  }
  if (kbs.size === 0) {
    issues.push({
      severity: 'error',
      code: 'wesng-empty',
      message: `${fileName} has no row with a KB and a date, so it dates no update. Choose definitions.zip from the wesng catalog folder.`
    });
    return { value: undefined, issues };
  }

  const part = assemble(kbs, source, snapshotOf(entryName ?? source));
  return { value: part, issues };
}

/** Sets `wesngDate` on every build row whose KB wesng dates; nothing else changes. */
export function dateWindowsBuilds(builds: WindowsBuildCatalog, wesng: WesngPart): WindowsBuildCatalog {
  const dates = new Map<string, string>();
  for (const [kb, date] of wesng.kbs) dates.set(kb, date);
  return {
    ...builds,
    rows: builds.rows.map((row) => {
      const date = row.kb ? dates.get(row.kb) : undefined;
      return date ? { ...row, wesngDate: date } : row;
    })
  };
}

function assemble(kbs: Map<string, KbFacts>, source: string, snapshotDate: string | undefined): WesngPart {
  const productNames = [...new Set([...kbs.values()].flatMap((f) => [...f.products]))].sort();
  const productIndex = new Map(productNames.map((name, i) => [name, i]));
  const entries: WesngKb[] = [...kbs.entries()]
    .sort(([a], [b]) => Number(a.slice(2)) - Number(b.slice(2)))
    .map(([kb, facts]) => [
      kb,
      mostFrequent(facts.dates, (a, b) => (a < b ? a : b)),
      [...facts.supersedes].sort((a, b) => Number(a.slice(2)) - Number(b.slice(2))),
      [...facts.products].map((p) => productIndex.get(p) as number).sort((a, b) => a - b),
      facts.titles.size > 0 ? mostFrequent(facts.titles, (a) => a) : ''
    ]);
  return {
    part: 'wesng',
    source,
    ...(snapshotDate ? { snapshotDate } : {}),
    products: productNames,
    kbs: entries
  };
}

/** The value seen most often; on a tie, `tie` picks between the one kept so far and the challenger. */
function mostFrequent(
  counts: Map<string, number>,
  tie: (kept: string, challenger: string) => string
): string {
  let best = '';
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    } else if (count === bestCount) {
      best = tie(best, value);
    }
  }
  return best;
}

function isoDate(yyyymmdd: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  if (!m) return undefined;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function snapshotOf(name: string): string | undefined {
  const m = CVES_NAME.exec(name);
  return m ? isoDate(`${m[1]}${m[2]}${m[3]}`) : undefined;
}

function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/**
 * Inflates the CVEs_*.csv entry of the zip chunk by chunk (fflate's streaming Unzip), handing each chunk to
 * `onChunk` as it is inflated; the other entries are not inflated.
 */
function inflateCvesEntry(
  zipBytes: Uint8Array,
  onChunk: (chunk: Uint8Array) => void
): { entryName?: string; problem?: Problem } {
  let entryName: string | undefined;
  let failure: string | undefined;
  const unzip = new Unzip((file: UnzipFile) => {
    if (entryName || !CVES_ENTRY.test(file.name)) return;
    entryName = file.name.split('/').pop() ?? file.name;
    file.ondata = (err, data) => {
      if (err) {
        failure ??= err.message;
        return;
      }
      if (data.length > 0) onChunk(data);
    };
    try {
      file.start();
    } catch (e) {
      failure ??= e instanceof Error ? e.message : String(e);
    }
  });
  unzip.register(UnzipInflate);
  try {
    // Pushed in pieces, so fflate inflates and hands over the entry as it goes.
    for (let offset = 0; offset < zipBytes.length; offset += CHUNK_BYTES) {
      const end = Math.min(offset + CHUNK_BYTES, zipBytes.length);
      unzip.push(zipBytes.subarray(offset, end), end === zipBytes.length);
    }
  } catch (e) {
    failure ??= e instanceof Error ? e.message : String(e);
  }
  if (!entryName) {
    return {
      problem: {
        severity: 'error',
        code: 'wesng-no-cve-list',
        message:
          'This zip holds no CVEs_YYYYMMDD.csv, so it is not the wesng definitions.zip. Choose definitions.zip from the wesng catalog folder.',
        ...(failure ? { detail: failure } : {})
      }
    };
  }
  if (failure) {
    return {
      entryName,
      problem: {
        severity: 'error',
        code: 'wesng-zip-damaged',
        message: `definitions.zip is damaged: ${entryName} could not be unpacked to its end, so only the rows before the damage were read. Download definitions.zip again.`,
        detail: failure
      }
    };
  }
  return { entryName };
}
