import { z } from 'zod';

/**
 * What parsers produce: observations of hosts as one file saw them, plus the scanner's rule texts.
 * The engine merges observations from several files into assets (see asset.ts).
 */

/**
 * Every format Patchfield reads, by a stable name (shown by `patchfield inspect` and documented in the README).
 * The label is what people see.
 */
export const FORMAT_LABELS = {
  'nessus-v2': 'Nessus scan (.nessus v2)',
  'tenable-csv': 'Tenable CSV export (Nessus, Tenable.sc, Tenable.io)',
  'openvas-xml': 'OpenVAS / Greenbone report (XML)',
  'openvas-csv': 'OpenVAS / Greenbone results (CSV)',
  'qualys-xml': 'Qualys asset data report (XML)',
  'qualys-scan-xml': 'Qualys scan report (XML)',
  'qualys-csv': 'Qualys VM / VMDR / PCI export (CSV)',
  'nexpose-xml': 'Rapid7 Nexpose / InsightVM report (XML 2.0)',
  'mdvm-zip': 'Microsoft Defender Vulnerability Management export (zip)',
  'mdvm-json': 'Microsoft Defender Vulnerability Management API (JSON)',
  'nmap-xml': 'Nmap scan (XML)',
  'trivy-json': 'Trivy report (JSON)',
  'grype-json': 'Grype report (JSON)',
  'osv-scanner-json': 'OSV-Scanner report (JSON)',
  'cyclonedx-json': 'CycloneDX SBOM / VEX (JSON)',
  'cyclonedx-xml': 'CycloneDX SBOM / VEX (XML)',
  'spdx-json': 'SPDX 2.2 / 2.3 SBOM (JSON)',
  'systeminfo-text': 'Windows systeminfo (text)',
  'systeminfo-csv': 'Windows systeminfo (/fo csv)',
  'windows-currentversion': 'Windows CurrentVersion registry export',
  'wmic-qfe': 'Windows wmic qfe list',
  'get-hotfix': 'PowerShell Get-HotFix',
  'windows-update-history': 'Windows Update history',
  'windows-missing-updates': 'Windows missing-updates list',
  'get-package': 'PowerShell Get-Package',
  pswindowsupdate: 'PSWindowsUpdate Get-WindowsUpdate / Get-WUList',
  'winget-list': 'winget list',
  'winget-upgrade': 'winget upgrade',
  'windows-installed-programs': 'Windows installed programs (registry Uninstall keys, CSV)',
  'dpkg-list': 'Debian/Ubuntu dpkg -l',
  'dpkg-query': 'Debian/Ubuntu dpkg-query -W',
  'dpkg-status': 'Debian/Ubuntu /var/lib/dpkg/status',
  'apt-upgradable': 'apt list --upgradable',
  'apt-get-simulate': 'apt-get -s upgrade',
  'rpm-qa': 'rpm -qa',
  'rpm-qai': 'rpm -qai',
  'yum-check-update': 'yum / dnf check-update',
  'dnf-updateinfo': 'dnf updateinfo list',
  'os-release': 'Linux /etc/os-release',
  'macos-softwareupdate': 'macOS softwareupdate -l',
  'macos-system-profiler': 'macOS system_profiler SPApplicationsDataType (text)',
  'macos-system-profiler-json': 'macOS system_profiler SPApplicationsDataType -json',
  'patchfield-collector': 'Patchfield collector output',
  'generic-csv': 'Inventory or RMM CSV (mapped columns)'
} as const;

export type FileFormat = keyof typeof FORMAT_LABELS;
export const FILE_FORMATS = Object.keys(FORMAT_LABELS) as [FileFormat, ...FileFormat[]];
export const fileFormatSchema = z.enum(FILE_FORMATS);

export type Severity = z.infer<typeof severitySchema>;
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const severitySchema = z.enum(SEVERITIES);

export type CountsBySeverity = z.infer<typeof countsBySeveritySchema>;
export const countsBySeveritySchema = z.object({
  critical: z.number().int().nonnegative(),
  high: z.number().int().nonnegative(),
  medium: z.number().int().nonnegative(),
  low: z.number().int().nonnegative(),
  info: z.number().int().nonnegative()
});

export type OsFamily = z.infer<typeof osFamilySchema>;
export const osFamilySchema = z.enum(['windows', 'linux', 'macos', 'unix', 'network', 'other', 'unknown']);

