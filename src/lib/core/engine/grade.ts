import type { EngagementScore, PatchGap } from '../model';

/**
 * The engagement's overall grade (A–F) and score (0–100), and the key figures of the report's executive summary.
 * docs/grade.md explains the formula for people; `formula` below says the same in one paragraph for the report.
 *
 * Properties the tests hold it to: fixing a gap (removing it) or bringing a machine up to date never lowers the
 * score; machines whose status is unknown never raise it (an estate nobody could verify cannot get an A); the result
 * depends only on the input.
 */

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F';

export type ScoredAssetStatus = 'up-to-date' | 'behind' | 'unknown' | 'not-applicable';

export interface ScoreInput {
  assets: { id: string; status: ScoredAssetStatus; monthsBehind: number | null }[];
  gaps: PatchGap[];
  /** YYYY-MM-DD: a gap is overdue when its priority's overdueSince is before this date. */
  asOf: string;
}

export type { EngagementScore };

/** Weight of one gap in its machine's penalty (a machine's penalty is capped at 1). */
export const GAP_WEIGHTS = {
  /** In CISA's Known Exploited Vulnerabilities catalog. */
  kev: 0.6,
  endOfLife: 0.5,
  critical: 0.3,
  high: 0.1,
  medium: 0.03,
  /** Low, informational, and updates that fix no security issue. */
  low: 0.01,
  /** Added to the weight above when the policy's deadline counted from the fix's release has passed. */
  overdue: 0.2
} as const;

/** A machine behind on updates: this much, plus MONTH_WEIGHT per month behind up to MONTHS_CAP months. */
export const BEHIND_WEIGHT = 0.1;
export const MONTH_WEIGHT = 0.02;
export const MONTHS_CAP = 12;
/** Least penalty of a machine whose status is unknown (an all-unknown estate scores 60, a D). */
export const UNKNOWN_PENALTY = 0.4;
/** Highest score while any known exploited or end-of-life gap is open: such an estate is never an A. */
export const SERIOUS_GAP_CAP = 89;

export const GRADE_SCALE: readonly { grade: Grade; min: number; meaning: string }[] = [
  {
    grade: 'A',
    min: 90,
    meaning:
      'Well maintained: almost every machine is up to date and no known exploited or end-of-life software.'
  },
  { grade: 'B', min: 80, meaning: 'Good: a few gaps to close in the normal update cycle.' },
  { grade: 'C', min: 70, meaning: 'Fair: several machines behind or serious gaps that need planned work.' },
  {
    grade: 'D',
    min: 60,
    meaning: 'Poor: many machines behind, serious gaps, or too little could be verified.'
  },
  {
    grade: 'F',
    min: 0,
    meaning: 'Failing: known exploited, end-of-life or overdue gaps across the estate; act now.'
  }
];

export const GRADE_FORMULA =
  'Each machine gets a penalty between 0 and 1. A machine behind on updates starts at ' +
  `${BEHIND_WEIGHT} plus ${MONTH_WEIGHT} per month behind (up to ${MONTHS_CAP} months); each open gap adds ` +
  `${GAP_WEIGHTS.kev} if it is known exploited (CISA KEV), ${GAP_WEIGHTS.endOfLife} for end-of-life software, ` +
  `${GAP_WEIGHTS.critical} if critical, ${GAP_WEIGHTS.high} if high, ${GAP_WEIGHTS.medium} if medium and ` +
  `${GAP_WEIGHTS.low} otherwise, plus ${GAP_WEIGHTS.overdue} when it is overdue. A machine whose status cannot be ` +
  `read counts at least ${UNKNOWN_PENALTY} (more if its own gaps weigh more) and never better than the estate's ` +
  'average machine, so missing data never improves the result. The score is 100 × (1 − the average penalty over all ' +
  'machines), so a large estate and a small ' +
  `one compare fairly; while any known exploited or end-of-life gap is open the score is at most ${SERIOUS_GAP_CAP}. ` +
  'Grades: A from 90, B from 80, C from 70, D from 60, F below 60.';

const MONTH_BUCKETS = ['0', '1–2', '3–5', '6–11', '12+', 'unknown'] as const;

