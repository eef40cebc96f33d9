// Builds the benchmark (TypeScript, same core and db code as the app) with esbuild and runs it in Node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

await build({
  entryPoints: ['bench/import-bench.ts', 'bench/browser-bench.ts'],
  outdir: 'dist/bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning'
});
const mb = process.env.BENCH_MB ?? '60';
const node = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/import-bench.js'], { stdio: 'inherit' });
const browser = spawnSync(
  process.execPath,
  ['dist/bench/browser-bench.js', `bench/out/generated-${mb}mb.nessus`],
  {
    stdio: 'inherit'
  }
);
process.exitCode = node.status || browser.status || 0;
