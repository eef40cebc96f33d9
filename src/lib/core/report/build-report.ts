import { PDFDocument, type PDFImage } from 'pdf-lib';
import { buildContent, collectText, SECTION_TITLES } from './content';
import { addOutline, drawTableOfContents, reserveTableOfContents, type TocEntry } from './outline';
import { drawAppendix } from './sections/appendix';
import { drawCharts } from './sections/charts';
import { drawExecutive } from './sections/executive';
import { drawGlossary } from './sections/glossary';
import { drawMethodology } from './sections/methodology';
import { drawPlan } from './sections/plan';
import { drawProposal } from './sections/proposal';
import { drawTopRisks } from './sections/risks';
import { FontSet } from './fonts';
import { PageFlow } from './flow';
import { drawAssets, drawCover, drawPageChrome, drawSummary, type RenderContext } from './render';
import { Typesetter } from './text';
import { createPalette, PAGE_SIZES, pageGeometry } from './theme';
import {
  ReportInputError,
  type ReportFonts,
  type ReportInput,
  type ReportOutput,
  type ReportProgress
} from './types';

/** How many rows between progress calls: about a hundred calls for any table size. */
const progressStride = (rows: number): number => Math.max(1, Math.floor(rows / 100));

/**
 * Builds the assessment PDF: cover, summary, one table row per asset, page chrome. Pure: font bytes in,
 * PDF bytes out; `generatedAt` is the only clock, so the same input gives byte-identical output.
 */
export async function buildReport(
  input: ReportInput,
  fonts: ReportFonts,
  onProgress?: ReportProgress
): Promise<ReportOutput> {
  const generatedAt = new Date(input.generatedAt);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(input.generatedAt) || Number.isNaN(generatedAt.getTime())) {
    throw new ReportInputError(
      `generatedAt "${input.generatedAt}" is not an ISO timestamp: pass one such as 2025-03-14T09:30:00Z.`
    );
  }
  if (!(input.pageSize in PAGE_SIZES)) {
    throw new ReportInputError(
      `Page size "${String(input.pageSize)}" is not supported: use "A4" or "Letter".`
    );
  }

  const content = buildContent(input);
  const rowCount = content.assets.rows.length;
  // Steps: fonts, cover, summary, each row, page chrome and saving.
  const total = rowCount + 4;
  let done = 0;
  const step = (n = 1): void => {
    done += n;
    onProgress?.(done, total);
  };
  onProgress?.(0, total);

  // updateMetadata: false keeps pdf-lib from stamping its own producer and the current time.
  const doc = await PDFDocument.create({ updateMetadata: false });
  const fontSet = await FontSet.embed(doc, fonts);
  await fontSet.prepare(collectText(content));
  step();

  const warnings: string[] = [];
  let logo: PDFImage | undefined;
  if (input.logo) {
    try {
      logo =
        input.logo.type === 'image/png'
          ? await doc.embedPng(input.logo.bytes)
          : await doc.embedJpg(input.logo.bytes);
    } catch {
      warnings.push(
        'The logo could not be read as a PNG or JPEG image, so the report was built without it. Choose the logo again in Settings.'
      );
    }
  }
  const photos = new Map<string, PDFImage>();
  const unreadable: string[] = [];
  for (const photo of input.photos ?? []) {
    try {
      photos.set(photo.id, await doc.embedJpg(photo.bytes));
    } catch {
      unreadable.push(photo.caption || photo.id);
    }
  }
  if (unreadable.length > 0) {
    warnings.push(
      `${unreadable.length === 1 ? 'A photo' : `${unreadable.length} photos`} could not be read as JPEG and ${unreadable.length === 1 ? 'was' : 'were'} left out (${unreadable.join(', ')}). Take ${unreadable.length === 1 ? 'it' : 'them'} again.`
    );
  }
  const ctx: RenderContext = {
    flow: new PageFlow(doc, pageGeometry(input.pageSize)),
    ts: new Typesetter(fontSet),
    palette: createPalette(input.brandColor),
    ...(logo ? { logo } : {}),
    photos
  };
  drawCover(ctx, content.cover);
  step();
  // The contents page is reserved now and filled once every section's page is known.
  const tocPages = reserveTableOfContents(ctx, content.contents);
  const entries: TocEntry[] = [];
  const mark = (title: string): void => {
    entries.push({ title, pageIndex: ctx.flow.pages.length });
  };
  const sections = content.sections;
  mark(SECTION_TITLES.executive);
  drawExecutive(ctx, sections.executive);
  mark(SECTION_TITLES.charts);
  drawCharts(ctx, sections.charts);
  mark(SECTION_TITLES.risks);
  drawTopRisks(ctx, sections.risks);
  mark(SECTION_TITLES.plan);
  drawPlan(ctx, sections.plan);
  if (sections.proposal) {
    mark(SECTION_TITLES.proposal);
    drawProposal(ctx, sections.proposal);
  }
  mark(SECTION_TITLES.updates);
  drawSummary(ctx, content.summary);
  step();
  // The asset table follows the updates summary on the same page.
  entries.push({ title: SECTION_TITLES.assets, pageIndex: ctx.flow.pages.length - 1, y: ctx.flow.y });
  const stride = progressStride(rowCount);
  let reported = 0;
  drawAssets(ctx, content.assets, (index) => {
    if ((index + 1) % stride === 0 || index + 1 === rowCount) {
      step(index + 1 - reported);
      reported = index + 1;
    }
  });
  mark(SECTION_TITLES.methodology);
  drawMethodology(ctx, sections.methodology);
  mark(SECTION_TITLES.appendix);
  drawAppendix(ctx, sections.appendix);
  mark(SECTION_TITLES.glossary);
  drawGlossary(ctx, sections.glossary);
  drawTableOfContents(ctx, doc, tocPages, entries);
  addOutline(doc, entries);
  drawPageChrome(ctx, content, ctx.flow.pages);

  const { meta } = content;
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setAuthor(meta.author);
  doc.setSubject(meta.subject);
  // pdf-lib joins keywords with spaces, which runs "patch assessment" into the next one.
  doc.setKeywords([meta.keywords.join('; ')]);
  doc.setCreator(meta.creator);
  doc.setProducer(meta.producer);
  doc.setCreationDate(generatedAt);
  doc.setModificationDate(generatedAt);
  doc.setLanguage('en');

  const bytes = await doc.save();
  step();
  return {
    bytes,
    pageCount: doc.getPageCount(),
    missingGlyphs: [...fontSet.missing],
    usedCjkFont: fontSet.usedCjk,
    warnings
  };
}
