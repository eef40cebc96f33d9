import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openDatabase, type PatchfieldDB } from '../../../src/lib/db';
import { createEngineApi, type EngineApi } from '../../../src/lib/workers/engine.api';

const require = createRequire(import.meta.url);

export function nodeFonts() {
  const read = (spec: string): Uint8Array => new Uint8Array(readFileSync(require.resolve(spec)));
  return {
    regular: read('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    bold: read('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
    cjk: () => read('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf')
  };
}

let counter = 0;

/** A fresh database (fake-indexeddb) and the engine API over it, as the worker would run it. */
export function freshEngine(
  now = new Date('2026-11-24T09:00:00Z'),
  fetchImpl?: typeof fetch
): { db: PatchfieldDB; api: EngineApi } {
  counter += 1;
  const db = openDatabase(`patchfield-test-${counter}-${Date.now()}`);
  const fonts = nodeFonts();
  const api = createEngineApi({
    db: () => db,
    loadFonts: () => Promise.resolve({ regular: fonts.regular, bold: fonts.bold }),
    loadCjkFont: () => Promise.resolve(fonts.cjk()),
    now: () => now,
    ...(fetchImpl ? { fetch: fetchImpl } : {})
  });
  return { db, api };
}

export function fileSource(path: string, name = path.split('/').pop()!) {
  const bytes = readFileSync(path);
  return { name, size: bytes.length, lastModified: 0, blob: new Blob([bytes]) };
}

export function textSource(name: string, text: string) {
  const blob = new Blob([text]);
  return { name, size: blob.size, lastModified: 0, blob };
}
