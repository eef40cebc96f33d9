import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'fflate';

/**
 * Comparing a page rendered by `pdftoppm -gray` (binary PGM) with a reviewed reference render kept as gzipped PGM.
 * Shared by the report's unit render test (tests/unit/core/report/renders.test.ts) and the report e2e test
 * (tests/e2e/engine.e2e.ts), so that both judge a page the same way.
 */

/** A pixel counts as changed when its grey level moves by more than this. */
export const PIXEL_TOLERANCE = 48;
/** A page fails when more than this share of its pixels changed. */
export const PAGE_THRESHOLD = 0.01;

export interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export function readPgm(bytes: Uint8Array): Gray {
  // "P5\n<width> <height>\n255\n" then one byte per pixel.
  let pos = 0;
  const fields: string[] = [];
  while (fields.length < 4) {
    while (bytes[pos] === 0x20 || bytes[pos] === 0x0a || bytes[pos] === 0x0d || bytes[pos] === 0x09) pos++;
    let field = '';
    while (pos < bytes.length && ![0x20, 0x0a, 0x0d, 0x09].includes(bytes[pos]!))
      field += String.fromCharCode(bytes[pos++]!);
    fields.push(field);
  }
  pos++;
  return { width: Number(fields[1]), height: Number(fields[2]), pixels: bytes.subarray(pos) };
}

export function writePgm(g: Gray): Uint8Array {
  const head = new TextEncoder().encode(`P5\n${g.width} ${g.height}\n255\n`);
  const out = new Uint8Array(head.length + g.pixels.length);
  out.set(head);
  out.set(g.pixels, head.length);
  return out;
}

/** Writes a render as a reference: gzipped with no timestamp, so the same render gives the same file. */
export function writeReferenceRender(renderedPgm: string, referenceGz: string): void {
  writeFileSync(referenceGz, gzipSync(new Uint8Array(readFileSync(renderedPgm)), { mtime: 0 }));
}

/**
 * Compares a render with its reference. Returns null when they match, or a line saying what differs, starting
 * with `label`; when too many pixels changed it writes a difference image (darker where the grey moved more) to
 * `diffPath` and names it.
 */
export function compareRender(
  label: string,
  renderedPgm: string,
  referenceGz: string,
  diffPath: string
): string | null {
  const now = readPgm(new Uint8Array(readFileSync(renderedPgm)));
  const ref = readPgm(gunzipSync(new Uint8Array(readFileSync(referenceGz))));
  if (now.width !== ref.width || now.height !== ref.height) {
    return `${label}: size ${now.width}×${now.height}, reference ${ref.width}×${ref.height}`;
  }
  const diff = new Uint8Array(now.pixels.length);
  let changed = 0;
  for (let p = 0; p < now.pixels.length; p++) {
    const d = Math.abs(now.pixels[p]! - ref.pixels[p]!);
    if (d > PIXEL_TOLERANCE) changed++;
    diff[p] = 255 - Math.min(255, d * 4);
  }
  const share = changed / now.pixels.length;
  if (share <= PAGE_THRESHOLD) return null;
  writeFileSync(diffPath, writePgm({ width: now.width, height: now.height, pixels: diff }));
  return `${label}: ${(share * 100).toFixed(2)} % of pixels changed (difference image: ${diffPath})`;
}
