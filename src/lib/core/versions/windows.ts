import type { VersionSign } from './dpkg';

/**
 * Ordering of Windows builds as Windows and its update catalog print them: "10.0.19045.4291"
 * (major.minor.build.UBR), "19045.4291" (the "OS build" Microsoft's release notes print), "10.0.19045",
 * "Build 19045", "Microsoft Windows [Version 10.0.22631.3447]".
 *
 * Rules:
 * 1. The version is the first dotted number in the text (a lone number only when there is no dotted one),
 *    so words around it do not matter ("OS Build 19045.4291", "Version 10.0.19045.4291").
 * 2. Three or more parts starting below 1000 are major.minor.build[.revision…]; two parts starting below 100
 *    are major.minor with no build (build 0); anything else is build[.revision…].
 * 3. Only the build, then the revision (UBR, 0 when absent), then any further parts are compared, all by
 *    value. Major and minor are not: build numbers grow across every Windows NT release (7601 < 9600 < 17763
 *    < 19045 < 26100), and "19045.4291" must equal "10.0.19045.4291".
 * 4. A text without any number sorts BEFORE every build; such texts compare by code units.
 *
 * @see https://learn.microsoft.com/windows/release-health/release-information
 */
export interface WindowsBuild {
  major?: number;
  minor?: number;
  build: number;
  /** The update build revision (UBR); 0 when the text gives none. */
  revision: number;
  /** Parts after the revision (rare, e.g. file versions), as digit strings. */
  rest: string[];
}

const stripZeros = (digits: string): string => digits.replace(/^0+(?=\d)/, '');

/** Reads a Windows build from a text (rules above); undefined when the text holds no number. */
export function parseWindowsBuild(text: string): WindowsBuild | undefined {
  const parts = windowsBuildParts(text);
  if (!parts) return undefined;
  const [p0, p1, p2, p3, ...more] = parts;
  const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));
  if (parts.length >= 3 && (p0 as string).length <= 3) {
    return { major: num(p0), minor: num(p1), build: num(p2), revision: num(p3), rest: more };
  }
  if (parts.length === 2 && (p0 as string).length <= 2) {
    return { major: num(p0), minor: num(p1), build: 0, revision: 0, rest: [] };
  }
  return { build: num(p0), revision: num(p1), rest: parts.slice(2) };
}

/** The digit groups of the version in a text, leading zeros removed; undefined when there is none. */
function windowsBuildParts(text: string): string[] | undefined {
  const found = /\d+(?:\.\d+)+/.exec(text) ?? /\d+/.exec(text);
  return found ? found[0].split('.').map(stripZeros) : undefined;
}

function compareDigits(a: string, b: string): VersionSign {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** What the order compares: build, revision, further parts (digit strings, trailing zeros dropped). */
function orderKey(text: string): string[] | undefined {
  const parts = windowsBuildParts(text);
  if (!parts) return undefined;
  let key: string[];
  if (parts.length >= 3 && (parts[0] as string).length <= 3) key = parts.slice(2);
  else if (parts.length === 2 && (parts[0] as string).length <= 2) key = [];
  else key = parts;
  while (key.length > 0 && key[key.length - 1] === '0') key.pop();
  return key;
}

/**
 * Compares two Windows builds: -1 when a is older, 0 when it is the same build and revision, 1 when newer.
 * Numbers of any length compare by value. Never throws.
 */
export function compareWindowsBuild(a: string, b: string): VersionSign {
  const ka = orderKey(a);
  const kb = orderKey(b);
  if (!ka || !kb) {
    if (ka) return 1;
    if (kb) return -1;
    return a === b ? 0 : a < b ? -1 : 1;
  }
  const n = Math.max(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const c = compareDigits(ka[i] ?? '0', kb[i] ?? '0');
    if (c !== 0) return c;
  }
  return 0;
}

/** Builds of Windows 10 and 11 feature releases ("22H2" of Windows 10 is build 19045), keys lower-case. */
const RELEASE_BUILDS: Record<'10' | '11', Record<string, number>> = {
  '10': {
    '1507': 10240,
    '1511': 10586,
    '1607': 14393,
    '1703': 15063,
    '1709': 16299,
    '1803': 17134,
    '1809': 17763,
    '1903': 18362,
    '1909': 18363,
    '2004': 19041,
    '20h2': 19042,
    '21h1': 19043,
    '21h2': 19044,
    '22h2': 19045
  },
  '11': { '21h2': 22000, '22h2': 22621, '23h2': 22631, '24h2': 26100, '25h2': 26200, '26h1': 28000 }
};

/** The build of a Windows 10 or 11 feature release ("22H2", case-insensitive), or undefined. */
export function windowsReleaseBuild(product: '10' | '11', release: string): number | undefined {
  return RELEASE_BUILDS[product][release.trim().toLowerCase()];
}
