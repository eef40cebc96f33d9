import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareDpkg,
  compareRpm,
  compareSemverish,
  compareWindowsBuild,
  parseDpkgVersion
} from '../../../../src/lib/core/versions';

/**
 * Each ordering must be a total order on the strings it is given (a total preorder where different strings
 * are equal versions): reflexive, antisymmetric, transitive, and consistent with its own equality. The
 * arbitraries mix realistic versions with odd strings (tildes, carets, epochs, letters, blanks, non-ASCII,
 * strings the package managers refuse), and variants that must be equal (leading zeros, a zero epoch).
 */

type Compare = (a: string, b: string) => number;

const join = (parts: string[]): string => parts.join('');
const tokens = (list: string[], max = 8): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...list), { minLength: 1, maxLength: max }).map(join);
const odd = (chars: string[]): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...chars), maxLength: 10 });

const DIGITS = ['0', '1', '2', '9', '10', '00', '007', '123', '20240101', '99999999999999999999'];

const dpkgVersion: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.option(fc.constantFrom('0', '1', '2', '10', '01'), { nil: undefined }),
      fc.constantFrom(...DIGITS),
      tokens([...DIGITS, '.', '.', '+', '~', 'a', 'b', 'z', 'A', 'rc', 'git', 'dfsg', ':', '-']),
      fc.option(tokens([...DIGITS, '.', '+', '~', 'a', 'ubuntu', 'deb', 'b', 'build']), { nil: undefined })
    )
    .map(
      ([e, first, up, rev]) =>
        `${e !== undefined ? `${e}:` : ''}${first}${up}${rev !== undefined ? `-${rev}` : ''}`
    ),
  odd(['1', '0', 'a', '.', '~', '+', '-', ':', ' ', 'é', '_', 'Z']),
  fc.constantFrom('', ' ', '1.0-', 'a:1', '-1:2', '1:', '1.0 2', '0', '00', '0:0', '0-0', '~', '~~')
);

const rpmVersion: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.option(fc.constantFrom('0', '1', '2', '01', ''), { nil: undefined }),
      tokens([...DIGITS, '.', '.', '_', '+', '~', '^', 'a', 'b', 'z', 'rc', 'git', 'el', 'fc', 'p']),
      fc.option(tokens([...DIGITS, '.', 'el', '_', 'fc', 'amzn', '~', '^']), { nil: undefined })
    )
    .map(([e, v, r]) => `${e !== undefined ? `${e}:` : ''}${v}${r !== undefined ? `-${r}` : ''}`),
  odd(['1', '0', 'a', '.', '~', '^', '+', '-', ':', ' ', 'α', '_']),
  fc.constantFrom('', '1.0', '1.0-', '1.0^', '1.0~', '^', '~', '(none)')
);

const semverVersion: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', 'v', 'V', ' '),
      fc.array(fc.constantFrom(...DIGITS), { minLength: 1, maxLength: 5 }).map((p) => p.join('.')),
      fc.constantFrom(
        '',
        '-alpha',
        '-alpha.1',
        '-beta.11',
        '-rc.1',
        '-RC1',
        '-0',
        '-',
        'a',
        'a1',
        'b2',
        'rc10',
        '.M1',
        '~beta',
        'p1',
        'w',
        '.Final',
        '_2',
        '.'
      ),
      fc.constantFrom('', '+build.5', '+001', '+')
    )
    .map(join),
  odd(['1', '0', 'a', '.', '-', '+', '~', 'v', ' ', 'r', 'c']),
  fc.constantFrom('', 'latest', 'n/a', 'v')
);

const windowsBuild: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '10.0.', '6.1.', '6.3.', 'OS Build ', 'Version 10.0.'),
      fc.constantFrom('7601', '9600', '17763', '19045', '22621', '022621', '26100'),
      fc.constantFrom('', '.0', '.1', '.4291', '.04291', '.999', '.4291.7')
    )
    .map(join),
  odd(['1', '0', '9', '.', ' ', 'a', 'B']),
  fc.constantFrom('', 'unknown', '10.0', '10', 'Build 19045')
);

