import { Gunzip, Unzip, UnzipInflate } from 'fflate';
import type { ParseResult, Problem } from '../model';
import type { OsvEntry, OsvPart } from './parts';

/**
 * OSV advisories for Linux distributions → the `osv` catalog part: one tuple per affected package range,
 * [ecosystem, package, advisoryId, introduced, fixed, cves, severity, published].
 *
 * Reads three kinds of input, each streamed so that a whole dump is never one string:
 * - a `.jsonl.gz` (or `.jsonl`) pack, one OSV record per line (the AlmaLinux pack in the catalog folder);
 * - the official per-ecosystem download `all.zip` (https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip),
 *   a zip of one OSV JSON record per file;
 * - single OSV `.json` records.
 * A pack or an all.zip is a complete dump: the distribution releases it names become the part's `ecosystems`
 * (covered). Single records add entries but never make a release covered.
 *
 * Kept: records of Linux-distribution ecosystems only, ECOSYSTEM ranges only, one entry per (introduced, fixed) pair.
 * Withdrawn records and bug-fix or enhancement errata that name no CVE (ALBA/ALEA, RLBA/RLEA, RHBA/RHEA, SUSE-RU/FU/OU)
 * are left out: they fix no vulnerability.
 *
 * Two derivations from what the records say:
 * - SUSE and openSUSE records are keyed by source RPM and list their binary RPMs in `ecosystem_specific.binaries`; an
 *   `rpm -qa` list names binaries only, so one entry is written per binary (the source name when none is listed).
 * - AlmaLinux and Rocky module-stream errata ("Important: nginx:1.24 security update") list the stream's packages with
 *   introduced "0". The same package exists in other streams and in the base repository (nginx 1.20 in AppStream,
 *   1.24 and 1.26 as modules), where "older than 1.24.0-7" would flag every other stream. When the fixed release is a
 *   module build and the fixed version starts with the stream (nginx 1.24.0 in stream 1.24), introduced becomes the
 *   stream's first version ("1:1.24"), which is what the advisory means: the stream's builds before the fix.
 *
 * @see https://ossf.github.io/osv-schema/ (the record format; ../shared/catalog/osv/SOURCE.md)
 */

/** OSV ecosystems of Linux distributions (osv-schema ecosystems.json), before the ":release" suffix. */
export const LINUX_OSV_ECOSYSTEMS: ReadonlySet<string> = new Set([
  'AlmaLinux',
  'Alpaquita',
  'Alpine',
  'Azure Linux',
  'BellSoft Hardened Containers',
  'Chainguard',
  'Debian',
  'Echo',
  'Mageia',
  'MinimOS',
  'openEuler',
  'openSUSE',
  'Photon OS',
  'Red Hat',
  'Rocky Linux',
  'SUSE',
  'TuxCare',
  'Ubuntu',
  'Wolfi'
]);

/** "Debian:12" → "Debian"; "Red Hat:enterprise_linux:9::baseos" → "Red Hat". */
export function osvEcosystemBase(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}

export function isLinuxOsvEcosystem(ecosystem: string): boolean {
  return LINUX_OSV_ECOSYSTEMS.has(osvEcosystemBase(ecosystem));
}

const CVE = /^CVE-\d{4}-\d{4,}$/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}/;
/** Errata that are bug fixes or enhancements, not security advisories. */
const NON_SECURITY_ID = /^(?:AL|RL|RH)[BE]A-|^(?:SUSE|openSUSE)-(?:RU|FU|OU)-/;
/** Severity words advisories use (Red Hat family, SUSE, Ubuntu priorities, Debian urgencies). */
const SEVERITY_WORD = /^(?:critical|important|high|moderate|medium|low|negligible|unimportant|none)$/i;
/** "Important: kernel security update", or "ALSA-2022:5468: php:8.0 security update (Important)". */
const SUMMARY_SEVERITY = /^(Critical|Important|Moderate|Low):\s|\((Critical|Important|Moderate|Low)\)\s*$/;
/** "nginx:1.24 security update" in an errata summary: the module name and stream. */
const SUMMARY_MODULE = /(?:^|:\s|\s)([A-Za-z0-9_.+-]+):([0-9][A-Za-z0-9_.+-]*)\s+security\b/;
/** A module build's release: ".module+el8.6.0+…" (Red Hat, Rocky) or ".module_el9.8.0+…" (AlmaLinux). */
export const MODULE_RELEASE = /\.module[+_]el\d/;

