import type { PDFImage } from 'pdf-lib';
import { fitLogo, textStyle, type RenderContext } from '../render';
import { lineHeight } from '../text';
import { SPACE, TYPE } from '../theme';

/**
 * Photos the technician took on site, two to a row with their captions under them: in the appendix under the
 * machine they show, and in the scope section for the visit as a whole. A row never splits across pages.
 */

/** What the content holds of a photo: its id (the image is embedded once, by id) and its caption. */
export interface PhotoRef {
  id: string;
  caption: string;
}

/** The tallest a photo is drawn, so two rows and their captions fit on a page. */
const MAX_HEIGHT = SPACE(58);
const GUTTER = SPACE(5);
const CAPTION_LINES = 3;

export function drawPhotos(
  ctx: RenderContext,
  photos: readonly PhotoRef[],
  images: ReadonlyMap<string, PDFImage>
): void {
  const { flow, ts, palette } = ctx;
  const placed = photos.filter((p) => images.has(p.id));
  if (placed.length === 0) return;
  const caption = textStyle(TYPE.caption, palette.muted, false, 1.35);
  const cellWidth = (flow.width - GUTTER) / 2;
  for (let i = 0; i < placed.length; i += 2) {
    const row = placed.slice(i, i + 2).map((photo) => {
      const image = images.get(photo.id)!;
      const size = fitLogo(image, cellWidth, MAX_HEIGHT);
      const lines = photo.caption ? ts.wrap(photo.caption, caption, cellWidth, CAPTION_LINES) : [];
      return { image, size, lines };
    });
    const imageHeight = Math.max(...row.map((r) => r.size.height));
    const captionHeight = Math.max(...row.map((r) => r.lines.length)) * lineHeight(caption);
    flow.ensure(imageHeight + SPACE(1) + captionHeight + SPACE(3));
    const page = flow.page;
    const top = flow.y;
    row.forEach((r, column) => {
      const x = flow.left + column * (cellWidth + GUTTER);
      page.drawImage(r.image, { x, y: top - r.size.height, ...r.size });
      // A hairline frame, so a pale photo still reads as a picture when printed.
      page.drawRectangle({
        x,
        y: top - r.size.height,
        ...r.size,
        borderColor: palette.hairline,
        borderWidth: 0.5
      });
      ts.drawLines(page, r.lines, x, top - imageHeight - SPACE(1), caption);
    });
    flow.advance(imageHeight + SPACE(1) + captionHeight + SPACE(3));
  }
}