const SCHEMES: [string, Compare, fc.Arbitrary<string>][] = [
  ['dpkg', compareDpkg, dpkgVersion],
  ['rpm', compareRpm, rpmVersion],
  ['semver', compareSemverish, semverVersion],
  ['windows', compareWindowsBuild, windowsBuild]
];

const RUNS = { numRuns: 300 };

describe.each(SCHEMES)('%s ordering is a total order', (_name, compare, version) => {
  it('returns only -1, 0 or 1 and never throws', () => {
    fc.assert(
      fc.property(version, version, (a, b) => [-1, 0, 1].includes(compare(a, b))),
      RUNS
    );
  });

  it('is reflexive: compare(a, a) = 0', () => {
    fc.assert(
      fc.property(version, (a) => compare(a, a) === 0),
      RUNS
    );
  });

  it('is antisymmetric: compare(a, b) = −compare(b, a)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => compare(a, b) === -compare(b, a)),
      RUNS
    );
  });

  it('is transitive and consistent with its equality over every triple of a small set', () => {
    fc.assert(
      fc.property(fc.array(version, { minLength: 3, maxLength: 8 }), (list) => {
        for (const a of list) {
          for (const b of list) {
            const ab = compare(a, b);
            for (const c of list) {
              const bc = compare(b, c);
              const ac = compare(a, c);
              if (ab <= 0 && bc <= 0 && ac > 0) return false; // a ≤ b ≤ c but a > c
              if (ab === 0 && ac !== bc) return false; // a = b must compare with c as b does
            }
          }
        }
        return true;
      }),
      { numRuns: 150 }
    );
  });

  it('sorts into a list where every earlier item is ≤ every later one', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 25 }), (list) => {
        const sorted = [...list].sort(compare);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) {
            if (compare(sorted[i] as string, sorted[j] as string) > 0) return false;
          }
        }
        return true;
      }),
      RUNS
    );
  });
});

describe('equal versions written differently', () => {
  const zeros = (s: string): string => s.replace(/\d+/g, (d) => `00${d}`);

  it('dpkg: leading zeros and a zero epoch change nothing', () => {
    fc.assert(
      fc.property(dpkgVersion, dpkgVersion, (a, b) => {
        if (!/^\d[\w.+~-]*$/.test(a) || a.includes(':') || !parseDpkgVersion(a).valid) return true;
        return compareDpkg(`0:${zeros(a)}`, b) === compareDpkg(a, b);
      }),
      RUNS
    );
    expect(compareDpkg('0:001.02-003', '1.2-3')).toBe(0);
  });

  it('rpm: leading zeros and a different separator change nothing', () => {
    fc.assert(
      fc.property(rpmVersion, rpmVersion, (a, b) => {
        if (!/^[\w.^~]*$/.test(a) || !/\d/.test(a)) return true;
        return compareRpm(zeros(a).replace(/\./g, '_'), b) === compareRpm(a, b);
      }),
      RUNS
    );
  });

  it('semver: build metadata and trailing .0 change nothing', () => {
    fc.assert(
      fc.property(semverVersion, semverVersion, (a, b) => {
        const m = /^(v?\d+(?:\.\d+)*)((?:-[\w.-]*)?)$/.exec(a);
        if (!m) return true;
        return compareSemverish(`${m[1]}.0${m[2]}+meta.1`, b) === compareSemverish(a, b);
      }),
      RUNS
    );
  });

  it('windows: "10.0." before an OS build changes nothing', () => {
    fc.assert(
      fc.property(windowsBuild, windowsBuild, (a, b) => {
        if (!/^\d{4,}\.\d+$/.test(a)) return true;
        return compareWindowsBuild(`10.0.${a}`, b) === compareWindowsBuild(a, b);
      }),
      RUNS
    );
  });
});
