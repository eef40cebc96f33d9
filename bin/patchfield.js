#!/usr/bin/env node
// Entry point of `npx patchfield`: runs the compiled CLI (built by `npm ci` / `npm install` via the prepare script).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/patchfield.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write(
    'patchfield: the CLI is not built yet. Run `npm install` (or `node scripts/build-cli.js`) first.\n'
  );
  process.exit(2);
}
await import(compiled.href);
