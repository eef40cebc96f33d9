import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { catalogFromParts, decodeCatalogBundle, type Catalog, type DecodedBundle } from '../../src/lib/core';

let decoded: DecodedBundle | undefined;

/** The bundle built by global-setup.ts from ../shared/catalog, decoded once per test file; undefined without ../shared. */
export function testBundle(): DecodedBundle | undefined {
  const path = inject('catalogBundle');
  if (!path) return undefined;
  decoded ??= decodeCatalogBundle(new Uint8Array(readFileSync(path)), 'catalog.bundle').value;
  return decoded;
}

export function testCatalog(): Catalog {
  return catalogFromParts(testBundle()?.parts ?? []);
}

export function testBundlePath(): string {
  return inject('catalogBundle');
}
