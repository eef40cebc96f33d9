import * as calculator from 'ae-cvss-calculator';
import type { ParseResult, Problem } from '../model/problem';
import { compareCveIds, CVE_ID } from './kev';
import type { CvssEntry, CvssPart } from './parts';

/**
 * CVSS base scores computed from vectors (v2.0, v3.0, v3.1, v4.0) with ae-cvss-calculator (metaeffekt, Apache-2.0;
 * checked against FIRST's 270 CVSS 4.0 MacroVector scores and metaeffekt's validation vectors), and the `cvss`
 * catalog part: one vector and score per CVE, picked from MSRC, CISA ADP, CNA and OSV vectors.
 */

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';
export type CvssSeverity = 'none' | 'low' | 'medium' | 'high' | 'critical';
export interface CvssScore {
  version: CvssVersion;
  score: number;
  severity: CvssSeverity;
}

type Calculator = typeof calculator;
/**
 * ae-cvss-calculator ships one UMD bundle (CommonJS). Bundlers (Vite, esbuild) expose its classes as named
 * exports; Node's own ESM loader (the CLI, vitest) cannot see them through the UMD wrapper and only offers the
 * `module.exports` object as `default`. Take whichever holds the classes.
 */
const lib: Calculator =
  typeof (calculator as Partial<Calculator>).Cvss3P1 === 'function'
    ? calculator
    : (calculator as unknown as { default: Calculator }).default;

/** Base metrics every vector of a version must state (FIRST specifications, "Vector String"). */
const REQUIRED_METRICS: Record<CvssVersion, readonly string[]> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA']
};
const PREFIX = /^CVSS:(2\.0|3\.0|3\.1|4\.0)\//;
/** v4.0 Provider Urgency has word values (U:Clear, U:Amber); other values are one to three letters. */
const METRIC = /^[A-Za-z]{1,4}:[A-Za-z]{1,5}$/;

/** The CVSS version a vector string names ("CVSS:3.1/…" → 3.1; NVD's unprefixed v2 "AV:N/AC:L/Au:N/…" → 2.0). */
export function cvssVersionOf(vector: string): CvssVersion | undefined {
  const v = vector.trim();
  const prefix = PREFIX.exec(v);
  if (prefix) return prefix[1] as CvssVersion;
  return /^\(?AV:[LAN]\/AC:[HML]\/Au:[MSN]\//.test(v) ? '2.0' : undefined;
}

/**
 * The score of a CVSS vector, or undefined when the string is not a complete, valid vector.
 * v2.0 and v3.x: the base score (temporal and environmental metrics in the vector are not applied). v4.0: the
 * vector's score as FIRST's calculator gives it (CVSS-B for a base vector; with threat or environmental metrics
 * in the vector, CVSS-BT/BE/BTE, since v4.0 has one score per vector). Severity uses the v3/v4 scale
 * (none 0, low 0.1-3.9, medium 4-6.9, high 7-8.9, critical 9-10); for v2.0 NVD's v2 bands
 * (low 0-3.9, medium 4-6.9, high 7-10).
 */
export function scoreCvssVector(vector: string): CvssScore | undefined {
  if (typeof vector !== 'string') return undefined;
  let text = vector.trim();
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const version = cvssVersionOf(text);
  if (!version) return undefined;
  const body = text.replace(PREFIX, '').replace(/\/$/, '');
  const names = new Set<string>();
  for (const part of body.split('/')) {
    if (!METRIC.test(part)) return undefined;
    const name = part.slice(0, part.indexOf(':'));
    if (names.has(name)) return undefined;
    names.add(name);
  }
  if (!REQUIRED_METRICS[version].every((m) => names.has(m))) return undefined;
  let score: number | undefined;
  try {
    switch (version) {
      case '2.0':
        score = new lib.Cvss2(body).calculateScores().base;
        break;
      case '3.0':
        score = new lib.Cvss3P0(`CVSS:3.0/${body}`).calculateScores().base;
        break;
      case '3.1':
        score = new lib.Cvss3P1(`CVSS:3.1/${body}`).calculateScores().base;
        break;
      case '4.0':
        score = new lib.Cvss4P0(`CVSS:4.0/${body}`).calculateScores().overall;
        break;
    }
  } catch {
    // The calculator throws on metrics or values it does not know: not a valid vector.
    return undefined;
  }
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) return undefined;
  score = Math.round(score * 10) / 10;
  return { version, score, severity: cvssSeverity(score, version) };
}

/** The qualitative rating of a score (v2.0 has no "none" and no "critical"). */
export function cvssSeverity(score: number, version: CvssVersion = '3.1'): CvssSeverity {
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score === 0) return 'none';
  return score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
}

/** Whose vector wins when a CVE has several: the vendor's own, then CISA's, then the CNA's, then OSV's. */
const SOURCE_RANK: Record<string, number> = { msrc: 0, 'cisa-adp': 1, cna: 2, osv: 3 };
const VERSION_RANK: Record<CvssVersion, number> = { '4.0': 0, '3.1': 1, '3.0': 2, '2.0': 3 };
const SAMPLE = 5;

/**
 * One entry per CVE, [cve, vector, baseScore, source], sorted by CVE. Of several vectors of one CVE the most trusted
 * source wins (msrc > cisa-adp > cna > osv > any other), and within a source the newest CVSS version. Vectors that
 * are not valid are left out and counted in one warning.
 */
export function buildCvssPart(
  vectors: { cve: string; vector: string; source: string }[],
  source: string
): ParseResult<CvssPart> {
  const issues: Problem[] = [];
  const scores = new Map<string, CvssScore | undefined>();
  const best = new Map<string, { entry: CvssEntry; rank: number }>();
  const invalid: string[] = [];
  let invalidCount = 0;
  let badCves = 0;
  for (const item of vectors) {
    const vector = (item.vector ?? '').trim();
    if (vector === '') continue;
    const cve = (item.cve ?? '').trim().toUpperCase();
    if (!CVE_ID.test(cve)) {
      badCves++;
      continue;
    }
    let scored = scores.get(vector);
    if (!scores.has(vector)) {
      scored = scoreCvssVector(vector);
      scores.set(vector, scored);
    }
    if (!scored) {
      invalidCount++;
      if (invalid.length < SAMPLE) invalid.push(`${cve} (${item.source}): ${vector.slice(0, 120)}`);
      continue;
    }
    const rank = (SOURCE_RANK[item.source] ?? 4) * 10 + VERSION_RANK[scored.version];
    const held = best.get(cve);
    if (!held || rank < held.rank) {
      best.set(cve, { entry: [cve, vector, scored.score, item.source], rank });
    }
  }
  if (invalidCount > 0) {
    issues.push({
      severity: 'warning',
      code: 'cvss-invalid-vector',
      message:
        `${invalidCount} CVSS ${invalidCount === 1 ? 'vector' : 'vectors'} in ${source} could not be scored ` +
        `(incomplete, unknown metrics or values) and ${invalidCount === 1 ? 'was' : 'were'} left out, e.g. ` +
        `${invalid[0]}. Those CVEs use another vector when they have one.`,
      count: invalidCount,
      detail: invalid.join('\n')
    });
  }
  if (badCves > 0) {
    issues.push({
      severity: 'warning',
      code: 'cvss-bad-cve',
      message: `${badCves} CVSS ${badCves === 1 ? 'vector was' : 'vectors were'} given for something that is not a CVE id and left out.`,
      count: badCves
    });
  }
  const entries = [...best.values()].map((b) => b.entry).sort((a, b) => compareCveIds(a[0], b[0]));
  return { value: { part: 'cvss', source, entries }, issues };
}
