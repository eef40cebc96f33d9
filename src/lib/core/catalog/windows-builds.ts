import Papa from 'papaparse';
import { z } from 'zod';
import type { ParseResult, Problem } from '../model';

/**
 * The Windows build table: build.revision → cumulative update KB → release date and type.
 * Read from windows_build_revision_kb_merged.csv (see ../shared/catalog/windows-builds/SOURCE.md for its columns).
 */

export type WindowsBuildRow = z.infer<typeof windowsBuildRowSchema>;
export const windowsBuildRowSchema = z.object({
  build: z.number().int().positive(),
  family: z.string(),
  revision: z.number().int().nonnegative(),
  /** "KB5039211", or null for rows that name no KB (e.g. SDK release notes). */
  kb: z
    .string()
    .regex(/^KB\d{6,7}$/)
    .nullable(),
  /** Release-health date, YYYY-MM-DD. */
  releaseDate: z.string().optional(),
  /** A initial · B Patch Tuesday · C/D optional preview · E/OOB out-of-band. */
  updateType: z.string().optional(),
  channel: z.string().optional(),
  /** First MSRC monthly document that names this build (an upper bound of its release date). */
  msrcDate: z.string().optional(),
  msrcSubtype: z.string().optional(),
  /** The most frequent DatePosted of this KB in the wesng definitions: dates rows the other sources leave undated. */
  wesngDate: z.string().optional(),
  /** Products the row applies to, from MSRC and vuls, joined with "; " (empty when no source says). */
  products: z.string()
});

export type WindowsBuildCatalog = z.infer<typeof windowsBuildCatalogSchema>;
export const windowsBuildCatalogSchema = z.object({
  part: z.literal('windows-builds'),
  source: z.string(),
  /** Date of the newest dated row: how fresh the table is. */
  snapshotDate: z.string().optional(),
  rows: z.array(windowsBuildRowSchema)
});

const REQUIRED_COLUMNS = ['build', 'revision', 'kb'] as const;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads the build table CSV. Bad rows are skipped with a problem naming the row; a wrong file is an error. */
export function parseWindowsBuildsCsv(text: string, source: string): ParseResult<WindowsBuildCatalog> {
  const issues: Problem[] = [];
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), {
    header: true,
    skipEmptyLines: true
  });
  const fields = parsed.meta.fields ?? [];
  const missing = REQUIRED_COLUMNS.filter((c) => !fields.includes(c));
  if (missing.length > 0) {
    issues.push({
      severity: 'error',
      code: 'catalog-wrong-columns',
      message: `This is not the Windows build table: the columns ${missing.join(', ')} are missing. Choose windows_build_revision_kb_merged.csv from the catalog folder.`,
      line: 1
    });
    return { value: { part: 'windows-builds', source, rows: [] }, issues };
  }
  const rows: WindowsBuildRow[] = [];
  let newest: string | undefined;
  parsed.data.forEach((raw, index) => {
    const line = index + 2;
    const kbText = (raw.kb ?? '').trim();
    const candidate = {
      build: Number(raw.build),
      family: (raw.family ?? '').trim(),
      revision: Number(raw.revision),
      kb: /^\d{6,7}$/.test(kbText)
        ? `KB${kbText}`
        : /^KB\d{6,7}$/i.test(kbText)
          ? kbText.toUpperCase()
          : null,
      releaseDate: dateOrUndefined(raw.release_date),
      updateType: (raw.update_type ?? '').trim() || undefined,
      channel: (raw.release_health_channel ?? '').trim() || undefined,
      msrcDate: dateOrUndefined(raw.msrc_first_seen_doc_date),
      msrcSubtype: (raw.msrc_subtype ?? '').trim() || undefined,
      products: [raw.msrc_products, raw.vuls_products]
        .map((p) => (p ?? '').trim())
        .filter(Boolean)
        .join('; ')
    };
    const checked = windowsBuildRowSchema.safeParse(candidate);
    if (!checked.success) {
      issues.push({
        severity: 'warning',
        code: 'catalog-bad-row',
        message: `Row ${line} of the Windows build table was skipped: ${checked.error.issues[0]?.message ?? 'invalid values'}.`,
        line
      });
      return;
    }
    rows.push(checked.data);
    for (const d of [checked.data.releaseDate, checked.data.msrcDate]) {
      if (d && (!newest || d > newest)) newest = d;
    }
  });
  for (const e of parsed.errors) {
    issues.push({
      severity: 'warning',
      code: 'catalog-csv',
      message: `Row ${(e.row ?? 0) + 2} of the Windows build table could not be read: ${e.message}.`,
      line: (e.row ?? 0) + 2
    });
  }
  if (rows.length === 0) {
    issues.push({
      severity: 'error',
      code: 'catalog-empty',
      message: 'The Windows build table has no usable rows. Choose windows_build_revision_kb_merged.csv.'
    });
  }
  rows.sort((a, b) => a.build - b.build || a.revision - b.revision);
  return { value: { part: 'windows-builds', source, snapshotDate: newest, rows }, issues };
}

function dateOrUndefined(value: string | undefined): string | undefined {
  const v = (value ?? '').trim();
  return ISO_DATE.test(v) ? v : undefined;
}
