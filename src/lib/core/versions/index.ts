import { compareDpkg, type VersionSign } from './dpkg';
import { compareRpm } from './rpm';
import { compareSemverish } from './semver';
import { compareWindowsBuild } from './windows';

/**
 * Version ordering for patch gaps: is the installed version older than the fixed one? One comparison per
 * versioning scheme; each returns -1, 0 or 1 and never throws (unreadable versions have a documented place).
 */
export * from './dpkg';
export * from './rpm';
export * from './semver';
export * from './windows';

/** The versioning schemes Patchfield compares (the `versions --scheme` names of the CLI). */
export const VERSION_SCHEMES = ['dpkg', 'rpm', 'semver', 'windows'] as const;
export type VersionScheme = (typeof VERSION_SCHEMES)[number];

const COMPARATORS: Record<VersionScheme, (a: string, b: string) => VersionSign> = {
  dpkg: compareDpkg,
  rpm: compareRpm,
  semver: compareSemverish,
  windows: compareWindowsBuild
};

/** The comparison for a scheme: Debian packages, RPM packages, application versions, Windows builds. */
export function versionComparator(scheme: VersionScheme): (a: string, b: string) => VersionSign {
  return COMPARATORS[scheme];
}

export function isVersionScheme(name: string): name is VersionScheme {
  return (VERSION_SCHEMES as readonly string[]).includes(name);
}
