import type { Catalog } from '../catalog';
import type {
  AssetResult,
  CountsBySeverity,
  EngagementResults,
  FileFormat,
  Finding,
  PatchStatus,
  Problem,
  ResultTotals,
  ScannerRule,
  Severity
} from '../model';
import { SEVERITIES } from '../model';
import { mergeHosts, type IdentityDecisions, type MergedAsset, type SourcedHost } from './merge';
import { assessWindows } from './windows';

export interface EngineFile {
  id: string;
  name: string;
  format: FileFormat;
}

export interface EngineInput {
  engagementId: string;
  /** The assessment date, YYYY-MM-DD: the engine's only clock. */
  asOf: string;
  files: EngineFile[];
  hosts: SourcedHost[];
  catalog: Catalog;
  /** Merges and splits the technician made by hand. */
  decisions?: IdentityDecisions;
}

export interface EngineProgress {
  (done: number, total: number, what: string): void;
}

export function emptyCounts(): CountsBySeverity {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/**
 * The engine: merges host observations into assets, checks each Windows asset against the build table and
 * summarises scanner findings. Pure and deterministic: the same input gives the same output, key order included.
 */
export function computeResults(input: EngineInput, onProgress?: EngineProgress): EngagementResults {
  const merged = mergeHosts(input.hosts, input.decisions);
  const assets: AssetResult[] = merged.map((m, i) => {
    onProgress?.(i, merged.length, m.asset.hostname);
    return assessAsset(m, input.catalog.windowsBuilds, input.asOf);
  });
  onProgress?.(merged.length, merged.length, 'done');
  return assemble(input, assets);
}

/** Raised by computeResultsAsync when its caller cancelled the work. */
export class CancelledError extends Error {
  constructor() {
    super('The work was cancelled.');
    this.name = 'CancelledError';
  }
}

/**
 * The same computation, yielding to the event loop every few assets so that a worker can receive "cancel" (and
 * report progress) while it runs. Gives exactly what computeResults gives.
 */
export async function computeResultsAsync(
  input: EngineInput,
  options: { onProgress?: EngineProgress; isCancelled?: () => boolean; yieldEvery?: number } = {}
): Promise<EngagementResults> {
  const every = options.yieldEvery ?? 100;
  const merged = mergeHosts(input.hosts, input.decisions);
  const assets: AssetResult[] = [];
  for (const [i, m] of merged.entries()) {
    if (i % every === 0) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (options.isCancelled?.()) throw new CancelledError();
      options.onProgress?.(i, merged.length, m.asset.hostname);
    }
    assets.push(assessAsset(m, input.catalog.windowsBuilds, input.asOf));
  }
  options.onProgress?.(merged.length, merged.length, 'done');
  return assemble(input, assets);
}

function assemble(input: EngineInput, assets: AssetResult[]): EngagementResults {
  const problems: Problem[] = [];
  const wb = input.catalog.windowsBuilds;

  if (!wb && assets.some((a) => a.asset.os.family === 'windows')) {
    problems.push({
      severity: 'warning',
      code: 'catalog-missing-windows-builds',
      message:
        'Windows computers were found but no Windows build catalog is loaded: their update status is unknown. Import the catalog in Settings.'
    });
  }

  const hostsPerFile = new Map<string, number>();
  for (const h of input.hosts) hostsPerFile.set(h.fileId, (hostsPerFile.get(h.fileId) ?? 0) + 1);
  const files = [...input.files]
    .sort((a, b) => a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id))
    .map((f) => ({ id: f.id, name: f.name, format: f.format, hosts: hostsPerFile.get(f.id) ?? 0 }));

  const totals = computeTotals(assets);

  return {
    engagementId: input.engagementId,
    asOf: input.asOf,
    catalog: wb
      ? [
          {
            part: wb.part,
            source: wb.source,
            ...(wb.snapshotDate ? { snapshotDate: wb.snapshotDate } : {}),
            records: wb.rows.length
          }
        ]
      : [],
    files,
    assets,
    totals,
    problems
  };
}

/** Totals over assets: overall status, Windows update status, findings by severity, furthest behind. */
export function computeTotals(assets: readonly AssetResult[]): ResultTotals {
  return {
    assets: assets.length,
    windowsAssets: assets.filter((a) => a.asset.os.family === 'windows').length,
    upToDate: assets.filter((a) => a.status === 'up-to-date').length,
    behind: assets.filter((a) => a.status === 'behind').length,
    unknown: assets.filter((a) => a.status === 'unknown' || a.status === 'not-applicable').length,
    windows: {
      upToDate: assets.filter((a) => a.windows?.status === 'up-to-date').length,
      behind: assets.filter((a) => a.windows?.status === 'behind').length,
      unknown: assets.filter((a) => a.windows?.status === 'unknown').length
    },
    findings: sumCounts(assets.map((a) => a.findingCounts)),
    maxMonthsBehind: assets.reduce<number | null>((max, a) => {
      const m = a.windows?.monthsBehind;
      return m === null || m === undefined ? max : Math.max(max ?? 0, m);
    }, null)
  };
}

