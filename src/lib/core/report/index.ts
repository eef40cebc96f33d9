/**
 * The assessment report: results and font bytes in, PDF bytes out (pdf-lib), the same in the worker and the CLI.
 *
 * content.ts decides what is said (words, numbers, tones); render.ts draws it with a small layout toolkit:
 * fonts.ts (per-character font runs, lazy CJK font, missing glyphs), text.ts (measure, wrap, draw),
 * flow.ts (page cursor and breaks), table.ts (tables that break across pages with repeated headers),
 * theme.ts (page sizes, type scale, palette).
 */
export { buildReport } from './build-report';
export { findMissingGlyphs, SUBSTITUTE } from './fonts';
export { ReportInputError } from './types';
export type { ReportFonts, ReportInput, ReportOutput, ReportPhoto, ReportProgress } from './types';
export type { PageSizeName } from './theme';
export {
  DEFAULT_PROPOSAL,
  proposalSettingsSchema,
  formatMoney,
  type ProposalSettings
} from './sections/proposal';
