import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRpm, parseEvr, rpmvercmp } from '../../../../src/lib/core/versions';
import { fixture } from '../../shared';
import { disagreements, hasOracles, ORACLES_DIR, readOracle } from './oracle';

describe.skipIf(!hasOracles)('compareRpm against the shared librpm oracle', () => {
  const pairs = readOracle(join(ORACLES_DIR, 'rpm-versions.tsv'));

  it('reads all 4000 pairs of rpm-versions.tsv', () => {
    expect(pairs).toHaveLength(4000);
  });

  it('agrees with librpm labelCompare on every pair of rpm-versions.tsv', () => {
    expect(disagreements(pairs, compareRpm, 'rpm-versions.tsv')).toEqual([]);
  });

  it('gives the opposite sign with the pair swapped', () => {
    const swapped = pairs.map((p) => ({ ...p, a: p.b, b: p.a, expected: (0 - p.expected) as -1 | 0 | 1 }));
    expect(disagreements(swapped, compareRpm, 'rpm-versions.tsv (swapped)')).toEqual([]);
  });
});

describe('rpmvercmp on the cases of rpm’s own test suite', () => {
  const pairs = readOracle(fixture('versions', 'rpm-cases.tsv'));

  it('agrees with every case of rpm-cases.tsv (rpmvercmp.at)', () => {
    expect(pairs.length).toBe(103);
    expect(disagreements(pairs, rpmvercmp, 'rpm-cases.tsv')).toEqual([]);
  });

  it('gives compareRpm the same answers for these epoch- and release-less versions', () => {
    expect(disagreements(pairs, compareRpm, 'rpm-cases.tsv')).toEqual([]);
  });

  it('sorts tilde before the end and caret after it: 1.0~rc1 < 1.0 < 1.0^git1 < 1.0.1', () => {
    const ladder = ['1.0~rc1~git1', '1.0~rc1', '1.0~rc1^git1', '1.0', '1.0^git1', '1.0^git2', '1.0.1'];
    expect([...ladder].reverse().sort(rpmvercmp)).toEqual(ladder);
  });
});

describe('parseEvr', () => {
  it.each([
    ['2:1.0-3.el9', { epoch: '2', version: '1.0', release: '3.el9' }],
    ['1.0-3', { version: '1.0', release: '3' }],
    ['1.0', { version: '1.0' }],
    [':1.0-1', { epoch: '', version: '1.0', release: '1' }],
    ['a:1.0-1', { version: 'a:1.0', release: '1' }],
    ['1.0-2-3', { version: '1.0-2', release: '3' }],
    ['1.0-', { version: '1.0', release: '' }]
  ])('splits %j as rpm’s parseEVR does', (text, evr) => {
    expect(parseEvr(text)).toEqual(evr);
  });
});

describe('compareRpm on epoch, version and release', () => {
  it('compares the epoch first, an absent epoch being 0', () => {
    expect(compareRpm('1:1.0-1', '2.0-1')).toBe(1);
    expect(compareRpm('0:1.0-1', '1.0-1')).toBe(0);
    expect(compareRpm(':1.0-1', '1.0-1')).toBe(0);
    expect(compareRpm('01:1.0-1', '1:1.0-1')).toBe(0);
  });

  it('compares the release only when the versions are equal', () => {
    expect(compareRpm('1.0-10.el9', '1.0-9.el9')).toBe(1);
    expect(compareRpm('1.1-1.el9', '1.0-9.el9')).toBe(1);
    expect(compareRpm('1.0-1.el8_10', '1.0-1.el8')).toBe(1);
  });

  it('sorts a version without release before the same version with one (labelCompare)', () => {
    expect(compareRpm('1.0', '1.0-1')).toBe(-1);
    expect(compareRpm('1.0-1', '1.0')).toBe(1);
    expect(compareRpm('1.0', '1.0')).toBe(0);
    expect(compareRpm('1.0-', '1.0')).toBe(1);
  });

  it('ignores surrounding white space and never throws on odd strings', () => {
    expect(compareRpm(' 1.0-1\t', '1.0-1')).toBe(0);
    expect(compareRpm('', '0')).toBe(-1);
    expect(compareRpm('', '')).toBe(0);
    expect(compareRpm('(none)', '1.0')).toBe(-1);
    expect(compareRpm('1.1.α-1', '1.1-1')).toBe(0);
  });
});
