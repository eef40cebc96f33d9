/**
 * Debian package version ordering, exactly as dpkg orders versions (`dpkg --compare-versions`, which apt and
 * the Debian security tracker agree with).
 *
 * A version is `[epoch:]upstream_version[-debian_revision]`:
 * - the epoch is a non-negative number (0 when absent) and is compared first, numerically;
 * - the upstream version is everything after the epoch up to the LAST hyphen, the revision what follows it
 *   ("" when there is no hyphen, which compares equal to "0");
 * - both are compared with dpkg's `verrevcmp`: alternately a run of non-digits, compared character by
 *   character with `~` before everything (even the end of the string), then the end of the string, then
 *   letters, then every other character ("1.0~rc1" < "1.0" < "1.0a" < "1.0+b1"), and a run of digits compared
 *   as a number (leading zeros do not count; any length).
 *
 * @see https://www.debian.org/doc/debian-policy/ch-controlfields.html#version
 * @see https://git.dpkg.org/cgit/dpkg/dpkg.git/tree/lib/dpkg/version.c (verrevcmp, dpkg_version_compare)
 * @see https://git.dpkg.org/cgit/dpkg/dpkg.git/tree/lib/dpkg/parsehelp.c (parseversion)
 */

export type VersionSign = -1 | 0 | 1;

/** A version dpkg accepts (possibly with a warning, as dpkg itself does). */
export interface DpkgVersion {
  valid: true;
  epoch: number;
  upstream: string;
  /** The Debian revision; "" when the version has none. */
  revision: string;
  /**
   * dpkg's warning for a version it still compares (it does not start with a digit, or holds a character
   * Debian policy does not allow): the ordering stays dpkg's.
   */
  warning?: string;
}

/** A string dpkg refuses with an error ("version '…' has bad syntax"). */
export interface DpkgVersionError {
  valid: false;
  /** dpkg's reason, e.g. "epoch in version is not number". */
  error: string;
}

/** dpkg's epoch limit: the epoch is a C int. */
const EPOCH_MAX = 2147483647;

const isBlank = (c: string): boolean => c === ' ' || c === '\t';

/**
 * Splits a version into epoch, upstream version and revision with dpkg's `parseversion` rules: leading and
 * trailing blanks are ignored; an empty string, embedded blanks, a bad epoch (empty, not a number, negative,
 * above 2^31−1), nothing after the colon, an empty revision after a final hyphen, or an empty upstream version
 * are errors; a version not starting with a digit or holding other characters than `A-Za-z0-9.+~-:` (upstream)
 * or `A-Za-z0-9.+~` (revision) is accepted with a warning. Never throws.
 */
export function parseDpkgVersion(text: string): DpkgVersion | DpkgVersionError {
  // C strings end at the first NUL.
  const nul = text.indexOf('\0');
  let s = nul >= 0 ? text.slice(0, nul) : text;
  let start = 0;
  while (start < s.length && isBlank(s[start] as string)) start++;
  if (start === s.length) return { valid: false, error: 'version string is empty' };
  let end = start;
  while (end < s.length && !isBlank(s[end] as string)) end++;
  for (let i = end; i < s.length; i++) {
    if (!isBlank(s[i] as string)) return { valid: false, error: 'version string has embedded spaces' };
  }
  s = s.slice(start, end);

  let epoch = 0;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    // strtol(): optional white space (blanks were trimmed, but \n \v \f \r may remain) and sign, then digits.
    const m = /^[\n\v\f\r]*([+-]?)(\d*)/.exec(s) as RegExpExecArray;
    const digits = m[2] as string;
    if (digits === '') return { valid: false, error: 'epoch in version is empty' };
    if (m[0].length !== colon) return { valid: false, error: 'epoch in version is not number' };
    const significant = digits.replace(/^0+/, '');
    const value = significant.length > 10 ? Infinity : Number(significant || '0');
    if (m[1] === '-' && value !== 0) return { valid: false, error: 'epoch in version is negative' };
    if (value > EPOCH_MAX) {
      return { valid: false, error: 'epoch in version is too big' };
    }
    if (colon === s.length - 1) return { valid: false, error: 'nothing after colon in version number' };
    epoch = value;
    s = s.slice(colon + 1);
  }
  const hyphen = s.lastIndexOf('-');
  const upstream = hyphen >= 0 ? s.slice(0, hyphen) : s;
  const revision = hyphen >= 0 ? s.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') return { valid: false, error: 'revision number is empty' };
  if (upstream === '') return { valid: false, error: 'version number is empty' };

  const version: DpkgVersion = { valid: true, epoch, upstream, revision };
  if (!/^[0-9]/.test(upstream)) {
    version.warning = 'version number does not start with digit';
  } else if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream)) {
    version.warning = 'invalid character in version number';
  } else if (!/^[A-Za-z0-9.+~]*$/.test(revision)) {
    version.warning = 'invalid character in revision number';
  }
  return version;
}

/**
 * Compares two Debian package versions: -1 when a is older than b, 0 when dpkg considers them equal, 1 when
 * a is newer. Agrees with `dpkg --compare-versions` on every version dpkg accepts (warnings included).
 *
 * Strings dpkg refuses (see {@link parseDpkgVersion}) never throw: they sort BEFORE every valid version
 * (an installed version that cannot be read is treated as older than any fix, so a gap is shown rather than
 * hidden), and among themselves in plain code-unit order, equal only when identical after trimming blanks.
 */
export function compareDpkg(a: string, b: string): VersionSign {
  const va = parseDpkgVersion(a);
  const vb = parseDpkgVersion(b);
  if (!va.valid || !vb.valid) {
    if (va.valid) return 1;
    if (vb.valid) return -1;
    const ta = a.trim();
    const tb = b.trim();
    return ta === tb ? 0 : ta < tb ? -1 : 1;
  }
  return compareParsedDpkg(va, vb);
}

/** dpkg_version_compare: epoch, then upstream version, then revision. */
export function compareParsedDpkg(a: DpkgVersion, b: DpkgVersion): VersionSign {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

/**
 * dpkg's character weight in a non-digit run: the end of the string and digits 0, `~` −1, ASCII letters
 * their code, anything else its code + 256. Bytes of non-ASCII characters (UTF-8) weigh what they weigh in
 * dpkg on amd64, where `char` is signed: (byte − 256) + 256 = the byte, between letters and punctuation.
 */
function order(c: number): number {
  if (c === 0 || (c >= 0x30 && c <= 0x39)) return 0;
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return c;
  if (c === 0x7e) return -1;
  if (c >= 0x80) return c;
  return c + 256;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The string as the bytes dpkg sees, with a 0 at the end as in C. */
function bytesOf(s: string): ArrayLike<number> & { length: number } {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) {
    const out = new Uint16Array(s.length + 1);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  const encoded = new TextEncoder().encode(s);
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
  return out;
}

/** dpkg's verrevcmp on one part (upstream version or revision). */
function verrevcmp(as: string, bs: string): VersionSign {
  if (as === bs) return 0;
  const a = bytesOf(as);
  const b = bytesOf(bs);
  let i = 0;
  let j = 0;
  const at = (x: ArrayLike<number>, k: number): number => x[k] ?? 0;
  while (at(a, i) !== 0 || at(b, j) !== 0) {
    let firstDiff = 0;
    while ((at(a, i) !== 0 && !isDigit(at(a, i))) || (at(b, j) !== 0 && !isDigit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    while (at(a, i) === 0x30) i++;
    while (at(b, j) === 0x30) j++;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (firstDiff === 0) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff !== 0) return firstDiff < 0 ? -1 : 1;
  }
  return 0;
}
