import { unzipSync } from 'fflate';
import type { ParseResult, Problem } from '../model';

/**
 * Zip archives: a technician often brings one .zip of several exports, and the Defender export is itself a zip.
 * fflate reads them in the worker and in Node alike. Zip bombs are refused before anything is inflated: the total
 * declared size and the compression ratio are capped, and every inflated entry is checked against its declaration.
 */

export interface ZipEntryInfo {
  name: string;
  /** Declared uncompressed size. */
  size: number;
  compressedSize: number;
}

export interface ZipEntry extends ZipEntryInfo {
  bytes: Uint8Array;
}

export interface ZipLimits {
  /** Total uncompressed bytes of the entries read. */
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed, per entry larger than 1 MB. */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 1024 * 1024 * 1024,
  maxRatio: 200,
  maxEntries: 5000
};

/** Entries that are folders or operating-system clutter, never exports. */
function isClutter(name: string): boolean {
  return name.endsWith('/') || /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/i.test(name);
}

/** The entries of a zip, without inflating anything. */
export function listZip(bytes: Uint8Array): ParseResult<ZipEntryInfo[]> {
  const entries: ZipEntryInfo[] = [];
  try {
    unzipSync(bytes, {
      filter(file) {
        if (!isClutter(file.name))
          entries.push({ name: file.name, size: file.originalSize, compressedSize: file.size });
        return false;
      }
    });
  } catch (e) {
    return { value: [], issues: [damaged(e)] };
  }
  return { value: entries, issues: [] };
}

/**
 * Inflates the wanted entries, one at a time, after checking the limits on what the archive declares.
 * Never throws: a damaged or oversized archive gives an error problem and no entries.
 */
export function readZip(
  bytes: Uint8Array,
  want: (name: string) => boolean = () => true,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS
): ParseResult<ZipEntry[]> {
  const listed = listZip(bytes);
  if (listed.issues.length > 0) return { value: [], issues: listed.issues };
  const wanted = listed.value.filter((e) => want(e.name));
  const guard = checkLimits(wanted, limits);
  if (guard) return { value: [], issues: [guard] };
  const out: ZipEntry[] = [];
  for (const info of wanted) {
    let inflated: Uint8Array | undefined;
    try {
      inflated = unzipSync(bytes, { filter: (f) => f.name === info.name })[info.name];
    } catch (e) {
      return { value: [], issues: [damaged(e, info.name)] };
    }
    if (!inflated || inflated.length > info.size) {
      return {
        value: [],
        issues: [
          {
            severity: 'error',
            code: 'zip-size-mismatch',
            message: `The archive entry ${info.name} is larger than the archive says. The archive was refused: it may be damaged or built to exhaust memory.`
          }
        ]
      };
    }
    out.push({ ...info, bytes: inflated });
  }
  return { value: out, issues: [] };
}

function checkLimits(entries: ZipEntryInfo[], limits: ZipLimits): Problem | undefined {
  if (entries.length > limits.maxEntries) {
    return {
      severity: 'error',
      code: 'zip-too-many-entries',
      message: `The archive holds ${entries.length} files, more than the ${limits.maxEntries} Patchfield opens. Zip only the exports you need.`
    };
  }
  const total = entries.reduce((n, e) => n + e.size, 0);
  if (total > limits.maxTotalBytes) {
    return {
      severity: 'error',
      code: 'zip-too-large',
      message: `The archive would unpack to ${mb(total)} MB, more than the ${mb(limits.maxTotalBytes)} MB Patchfield unpacks. Zip fewer files at a time, or import them one by one.`
    };
  }
  const bomb = entries.find(
    (e) => e.size > 1024 * 1024 && e.size / Math.max(1, e.compressedSize) > limits.maxRatio
  );
  if (bomb) {
    return {
      severity: 'error',
      code: 'zip-bomb',
      message: `The archive entry ${bomb.name} would unpack ${Math.round(bomb.size / Math.max(1, bomb.compressedSize))} times larger than it is stored, which exports never do. The archive was refused; import the files themselves instead.`
    };
  }
  return undefined;
}

function damaged(e: unknown, entry?: string): Problem {
  return {
    severity: 'error',
    code: 'zip-damaged',
    message: `The archive${entry ? ` entry ${entry}` : ''} could not be opened: it is damaged or not a zip file. Create the archive again, or import the files themselves.`,
    detail: e instanceof Error ? e.message : String(e)
  };
}

function mb(n: number): number {
  return Math.round(n / 1024 / 1024);
}
