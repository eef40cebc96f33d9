import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GAP_KINDS, type GapKind, type PatchGap } from '../../../../src/lib/core/model/gaps';
import { SEVERITIES, type Severity } from '../../../../src/lib/core/model/observation';
import { DEFAULT_ENGAGEMENT_SETTINGS } from '../../../../src/lib/core/engine/settings';
import { prioritize } from '../../../../src/lib/core/engine/priority';
import {
  BEHIND_WEIGHT,
  GAP_WEIGHTS,
  GRADE_SCALE,
  MONTH_WEIGHT,
  SERIOUS_GAP_CAP,
  UNKNOWN_PENALTY,
  gradeOf,
  scoreEngagement,
  type ScoreInput,
  type ScoredAssetStatus
} from '../../../../src/lib/core/engine/grade';
import { REPO_DIR } from '../../shared';

const AS_OF = '2026-11-24';

interface GapSpec {
  asset: number;
  kind: GapKind;
  severity: Severity;
  security: boolean;
  kev: boolean;
  overdue: boolean;
}

function makeGap(spec: GapSpec, i: number): PatchGap {
  return {
    id: `g${i}`,
    assetId: `a${spec.asset}`,
    hostname: `HOST-${spec.asset}`,
    kind: spec.kind,
    product: 'Product',
    title: 'Install the update',
    severity: spec.severity,
    cves: spec.kev ? ['CVE-2026-1000'] : [],
    ...(spec.kev ? { kev: { cves: ['CVE-2026-1000'], dateAdded: '2026-10-01', ransomware: false } } : {}),
    rebootRequired: null,
    security: spec.security,
    folded: 1,
    evidence: [],
    priority: {
      rank: 3,
      label: 'High',
      days: 30,
      dueDate: '2026-12-24',
      ...(spec.overdue ? { overdueSince: '2026-11-01' } : {}),
      reason: 'High severity: install within 30 days',
      policy: 'severity-bands',
      assumed: []
    }
  };
}

const statusArb = fc.constantFrom<ScoredAssetStatus>('up-to-date', 'behind', 'unknown', 'not-applicable');
const estateArb: fc.Arbitrary<ScoreInput> = fc
  .array(fc.record({ status: statusArb, monthsBehind: fc.option(fc.integer({ min: 0, max: 40 })) }), {
    minLength: 1,
    maxLength: 12
  })
  .chain((assets) =>
    fc
      .array(
        fc.record({
          asset: fc.integer({ min: 0, max: assets.length - 1 }),
          kind: fc.constantFrom(...GAP_KINDS),
          severity: fc.constantFrom(...SEVERITIES),
          security: fc.boolean(),
          kev: fc.boolean(),
          overdue: fc.boolean()
        }),
        { maxLength: 30 }
      )
      .map((specs) => ({
        assets: assets.map((a, i) => ({ id: `a${i}`, status: a.status, monthsBehind: a.monthsBehind })),
        gaps: specs.map(makeGap),
        asOf: AS_OF
      }))
  );

function server(id: string, status: ScoredAssetStatus = 'up-to-date'): ScoreInput['assets'][number] {
  return { id, status, monthsBehind: status === 'up-to-date' ? 0 : null };
}

