import { z } from 'zod';
import { windowsBuildCatalogSchema } from './windows-builds';

export * from './windows-builds';

/** Everything the engine may consult. Parts are optional: a missing part makes answers "unknown", never "fine". */
export type Catalog = z.infer<typeof catalogSchema>;
export const catalogSchema = z.object({
  windowsBuilds: windowsBuildCatalogSchema.optional()
});

/** Age in whole days of a snapshot date (YYYY-MM-DD) as of another date. */
export function ageInDays(snapshotDate: string, asOf: string): number {
  const ms = Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${snapshotDate}T00:00:00Z`);
  return Math.floor(ms / 86_400_000);
}
