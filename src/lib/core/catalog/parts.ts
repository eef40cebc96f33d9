import { z } from 'zod';
import { windowsBuildCatalogSchema } from './windows-builds';

/**
 * The reference catalog: named parts, each with its source, snapshot date and records. Each part is built from the
 * official file format by a builder in this folder (used by `patchfield catalog build`, by "Import catalog file"
 * and by "Refresh catalog"), stored as one IndexedDB record, and validated with these schemas on load.
 *
 * Large parts are stored as tuples, not objects: the catalog must stay under 50 MB in IndexedDB and load in
 * under 2 s, and EPSS alone has about 360,000 CVEs.
 */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const cveId = z.string().regex(/^CVE-\d{4}-\d{4,}$/);
const kbId = z.string().regex(/^KB\d{6,7}$/);

const partBase = {
  /** Where the data came from: the file name or URL it was built from. */
  source: z.string(),
  /** The date the source data describes (not when it was imported), YYYY-MM-DD. */
  snapshotDate: isoDate.optional()
};

/** CISA Known Exploited Vulnerabilities. */
export type KevEntry = z.infer<typeof kevEntrySchema>;
export const kevEntrySchema = z.object({
  cve: cveId,
  dateAdded: isoDate,
  /** CISA's due date for federal agencies. */
  dueDate: isoDate.optional(),
  /** knownRansomwareCampaignUse === "Known". */
  ransomware: z.boolean(),
  vendor: z.string(),
  product: z.string(),
  name: z.string()
});
export type KevPart = z.infer<typeof kevPartSchema>;
export const kevPartSchema = z.object({
  part: z.literal('kev'),
  ...partBase,
  catalogVersion: z.string().optional(),
  entries: z.array(kevEntrySchema)
});

/** FIRST EPSS, columnar: cves[i] has probability epss[i] and percentile percentile[i] (both 0..1). */
export type EpssPart = z.infer<typeof epssPartSchema>;
export const epssPartSchema = z
  .object({
    part: z.literal('epss'),
    ...partBase,
    modelVersion: z.string().optional(),
    cves: z.array(z.string()),
    epss: z.array(z.number().min(0).max(1)),
    percentile: z.array(z.number().min(0).max(1))
  })
  .refine((p) => p.cves.length === p.epss.length && p.cves.length === p.percentile.length, {
    message: 'EPSS columns have different lengths'
  });

/** SSVC decision points per CVE from CISA's Vulnrichment ADP container. */
export type SsvcEntry = z.infer<typeof ssvcEntrySchema>;
export const ssvcEntrySchema = z.tuple([
  cveId,
  /** Exploitation */
  z.enum(['none', 'poc', 'active']),
  /** Automatable */
  z.enum(['yes', 'no']),
  /** Technical Impact */
  z.enum(['partial', 'total'])
]);
export type SsvcPart = z.infer<typeof ssvcPartSchema>;
export const ssvcPartSchema = z.object({
  part: z.literal('ssvc'),
  ...partBase,
  entries: z.array(ssvcEntrySchema)
});

/** CVSS vectors per CVE, with the base score computed at build time: [cve, vector, baseScore, source]. */
export type CvssEntry = z.infer<typeof cvssEntrySchema>;
export const cvssEntrySchema = z.tuple([
  cveId,
  z.string().min(8),
  z.number().min(0).max(10),
  /** msrc · cisa-adp · cna · osv */
  z.string()
]);
export type CvssPart = z.infer<typeof cvssPartSchema>;
export const cvssPartSchema = z.object({
  part: z.literal('cvss'),
  ...partBase,
  entries: z.array(cvssEntrySchema)
});

/** endoflife.date: a product's release cycles. Dates may be `true`/`false` where the source has no date. */
const eolDate = z.union([isoDate, z.boolean()]);
export type EolCycle = z.infer<typeof eolCycleSchema>;
export const eolCycleSchema = z.object({
  cycle: z.string(),
  label: z.string().optional(),
  releaseDate: isoDate.optional(),
  /** End of active support. */
  eoas: eolDate.optional(),
  /** End of security support (end of life). */
  eol: eolDate,
  /** End of extended support (e.g. Windows ESU). */
  eoes: eolDate.optional(),
  latest: z.string().optional(),
  latestReleaseDate: isoDate.optional(),
  lts: z.union([z.boolean(), isoDate]).optional(),
  codename: z.string().optional()
});
export type EolProduct = z.infer<typeof eolProductSchema>;
export const eolProductSchema = z.object({
  id: z.string(),
  title: z.string(),
  category: z.string().optional(),
  /** CPE and purl prefixes endoflife.date lists for the product. */
  identifiers: z.array(z.string()),
  cycles: z.array(eolCycleSchema)
});
export type EolPart = z.infer<typeof eolPartSchema>;
export const eolPartSchema = z.object({
  part: z.literal('eol'),
  ...partBase,
  products: z.array(eolProductSchema)
});

/**
 * wesng definitions reduced to what the engine uses, per KB: [kb, date, supersedes, productIndexes, title].
 * date is the most frequent DatePosted of the KB (its release day); products index into `products`.
 */
