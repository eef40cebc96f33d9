import { ageInDays, CATALOG_KEYS, CATALOG_PART_NAMES, partRecords, type Catalog } from '../catalog';
import type {
  AssetResult,
  CatalogFreshness,
  CountsBySeverity,
  EngagementResults,
  EngagementSettings,
  FileFormat,
  Finding,
  GapException,
  PatchGap,
  PatchStatus,
  Problem,
  RemediationWave,
  ResultTotals,
  ScannerRule,
  Severity
} from '../model';
import { SEVERITIES } from '../model';
import {
  assessAssetGaps,
  compareGaps,
  countGapsBySeverity,
  createGapEngine,
  type AssetAssessment,
  type GapEngine
} from './gaps';
import { scoreEngagement } from './grade';
import { mergeHosts, type IdentityDecisions, type MergedAsset, type SourcedHost } from './merge';
import { buildSchedule, type ScheduleAsset } from './schedule';
import { DEFAULT_ENGAGEMENT_SETTINGS } from './settings';

/**
 * Raised whenever the results' shape or the engine's rules change: results stored by an older version of the app
 * are computed again rather than shown in an old shape.
 */
export const RESULTS_VERSION = 2;

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
  /** Scanner rule texts (family, CVEs, KBs, scores) by ruleKey(fileId, ruleId). */
  rules?: ReadonlyMap<string, ScannerRule>;
  ruleKey?: (fileId: string, ruleId: string) => string;
  /** Policy, asset context and schedule settings; documented defaults when absent. */
  settings?: EngagementSettings;
  /** Merges and splits the technician made by hand. */
  decisions?: IdentityDecisions;
  /** The plan computed before: locked waves keep their machines. */
  previousWaves?: RemediationWave[];
}

export interface EngineProgress {
  (done: number, total: number, what: string): void;
}

