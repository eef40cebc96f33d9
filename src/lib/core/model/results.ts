import { z } from 'zod';
import {
  countsBySeveritySchema,
  cvssSchema,
  fileFormatSchema,
  installedUpdateSchema,
  osInfoSchema,
  severitySchema,
  softwareSchema
} from './observation';
import { problemSchema } from './problem';
import {
  assetContextSchema,
  engagementSettingsSchema,
  patchGapSchema,
  remediationWaveSchema,
  scheduleMissSchema
} from './gaps';

export type AssetRole = z.infer<typeof assetRoleSchema>;
export const assetRoleSchema = z.enum(['server', 'workstation', 'network', 'other', 'unknown']);

export type AssetSource = z.infer<typeof assetSourceSchema>;
export const assetSourceSchema = z.object({
  fileId: z.string(),
  fileName: z.string(),
  format: fileFormatSchema,
  hostKey: z.string(),
  /** Stable name of the observation, used by the technician's merge/split decisions. */
  anchor: z.string()
});

/** One machine of the client's estate, merged from every file that saw it. */
export type Asset = z.infer<typeof assetSchema>;
export const assetSchema = z.object({
  /** Stable: derived from the merged identity, so the same inputs give the same id. */
  id: z.string(),
  hostname: z.string(),
  fqdn: z.string().optional(),
  ips: z.array(z.string()),
  macs: z.array(z.string()),
  os: osInfoSchema,
  role: assetRoleSchema,
  sources: z.array(assetSourceSchema),
  /** Files about this machine replaced by a newer file of the same format. */
  superseded: z.array(assetSourceSchema).optional(),
  installedUpdates: z.array(installedUpdateSchema),
  software: z.array(softwareSchema)
});

export type PatchStatus = z.infer<typeof patchStatusSchema>;
/** unknown is never good: it means the data cannot tell. */
export const patchStatusSchema = z.enum(['up-to-date', 'behind', 'unknown', 'not-applicable']);

export type RequiredUpdate = z.infer<typeof requiredUpdateSchema>;
export const requiredUpdateSchema = z.object({
  kb: z.string(),
  /** Full version, e.g. 10.0.19045.7548. */
  version: z.string(),
  revision: z.number().int(),
  releaseDate: z.string(),
  /** B = Patch Tuesday, OOB = out-of-band, S = MSRC "Security Update". */
  releaseType: z.string()
});

export type WindowsPatchStatus = z.infer<typeof windowsPatchStatusSchema>;
export const windowsPatchStatusSchema = z.object({
  build: z.number().int().optional(),
  /** e.g. "Windows 10 22H2", "Windows Server 2022". */
  productLine: z.string().optional(),
  installedRevision: z.number().int().optional(),
  /** reported: a scanner or registry export stated it · inferred: from the newest installed cumulative update. */
  revisionSource: z.enum(['reported', 'inferred', 'unknown']),
  inferredFromKb: z.string().optional(),
  installedReleaseDate: z.string().optional(),
  required: requiredUpdateSchema.optional(),
  /** Whole months between the installed and the required update; null when the data cannot tell. */
  monthsBehind: z.number().int().nonnegative().nullable(),
  status: patchStatusSchema,
  /** One plain sentence for people, e.g. why the status is unknown. */
  explanation: z.string()
});

/** Where an operating system or program stands in its vendor's support life (from endoflife.date). */
export type SupportVerdict = z.infer<typeof supportVerdictSchema>;
export const supportVerdictSchema = z.object({
  productId: z.string(),
  product: z.string(),
  cycle: z.string(),
  cycleLabel: z.string(),
  phase: z.enum(['supported', 'security-only', 'esu', 'end-of-life', 'outdated', 'unknown']),
  eoas: z.string().optional(),
  eol: z.string().optional(),
  eoes: z.string().optional(),
  latest: z.string().optional(),
  gap: z.boolean(),
  text: z.string()
});

export type AssetResult = z.infer<typeof assetResultSchema>;
export const assetResultSchema = z.object({
  asset: assetSchema,
  /** What the technician said about the asset (internet-facing, ESU, pilot …). */
  context: assetContextSchema,
  windows: windowsPatchStatusSchema.optional(),
  /** The operating system's support phase. */
  support: supportVerdictSchema.optional(),
  /** Linux: the OSV ecosystem the packages were checked in, and whether the catalog covers it. */
  linux: z
    .object({ ecosystem: z.string().optional(), covered: z.boolean(), problems: z.array(z.string()) })
    .optional(),
  /** Gaps (actions) on this asset by severity. */
  gapCounts: countsBySeveritySchema,
  /** One plain sentence on why the status is what it is. */
  statusReason: z.string(),
  findingCounts: countsBySeveritySchema,
  /** Updates the machine itself lists as available (apt, dnf, Windows Update, softwareupdate …). */
  pendingUpdates: z.number().int().nonnegative().optional(),
  /** The asset's overall patch status across everything known. */
  status: patchStatusSchema
});

