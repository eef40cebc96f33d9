import type { GapCvss, GapEpss, GapKev, GapSsvc } from '../model/gaps';
import { cvssVersionOf, type CvssVersion } from './cvss';
import type { Catalog, KevEntry, SsvcEntry } from './parts';

/**
 * The per-CVE risk join: KEV membership, EPSS, SSVC decision points and CVSS from the catalog, and their summary over
 * the CVEs of one gap. Built once per engine run; a missing part answers undefined, never "not exploited".
 */

export interface RiskSsvc {
  exploitation: SsvcEntry[1];
  automatable: SsvcEntry[2];
  technicalImpact: SsvcEntry[3];
}

export interface RiskSummary {
  cvss?: GapCvss;
  epss?: GapEpss;
  kev?: GapKev;
  ssvc?: GapSsvc;
}

export interface RiskIndex {
  kev(cve: string): KevEntry | undefined;
  epss(cve: string): { score: number; percentile: number } | undefined;
  ssvc(cve: string): RiskSsvc | undefined;
  cvss(cve: string): { vector: string; score: number; version: string } | undefined;
  /**
   * Over a gap's CVEs: the highest CVSS score (the scanner's own `fallback` score counts when no CVE has a vector or
   * when it is higher), the highest EPSS, the KEV CVEs (earliest date added, ransomware if any), and the most urgent
   * value of each SSVC decision point (a CVE in KEV counts as exploitation "active"). SSVC is given only when at
   * least one CVE has SSVC data: KEV alone says nothing about Automatable or Technical Impact.
   */
  summarize(cves: string[], fallback?: { score: number; vector?: string }): RiskSummary;
}

const EXPLOITATION_URGENCY = { none: 0, poc: 1, active: 2 } as const;

/** Indexes the catalog's risk parts. Sorted parts (as the builders write them) are searched in place. */
export function createRiskIndex(catalog: Catalog): RiskIndex {
  const kevByCve = new Map<string, KevEntry>();
  for (const e of catalog.kev?.entries ?? []) if (!kevByCve.has(e.cve)) kevByCve.set(e.cve, e);

  const epss = catalog.epss;
  const epssAt = epss ? createKeyFinder(epss.cves.length, (i) => epss.cves[i]!) : undefined;
  const ssvcEntries = catalog.ssvc?.entries;
  const ssvcAt = ssvcEntries ? createKeyFinder(ssvcEntries.length, (i) => ssvcEntries[i]![0]) : undefined;
  const cvssEntries = catalog.cvss?.entries;
  const cvssAt = cvssEntries ? createKeyFinder(cvssEntries.length, (i) => cvssEntries[i]![0]) : undefined;

  const index: RiskIndex = {
    kev: (cve) => kevByCve.get(normalize(cve)),
    epss(cve) {
      const i = epssAt?.(normalize(cve)) ?? -1;
      return i < 0 ? undefined : { score: epss!.epss[i]!, percentile: epss!.percentile[i]! };
    },
    ssvc(cve) {
      const i = ssvcAt?.(normalize(cve)) ?? -1;
      if (i < 0) return undefined;
      const e = ssvcEntries![i]!;
      return { exploitation: e[1], automatable: e[2], technicalImpact: e[3] };
    },
    cvss(cve) {
      const i = cvssAt?.(normalize(cve)) ?? -1;
      if (i < 0) return undefined;
      const e = cvssEntries![i]!;
      return { vector: e[1], score: e[2], version: cvssVersionOf(e[1]) ?? '' };
    },
    summarize(cves, fallback) {
      const ids = [...new Set(cves.map(normalize))];
      const summary: RiskSummary = {};

      let cvss: GapCvss | undefined;
      let epssBest: GapEpss | undefined;
      const kevCves: string[] = [];
      let kevDate: string | undefined;
      let ransomware = false;
      let ssvc: GapSsvc | undefined;
      for (const cve of ids) {
        const c = index.cvss(cve);
        if (c && (!cvss || c.score > cvss.score)) {
          cvss = { score: c.score, vector: c.vector, cve };
          const version = c.version as CvssVersion | '';
          if (version) cvss.version = version;
        }
        const e = index.epss(cve);
        if (e && (!epssBest || e.score > epssBest.score)) {
          epssBest = { cve, score: e.score, percentile: e.percentile };
        }
        const k = kevByCve.get(cve);
        if (k) {
          kevCves.push(cve);
          if (!kevDate || k.dateAdded < kevDate) kevDate = k.dateAdded;
          ransomware ||= k.ransomware;
        }
        const s = index.ssvc(cve);
        if (s) {
          ssvc = ssvc
            ? {
                exploitation:
                  EXPLOITATION_URGENCY[s.exploitation] > EXPLOITATION_URGENCY[ssvc.exploitation]
                    ? s.exploitation
                    : ssvc.exploitation,
                automatable: s.automatable === 'yes' || ssvc.automatable === 'yes' ? 'yes' : 'no',
                technicalImpact:
                  s.technicalImpact === 'total' || ssvc.technicalImpact === 'total' ? 'total' : 'partial'
              }
            : { ...s };
        }
      }

      if (fallback && Number.isFinite(fallback.score) && (!cvss || fallback.score > cvss.score)) {
        const score = Math.min(10, Math.max(0, fallback.score));
        cvss = { score };
        if (fallback.vector) {
          cvss.vector = fallback.vector;
          const version = cvssVersionOf(fallback.vector);
          if (version) cvss.version = version;
        }
      }
      if (cvss) summary.cvss = cvss;
      if (epssBest) summary.epss = epssBest;
      if (kevDate) summary.kev = { cves: kevCves, dateAdded: kevDate, ransomware };
      if (ssvc) {
        if (kevDate) ssvc.exploitation = 'active';
        summary.ssvc = ssvc;
      }
      return summary;
    }
  };
  return index;
}

