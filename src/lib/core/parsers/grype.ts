/**
 * Reader for Grype JSON reports (`grype IMAGE|DIR|sbom:FILE -o json`).
 *
 * Both layouts are read: the old one (grype ≤ 0.3x: `vulnerability.cvssV2/cvssV3/fixedInVersion`, `matchDetails` an
 * object, `artifact.cpes` as objects) and the current one (`vulnerability.cvss[]`, `fix.versions/state`,
 * `relatedVulnerabilities`, EPSS, `matchDetails[]`). Whatever the order of the top-level keys (the 0.7 layout writes
 * `descriptor` last, after megabytes of matches), one report is one scan target and one HostObservation:
 *  - kind: source.type "image" → 'image'; "directory", "file", "sbom" → 'application' (a directory whose packages
 *    are OS packages, e.g. a root filesystem, is an 'image').
 *  - hostname: the image as the user named it (userInput, else the first tag), else the scanned path.
 *    hostIds: "image:<imageID>".
 *  - os: `distro` (name/version/idLike), e.g. debian 10 or busybox 1.32.1.
 *  - findings: one per match (a package × vulnerability); an empty `matches` array is a target with 0 findings.
 *  - software: the matched packages (Grype's JSON carries no full inventory; an info problem says so).
 *
 * Severity "Negligible" (Debian/Ubuntu's "unimportant") is read as info; "Unknown" takes the CVSS score's rating,
 * else info. fix.state "fixed" means a fixed version exists (still affected), "not-fixed" that none does: both are
 * 'affected'; "wont-fix" is 'will_not_fix'.
 *
 * @see https://github.com/anchore/grype/tree/main/grype/presenter/models (document, match, vulnerability)
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
  Software,
  StreamParser
} from '../model';
import {
  arr,
  collectParse,
  createJsonStreamParser,
  cveIds,
  cvss2BaseScore,
  cvss3BaseScore,
  cvssScore,
  cvssVectorVersion,
  ecosystemFromSyftType,
  isObject,
  newIssues,
  obj,
  OS_PACKAGE_TYPES,
  osFromDistro,
  parsePurl,
  partialInventoryProblem,
  pushUnique,
  qualifiedName,
  RuleBook,
  severityFromScore,
  severityFromText,
  SoftwareList,
  str,
  strings,
  unknownSeverityProblem,
  type JsonDocumentReader,
  type JsonKey,
  type JsonObject,
  type JsonOutcome,
  type JsonReadOptions
} from './sca-common';
import type { FormatHandler } from './handler';

const WHAT = 'Grype report';
const HOW_TO = 'Run the scan again with JSON output, e.g. grype IMAGE -o json --file report.json.';

export type GrypeSniff = 'grype-json' | 'grype-table';

/** Recognises Grype output from the start of a file (the descriptor may come last, so matches alone suffice). */
export function sniffGrype(text: string): GrypeSniff | undefined {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) {
    const matches = /"matches"\s*:\s*\[/.test(t);
    if (matches && /"descriptor"\s*:\s*\{\s*"name"\s*:\s*"grype"/.test(t)) return 'grype-json';
    if (matches && /"artifact"\s*:\s*\{/.test(t) && /"matchDetails"\s*:/.test(t)) return 'grype-json';
    if (/"matches"\s*:\s*\[\s*\]/.test(t) && /"source"\s*:\s*\{/.test(t) && /"distro"\s*:/.test(t))
      return 'grype-json';
    return undefined;
  }
  if (/^NAME\s+INSTALLED\s+FIXED[- ]IN\s+TYPE\s+VULNERABILITY\s+SEVERITY/m.test(t)) return 'grype-table';
  return undefined;
}

class GrypeReader implements JsonDocumentReader {
  readonly paths = ['$.matches.*', '$.source', '$.distro', '$.descriptor'];
  private readonly issues = newIssues();
  private readonly extra: Problem[] = [];
  private readonly rules = new RuleBook();
  private readonly findings: FindingInstance[] = [];
  private readonly software = new SoftwareList();
  private readonly top: JsonObject = {};
  private sawMatches = false;
  formatVersion: string | undefined;

  constructor(private readonly sink: ObservationSink) {}

  get problems(): Problem[] {
    return [...this.extra, ...this.issues.problems];
  }

  get position(): string {
    return `${this.findings.length} matches read`;
  }

  record(keys: readonly JsonKey[], value: unknown): void {
    if (keys[0] === 'matches' && keys.length === 2) {
      this.sawMatches = true;
      this.match(obj(value));
    } else if (keys.length === 1 && typeof keys[0] === 'string') {
      this.top[keys[0]] = value;
    }
  }

  private match(m: JsonObject): void {
    const v = obj(m.vulnerability);
    const a = obj(m.artifact);
    const ruleId = str(v.id);
    if (!ruleId) {
      this.issues.add({
        severity: 'warning',
        code: 'vulnerability-without-id',
        message: `A match for package "${str(a.name) ?? '?'}" has no vulnerability id and was skipped. ${HOW_TO}`
      });
      return;
    }
    const related = arr(m.relatedVulnerabilities).filter(isObject);
    const cvss = pickCvss(v, related);
    let severity = severityFromText(str(v.severity));
    if (!severity) {
      severity = severityFromScore(cvss.v3?.baseScore ?? cvss.v2?.baseScore);
      if (!severity) {
        this.issues.add(unknownSeverityProblem(ruleId));
        severity = 'info';
      }
    }
    const purlText = str(a.purl);
    const purl = parsePurl(purlText);
    // "log4j-core" with a Maven purl is written "org.apache.logging.log4j:log4j-core", as Trivy and OSV write it.
    const name = qualifiedName(str(a.name) ?? 'unknown package', purl);
    const version = str(a.version);
    const ecosystem = purl?.type ?? ecosystemFromSyftType(str(a.type));
    const pkg: NonNullable<FindingInstance['package']> = { name };
    if (version) pkg.version = version;
    if (ecosystem) pkg.ecosystem = ecosystem;
    if (purl && purlText) pkg.purl = purlText;
    const finding: FindingInstance = { ruleId, severity, package: pkg };
    const fix = obj(v.fix);
    const fixed = strings(fix.versions).join(', ') || str(v.fixedInVersion);
    if (fixed) finding.fixedVersion = fixed;
    const fixState = str(fix.state)?.toLowerCase();
    if (fixState === 'wont-fix') finding.state = 'will_not_fix';
    else if (fixState === 'fixed' || fixState === 'not-fixed' || fixed) finding.state = 'affected';
    const location = str(obj(arr(a.locations)[0]).path);
    finding.output = `Installed: ${name}${version ? ` ${version}` : ''} (${str(a.type) ?? 'package'})${location ? ` at ${location}` : ''}`;
    this.findings.push(finding);

    const software: Software = { name };
    if (version) software.version = version;
    if (ecosystem) software.ecosystem = ecosystem;
    if (pkg.purl) software.purl = pkg.purl;
    const arch = purl?.qualifiers.arch;
    if (arch) software.architecture = arch;
    const upstream = str(obj(arr(a.upstreams)[0]).name) ?? purl?.qualifiers.upstream?.split('@')[0];
    if (upstream && upstream !== name) software.sourcePackage = upstream;
    this.software.add(software);

    if (!this.rules.has(ruleId)) this.rules.add(buildRule(ruleId, v, related, severity, cvss));
  }

  finish(outcome: JsonOutcome): void {
    if (outcome.kind !== 'value') return;
    const top = this.top;
    const descriptor = obj(top.descriptor);
    if (outcome.root !== 'object' || (!this.sawMatches && !isObject(top.source) && !str(descriptor.name))) {
      this.extra.push({
        severity: 'error',
        code: 'not-grype',
        message:
          outcome.root === 'null'
            ? `The report is empty (null): there is no Grype scan in it. ${HOW_TO}`
            : `This JSON file is not a Grype report (it has no matches, source or descriptor). ${HOW_TO}`
      });
      return;
    }
    const tool = str(descriptor.name) ?? 'grype';
    const version = str(descriptor.version);
    this.formatVersion = version ? `${tool} ${version}` : undefined;
    this.rules.flush(this.sink);
    this.sink.host(this.buildHost());
    if (this.software.size > 0) {
      this.extra.push(
        partialInventoryProblem(
          'Grype',
          this.software.size,
          'For the full inventory, import an SBOM of the same target (syft IMAGE -o cyclonedx-json).'
        )
      );
    }
  }

  private buildHost(): HostObservation {
    const source = obj(this.top.source);
    const type = str(source.type)?.toLowerCase();
    const target = source.target;
    const t = obj(target);
    const hostname =
      str(t.userInput) ?? strings(t.tags)[0] ?? str(t.path) ?? str(target) ?? str(obj(t.metadata).path);
    const host: HostObservation = {
      key: hostname ?? str(t.imageID) ?? 'grype-report',
      ips: [],
      macs: [],
      installedUpdates: [],
      software: this.software.items,
      pendingUpdates: [],
      findings: this.findings
    };
    if (hostname) host.hostname = hostname;
    const hasOsPackages = this.software.items.some((s) => s.ecosystem && OS_PACKAGE_TYPES.has(s.ecosystem));
    host.kind = type === 'image' || hasOsPackages ? 'image' : 'application';
    const imageId = str(t.imageID);
    if (imageId) host.hostIds = [`image:${imageId}`];
    const distro = obj(this.top.distro);
    const idLike = strings(distro.idLike).flatMap((s) => s.split(/\s+/));
    const os = osFromDistro(str(distro.name), str(distro.version), {
      idLike,
      architecture: str(t.architecture)
    });
    if (os) host.os = os;
    const timestamp = str(obj(this.top.descriptor).timestamp);
    if (timestamp) host.scanStart = timestamp;
    return host;
  }
}

interface PickedCvss {
  v3?: { baseScore: number; vector?: string };
  v2?: { baseScore: number; vector?: string };
}

/** The primary (NVD) CVSS of the vulnerability, else of a related one (a GHSA match's CVE). */
function pickCvss(v: JsonObject, related: JsonObject[]): PickedCvss {
  const out: PickedCvss = {};
  for (const source of [v, ...related]) {
    // Old layout: cvssV3 / cvssV2 objects.
    for (const [field, version] of [
      ['cvssV3', 3],
      ['cvssV2', 2]
    ] as const) {
      const c = obj(source[field]);
      take(out, version, str(c.vector), cvssScore(c.baseScore));
    }
    // Current layout: cvss[] with version "3.1" / "2.0"; primary entries first.
    const list = arr(source.cvss)
      .filter(isObject)
      .sort((a, b) => (str(a.type) === 'Primary' ? 0 : 1) - (str(b.type) === 'Primary' ? 0 : 1));
    for (const c of list) {
      const vector = str(c.vector);
      const declared = str(c.version);
      const version = declared?.startsWith('2')
        ? 2
        : declared?.startsWith('3')
          ? 3
          : cvssVectorVersion(vector);
      if (version === 2 || version === 3) take(out, version, vector, cvssScore(obj(c.metrics).baseScore));
    }
    if (out.v3 && out.v2) break;
  }
  return out;
}

function take(out: PickedCvss, version: 2 | 3, vector: string | undefined, score: number | undefined): void {
  const key = version === 3 ? 'v3' : 'v2';
  if (out[key]) return;
  const s = score ?? (version === 3 ? cvss3BaseScore(vector) : cvss2BaseScore(vector));
  if (s === undefined) return;
  out[key] = vector ? { baseScore: s, vector } : { baseScore: s };
}

function buildRule(
  ruleId: string,
  v: JsonObject,
  related: JsonObject[],
  severity: Severity,
  cvss: PickedCvss
): ScannerRule {
  const relatedIds = related.map((r) => str(r.id)).filter((s): s is string => !!s && s !== ruleId);
  const references: string[] = [];
  pushUnique(references, str(v.dataSource), ...strings(v.urls), ...strings(v.links));
  for (const r of related) pushUnique(references, str(r.dataSource), ...strings(r.urls));
  for (const adv of arr(v.advisories)) pushUnique(references, str(obj(adv).link));
  const description = str(v.description) ?? related.map((r) => str(r.description)).find(Boolean);
  const rule: ScannerRule = {
    ruleId,
    scanner: 'grype',
    name: ruleId,
    severity,
    cves: cveIds([ruleId], relatedIds),
    kbs: [],
    xrefs: arr(v.advisories)
      .map((adv) => str(obj(adv).id))
      .filter((s): s is string => !!s),
    references
  };
  if (relatedIds.length) rule.aliases = relatedIds;
  const riskFactor = str(v.severity);
  if (riskFactor) rule.riskFactor = riskFactor;
  const namespace = str(v.namespace);
  if (namespace) rule.family = namespace;
  if (description) rule.description = description;
  if (cvss.v3) rule.cvss3 = cvss.v3;
  if (cvss.v2) rule.cvss2 = cvss.v2;
  // Grype lists CISA KEV entries under knownExploited: exploited in the wild implies an exploit exists.
  if (arr(v.knownExploited).length > 0) rule.exploitAvailable = true;
  return rule;
}

/** Streaming reader: write the file's bytes in chunks, then end. The host and rules go to the sink at the end. */
export function createGrypeParser(sink: ObservationSink, options?: JsonReadOptions): StreamParser {
  return createJsonStreamParser(new GrypeReader(sink), WHAT, HOW_TO, options);
}

/** Reads a whole Grype report. Never throws. */
export function parseGrype(bytes: Uint8Array, options?: JsonReadOptions): ParseResult<ParsedFile> {
  return collectParse('grype-json', (sink) => createGrypeParser(sink, options), bytes);
}

/** Grype JSON (old and current layouts); its table output is recognised to say what to export. */
export const grypeHandlers: FormatHandler[] = [
  {
    format: 'grype-json',
    family: 'sca',
    howTo: 'grype IMAGE -o json --file grype.json (or grype dir:PATH / sbom:FILE -o json).',
    sniff({ text, fileName }) {
      const kind = sniffGrype(text);
      if (kind === 'grype-json') return 95;
      if (kind === 'grype-table') {
        return {
          severity: 'error',
          code: 'grype-table',
          message: `${fileName} is Grype's table output, which Patchfield cannot read. ${HOW_TO}`
        };
      }
      return 0;
    },
    create: (sink) => createGrypeParser(sink)
  }
];
