import type { VersionSign } from './dpkg';

/**
 * RPM version ordering, exactly as librpm orders versions (rpmvercmp, and labelCompare for
 * `[epoch:]version-release`), as used by rpm, dnf and yum.
 *
 * @see https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0/rpmio/rpmvercmp.c
 * @see https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0/lib/rpmds.c (parseEVR)
 * @see https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0/python/header-py.c (labelCompare)
 * @see https://docs.fedoraproject.org/en-US/packaging-guidelines/Versioning/ (tilde and caret)
 */

/** `[epoch:]version[-release]` split as rpm's parseEVR does. */
export interface Evr {
  /** The digits before the first colon; undefined when there is none ("" when the colon has no digits before it). */
  epoch?: string;
  version: string;
  /** What follows the last hyphen after the epoch; undefined when there is none. */
  release?: string;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const TILDE = 0x7e;
const CARET = 0x5e;

/**
 * rpm's parseEVR: the epoch is a leading run of digits ended by a colon; the release is what follows the last
 * hyphen after that run. "2:1.0-3" → { epoch "2", version "1.0", release "3" }; "1.0" → { version "1.0" }.
 * Never fails: anything else is part of the version (e.g. "a:1" has no epoch).
 */
export function parseEvr(text: string): Evr {
  let s = 0;
  while (s < text.length && isDigit(text.charCodeAt(s))) s++;
  const evr: Evr = { version: '' };
  let rest = text;
  if (text[s] === ':') {
    evr.epoch = text.slice(0, s);
    rest = text.slice(s + 1);
  }
  // rpm searches the last hyphen from the end of the leading digits, which hold none.
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    evr.version = rest.slice(0, hyphen);
    evr.release = rest.slice(hyphen + 1);
  } else {
    evr.version = rest;
  }
  return evr;
}

/**
 * rpmvercmp: compares two version (or release) strings segment by segment. Separators (anything but ASCII
 * letters, digits, `~` and `^`) only split segments; a numeric segment is newer than an alphabetic one;
 * numbers compare by value, letters with strcmp; `~` sorts before everything, even the end ("1.0~rc1" <
 * "1.0"); `^` sorts after the end but before any further segment ("1.0" < "1.0^git1" < "1.0.1"); when all
 * segments are equal, the string with segments left over is newer.
 */
export function rpmvercmp(a: string, b: string): VersionSign {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const ca = (k: number): number => (k < a.length ? a.charCodeAt(k) : 0);
  const cb = (k: number): number => (k < b.length ? b.charCodeAt(k) : 0);
  const isSep = (c: number): boolean => c !== 0 && !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;

  while (ca(i) !== 0 || cb(j) !== 0) {
    while (isSep(ca(i))) i++;
    while (isSep(cb(j))) j++;

    // The tilde sorts before everything else.
    if (ca(i) === TILDE || cb(j) === TILDE) {
      if (ca(i) !== TILDE) return 1;
      if (cb(j) !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // The caret is like the tilde, except that the end of a string (the base version) sorts before it.
    if (ca(i) === CARET || cb(j) === CARET) {
      if (ca(i) === 0) return -1;
      if (cb(j) === 0) return 1;
      if (ca(i) !== CARET) return 1;
      if (cb(j) !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca(i) === 0 || cb(j) === 0) break;

    // One segment: all digits or all letters, the kind decided by a's segment.
    const isNum = isDigit(ca(i));
    const inSegment = isNum ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && inSegment(a.charCodeAt(ei))) ei++;
    while (ej < b.length && inSegment(b.charCodeAt(ej))) ej++;
    // Different kinds: a numeric segment is newer than an alphabetic one.
    if (ej === j) return isNum ? 1 : -1;

    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (isNum) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  // All segments equal: only separators differed, or one string has segments left.
  if (ca(i) === 0 && cb(j) === 0) return 0;
  return ca(i) === 0 ? -1 : 1;
}

/**
 * Compares two `[epoch:]version[-release]` strings as librpm's labelCompare does (the comparison `rpmdev-vercmp`
 * and rpm's Python bindings use): epoch first (absent = 0, compared with rpmvercmp, so "01" = "1"), then
 * version, then release, where an absent release sorts before any release ("1.0" < "1.0-1"). This keeps
 * the ordering total; rpm's dependency check instead ignores the release when one side has none.
 *
 * Surrounding white space is ignored. Never throws: every string has a place in the order, because rpmvercmp
 * accepts any string (the empty string sorts before any version with a segment).
 */
export function compareRpm(a: string, b: string): VersionSign {
  const ea = parseEvr(a.trim());
  const eb = parseEvr(b.trim());
  const epoch = rpmvercmp(ea.epoch || '0', eb.epoch || '0');
  if (epoch !== 0) return epoch;
  const version = rpmvercmp(ea.version, eb.version);
  if (version !== 0) return version;
  if (ea.release === undefined || eb.release === undefined) {
    if (ea.release === eb.release) return 0;
    return ea.release === undefined ? -1 : 1;
  }
  return rpmvercmp(ea.release, eb.release);
}