describe('engagement grade: examples', () => {
  it('gives a clean, fully verified estate an A with 100 % fully patched', () => {
    const s = scoreEngagement({ assets: [server('a1'), server('a2'), server('a3')], gaps: [], asOf: AS_OF });
    expect(s).toMatchObject({
      grade: 'A',
      score: 100,
      percentFullyPatched: 100,
      fullyPatched: 3,
      denominator: 3,
      unknown: 0,
      kevGaps: 0
    });
    expect(s.monthsBehind).toEqual([
      { bucket: '0', assets: 3 },
      { bucket: '1–2', assets: 0 },
      { bucket: '3–5', assets: 0 },
      { bucket: '6–11', assets: 0 },
      { bucket: '12+', assets: 0 },
      { bucket: 'unknown', assets: 0 }
    ]);
  });

  it('lowers the grade for one known exploited gap on an internet-facing server', () => {
    const assets = [server('srv'), server('pc1'), server('pc2'), server('pc3')];
    const clean = scoreEngagement({ assets, gaps: [], asOf: AS_OF });
    const gap = makeGap(
      { asset: 0, kind: 'os-update', severity: 'critical', security: true, kev: true, overdue: false },
      0
    );
    const withGap = { ...gap, assetId: 'srv' };
    withGap.priority = prioritize(withGap, { internetFacing: true }, DEFAULT_ENGAGEMENT_SETTINGS, AS_OF);
    expect(withGap.priority.days).toBe(3);
    const s = scoreEngagement({
      assets: [server('srv', 'behind'), ...assets.slice(1)],
      gaps: [withGap],
      asOf: AS_OF
    });
    expect(clean.grade).toBe('A');
    expect(s.score).toBeLessThan(clean.score);
    // docs/grade.md: the server counts 0.1 (behind) + 0.6 (known exploited); (0.7 + 0 + 0 + 0) / 4 → 83, a B.
    expect(s).toMatchObject({ score: 83, grade: 'B' });
    expect(s.grade).not.toBe('A');
    expect(s).toMatchObject({ kevGaps: 1, criticalGaps: 1, fullyPatched: 3, denominator: 4 });
  });

  it('never gives an all-unknown estate an A, and leaves it out of the percentage', () => {
    const s = scoreEngagement({
      assets: [server('a1', 'unknown'), server('a2', 'unknown'), server('a3', 'not-applicable')],
      gaps: [],
      asOf: AS_OF
    });
    expect(s.grade).not.toBe('A');
    expect(s).toMatchObject({
      percentFullyPatched: null,
      fullyPatched: 0,
      denominator: 0,
      unknown: 3,
      score: 60
    });
    expect(s.monthsBehind.find((b) => b.bucket === 'unknown')?.assets).toBe(3);
  });

  it('keeps unknown machines out of the numerator and the denominator of % fully patched', () => {
    const s = scoreEngagement({
      assets: [server('a1'), server('a2', 'behind'), server('a3', 'unknown'), server('a4', 'unknown')],
      gaps: [],
      asOf: AS_OF
    });
    expect(s).toMatchObject({ percentFullyPatched: 50, fullyPatched: 1, denominator: 2, unknown: 2 });
  });

  it('counts an unknown machine as 0.4, or as the estate’s average machine when that is worse', () => {
    const clean = [server('a1'), server('a2'), server('a3')];
    expect(scoreEngagement({ assets: [...clean, server('u', 'unknown')], gaps: [], asOf: AS_OF }).score).toBe(
      90
    );
    const eol = (asset: string, i: number): PatchGap => ({
      ...makeGap(
        { asset: 0, kind: 'end-of-life', severity: 'critical', security: true, kev: true, overdue: true },
        i
      ),
      assetId: asset
    });
    const bad = scoreEngagement({
      assets: [server('b1', 'behind'), server('b2', 'behind'), server('u', 'unknown')],
      gaps: [eol('b1', 1), eol('b2', 2)],
      asOf: AS_OF
    });
    // Each known machine: behind 0.1 + known exploited 0.6 + overdue 0.2 = 0.9; the unknown one counts 0.9 too.
    expect(bad).toMatchObject({ score: 10, grade: 'F', endOfLife: 2, kevGaps: 2, overdueGaps: 2 });
  });

  it('scores a big estate like a small one with the same mix', () => {
    const small = scoreEngagement({
      assets: [server('a0', 'behind'), server('a1')],
      gaps: [
        makeGap(
          { asset: 0, kind: 'os-update', severity: 'high', security: true, kev: false, overdue: true },
          0
        )
      ],
      asOf: AS_OF
    });
    const assets = Array.from({ length: 200 }, (_, i) =>
      server(`a${i}`, i % 2 === 0 ? 'behind' : 'up-to-date')
    );
    const gaps = Array.from({ length: 100 }, (_, i) =>
      makeGap(
        { asset: i * 2, kind: 'os-update', severity: 'high', security: true, kev: false, overdue: true },
        i
      )
    );
    const big = scoreEngagement({ assets, gaps, asOf: AS_OF });
    expect(big.score).toBe(small.score);
    expect(big.grade).toBe(small.grade);
  });

  it('buckets machines by months behind and counts end-of-life machines, critical and overdue gaps', () => {
    const s = scoreEngagement({
      assets: [
        { id: 'a', status: 'behind', monthsBehind: 1 },
        { id: 'b', status: 'behind', monthsBehind: 4 },
        { id: 'c', status: 'behind', monthsBehind: 11 },
        { id: 'd', status: 'behind', monthsBehind: 23 },
        { id: 'e', status: 'behind', monthsBehind: null },
        { id: 'f', status: 'up-to-date', monthsBehind: null }
      ],
      gaps: [
        {
          ...makeGap(
            { asset: 0, kind: 'end-of-life', severity: 'high', security: true, kev: false, overdue: true },
            1
          ),
          assetId: 'd'
        },
        {
          ...makeGap(
            { asset: 0, kind: 'end-of-life', severity: 'high', security: true, kev: false, overdue: false },
            2
          ),
          assetId: 'd'
        },
        {
          ...makeGap(
            { asset: 0, kind: 'os-update', severity: 'critical', security: true, kev: false, overdue: false },
            3
          ),
          assetId: 'a'
        }
      ],
      asOf: AS_OF
    });
    expect(s.monthsBehind.map((b) => b.assets)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(s).toMatchObject({ endOfLife: 1, criticalGaps: 1, overdueGaps: 1, kevGaps: 0 });
    expect(s.grade).not.toBe('A');
  });

  it('explains the formula and the grade bands', () => {
    const s = scoreEngagement({ assets: [], gaps: [], asOf: AS_OF });
    expect(s.formula).toMatch(/average penalty/);
    expect(s.formula).toMatch(/known exploited/);
    expect(s.scale.map((x) => [x.grade, x.min])).toEqual([
      ['A', 90],
      ['B', 80],
      ['C', 70],
      ['D', 60],
      ['F', 0]
    ]);
    expect(s.grade).not.toBe('A');
    expect(GRADE_SCALE.every((x) => gradeOf(x.min) === x.grade)).toBe(true);
  });
});

describe('docs/grade.md', () => {
  it('states the same grade bands, meanings and weights as the code', () => {
    const doc = readFileSync(join(REPO_DIR, 'docs/grade.md'), 'utf8');
    for (const g of GRADE_SCALE) expect(doc).toContain(g.meaning);
    for (const w of Object.values(GAP_WEIGHTS)) expect(doc).toMatch(new RegExp(`\\| \\+?${w} +\\|`));
    for (const n of [BEHIND_WEIGHT, MONTH_WEIGHT, UNKNOWN_PENALTY, SERIOUS_GAP_CAP])
      expect(doc).toContain(`**${n}`);
  });
});

describe('engagement grade: properties', () => {
  it('keeps the score within 0..100 and the grade on the scale', () => {
    fc.assert(
      fc.property(estateArb, (input) => {
        const s = scoreEngagement(input);
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.score).toBeLessThanOrEqual(100);
        expect(Number.isInteger(s.score)).toBe(true);
        expect(s.grade).toBe(gradeOf(s.score));
        expect(s.fullyPatched + (s.denominator - s.fullyPatched) + s.unknown).toBe(input.assets.length);
      })
    );
  });

  it('never lowers the score when a gap is fixed (removed)', () => {
    fc.assert(
      fc.property(
        estateArb.filter((i) => i.gaps.length > 0),
        fc.nat(),
        (input, pick) => {
          const k = pick % input.gaps.length;
          const after = { ...input, gaps: input.gaps.filter((_, i) => i !== k) };
          expect(scoreEngagement(after).score).toBeGreaterThanOrEqual(scoreEngagement(input).score);
        }
      )
    );
  });

  it('never lowers the score when a machine that is behind is brought up to date', () => {
    fc.assert(
      fc.property(
        estateArb.filter((i) => i.assets.some((a) => a.status === 'behind')),
        fc.nat(),
        fc.boolean(),
        (input, pick, withItsGaps) => {
          const behind = input.assets.filter((a) => a.status === 'behind');
          const target = behind[pick % behind.length]!;
          const after: ScoreInput = {
            ...input,
            assets: input.assets.map((a) =>
              a === target ? { ...a, status: 'up-to-date', monthsBehind: 0 } : a
            ),
            // Bringing it up to date may or may not close its listed gaps (third-party software, say).
            gaps: withItsGaps ? input.gaps.filter((g) => g.assetId !== target.id) : input.gaps
          };
          expect(scoreEngagement(after).score).toBeGreaterThanOrEqual(scoreEngagement(input).score);
        }
      )
    );
  });

  it('never raises the score by adding machines whose status is unknown, with or without gaps of their own', () => {
    const extraGapArb = fc.record({
      asset: fc.integer({ min: 0, max: 4 }),
      kind: fc.constantFrom(...GAP_KINDS),
      severity: fc.constantFrom(...SEVERITIES),
      security: fc.boolean(),
      kev: fc.boolean(),
      overdue: fc.boolean()
    });
    fc.assert(
      fc.property(
        estateArb,
        fc.integer({ min: 1, max: 5 }),
        fc.array(extraGapArb, { maxLength: 6 }),
        (input, n, specs) => {
          const extra = Array.from({ length: n }, (_, i) => ({
            id: `u${i}`,
            status: (i % 2 === 0 ? 'unknown' : 'not-applicable') as ScoredAssetStatus,
            monthsBehind: null
          }));
          const extraGaps = specs
            .filter((g) => g.asset < n)
            .map((g, i) => ({ ...makeGap(g, 1000 + i), assetId: `u${g.asset}` }));
          const after = {
            ...input,
            assets: [...input.assets, ...extra],
            gaps: [...input.gaps, ...extraGaps]
          };
          const s = scoreEngagement(after);
          expect(s.score).toBeLessThanOrEqual(scoreEngagement(input).score);
          expect(s.denominator).toBe(scoreEngagement(input).denominator);
        }
      )
    );
  });

  it('never gives an A to an estate where nothing is known', () => {
    fc.assert(
      fc.property(estateArb, (input) => {
        const unknown: ScoreInput = {
          ...input,
          assets: input.assets.map((a) => ({ ...a, status: 'unknown', monthsBehind: null }))
        };
        const s = scoreEngagement(unknown);
        expect(s.grade).not.toBe('A');
        expect(s.percentFullyPatched).toBeNull();
      })
    );
  });

  it('gives the same result for the same input, and leaves the input unchanged', () => {
    fc.assert(
      fc.property(estateArb, (input) => {
        const before = JSON.stringify(input);
        const a = scoreEngagement(input);
        const b = scoreEngagement(structuredClone(input));
        expect(a).toEqual(b);
        expect(JSON.stringify(input)).toBe(before);
      })
    );
  });
});