export function emptyCounts(): CountsBySeverity {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** How old each part may be before the app and the report flag it. */
export const CATALOG_MAX_AGE_DAYS: Record<string, number> = {
  kev: 7,
  epss: 7,
  ssvc: 30,
  cvss: 30,
  msrc: 35,
  wesng: 35,
  'windows-builds': 35,
  osv: 7,
  eol: 30
};

/**
 * The engine: merges host observations into assets, finds each asset's patch gaps (Windows cumulative update,
 * Linux packages, support phases, programs, scanner findings), prioritises them under the engagement's policy and
 * plans their remediation. Pure and deterministic: the same input gives the same output, key order included.
 */
export function computeResults(input: EngineInput, onProgress?: EngineProgress): EngagementResults {
  const merged = mergeHosts(input.hosts, input.decisions);
  const engine = engineFor(input);
  const assessed = merged.map((m, i) => {
    onProgress?.(i, merged.length, m.asset.hostname);
    return assessAsset(m, engine);
  });
  onProgress?.(merged.length, merged.length, 'done');
  return assemble(input, engine, assessed);
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
  const engine = engineFor(input);
  const assessed: Assessed[] = [];
  for (const [i, m] of merged.entries()) {
    if (i % every === 0) {
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      if (options.isCancelled?.()) throw new CancelledError();
      options.onProgress?.(i, merged.length, m.asset.hostname);
    }
    assessed.push(assessAsset(m, engine));
  }
  options.onProgress?.(merged.length, merged.length, 'planning');
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  if (options.isCancelled?.()) throw new CancelledError();
  const results = assemble(input, engine, assessed);
  options.onProgress?.(merged.length, merged.length, 'done');
  return results;
}

/**
 * The catalog as it stood on the as-of date: nothing added or published after it is used (KEV additions, OSV
 * advisories, end-of-life cycles and their latest releases), so an assessment can be reproduced for a past date.
 */
export function catalogAsOf(catalog: Catalog, asOf: string): Catalog {
  const out: Catalog = { ...catalog };
  if (catalog.kev)
    out.kev = { ...catalog.kev, entries: catalog.kev.entries.filter((e) => e.dateAdded <= asOf) };
  if (catalog.osv) {
    out.osv = {
      ...catalog.osv,
      entries: catalog.osv.entries.filter((e) => !e[7] || e[7].slice(0, 10) <= asOf)
    };
  }
  if (catalog.msrc) out.msrc = { ...catalog.msrc, rows: catalog.msrc.rows.filter((r) => r[6] <= asOf) };
  if (catalog.eol) {
    out.eol = {
      ...catalog.eol,
      products: catalog.eol.products.map((p) => ({
        ...p,
        cycles: p.cycles
          .filter((c) => !c.releaseDate || c.releaseDate <= asOf)
          .map((c) => {
            if (!c.latestReleaseDate || c.latestReleaseDate <= asOf) return c;
            const { latest: _latest, latestReleaseDate: _date, ...rest } = c;
            return rest;
          })
      }))
    };
  }
  return out;
}

function engineFor(input: EngineInput): GapEngine {
  return createGapEngine(
    catalogAsOf(input.catalog, input.asOf),
    input.settings ?? DEFAULT_ENGAGEMENT_SETTINGS,
    input.asOf,
    input.rules,
    input.ruleKey
  );
}

interface Assessed {
  merged: MergedAsset;
  assessment: AssetAssessment;
  result: AssetResult;
}

function assessAsset(m: MergedAsset, engine: GapEngine): Assessed {
  const assessment = assessAssetGaps(m, engine);
  const findingCounts = emptyCounts();
  let pendingUpdates = 0;
  for (const member of m.members) {
    for (const f of member.host.findings) findingCounts[f.severity] += 1;
    pendingUpdates += member.host.pendingUpdates.length;
  }
  const { status, reason } = assetStatus(m, assessment);
  const result: AssetResult = {
    asset: m.asset,
    context: assessment.context,
    ...(assessment.windows ? { windows: assessment.windows } : {}),
    ...(assessment.support ? { support: assessment.support } : {}),
    ...(assessment.linux ? { linux: assessment.linux } : {}),
    gapCounts: countGapsBySeverity(assessment.gaps),
    statusReason: reason,
    findingCounts,
    ...(pendingUpdates > 0 ? { pendingUpdates } : {}),
    status
  };
  return { merged: m, assessment, result };
}

/**
 * An asset is "behind" when it has any gap; "up to date" only when a source could have shown a gap and none did
 * (Windows: the installed revision is known and at least the required one; Linux: the distribution's advisories
 * are in the catalog and the package list was read; macOS: softwareupdate listed nothing); otherwise "unknown".
 */
function assetStatus(m: MergedAsset, a: AssetAssessment): { status: PatchStatus; reason: string } {
  if (a.gaps.length > 0) {
    return { status: 'behind', reason: `${a.gaps.length} gap${a.gaps.length === 1 ? '' : 's'} to close.` };
  }
  const os = m.asset.os;
  if (a.support?.phase === 'unknown' && os.family !== 'windows') {
    return { status: 'unknown', reason: a.support.text };
  }
  if (os.family === 'windows') {
    const w = a.windows;
    if (w?.status === 'up-to-date') return { status: 'up-to-date', reason: w.explanation };
    return { status: 'unknown', reason: w?.explanation ?? 'The Windows update level is not known.' };
  }
  if (a.linux) {
    if (!a.linux.covered) {
      return {
        status: 'unknown',
        reason: a.linux.ecosystem
          ? `The catalog has no advisories for ${a.linux.ecosystem}, so its packages cannot be checked.`
          : (a.linux.problems[0] ?? 'The Linux distribution is not known, so its packages cannot be checked.')
      };
    }
    if (m.asset.software.length === 0) {
      return { status: 'unknown', reason: 'No package list was imported for this machine.' };
    }
    return {
      status: 'up-to-date',
      reason: `No open advisory for ${a.linux.ecosystem ?? 'its distribution'}.`
    };
  }
  if (os.family === 'macos' && m.members.some((x) => x.format === 'macos-softwareupdate')) {
    return { status: 'up-to-date', reason: 'softwareupdate lists no pending update.' };
  }
  return {
    status: 'unknown',
    reason: "No source tells this machine's update level: import an inventory or a credentialed scan."
  };
}

function freshness(catalog: Catalog, asOf: string): CatalogFreshness[] {
  const out: CatalogFreshness[] = [];
  for (const name of CATALOG_PART_NAMES) {
    const part = catalog[CATALOG_KEYS[name]];
    if (!part) continue;
    const age = part.snapshotDate ? ageInDays(part.snapshotDate, asOf) : null;
    const max = CATALOG_MAX_AGE_DAYS[name] ?? 30;
    out.push({ part: name, ageDays: age, maxAgeDays: max, stale: age === null || age > max });
  }
  return out;
}

function assemble(input: EngineInput, engine: GapEngine, assessed: Assessed[]): EngagementResults {
  const problems: Problem[] = [];
  const catalog = input.catalog;
  const assets = assessed.map((a) => a.result);

  if (!catalog.windowsBuilds && assets.some((a) => a.asset.os.family === 'windows')) {
    problems.push({
      severity: 'warning',
      code: 'catalog-missing-windows-builds',
      message:
        'Windows computers were found but no Windows build catalog is loaded: their update status is unknown. Import the catalog in Settings.'
    });
  }
  const catalogMissing = CATALOG_PART_NAMES.filter((n) => !catalog[CATALOG_KEYS[n]]);
  const fresh = freshness(catalog, input.asOf);
  for (const f of fresh.filter((x) => x.stale)) {
    problems.push({
      severity: 'warning',
      code: 'catalog-stale',
      message:
        f.ageDays === null
          ? `The ${f.part} part of the catalog has no snapshot date; refresh the catalog.`
          : `The ${f.part} part of the catalog is ${f.ageDays} days old on ${input.asOf} (flagged after ${f.maxAgeDays}); refresh the catalog.`
    });
  }

  const hostsPerFile = new Map<string, number>();
  const scanned = new Map<string, { first: string; last: string }>();
  for (const h of input.hosts) {
    hostsPerFile.set(h.fileId, (hostsPerFile.get(h.fileId) ?? 0) + 1);
    const day = /^\d{4}-\d{2}-\d{2}/.exec(h.host.scanStart ?? '')?.[0];
    if (!day) continue;
    const seen = scanned.get(h.fileId);
    if (!seen) scanned.set(h.fileId, { first: day, last: day });
    else {
      if (day < seen.first) seen.first = day;
      if (day > seen.last) seen.last = day;
    }
  }
  const files = [...input.files]
    .sort((a, b) => a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id))
    .map((f) => {
      const when = scanned.get(f.id);
      return {
        id: f.id,
        name: f.name,
        format: f.format,
        hosts: hostsPerFile.get(f.id) ?? 0,
        ...(when ? { scanned: when } : {})
      };
    });

  const gaps: PatchGap[] = withExceptions(
    assessed.flatMap((a) => a.assessment.gaps),
    engine.settings.exceptions,
    input.asOf
  ).sort(compareGaps);
  // A risk the client accepted is not planned while the exception lasts; the grade still counts it.
  const planned = gaps.filter((g) => !g.exception?.active);
  const plannedAssets = new Set(planned.map((g) => g.assetId));
  const scheduleAssets: ScheduleAsset[] = assessed
    .filter((a) => plannedAssets.has(a.result.asset.id))
    .map((a) => ({
      id: a.result.asset.id,
      hostname: a.result.asset.hostname,
      role: a.result.asset.role,
      osKey: osKey(a.result),
      ...(a.assessment.context.pilot !== undefined ? { pilot: a.assessment.context.pilot } : {})
    }));
  const { waves, misses } = buildSchedule({
    asOf: input.asOf,
    assets: scheduleAssets,
    gaps: planned,
    settings: engine.settings,
    ...(input.previousWaves ? { previous: input.previousWaves } : {})
  });
  const score = scoreEngagement({
    assets: assets.map((a) => ({
      id: a.asset.id,
      status: a.status,
      monthsBehind: a.windows?.monthsBehind ?? null
    })),
    gaps,
    asOf: input.asOf
  });

  return {
    engagementId: input.engagementId,
    asOf: input.asOf,
    catalog: CATALOG_PART_NAMES.flatMap((name) => {
      const part = catalog[CATALOG_KEYS[name]];
      return part
        ? [
            {
              part: name,
              source: part.source,
              ...(part.snapshotDate ? { snapshotDate: part.snapshotDate } : {}),
              records: partRecords(part)
            }
          ]
        : [];
    }),
    catalogMissing: [...catalogMissing],
    freshness: fresh,
    settings: engine.settings,
    files,
    assets,
    gaps,
    waves,
    misses,
    score,
    totals: computeTotals(assets, gaps),
    problems
  };
}

