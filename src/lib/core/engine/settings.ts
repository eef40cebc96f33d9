import { engagementSettingsSchema, type AssetContext, type EngagementSettings, type Problem } from '../model';

/**
 * The documented defaults (README, "Engagement settings"): what an engagement uses until the technician changes it,
 * and what `patchfield assess` uses without `--engagement`.
 */
export const DEFAULT_ENGAGEMENT_SETTINGS: EngagementSettings = {
  policy: 'severity-bands',
  bands: { kev: 14, kevInternetFacing: 3, critical: 15, high: 30, medium: 90, low: 180 },
  schedule: {
    timeZone: 'UTC',
    windows: [
      { for: 'workstations', days: ['tue', 'thu'], start: '18:00', end: '22:00', capacityHours: 8 },
      { for: 'servers', days: ['sat'], start: '08:00', end: '14:00', capacityHours: 8 }
    ],
    minutesPerMachine: 10,
    minutesPerUpdate: {
      'os-update': 20,
      'package-update': 5,
      'scanner-finding': 15,
      'end-of-life': 120,
      'outdated-software': 10
    },
    minutesPerReboot: 10,
    pilotSize: 5,
    pilotSoakDays: 2,
    emergencyDays: 3
  },
  assets: {}
};

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
export type EngagementSettingsInput = DeepPartial<EngagementSettings>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeDeep(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeDeep(base[k], v);
  return out;
}

/**
 * Settings as given (a partial JSON object) completed with the defaults and validated. Invalid settings are an
 * error naming the field, never silently replaced.
 */
export function resolveSettings(input: unknown): { value?: EngagementSettings; issues: Problem[] } {
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    return {
      issues: [
        {
          severity: 'error',
          code: 'settings-not-object',
          message: 'The engagement settings must be a JSON object, e.g. { "policy": "pci-dss" }.'
        }
      ]
    };
  }
  const merged = mergeDeep(DEFAULT_ENGAGEMENT_SETTINGS, input ?? {});
  const checked = engagementSettingsSchema.safeParse(merged);
  if (checked.success) return { value: checked.data, issues: [] };
  return {
    issues: checked.error.issues.slice(0, 5).map((i) => ({
      severity: 'error' as const,
      code: 'settings-invalid',
      message: `Engagement setting "${i.path.join('.') || '(top level)'}" is not valid: ${i.message}.`
    }))
  };
}

/** The technician's context for an asset: by id first, then by host name (case-insensitive). */
export function contextFor(settings: EngagementSettings, assetId: string, hostname: string): AssetContext {
  const byId = settings.assets[assetId];
  if (byId) return byId;
  const lower = hostname.toLowerCase();
  for (const [key, ctx] of Object.entries(settings.assets)) {
    if (key.toLowerCase() === lower) return ctx;
  }
  return {};
}
