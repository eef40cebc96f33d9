/**
 * Reader for SPDX 2.2 / 2.3 SBOMs in JSON (`syft -o spdx-json`, `trivy image -f spdx-json`, SPDX tools).
 *
 * One document describes one subject and becomes one HostObservation:
 *  - subject: the package the document DESCRIBES (relationships or documentDescribes); when that is not exactly one
 *    package, the single CONTAINER package; else the document itself (its name).
 *  - kind: a container subject (primaryPackagePurpose CONTAINER, Trivy's SPDXRef-ContainerImage), or a document
 *    listing an operating system or OS packages (deb/rpm/apk), is an 'image'; anything else an 'application'.
 *  - hostname: the image reference Trivy records ("RepoTag: …" / "Reference: …" attribution texts), else the
 *    subject's name. hostIds: "image:<ImageID>" from Trivy's attribution texts.
 *  - os: the OPERATING-SYSTEM package (Trivy: SPDXRef-OperatingSystem-…): name and versionInfo.
 *  - software: every other package, with versionInfo, the purl of its PACKAGE-MANAGER reference, and the source
 *    package Trivy states in sourceInfo ("built package from: openssl-libs 1:1.0.2k-16.el7"). Files and snippets
 *    are not software.
 *  - findings: an SBOM asserts no vulnerabilities, but SECURITY "advisory" references name advisories that concern a
 *    package. Each one whose URL carries a vulnerability id (CVE, GHSA, …) becomes one informational finding with
 *    state 'unknown' (an info problem explains why); "fix" references are added to its rule's references. Advisory
 *    URLs without an id are only counted in a problem.
 *
 * SPDX 3.0 (JSON-LD with @context/@graph) is a different model: it is refused with a problem that says what to
 * export instead, as are tag-value, YAML and RDF documents.
 *
 * @see https://spdx.github.io/spdx-spec/v2.3/ (package fields, external references, relationships)
 */
import type {
  FindingInstance,
  HostObservation,
  ObservationSink,
  OsInfo,
  ParsedFile,
  ParseResult,
  Problem,
  Software,
  StreamParser
} from '../model';
import {
  arr,
  collectParse,
  createJsonStreamParser,
  cveIds,
  isObject,
  newIssues,
  obj,
  OS_PACKAGE_TYPES,
  osFromDistro,
  parsePurl,
  pushUnique,
  qualifiedName,
  RuleBook,
  SoftwareList,
  str,
  strings,
  type JsonDocumentReader,
  type JsonKey,
  type JsonObject,
  type JsonOutcome,
  type JsonReadOptions
} from './sca-common';
import type { FormatHandler } from './handler';

const WHAT = 'SPDX document';
const HOW_TO = 'Export the SBOM again as SPDX 2.3 JSON, e.g. syft IMAGE -o spdx-json@2.3=sbom.spdx.json.';
const SPDX3_MESSAGE =
  'SPDX 3.0 is not supported yet; export SPDX 2.3 JSON (e.g. syft -o spdx-json@2.3) and import that file.';

export type SpdxSniff = 'spdx-json' | 'spdx-3' | 'spdx-tag-value' | 'spdx-yaml' | 'spdx-rdf';

