import type { Problem } from '../model';
import { buildEolPart } from './eol';
import { buildEpssPart } from './epss';
import { buildKevPart } from './kev';
import { buildOsvPart } from './osv';
import type { Catalog, CatalogPart, CatalogPartName } from './parts';
import { buildWesngPart, dateWindowsBuilds } from './wesng';
import { CATALOG_URLS, catalogUrl } from './official-sources.js';

/**
 * "Refresh catalog": the parts whose official source is one file a browser can fetch, fetched from the URLs their
 * SOURCE.md names and built by the same builders as `patchfield catalog build`. Each part stands alone: a part
 * whose download or build fails keeps its previous data, and the technician is told which and why. Parts with no
 * single official file (the Windows build table, MSRC, Vulnrichment's SSVC and CVSS) come with the office's bundle.
 */

export interface RefreshSource {
  part: CatalogPartName;
  /** What the technician sees while it downloads. */
  label: string;
  url: string;
}

/**
 * The official URLs (official-sources.js, the same list the Content-Security-Policy allows), or their copies under
 * the office's mirror. OSV: one download per distribution the current catalog covers (AlmaLinux when none).
 */
export function refreshSources(current: Catalog, mirror?: string): RefreshSource[] {
  const distributions = [
    ...new Set((current.osv?.ecosystems ?? ['AlmaLinux:9']).map((e) => e.split(':')[0]!))
  ].sort();
  const sources: RefreshSource[] = [
    { part: 'kev', label: 'CISA Known Exploited Vulnerabilities', url: CATALOG_URLS.kev },
    { part: 'epss', label: 'FIRST EPSS scores', url: CATALOG_URLS.epss },
    { part: 'eol', label: 'endoflife.date', url: CATALOG_URLS.eol },
    { part: 'wesng', label: 'Windows update definitions (wesng)', url: CATALOG_URLS.wesng },
    ...distributions.map((d): RefreshSource => ({
      part: 'osv',
      label: `${d} advisories (OSV)`,
      url: `${CATALOG_URLS.osv}/${encodeURIComponent(d)}/all.zip`
    }))
  ];
  return sources.map((s) => ({ ...s, url: catalogUrl(s.url, mirror) }));
}

export interface RefreshProgress {
  (what: string, index: number, total: number, bytes: number): void;
}

export interface RefreshResult {
  /** Parts to store (all built successfully). */
  parts: CatalogPart[];
  /** Parts that keep their previous data, with why. */
  failed: { part: CatalogPartName; url: string; message: string }[];
  problems: Problem[];
}

/** Downloads bytes; reports how many have arrived. Throws on a network or HTTP error (with a message for people). */
export type FetchBytes = (url: string, onBytes: (n: number) => void) => Promise<Uint8Array>;

export async function refreshCatalog(
  current: Catalog,
  fetchBytes: FetchBytes,
  options: {
    onProgress?: RefreshProgress;
    isCancelled?: () => boolean;
    /** The office's mirror (see official-sources.js); the official hosts when absent. */
    mirror?: string;
  } = {}
): Promise<RefreshResult> {
  const sources = refreshSources(current, options.mirror);
  const parts: CatalogPart[] = [];
  const failed: RefreshResult['failed'] = [];
  const problems: Problem[] = [];
  const osvInputs: { name: string; bytes: Uint8Array }[] = [];
  const osvUrls: string[] = [];

  for (const [i, source] of sources.entries()) {
    if (options.isCancelled?.()) break;
    options.onProgress?.(source.label, i, sources.length, 0);
    let bytes: Uint8Array;
    try {
      bytes = await fetchBytes(source.url, (n) => options.onProgress?.(source.label, i, sources.length, n));
    } catch (e) {
      failed.push({
        part: source.part,
        url: source.url,
        message: `${source.label} could not be downloaded (${e instanceof Error ? e.message : String(e)}); the previous data is kept.`
      });
      continue;
    }
    const name = source.url.split('/').pop() ?? source.part;
    if (source.part === 'osv') {
      osvInputs.push({ name: `${source.label.split(' ')[0]}-${name}`, bytes });
      osvUrls.push(source.url);
      continue;
    }
    const built =
      source.part === 'kev'
        ? buildKevPart(bytes, name)
        : source.part === 'epss'
          ? await buildEpssPart(bytes, name)
          : source.part === 'eol'
            ? buildEolPart([{ name: 'products-full.json', bytes }], source.url)
            : await buildWesngPart(bytes, name);
    problems.push(...built.issues.filter((p) => p.severity !== 'info'));
    if (!built.value || built.issues.some((p) => p.severity === 'error')) {
      failed.push({
        part: source.part,
        url: source.url,
        message: `${source.label} was downloaded but could not be read; the previous data is kept.`
      });
      continue;
    }
    parts.push(built.value);
    // New wesng dates re-date the build table's undated rows.
    if (built.value.part === 'wesng' && current.windowsBuilds) {
      parts.push(dateWindowsBuilds(current.windowsBuilds, built.value));
    }
  }

  if (osvInputs.length > 0 && !options.isCancelled?.()) {
    const built = await buildOsvPart(osvInputs, osvInputs.map((i) => i.name).join(', '));
    problems.push(...built.issues.filter((p) => p.severity !== 'info'));
    if (built.value && !built.issues.some((p) => p.severity === 'error')) {
      // Advisories of distributions that were not downloaded this time stay as they were.
      const refreshed = new Set(built.value.ecosystems.map((e) => e.split(':')[0]));
      const kept = (current.osv?.entries ?? []).filter((e) => !refreshed.has(e[0].split(':')[0]));
      const keptEcosystems = (current.osv?.ecosystems ?? []).filter((e) => !refreshed.has(e.split(':')[0]));
      parts.push({
        ...built.value,
        ecosystems: [...new Set([...keptEcosystems, ...built.value.ecosystems])].sort(),
        entries: [...kept, ...built.value.entries]
      });
    } else {
      for (const url of osvUrls) {
        failed.push({
          part: 'osv',
          url,
          message: 'OSV advisories could not be read; the previous data is kept.'
        });
      }
    }
  }
  return { parts, failed, problems };
}
