import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRender, writeReferenceRender } from '../../render-compare';

/** The resolution of the reviewed renders: enough to see a layout move, small enough to keep in git. */
export const RENDER_DPI = 30;

/** `qpdf --check`: its exit status (0 when the structure is sound, 2 errors, 3 warnings) and everything it said. */
export function qpdfCheck(pdf: string): { status: number | null; output: string } {
  const run = spawnSync('qpdf', ['--check', pdf], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The text of one page (pdftotext -layout), 1-based. */
export function pageText(pdf: string, page: number): string {
  return execFileSync('pdftotext', ['-layout', '-f', String(page), '-l', String(page), pdf, '-'], {
    encoding: 'utf8'
  });
}

/**
 * The first page where `heading` stands alone on a line (a section's heading), not inside a line as in the
 * contents, where the title is followed by dot leaders or a page number.
 */
export function pageWithHeading(pdf: string, heading: string, pages: number): number {
  for (let page = 1; page <= pages; page++) {
    if (
      pageText(pdf, page)
        .split('\n')
        .some((line) => line.trim() === heading)
    )
      return page;
  }
  throw new Error(`no page of ${pdf} has the heading "${heading}"`);
}

/**
 * Renders the given pages greyscale at RENDER_DPI and compares each with its reviewed reference render
 * `<name>.pgm.gz` in `references` (tests/render-compare.ts: the same thresholds as the report's unit render test).
 * Returns one line per page that differs, naming the difference image written to `diffDir`. With UPDATE_RENDERS=1
 * it writes the references instead (look at the pages before committing them).
 */
export function compareWithReferenceRenders(
  pdf: string,
  pages: { name: string; page: number }[],
  references: string,
  diffDir: string
): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'patchfield-e2e-renders-'));
  const failures: string[] = [];
  for (const { name, page } of pages) {
    const rendered = join(dir, name);
    execFileSync('pdftoppm', [
      '-r',
      String(RENDER_DPI),
      '-gray',
      '-f',
      String(page),
      '-l',
      String(page),
      '-singlefile',
      pdf,
      rendered
    ]);
    const reference = join(references, `${name}.pgm.gz`);
    if (process.env.UPDATE_RENDERS) {
      mkdirSync(references, { recursive: true });
      writeReferenceRender(`${rendered}.pgm`, reference);
      continue;
    }
    if (!existsSync(reference)) {
      failures.push(`${name} (page ${page}): no reference render ${reference} (run with UPDATE_RENDERS=1)`);
      continue;
    }
    mkdirSync(diffDir, { recursive: true });
    const failure = compareRender(
      `${name} (page ${page})`,
      `${rendered}.pgm`,
      reference,
      join(diffDir, `diff-${name}.pgm`)
    );
    if (failure) failures.push(failure);
  }
  return failures;
}
