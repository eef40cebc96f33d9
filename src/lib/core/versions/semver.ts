import type { VersionSign } from './dpkg';

/**
 * Ordering for application versions: semantic versioning 2.0 precedence, stretched to the shapes vendors and
 * package registries actually print. The rules, in order:
 *
 * 1. Surrounding white space and a leading "v"/"V" before a digit are ignored ("v1.2" = "1.2").
 * 2. The version must start with a digit. Anything else ("", "latest", "n/a") is unparseable: it sorts BEFORE
 *    every parseable version, and unparseable strings compare by code units (equal only when identical).
 * 3. Build metadata — everything from the first "+" — is ignored (semver §10): "1.0.0+20130313" = "1.0.0".
 * 4. The core is the leading run of dot-separated numbers, any count ("1.2", "1.2.3", "1.2.3.4"), compared
 *    number by number by value: leading zeros do not count ("1.02" = "1.2"), numbers of any length work, and
 *    missing trailing numbers are 0 ("1.2" = "1.2.0" = "1.2.0.0").
 * 5. After the core:
 *    - "-" starts a semver pre-release: dot-separated identifiers, compared exactly as semver §11 says
 *      (numeric identifiers by value and below alphanumeric ones, alphanumeric ones in ASCII order, a longer
 *      list above its own prefix), and any pre-release is older than the release ("1.0.0-rc.1" < "1.0.0").
 *    - "~" starts a pre-release too (as in Debian and RPM: "1.0~beta2" < "1.0").
 *    - anything else is split into identifiers at non-alphanumerics and at letter/digit boundaries ("rc10" →
 *      "rc", "10"; compared case-insensitively). When the first is a pre-release word (alpha, beta, rc, cr,
 *      pre, preview, dev, snapshot, milestone, ea, nightly, canary; or a, b, c, m followed by a number, as in
 *      "1.0a1", "2.0b3", "5.0.0.M2") it is a pre-release: "2.0rc1" < "2.0rc10" < "2.0".
 *      Otherwise it is a post-release suffix, newer than the bare core: OpenSSL "1.1.1w" > "1.1.1",
 *      "9.6p1" > "9.6", "1.0.0.Final" > "1.0.0"; such suffixes compare by their identifiers.
 *    Order within one core: pre-releases < release < post-release suffixes.
 *
 * @see https://semver.org/spec/v2.0.0.html#spec-item-11
 */

type Rank = 0 | 1 | 2;
const PRE: Rank = 0;
const RELEASE: Rank = 1;
const POST: Rank = 2;

/** A version reduced to what its order depends on. */
export interface SemverishVersion {
  /** False for a string that does not start with a digit (after an optional "v"). */
  valid: boolean;
  /** The trimmed text (orders unparseable strings). */
  text: string;
  /** Numbers of the core without leading zeros, trailing zeros dropped: "1.02.0" → ["1", "2"]. */
  core: string[];
  /** 0 pre-release, 1 release, 2 post-release suffix. */
  rank: Rank;
  /** Pre-release or suffix identifiers. */
  identifiers: string[];
}

const PRE_RELEASE_WORDS = new Set([
  'alpha',
  'beta',
  'rc',
  'cr',
  'pre',
  'preview',
  'dev',
  'snapshot',
  'milestone',
  'ea',
  'nightly',
  'canary'
]);
/** Single letters that mean a pre-release only when a number follows ("1.0a1"); "1.1.1a" is a suffix. */
const PRE_RELEASE_LETTERS = new Set(['a', 'b', 'c', 'm']);

const isNumeric = (s: string): boolean => /^\d+$/.test(s);
const stripZeros = (digits: string): string => digits.replace(/^0+(?=\d)/, '');

/** Reads a version with the rules above. Never throws. */
export function parseSemverish(input: string): SemverishVersion {
  const text = input.trim();
  const m = /^[vV]?(\d+(?:\.\d+)*)([\s\S]*)$/.exec(text);
  if (!m) return { valid: false, text, core: [], rank: RELEASE, identifiers: [] };
  const core = (m[1] as string).split('.').map(stripZeros);
  while (core.length > 0 && core[core.length - 1] === '0') core.pop();

  let rest = m[2] as string;
  const plus = rest.indexOf('+');
  if (plus >= 0) rest = rest.slice(0, plus);

  if (rest === '') return { valid: true, text, core, rank: RELEASE, identifiers: [] };
  if (rest.startsWith('-')) {
    return { valid: true, text, core, rank: PRE, identifiers: rest.slice(1).split('.') };
  }
  if (rest.startsWith('~')) {
    return { valid: true, text, core, rank: PRE, identifiers: looseIdentifiers(rest.slice(1)) };
  }
  const identifiers = looseIdentifiers(rest);
  if (identifiers.length === 0) return { valid: true, text, core, rank: RELEASE, identifiers };
  const first = identifiers[0] as string;
  const second = identifiers[1];
  const pre =
    PRE_RELEASE_WORDS.has(first) ||
    (PRE_RELEASE_LETTERS.has(first) && second !== undefined && isNumeric(second));
  return { valid: true, text, core, rank: pre ? PRE : POST, identifiers };
}

/** "RC10.final_2" → ["rc", "10", "final", "2"]. */
function looseIdentifiers(text: string): string[] {
  return (text.toLowerCase().match(/[a-z]+|\d+/g) ?? []).map((id) => (isNumeric(id) ? stripZeros(id) : id));
}

/** Numbers as digit strings without leading zeros: longer is bigger, then plain string order. */
function compareNumbers(a: string, b: string): VersionSign {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** semver §11.4: numeric below alphanumeric, numbers by value, others in ASCII order. */
function compareIdentifiers(a: string, b: string): VersionSign {
  const na = isNumeric(a);
  const nb = isNumeric(b);
  if (na && nb) return compareNumbers(a, b);
  if (na !== nb) return na ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Compares two parsed versions (see the rules at the top of this module). */
export function compareParsedSemverish(a: SemverishVersion, b: SemverishVersion): VersionSign {
  if (!a.valid || !b.valid) {
    if (a.valid !== b.valid) return a.valid ? 1 : -1;
    return a.text === b.text ? 0 : a.text < b.text ? -1 : 1;
  }
  const n = Math.max(a.core.length, b.core.length);
  for (let i = 0; i < n; i++) {
    const c = compareNumbers(a.core[i] ?? '0', b.core[i] ?? '0');
    if (c !== 0) return c;
  }
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  const m = Math.min(a.identifiers.length, b.identifiers.length);
  for (let i = 0; i < m; i++) {
    const c = compareIdentifiers(a.identifiers[i] as string, b.identifiers[i] as string);
    if (c !== 0) return c;
  }
  if (a.identifiers.length === b.identifiers.length) return 0;
  return a.identifiers.length < b.identifiers.length ? -1 : 1;
}

/**
 * Compares two application versions: -1 when a is older, 0 when they are the same version, 1 when a is newer.
 * Semantic versioning 2.0 precedence plus the common non-semver shapes described at the top of this module.
 */
export function compareSemverish(a: string, b: string): VersionSign {
  return compareParsedSemverish(parseSemverish(a), parseSemverish(b));
}
