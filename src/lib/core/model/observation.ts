import { z } from 'zod';

/**
 * What parsers produce: observations of hosts as one file saw them, plus the scanner's rule texts.
 * The engine merges observations from several files into assets (see asset.ts).
 */

export const FILE_FORMATS = ['nessus-v2', 'systeminfo-text', 'systeminfo-csv'] as const;
export type FileFormat = z.infer<typeof fileFormatSchema>;
export const fileFormatSchema = z.enum(FILE_FORMATS);

/** Human names, used in messages ("Patchfield reads: ...") and in the UI. */
export const FORMAT_LABELS: Record<FileFormat, string> = {
  'nessus-v2': 'Nessus scan (.nessus v2)',
  'systeminfo-text': 'Windows systeminfo (text)',
  'systeminfo-csv': 'Windows systeminfo (/fo csv)'
};

export type Severity = z.infer<typeof severitySchema>;
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export const severitySchema = z.enum(SEVERITIES);

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
  architecture: z.string().optional()
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
  version: z.string().optional()
});

export type PendingUpdate = z.infer<typeof pendingUpdateSchema>;
export const pendingUpdateSchema = z.object({
  name: z.string().min(1),
  kb: z.string().optional(),
  version: z.string().optional(),
  security: z.boolean().optional()
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
  kbs: z.array(z.string()).optional()
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
  scanner: z.enum(['nessus']),
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
  exploitedByMalware: z.boolean().optional()
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
  /** Short words for a progress line, e.g. "host 312". */
  readonly position: string;
}
