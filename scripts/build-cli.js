// Compiles the CLI (src/cli + src/lib/core) to dist/cli/patchfield.js so `npx patchfield` runs on Node 20
// right after `npm ci` (run as the `prepare` script). Dependencies stay in node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/cli/patchfield.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning'
});
