import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DIR } from '../../shared';

/** One line of an oracle file: `a<TAB>b<TAB>expected sign`, with the line number for messages. */
export interface OraclePair {
  a: string;
  b: string;
  expected: -1 | 0 | 1;
  line: number;
}

/** Reads an oracle TSV (lines starting with # are comments). Throws on a malformed line: the file is ours. */
export function readOracle(path: string): OraclePair[] {
  const pairs: OraclePair[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text === '' || text.startsWith('#')) return;
      const [a, b, expected, ...extra] = text.split('\t');
      if (a === undefined || b === undefined || !/^(-1|0|1)$/.test(expected ?? '') || extra.length > 0) {
        throw new Error(`${path}:${i + 1}: not "a<TAB>b<TAB>-1|0|1": ${JSON.stringify(text)}`);
      }
      pairs.push({ a, b, expected: Number(expected) as -1 | 0 | 1, line: i + 1 });
    });
  return pairs;
}

/** ../shared/oracles/<name>, judged by dpkg and librpm themselves. */
export const ORACLES_DIR = join(SHARED_DIR, 'oracles');
export const hasOracles = existsSync(join(ORACLES_DIR, 'dpkg-versions.tsv'));
if (!hasOracles) {
  console.warn(`[patchfield tests] ${ORACLES_DIR} is absent: the dpkg/rpm oracle tests are skipped.`);
}

/** The pairs whose sign differs from what `compare` says, as readable lines (empty when all agree). */
export function disagreements(
  pairs: OraclePair[],
  compare: (a: string, b: string) => number,
  file: string
): string[] {
  return pairs
    .filter((p) => compare(p.a, p.b) !== p.expected)
    .map((p) => `${file}:${p.line}: compare(${p.a}, ${p.b}) = ${compare(p.a, p.b)}, expected ${p.expected}`);
}
