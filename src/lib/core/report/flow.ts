import type { PDFDocument, PDFPage } from 'pdf-lib';
import type { PageGeometry } from './theme';

/**
 * A cursor that flows content down the body of a page and starts a new page when the next block does not fit.
 * Coordinates are PDF points with the origin at the bottom left, so the cursor `y` goes down as content is added.
 */
export class PageFlow {
  readonly pages: PDFPage[] = [];
  private current: PDFPage | undefined;
  /** Top of the space still free on the current page. */
  y = 0;

  constructor(
    private readonly doc: PDFDocument,
    readonly geometry: PageGeometry
  ) {}

  get left(): number {
    return this.geometry.marginX;
  }

  get right(): number {
    return this.geometry.width - this.geometry.marginX;
  }

  get width(): number {
    return this.right - this.left;
  }

  /** Top of the body (below the running header band). */
  get top(): number {
    return this.geometry.height - this.geometry.marginTop - this.geometry.headerBand;
  }

  /** Bottom of the body (above the footer band). */
  get bottom(): number {
    return this.geometry.marginBottom + this.geometry.footerBand;
  }

  /** Height of an empty page's body. */
  get bodyHeight(): number {
    return this.top - this.bottom;
  }

  get page(): PDFPage {
    return this.current ?? this.newPage();
  }

  /** Space left on the current page (a whole body when no page is started yet). */
  get remaining(): number {
    return this.current ? this.y - this.bottom : this.bodyHeight;
  }

  newPage(): PDFPage {
    this.current = this.doc.addPage([this.geometry.width, this.geometry.height]);
    this.pages.push(this.current);
    this.y = this.top;
    return this.current;
  }

  /** Starts a new page unless `height` still fits on this one. Returns true when it started a page. */
  ensure(height: number): boolean {
    if (this.current && height <= this.remaining) return false;
    if (!this.current || this.y < this.top) {
      this.newPage();
      return true;
    }
    return false;
  }

  /** Moves the cursor down. */
  advance(height: number): void {
    this.y -= height;
  }

  /** True when nothing has been drawn on the current page's body yet. */
  get atTop(): boolean {
    return this.current !== undefined && this.y >= this.top;
  }
}
