import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ../shared beside the repository: real third-party samples and reference data (CI has it). */
export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_DIR = process.env.PATCHFIELD_SHARED ?? resolve(REPO_DIR, '../shared');
export const FIXTURES_DIR = join(REPO_DIR, 'tests/fixtures');
export const hasShared = existsSync(join(SHARED_DIR, 'samples'));

if (!hasShared) {
  console.warn(
    `[patchfield tests] ${SHARED_DIR} is absent: tests on shared samples and catalog are skipped.`
  );
}

/** Files of ../shared/samples/<format>, sorted; [] when ../shared is absent. */
export function sharedSamples(format: string): string[] {
  const dir = join(SHARED_DIR, 'samples', format);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function fixture(...parts: string[]): string {
  return join(FIXTURES_DIR, ...parts);
}
