// Builds the benchmark (TypeScript, same core and db code as the app) with esbuild and runs it in Node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

await build({
  entryPoints: ['bench/import-bench.ts'],
  outfile: 'dist/bench/import-bench.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning'
});
const run = spawnSync(process.execPath, ['--expose-gc', 'dist/bench/import-bench.js'], { stdio: 'inherit' });
process.exitCode = run.status ?? 1;