export type WesngKb = z.infer<typeof wesngKbSchema>;
export const wesngKbSchema = z.tuple([kbId, isoDate, z.array(kbId), z.array(z.number().int()), z.string()]);
export type WesngPart = z.infer<typeof wesngPartSchema>;
export const wesngPartSchema = z.object({
  part: z.literal('wesng'),
  ...partBase,
  products: z.array(z.string()),
  kbs: z.array(wesngKbSchema)
});

/**
 * MSRC security updates for Windows: [cve, productId, kb, fixedBuild, severity, exploited, month].
 * fixedBuild is "10.0.19045.6093" or "" when MSRC gives none; severity is MSRC's word (Critical, Important, ...);
 * month is the monthly document's release date (YYYY-MM-DD). CVSS vectors go to the cvss part.
 */
export type MsrcRow = z.infer<typeof msrcRowSchema>;
export const msrcRowSchema = z.tuple([
  cveId,
  z.string(),
  z.union([kbId, z.literal('')]),
  z.string(),
  z.string(),
  z.boolean(),
  isoDate
]);
export type MsrcPart = z.infer<typeof msrcPartSchema>;
export const msrcPartSchema = z.object({
  part: z.literal('msrc'),
  ...partBase,
  /** [productId, product name], e.g. ["11568", "Windows 10 Version 22H2 for x64-based Systems"]. */
  products: z.array(z.tuple([z.string(), z.string()])),
  rows: z.array(msrcRowSchema)
});

/**
 * OSV advisories for Linux distributions, one entry per affected package range:
 * [ecosystem, package, advisoryId, introduced, fixed, cves, severity, published].
 * ecosystem is spelled as osv-schema's ecosystems.json does ("AlmaLinux:9", "Debian:12", "Ubuntu:22.04:LTS");
 * package is the source package for Debian/Ubuntu; introduced "0" means every version; fixed "" means no fix yet.
 * severity is the advisory's own word (e.g. Red Hat's "Important") or "".
 */
export type OsvEntry = z.infer<typeof osvEntrySchema>;
export const osvEntrySchema = z.tuple([
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.string(),
  z.array(z.string()),
  z.string(),
  z.string()
]);
export type OsvPart = z.infer<typeof osvPartSchema>;
export const osvPartSchema = z.object({
  part: z.literal('osv'),
  ...partBase,
  /** Every ecosystem the part covers completely (an ecosystem not listed has no data: its assets are unknown). */
  ecosystems: z.array(z.string()),
  entries: z.array(osvEntrySchema)
});

export const CATALOG_PART_NAMES = [
  'windows-builds',
  'wesng',
  'msrc',
  'kev',
  'epss',
  'ssvc',
  'cvss',
  'eol',
  'osv'
] as const;
export type CatalogPartName = (typeof CATALOG_PART_NAMES)[number];

export const catalogPartSchema = z.union([
  windowsBuildCatalogSchema,
  wesngPartSchema,
  msrcPartSchema,
  kevPartSchema,
  epssPartSchema,
  ssvcPartSchema,
  cvssPartSchema,
  eolPartSchema,
  osvPartSchema
]);
export type CatalogPart = z.infer<typeof catalogPartSchema>;

/** Schemas by part name: a stored part is checked against its own schema only. */
export const CATALOG_PART_SCHEMAS = {
  'windows-builds': windowsBuildCatalogSchema,
  wesng: wesngPartSchema,
  msrc: msrcPartSchema,
  kev: kevPartSchema,
  epss: epssPartSchema,
  ssvc: ssvcPartSchema,
  cvss: cvssPartSchema,
  eol: eolPartSchema,
  osv: osvPartSchema
} as const;

/** How many records a part holds (what the app and the results say next to its name). */
export function partRecords(part: CatalogPart): number {
  switch (part.part) {
    case 'windows-builds':
      return part.rows.length;
    case 'wesng':
      return part.kbs.length;
    case 'msrc':
      return part.rows.length;
    case 'kev':
      return part.entries.length;
    case 'epss':
      return part.cves.length;
    case 'ssvc':
    case 'cvss':
    case 'osv':
      return part.entries.length;
    case 'eol':
      return part.products.reduce((n, p) => n + p.cycles.length, 0);
  }
}

/** Everything the engine may consult. Parts are optional: a missing part makes answers "unknown", never "fine". */
export interface Catalog {
  windowsBuilds?: z.infer<typeof windowsBuildCatalogSchema>;
  wesng?: WesngPart;
  msrc?: MsrcPart;
  kev?: KevPart;
  epss?: EpssPart;
  ssvc?: SsvcPart;
  cvss?: CvssPart;
  eol?: EolPart;
  osv?: OsvPart;
}

/** The Catalog key that holds a part. */
export const CATALOG_KEYS: Record<CatalogPartName, keyof Catalog> = {
  'windows-builds': 'windowsBuilds',
  wesng: 'wesng',
  msrc: 'msrc',
  kev: 'kev',
  epss: 'epss',
  ssvc: 'ssvc',
  cvss: 'cvss',
  eol: 'eol',
  osv: 'osv'
};
