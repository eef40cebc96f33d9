import { z } from 'zod';
import { severitySchema } from './observation';

/**
 * What the engine tells the client: patch gaps (actions to take, not scanner hits), each with a priority and a due
 * date from the engagement's policy, and a remediation schedule of waves in maintenance windows.
 */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const GAP_KINDS = [
  'os-update',
  'package-update',
  'scanner-finding',
  'end-of-life',
  'outdated-software'
] as const;
export type GapKind = z.infer<typeof gapKindSchema>;
export const gapKindSchema = z.enum(GAP_KINDS);

/** Where a gap was seen: one file and one record in it (a host's finding, a package line, an OS string). */
export type GapEvidence = z.infer<typeof gapEvidenceSchema>;
export const gapEvidenceSchema = z.object({
  fileId: z.string(),
  fileName: z.string(),
  /** e.g. "Nessus plugin 187901 on port 445", "package openssl 3.0.2-0ubuntu1.10", "OS: Windows 10 Pro 19045.3803". */
  record: z.string()
});

export type GapCvss = z.infer<typeof gapCvssSchema>;
export const gapCvssSchema = z.object({
  /** Highest base score over the gap's CVEs (and scanner scores where no vector is known). */
  score: z.number().min(0).max(10),
  version: z.enum(['2.0', '3.0', '3.1', '4.0']).optional(),
  vector: z.string().optional(),
  /** The CVE whose vector gave the score. */
  cve: z.string().optional()
});

export type GapEpss = z.infer<typeof gapEpssSchema>;
export const gapEpssSchema = z.object({
  cve: z.string(),
  score: z.number().min(0).max(1),
  percentile: z.number().min(0).max(1)
});

export type GapKev = z.infer<typeof gapKevSchema>;
export const gapKevSchema = z.object({
  /** The gap's CVEs that are in KEV. */
  cves: z.array(z.string()),
  /** Earliest date one of them was added. */
  dateAdded: isoDate,
  ransomware: z.boolean()
});

/** SSVC inputs over the gap's CVEs, the most urgent value of each decision point. */
export type GapSsvc = z.infer<typeof gapSsvcSchema>;
export const gapSsvcSchema = z.object({
  exploitation: z.enum(['none', 'poc', 'active']),
  automatable: z.enum(['yes', 'no']),
  technicalImpact: z.enum(['partial', 'total'])
});

export type GapPriority = z.infer<typeof gapPrioritySchema>;
export const gapPrioritySchema = z.object({
  /** 1 (most urgent) .. 5 */
  rank: z.number().int().min(1).max(5),
  /** Short label: "Emergency", "Critical", "High", "Medium", "Low", "Next upgrade". */
  label: z.string(),
  /** Days the policy allows; null when the policy says "fix at the next upgrade" (no calendar deadline). */
  days: z.number().int().nonnegative().nullable(),
  /** as-of + days. */
  dueDate: isoDate.nullable(),
  /** fix release date + days, when that is already past on the as-of date. */
  overdueSince: isoDate.optional(),
  /** One line in plain words: "Known exploited and internet-facing: install within 3 days". */
  reason: z.string(),
  policy: z.string(),
  /** Asset-context inputs that were missing and took their more urgent value. */
  assumed: z.array(z.string())
});

/**
 * The client decided not to fix a gap for now: a risk accepted, with the reason in their words. The grade still
 * counts the risk (it is real); the plan leaves the gap out until `until`, the date to look at it again.
 */
export type GapException = z.infer<typeof gapExceptionSchema>;
export const gapExceptionSchema = z.object({
  reason: z.string().trim().min(1, 'say why the risk is accepted').max(2000),
  /** Who on the client's side accepted it ("Dr. Müller, owner"). */
  acceptedBy: z.string().trim().max(200).optional(),
  /** Review date: after it the exception has lapsed and the gap is planned again. */
  until: isoDate.optional(),
  /** When it was recorded. */
  recordedOn: isoDate.optional()
});

/** An exception as the results carry it: lapsed ones stay visible, marked inactive. */
export type GapExceptionState = z.infer<typeof gapExceptionStateSchema>;
export const gapExceptionStateSchema = gapExceptionSchema.extend({
  /** False once `until` is before the assessment date. */
  active: z.boolean()
});

/** One action to take on one asset. */
export type PatchGap = z.infer<typeof patchGapSchema>;
export const patchGapSchema = z.object({
  /** Stable: derived from asset id, kind and product, so the same inputs give the same id. */
  id: z.string(),
  assetId: z.string(),
  hostname: z.string(),
  kind: gapKindSchema,
  /** What is updated or replaced: "Windows 10 22H2", "openssl", "Microsoft Office", "Google Chrome". */
  product: z.string(),
  /** One line: "Install KB5066791 (2025-10 cumulative update)", "Upgrade openssl to 3.0.2-0ubuntu1.18". */
  title: z.string(),
  installed: z.string().optional(),
  required: z.string().optional(),
  kb: z.string().optional(),
  /** Date the fix became available (the update's release date, the advisory's publication). */
  fixReleased: isoDate.optional(),
  severity: severitySchema,
  cves: z.array(z.string()),
  cvss: gapCvssSchema.optional(),
  epss: gapEpssSchema.optional(),
  kev: gapKevSchema.optional(),
  ssvc: gapSsvcSchema.optional(),
  /** null when no source says. */
  rebootRequired: z.boolean().nullable(),
  /** A security fix (vs. a plain pending update or an outdated version). */
  security: z.boolean(),
  /** Scanner results and advisories folded into this one action. */
  folded: z.number().int().nonnegative(),
  evidence: z.array(gapEvidenceSchema),
  /** For end-of-life and ESU verdicts: the support phase in words ("end of life since 2025-10-14; ESU until 2028-10-13"). */
  support: z.string().optional(),
  priority: gapPrioritySchema,
  /** The client accepted this risk (settings.exceptions): listed everywhere, scheduled only once it lapses. */
  exception: gapExceptionStateSchema.optional()
});