function assessAsset(m: MergedAsset, wb: Catalog['windowsBuilds'], asOf: string): AssetResult {
  const findingCounts = emptyCounts();
  let fixableFindings = 0;
  let pendingUpdates = 0;
  for (const member of m.members) {
    for (const f of member.host.findings) {
      findingCounts[f.severity] += 1;
      // A finding the source marks as not applying or already fixed is listed but is not a gap.
      if (f.severity !== 'info' && f.state !== 'not_affected' && f.state !== 'fixed') fixableFindings += 1;
    }
    pendingUpdates += member.host.pendingUpdates.length;
  }
  const windows = m.asset.os.family === 'windows' ? assessWindows(m.asset, wb, asOf) : undefined;
  let status: PatchStatus;
  if (windows?.status === 'behind' || fixableFindings > 0 || pendingUpdates > 0) status = 'behind';
  else if (windows) status = windows.status;
  else status = 'unknown';
  return {
    asset: m.asset,
    ...(windows ? { windows } : {}),
    findingCounts,
    ...(pendingUpdates > 0 ? { pendingUpdates } : {}),
    status
  };
}

function sumCounts(list: CountsBySeverity[]): CountsBySeverity {
  const total = emptyCounts();
  for (const c of list) for (const s of SEVERITIES) total[s] += c[s];
  return total;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/**
 * Scanner findings joined with their rule texts, for the findings table and exports: one row per gap. Results from
 * different files (or scanners) on the same asset that share a CVE are one row with every source listed.
 * Sorted by severity, then host name, then title.
 */
export function listFindings(
  merged: MergedAsset[],
  rules: ReadonlyMap<string, ScannerRule>,
  ruleKey: (fileId: string, ruleId: string) => string
): Finding[] {
  const rows: Finding[] = [];
  for (const m of merged) {
    const assetRows: Finding[] = [];
    for (const member of m.members) {
      member.host.findings.forEach((f, index) => {
        const rule = rules.get(ruleKey(member.fileId, f.ruleId));
        const title = rule?.name ?? `Rule ${f.ruleId}`;
        const scanner = rule?.scanner ?? member.format;
        assetRows.push({
          id: `${member.fileId}:${member.host.key}:${index}`,
          assetId: m.asset.id,
          hostname: m.asset.hostname,
          fileId: member.fileId,
          scanner,
          ruleId: f.ruleId,
          title,
          ...(rule?.family ? { family: rule.family } : {}),
          severity: f.severity,
          cves: rule?.cves ?? [],
          ...(rule?.cvss3 ? { cvss3: rule.cvss3 } : {}),
          ...(rule?.cvss2 ? { cvss2: rule.cvss2 } : {}),
          ...(rule?.solution ? { solution: rule.solution } : {}),
          ...(f.port !== undefined ? { port: f.port } : {}),
          ...(f.protocol ? { protocol: f.protocol } : {}),
          kbs: [...new Set([...(rule?.kbs ?? []), ...(f.kbs ?? [])])],
          ...(f.output ? { evidence: f.output } : {}),
          ...(f.package
            ? {
                package: {
                  name: f.package.name,
                  ...(f.package.version ? { version: f.package.version } : {})
                }
              }
            : {}),
          ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
          ...(f.state ? { state: f.state } : {}),
          sources: [{ fileId: member.fileId, scanner, ruleId: f.ruleId, title }]
        });
      });
    }
    rows.push(...dedupeByCve(assetRows));
  }
  rows.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      a.hostname.localeCompare(b.hostname, 'en') ||
      a.title.localeCompare(b.title, 'en') ||
      a.id.localeCompare(b.id)
  );
  return rows;
}

/** Joins one asset's rows from different files that name a common CVE; rows of one file stay apart. */
function dedupeByCve(rows: Finding[]): Finding[] {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const files = rows.map((r) => new Set([r.fileId]));
  const owner = new Map<string, number>();
  rows.forEach((r, i) => {
    for (const cve of r.cves) {
      const o = owner.get(cve);
      if (o === undefined) {
        owner.set(cve, i);
        continue;
      }
      const ra = find(o);
      const rb = find(i);
      if (ra === rb) continue;
      // Only across files: two results of one scan are two findings, even when they share a CVE.
      if ([...files[rb]!].some((f) => files[ra]!.has(f))) continue;
      parent[rb] = ra;
      for (const f of files[rb]!) files[ra]!.add(f);
    }
  });
  const groups = new Map<number, Finding[]>();
  rows.forEach((r, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), r]));
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0]!;
    const lead = [...group].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])[0]!;
    return {
      ...lead,
      cves: [...new Set(group.flatMap((r) => r.cves))].sort(),
      kbs: [...new Set(group.flatMap((r) => r.kbs))].sort(),
      sources: group.flatMap((r) => r.sources)
    };
  });
}
