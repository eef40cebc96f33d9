import {
  computeResultsAsync,
  RESULTS_VERSION,
  type Catalog,
  listFindings,
  mergeHosts,
  type EngagementResults,
  type Finding,
  type ScannerRule,
  type Severity,
  type SourcedHost
} from '../core';
import {
  getDecisions,
  getEngagementSettings,
  getEngagementSettingsInput,
  getResults,
  loadCatalog,
  loadEngagementData,
  saveResults,
  type PatchfieldDB
} from '../db';

export interface FindingsQuery {
  offset: number;
  limit: number;
  severities?: Severity[];
  /** Case-insensitive text in host name, title, CVE or KB. */
  search?: string;
  assetId?: string;
}

export interface FindingsPage {
  total: number;
  rows: Finding[];
}

const ruleKey = (fileId: string, ruleId: string): string => `${fileId}\u0000${ruleId}`;

/** The engagement's live data as the engine wants it. */
async function loadInput(db: PatchfieldDB, engagementId: string) {
  const data = await loadEngagementData(db, engagementId);
  const fileById = new Map(data.files.map((f) => [f.id, f]));
  const hosts: SourcedHost[] = data.hosts.map((h) => {
    const f = fileById.get(h.fileId)!;
    return { fileId: h.fileId, fileName: f.name, format: f.format!, host: h.host, importedAt: f.importedAt };
  });
  const rules = new Map<string, ScannerRule>();
  for (const batch of data.rules) for (const r of batch.rules) rules.set(ruleKey(batch.fileId, r.ruleId), r);
  return { files: data.files, hosts, rules };
}

/** The validated catalog, kept in the worker while the stored parts are unchanged (loading it costs about a second). */
let catalogCache: { key: string; catalog: Catalog } | undefined;

async function loadCatalogCached(
  db: PatchfieldDB,
  parts: { part: string; importedAt: string }[]
): Promise<Catalog> {
  const key = `${db.name}:${parts
    .map((p) => `${p.part}@${p.importedAt}`)
    .sort()
    .join('|')}`;
  if (catalogCache?.key !== key) catalogCache = { key, catalog: await loadCatalog(db) };
  return catalogCache.catalog;
}

/**
 * Computes (or reuses) an engagement's results. Results are stored with a key of what they were computed from,
 * so a later import, a new catalog or another as-of date computes them again.
 */
export async function assessEngagement(
  db: PatchfieldDB,
  engagementId: string,
  asOf: string,
  onProgress?: (done: number, total: number, what: string) => void,
  now: () => Date = () => new Date(),
  isCancelled?: () => boolean
): Promise<EngagementResults> {
  // Decide from metadata alone whether stored results still hold; only then read the hosts.
  const [files, parts, decisions, settingsInput] = await Promise.all([
    db.files.where('engagementId').equals(engagementId).toArray(),
    db.catalogMeta.toArray(),
    getDecisions(db, engagementId),
    getEngagementSettingsInput(db, engagementId)
  ]);
  const inputsKey = JSON.stringify({
    engine: RESULTS_VERSION,
    files: files
      .filter((f) => f.status === 'done')
      .map((f) => f.id)
      .sort(),
    catalog: parts.map((c) => `${c.part}@${c.importedAt}`).sort(),
    decisions,
    settings: settingsInput,
    asOf
  });
  const stored = await getResults(db, engagementId);
  if (stored && stored.inputsKey === inputsKey) return stored.results;
  const [input, catalog, { settings, problems }] = await Promise.all([
    loadInput(db, engagementId),
    loadCatalogCached(db, parts),
    getEngagementSettings(db, engagementId)
  ]);
  const results = await computeResultsAsync(
    {
      engagementId,
      asOf,
      files: input.files.map((f) => ({ id: f.id, name: f.name, format: f.format! })),
      hosts: input.hosts,
      catalog,
      decisions,
      rules: input.rules,
      ruleKey,
      settings,
      ...(stored?.results.waves ? { previousWaves: stored.results.waves } : {})
    },
    { ...(onProgress ? { onProgress } : {}), ...(isCancelled ? { isCancelled } : {}) }
  );
  results.problems.unshift(...problems);
  await saveResults(db, { engagementId, inputsKey, computedAt: now().toISOString(), results });
  return results;
}

/** Findings are joined, filtered and sorted here in the worker; the page gets one page of rows at a time. */
export class FindingsCache {
  private key = '';
  private rows: Finding[] = [];

  /** Drops what is held of an engagement (it was deleted, or locked). */
  forget(engagementId: string): void {
    if (this.key.startsWith(JSON.stringify([engagementId]).slice(0, -1) + ',')) {
      this.key = '';
      this.rows = [];
    }
  }

  async query(db: PatchfieldDB, engagementId: string, q: FindingsQuery): Promise<FindingsPage> {
    const [files, decisions] = await Promise.all([
      db.files.where('engagementId').equals(engagementId).toArray(),
      getDecisions(db, engagementId)
    ]);
    const key = JSON.stringify([
      engagementId,
      files
        .filter((f) => f.status === 'done')
        .map((f) => f.id)
        .sort(),
      decisions
    ]);
    if (key !== this.key) {
      const input = await loadInput(db, engagementId);
      this.rows = listFindings(mergeHosts(input.hosts, decisions), input.rules, ruleKey);
      this.key = key;
    }
    let rows = this.rows;
    if (q.assetId) rows = rows.filter((r) => r.assetId === q.assetId);
    if (q.severities && q.severities.length > 0) {
      const wanted = new Set(q.severities);
      rows = rows.filter((r) => wanted.has(r.severity));
    }
    const search = q.search?.trim().toLowerCase();
    if (search) {
      rows = rows.filter(
        (r) =>
          r.hostname.toLowerCase().includes(search) ||
          r.title.toLowerCase().includes(search) ||
          r.cves.some((c) => c.toLowerCase().includes(search)) ||
          r.kbs.some((k) => k.toLowerCase().includes(search))
      );
    }
    return { total: rows.length, rows: rows.slice(q.offset, q.offset + q.limit).map(trimForDisplay) };
  }

  /** One finding's evidence, whole: the detail loads it when opened (query() sends only its start). */
  async evidence(db: PatchfieldDB, engagementId: string, findingId: string): Promise<string | undefined> {
    await this.query(db, engagementId, { offset: 0, limit: 0 });
    return this.rows.find((r) => r.id === findingId)?.evidence;
  }

  /** Every finding of the engagement, whole (for the CSV export). */
  async all(db: PatchfieldDB, engagementId: string): Promise<Finding[]> {
    await this.query(db, engagementId, { offset: 0, limit: 0 });
    return this.rows;
  }
}

/**
 * Evidence can be hundreds of KB: pages of rows carry its start; the detail loads the whole text (evidence()) and the
 * stored data keeps it whole.
 */
function trimForDisplay(f: Finding): Finding {
  if (!f.evidence || f.evidence.length <= 4000) return f;
  return { ...f, evidence: `${f.evidence.slice(0, 4000)}\n… (${f.evidence.length - 4000} more characters)` };
}
