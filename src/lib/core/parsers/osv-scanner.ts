/**
 * Reader for OSV-Scanner JSON reports (`osv-scanner scan --format json -r DIR`, v1 and v2).
 *
 * `results[]` holds one entry per source the scanner read (a lock file, an SBOM, a git checkout, a container image);
 * each source becomes one HostObservation of kind 'application' ('image' for a container image source), keyed and
 * named by its path as the report gives it (the technician knows the project by it). Under each source, `packages[]` lists the packages that have vulnerabilities, each with its full OSV records
 * (`vulnerabilities[]`) and `groups[]` (ids that are the same vulnerability, with their aliases).
 *
 * Counting: one finding per package × entry of its `vulnerabilities[]`, as the report lists them. A group such as
 * [GHSA-qc84-gqf4-9926, RUSTSEC-2022-0041] therefore gives two findings for the package: they are two advisory
 * records, and the report counts them as two. Groups are used for aliases and for the severity of a record that has
 * none of its own (the highest of its group).
 *
 * Severity, in order: the record's CVSS v3/v2 vector (scored here, as osv-scanner does), the advisory's own word
 * (`database_specific.severity`, e.g. GHSA "MODERATE"), the group's `max_severity`, the highest severity in its group;
 * else info. fixedVersion is the lowest "fixed" event above the installed version among the record's ranges for the
 * package (commit hashes left out).
 *
 * @see https://google.github.io/osv-scanner/output/#json
 * @see https://ossf.github.io/osv-schema/ (the OSV record)
 */
import type {
  FindingInstance,
  HostObservation,
  ObservationSink,
  ParsedFile,
  ParseResult,
  Problem,
  ScannerRule,
  Severity,
  StreamParser
} from '../model';
import {
  arr,
  collectParse,
  compareLooseVersions,
  createJsonStreamParser,
  cveIds,
  cvss2BaseScore,
  cvss3BaseScore,
  ecosystemFromOsv,
  higherSeverity,
  isCommitHash,
  isObject,
  isoDay,
  newIssues,
  num,
  obj,
  pushUnique,
  RuleBook,
  severityFromScore,
  severityFromText,
  SoftwareList,
  str,
  strings,
  unknownSeverityProblem,
  partialInventoryProblem,
  type JsonDocumentReader,
  type JsonKey,
  type JsonObject,
  type JsonOutcome,
  type JsonReadOptions
} from './sca-common';
import type { FormatHandler } from './handler';

const WHAT = 'OSV-Scanner report';
const HOW_TO =
  'Run the scan again with JSON output, e.g. osv-scanner scan --format json --output report.json -r .';