function normalize(cve: string): string {
  return cve.trim().toUpperCase();
}

/**
 * A CVE id as one number (year × 10¹² + sequence number), or NaN for anything else. Comparing numbers is many
 * times faster than comparing strings, and their order is that of compareCveIds (kev.ts).
 */
function cveNumber(id: string): number {
  const length = id.length;
  if (length < 13 || length > 21 || !id.startsWith('CVE-') || id.charCodeAt(8) !== 45) return NaN;
  let year = 0;
  for (let i = 4; i < 8; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    year = year * 10 + d;
  }
  let n = 0;
  for (let i = 9; i < length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return year * 1e12 + n;
}

/**
 * A lookup from CVE id to position. Keys sorted with compareCveIds (as every builder writes them) become one array
 * of numbers searched by halves (the 360,000 EPSS CVEs: about 30 ms to set up and 3 MB); keys in any other order or
 * form (a part written by something else) get a Map instead.
 */
function createKeyFinder(length: number, keyAt: (i: number) => string): (key: string) => number {
  const numbers = new Float64Array(length);
  let sorted = true;
  for (let i = 0; i < length; i++) {
    const n = cveNumber(keyAt(i));
    // NaN fails the comparison too: an id that is not a CVE id sends the part to the Map.
    if (!(i === 0 ? n === n : n > numbers[i - 1]!)) {
      sorted = false;
      break;
    }
    numbers[i] = n;
  }
  if (sorted) {
    return (key) => {
      const n = cveNumber(key);
      if (Number.isNaN(n)) return -1;
      let lo = 0;
      let hi = length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const at = numbers[mid]!;
        if (at === n) return mid;
        if (at < n) lo = mid + 1;
        else hi = mid - 1;
      }
      return -1;
    };
  }
  const positions = new Map<string, number>();
  for (let i = 0; i < length; i++) {
    const key = keyAt(i);
    if (!positions.has(key)) positions.set(key, i);
  }
  return (key) => positions.get(key) ?? -1;
}
