import { describe, expect, it } from 'vitest';
import { compareSemverish, parseSemverish } from '../../../../src/lib/core/versions';

/** Sorting the reversed list with the comparison must give the list back. */
function expectAscending(list: string[]): void {
  expect([...list].reverse().sort(compareSemverish)).toEqual(list);
  for (let i = 0; i + 1 < list.length; i++) {
    expect(compareSemverish(list[i] as string, list[i + 1] as string), `${list[i]} < ${list[i + 1]}`).toBe(
      -1
    );
  }
}

describe('compareSemverish: semver 2.0 precedence', () => {
  it('orders the example of semver §11 exactly', () => {
    expectAscending([
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0'
    ]);
  });

  it('compares major, minor and patch numerically: 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1 < 2.10.0', () => {
    expectAscending(['1.0.0', '2.0.0', '2.1.0', '2.1.1', '2.10.0']);
  });

  it('ignores build metadata (semver §10)', () => {
    expect(compareSemverish('1.0.0+20130313144700', '1.0.0')).toBe(0);
    expect(compareSemverish('2.0.0-rc.1+build.1', '2.0.0-rc.1+build.2')).toBe(0);
    expect(compareSemverish('1.0.0-beta+exp.sha.5114f85', '1.0.0')).toBe(-1);
  });

  it('compares alphanumeric pre-release identifiers in ASCII order, as semver says', () => {
    expect(compareSemverish('1.0.0-RC.1', '1.0.0-alpha')).toBe(-1); // "R" < "a"
    expect(compareSemverish('1.0.0-alpha10', '1.0.0-alpha2')).toBe(-1); // one identifier, ASCII
  });
});

describe('compareSemverish: common non-semver shapes', () => {
  it('reads four-part versions and versions with fewer parts, missing parts being 0', () => {
    expectAscending(['1.2', '1.2.0.1', '1.2.3', '1.2.3.4', '1.2.3.10', '1.3']);
    expect(compareSemverish('1.2', '1.2.0')).toBe(0);
    expect(compareSemverish('1.2.0.0', '1.2')).toBe(0);
  });

  it('ignores a leading v and surrounding spaces', () => {
    expect(compareSemverish('v1.2', '1.2.0')).toBe(0);
    expect(compareSemverish(' V2.0.0-rc.1 ', '2.0.0-rc.1')).toBe(0);
  });

  it('ignores leading zeros and compares numbers of any length', () => {
    expect(compareSemverish('1.02.003', '1.2.3')).toBe(0);
    expect(compareSemverish('2024.01.15', '2024.1.9')).toBe(1);
    expect(compareSemverish('1.99999999999999999999', '1.100000000000000000000')).toBe(-1);
  });

  it('reads letters right after the core as a pre-release when they say so', () => {
    expectAscending(['2.0a1', '2.0b2', '2.0rc1', '2.0rc2', '2.0rc10', '2.0']);
    expectAscending(['5.0.0.M1', '5.0.0.M2', '5.0.0.RC1', '5.0.0']);
    expectAscending(['1.0~beta1', '1.0~rc1', '1.0']);
    expect(compareSemverish('1.0.0rc1', '1.0.0.rc.1')).toBe(0);
  });

  it('reads other suffixes as post-releases: OpenSSL 1.1.1w > 1.1.1, OpenSSH 9.6p1 > 9.6', () => {
    expectAscending(['1.1.1', '1.1.1a', '1.1.1k', '1.1.1w', '1.1.2']);
    expectAscending(['9.6', '9.6p1', '9.6p2', '9.7']);
  });

  it('orders pre-release < release < post-release within one core', () => {
    expectAscending(['3.1.0-beta.1', '3.1.0', '3.1.0.Final', '3.1.1-alpha']);
  });
});

describe('compareSemverish on unparseable strings', () => {
  it('sorts a string that does not start with a digit before every version, never throwing', () => {
    for (const bad of ['', 'latest', 'n/a', 'v', 'version 2']) {
      expect(parseSemverish(bad).valid).toBe(false);
      expect(compareSemverish(bad, '0')).toBe(-1);
      expect(compareSemverish('0.0.0-alpha', bad)).toBe(1);
    }
  });

  it('orders unparseable strings by code units, equal only when identical after trimming', () => {
    expect(compareSemverish('latest', ' latest ')).toBe(0);
    expect(compareSemverish('latest', 'stable')).toBe(-1);
    expect(compareSemverish('Latest', 'latest')).toBe(-1);
  });
});
