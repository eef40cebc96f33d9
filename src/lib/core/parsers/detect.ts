import type { FileFormat, Problem } from '../model';
import { FILE_FORMATS, FORMAT_LABELS } from '../model';
import { decodeText } from './decode';
import { sniffNessus } from './nessus';
import { sniffSystemInfo } from './systeminfo';

/** How many leading bytes detection reads. */
export const SNIFF_BYTES = 64 * 1024;

export type Detection = { format: FileFormat; problem?: undefined } | { format: null; problem: Problem };

export function supportedFormatsSentence(): string {
  return `Patchfield reads: ${FILE_FORMATS.map((f) => FORMAT_LABELS[f]).join('; ')}.`;
}

/**
 * Detects a file's format from its first bytes. The content decides; the file name is only a hint used to
 * explain a mismatch (an iPad may hand over any name, and technicians rename exports).
 */
export function detectFormat(head: Uint8Array, fileName: string): Detection {
  if (head.length === 0) {
    return {
      format: null,
      problem: {
        severity: 'error',
        code: 'empty-file',
        message: `${fileName} is empty (0 bytes). Export it again on the source machine and copy the new file.`
      }
    };
  }
  const text = decodeText(trimToLine(head)).text;
  const nessus = sniffNessus(text);
  if (nessus === 'nessus-v2') return { format: 'nessus-v2' };
  if (nessus === 'nessus-v1') {
    return {
      format: null,
      problem: {
        severity: 'error',
        code: 'nessus-v1',
        message: `${fileName} is a Nessus v1 (legacy) report. Patchfield reads .nessus v2: in Nessus, export the scan again in "Nessus" (.nessus) format.`
      }
    };
  }
  if (nessus === 'nessus-wrongroot') {
    return {
      format: null,
      problem: {
        severity: 'error',
        code: 'nessus-wrong-root',
        message: `${fileName} looks like Nessus XML but is not a .nessus v2 report (its root element is not NessusClientData_v2). Export the scan again from Nessus in "Nessus" (.nessus) format.`
      }
    };
  }
  const systeminfo = sniffSystemInfo(text);
  if (systeminfo) return { format: systeminfo };

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
