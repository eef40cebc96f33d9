import type { Engagement, EngagementResults } from '../model';
import type { ProposalSettings } from './sections/proposal';
import type { PageSizeName } from './theme';

/** Font files the report embeds. The report never fetches: callers pass bytes in. */
export interface ReportFonts {
  /** DejaVu Sans. */
  regular: Uint8Array;
  /** DejaVu Sans Bold. */
  bold: Uint8Array;
  /**
   * Noto Sans SC (about 10 MB). Called at most once per report, and only when some text to draw has a
   * character DejaVu lacks in a CJK block (e.g. "東京").
   */
  loadCjk: () => Promise<Uint8Array>;
}

export interface ReportInput {
  engagement: Engagement;
  results: EngagementResults;
  /** The MSP preparing the report ("Prepared by"); also the PDF's author. */
  mspName: string;
  /** ISO timestamp: the PDF's only time source (CreationDate and ModDate), so equal input gives equal bytes. */
  generatedAt: string;
  pageSize: PageSizeName;
  /** The MSP's brand colour (#rrggbb), darkened if needed so text in it stays readable. */
  brandColor?: string;
  /** The MSP's logo for the cover and the running header. */
  logo?: ReportLogo;
  /** When each file was imported (file id → ISO time), for files that do not say when they were made. */
  importedAt?: Record<string, string>;
  /** Photos from the visit (JPEG): under the machine they show, or in the scope section when on no machine. */
  photos?: ReportPhoto[];
  /** The MSP's offer; the section is left out when absent or switched off (non-sales reports). */
  proposal?: ProposalSettings;
}

/** A photo the technician took, already downscaled by the app. */
export interface ReportPhoto {
  id: string;
  /** The machine it shows; absent for a photo of the visit. */
  assetId?: string;
  caption: string;
  /** JPEG bytes. */
  bytes: Uint8Array;
}

/** A PNG (transparency kept) or JPEG logo. The app scales it down when the technician picks it. */
export interface ReportLogo {
  bytes: Uint8Array;
  type: 'image/png' | 'image/jpeg';
}

export interface ReportOutput {
  bytes: Uint8Array;
  pageCount: number;
  /** Characters no font could draw, each once; they are drawn as U+FFFD "�". */
  missingGlyphs: string[];
  usedCjkFont: boolean;
  /** Things the technician should know, e.g. a logo that could not be read (the report is built without it). */
  warnings: string[];
}

/** Called as the report is laid out: `done` of `total` steps (the rows of the asset table among them). */
export type ReportProgress = (done: number, total: number) => void;

/** The input cannot make a report; the message says what to change. */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}