function osKey(a: AssetResult): string {
  const os = a.asset.os;
  if (os.family === 'windows')
    return `windows ${os.productType ?? ''} ${os.build ?? os.version ?? os.name ?? ''}`.trim();
  if (os.distro) return `${os.distro.id} ${os.distro.versionId ?? ''}`.trim();
  return `${os.family} ${os.version ?? os.name ?? ''}`.trim();
}

/** Totals over assets: overall status, Windows update status, findings and gaps by severity, furthest behind. */
/**
 * Marks the gaps the client accepted as risks (settings.exceptions, by gap id). An exception whose review date is
 * before the assessment date has lapsed: still shown, no longer keeping the gap out of the plan.
 */
export function withExceptions(
  gaps: PatchGap[],
  exceptions: Record<string, GapException> | undefined,
  asOf: string
): PatchGap[] {
  if (!exceptions || Object.keys(exceptions).length === 0) return gaps;
  return gaps.map((g) => {
    const e = exceptions[g.id];
    return e ? { ...g, exception: { ...e, active: e.until === undefined || e.until >= asOf } } : g;
  });
}

export function computeTotals(assets: readonly AssetResult[], gaps: readonly PatchGap[] = []): ResultTotals {
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
    }, null),
    gaps: countGapsBySeverity(gaps),
    kevGaps: gaps.filter((g) => g.kev).length,
    endOfLife: gaps.filter((g) => g.kind === 'end-of-life').length,
    acceptedRisks: gaps.filter((g) => g.exception?.active).length
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
