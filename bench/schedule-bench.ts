/**
 * Schedule benchmark: 5,000 generated assets × 50 gaps (250,000 gaps), deterministic, through buildSchedule three
 * times; prints the plan's size, the best time and the gaps scheduled per second. Not a timed test.
 *
 *   npx esbuild bench/schedule-bench.ts --bundle --platform=node --format=esm \
 *     --outfile=dist/bench/schedule-bench.js --packages=external && node dist/bench/schedule-bench.js
 *
 * BENCH_ASSETS and BENCH_GAPS change the size.
 */
import { performance } from 'node:perf_hooks';
import { seededRandom } from './generators';
import { DEFAULT_ENGAGEMENT_SETTINGS } from '../src/lib/core/engine/settings';
import { buildSchedule, type ScheduleAsset } from '../src/lib/core/engine/schedule';
import { GAP_KINDS, type PatchGap } from '../src/lib/core/model';

const ASSETS = Number(process.env.BENCH_ASSETS ?? 5000);
const GAPS_PER_ASSET = Number(process.env.BENCH_GAPS ?? 50);
const AS_OF = '2026-05-04';

function addDays(days: number): string {
  return new Date(Date.UTC(2026, 4, 4 + days)).toISOString().slice(0, 10);
}

const OS_KEYS = [
  'windows 10.0.19045',
  'windows 10.0.22631',
  'windows 10.0.26100',
  'windows 10.0.17763',
  'windows 10.0.20348',
  'ubuntu 22.04',
  'ubuntu 24.04',
  'rhel 9',
  'macos 15'
];
const BANDS: [number, string, number | null][] = [
  [1, 'Emergency', 3],
  [2, 'Critical', 15],
  [3, 'High', 30],
  [4, 'Medium', 90],
  [5, 'Low', 180],
  [5, 'Next upgrade', null]
];

function generate(): { assets: ScheduleAsset[]; gaps: PatchGap[] } {
  const rnd = seededRandom(20260504);
  const assets: ScheduleAsset[] = [];
  const gaps: PatchGap[] = [];
  for (let i = 0; i < ASSETS; i++) {
    const id = `asset-${String(i).padStart(5, '0')}`;
    const server = rnd() < 0.1;
    const osKey = OS_KEYS[Math.floor(rnd() * OS_KEYS.length)] ?? 'unknown';
    const hostname = `${server ? 'SRV' : 'PC'}-${String(i).padStart(5, '0')}`;
    assets.push({ id, hostname, role: server ? 'server' : 'workstation', osKey });
    for (let j = 0; j < GAPS_PER_ASSET; j++) {
      // Mostly medium and low, a few urgent ones: roughly what a neglected fleet looks like.
      const r = rnd();
      const band =
        BANDS[r < 0.002 ? 0 : r < 0.05 ? 1 : r < 0.2 ? 2 : r < 0.6 ? 3 : r < 0.9 ? 4 : 5] ?? BANDS[3];
      const [rank, label, days] = band ?? [4, 'Medium', 90];
      const kind = GAP_KINDS[Math.floor(rnd() * GAP_KINDS.length)] ?? 'package-update';
      gaps.push({
        id: `${id}-${kind}-${j}`,
        assetId: id,
        hostname,
        kind,
        product: `Product ${j}`,
        title: j === 0 ? 'Install the servicing stack update' : `Update product ${j}`,
        severity: 'high',
        cves: [],
        rebootRequired: rnd() < 0.3 ? null : rnd() < 0.5,
        security: true,
        folded: 1,
        evidence: [],
        priority: {
          rank,
          label,
          days,
          dueDate: days === null ? null : addDays(days),
          reason: label,
          policy: 'severity-bands',
          assumed: []
        }
      });
    }
  }
  return { assets, gaps };
}

const t0 = performance.now();
const { assets, gaps } = generate();
console.log(
  `generated ${assets.length} assets × ${GAPS_PER_ASSET} gaps = ${gaps.length} gaps in ${(performance.now() - t0).toFixed(0)} ms`
);

let best = Infinity;
let plan: ReturnType<typeof buildSchedule> | undefined;
for (let run = 1; run <= 3; run++) {
  const start = performance.now();
  plan = buildSchedule({ asOf: AS_OF, assets, gaps, settings: DEFAULT_ENGAGEMENT_SETTINGS });
  const ms = performance.now() - start;
  best = Math.min(best, ms);
  console.log(`run ${run}: ${ms.toFixed(0)} ms`);
}
if (plan) {
  const kinds = new Map<string, number>();
  for (const w of plan.waves) kinds.set(w.kind, (kinds.get(w.kind) ?? 0) + 1);
  const scheduled = plan.waves.reduce((n, w) => n + w.gapIds.length, 0);
  const last = plan.waves.at(-1);
  console.log(
    `plan: ${plan.waves.length} waves (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ${scheduled} gaps placed, ${plan.misses.length} misses, last wave ends ${last?.end ?? '-'}`
  );
}
console.log(
  `best of 3: ${best.toFixed(0)} ms, ${Math.round(gaps.length / (best / 1000)).toLocaleString('en-US')} gaps/s`
);
