// Builds the benchmark (TypeScript, same core and db code as the app) with esbuild and runs it in Node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

await build({
  entryPoints: [
    'bench/import-bench.ts',
    'bench/browser-bench.ts',
    'bench/engine-bench.ts',
    'bench/schedule-bench.ts',
    'bench/report-bench.ts',
    'bench/report-browser-bench.ts'
  ],
  outdir: 'dist/bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning'
});
const mb = process.env.BENCH_MB ?? '100';
const node = spawnSync(
  process.execPath,
  ['--expose-gc', '--max-old-space-size=4096', 'dist/bench/import-bench.js'],
  { stdio: 'inherit' }
);
const browser = spawnSync(
  process.execPath,
  ['dist/bench/browser-bench.js', `bench/out/nessus-${mb}mb.nessus`],
  {
    stdio: 'inherit'
  }
);
// BENCH_BIG=1: the tab's peak memory while it imports a 500 MB scan (the file is generated first; takes minutes).
let big = { status: 0 };
if (process.env.BENCH_BIG) {
  big = spawnSync(process.execPath, ['dist/bench/browser-bench.js', '--generate-mb', '500'], {
    stdio: 'inherit'
  });
}
// The engine: catalog bundle build and load, gaps for 5,000 assets through the worker path, and the schedule.
const engineBench = spawnSync(process.execPath, ['--max-old-space-size=8192', 'dist/bench/engine-bench.js'], {
  stdio: 'inherit'
});
const scheduleBench = spawnSync(process.execPath, ['dist/bench/schedule-bench.js'], { stdio: 'inherit' });
// The report: 50 and 2,000 assets, beside a bare pdf-lib drawing of as many pages.
const reportBench = spawnSync(process.execPath, ['dist/bench/report-bench.js'], { stdio: 'inherit' });
// The report in the built app: main-thread long tasks while the worker builds it (issue 5's 50 ms aim).
const reportBrowserBench = spawnSync(process.execPath, ['dist/bench/report-browser-bench.js'], {
  stdio: 'inherit'
});
// Lighthouse 12.2.3 on the built app's main pages: performance, accessibility, best practices (issue 6's aims).
const lighthouseRun = spawnSync(process.execPath, ['scripts/lighthouse.js'], { stdio: 'inherit' });
process.exitCode =
  node.status ||
  browser.status ||
  big.status ||
  engineBench.status ||
  scheduleBench.status ||
  reportBench.status ||
  reportBrowserBench.status ||
  lighthouseRun.status ||
  0;