export function scoreEngagement(input: ScoreInput): EngagementScore {
  const { assets, gaps, asOf } = input;
  const isOverdue = (g: PatchGap): boolean =>
    g.priority.overdueSince !== undefined && g.priority.overdueSince < asOf;

  // Gap penalty per asset, summed in input order so the same input always gives the same floating-point sum.
  const gapSum = new Map<string, number>();
  for (const g of gaps) gapSum.set(g.assetId, (gapSum.get(g.assetId) ?? 0) + gapWeight(g, isOverdue(g)));

  let knownTotal = 0;
  let known = 0;
  let upToDate = 0;
  const buckets = new Map<string, number>(MONTH_BUCKETS.map((b) => [b, 0]));
  for (const a of assets) {
    buckets.set(bucketOf(a), (buckets.get(bucketOf(a)) ?? 0) + 1);
    if (!isKnown(a.status)) continue;
    known += 1;
    if (a.status === 'up-to-date') upToDate += 1;
    const statusPart =
      a.status === 'behind'
        ? BEHIND_WEIGHT + MONTH_WEIGHT * Math.min(MONTHS_CAP, monthsOf(a.monthsBehind))
        : 0;
    knownTotal += Math.min(1, statusPart + (gapSum.get(a.id) ?? 0));
  }
  const unknownOwn = assets
    .filter((a) => !isKnown(a.status))
    .map((a) => Math.max(UNKNOWN_PENALTY, Math.min(1, gapSum.get(a.id) ?? 0)));
  const meanPenalty = averageWithUnknowns(knownTotal, known, unknownOwn);

  let score = Math.round(100 * (1 - Math.min(1, Math.max(0, meanPenalty))));
  const listed = new Set(assets.map((a) => a.id));
  const serious = gaps.some(
    (g) => listed.has(g.assetId) && (g.kev !== undefined || g.kind === 'end-of-life')
  );
  if (serious) score = Math.min(score, SERIOUS_GAP_CAP);

  const eolAssets = new Set(gaps.filter((g) => g.kind === 'end-of-life').map((g) => g.assetId));
  return {
    grade: gradeOf(score),
    score,
    scale: GRADE_SCALE.map((s) => ({ ...s })),
    formula: GRADE_FORMULA,
    percentFullyPatched: known > 0 ? Math.round((1000 * upToDate) / known) / 10 : null,
    fullyPatched: upToDate,
    denominator: known,
    unknown: assets.length - known,
    monthsBehind: MONTH_BUCKETS.map((bucket) => ({ bucket, assets: buckets.get(bucket) ?? 0 })),
    endOfLife: eolAssets.size,
    kevGaps: gaps.filter((g) => g.kev !== undefined).length,
    criticalGaps: gaps.filter((g) => g.severity === 'critical').length,
    overdueGaps: gaps.filter(isOverdue).length
  };
}

/**
 * The estate's average penalty when each unknown machine counts as max(its own floor, the average itself): the least
 * m with m = (known total + Σ max(c, m)) / machines. Unknown machines whose own value is above the average count with
 * it; the others count as the average and so do not move it. Found exactly by taking the highest own values first.
 * With no known machine the average is the highest own value (every unknown machine counts as the worst one).
 */
function averageWithUnknowns(knownTotal: number, known: number, unknownOwn: number[]): number {
  const own = [...unknownOwn].sort((a, b) => b - a);
  if (known === 0) return own[0] ?? UNKNOWN_PENALTY;
  let sum = knownTotal;
  let count = known;
  for (const c of own) {
    if (c <= sum / count) break;
    sum += c;
    count += 1;
  }
  return sum / count;
}

/** The grade for a score on GRADE_SCALE. */
export function gradeOf(score: number): Grade {
  for (const s of GRADE_SCALE) if (score >= s.min) return s.grade;
  return 'F';
}

function gapWeight(g: PatchGap, overdue: boolean): number {
  let w: number;
  if (g.kev !== undefined) w = GAP_WEIGHTS.kev;
  else if (g.kind === 'end-of-life') w = GAP_WEIGHTS.endOfLife;
  else if (!g.security) w = GAP_WEIGHTS.low;
  else if (g.severity === 'critical') w = GAP_WEIGHTS.critical;
  else if (g.severity === 'high') w = GAP_WEIGHTS.high;
  else if (g.severity === 'medium') w = GAP_WEIGHTS.medium;
  else w = GAP_WEIGHTS.low;
  return overdue ? w + GAP_WEIGHTS.overdue : w;
}

function isKnown(status: ScoredAssetStatus): boolean {
  return status === 'up-to-date' || status === 'behind';
}

/** Months behind as a count; an unreadable value counts as none (the behind weight still applies). */
function monthsOf(m: number | null): number {
  return m !== null && Number.isFinite(m) && m > 0 ? m : 0;
}

function bucketOf(a: ScoreInput['assets'][number]): string {
  if (a.status === 'up-to-date') return '0';
  if (a.status !== 'behind' || a.monthsBehind === null || !Number.isFinite(a.monthsBehind)) return 'unknown';
  const m = a.monthsBehind;
  if (m < 1) return '0';
  if (m < 3) return '1–2';
  if (m < 6) return '3–5';
  if (m < 12) return '6–11';
  return '12+';
}
