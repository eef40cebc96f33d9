/**
 * Reader for Trivy JSON reports (`trivy image|vm|fs|rootfs|repo -f json`).
 *
 * Two layouts exist: the current one (SchemaVersion 2: an object with ArtifactName, Metadata and Results[]) and the
 * legacy one written before Trivy 0.20 (a bare array of results). Old versions wrote `null` when they found nothing to
 * scan. Each report describes one artifact, which becomes one HostObservation:
 *  - kind: a container image, a VM image (`trivy vm`) and a root filesystem are 'image'; a repository or a directory
 *    of lock files is 'application'. A VM-disk scan is an image too: a disk file or snapshot does not say which
 *    machines run it, and it carries no host name or address that could join it to a scanned machine.
 *  - hostname: the image reference (RepoTags, Reference), else ArtifactName, else the first Target without its
 *    "(os version)" suffix. hostIds: "image:<ImageID>", which Grype, CycloneDX and SPDX reports of the same image
 *    share.
 *  - os: Metadata.OS (or, in the legacy layout, the "(debian 10.8)" suffix of the OS packages' Target).
 *  - findings: one per entry of Results[].Vulnerabilities (a package × vulnerability match), all severities kept.
 *  - software: Results[].Packages when Trivy ran with --list-all-pkgs; otherwise the packages named by the
 *    vulnerabilities (an info problem says the list is partial).
 *
 * Trivy's Status maps onto the model's state, except "fixed": for Trivy it means "a fixed version exists" while the
 * package is still vulnerable, which is a gap, so it becomes 'affected' with fixedVersion set (the model's 'fixed'
 * means remediated, as in VEX).
 *
 * @see https://trivy.dev/latest/docs/configuration/reporting/#json
 * @see https://github.com/aquasecurity/trivy/blob/main/pkg/types/report.go (field names)
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
  collectParse,
  createJsonStreamParser,
  cveIds,
  cvss2BaseScore,
  cvss3BaseScore,
  cvssScore,
  ecosystemFromTrivyType,
  isoDay,
  newIssues,
  num,
  obj,
  osFromDistro,
  parsePurl,
  partialInventoryProblem,
  pushUnique,
  qualifiedName,
  RuleBook,
  severityFromScore,
  severityFromText,
  SoftwareList,
  splitTrivyTarget,
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

const WHAT = 'Trivy report';
const HOW_TO = 'Run the scan again with JSON output, e.g. trivy image -f json -o report.json IMAGE.';

export type TrivySniff = 'trivy-json' | 'trivy-legacy' | 'trivy-null' | 'trivy-table' | 'trivy-sarif';

/** Recognises Trivy output from the start of a file. */
export function sniffTrivy(text: string): TrivySniff | undefined {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (/^null\s*$/.test(t)) return 'trivy-null';
  if (t.startsWith('{')) {
    if (/"SchemaVersion"\s*:/.test(t) && /"(?:ArtifactName|ArtifactType|Results)"\s*:/.test(t))
      return 'trivy-json';
    if (/"\$schema"\s*:\s*"[^"]*sarif/i.test(t) && /"name"\s*:\s*"Trivy"/.test(t)) return 'trivy-sarif';
    return undefined;
  }
  if (/^\[\s*\{\s*"Target"\s*:/.test(t)) return 'trivy-legacy';
  if (/^Total: \d+ \((?:UNKNOWN|LOW|MEDIUM|HIGH|CRITICAL): \d+/m.test(t)) return 'trivy-table';
  return undefined;
}

/** Trivy statuses: https://trivy.dev/latest/docs/scanner/vulnerability/#status */
const STATE_BY_STATUS: Record<string, FindingInstance['state']> = {
  affected: 'affected',
  fixed: 'affected',
  will_not_fix: 'will_not_fix',
  fix_deferred: 'fix_deferred',
  end_of_life: 'end_of_life',
  under_investigation: 'under_investigation',
  not_affected: 'not_affected',
  unknown: 'unknown'
};

const IMAGE_ARTIFACTS = new Set(['container_image', 'vm', 'rootfs']);
const APPLICATION_ARTIFACTS = new Set(['filesystem', 'repository', 'cyclonedx', 'spdx']);

interface ResultState {
  target?: string;
  resultClass?: string;
  type?: string;
  vulnerabilities: number;
  /** Findings whose ecosystem waits for the result's Type. */
  findings: FindingInstance[];
  packages: Software[];
  /** Packages named by vulnerabilities (used when the result has no package list). */
  vulnerable: Software[];
}

class TrivyReader implements JsonDocumentReader {
  readonly paths = [
    '$.SchemaVersion',
    '$.ArtifactName',
    '$.ArtifactType',
    '$.CreatedAt',
    '$.Metadata',
    '$.Results.*.Target',
    '$.Results.*.Class',
    '$.Results.*.Type',
    '$.Results.*.Vulnerabilities.*',
    '$.Results.*.Packages.*',
    '$.Results.*.Misconfigurations.*',
    '$.Results.*.Secrets.*',
    // Legacy layout (before SchemaVersion 2): the root is the array of results.
    '$.*.Target',
    '$.*.Type',
    '$.*.Class',
    '$.*.Vulnerabilities.*',
    '$.*.Packages.*'
  ];
  private readonly issues = newIssues();
  private readonly extra: Problem[] = [];
  private readonly rules = new RuleBook();
  private readonly top: JsonObject = {};
  private readonly results = new Map<number, ResultState>();
  private legacy = false;
  private findingCount = 0;
  private misconfigurations = 0;
  private secrets = 0;
  formatVersion: string | undefined;

  constructor(private readonly sink: ObservationSink) {}

  get problems(): Problem[] {
    return [...this.extra, ...this.issues.problems];
  }

  get position(): string {
    return `${this.findingCount} vulnerabilities read`;
  }

  record(keys: readonly JsonKey[], value: unknown): void {
    const [first, index, field] = keys;
    if (typeof first === 'number') {
      this.legacy = true;
      this.resultField(first, index, value, keys.length - 1);
      return;
    }
    if (first === 'Results' && typeof index === 'number') {
      this.resultField(index, field, value, keys.length - 2);
      return;
    }
    // Values nested inside a selected record (e.g. a "Type" inside Metadata) are reported by the streaming parser
    // as records of their own; only top-level fields are wanted here.
    if (keys.length === 1 && typeof first === 'string') this.top[first] = value;
  }

  /** `depth` is how many keys lie below the result (1 for a field, 2 for a list entry). */
  private resultField(index: number, field: JsonKey | undefined, value: unknown, depth: number): void {
    const r = this.result(index);
    if (depth === 1) {
      if (field === 'Target') r.target = str(value);
      else if (field === 'Class') r.resultClass = str(value);
      else if (field === 'Type') r.type = str(value);
      return;
    }
    if (depth !== 2) return;
    if (field === 'Vulnerabilities') this.vulnerability(r, obj(value));
    else if (field === 'Packages') this.package(r, obj(value));
    else if (field === 'Misconfigurations') this.misconfigurations++;
    else if (field === 'Secrets') this.secrets++;
  }

  private result(index: number): ResultState {
    let r = this.results.get(index);
    if (!r) {
      r = { vulnerabilities: 0, findings: [], packages: [], vulnerable: [] };
      this.results.set(index, r);
    }
    return r;
  }

  private vulnerability(r: ResultState, v: JsonObject): void {
    const ruleId = str(v.VulnerabilityID);
    if (!ruleId) {
      this.issues.add({
        severity: 'warning',
        code: 'vulnerability-without-id',
        message: `A vulnerability entry of package "${str(v.PkgName) ?? '?'}" has no VulnerabilityID and was skipped. ${HOW_TO}`
      });
      return;
    }
    r.vulnerabilities++;
    this.findingCount++;
    const cvss = pickCvss(v);
    let severity = severityFromText(str(v.Severity));
    if (!severity) {
      severity = severityFromScore(cvss.v3?.baseScore ?? cvss.v2?.baseScore);
      if (!severity) {
        this.issues.add(unknownSeverityProblem(ruleId));
        severity = 'info';
      }
    }
    const name = str(v.PkgName) ?? str(obj(v.PkgIdentifier).PURL) ?? 'unknown package';
    const purlText = str(obj(v.PkgIdentifier).PURL);
    const purl = parsePurl(purlText);
    const version = str(v.InstalledVersion);
    const finding: FindingInstance = { ruleId, severity };
    const pkg: NonNullable<FindingInstance['package']> = { name: qualifiedName(name, purl) };
    if (version) pkg.version = version;
    if (purl) pkg.ecosystem = purl.type;
    if (purlText && purl) pkg.purl = purlText;
    finding.package = pkg;
    const fixed = str(v.FixedVersion);
    if (fixed) finding.fixedVersion = fixed;
    const status = str(v.Status)?.toLowerCase();
    const state = status ? STATE_BY_STATUS[status] : undefined;
    if (state) finding.state = state;
    const path = str(v.PkgPath);
    finding.output = `Installed: ${name}${version ? ` ${version}` : ''}${path ? ` (${path})` : ''}`;
    r.findings.push(finding);

    const software: Software = { name: pkg.name };
    if (version) software.version = version;
    if (pkg.ecosystem) software.ecosystem = pkg.ecosystem;
    if (pkg.purl) software.purl = pkg.purl;
    const arch = purl?.qualifiers.arch;
    if (arch) software.architecture = arch;
    r.vulnerable.push(software);

    if (!this.rules.has(ruleId)) this.rules.add(buildRule(ruleId, v, severity, cvss));
  }

  private package(r: ResultState, p: JsonObject): void {
    const name = str(p.Name);
    if (!name) return;
    const purlText = str(obj(p.Identifier).PURL);
    const purl = parsePurl(purlText);
    const software: Software = { name: qualifiedName(name, purl) };
    const version = packageVersion(p);
    if (version) software.version = version;
    if (purl) {
      software.ecosystem = purl.type;
      if (purlText) software.purl = purlText;
    }
    const arch = str(p.Arch) ?? purl?.qualifiers.arch;
    if (arch) software.architecture = arch;
    const source = str(p.SrcName);
    if (source) software.sourcePackage = source;
    r.packages.push(software);
  }

  finish(outcome: JsonOutcome): void {
    if (outcome.kind !== 'value') return;
    if (outcome.root === 'null') {
      this.extra.push({
        severity: 'warning',
        code: 'report-null',
        message:
          'The report is empty (null): older Trivy versions write null when they find nothing to scan (no OS ' +
          'packages and no lock files), so this file describes no image and no findings. If that is unexpected, ' +
          `scan again with a current Trivy. ${HOW_TO}`
      });
      return;
    }
    const top = this.top;
    const looksCurrent =
      outcome.root === 'object' &&
      (top.SchemaVersion !== undefined || top.ArtifactName !== undefined || this.results.size > 0);
    const looksLegacy = outcome.root === 'array' && this.legacy;
    if (!looksCurrent && !looksLegacy) {
      this.extra.push({
        severity: 'error',
        code: 'not-trivy',
        message: `This JSON file is not a Trivy report (it has no SchemaVersion, ArtifactName or Results, and is not a list of Trivy results). ${HOW_TO}`
      });
      return;
    }
    const schema = num(top.SchemaVersion);
    this.formatVersion = looksLegacy
      ? 'legacy (array of results)'
      : schema !== undefined
        ? `SchemaVersion ${schema}`
        : undefined;
    if (schema !== undefined && schema > 2) {
      this.extra.push({
        severity: 'warning',
        code: 'schema-version-newer',
        message: `This report has SchemaVersion ${schema}; Patchfield knows version 2 and read it as such. Check the counts against Trivy's own summary.`
      });
    }
    if (this.misconfigurations + this.secrets > 0) {
      this.extra.push({
        severity: 'info',
        code: 'trivy-non-vulnerability-results',
        message: `The report also lists ${this.misconfigurations} misconfiguration(s) and ${this.secrets} secret(s); they are not missing patches and were not imported.`
      });
    }
    this.rules.flush(this.sink);
    this.sink.host(this.buildHost());
  }

  private buildHost(): HostObservation {
    const top = this.top;
    const metadata = obj(top.Metadata);
    const results = [...this.results.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
    const osResult = results.find((r) => r.resultClass === 'os-pkgs' || isOsType(r.type));

    const hostname = firstOf(
      strings(metadata.RepoTags)[0],
      str(metadata.Reference),
      str(top.ArtifactName),
      results[0]?.target ? splitTrivyTarget(results[0].target).target : undefined
    );
    const key = str(top.ArtifactName) ?? hostname ?? 'trivy-report';
    const host: HostObservation = {
      key,
      ips: [],
      macs: [],
      installedUpdates: [],
      software: [],
      pendingUpdates: [],
      findings: []
    };
    if (hostname) host.hostname = hostname;

    const artifactType = str(top.ArtifactType)?.toLowerCase();
    host.kind =
      artifactType && IMAGE_ARTIFACTS.has(artifactType)
        ? 'image'
        : artifactType && APPLICATION_ARTIFACTS.has(artifactType)
          ? 'application'
          : osResult
            ? 'image'
            : 'application';

    const imageId = str(metadata.ImageID);
    if (imageId) host.hostIds = [`image:${imageId}`];

    const architecture = str(obj(metadata.ImageConfig).architecture);
    const metaOs = obj(metadata.OS);
    let os = osFromDistro(str(metaOs.Family), str(metaOs.Name), { architecture });
    if (!os && osResult?.target) {
      const split = splitTrivyTarget(osResult.target);
      os = osFromDistro(split.os ?? osResult.type, split.version, { architecture });
    }
    if (os) host.os = os;
    const created = str(top.CreatedAt);
    if (created) host.scanStart = created;

    const software = new SoftwareList();
    let derived = 0;
    for (const r of results) {
      const fallback = ecosystemFromTrivyType(r.type);
      for (const f of r.findings) {
        if (f.package && !f.package.ecosystem && fallback) f.package.ecosystem = fallback;
        host.findings.push(f);
      }
      const list = r.packages.length > 0 ? r.packages : r.vulnerable;
      for (const s of list) {
        if (!s.ecosystem && fallback) s.ecosystem = fallback;
        const before = software.size;
        software.add(s);
        if (list === r.vulnerable && software.size > before) derived++;
      }
    }
    host.software = software.items;
    if (derived > 0) {
      this.extra.push(
        partialInventoryProblem(
          'Trivy',
          derived,
          'For the full list, scan again with --list-all-pkgs (trivy image --list-all-pkgs -f json …).'
        )
      );
    }
    return host;
  }
}

function isOsType(type: string | undefined): boolean {
  const eco = ecosystemFromTrivyType(type);
  return eco === 'deb' || eco === 'rpm' || eco === 'apk';
}

function firstOf(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}

/** Epoch, version and release as one version string ("32:9.11.4-26.P2.amzn2.5.2"), like InstalledVersion. */
function packageVersion(p: JsonObject): string | undefined {
  const version = str(p.Version);
  if (!version) return undefined;
  const release = str(p.Release);
  const epoch = num(p.Epoch);
  return `${epoch ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`;
}

interface PickedCvss {
  v3?: { baseScore: number; vector?: string };
  v2?: { baseScore: number; vector?: string };
}

/** The CVSS of the source Trivy took the severity from, else NVD's, else the first with a score. */
function pickCvss(v: JsonObject): PickedCvss {
  const all = obj(v.CVSS);
  const order = [str(v.SeveritySource), 'nvd', ...Object.keys(all)].filter((s): s is string => !!s);
  const out: PickedCvss = {};
  for (const source of order) {
    const c = obj(all[source]);
    if (!out.v3) {
      const vector = str(c.V3Vector);
      const score = cvssScore(c.V3Score) ?? cvss3BaseScore(vector);
      if (score !== undefined) out.v3 = vector ? { baseScore: score, vector } : { baseScore: score };
    }
    if (!out.v2) {
      const vector = str(c.V2Vector);
      const score = cvssScore(c.V2Score) ?? cvss2BaseScore(vector);
      if (score !== undefined) out.v2 = vector ? { baseScore: score, vector } : { baseScore: score };
    }
    if (out.v3 && out.v2) break;
  }
  return out;
}

function buildRule(ruleId: string, v: JsonObject, severity: Severity, cvss: PickedCvss): ScannerRule {
  const references: string[] = [];
  pushUnique(references, str(v.PrimaryURL), ...strings(v.References));
  const vendorIds = strings(v.VendorIDs);
  const rule: ScannerRule = {
    ruleId,
    scanner: 'trivy',
    name: str(v.Title) ?? ruleId,
    severity,
    cves: cveIds([ruleId], vendorIds),
    kbs: [],
    xrefs: [...vendorIds, ...strings(v.CweIDs)],
    references
  };
  const family = str(obj(v.DataSource).Name);
  if (family) rule.family = family;
  const riskFactor = str(v.Severity);
  if (riskFactor) rule.riskFactor = riskFactor;
  const description = str(v.Description);
  if (description) rule.description = description;
  if (cvss.v3) rule.cvss3 = cvss.v3;
  if (cvss.v2) rule.cvss2 = cvss.v2;
  const published = isoDay(v.PublishedDate);
  if (published) rule.vulnPublishedOn = published;
  return rule;
}

/** Streaming reader: write the file's bytes in chunks, then end. Hosts and rules go to the sink at the end. */
export function createTrivyParser(sink: ObservationSink, options?: JsonReadOptions): StreamParser {
  return createJsonStreamParser(new TrivyReader(sink), WHAT, HOW_TO, options);
}

/** Reads a whole Trivy report. Never throws. */
export function parseTrivy(bytes: Uint8Array, options?: JsonReadOptions): ParseResult<ParsedFile> {
  return collectParse('trivy-json', (sink) => createTrivyParser(sink, options), bytes);
}

/** Trivy JSON (current and legacy layouts); its table and SARIF outputs are recognised to say what to export. */
export const trivyHandlers: FormatHandler[] = [
  {
    format: 'trivy-json',
    family: 'sca',
    howTo:
      'trivy image -f json -o trivy.json IMAGE (add --list-all-pkgs for the full package list); trivy vm, fs, rootfs and repo write the same JSON.',
    sniff({ text, fileName }) {
      switch (sniffTrivy(text)) {
        case 'trivy-json':
          return 95;
        case 'trivy-legacy':
          return 90;
        case 'trivy-null':
          // Old Trivy wrote a bare null when it found nothing to scan: claimed weakly, so any format that knows
          // better wins, and the reader then says the report is empty.
          return 10;
        case 'trivy-table':
          return {
            severity: 'error',
            code: 'trivy-table',
            message: `${fileName} is Trivy's table output, which Patchfield cannot read. ${HOW_TO}`
          };
        case 'trivy-sarif':
          return {
            severity: 'error',
            code: 'trivy-sarif',
            message: `${fileName} is Trivy's SARIF output, which Patchfield does not read. ${HOW_TO}`
          };
        default:
          return 0;
      }
    },
    create: (sink) => createTrivyParser(sink)
  }
];
