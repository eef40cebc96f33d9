import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDpkg, parseDpkgVersion } from '../../../../src/lib/core/versions';
import { fixture } from '../../shared';
import { disagreements, hasOracles, ORACLES_DIR, readOracle } from './oracle';

describe.skipIf(!hasOracles)('compareDpkg against the shared dpkg oracle', () => {
  const pairs = readOracle(join(ORACLES_DIR, 'dpkg-versions.tsv'));

  it('reads all 4000 pairs of dpkg-versions.tsv', () => {
    expect(pairs).toHaveLength(4000);
  });

  it('agrees with dpkg on every pair of dpkg-versions.tsv', () => {
    expect(disagreements(pairs, compareDpkg, 'dpkg-versions.tsv')).toEqual([]);
  });

  it('gives the opposite sign with the pair swapped', () => {
    const swapped = pairs.map((p) => ({ ...p, a: p.b, b: p.a, expected: (0 - p.expected) as -1 | 0 | 1 }));
    expect(disagreements(swapped, compareDpkg, 'dpkg-versions.tsv (swapped)')).toEqual([]);
  });
});

describe('compareDpkg on the apt, cupt and Debian policy cases', () => {
  const pairs = readOracle(fixture('versions', 'dpkg-cases.tsv'));

  it('agrees with dpkg --compare-versions on every case of dpkg-cases.tsv', () => {
    expect(pairs.length).toBe(61);
    expect(disagreements(pairs, compareDpkg, 'dpkg-cases.tsv')).toEqual([]);
  });

  it('sorts the policy ladder ~~ < ~~a < ~ < (end) < a < +', () => {
    const ladder = ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a', '1.0+b1'];
    expect([...ladder].reverse().sort(compareDpkg)).toEqual(ladder);
  });

  it('compares epochs numerically before anything else', () => {
    expect(compareDpkg('1:0.1', '0:99.9')).toBe(1);
    expect(compareDpkg('10:1.0', '9:1.0')).toBe(1);
    expect(compareDpkg('0:1.0-1', '1.0-1')).toBe(0);
    expect(compareDpkg('+1:2.0', '1:2.0')).toBe(0); // strtol() accepts a sign, as dpkg does
  });

  it('treats a missing revision as equal to revision 0', () => {
    expect(compareDpkg('1.0', '1.0-0')).toBe(0);
    expect(compareDpkg('1.0', '1.0-1')).toBe(-1);
  });

  it('compares digit runs of any length by value', () => {
    expect(compareDpkg('1.123456789012345678901234567890', '1.123456789012345678901234567891')).toBe(-1);
    expect(compareDpkg('1.000000000000000000000000000042', '1.42')).toBe(0);
  });

  it('ranks non-ASCII bytes between letters and punctuation, as dpkg does on amd64', () => {
    // dpkg warns ("invalid character in version number") but still compares.
    expect(compareDpkg('1.0é', '1.0a')).toBe(1);
    expect(compareDpkg('1.0é', '1.0+')).toBe(-1);
  });
});

describe('parseDpkgVersion', () => {
  it('splits epoch, upstream version (up to the last hyphen) and revision', () => {
    expect(parseDpkgVersion('2:1.2-3-4ubuntu1')).toEqual({
      valid: true,
      epoch: 2,
      upstream: '1.2-3',
      revision: '4ubuntu1'
    });
    expect(parseDpkgVersion('  1.0  ')).toEqual({ valid: true, epoch: 0, upstream: '1.0', revision: '' });
    expect(parseDpkgVersion('7:1-a:b-5')).toEqual({
      valid: true,
      epoch: 7,
      upstream: '1-a:b',
      revision: '5'
    });
  });

  it.each([
    ['', 'version string is empty'],
    ['  ', 'version string is empty'],
    ['1.0 2', 'version string has embedded spaces'],
    ['a:1', 'epoch in version is empty'],
    [':1.0', 'epoch in version is empty'],
    ['1a:1.0', 'epoch in version is not number'],
    ['-1:1.0', 'epoch in version is negative'],
    ['99999999999:1', 'epoch in version is too big'],
    ['2147483648:1', 'epoch in version is too big'],
    ['1:', 'nothing after colon in version number'],
    ['1.0-', 'revision number is empty'],
    ['-1', 'version number is empty'],
    ['1:-1', 'version number is empty']
  ])('refuses %j as dpkg does: %s', (text, error) => {
    expect(parseDpkgVersion(text)).toEqual({ valid: false, error });
  });

  it('accepts the largest epoch and a negative zero, as dpkg does', () => {
    expect(parseDpkgVersion('2147483647:1')).toMatchObject({ valid: true, epoch: 2147483647 });
    expect(parseDpkgVersion('-0:1')).toMatchObject({ valid: true, epoch: 0, upstream: '1' });
  });

  it.each([
    ['abc', 'version number does not start with digit'],
    ['1.0_1', 'invalid character in version number'],
    ['1.0-1_2', 'invalid character in revision number']
  ])('accepts %j with dpkg’s warning: %s', (text, warning) => {
    expect(parseDpkgVersion(text)).toMatchObject({ valid: true, warning });
  });
});

describe('compareDpkg on strings dpkg refuses', () => {
  it('still compares versions dpkg only warns about, in dpkg’s order', () => {
    expect(compareDpkg('abc', 'abd')).toBe(-1);
    expect(compareDpkg('1.0_1', '1.0_2')).toBe(-1);
  });

  it('sorts a refused string before every valid version, never throwing', () => {
    for (const bad of ['', '1.0-', 'a:1', '1.0 beta', '-1:2']) {
      expect(compareDpkg(bad, '0')).toBe(-1);
      expect(compareDpkg('0~~', bad)).toBe(1);
    }
  });

  it('orders refused strings among themselves by code units, equal only when identical after trimming', () => {
    expect(compareDpkg('1.0-', '1.0-')).toBe(0);
    expect(compareDpkg(' 1.0- ', '1.0-')).toBe(0);
    expect(compareDpkg('1.0-', '2.0-')).toBe(-1);
    expect(compareDpkg('b:1', 'a:1')).toBe(1);
  });
});
