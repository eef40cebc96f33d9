import type { WindowsBuildCatalog, WindowsBuildRow } from '../catalog';
import type { Asset, RequiredUpdate, WindowsPatchStatus } from '../model';

/** Windows 11 24H2 and Windows Server 2025 share build 26100 but have their own cumulative updates. */
const SHARED_BUILDS: Record<number, { client: string; server: string }> = {
  26100: { client: 'Windows 11', server: 'Windows Server 2025' }
};

/**
 * The date a row was released: its release-health date, else the MSRC month that first names it, else the most
 * frequent DatePosted of its KB in the wesng definitions.
 */
export function rowDate(row: WindowsBuildRow): string | undefined {
  return row.releaseDate ?? row.msrcDate ?? row.wesngDate;
}

function isHotpatch(row: WindowsBuildRow): boolean {
  return /hotpatch/i.test(row.msrcSubtype ?? '');
}

/**
 * A row that an up-to-date machine must have: a Patch Tuesday "B" or out-of-band release, or an MSRC
 * "Security Update"; dated; not a C/D preview, not a hotpatch (hotpatch machines follow their own baseline).
 */
export function isSecurityRelease(row: WindowsBuildRow): boolean {
  if (!row.kb || isHotpatch(row) || !rowDate(row)) return false;
  const type = (row.updateType ?? '').toUpperCase();
  if (type === 'C' || type === 'D' || type === 'A') return false;
  return type === 'B' || type === 'OOB' || row.msrcSubtype === 'Security Update';
}

/** Rows for the asset's build and product line (client vs server where they differ). */
export function rowsForAsset(
  catalog: WindowsBuildCatalog,
  build: number,
  isServer: boolean
): WindowsBuildRow[] {
  const rows = catalog.rows.filter((r) => r.build === build);
  const shared = SHARED_BUILDS[build];
  if (!shared) return rows;
  const wanted = isServer ? shared.server : shared.client;
  // A row that names products applies only when it names this product line.
  return rows.filter((r) => !r.products || r.products.includes(wanted));
}

export function productLineName(
  rows: WindowsBuildRow[],
  build: number,
  isServer: boolean
): string | undefined {
  const shared = SHARED_BUILDS[build];
  if (shared) return isServer ? shared.server : `${shared.client} (build ${build})`;
  return rows[0]?.family;
}

/** The newest required security release for these rows, dated on or before asOf. */
export function requiredRelease(rows: WindowsBuildRow[], asOf: string): WindowsBuildRow | undefined {
  let best: WindowsBuildRow | undefined;
  for (const row of rows) {
    if (!isSecurityRelease(row) || (rowDate(row) ?? '') > asOf) continue;
    if (!best || row.revision > best.revision) best = row;
  }
  return best;
}

/** Whole calendar months from one date to a later one (0 when the same month or earlier). */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  let months = (ty - fy) * 12 + (tm - fm);
  if (td < fd) months -= 1;
  return Math.max(0, months);
}

function toRequired(row: WindowsBuildRow): RequiredUpdate {
  return {
    kb: row.kb ?? '',
    version: `10.0.${row.build}.${row.revision}`,
    revision: row.revision,
    releaseDate: rowDate(row) ?? '',
    releaseType:
      row.updateType && ['B', 'OOB'].includes(row.updateType.toUpperCase())
        ? row.updateType.toUpperCase()
        : 'Security Update'
  };
}

/**
 * How far a Windows asset is behind the latest cumulative update for its build.
 * A wrong "up to date" is the worst answer: whenever the data cannot tell, the status is "unknown".
 */
export function assessWindows(
  asset: Asset,
  catalog: WindowsBuildCatalog | undefined,
  asOf: string
): WindowsPatchStatus {
  const build = asset.os.build;
  const isServer = asset.os.productType === 'server';
  const base = { ...(build !== undefined ? { build } : {}) };
  if (!catalog) {
    return {
      ...base,
      revisionSource: 'unknown',
      monthsBehind: null,
      status: 'unknown',
      explanation: 'No Windows build catalog is loaded: import it in Settings to check Windows updates.'
    };
  }
  if (build === undefined) {
    return {
      revisionSource: 'unknown',
      monthsBehind: null,
      status: 'unknown',
      explanation:
        'The Windows build number is not known: import systeminfo or a registry export from this computer.'
    };
  }
  const rows = rowsForAsset(catalog, build, isServer);
  if (rows.length === 0) {
    return {
      ...base,
      revisionSource: 'unknown',
      monthsBehind: null,
      status: 'unknown',
      explanation: `Windows build ${build} is not covered by the build catalog, so its updates cannot be checked.`
    };
  }
  const productLine = productLineName(rows, build, isServer);
  const line = productLine ? { productLine } : {};

  // Installed revision: stated by a source, else inferred from the newest installed cumulative update.
  let installedRevision: number | undefined;
  let revisionSource: WindowsPatchStatus['revisionSource'] = 'unknown';
  let inferredFromKb: string | undefined;
  if (asset.os.revision !== undefined) {
    installedRevision = asset.os.revision;
    revisionSource = 'reported';
  } else {
    const installed = new Set(asset.installedUpdates.map((u) => u.kb));
    for (const row of rows) {
      if (
        row.kb &&
        installed.has(row.kb) &&
        (installedRevision === undefined || row.revision > installedRevision)
      ) {
        installedRevision = row.revision;
        inferredFromKb = row.kb;
      }
    }
    if (installedRevision !== undefined) revisionSource = 'inferred';
  }

  const required = requiredRelease(rows, asOf);
  const installedRow =
    installedRevision === undefined
      ? undefined
      : [...rows].reverse().find((r) => r.revision <= installedRevision && rowDate(r) !== undefined);
  const installedReleaseDate = installedRow ? rowDate(installedRow) : undefined;
  const common = {
    ...base,
    ...line,
    ...(installedRevision !== undefined ? { installedRevision } : {}),
    revisionSource,
    ...(inferredFromKb ? { inferredFromKb } : {}),
    ...(installedReleaseDate ? { installedReleaseDate } : {})
  };

  if (!required) {
    return {
      ...common,
      monthsBehind: null,
      status: 'unknown',
      explanation: `The build catalog has no dated security update for build ${build} up to ${asOf}.`
    };
  }
  const req = toRequired(required);
  if (installedRevision === undefined) {
    return {
      ...common,
      required: req,
      monthsBehind: null,
      status: 'unknown',
      explanation: `The installed update level is unknown (no installed update maps to a build revision). The latest required update is ${req.kb}.`
    };
  }
  if (installedRevision >= required.revision) {
    return {
      ...common,
      required: req,
      monthsBehind: 0,
      status: 'up-to-date',
      explanation:
        revisionSource === 'inferred'
          ? `Has ${req.kb} or later (revision inferred from installed update ${inferredFromKb}).`
          : `Has ${req.kb} or later.`
    };
  }
  const monthsBehind = installedReleaseDate ? monthsBetween(installedReleaseDate, req.releaseDate) : null;
  return {
    ...common,
    required: req,
    monthsBehind,
    status: 'behind',
    explanation:
      `Missing ${req.kb} (${req.releaseDate})` +
      (monthsBehind === null
        ? '; how far behind is unknown.'
        : `; ${monthsBehind} month${monthsBehind === 1 ? '' : 's'} behind.`) +
      (revisionSource === 'inferred' ? ` Installed level inferred from ${inferredFromKb}.` : '')
  };
}