/** What the builder counts while it reads, for the grouped problems at the end. */
interface Tally {
  records: number;
  otherEcosystems: Map<string, number>;
  withdrawn: number;
  nonSecurity: number;
  noRanges: number;
  /** Ids of records that name no affected package. */
  noAffected: string[];
  lastAffected: number;
  bad: { where: string; why: string }[];
  badCount: number;
}

interface Collector {
  entries: OsvEntry[];
  seen: Set<string>;
  /** Distribution releases seen in complete dumps. */
  covered: Set<string>;
  latest: string;
  tally: Tally;
  /** Single .json files that are not OSV records. */
  notRecords: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function severityWord(v: unknown): string {
  const s = str(v).trim();
  return SEVERITY_WORD.test(s) ? s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() : '';
}

/** The advisory's own severity word: ecosystem_specific / database_specific, an Ubuntu priority, the summary. */
function recordSeverity(record: Json, affected: Json): string {
  for (const holder of [affected.ecosystem_specific, affected.database_specific, record.database_specific]) {
    if (!isObject(holder)) continue;
    const word = severityWord(holder.severity) || severityWord(holder.urgency);
    if (word) return word;
  }
  const severities = Array.isArray(record.severity) ? record.severity : [];
  for (const s of severities) {
    if (isObject(s) && s.type === 'Ubuntu') {
      const word = severityWord(s.score);
      if (word) return word;
    }
  }
  const m = SUMMARY_SEVERITY.exec(str(record.summary));
  return m ? (m[1] ?? m[2] ?? '') : '';
}

function recordCves(record: Json): string[] {
  const all = [
    str(record.id),
    ...strings(record.aliases),
    ...strings(record.upstream),
    ...strings(record.related)
  ];
  return [...new Set(all.filter((id) => CVE.test(id)))].sort();
}

/** SUSE/openSUSE `ecosystem_specific.binaries`: [{ "kernel-default": "5.14…" }, …] or ["kernel-default", …]. */
function suseBinaries(affected: Json): string[] {
  const es = affected.ecosystem_specific;
  if (!isObject(es) || !Array.isArray(es.binaries)) return [];
  const names: string[] = [];
  for (const b of es.binaries) {
    if (typeof b === 'string') names.push(b);
    else if (isObject(b)) names.push(...Object.keys(b));
  }
  return [...new Set(names)];
}

/** "1:1.24.0-7.module_el9…" with stream "1.24" → "1:1.24"; undefined when the fix is not that stream's build. */
function streamStart(fixed: string, stream: string): string | undefined {
  const colon = /^\d+:/.exec(fixed);
  const epoch = colon ? colon[0] : '';
  const rest = fixed.slice(epoch.length);
  const dash = rest.lastIndexOf('-');
  if (dash < 0 || !MODULE_RELEASE.test(rest.slice(dash))) return undefined;
  const version = rest.slice(0, dash);
  if (version !== stream && !version.startsWith(`${stream}.`)) return undefined;
  return `${epoch}${stream}`;
}

/** Reads one record into the collector. Returns a reason when the record cannot be used at all. */
function addRecord(c: Collector, record: unknown, complete: boolean): string | undefined {
  if (!isObject(record)) return 'it is not a JSON object';
  const id = str(record.id);
  if (!id) return 'it has no "id"';
  const affectedList = record.affected;
  if (affectedList !== undefined && !Array.isArray(affectedList)) return '"affected" is not a list';
  c.tally.records += 1;
  const affected = (affectedList ?? []).filter(isObject);
  const linux = affected.filter((a) => isObject(a.package) && isLinuxOsvEcosystem(str(a.package.ecosystem)));
  if (affected.length === 0) {
    c.tally.noAffected.push(id);
    return undefined;
  }
  if (linux.length === 0) {
    const first = affected.find((a) => isObject(a.package));
    const eco = first && isObject(first.package) ? osvEcosystemBase(str(first.package.ecosystem)) : '';
    const key = eco || '(none)';
    c.tally.otherEcosystems.set(key, (c.tally.otherEcosystems.get(key) ?? 0) + 1);
    return undefined;
  }
  if (complete) {
    for (const a of linux) if (isObject(a.package)) c.covered.add(str(a.package.ecosystem));
  }
  if (str(record.withdrawn)) {
    c.tally.withdrawn += 1;
    return undefined;
  }
  const cves = recordCves(record);
  if (cves.length === 0 && NON_SECURITY_ID.test(id)) {
    c.tally.nonSecurity += 1;
    return undefined;
  }
  const publishedAt = str(record.published) || str(record.modified);
  const published = ISO_DAY.test(publishedAt) ? publishedAt.slice(0, 10) : '';
  if (published > c.latest) c.latest = published;
  const module = SUMMARY_MODULE.exec(str(record.summary));

  let added = 0;
  for (const a of linux) {
    const pkg = a.package as Json;
    const ecosystem = str(pkg.ecosystem);
    const name = str(pkg.name);
    if (!ecosystem.includes(':') || !name) continue;
    const base = osvEcosystemBase(ecosystem);
    const binaries = base === 'SUSE' || base === 'openSUSE' ? suseBinaries(a) : [];
    const names = binaries.length > 0 ? binaries : [name];
    const severity = recordSeverity(record, a);
    const ranges = Array.isArray(a.ranges) ? a.ranges.filter(isObject) : [];
    for (const range of ranges) {
      if (range.type !== 'ECOSYSTEM') continue;
      const events = Array.isArray(range.events) ? range.events.filter(isObject) : [];
      let introduced: string | undefined;
      const pairs: [string, string][] = [];
      for (const e of events) {
        if (typeof e.introduced === 'string') {
          if (introduced !== undefined) pairs.push([introduced, '']);
          introduced = e.introduced;
        } else if (typeof e.fixed === 'string') {
          pairs.push([introduced ?? '0', e.fixed]);
          introduced = undefined;
        } else if (typeof e.last_affected === 'string') {
          // "Affected up to and including X" has no place in an (introduced, fixed) pair: left out, counted.
          c.tally.lastAffected += 1;
          introduced = undefined;
        }
      }
      if (introduced !== undefined) pairs.push([introduced, '']);
      for (const [from, fixed] of pairs) {
        let intro = from;
        if (intro === '0' && fixed && module && (base === 'AlmaLinux' || base === 'Rocky Linux')) {
          const [, moduleName = '', stream = ''] = module;
          if (name.startsWith(moduleName)) intro = streamStart(fixed, stream) ?? intro;
        }
        for (const n of names) {
          const entry: OsvEntry = [ecosystem, n, id, intro, fixed, cves, severity, published];
          const key = `${ecosystem}\u0000${n}\u0000${id}\u0000${intro}\u0000${fixed}`;
          if (c.seen.has(key)) continue;
          c.seen.add(key);
          c.entries.push(entry);
          added += 1;
        }
      }
    }
  }
  if (added === 0) c.tally.noRanges += 1;
  return undefined;
}

function noteBad(c: Collector, where: string, why: string): void {
  c.tally.badCount += 1;
  if (c.tally.bad.length < 5) c.tally.bad.push({ where, why });
}

function parseAndAdd(c: Collector, text: string, where: string, complete: boolean): void {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (e) {
    noteBad(c, where, `it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const why = addRecord(c, record, complete);
  if (why) noteBad(c, where, why);
}

/**
 * One .json file: an OSV record, or another JSON file that sits beside records (a CSAF document, a converter's
 * intermediate list), which is skipped and named rather than reported as a broken record.
 */
function readSingle(c: Collector, name: string, bytes: Uint8Array): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (e) {
    noteBad(c, name, `it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  if (!isObject(parsed) || (typeof parsed.id !== 'string' && !('affected' in parsed))) {
    c.notRecords.push(name);
    return;
  }
  const why = addRecord(c, parsed, false);
  if (why) noteBad(c, name, why);
}

const SLICE = 64 * 1024;

/** A .jsonl or .jsonl.gz pack, inflated and split into lines piece by piece. */
function readPack(c: Collector, name: string, bytes: Uint8Array, gzipped: boolean): Problem | undefined {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let line = 0;
  const take = (text: string, final: boolean): void => {
    rest += text;
    let nl = rest.indexOf('\n');
    let start = 0;
    while (nl >= 0) {
      line += 1;
      const l = rest.slice(start, nl).trim();
      if (l) parseAndAdd(c, l, `${name} line ${line}`, true);
      start = nl + 1;
      nl = rest.indexOf('\n', start);
    }
    rest = rest.slice(start);
    if (final && rest.trim()) {
      line += 1;
      parseAndAdd(c, rest.trim(), `${name} line ${line}`, true);
      rest = '';
    }
  };
  try {
    if (gzipped) {
      const gunzip = new Gunzip((chunk, final) => {
        take(decoder.decode(chunk, { stream: !final }), final);
      });
      for (let i = 0; i < bytes.length; i += SLICE) {
        gunzip.push(bytes.subarray(i, i + SLICE), i + SLICE >= bytes.length);
      }
      if (bytes.length === 0) gunzip.push(new Uint8Array(0), true);
    } else {
      for (let i = 0; i < bytes.length; i += SLICE) {
        const final = i + SLICE >= bytes.length;
        take(decoder.decode(bytes.subarray(i, i + SLICE), { stream: !final }), final);
      }
    }
  } catch (e) {
    return {
      severity: 'error',
      code: 'osv-pack-damaged',
      message: `${name} could not be read to the end (${e instanceof Error ? e.message : String(e)}): the download may be cut short. Download the file again and import it.`,
      ...(line > 0 ? { line } : {})
    };
  }
  return undefined;
}

/** The official all.zip: inflated one member at a time. */
function readAllZip(c: Collector, name: string, bytes: Uint8Array): Problem | undefined {
  let members = 0;
  try {
    const unzip = new Unzip((file) => {
      if (!file.name.toLowerCase().endsWith('.json')) return;
      members += 1;
      const parts: Uint8Array[] = [];
      let size = 0;
      file.ondata = (err, data, final) => {
        if (err) {
          noteBad(c, `${name}: ${file.name}`, `it could not be inflated (${err.message})`);
          return;
        }
        parts.push(data);
        size += data.length;
        if (!final) return;
        const whole = new Uint8Array(size);
        let at = 0;
        for (const p of parts) {
          whole.set(p, at);
          at += p.length;
        }
        parseAndAdd(c, new TextDecoder('utf-8').decode(whole), `${name}: ${file.name}`, true);
      };
      file.start();
    });
    unzip.register(UnzipInflate);
    for (let i = 0; i < bytes.length; i += SLICE) {
      unzip.push(bytes.subarray(i, i + SLICE), i + SLICE >= bytes.length);
    }
  } catch (e) {
    return {
      severity: 'error',
      code: 'osv-zip-damaged',
      message: `${name} is not a readable zip (${e instanceof Error ? e.message : String(e)}): download all.zip again from https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip and import it.`
    };
  }
  if (members === 0) {
    return {
      severity: 'error',
      code: 'osv-zip-empty',
      message: `${name} holds no OSV .json record. Import the all.zip of a Linux distribution from https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip (e.g. Debian/all.zip).`
    };
  }
  return undefined;
}

const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;
const isZip = (b: Uint8Array): boolean => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/**
 * Builds the `osv` part from OSV packs, all.zip downloads and single records. Never throws: unreadable inputs and
 * records are skipped with problems that say which file (and line or zip member) and what to do. The part is
 * undefined when nothing usable was read.
 */
export async function buildOsvPart(
  inputs: { name: string; bytes: Uint8Array }[],
  source: string
): Promise<ParseResult<OsvPart | undefined>> {
  await Promise.resolve();
  const issues: Problem[] = [];
  const c: Collector = {
    entries: [],
    seen: new Set(),
    covered: new Set(),
    latest: '',
    notRecords: [],
    tally: {
      records: 0,
      otherEcosystems: new Map(),
      withdrawn: 0,
      nonSecurity: 0,
      noRanges: 0,
      noAffected: [],
      lastAffected: 0,
      bad: [],
      badCount: 0
    }
  };

  for (const input of inputs) {
    const { name, bytes } = input;
    const lower = name.toLowerCase();
    let problem: Problem | undefined;
    if (isZip(bytes)) {
      problem = readAllZip(c, name, bytes);
    } else if (isGzip(bytes)) {
      problem = readPack(c, name, bytes, true);
    } else if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) {
      problem = readPack(c, name, bytes, false);
    } else if (lower.endsWith('.json') || bytes[0] === 0x7b) {
      readSingle(c, name, bytes);
    } else {
      problem = {
        severity: 'error',
        code: 'osv-not-recognised',
        message: `${name} is not an OSV file Patchfield reads. Import a distribution's all.zip from https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip, a .jsonl.gz pack of OSV records, or single OSV .json records.`
      };
    }
    if (problem) issues.push(problem);
  }

  const t = c.tally;
  if (t.badCount > 0) {
    const examples = t.bad.map((b) => `${b.where}: ${b.why}`).join('; ');
    issues.push({
      severity: 'warning',
      code: 'osv-record-unreadable',
      message: `${plural(t.badCount, 'OSV record was', 'OSV records were')} skipped because they could not be read (${examples}${t.badCount > t.bad.length ? '; …' : ''}). The other records were used; if many are skipped, download the file again.`,
      count: t.badCount
    });
  }
  if (c.notRecords.length > 0) {
    const n = c.notRecords.length;
    issues.push({
      severity: 'info',
      code: 'osv-not-a-record',
      message: `${plural(n, 'JSON file is', 'JSON files are')} not OSV records and ${n === 1 ? 'was' : 'were'} skipped (${c.notRecords.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}).`,
      count: n
    });
  }
  if (t.otherEcosystems.size > 0) {
    const n = [...t.otherEcosystems.values()].reduce((a, b) => a + b, 0);
    const names = [...t.otherEcosystems.keys()].sort().slice(0, 6).join(', ');
    issues.push({
      severity: 'info',
      code: 'osv-other-ecosystems',
      message: `${plural(n, 'record is', 'records are')} for ecosystems that are not Linux distributions (${names}${t.otherEcosystems.size > 6 ? ', …' : ''}) and ${n === 1 ? 'was' : 'were'} left out: this part is for distribution packages.`,
      count: n
    });
  }
  if (t.noAffected.length > 0) {
    const n = t.noAffected.length;
    issues.push({
      severity: 'info',
      code: 'osv-no-affected',
      message: `${plural(n, 'record names', 'records name')} no affected package (${t.noAffected.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}) and ${n === 1 ? 'gives' : 'give'} nothing to compare.`,
      count: n
    });
  }
  if (t.nonSecurity > 0) {
    issues.push({
      severity: 'info',
      code: 'osv-non-security',
      message: `${plural(t.nonSecurity, 'bug-fix or enhancement advisory', 'bug-fix or enhancement advisories')} naming no CVE (such as ALBA and ALEA errata) ${t.nonSecurity === 1 ? 'was' : 'were'} left out: ${t.nonSecurity === 1 ? 'it fixes' : 'they fix'} no vulnerability.`,
      count: t.nonSecurity
    });
  }
  if (t.withdrawn > 0) {
    issues.push({
      severity: 'info',
      code: 'osv-withdrawn',
      message: `${plural(t.withdrawn, 'withdrawn advisory was', 'withdrawn advisories were')} left out.`,
      count: t.withdrawn
    });
  }
  if (t.lastAffected > 0) {
    issues.push({
      severity: 'info',
      code: 'osv-last-affected',
      message: `${plural(t.lastAffected, 'range', 'ranges')} give only the last affected version and no fixed version; Patchfield compares against fixed versions, so ${t.lastAffected === 1 ? 'it was' : 'they were'} left out.`,
      count: t.lastAffected
    });
  }

  if (c.entries.length === 0) {
    if (!issues.some((i) => i.severity === 'error')) {
      issues.push({
        severity: 'error',
        code: 'osv-no-entries',
        message: `No Linux distribution advisory with a package range was found in ${source || 'the files'}. Import a distribution's all.zip from https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip (Debian, Ubuntu, AlmaLinux, Rocky Linux, …) or the AlmaLinux pack from the catalog folder.`
      });
    }
    return { value: undefined, issues };
  }

  c.entries.sort((a, b) =>
    a[0] !== b[0]
      ? a[0] < b[0]
        ? -1
        : 1
      : a[1] !== b[1]
        ? a[1] < b[1]
          ? -1
          : 1
        : a[2] < b[2]
          ? -1
          : a[2] > b[2]
            ? 1
            : 0
  );
  const part: OsvPart = {
    part: 'osv',
    source,
    ...(c.latest ? { snapshotDate: c.latest } : {}),
    ecosystems: [...c.covered].sort(),
    entries: c.entries
  };
  return { value: part, issues };
}