export type OsInfo = z.infer<typeof osInfoSchema>;
export const osInfoSchema = z.object({
  family: osFamilySchema,
  /** As the source wrote it, e.g. "Microsoft Windows 10 Pro". */
  name: z.string().optional(),
  /** e.g. "10.0.19045" or "6.1.7601". */
  version: z.string().optional(),
  /** Windows build number, e.g. 19045. */
  build: z.number().int().nonnegative().optional(),
  /** Windows update build revision (UBR), e.g. 4291 in 10.0.19045.4291, only when a source states it. */
  revision: z.number().int().nonnegative().optional(),
  edition: z.string().optional(),
  servicePack: z.string().optional(),
  /** Windows client or server: they are different product lines even on the same build. */
  productType: z.enum(['client', 'server']).optional(),
  architecture: z.string().optional(),
  /** Windows feature release as shown to users, e.g. "22H2" (registry DisplayVersion). */
  displayVersion: z.string().optional(),
  /** Linux distribution from os-release (ID, VERSION_ID, VERSION_CODENAME, PRETTY_NAME). */
  distro: z
    .object({
      id: z.string(),
      versionId: z.string().optional(),
      codename: z.string().optional(),
      prettyName: z.string().optional(),
      idLike: z.array(z.string()).optional()
    })
    .optional()
});

export type InstalledUpdate = z.infer<typeof installedUpdateSchema>;
export const installedUpdateSchema = z.object({
  /** Normalised "KB" + 6–7 digits, e.g. "KB5039211". */
  kb: z.string().regex(/^KB\d{6,7}$/),
  /** ISO date YYYY-MM-DD when the source gives one. */
  installedOn: z.string().optional(),
  description: z.string().optional()
});

export type Software = z.infer<typeof softwareSchema>;
export const softwareSchema = z.object({
  name: z.string().min(1),
  vendor: z.string().optional(),
  version: z.string().optional(),
  architecture: z.string().optional(),
  /** Debian source package (advisories are keyed by it), or the RPM source RPM. */
  sourcePackage: z.string().optional(),
  /** Package ecosystem: deb, rpm, apk, npm, pypi, maven, windows-program, macos-app, ... */
  ecosystem: z.string().optional(),
  purl: z.string().optional(),
  installedOn: z.string().optional(),
  /** The source cut the name or version (dpkg -l at 80 columns): never compare it as a real version. */
  truncated: z.boolean().optional()
});

export type PendingUpdate = z.infer<typeof pendingUpdateSchema>;
export const pendingUpdateSchema = z.object({
  name: z.string().min(1),
  kb: z.string().optional(),
  /** The version on offer. */
  version: z.string().optional(),
  /** The version installed now, when the source says. */
  currentVersion: z.string().optional(),
  architecture: z.string().optional(),
  /** Repository, pocket or catalog the update comes from (e.g. "focal-security"). */
  repository: z.string().optional(),
  security: z.boolean().optional(),
  rebootRequired: z.boolean().optional(),
  kind: z.enum(['package', 'windows-update', 'macos-update', 'application']).optional()
});

/** One scanner result on one host: the per-host part of a finding. Rule texts live in ScannerRule. */
export type FindingInstance = z.infer<typeof findingInstanceSchema>;
export const findingInstanceSchema = z.object({
  ruleId: z.string().min(1),
  severity: severitySchema,
  port: z.number().int().nonnegative().optional(),
  protocol: z.string().optional(),
  service: z.string().optional(),
  /** Scanner's evidence (Nessus plugin_output), kept whole. */
  output: z.string().optional(),
  /** KBs named in this host's evidence (e.g. missing updates listed in plugin output). */
  kbs: z.array(z.string()).optional(),
  /** For software-composition findings: the affected package as installed. */
  package: z
    .object({
      name: z.string(),
      version: z.string().optional(),
      ecosystem: z.string().optional(),
      purl: z.string().optional()
    })
    .optional(),
  fixedVersion: z.string().optional(),
  /**
   * Whether the finding applies, as the source says (Trivy status, VEX analysis state). not_affected and fixed
   * are kept (and counted) but are not gaps.
   */
  state: z
    .enum([
      'affected',
      'not_affected',
      'fixed',
      'under_investigation',
      'will_not_fix',
      'fix_deferred',
      'end_of_life',
      'unknown'
    ])
    .optional(),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional()
});

