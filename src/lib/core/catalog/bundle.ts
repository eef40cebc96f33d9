import { strFromU8, strToU8, zipSync, type Zippable } from 'fflate';
import { z } from 'zod';
import type { ParseResult, Problem } from '../model';
import { looksLikeZip, readZipEntry, sha256Hex, ZIP_MTIME } from '../zip';
import {
  CATALOG_KEYS,
  CATALOG_PART_NAMES,
  CATALOG_PART_SCHEMAS,
  partRecords,
  type Catalog,
  type CatalogPart,
  type CatalogPartName
} from './parts';

/**
 * The catalog bundle: what the MSP's office builds with `patchfield catalog build` and technicians import.
 * A zip with `manifest.json` (format, version, build time, and per part its source, snapshot date, record count
 * and the SHA-256 of its entry) and one JSON entry per part. Parts are read one at a time, so loading never holds
 * the whole catalog as one string; a changed or truncated entry is refused by its checksum.
 */

export const BUNDLE_FORMAT = 'patchfield-catalog';
export const BUNDLE_VERSION = 1;

export type BundlePartInfo = z.infer<typeof bundlePartInfoSchema>;
const bundlePartInfoSchema = z.object({
  part: z.enum(CATALOG_PART_NAMES),
  entry: z.string(),
  source: z.string(),
  snapshotDate: z.string().optional(),
  records: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/)
});

export type BundleManifest = z.infer<typeof bundleManifestSchema>;
const bundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.number().int().positive(),
  builtAt: z.string(),
  parts: z.array(bundlePartInfoSchema)
});

/** Writes the bundle. Deterministic for the same parts and builtAt. */
export function encodeCatalogBundle(parts: CatalogPart[], builtAt: string): Uint8Array {
  const ordered = [...parts].sort(
    (a, b) => CATALOG_PART_NAMES.indexOf(a.part) - CATALOG_PART_NAMES.indexOf(b.part)
  );
  const files: Zippable = {};
  const infos: BundlePartInfo[] = [];
  for (const part of ordered) {
    const entry = `${part.part}.json`;
    const bytes = strToU8(JSON.stringify(part));
    files[entry] = [bytes, { level: 6, mtime: ZIP_MTIME }];
    infos.push({
      part: part.part,
      entry,
      source: part.source,
      ...(part.snapshotDate ? { snapshotDate: part.snapshotDate } : {}),
      records: partRecords(part),
      sha256: sha256Hex(bytes)
    });
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    builtAt,
    parts: infos
  };
  files['manifest.json'] = [strToU8(JSON.stringify(manifest, null, 2)), { level: 6, mtime: ZIP_MTIME }];
  return zipSync(files);
}

/** A zip that starts like one: the only thing a bundle can be. */
export function looksLikeBundle(bytes: Uint8Array): boolean {
  return looksLikeZip(bytes);
}

export interface DecodedBundle {
  manifest: BundleManifest;
  parts: CatalogPart[];
}

/**
 * Reads a bundle. Every part is checked against its checksum and its schema; a part that fails is left out with a
 * problem naming it (the other parts still load). A file that is not a bundle is an error.
 */
export function decodeCatalogBundle(
  bytes: Uint8Array,
  name: string,
  onPart?: (part: CatalogPartName, index: number, total: number) => void
): ParseResult<DecodedBundle | undefined> {
  const issues: Problem[] = [];
  const notBundle = (detail: string): ParseResult<undefined> => ({
    value: undefined,
    issues: [
      {
        severity: 'error',
        code: 'catalog-not-bundle',
        message: `${name} is not a Patchfield catalog bundle (${detail}). Build one with "npx patchfield catalog build --from <folder> --out catalog.bundle".`
      }
    ]
  });
  if (!looksLikeBundle(bytes)) return notBundle('it is not a zip file');
  let manifestBytes: Uint8Array | undefined;
  try {
    manifestBytes = readZipEntry(bytes, 'manifest.json');
  } catch (e) {
    return {
      value: undefined,
      issues: [
        {
          severity: 'error',
          code: 'catalog-bundle-damaged',
          message: `${name} is damaged or incomplete and cannot be read. Copy the bundle again from the office.`,
          detail: String(e)
        }
      ]
    };
  }
  if (!manifestBytes) return notBundle('it has no manifest.json');
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(strFromU8(manifestBytes));
  } catch {
    return notBundle('its manifest is not JSON');
  }
  const manifest = bundleManifestSchema.safeParse(manifestJson);
  if (!manifest.success) return notBundle('its manifest is not a catalog manifest');
  if (manifest.data.version > BUNDLE_VERSION) {
    return {
      value: undefined,
      issues: [
        {
          severity: 'error',
          code: 'catalog-bundle-newer',
          message: `${name} was built by a newer Patchfield (bundle version ${manifest.data.version}). Update the app, then import it again.`
        }
      ]
    };
  }
  const parts: CatalogPart[] = [];
  const total = manifest.data.parts.length;
  manifest.data.parts.forEach((info, index) => {
    onPart?.(info.part, index, total);
    let entry: Uint8Array | undefined;
    try {
      entry = readZipEntry(bytes, info.entry);
    } catch {
      entry = undefined;
    }
    if (!entry || sha256Hex(entry) !== info.sha256) {
      issues.push({
        severity: 'error',
        code: 'catalog-part-damaged',
        message: `The ${info.part} part of ${name} is missing or damaged (its checksum does not match), so it was not loaded. Copy the bundle again from the office.`
      });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(strFromU8(entry));
    } catch {
      json = undefined;
    }
    const checked = CATALOG_PART_SCHEMAS[info.part].safeParse(json);
    if (!checked.success) {
      issues.push({
        severity: 'error',
        code: 'catalog-part-invalid',
        message: `The ${info.part} part of ${name} does not have the expected content, so it was not loaded. Rebuild the bundle with this version of Patchfield.`,
        detail: checked.error.issues[0]?.message
      });
      return;
    }
    parts.push(checked.data as CatalogPart);
  });
  return { value: { manifest: manifest.data, parts }, issues };
}

/** Puts parts into the engine's Catalog object. */
export function catalogFromParts(parts: readonly CatalogPart[]): Catalog {
  const catalog: Record<string, unknown> = {};
  for (const part of parts) catalog[CATALOG_KEYS[part.part]] = part;
  return catalog as Catalog;
}

/** The parts of a Catalog, in the canonical order. */
export function partsOfCatalog(catalog: Catalog): CatalogPart[] {
  const out: CatalogPart[] = [];
  for (const name of CATALOG_PART_NAMES) {
    const part = catalog[CATALOG_KEYS[name]];
    if (part) out.push(part as CatalogPart);
  }
  return out;
}