/** Recognises an SPDX document from the start of a file. */
export function sniffSpdx(text: string): SpdxSniff | undefined {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) {
    if (/"spdxVersion"\s*:\s*"SPDX-2\.\d+"/.test(t)) return 'spdx-json';
    if (/"spdxVersion"\s*:\s*"SPDX-3/.test(t)) return 'spdx-3';
    if (/"@context"\s*:\s*"https?:\/\/spdx\.org\/rdf\/3\./.test(t)) return 'spdx-3';
    return undefined;
  }
  if (/^SPDXVersion:\s*SPDX-\d/m.test(t)) return 'spdx-tag-value';
  if (/^spdxVersion:\s*["']?SPDX-\d/m.test(t)) return 'spdx-yaml';
  if (t.startsWith('<') && /<spdx:SpdxDocument\b/.test(t)) return 'spdx-rdf';
  return undefined;
}

/** The problem sniff returns for SPDX documents it recognises but cannot read. */
export function spdxUnsupportedProblem(kind: Exclude<SpdxSniff, 'spdx-json'>, fileName: string): Problem {
  const what: Record<typeof kind, string> = {
    'spdx-3': SPDX3_MESSAGE,
    'spdx-tag-value': `This is an SPDX tag-value document; Patchfield reads SPDX 2.2/2.3 JSON. ${HOW_TO}`,
    'spdx-yaml': `This is an SPDX YAML document; Patchfield reads SPDX 2.2/2.3 JSON. ${HOW_TO}`,
    'spdx-rdf': `This is an SPDX RDF/XML document; Patchfield reads SPDX 2.2/2.3 JSON. ${HOW_TO}`
  };
  return {
    severity: 'error',
    code: kind === 'spdx-3' ? 'spdx-3-unsupported' : 'spdx-encoding-unsupported',
    message: `${fileName}: ${what[kind]}`
  };
}

/** Vulnerability ids an advisory URL may carry. */
const ADVISORY_ID =
  /\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|RUSTSEC-\d{4}-\d{4}|PYSEC-\d{4}-\d+|GO-\d{4}-\d{4,}|OSV-\d{4}-\d+|DSA-\d+(?:-\d+)?|DLA-\d+-\d+|RHSA-\d{4}:\d+|USN-\d+-\d+|ALAS2?-\d{4}-\d+)\b/i;

interface PackageInfo {
  spdxId?: string | undefined;
  name?: string | undefined;
  version?: string | undefined;
  purl?: string | undefined;
  purpose?: string | undefined;
  description?: string | undefined;
  sourceInfo?: string | undefined;
  attributions: string[];
  advisories: string[];
  fixes: string[];
}

class SpdxReader implements JsonDocumentReader {
  readonly paths = [
    '$.spdxVersion',
    '$.SPDXID',
    '$.name',
    '$.documentNamespace',
    '$.documentDescribes',
    '$.@context',
    '$.packages.*',
    '$.relationships.*'
  ];
  private readonly issues = newIssues();
  private readonly extra: Problem[] = [];
  private readonly rules = new RuleBook();
  private readonly top: JsonObject = {};
  private readonly packages: PackageInfo[] = [];
  private readonly described: string[] = [];
  private readonly describedBy: string[] = [];
  formatVersion: string | undefined;

  constructor(private readonly sink: ObservationSink) {}

  get problems(): Problem[] {
    return [...this.extra, ...this.issues.problems];
  }

  get position(): string {
    return `${this.packages.length} packages read`;
  }

  record(keys: readonly JsonKey[], value: unknown): void {
    const [field, index] = keys;
    if (field === 'packages' && typeof index === 'number' && keys.length === 2) {
      this.package(obj(value));
    } else if (field === 'relationships' && typeof index === 'number' && keys.length === 2) {
      const r = obj(value);
      const type = str(r.relationshipType)?.toUpperCase();
      const from = str(r.spdxElementId);
      const to = str(r.relatedSpdxElement);
      if (type === 'DESCRIBES' && from && to) this.described.push(`${from}\u0000${to}`);
      if (type === 'DESCRIBED_BY' && from && to) this.describedBy.push(`${to}\u0000${from}`);
    } else if (keys.length === 1 && typeof field === 'string') {
      this.top[field] = value;
    }
  }

  private package(p: JsonObject): void {
    const info: PackageInfo = {
      spdxId: str(p.SPDXID),
      name: str(p.name),
      version: str(p.versionInfo),
      purpose: str(p.primaryPackagePurpose)?.toUpperCase(),
      description: str(p.description) ?? str(p.summary),
      sourceInfo: str(p.sourceInfo),
      attributions: strings(p.attributionTexts),
      advisories: [],
      fixes: []
    };
    for (const ref of arr(p.externalRefs).filter(isObject)) {
      const category = str(ref.referenceCategory)?.toUpperCase().replace('_', '-');
      const type = str(ref.referenceType)?.toLowerCase();
      const locator = str(ref.referenceLocator);
      if (!locator) continue;
      if (category === 'PACKAGE-MANAGER' && type === 'purl') info.purl ??= locator;
      else if (category === 'SECURITY' && type === 'advisory') info.advisories.push(locator);
      else if (category === 'SECURITY' && type === 'fix') info.fixes.push(locator);
    }
    this.packages.push(info);
  }

  finish(outcome: JsonOutcome): void {
    if (outcome.kind !== 'value') return;
    const version = str(this.top.spdxVersion);
    const context = strings(this.top['@context']).join(' ');
    if (
      outcome.root === 'object' &&
      (/^SPDX-3/i.test(version ?? '') || /spdx\.org\/rdf\/3\./.test(context))
    ) {
      this.extra.push({ severity: 'error', code: 'spdx-3-unsupported', message: SPDX3_MESSAGE });
      return;
    }
    if (outcome.root !== 'object' || !version || !/^SPDX-2\.\d+$/i.test(version)) {
      this.extra.push({
        severity: 'error',
        code: 'not-spdx',
        message:
          outcome.root === 'null'
            ? `The file holds only null: there is no SPDX document in it. ${HOW_TO}`
            : `This JSON file is not an SPDX 2.x document (spdxVersion is ${version ? `"${version}"` : 'missing'}). ${HOW_TO}`
      });
      return;
    }
    this.formatVersion = version;
    this.sink.host(this.buildHost());
  }

  private buildHost(): HostObservation {
    const docId = str(this.top.SPDXID) ?? 'SPDXRef-DOCUMENT';
    const describedIds: string[] = [];
    pushUnique(describedIds, ...strings(this.top.documentDescribes));
    for (const pair of [...this.described, ...this.describedBy]) {
      const [from, to] = pair.split('\u0000');
      if (from === docId) pushUnique(describedIds, to);
    }
    const byId = new Map(this.packages.filter((p) => p.spdxId).map((p) => [p.spdxId as string, p]));
    const describedPackages = describedIds.map((id) => byId.get(id)).filter((p): p is PackageInfo => !!p);
    const containers = this.packages.filter(isContainer);
    const subject =
      describedPackages.length === 1
        ? describedPackages[0]
        : containers.length === 1
          ? containers[0]
          : undefined;

    const attribution = (prefix: string): string | undefined =>
      subject?.attributions
        .find((a) => a.startsWith(`${prefix}:`))
        ?.slice(prefix.length + 1)
        .trim() || undefined;
    const documentName = str(this.top.name);
    const hostname = attribution('RepoTag') ?? attribution('Reference') ?? subject?.name ?? documentName;
    const host: HostObservation = {
      key: subject?.spdxId ?? str(this.top.documentNamespace) ?? hostname ?? docId,
      ips: [],
      macs: [],
      installedUpdates: [],
      software: [],
      pendingUpdates: [],
      findings: []
    };
    if (hostname) host.hostname = hostname;
    const imageId = attribution('ImageID');
    if (imageId) host.hostIds = [`image:${imageId}`];

    let os: OsInfo | undefined;
    const software = new SoftwareList();
    for (const p of this.packages) {
      if (isOperatingSystem(p)) {
        os ??= osFromDistro(p.name, p.version, { prettyName: p.description });
        continue;
      }
      if (p === subject || !p.name) continue;
      software.add(softwareOf(p));
    }
    host.software = software.items;
    if (os) host.os = os;
    const osPackages = software.items.some((s) => s.ecosystem && OS_PACKAGE_TYPES.has(s.ecosystem));
    const namespace = str(this.top.documentNamespace) ?? '';
    host.kind =
      (subject && isContainer(subject)) || /\/container_image\//.test(namespace) || os || osPackages
        ? 'image'
        : 'application';

    host.findings = this.advisoryFindings();
    this.rules.flush(this.sink);
    return host;
  }

  private advisoryFindings(): FindingInstance[] {
    const findings: FindingInstance[] = [];
    for (const p of this.packages) {
      // One finding per advisory id per package, however many of its URLs the package lists.
      const byId = new Map<string, string[]>();
      for (const url of p.advisories) {
        const raw = ADVISORY_ID.exec(url)?.[1];
        if (!raw) {
          this.issues.add({
            severity: 'info',
            code: 'spdx-advisory-without-id',
            message: `Some security advisory references name no vulnerability id (first: ${url} on package "${p.name ?? '?'}"); they are not listed as findings.`
          });
          continue;
        }
        // GHSA ids are written with a lowercase body; every other id in upper case.
        const ruleId = /^GHSA/i.test(raw) ? `GHSA${raw.slice(4).toLowerCase()}` : raw.toUpperCase();
        byId.set(ruleId, [...(byId.get(ruleId) ?? []), url]);
      }
      for (const [ruleId, urls] of byId) {
        const finding: FindingInstance = {
          ruleId,
          severity: 'info',
          state: 'unknown',
          output: `Advisory reference in the SBOM: ${urls.join(' ')}`
        };
        if (p.name) {
          const purl = parsePurl(p.purl);
          finding.package = { name: qualifiedName(p.name, purl) };
          if (p.version) finding.package.version = p.version;
          if (purl) {
            finding.package.ecosystem = purl.type;
            if (p.purl) finding.package.purl = p.purl;
          }
        }
        findings.push(finding);
        const references: string[] = [];
        pushUnique(
          references,
          ...urls,
          ...p.fixes.filter((f) => f.toUpperCase().includes(ruleId.toUpperCase()))
        );
        this.rules.add({
          ruleId,
          scanner: 'spdx',
          name: ruleId,
          severity: 'info',
          cves: cveIds([ruleId]),
          kbs: [],
          xrefs: [],
          references
        });
      }
    }
    if (findings.length > 0) {
      this.extra.push({
        severity: 'info',
        code: 'spdx-advisory-references',
        message:
          `The SBOM names ${findings.length} security advisor${findings.length === 1 ? 'y' : 'ies'} for its ` +
          'packages. They are listed as informational findings with state "unknown": an SBOM says an advisory ' +
          'concerns a package, not whether the package is affected or how severe it is. To assess them, scan the ' +
          'SBOM (grype sbom:FILE -o json, or trivy sbom -f json FILE) and import that report.'
      });
    }
    return findings;
  }
}

function isContainer(p: PackageInfo): boolean {
  return p.purpose === 'CONTAINER' || /^SPDXRef-ContainerImage/i.test(p.spdxId ?? '');
}

function isOperatingSystem(p: PackageInfo): boolean {
  return p.purpose === 'OPERATING-SYSTEM' || /^SPDXRef-OperatingSystem/i.test(p.spdxId ?? '');
}

function softwareOf(p: PackageInfo): Software {
  const purl = parsePurl(p.purl);
  const software: Software = { name: qualifiedName(p.name as string, purl) };
  if (p.version) software.version = p.version;
  if (purl) {
    software.ecosystem = purl.type;
    if (p.purl) software.purl = p.purl;
    if (purl.qualifiers.arch) software.architecture = purl.qualifiers.arch;
  }
  // Trivy: "built package from: openssl-libs 1:1.0.2k-16.el7"; Syft: the purl's upstream qualifier.
  const source =
    /^built package from:\s*(\S+)/i.exec(p.sourceInfo ?? '')?.[1] ?? purl?.qualifiers.upstream?.split('@')[0];
  if (source) software.sourcePackage = source;
  return software;
}

/** Streaming reader for SPDX 2.x JSON. */
export function createSpdxParser(sink: ObservationSink, options?: JsonReadOptions): StreamParser {
  return createJsonStreamParser(new SpdxReader(sink), WHAT, HOW_TO, options);
}

/** Reads a whole SPDX 2.x JSON document. Never throws. */
export function parseSpdx(bytes: Uint8Array, options?: JsonReadOptions): ParseResult<ParsedFile> {
  return collectParse('spdx-json', (sink) => createSpdxParser(sink, options), bytes);
}

/** SPDX 2.2/2.3 JSON; SPDX 3.0, tag-value, YAML and RDF documents are recognised to say what to export instead. */
export const spdxHandlers: FormatHandler[] = [
  {
    format: 'spdx-json',
    family: 'sca',
    howTo: 'syft IMAGE -o spdx-json@2.3=sbom.spdx.json, or trivy image -f spdx-json -o sbom.spdx.json IMAGE.',
    sniff({ text, fileName }) {
      const kind = sniffSpdx(text);
      if (kind === 'spdx-json') return 95;
      return kind ? spdxUnsupportedProblem(kind, fileName) : 0;
    },
    create: (sink) => createSpdxParser(sink)
  }
];
