/**
 * The official files "Refresh catalog" downloads, listed once for the app and the build: refresh.ts fetches these
 * URLs, and svelte.config.js allows exactly their origins in the Content-Security-Policy's connect-src, so the
 * list of hosts Patchfield may talk to cannot drift from the hosts it does talk to. Each URL is the refresh URL a
 * catalog SOURCE.md names. Plain JavaScript (with official-sources.d.ts beside it) because svelte.config.js is
 * loaded by Node without a TypeScript step.
 */
export const CATALOG_URLS = Object.freeze({
  kev: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json',
  epss: 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz',
  eol: 'https://endoflife.date/api/v1/products/full',
  wesng: 'https://raw.githubusercontent.com/bitsadmin/wesng/master/definitions.zip',
  /** OSV's bucket: one `<Ecosystem>/all.zip` per distribution. */
  osv: 'https://osv-vulnerabilities.storage.googleapis.com'
});

/**
 * The origin of an office's catalog mirror (VITE_PATCHFIELD_CATALOG_MIRROR at build time), or undefined when none is
 * set. A mirror holds the files under `<mirror>/<host>/<path>` (the layout `wget -x` writes). Throws on anything
 * but an absolute http(s) URL, so a mistyped mirror fails the build instead of silently opening the policy.
 * @param {string | undefined} mirror
 * @returns {string | undefined}
 */
export function mirrorOrigin(mirror) {
  const text = (mirror ?? '').trim();
  if (!text) return undefined;
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `The catalog mirror "${text}" is not an absolute URL (e.g. https://files.example.com/catalog).`
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`The catalog mirror "${text}" must be an http or https URL.`);
  }
  return url.origin;
}

/**
 * Where one official file is fetched from: the official URL itself, or its copy under the mirror.
 * @param {string} url
 * @param {string | undefined} mirror
 * @returns {string}
 */
export function catalogUrl(url, mirror) {
  if (!mirrorOrigin(mirror)) return url;
  const official = new URL(url);
  return `${String(mirror).trim().replace(/\/+$/, '')}/${official.host}${official.pathname}`;
}

/**
 * The origins the pages may connect to besides their own: the official hosts, and the mirror's when one is set.
 * @param {string | undefined} [mirror]
 * @returns {string[]}
 */
export function catalogOrigins(mirror) {
  const origins = Object.values(CATALOG_URLS).map((u) => new URL(u).origin);
  const own = mirrorOrigin(mirror);
  return [...new Set(own ? [...origins, own] : origins)].sort();
}
