// Soak test for Patchfield's crash safety: closes the tab at a random moment of an import, 100 times by default,
// and prints how many runs lost anything (half-written rows, a missing raw file, a file stuck "reading").
//
//   npm run soak                                   # builds the app, then 100 runs
//   npm run soak -- --runs 20 --seed 4711          # fewer runs, from a given seed (each run's seed is printed)
//   npm run soak -- --no-build                     # reuse ./build
//
// Each run is one case of tests/e2e/kill-import.e2e.ts (tablet-landscape), which appends what it found to a log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const runs = Number(option('runs', '100'));
const seed = Number(option('seed', String(Math.floor(Date.now() % 1_000_000))));
const log = join(mkdtempSync(join(tmpdir(), 'pf-soak-')), 'runs.jsonl');

if (!process.argv.includes('--no-build') || !existsSync('build')) {
  console.log('Building the app…');
  const built = spawnSync('npm', ['run', 'build'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (built.status !== 0) {
    console.error(`${built.stdout}${built.stderr}\nThe build failed; nothing was run.`);
    process.exit(2);
  }
}

console.log(`Soak: ${runs} runs from seed ${seed} (replay one with --runs 1 --seed <its seed>).`);
spawnSync(
  'npx',
  [
    'playwright',
    'test',
    'tests/e2e/kill-import.e2e.ts',
    '--project',
    'tablet-landscape',
    '--grep',
    'random moment',
    '--retries',
    '0',
    '--reporter',
    'dot'
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      PATCHFIELD_KILL_RUNS: String(runs),
      PATCHFIELD_KILL_SEED: String(seed),
      PATCHFIELD_KILL_LOG: log
    }
  }
);

const entries = existsSync(log)
  ? readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
const checked = new Map(entries.filter((e) => e.phase === 'data').map((e) => [e.seed, e]));
const finished = new Set(entries.filter((e) => e.phase === 'done').map((e) => e.seed));

const lost = [];
const otherFailures = [];
const outcomes = {};
for (let s = seed; s < seed + runs; s++) {
  const entry = checked.get(s);
  if (!entry) {
    otherFailures.push(`seed ${s}: the run stopped before the database was checked`);
    continue;
  }
  outcomes[entry.outcome] = (outcomes[entry.outcome] ?? 0) + 1;
  if (entry.lost.length > 0)
    lost.push(`seed ${s} (closed after ${entry.delay} ms): ${entry.lost.join('; ')}`);
  else if (!finished.has(s))
    otherFailures.push(`seed ${s}: nothing lost, but the app's recovery screen failed its check`);
}

const clean = runs - lost.length - otherFailures.length;
console.log('');
console.log(`${runs} runs: ${lost.length} lost anything, ${clean} clean`);
console.log(
  `  where the tab was closed: ${Object.entries(outcomes)
    .map(([what, n]) => `${n} ${what}`)
    .join(', ')}`
);
for (const line of lost) console.log(`  LOST ${line}`);
for (const line of otherFailures) console.log(`  FAILED ${line}`);
process.exit(lost.length > 0 || otherFailures.length > 0 ? 1 : 0);