/** Recognises OSV-Scanner JSON from the start of a file. */
export function sniffOsvScanner(text: string): boolean {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (!t.startsWith('{') || !/"results"\s*:\s*\[/.test(t)) return false;
  if (/"results"\s*:\s*\[\s*\]/.test(t)) return /"experimental_config"\s*:/.test(t);
  return /"source"\s*:\s*\{\s*"path"\s*:/.test(t) && /"packages"\s*:\s*\[/.test(t);
}

interface SourceState {
  path?: string;
  type?: string;
  findings: FindingInstance[];
  software: SoftwareList;
}

class OsvReader implements JsonDocumentReader {
  readonly paths = ['$.results.*.source', '$.results.*.packages.*'];
  private readonly issues = newIssues();
  private readonly extra: Problem[] = [];
  private readonly rules = new RuleBook();
  private readonly sources = new Map<number, SourceState>();
  private findingCount = 0;
  formatVersion: string | undefined;

  constructor(private readonly sink: ObservationSink) {}

  get problems(): Problem[] {
    return [...this.extra, ...this.issues.problems];
  }

  get position(): string {
    return `${this.findingCount} vulnerabilities read`;
  }

  private source(index: number): SourceState {
    let s = this.sources.get(index);
    if (!s) {
      s = { findings: [], software: new SoftwareList() };
      this.sources.set(index, s);
    }
    return s;
  }

  record(keys: readonly JsonKey[], value: unknown): void {
    const [results, index, field] = keys;
    if (results !== 'results' || typeof index !== 'number') return;
    const s = this.source(index);
    if (field === 'source' && keys.length === 3) {
      const src = obj(value);
      s.path = str(src.path);
      s.type = str(src.type);
    } else if (field === 'packages' && keys.length === 4) {
      this.package(s, index, obj(value));
    }
  }

  private package(s: SourceState, index: number, p: JsonObject): void {
    const info = obj(p.package);
    const name = str(info.name);
    const version = str(info.version);
    const commit = str(info.commit);
    const ecosystemName = str(info.ecosystem);
    const ecosystem = ecosystemFromOsv(ecosystemName);
    if (name) {
      const sw: { name: string; version?: string; ecosystem?: string } = { name };
      if (version) sw.version = version;
      if (ecosystem) sw.ecosystem = ecosystem;
      s.software.add(sw);
    }

    const records = arr(p.vulnerabilities).filter(isObject);
    const groups = arr(p.groups).filter(isObject);
    // Each record's own severity first, so that records without one can take their group's.
    const own = new Map<string, Severity | undefined>();
    for (const v of records) {
      const id = str(v.id);
      if (id) own.set(id, recordSeverity(v, name));
    }
    for (const v of records) {
      const ruleId = str(v.id);
      if (!ruleId) {
        this.issues.add({
          severity: 'warning',
          code: 'vulnerability-without-id',
          message: `A vulnerability of package "${name ?? '?'}" (result ${index + 1}) has no id and was skipped. ${HOW_TO}`
        });
        continue;
      }
      const group = groups.find((g) => strings(g.ids).includes(ruleId));
      let severity = own.get(ruleId);
      if (!severity && group) {
        severity = severityFromScore(num(group.max_severity));
        for (const other of strings(group.ids)) severity = higherSeverity(severity, own.get(other));
      }
      if (!severity) {
        this.issues.add(unknownSeverityProblem(ruleId));
        severity = 'info';
      }
      const pkgName = name ?? lastSegment(s.path) ?? 'source';
      const pkg: NonNullable<FindingInstance['package']> = { name: pkgName };
      const pkgVersion = version ?? commit;
      if (pkgVersion) pkg.version = pkgVersion;
      if (ecosystem) pkg.ecosystem = ecosystem;
      const finding: FindingInstance = { ruleId, severity, package: pkg };
      const fixed = fixedVersion(v, name, version);
      if (fixed) finding.fixedVersion = fixed;
      finding.output =
        `Installed: ${name ?? (commit ? `commit ${commit}` : 'unnamed package')}` +
        `${version ? ` ${version}` : ''}${ecosystemName ? ` (${ecosystemName})` : ''}` +
        `${s.path ? ` in ${s.path}` : ''}`;
      s.findings.push(finding);
      this.findingCount++;
      if (!this.rules.has(ruleId)) this.rules.add(buildRule(ruleId, v, group, severity));
    }
  }

  finish(outcome: JsonOutcome): void {
    if (outcome.kind !== 'value') return;
    if (outcome.root !== 'object' || this.sources.size === 0) {
      if (outcome.root === 'object') {
        this.extra.push({
          severity: 'warning',
          code: 'no-results',
          message:
            'This OSV-Scanner report lists no sources: either the scan found no vulnerable packages or it found no ' +
            'lock files to read. It adds no assets. If packages were expected, check the scanned path and scan again.'
        });
        return;
      }
      this.extra.push({
        severity: 'error',
        code: 'not-osv-scanner',
        message:
          outcome.root === 'null'
            ? `The report is empty (null): there is no OSV-Scanner result in it. ${HOW_TO}`
            : `This JSON file is not an OSV-Scanner report (it has no results[] with source and packages). ${HOW_TO}`
      });
      return;
    }
    this.rules.flush(this.sink);
    // Sources with the same path (the same lock file listed twice) are one target.
    const hosts = new Map<string, HostObservation>();
    let software = 0;
    for (const [index, s] of [...this.sources.entries()].sort((a, b) => a[0] - b[0])) {
      const key = s.path ?? `result ${index + 1}`;
      let host = hosts.get(key);
      if (!host) {
        host = {
          key,
          hostname: key,
          kind: s.type === 'docker' || s.type === 'image' ? 'image' : 'application',
          ips: [],
          macs: [],
          installedUpdates: [],
          software: [],
          pendingUpdates: [],
          findings: []
        };
        hosts.set(key, host);
      }
      host.findings.push(...s.findings);
      for (const sw of s.software.items) {
        if (!host.software.some((x) => x.name === sw.name && x.version === sw.version))
          host.software.push(sw);
      }
    }
    for (const host of hosts.values()) {
      software += host.software.length;
      this.sink.host(host);
    }
    if (software > 0) {
      this.extra.push(
        partialInventoryProblem(
          'OSV-Scanner',
          software,
          'For the full list of dependencies, import an SBOM of the project (e.g. CycloneDX).'
        )
      );
    }
  }
}

function lastSegment(path: string | undefined): string | undefined {
  return path
    ?.split(/[\\/]+/)
    .filter(Boolean)
    .pop();
}

/** The record's own severity: its CVSS vector, else the advisory's word for it. */
function recordSeverity(v: JsonObject, packageName: string | undefined): Severity | undefined {
  const cvss = recordCvss(v);
  const fromScore = severityFromScore(cvss.v3?.baseScore ?? cvss.v2?.baseScore);
  if (fromScore) return fromScore;
  const words = [str(obj(v.database_specific).severity)];
  for (const a of arr(v.affected).filter(isObject)) {
    if (packageName && str(obj(a.package).name) !== packageName) continue;
    words.push(str(obj(a.ecosystem_specific).severity), str(obj(a.database_specific).severity));
  }
  for (const w of words) {
    const s = severityFromText(w);
    if (s) return s;
  }
  return undefined;
}

interface RecordCvss {
  v3?: { baseScore: number; vector: string };
  v2?: { baseScore: number; vector: string };
}

function recordCvss(v: JsonObject): RecordCvss {
  const out: RecordCvss = {};
  for (const s of arr(v.severity).filter(isObject)) {
    const type = str(s.type)?.toUpperCase();
    const vector = str(s.score);
    if (!vector) continue;
    if (type === 'CVSS_V3' && !out.v3) {
      const score = cvss3BaseScore(vector);
      if (score !== undefined) out.v3 = { baseScore: score, vector };
    } else if (type === 'CVSS_V2' && !out.v2) {
      const score = cvss2BaseScore(vector);
      if (score !== undefined) out.v2 = { baseScore: score, vector };
    }
  }
  return out;
}

/** The lowest fixed version above the installed one, among the record's ranges for this package. */
function fixedVersion(
  v: JsonObject,
  name: string | undefined,
  installed: string | undefined
): string | undefined {
  const candidates: string[] = [];
  for (const a of arr(v.affected).filter(isObject)) {
    const affectedName = str(obj(a.package).name);
    if (name && affectedName && affectedName.toLowerCase() !== name.toLowerCase()) continue;
    for (const range of arr(a.ranges).filter(isObject)) {
      if (str(range.type)?.toUpperCase() === 'GIT') continue;
      for (const event of arr(range.events)) {
        const fixed = str(obj(event).fixed);
        if (fixed && !isCommitHash(fixed)) pushUnique(candidates, fixed);
      }
    }
  }
  const above = installed ? candidates.filter((c) => compareLooseVersions(c, installed) > 0) : candidates;
  return above.sort(compareLooseVersions)[0];
}

function buildRule(
  ruleId: string,
  v: JsonObject,
  group: JsonObject | undefined,
  severity: Severity
): ScannerRule {
  const aliases: string[] = [];
  pushUnique(aliases, ...strings(v.aliases), ...strings(group?.aliases), ...strings(group?.ids));
  const otherIds = aliases.filter((a) => a !== ruleId);
  const references: string[] = [];
  pushUnique(references, ...arr(v.references).map((r) => str(obj(r).url)));
  const rule: ScannerRule = {
    ruleId,
    scanner: 'osv',
    name: str(v.summary) ?? ruleId,
    severity,
    cves: cveIds([ruleId], otherIds),
    kbs: [],
    xrefs: strings(obj(v.database_specific).cwe_ids),
    references
  };
  if (otherIds.length) rule.aliases = otherIds;
  const details = str(v.details);
  if (details) rule.description = details;
  const riskFactor = str(obj(v.database_specific).severity);
  if (riskFactor) rule.riskFactor = riskFactor;
  const cvss = recordCvss(v);
  if (cvss.v3) rule.cvss3 = cvss.v3;
  if (cvss.v2) rule.cvss2 = cvss.v2;
  const published = isoDay(v.published);
  if (published) rule.vulnPublishedOn = published;
  return rule;
}

/** Streaming reader: write the file's bytes in chunks, then end. Hosts and rules go to the sink at the end. */
export function createOsvScannerParser(sink: ObservationSink, options?: JsonReadOptions): StreamParser {
  return createJsonStreamParser(new OsvReader(sink), WHAT, HOW_TO, options);
}

/** Reads a whole OSV-Scanner report. Never throws. */
export function parseOsvScanner(bytes: Uint8Array, options?: JsonReadOptions): ParseResult<ParsedFile> {
  return collectParse('osv-scanner-json', (sink) => createOsvScannerParser(sink, options), bytes);
}

export const osvScannerHandlers: FormatHandler[] = [
  {
    format: 'osv-scanner-json',
    family: 'sca',
    howTo: 'osv-scanner scan --format json --output osv.json -r PROJECT_DIR',
    sniff: ({ text }) => (sniffOsvScanner(text) ? 90 : 0),
    create: (sink) => createOsvScannerParser(sink)
  }
];
