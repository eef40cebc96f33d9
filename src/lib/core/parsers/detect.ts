import type { FileFormat, Problem } from '../model';
import { FORMAT_LABELS } from '../model';
import { decodeText } from './decode';
import type { SniffSample } from './handler';
import { HANDLERS } from './handlers';

/** How many leading bytes detection reads. */
export const SNIFF_BYTES = 64 * 1024;

export type Detection = { format: FileFormat; problem?: undefined } | { format: null; problem: Problem };

export function supportedFormatsSentence(): string {
  const formats = [...new Set(HANDLERS.map((h) => h.format))];
  return `Patchfield reads: ${formats.map((f) => FORMAT_LABELS[f]).join('; ')}.`;
}

/** True for the first bytes of a zip archive. */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/**
 * Detects a file's format from its first bytes. The content decides; the file name is only a hint used to
 * explain a mismatch. Every handler is asked; the most confident one wins.
 */
export function detectFormat(head: Uint8Array, fileName: string, zipEntries?: string[]): Detection {
  const text = head.length === 0 || isZip(head) ? '' : decodeText(trimToLine(head)).text;
  if (head.length === 0 || (!isZip(head) && text.replace(/^\uFEFF/, '').trim() === '')) {
    return {
      format: null,
      problem: {
        severity: 'error',
        code: 'empty-file',
        message: `${fileName} is empty (${head.length === 0 ? '0 bytes' : 'only blank characters'}). Export it again on the source machine and copy the new file.`
      }
    };
  }
  const sample: SniffSample = { text, head, fileName, ...(zipEntries ? { zipEntries } : {}) };
  let best: { format: FileFormat; score: number } | undefined;
  let recognised: Problem | undefined;
  for (const handler of HANDLERS) {
    let verdict: number | Problem;
    try {
      verdict = handler.sniff(sample);
    } catch {
      continue; // a sniffer must never stop detection
    }
    if (typeof verdict === 'number') {
      if (verdict > 0 && (!best || verdict > best.score)) best = { format: handler.format, score: verdict };
    } else {
      recognised ??= verdict;
    }
  }
  if (best) return { format: best.format };
  if (recognised) return { format: null, problem: recognised };

  const hint = /\.nessus$/i.test(fileName)
    ? ' Its name ends in .nessus, but its content is not a Nessus v2 scan.'
    : '';
  return {
    format: null,
    problem: {
      severity: 'error',
      code: 'unknown-format',
      message: `${fileName} is not a format Patchfield can read.${hint} ${supportedFormatsSentence()}`
    }
  };
}

/** Cuts a head sample at its last line break so that no multi-byte character is split at the end. */
function trimToLine(head: Uint8Array): Uint8Array {
  if (head.length < SNIFF_BYTES) return head;
  for (let i = head.length - 1; i > head.length - 4096 && i > 0; i--) {
    // "\n" in UTF-8/legacy code pages, or "\n\0" in UTF-16LE.
    if (head[i] === 0x0a) return head.subarray(0, head[i + 1] === 0 ? i + 2 : i + 1);
  }
  return head.subarray(0, head.length - (head.length % 2));
}
