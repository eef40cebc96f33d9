import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createStreamParser,
  createTally,
  detectFormat,
  isZip,
  listZip,
  SNIFF_BYTES,
  type Problem
} from '../../src/lib/core';
import { hasShared, readBytes, SHARED_DIR } from './shared';

/**
 * Every real sample is either read — with something in it — or refused with a clear problem. Never a crash,
 * never a silent "0 assets, all fine". (Exact counts per sample are in each format's own tests.)
 */
function allSamples(): string[] {
  const root = join(SHARED_DIR, 'samples');
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .flatMap((d) =>
      readdirSync(join(root, d))
        .filter((f) => !f.startsWith('.'))
        .map((f) => join(root, d, f))
    )
    .sort();
}

function read(path: string): { format: string | null; assets: number; records: number; problems: Problem[] } {
  const bytes = readBytes(path);
  const name = path.split('/').pop()!;
  const head = bytes.subarray(0, SNIFF_BYTES);
  const entries = isZip(head) ? listZip(bytes).value.map((e) => e.name) : undefined;
  const detection = detectFormat(head, name, entries);
  if (!detection.format) return { format: null, assets: 0, records: 0, problems: [detection.problem] };
  const tally = createTally();
  const parser = createStreamParser(detection.format, { host: (h) => tally.add(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += 65536) parser.write(bytes.subarray(i, i + 65536));
  parser.end();
  const c = tally.counts;
  return {
    format: detection.format,
    assets: c.assets,
    records: c.findings + c.software + c.installedUpdates + c.pendingUpdates,
    problems: [...parser.issues]
  };
}

describe.skipIf(!hasShared)('every real sample in ../shared/samples', () => {
  for (const path of hasShared ? allSamples() : []) {
    const name = path.split('/samples/')[1]!;
    it(`reads or clearly refuses ${name}`, () => {
      const r = read(path);
      const loud = r.problems.filter((p) => p.severity !== 'info');
      for (const p of r.problems) expect(p.message.length, `${name}: ${p.code}`).toBeGreaterThan(20);
      if (r.format === null || r.problems.some((p) => p.severity === 'error')) {
        expect(loud.length, `${name} is refused with a problem`).toBeGreaterThan(0);
        return;
      }
      // Read: it holds a machine, or it says why not.
      expect(r.assets > 0 || loud.length > 0, `${name}: ${r.format} read 0 assets without a warning`).toBe(
        true
      );
      const special = /\/(MALFORMED_|EDGE_|WRONGROOT_|INVALID_|LEGACY_)/.test(path);
      if (special) expect(loud.length, `${name} is special and must say so`).toBeGreaterThan(0);
    });
  }
});