/** A scanner finding joined with its rule: what the findings table shows. */
export type Finding = z.infer<typeof findingSchema>;
export const findingSchema = z.object({
  id: z.string(),
  assetId: z.string(),
  hostname: z.string(),
  fileId: z.string(),
  scanner: z.string(),
  ruleId: z.string(),
  title: z.string(),
  family: z.string().optional(),
  severity: severitySchema,
  cves: z.array(z.string()),
  cvss3: cvssSchema.optional(),
  cvss2: cvssSchema.optional(),
  solution: z.string().optional(),
  port: z.number().int().optional(),
  protocol: z.string().optional(),
  kbs: z.array(z.string()),
  /** Evidence as the scanner wrote it. */
  evidence: z.string().optional(),
  /** Affected package for software-composition findings. */
  package: z.object({ name: z.string(), version: z.string().optional() }).optional(),
  fixedVersion: z.string().optional(),
  /** As the source says; not_affected and fixed are listed but are not gaps. */
  state: z.string().optional(),
  /**
   * Every scanner result behind this row: the same CVE on the same asset from two scanners is one gap with
   * both sources listed.
   */
  sources: z.array(
    z.object({ fileId: z.string(), scanner: z.string(), ruleId: z.string(), title: z.string() })
  )
});

export type CatalogPartInfo = z.infer<typeof catalogPartInfoSchema>;
export const catalogPartInfoSchema = z.object({
  part: z.string(),
  source: z.string(),
  snapshotDate: z.string().optional(),
  records: z.number().int().nonnegative()
});

export type StatusCounts = z.infer<typeof statusCountsSchema>;
export const statusCountsSchema = z.object({
  upToDate: z.number().int().nonnegative(),
  behind: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative()
});

export type ResultTotals = z.infer<typeof resultTotalsSchema>;
export const resultTotalsSchema = z.object({
  assets: z.number().int().nonnegative(),
  windowsAssets: z.number().int().nonnegative(),
  /** Assets by overall status (Windows updates and scanner findings with a fix together). */
  upToDate: z.number().int().nonnegative(),
  behind: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative(),
  /** Windows assets by cumulative-update status only: what "missing Windows updates" means. */
  windows: statusCountsSchema,
  findings: countsBySeveritySchema,
  /** Largest months-behind among assets where it is known. */
  maxMonthsBehind: z.number().int().nonnegative().nullable(),
  /** Gaps (actions to take) by severity, and how many are known exploited or end of life. */
  gaps: countsBySeveritySchema,
  kevGaps: z.number().int().nonnegative(),
  endOfLife: z.number().int().nonnegative(),
  /** Gaps the client accepted as risks, exception still in force: listed, not planned. */
  acceptedRisks: z.number().int().nonnegative()
});

/** The engagement's grade and the figures behind it (see docs/grade.md). */
export type EngagementScore = z.infer<typeof engagementScoreSchema>;
export const engagementScoreSchema = z.object({
  grade: z.enum(['A', 'B', 'C', 'D', 'F']),
  score: z.number().min(0).max(100),
  scale: z.array(z.object({ grade: z.string(), min: z.number(), meaning: z.string() })),
  formula: z.string(),
  percentFullyPatched: z.number().nullable(),
  fullyPatched: z.number().int().nonnegative(),
  denominator: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative(),
  monthsBehind: z.array(z.object({ bucket: z.string(), assets: z.number().int().nonnegative() })),
  endOfLife: z.number().int().nonnegative(),
  kevGaps: z.number().int().nonnegative(),
  criticalGaps: z.number().int().nonnegative(),
  overdueGaps: z.number().int().nonnegative()
});

/** A catalog part's age as of the assessment date; stale parts are flagged in the app and the report. */
export type CatalogFreshness = z.infer<typeof catalogFreshnessSchema>;
export const catalogFreshnessSchema = z.object({
  part: z.string(),
  ageDays: z.number().int().nullable(),
  maxAgeDays: z.number().int().positive(),
  stale: z.boolean()
});

export type EngagementResults = z.infer<typeof engagementResultsSchema>;
export const engagementResultsSchema = z.object({
  engagementId: z.string(),
  asOf: z.string(),
  catalog: z.array(catalogPartInfoSchema),
  files: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      format: fileFormatSchema,
      hosts: z.number().int(),
      /** The days the file says its hosts were scanned or collected on (absent when the file does not say). */
      scanned: z.object({ first: z.string(), last: z.string() }).optional()
    })
  ),
  /** Catalog parts the engine did not have: the answers they would give are "unknown". */
  catalogMissing: z.array(z.string()),
  freshness: z.array(catalogFreshnessSchema),
  settings: engagementSettingsSchema,
  assets: z.array(assetResultSchema),
  gaps: z.array(patchGapSchema),
  waves: z.array(remediationWaveSchema),
  misses: z.array(scheduleMissSchema),
  score: engagementScoreSchema,
  totals: resultTotalsSchema,
  problems: z.array(problemSchema)
});