/** What the technician knows about an asset that the files cannot tell. Missing means "not asked yet". */
export type AssetContext = z.infer<typeof assetContextSchema>;
export const assetContextSchema = z.object({
  internetFacing: z.boolean().optional(),
  businessCritical: z.boolean().optional(),
  regulatedData: z.boolean().optional(),
  /** Enrolled in paid Extended Security Updates: ESU-only updates are required and EOL is not a gap while ESU lasts. */
  esuEnrolled: z.boolean().optional(),
  /** Put in (true) or kept out of (false) the pilot ring by hand; absent: chosen automatically. */
  pilot: z.boolean().optional(),
  /** The technician's note about this machine ("under the reception desk, owner refuses reboots"): in the report. */
  note: z.string().trim().min(1).max(4000).optional()
});

export const POLICY_IDS = ['severity-bands', 'cisa-bod-26-04', 'pci-dss'] as const;
export type PolicyId = z.infer<typeof policyIdSchema>;
export const policyIdSchema = z.enum(POLICY_IDS);

/** Days per band for the default policy; every value editable per engagement. */
export type SeverityBands = z.infer<typeof severityBandsSchema>;
export const severityBandsSchema = z.object({
  kev: z.number().int().nonnegative(),
  kevInternetFacing: z.number().int().nonnegative(),
  critical: z.number().int().nonnegative(),
  high: z.number().int().nonnegative(),
  medium: z.number().int().nonnegative(),
  low: z.number().int().nonnegative()
});

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;
export const maintenanceWindowSchema = z.object({
  /** Which machines use it. */
  for: z.enum(['workstations', 'servers']),
  days: z.array(z.enum(WEEKDAYS)).min(1),
  start: timeOfDay,
  end: timeOfDay,
  /** Technician-hours available in one occurrence of the window. */
  capacityHours: z.number().positive()
});

export type ScheduleSettings = z.infer<typeof scheduleSettingsSchema>;
export const scheduleSettingsSchema = z.object({
  /** IANA time zone of the client's site. */
  timeZone: z.string(),
  /** First day the plan may use; default as-of + 7 days. */
  startDate: isoDate.optional(),
  windows: z.array(maintenanceWindowSchema).min(1),
  /** Minutes of hands-on work per machine touched in a wave, and per update of each kind. */
  minutesPerMachine: z.number().nonnegative(),
  minutesPerUpdate: z.object({
    'os-update': z.number().nonnegative(),
    'package-update': z.number().nonnegative(),
    'scanner-finding': z.number().nonnegative(),
    'end-of-life': z.number().nonnegative(),
    'outdated-software': z.number().nonnegative()
  }),
  /** Minutes added per machine that must reboot. */
  minutesPerReboot: z.number().nonnegative(),
  /** How many machines the pilot ring takes at most. */
  pilotSize: z.number().int().nonnegative(),
  /** Days to watch the pilot before the broad rings start. */
  pilotSoakDays: z.number().int().nonnegative(),
  /** Items due within this many days get an out-of-cycle emergency wave before everything else. */
  emergencyDays: z.number().int().nonnegative()
});

/** A technician's adjustment of the plan: moves and locks survive a recompute. */
export type ScheduleAdjustments = z.infer<typeof scheduleAdjustmentsSchema>;
export const scheduleAdjustmentsSchema = z.object({
  /** assetId → wave id it was moved to. */
  moves: z.record(z.string(), z.string()),
  /** Wave ids whose contents stay as they are. */
  locked: z.array(z.string())
});

/** Everything the engagement decides beyond its files; `--engagement settings.json` in the CLI. */
export type EngagementSettings = z.infer<typeof engagementSettingsSchema>;
export const engagementSettingsSchema = z.object({
  policy: policyIdSchema,
  bands: severityBandsSchema,
  schedule: scheduleSettingsSchema,
  /** By asset id or by host name (case-insensitive). */
  assets: z.record(z.string(), assetContextSchema),
  adjustments: scheduleAdjustmentsSchema.optional(),
  /** Risks the client accepted, by gap id (the `id` of a gap in the results). */
  exceptions: z.record(z.string(), gapExceptionSchema).optional()
});

export type WaveKind = z.infer<typeof waveKindSchema>;
export const waveKindSchema = z.enum(['emergency', 'pilot', 'workstations', 'servers']);

export type RemediationWave = z.infer<typeof remediationWaveSchema>;
export const remediationWaveSchema = z.object({
  /** Stable, e.g. "w03-workstations". */
  id: z.string(),
  kind: waveKindSchema,
  name: z.string(),
  /** Local date-time in the site's time zone, "YYYY-MM-DDTHH:mm". */
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  assetIds: z.array(z.string()),
  gapIds: z.array(z.string()),
  effortMinutes: z.number().int().nonnegative(),
  /** What to do after the wave to prove it worked (rescan, re-export). */
  verification: z.string(),
  /** Date by which the wave's machines should be verified. */
  expectedCompletion: isoDate,
  locked: z.boolean()
});

export type ScheduleMiss = z.infer<typeof scheduleMissSchema>;
export const scheduleMissSchema = z.object({
  gapId: z.string(),
  assetId: z.string(),
  dueDate: isoDate,
  /** The planned date (wave end date), or null when the gap could not be placed at all. */
  plannedDate: isoDate.nullable(),
  reason: z.string(),
  /** What would fix it: "add a workstation window on 2026-12-01", "raise capacity to 12 h per window". */
  fix: z.string()
});
