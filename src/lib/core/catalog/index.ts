export * from './windows-builds';
export * from './parts';
export * from './bundle';
export * from './build';
export * from './kev';
export * from './epss';
export * from './ssvc';
export * from './cvss';
export * from './risk';
export * from './eol';
export * from './wesng';
export * from './msrc';
export * from './osv';
export * from './refresh';

/** Age in whole days of a snapshot date (YYYY-MM-DD) as of another date. */
export function ageInDays(snapshotDate: string, asOf: string): number {
  const ms = Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${snapshotDate}T00:00:00Z`);
  return Math.floor(ms / 86_400_000);
}
