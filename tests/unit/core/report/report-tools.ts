import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportFonts } from '../../../../src/lib/core/report';
import { REPO_DIR } from '../../shared';

const DEJAVU = join(REPO_DIR, 'node_modules/dejavu-fonts-ttf/ttf');
const NOTO_SC = join(
  REPO_DIR,
  'node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'
);

const regular = new Uint8Array(readFileSync(join(DEJAVU, 'DejaVuSans.ttf')));
const bold = new Uint8Array(readFileSync(join(DEJAVU, 'DejaVuSans-Bold.ttf')));
let cjk: Uint8Array | undefined;

export interface CountingFonts extends ReportFonts {
  /** How often loadCjk was called. */
  readonly cjkLoads: number;
}

/** The report fonts from node_modules, with a CJK loader that counts its calls. */
export function reportFonts(): CountingFonts {
  let loads = 0;
  return {
    regular,
    bold,
    loadCjk: () => {
      loads++;
      cjk ??= new Uint8Array(readFileSync(NOTO_SC));
      return Promise.resolve(cjk);
    },
    get cjkLoads() {
      return loads;
    }
  };
}

/** True when a command-line tool runs (poppler-utils and qpdf are optional on developer machines). */
export function hasTool(tool: string, versionFlag = '-v'): boolean {
  const result = spawnSync(tool, [versionFlag], { encoding: 'utf8' });
  return result.error === undefined;
}

const dir = mkdtempSync(join(tmpdir(), 'patchfield-report-'));
let counter = 0;

/** Writes PDF bytes to a temporary file and returns its path. */
export function writePdf(bytes: Uint8Array, name = 'report'): string {
  const path = join(dir, `${name}-${++counter}.pdf`);
  writeFileSync(path, bytes);
  return path;
}

export function run(tool: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The text of each page, as pdftotext reads it (pages split at form feeds). */
export function pdfPages(path: string, ...flags: string[]): string[] {
  const { stdout, status, stderr } = run('pdftotext', [...flags, '-enc', 'UTF-8', path, '-']);
  if (status !== 0) throw new Error(`pdftotext failed: ${stderr}`);
  const pages = stdout.split('\f');
  if (pages.at(-1)?.trim() === '') pages.pop();
  return pages;
}

export interface WordBox {
  page: number;
  xMin: number;
  xMax: number;
  text: string;
}

/** Every word with its box (pdftotext -bbox), and each page's width. */
export function pdfWords(path: string): { words: WordBox[]; pageWidths: number[] } {
  const { stdout, status, stderr } = run('pdftotext', ['-bbox', '-enc', 'UTF-8', path, '-']);
  if (status !== 0) throw new Error(`pdftotext -bbox failed: ${stderr}`);
  const words: WordBox[] = [];
  const pageWidths: number[] = [];
  let page = -1;
  for (const line of stdout.split('\n')) {
    const p = /<page width="([\d.]+)"/.exec(line);
    if (p) {
      page++;
      pageWidths.push(Number(p[1]));
      continue;
    }
    const w = /<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)<\/word>/.exec(line);
    if (w) words.push({ page, xMin: Number(w[1]), xMax: Number(w[2]), text: w[3] ?? '' });
  }
  return { words, pageWidths };
}