export type Cvss = z.infer<typeof cvssSchema>;
export const cvssSchema = z.object({
  baseScore: z.number().min(0).max(10),
  vector: z.string().optional()
});

/** A scanner rule (a Nessus plugin): its texts are stored once per rule per file, not per host. */
export type ScannerRule = z.infer<typeof scannerRuleSchema>;
export const scannerRuleSchema = z.object({
  ruleId: z.string().min(1),
  /** Which tool's rule: nessus, tenable, openvas, qualys, nexpose, mdvm, trivy, grype, osv, cyclonedx, spdx, ... */
  scanner: z.string().min(1),
  name: z.string(),
  family: z.string().optional(),
  /** Severity the scanner gives the rule (the first instance's, as rules carry none of their own). */
  severity: severitySchema,
  riskFactor: z.string().optional(),
  synopsis: z.string().optional(),
  description: z.string().optional(),
  solution: z.string().optional(),
  cves: z.array(z.string()),
  cvss3: cvssSchema.optional(),
  cvss2: cvssSchema.optional(),
  /** Microsoft KBs from xrefs (MSKB:nnnnnnn), normalised to "KBnnnnnnn". */
  kbs: z.array(z.string()),
  /** MS bulletin ids (MSFT:MS17-010) and other cross-references worth showing. */
  xrefs: z.array(z.string()),
  references: z.array(z.string()),
  pluginType: z.string().optional(),
  publishedOn: z.string().optional(),
  patchPublishedOn: z.string().optional(),
  vulnPublishedOn: z.string().optional(),
  exploitAvailable: z.boolean().optional(),
  exploitedByMalware: z.boolean().optional(),
  /** Other ids of the same vulnerability (GHSA, OSV, vendor ids). */
  aliases: z.array(z.string()).optional()
});

/** One host as one file saw it. */
export type HostObservation = z.infer<typeof hostObservationSchema>;
export const hostObservationSchema = z.object({
  /** Identifies the host within its file (e.g. the ReportHost name). */
  key: z.string().min(1),
  /** Short host name (NetBIOS-like) as reported. */
  hostname: z.string().optional(),
  fqdn: z.string().optional(),
  domain: z.string().optional(),
  ips: z.array(z.string()),
  /** Ids a scanner or agent gives the machine, as "tool:id" (e.g. "qualys:12345", "mdvm:abc"): strong identity. */
  hostIds: z.array(z.string()).optional(),
  /** What the observation describes: a machine, or a container image / application scanned by an SCA tool. */
  kind: z.enum(['machine', 'image', 'application']).optional(),
  macs: z.array(z.string()),
  os: osInfoSchema.optional(),
  credentialed: z.boolean().optional(),
  scanStart: z.string().optional(),
  scanEnd: z.string().optional(),
  /** How many updates the source says are installed (systeminfo's "N Hotfix(s) Installed."). */
  reportedUpdateCount: z.number().int().nonnegative().optional(),
  installedUpdates: z.array(installedUpdateSchema),
  software: z.array(softwareSchema),
  pendingUpdates: z.array(pendingUpdateSchema),
  findings: z.array(findingInstanceSchema)
});

export type ParsedFile = z.infer<typeof parsedFileSchema>;
export const parsedFileSchema = z.object({
  format: fileFormatSchema,
  /** Version of the format as the file states it, e.g. "GMP 22.4", "CycloneDX 1.4", "SchemaVersion 2". */
  formatVersion: z.string().optional(),
  hosts: z.array(hostObservationSchema),
  rules: z.array(scannerRuleSchema)
});

/** Where a streaming parser hands over what it has read, host by host. */
export interface ObservationSink {
  host(host: HostObservation): void;
  rule(rule: ScannerRule): void;
}

/**
 * A parser that reads a file in chunks and never holds it whole.
 * `write` and `end` never throw on bad input: trouble goes to `issues`.
 */
export interface StreamParser {
  write(chunk: Uint8Array): void;
  end(): void;
  readonly issues: readonly import('./problem').Problem[];
  /** The format's version once the parser has seen it. */
  readonly formatVersion?: string | undefined;
  /** Short words for a progress line, e.g. "host 312". */
  readonly position: string;
}
