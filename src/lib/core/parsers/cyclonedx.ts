/**
 * Reader for CycloneDX SBOMs and VEX documents, JSON and XML, spec 1.0–1.7 (`syft -o cyclonedx-json`,
 * `trivy image -f cyclonedx`, `grype -o cyclonedx`, the CycloneDX build plugins).
 *
 * One BOM describes one subject (metadata.component) and becomes one HostObservation:
 *  - kind: a 'container' subject, or a BOM that lists an operating system or OS packages (deb/rpm/apk), is an
 *    'image'; anything else (an application, a library, a file, a VEX about a product) is an 'application'.
 *  - hostname: the image reference Trivy records (aquasecurity:trivy:RepoTag / Reference), else the subject's name
 *    (with its group, e.g. "cyclonedx/cyclonedx-php-composer-demo"). A BOM without a subject is one unnamed
 *    application (an info problem says so). hostIds: "image:<ImageID>" when Trivy recorded it.
 *  - os: the 'operating-system' component (name or syft:distro:id, version, description).
 *  - software: every component, however deeply nested (components inside components, and those of the subject),
 *    except the operating system and things that are not packages (data, devices, platforms, models, crypto assets,
 *    and files without a package URL).
 *  - findings: one per vulnerabilities[] entry per affected ref (`affects[].ref`), so a BOM whose vulnerabilities
 *    each name one component has exactly one finding per entry; an entry naming no ref gives one finding against the
 *    subject. Refs are resolved by bom-ref, BOM-Link ("urn:cdx:…#ref") or as a package URL, so a VEX without
 *    components still reads. analysis.state → state: resolved → fixed, exploitable → affected, in_triage →
 *    under_investigation, false_positive / not_affected → not_affected.
 *
 * Bad input never stops the import: a component with no name takes the name from its purl; an unreadable purl is
 * dropped with a warning (the component is kept by name and version).
 *
 * JSON goes through the shared JSON reader (streamed above a few MB). XML is streamed with saxes: namespaces are
 * resolved, so any spec version's namespace (http://cyclonedx.org/schema/bom/1.x) and any prefix work, elements of
 * other namespaces (extensions) are skipped, no DTD is read and no entity is expanded.
 *
 * @see https://cyclonedx.org/docs/1.7/json/ and https://cyclonedx.org/docs/1.7/xml/
 * @see https://cyclonedx.org/capabilities/bomlink/ (BOM-Link refs)
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import type {
  FindingInstance,
  HostObservation,
  ObservationSink,
  OsInfo,
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
  ecosystemFromTrivyType,
  isObject,
  isoDay,
  newIssues,
  num,
  obj,
  OS_PACKAGE_TYPES,
  osFromDistro,
  parsePurl,
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
  type JsonReadOptions,
  type Purl
} from './sca-common';
import type { FormatHandler } from './handler';

const WHAT = 'CycloneDX BOM';
const GENERATE = 'syft IMAGE -o cyclonedx-json=bom.json or trivy image -f cyclonedx -o bom.json IMAGE';
const HOW_TO = `Generate the SBOM again, e.g. ${GENERATE}.`;
const KNOWN_SPEC = 1.7;
const NAMESPACE = /^https?:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)$/;

export type CycloneDxSniff = 'cyclonedx-json' | 'cyclonedx-xml';

/** Recognises a CycloneDX BOM (JSON or XML) from the start of a file. */
export function sniffCycloneDx(text: string): CycloneDxSniff | undefined {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) {
    if (/"bomFormat"\s*:\s*"CycloneDX"/.test(t)) return 'cyclonedx-json';
    if (/"\$schema"\s*:\s*"[^"]*cyclonedx\.org\/schema\/bom/i.test(t)) return 'cyclonedx-json';
    return undefined;
  }
  if (
    t.startsWith('<') &&
    /<(?:[\w.-]+:)?bom\b[^>]*xmlns(?::[\w.-]+)?\s*=\s*["']https?:\/\/cyclonedx\.org\/schema\/bom\//.test(t)
  ) {
    return 'cyclonedx-xml';
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The BOM as both encodings describe it

interface CdxProperty {
  name: string;
  value: string;
}

interface CdxComponent {
  bomRef?: string | undefined;
  type?: string | undefined;
  name?: string | undefined;
  group?: string | undefined;
  version?: string | undefined;
  purl?: string | undefined;
  description?: string | undefined;
  swidTagId?: string | undefined;
  properties: CdxProperty[];
  components: CdxComponent[];
  /** Where it is, for messages: "line 18" (XML) or "components[3]" (JSON). */
  where: string;
  line?: number | undefined;
}

interface CdxRating {
  source?: string | undefined;
  score?: number | undefined;
  severity?: string | undefined;
  method?: string | undefined;
  vector?: string | undefined;
}

interface CdxVulnerability {
  id?: string | undefined;
  sourceName?: string | undefined;
  sourceUrl?: string | undefined;
  ratings: CdxRating[];
  cwes: string[];
  description?: string | undefined;
  detail?: string | undefined;
  recommendation?: string | undefined;
  workaround?: string | undefined;
  advisories: string[];
  published?: string | undefined;
  analysis: {
    state?: string | undefined;
    justification?: string | undefined;
    responses: string[];
    detail?: string | undefined;
  };
  refs: string[];
  references: string[];
  where: string;
  line?: number | undefined;
}

/** What a ref resolves to. */
interface PackageRef {
  name: string;
  version?: string | undefined;
  ecosystem?: string | undefined;
  purl?: string | undefined;
}

interface PendingFinding {
  finding: FindingInstance;
  refs: string[];
  where: string;
  line?: number | undefined;
}

const STATE_BY_ANALYSIS: Record<string, FindingInstance['state']> = {
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
  false_positive: 'not_affected',
  not_affected: 'not_affected'
};

/** Component types that are not installed packages. */
const NOT_SOFTWARE = new Set([
  'operating-system',
  'data',
  'machine-learning-model',
  'cryptographic-asset',
  'device',
  'platform'
]);

/** Everything a BOM gives, in whichever order it comes; builds the host at the end. */
class BomBuilder {
  readonly issues = newIssues();
  readonly extra: Problem[] = [];
  private readonly rules = new RuleBook();
  private readonly software = new SoftwareList();
  private readonly refs = new Map<string, PackageRef>();
  private readonly pending: PendingFinding[] = [];
  private subject: CdxComponent | undefined;
  private os: OsInfo | undefined;
  private timestamp: string | undefined;
  serial: string | undefined;
  spec: string | undefined;
  componentCount = 0;
  vulnerabilityCount = 0;

  constructor(private readonly sink: ObservationSink) {}

  metadata(component: CdxComponent | undefined, timestamp: string | undefined): void {
    this.timestamp = timestamp;
    if (!component) return;
    this.subject = component;
    const ref = this.packageOf(component);
    if (ref && component.bomRef) this.refs.set(component.bomRef, ref);
    for (const child of component.components) this.component(child);
  }

  component(c: CdxComponent): void {
    this.componentCount++;
    const type = c.type?.toLowerCase();
    if (type === 'operating-system') {
      this.operatingSystem(c);
    } else {
      const ref = this.packageOf(c, true);
      if (ref) {
        if (c.bomRef) this.refs.set(c.bomRef, ref);
        const purl = parsePurl(ref.purl);
        if (!(type && NOT_SOFTWARE.has(type)) && !(type === 'file' && !purl)) {
          this.software.add(this.softwareOf(c, ref, purl));
        }
      }
    }
    for (const child of c.components) this.component(child);
  }

  private operatingSystem(c: CdxComponent): void {
    if (this.os) return;
    const prop = (name: string) => c.properties.find((p) => p.name === name)?.value;
    const name = c.name || prop('syft:distro:id') || c.swidTagId || prop('aquasecurity:trivy:Type');
    const version = c.version || prop('syft:distro:versionID');
    const idLike = (prop('syft:distro:idLike') ?? '').split(/[\s,]+/).filter(Boolean);
    const os = osFromDistro(name, version, {
      prettyName: prop('syft:distro:prettyName') ?? c.description,
      idLike
    });
    if (os) this.os = os;
  }

  /** Name, version and purl of a component; warns about what is broken. */
  private packageOf(c: CdxComponent, warn = false): PackageRef | undefined {
    let purl: Purl | undefined;
    if (c.purl) {
      purl = parsePurl(c.purl);
      if (!purl && warn) {
        this.issues.add({
          severity: 'warning',
          code: 'bad-purl',
          message:
            `Some components have a package URL (purl) that is not valid (first: "${c.purl}" of ` +
            `"${c.name || '?'}", ${c.where}). They are kept by name and version without it, so matching them by ` +
            `purl is not possible. ${HOW_TO}`,
          ...(c.line ? { line: c.line } : {})
        });
      }
    }
    let name = c.name;
    if (!name) {
      name = purl?.name ?? c.properties.find((p) => p.name === 'syft:package:name')?.value;
      if (warn) {
        this.issues.add({
          severity: 'warning',
          code: 'component-without-name',
          message: name
            ? `Some components have an empty name (first: ${c.where}); the name was taken from the purl ("${name}").`
            : `Some components have neither a name nor a readable purl (first: ${c.where}); they were skipped.`,
          ...(c.line ? { line: c.line } : {})
        });
      }
      if (!name) return undefined;
    }
    const group = c.group;
    const full = purl ? qualifiedName(name, purl) : group && !purl ? `${group}/${name}` : name;
    const ref: PackageRef = { name: full };
    if (c.version) ref.version = c.version;
    else if (purl?.version) ref.version = purl.version;
    const ecosystem = purl?.type ?? ecosystemOfProperties(c.properties);
    if (ecosystem) ref.ecosystem = ecosystem;
    if (purl && c.purl) ref.purl = c.purl;
    return ref;
  }

  private softwareOf(c: CdxComponent, ref: PackageRef, purl: Purl | undefined): Software {
    const software: Software = { name: ref.name };
    if (ref.version) software.version = ref.version;
    if (ref.ecosystem) software.ecosystem = ref.ecosystem;
    if (ref.purl) software.purl = ref.purl;
    const arch = purl?.qualifiers.arch;
    if (arch) software.architecture = arch;
    const prop = (name: string) => c.properties.find((p) => p.name === name)?.value;
    const source =
      prop('aquasecurity:trivy:SrcName') ??
      purl?.qualifiers.upstream?.split('@')[0] ??
      prop('syft:metadata:originPackage') ??
      prop('syft:metadata:source');
    if (source) software.sourcePackage = source;
    return software;
  }

  vulnerability(v: CdxVulnerability): void {
    const ruleId = v.id;
    if (!ruleId) {
      this.issues.add({
        severity: 'warning',
        code: 'vulnerability-without-id',
        message: `A vulnerability entry (${v.where}) has no id and was skipped. ${HOW_TO}`,
        ...(v.line ? { line: v.line } : {})
      });
      return;
    }
    this.vulnerabilityCount++;
    const { severity, rating, v3, v2 } = ratingsOf(v.ratings);
    let sev = severity;
    if (!sev) {
      this.issues.add(unknownSeverityProblem(ruleId));
      sev = 'info';
    }
    const finding: FindingInstance = { ruleId, severity: sev };
    const state = v.analysis.state ? STATE_BY_ANALYSIS[v.analysis.state.toLowerCase()] : undefined;
    if (state) finding.state = state;
    const fixed = /^Upgrade .+ to version (\S+)$/i.exec(v.recommendation ?? '')?.[1];
    if (fixed) finding.fixedVersion = fixed;
    const analysis = [
      v.analysis.state,
      v.analysis.justification ? `(${v.analysis.justification})` : undefined,
      v.analysis.responses.length ? `response: ${v.analysis.responses.join(', ')}` : undefined
    ]
      .filter(Boolean)
      .join(' ');
    const output = [analysis ? `Analysis: ${analysis}` : undefined, v.analysis.detail]
      .filter(Boolean)
      .join('. ');
    if (output) finding.output = output;
    this.pending.push({ finding, refs: v.refs, where: v.where, line: v.line });
    if (!this.rules.has(ruleId)) this.rules.add(buildRule(ruleId, v, sev, rating, v3, v2));
  }

  finish(): void {
    if (this.spec && Number(this.spec) > KNOWN_SPEC) {
      this.extra.push({
        severity: 'warning',
        code: 'spec-version-newer',
        message: `This BOM uses CycloneDX ${this.spec}; Patchfield knows up to ${KNOWN_SPEC} and read it as such. Check the counts against the tool that made it.`
      });
    }
    const subject = this.subject;
    const subjectRef = subject ? this.packageOf(subject) : undefined;
    const prop = (name: string) => subject?.properties.find((p) => p.name === name)?.value;
    const hostname =
      prop('aquasecurity:trivy:RepoTag') ?? prop('aquasecurity:trivy:Reference') ?? subjectRef?.name;
    if (!subject) {
      this.extra.push({
        severity: 'info',
        code: 'bom-without-subject',
        message:
          'The BOM does not say what it describes (no metadata.component), so its packages and findings are ' +
          'listed under one unnamed application. Generate it with a tool that records the subject to name it.'
      });
    }
    // Some tools list the subject again among the components: it is the asset, not its own software.
    const software = subjectRef
      ? this.software.items.filter(
          (s) =>
            !(s.name === subjectRef.name && s.version === subjectRef.version && s.purl === subjectRef.purl)
        )
      : this.software.items;
    const host: HostObservation = {
      key: subject?.bomRef ?? subjectRef?.purl ?? hostname ?? this.serial ?? 'cyclonedx-bom',
      ips: [],
      macs: [],
      installedUpdates: [],
      software,
      pendingUpdates: [],
      findings: []
    };
    if (hostname) host.hostname = hostname;
    const osPackages = software.some((s) => s.ecosystem && OS_PACKAGE_TYPES.has(s.ecosystem));
    host.kind =
      subject?.type?.toLowerCase() === 'container' || this.os || osPackages ? 'image' : 'application';
    const imageId = prop('aquasecurity:trivy:ImageID');
    if (imageId) host.hostIds = [`image:${imageId}`];
    if (this.os) host.os = this.os;
    if (this.timestamp) host.scanStart = this.timestamp;

    for (const p of this.pending) {
      const targets = p.refs.length > 0 ? p.refs : [undefined];
      for (const ref of targets) {
        const finding: FindingInstance = { ...p.finding };
        const pkg = ref === undefined ? subjectRef : this.resolve(ref, p);
        if (pkg) finding.package = { ...pkg };
        host.findings.push(finding);
      }
    }
    this.rules.flush(this.sink);
    this.sink.host(host);
  }

  private resolve(ref: string, p: PendingFinding): PackageRef {
    const direct = this.refs.get(ref);
    if (direct) return direct;
    const link = /^urn:cdx:[^#]*#(.+)$/i.exec(ref);
    if (link) {
      let fragment = link[1] as string;
      try {
        fragment = decodeURIComponent(fragment);
      } catch {
        // keep it as written
      }
      const linked = this.refs.get(fragment);
      if (linked) return linked;
      ref = fragment;
    }
    const purl = parsePurl(ref);
    if (purl) {
      const pkg: PackageRef = { name: qualifiedName(purl.name, purl), ecosystem: purl.type, purl: ref };
      if (purl.version) pkg.version = purl.version;
      return pkg;
    }
    this.issues.add({
      severity: 'warning',
      code: 'unresolved-ref',
      message:
        `Some vulnerabilities name an affected component that the BOM does not list (first: "${ref}", ${p.where}); ` +
        'the finding is kept with that reference as the package name. Generate the VEX together with the SBOM it ' +
        'refers to (or with package URLs as refs) so that the packages are named.',
      ...(p.line ? { line: p.line } : {})
    });
    return { name: ref };
  }
}

function ecosystemOfProperties(properties: CdxProperty[]): string | undefined {
  for (const p of properties) {
    if (p.name === 'syft:package:type') return ecosystemFromSyftType(p.value);
    if (p.name === 'aquasecurity:trivy:PkgType') return ecosystemFromTrivyType(p.value);
  }
  return undefined;
}

interface RatingChoice {
  severity?: Severity | undefined;
  rating?: CdxRating | undefined;
  v3?: { baseScore: number; vector?: string } | undefined;
  v2?: { baseScore: number; vector?: string } | undefined;
}

/** The first rating that states a severity decides it; otherwise the highest score. CVSS v3 and v2 are kept. */
function ratingsOf(ratings: CdxRating[]): RatingChoice {
  const out: RatingChoice = {};
  for (const r of ratings) {
    const method = r.method?.toLowerCase() ?? '';
    const version = method.startsWith('cvssv3')
      ? 3
      : method === 'cvssv2'
        ? 2
        : method.startsWith('cvssv4')
          ? 4
          : cvssVectorVersion(r.vector);
    const score =
      r.score ??
      (version === 3 ? cvss3BaseScore(r.vector) : version === 2 ? cvss2BaseScore(r.vector) : undefined);
    if (version === 3 && !out.v3 && score !== undefined)
      out.v3 = r.vector ? { baseScore: score, vector: r.vector } : { baseScore: score };
    if (version === 2 && !out.v2 && score !== undefined)
      out.v2 = r.vector ? { baseScore: score, vector: r.vector } : { baseScore: score };
    const word = severityFromText(r.severity);
    if (!out.severity && word) {
      out.severity = word;
      out.rating = r;
    }
  }
  if (!out.severity) {
    let best: number | undefined;
    for (const r of ratings) {
      const s = r.score ?? cvss3BaseScore(r.vector) ?? cvss2BaseScore(r.vector);
      if (s !== undefined && (best === undefined || s > best)) {
        best = s;
        out.rating = r;
      }
    }
    out.severity = severityFromScore(best);
  }
  return out;
}

function buildRule(
  ruleId: string,
  v: CdxVulnerability,
  severity: Severity,
  rating: CdxRating | undefined,
  v3: RatingChoice['v3'],
  v2: RatingChoice['v2']
): ScannerRule {
  const aliases = v.references.filter((r) => r !== ruleId);
  const references: string[] = [];
  pushUnique(references, ...v.advisories, v.sourceUrl);
  const rule: ScannerRule = {
    ruleId,
    scanner: 'cyclonedx',
    name: ruleId,
    severity,
    cves: cveIds([ruleId], aliases),
    kbs: [],
    xrefs: v.cwes.map((c) => (/^\d+$/.test(c) ? `CWE-${c}` : c)),
    references
  };
  if (aliases.length) rule.aliases = aliases;
  if (v.sourceName) rule.family = v.sourceName;
  const riskFactor = rating?.severity;
  if (riskFactor) rule.riskFactor = riskFactor;
  const description = [v.description, v.detail].filter(Boolean).join('\n\n');
  if (description) rule.description = description;
  const solution = [v.recommendation, v.workaround].filter(Boolean).join('\n\n');
  if (solution) rule.solution = solution;
  if (v3) rule.cvss3 = v3;
  if (v2) rule.cvss2 = v2;
  const published = isoDay(v.published);
  if (published) rule.vulnPublishedOn = published;
  return rule;
}

// ---------------------------------------------------------------------------------------------------------
// JSON

function componentFromJson(value: unknown, where: string): CdxComponent {
  const c = obj(value);
  const properties = arr(c.properties)
    .filter(isObject)
    .map((p) => ({ name: str(p.name) ?? '', value: str(p.value) ?? '' }))
    .filter((p) => p.name);
  return {
    bomRef: str(c['bom-ref']),
    type: str(c.type),
    name: str(c.name),
    group: str(c.group),
    version: str(c.version),
    purl: str(c.purl),
    description: str(c.description),
    swidTagId: str(obj(c.swid).tagId),
    properties,
    components: arr(c.components).map((child, i) => componentFromJson(child, `${where}.components[${i}]`)),
    where
  };
}

function vulnerabilityFromJson(value: unknown, where: string): CdxVulnerability {
  const v = obj(value);
  const analysis = obj(v.analysis);
  return {
    id: str(v.id),
    sourceName: str(obj(v.source).name),
    sourceUrl: str(obj(v.source).url),
    ratings: arr(v.ratings)
      .filter(isObject)
      .map((r) => ({
        source: str(obj(r.source).name),
        score: cvssScore(r.score),
        severity: str(r.severity),
        method: str(r.method),
        vector: str(r.vector)
      })),
    cwes: arr(v.cwes)
      .map((c) => (typeof c === 'number' ? String(c) : str(c)))
      .filter((c): c is string => !!c),
    description: str(v.description),
    detail: str(v.detail),
    recommendation: str(v.recommendation),
    workaround: str(v.workaround),
    advisories: arr(v.advisories)
      .map((a) => str(obj(a).url))
      .filter((u): u is string => !!u),
    published: str(v.published),
    analysis: {
      state: str(analysis.state),
      justification: str(analysis.justification),
      responses: strings(analysis.response),
      detail: str(analysis.detail)
    },
    refs: arr(v.affects)
      .map((a) => str(obj(a).ref))
      .filter((r): r is string => !!r),
    references: arr(v.references)
      .map((r) => str(obj(r).id))
      .filter((r): r is string => !!r),
    where
  };
}

class CycloneDxJsonReader implements JsonDocumentReader {
  readonly paths = [
    '$.bomFormat',
    '$.specVersion',
    '$.serialNumber',
    '$.metadata',
    '$.components.*',
    '$.vulnerabilities.*'
  ];
  private readonly bom: BomBuilder;
  private readonly top: JsonObject = {};
  private readonly extra: Problem[] = [];
  formatVersion: string | undefined;

  constructor(sink: ObservationSink) {
    this.bom = new BomBuilder(sink);
  }

  get problems(): Problem[] {
    return [...this.extra, ...this.bom.extra, ...this.bom.issues.problems];
  }

  get position(): string {
    return `${this.bom.componentCount} components, ${this.bom.vulnerabilityCount} vulnerabilities read`;
  }

  record(keys: readonly JsonKey[], value: unknown): void {
    const [field, index] = keys;
    if (field === 'components' && typeof index === 'number' && keys.length === 2) {
      this.bom.component(componentFromJson(value, `components[${index}]`));
    } else if (field === 'vulnerabilities' && typeof index === 'number' && keys.length === 2) {
      this.bom.vulnerability(vulnerabilityFromJson(value, `vulnerabilities[${index}]`));
    } else if (keys.length === 1 && typeof field === 'string') {
      this.top[field] = value;
      if (field === 'metadata') {
        const m = obj(value);
        this.bom.metadata(
          isObject(m.component) ? componentFromJson(m.component, 'metadata.component') : undefined,
          str(m.timestamp)
        );
      }
    }
  }

  finish(outcome: JsonOutcome): void {
    if (outcome.kind !== 'value') return;
    const format = str(this.top.bomFormat);
    const spec = str(this.top.specVersion);
    if (outcome.root !== 'object' || (format && format !== 'CycloneDX') || (!format && !spec)) {
      this.extra.push({
        severity: 'error',
        code: 'not-cyclonedx',
        message:
          outcome.root === 'null'
            ? `The file holds only null: there is no BOM in it. ${HOW_TO}`
            : `This JSON file is not a CycloneDX BOM (bomFormat is ${format ? `"${format}"` : 'missing'}). ${HOW_TO}`
      });
      return;
    }
    this.bom.spec = spec;
    this.bom.serial = str(this.top.serialNumber);
    this.formatVersion = spec ? `CycloneDX ${spec}` : 'CycloneDX';
    this.bom.finish();
  }
}

/** Streaming reader for CycloneDX JSON. */
export function createCycloneDxJsonParser(sink: ObservationSink, options?: JsonReadOptions): StreamParser {
  return createJsonStreamParser(new CycloneDxJsonReader(sink), WHAT, HOW_TO, options);
}

/** Reads a whole CycloneDX JSON BOM. Never throws. */
export function parseCycloneDxJson(bytes: Uint8Array, options?: JsonReadOptions): ParseResult<ParsedFile> {
  return collectParse('cyclonedx-json', (sink) => createCycloneDxJsonParser(sink, options), bytes);
}

// ---------------------------------------------------------------------------------------------------------
// XML

/** An element of the CycloneDX namespace inside a record being read, children in order. */
interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
  line: number;
}

const child = (n: XNode | undefined, name: string): XNode | undefined =>
  n?.children.find((c) => c.name === name);
const children = (n: XNode | undefined, name: string): XNode[] =>
  n?.children.filter((c) => c.name === name) ?? [];
const text = (n: XNode | undefined, name: string): string | undefined => str(child(n, name)?.text);

function componentFromXml(n: XNode, where: string): CdxComponent {
  const swid = child(n, 'swid');
  return {
    bomRef: str(n.attrs['bom-ref']),
    type: str(n.attrs.type),
    name: text(n, 'name'),
    group: text(n, 'group'),
    version: text(n, 'version'),
    purl: text(n, 'purl'),
    description: text(n, 'description'),
    swidTagId: str(swid?.attrs.tagId),
    properties: children(child(n, 'properties'), 'property')
      .map((p) => ({ name: str(p.attrs.name) ?? '', value: str(p.text) ?? '' }))
      .filter((p) => p.name),
    components: children(child(n, 'components'), 'component').map((c) =>
      componentFromXml(c, `line ${c.line}`)
    ),
    where,
    line: n.line
  };
}

function vulnerabilityFromXml(n: XNode): CdxVulnerability {
  const analysis = child(n, 'analysis');
  return {
    id: text(n, 'id'),
    sourceName: text(child(n, 'source'), 'name'),
    sourceUrl: text(child(n, 'source'), 'url'),
    ratings: children(child(n, 'ratings'), 'rating').map((r) => ({
      source: text(child(r, 'source'), 'name'),
      score: cvssScore(num(text(r, 'score'))),
      severity: text(r, 'severity'),
      method: text(r, 'method'),
      vector: text(r, 'vector')
    })),
    cwes: children(child(n, 'cwes'), 'cwe')
      .map((c) => str(c.text))
      .filter((c): c is string => !!c),
    description: text(n, 'description'),
    detail: text(n, 'detail'),
    recommendation: text(n, 'recommendation'),
    workaround: text(n, 'workaround'),
    advisories: children(child(n, 'advisories'), 'advisory')
      .map((a) => text(a, 'url'))
      .filter((u): u is string => !!u),
    published: text(n, 'published'),
    analysis: {
      state: text(analysis, 'state'),
      justification: text(analysis, 'justification'),
      responses: children(child(analysis, 'responses'), 'response')
        .map((r) => str(r.text))
        .filter((r): r is string => !!r),
      detail: text(analysis, 'detail')
    },
    refs: children(child(n, 'affects'), 'target')
      .map((t) => text(t, 'ref'))
      .filter((r): r is string => !!r),
    references: children(child(n, 'references'), 'reference')
      .map((r) => text(r, 'id'))
      .filter((r): r is string => !!r),
    where: `line ${n.line}`,
    line: n.line
  };
}

/** Records of the XML: the paths (local names under <bom>) whose subtrees are read whole. */
const XML_RECORDS: Record<string, 'metadata' | 'component' | 'vulnerability'> = {
  'bom/metadata': 'metadata',
  'bom/components/component': 'component',
  'bom/vulnerabilities/vulnerability': 'vulnerability'
};

/** Thrown from the saxes handlers once reading has stopped, to leave the chunk being parsed; caught in `feed`. */
const ABANDONED = new Error('CycloneDX reading stopped');

/** Real BOMs nest components a few levels deep; each level costs saxes time on every element below it. */
const MAX_XML_DEPTH = 256;

/**
 * Streaming reader for CycloneDX XML: bytes → streaming TextDecoder → saxes (namespaces on) → one record (metadata,
 * a top-level component with its nested components, a vulnerability) at a time.
 */
export function createCycloneDxXmlParser(sink: ObservationSink): StreamParser {
  const bom = new BomBuilder(sink);
  const issues: Problem[] = [];
  const xml = new SaxesParser<{ xmlns: true; position: true }>({ xmlns: true, position: true });
  let decoder: TextDecoder | undefined;
  let head: Uint8Array[] = [];
  let headLength = 0;
  let stopped = false;
  let ended = false;
  let closing = false;
  let rootSeen = false;
  let rootOk = false;
  let formatVersion: string | undefined;
  const path: string[] = [];
  /** Depth at which an element of another namespace began: its subtree is skipped. */
  let foreignDepth = 0;
  /** The record being read: its root node and the stack of open nodes. */
  let record: { kind: 'metadata' | 'component' | 'vulnerability'; stack: XNode[] } | undefined;
  let undefinedEntities = 0;
  let firstEntityLine = 0;
  /** Elements open, of any namespace. */
  let depth = 0;

  function stop(problem: Problem): void {
    issues.push(problem);
    stopped = true;
  }

  // Once reading has stopped, the rest of the chunk saxes is working through is abandoned: left to run, it would
  // report (and build an Error for) every bad character after the first, which took 4.5 s for 300 KB of garbage.
  xml.on('error', (err: Error) => {
    if (!stopped) onError(err);
    if (stopped) throw ABANDONED;
  });

  function onError(err: Error): void {
    const line = xml.line;
    const column = Math.max(1, xml.column);
    const plain = err.message.replace(/^\d+:\d+:\s*/, '').replace(/\.$/, '');
    if (plain === 'undefined entity') {
      if (++undefinedEntities <= 1) {
        firstEntityLine = line;
        issues.push({
          severity: 'warning',
          code: 'xml-undefined-entity',
          message:
            `Line ${line} uses an entity reference XML does not define (only &amp; &lt; &gt; &quot; &apos; are). ` +
            'Patchfield never expands entities declared in a DTD, so the text is kept as written. A genuine BOM ' +
            'has none: check where this file came from.',
          line,
          column,
          detail: err.message
        });
      }
      return;
    }
    if (!rootSeen) {
      stop({
        severity: 'error',
        code: 'not-xml',
        message: closing
          ? `The file ends before its first XML element: it is empty, cut off or not a CycloneDX BOM. ${HOW_TO}`
          : `This file is not XML (line ${line}: ${plain}), so it is not a CycloneDX XML BOM. ${HOW_TO}`,
        line,
        column,
        detail: err.message
      });
      return;
    }
    if (closing && plain.startsWith('unclosed tag')) {
      stop({
        severity: 'error',
        code: 'xml-truncated',
        message: `The file is cut off at line ${line}: it ends inside an element. Copy it again from the source; if it is cut off there too, generate the SBOM again, e.g. ${GENERATE}.`,
        line,
        column,
        detail: err.message
      });
      return;
    }
    stop({
      severity: 'error',
      code: 'xml-not-well-formed',
      message: `The file is damaged at line ${line}, column ${column}: ${plain}. Generate the SBOM again (and do not edit it by hand), e.g. ${GENERATE}.`,
      line,
      column,
      detail: err.message
    });
  }

  xml.on('doctype', (doctype: string) => {
    if (stopped || !/<!ENTITY/i.test(doctype)) return;
    issues.push({
      severity: 'warning',
      code: 'dtd-entities-ignored',
      message:
        'The file declares DTD entities. Patchfield does not expand them (they can be used to exhaust memory or ' +
        'read local files); a genuine CycloneDX BOM declares none.',
      line: xml.line
    });
  });

  xml.on('opentag', (tag: SaxesTagNS) => {
    if (stopped) throw ABANDONED;
    // saxes resolves namespace prefixes through every open element, so each level makes every element slower.
    if (++depth > MAX_XML_DEPTH) {
      stop({
        severity: 'error',
        code: 'xml-too-deep',
        message: `The file nests elements more than ${MAX_XML_DEPTH} levels deep at line ${xml.line}: no tool writes a BOM like that, so it is damaged or not a genuine SBOM. Generate the SBOM again, e.g. ${GENERATE}.`,
        line: xml.line
      });
      throw ABANDONED;
    }
    if (!rootSeen) {
      rootSeen = true;
      const spec = NAMESPACE.exec(tag.uri)?.[1];
      if (tag.local !== 'bom' || !spec) {
        stop({
          severity: 'error',
          code: 'not-cyclonedx',
          message: `This XML file's top element is <${tag.name}>${tag.uri ? ` in namespace ${tag.uri}` : ''}, not a CycloneDX <bom>. ${HOW_TO}`,
          line: xml.line
        });
        return;
      }
      rootOk = true;
      bom.spec = spec;
      formatVersion = `CycloneDX ${spec}`;
      bom.serial = str(tag.attributes.serialNumber?.value);
      path.push('bom');
      return;
    }
    if (foreignDepth) {
      foreignDepth++;
      return;
    }
    if (!NAMESPACE.test(tag.uri)) {
      foreignDepth = 1;
      return;
    }
    path.push(tag.local);
    if (record) {
      const node = newNode(tag, xml.line);
      record.stack[record.stack.length - 1]?.children.push(node);
      record.stack.push(node);
      return;
    }
    const kind = XML_RECORDS[path.join('/')];
    if (kind) record = { kind, stack: [newNode(tag, xml.line)] };
  });

  xml.on('text', (t: string) => {
    const node = record?.stack[record.stack.length - 1];
    if (node && !foreignDepth) node.text += t;
  });
  xml.on('cdata', (t: string) => {
    const node = record?.stack[record.stack.length - 1];
    if (node && !foreignDepth) node.text += t;
  });

  xml.on('closetag', () => {
    if (stopped) throw ABANDONED;
    depth--;
    if (foreignDepth) {
      foreignDepth--;
      return;
    }
    path.pop();
    if (!record) return;
    const node = record.stack.pop();
    if (record.stack.length > 0 || !node) return;
    const kind = record.kind;
    record = undefined;
    if (kind === 'metadata') {
      const c = child(node, 'component');
      bom.metadata(c ? componentFromXml(c, `line ${c.line}`) : undefined, text(node, 'timestamp'));
    } else if (kind === 'component') {
      bom.component(componentFromXml(node, `line ${node.line}`));
    } else {
      bom.vulnerability(vulnerabilityFromXml(node));
    }
  });

  function feed(t: string): void {
    if (!t || stopped) return;
    try {
      xml.write(t);
    } catch (e) {
      if (e !== ABANDONED) throw e;
    }
  }

  function startDecoder(final: boolean): void {
    const bytes = concat(head, headLength);
    head = [];
    headLength = 0;
    decoder = new TextDecoder(xmlEncoding(bytes));
    feed(decoder.decode(bytes, { stream: !final }));
  }

  return {
    write(chunk: Uint8Array): void {
      if (stopped || ended || chunk.length === 0) return;
      if (!decoder) {
        head.push(chunk.slice());
        headLength += chunk.length;
        if (headLength >= 1024) startDecoder(false);
        return;
      }
      feed(decoder.decode(chunk, { stream: true }));
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (!decoder) {
        if (headLength === 0) {
          stop({
            severity: 'error',
            code: 'empty-file',
            message: `The file is empty (0 bytes): there is no BOM in it. ${HOW_TO}`
          });
          return;
        }
        startDecoder(true);
      } else if (!stopped) feed(decoder.decode());
      if (!stopped) {
        closing = true;
        try {
          xml.close();
        } catch (e) {
          if (e !== ABANDONED) throw e;
        }
        closing = false;
      }
      if (undefinedEntities > 1) {
        issues.push({
          severity: 'info',
          code: 'more-issues',
          message: `${undefinedEntities - 1} more undefined entity reference(s) after line ${firstEntityLine} are not listed.`
        });
      }
      const damaged = issues.some((p) => p.severity === 'error');
      if (rootOk && !damaged) bom.finish();
    },
    get issues(): readonly Problem[] {
      return [...issues, ...bom.extra, ...bom.issues.problems];
    },
    get formatVersion() {
      return formatVersion;
    },
    get position(): string {
      return `line ${xml.line}, ${bom.componentCount} components`;
    }
  };
}

function newNode(tag: SaxesTagNS, line: number): XNode {
  const attrs: Record<string, string> = {};
  for (const [k, a] of Object.entries(tag.attributes)) {
    if (!a.uri || a.uri === tag.uri) attrs[a.local || k] = a.value;
  }
  return { name: tag.local, attrs, children: [], text: '', line };
}

/** CycloneDX XML is UTF-8 by the spec; UTF-16 (BOM or "<\0") and a declared single-byte encoding are honoured. */
function xmlEncoding(bytes: Uint8Array): string {
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 === 0xff && b1 === 0xfe) return 'utf-16le';
  if (b0 === 0xfe && b1 === 0xff) return 'utf-16be';
  if (b0 === 0x3c && b1 === 0x00 && b2 !== 0x00) return 'utf-16le';
  if (b0 === 0x00 && b1 === 0x3c && b3 !== 0x00) return 'utf-16be';
  if (b0 === 0xef) return 'utf-8';
  let decl = '';
  for (let i = 0; i < Math.min(bytes.length, 300); i++) {
    const b = bytes[i] as number;
    decl += String.fromCharCode(b);
    if (b === 0x3e) break;
  }
  const declared = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/
    .exec(decl)?.[1]
    ?.toLowerCase();
  if (!declared || declared.startsWith('utf')) return 'utf-8';
  try {
    new TextDecoder(declared);
    return declared;
  } catch {
    return 'utf-8';
  }
}

function concat(pieces: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads a whole CycloneDX XML BOM. Never throws. */
export function parseCycloneDxXml(bytes: Uint8Array): ParseResult<ParsedFile> {
  return collectParse('cyclonedx-xml', (sink) => createCycloneDxXmlParser(sink), bytes);
}

export const cyclonedxHandlers: FormatHandler[] = [
  {
    format: 'cyclonedx-json',
    family: 'sca',
    howTo:
      'syft IMAGE -o cyclonedx-json=bom.json, trivy image -f cyclonedx -o bom.json IMAGE, or the CycloneDX plugin of the build (npm, Maven, Composer, …).',
    sniff: ({ text }) => (sniffCycloneDx(text) === 'cyclonedx-json' ? 95 : 0),
    create: (sink) => createCycloneDxJsonParser(sink)
  },
  {
    format: 'cyclonedx-xml',
    family: 'sca',
    howTo: 'syft IMAGE -o cyclonedx-xml=bom.xml, or the XML output of a CycloneDX build plugin.',
    sniff: ({ text }) => (sniffCycloneDx(text) === 'cyclonedx-xml' ? 95 : 0),
    create: (sink) => createCycloneDxXmlParser(sink)
  }
];
