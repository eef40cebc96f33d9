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

export type AssetResult = z.infer<typeof assetResultSchema>;
export const assetResultSchema = z.object({
  asset: assetSchema,
  windows: windowsPatchStatusSchema.optional(),
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
  maxMonthsBehind: z.number().int().nonnegative().nullable()
});

export type EngagementResults = z.infer<typeof engagementResultsSchema>;
export const engagementResultsSchema = z.object({
  engagementId: z.string(),
  asOf: z.string(),
  catalog: z.array(catalogPartInfoSchema),
  files: z.array(
    z.object({ id: z.string(), name: z.string(), format: fileFormatSchema, hosts: z.number().int() })
  ),
  assets: z.array(assetResultSchema),
  totals: resultTotalsSchema,
  problems: z.array(problemSchema)
});
