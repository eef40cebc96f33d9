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
import { mergeHosts, type MergedAsset, type SourcedHost } from './merge';
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
  const merged = mergeHosts(input.hosts);
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
  const merged = mergeHosts(input.hosts);
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
  for (const member of m.members) {
    for (const f of member.host.findings) {
      findingCounts[f.severity] += 1;
      if (f.severity !== 'info') fixableFindings += 1;
    }
  }
  const windows = m.asset.os.family === 'windows' ? assessWindows(m.asset, wb, asOf) : undefined;
  let status: PatchStatus;
  if (windows?.status === 'behind' || fixableFindings > 0) status = 'behind';
  else if (windows) status = windows.status;
  else status = 'unknown';
  return { asset: m.asset, ...(windows ? { windows } : {}), findingCounts, status };
}

function sumCounts(list: CountsBySeverity[]): CountsBySeverity {
  const total = emptyCounts();
  for (const c of list) for (const s of SEVERITIES) total[s] += c[s];
  return total;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/**
 * Scanner findings joined with their rule texts, one row per finding instance, for the findings table and exports.
 * Sorted by severity, then host name, then title.
 */
export function listFindings(
  merged: MergedAsset[],
  rules: ReadonlyMap<string, ScannerRule>,
  ruleKey: (fileId: string, ruleId: string) => string
): Finding[] {
  const rows: Finding[] = [];
  for (const m of merged) {
    for (const member of m.members) {
      member.host.findings.forEach((f, index) => {
        const rule = rules.get(ruleKey(member.fileId, f.ruleId));
        rows.push({
          id: `${member.fileId}:${member.host.key}:${index}`,
          assetId: m.asset.id,
          hostname: m.asset.hostname,
          fileId: member.fileId,
          scanner: rule?.scanner ?? member.format,
          ruleId: f.ruleId,
          title: rule?.name ?? `Rule ${f.ruleId}`,
          ...(rule?.family ? { family: rule.family } : {}),
          severity: f.severity,
          cves: rule?.cves ?? [],
          ...(rule?.cvss3 ? { cvss3: rule.cvss3 } : {}),
          ...(rule?.cvss2 ? { cvss2: rule.cvss2 } : {}),
          ...(rule?.solution ? { solution: rule.solution } : {}),
          ...(f.port !== undefined ? { port: f.port } : {}),
          ...(f.protocol ? { protocol: f.protocol } : {}),
          kbs: [...new Set([...(rule?.kbs ?? []), ...(f.kbs ?? [])])],
          ...(f.output ? { evidence: f.output } : {})
        });
      });
    }
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
