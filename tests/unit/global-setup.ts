import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildCatalogFromFolder, encodeCatalogBundle } from '../../src/lib/core';
import { catalogFolder } from '../../src/cli/io';
import { SHARED_DIR, hasShared } from './shared';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the catalog bundle built once per test run from ../shared/catalog; '' when ../shared is absent. */
    catalogBundle: string;
  }
}

/** Builds the reference catalog bundle once for the whole test run (tests load it; none rebuilds it). */
export default async function setup(project: TestProject): Promise<void> {
  if (!hasShared) {
    project.provide('catalogBundle', '');
    return;
  }
  const started = performance.now();
  const built = await buildCatalogFromFolder(catalogFolder(join(SHARED_DIR, 'catalog')));
  const bytes = encodeCatalogBundle(built.parts, '2026-11-24T00:00:00.000Z');
  const path = join(mkdtempSync(join(tmpdir(), 'patchfield-catalog-')), 'catalog.bundle');
  writeFileSync(path, bytes);
  console.log(
    `[patchfield tests] catalog bundle built from ${SHARED_DIR}/catalog in ${((performance.now() - started) / 1000).toFixed(1)} s: ${(bytes.length / 1e6).toFixed(1)} MB, ${built.parts.length} parts`
  );
  project.provide('catalogBundle', path);
}
