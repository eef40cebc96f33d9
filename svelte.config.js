import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { createHash } from 'node:crypto';
import { catalogOrigins } from './src/lib/core/catalog/official-sources.js';

/**
 * The only two inline style attributes the pages may carry, allowed by their exact text (SHA-256 under
 * 'unsafe-hashes'), so no injected style attribute can apply. Both come from SvelteKit itself: the wrapper of its
 * default src/app.html, and its route announcer for screen readers, whose inline style it cannot yet move to a
 * stylesheet (sveltejs/kit#11993). A SvelteKit update that changes either fails the CSP end-to-end test.
 */
export const ALLOWED_STYLE_ATTRIBUTES = [
  'display: contents',
  'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); overflow: hidden; white-space: nowrap; width: 1px; height: 1px'
];

/** @param {string} text */
const sha256 = (text) =>
  /** @type {`sha256-${string}`} */ (`sha256-${createHash('sha256').update(text).digest('base64')}`);

/** @typedef {NonNullable<NonNullable<import('@sveltejs/kit').KitConfig['csp']>['directives']>['connect-src']} Sources */

/** The app itself, the official catalog hosts and the office's mirror, if any (checked when the build starts). */
const connectSources = /** @type {Sources} */ ([
  'self',
  ...catalogOrigins(process.env.VITE_PATCHFIELD_CATALOG_MIRROR)
]);

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // A static SPA: every page is a prerendered shell, data lives in IndexedDB.
    adapter: adapter({
      pages: 'build',
      assets: 'build',
      fallback: undefined,
      precompress: true,
      strict: true
    }),
    serviceWorker: { register: false },
    /*
     * The client's data never leaves the tablet: a strict Content-Security-Policy, written by SvelteKit into each
     * prerendered page as <meta http-equiv="content-security-policy">. In hash mode SvelteKit adds the SHA-256 of
     * its own inline start-up script to script-src; no other inline script, no eval, no third-party script, style
     * or font can run or load. Besides the app itself, pages may connect only to the official catalog hosts in
     * official-sources.js (the list refresh.ts downloads from), plus the office's mirror when
     * VITE_PATCHFIELD_CATALOG_MIRROR is set for `npm run build`.
     *
     * A <meta> policy cannot carry frame-ancestors, report-uri or sandbox (browsers ignore them there): keeping
     * the app out of other sites' frames needs a `Content-Security-Policy: frame-ancestors 'none'` header from the
     * web server. The same holds for the engine worker and the service worker, whose scripts take their policy
     * from their own response headers, not from the page's <meta>: the catalog refresh runs in the engine worker,
     * where refresh.ts's fixed list (not this policy) keeps it to these hosts.
     */
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        // Component styles are extracted into .css files; Svelte sets dynamic styles (row offsets, progress
        // widths) through element.style, which a policy does not govern, so no 'unsafe-inline' is needed.
        'style-src': ['self'],
        'style-src-attr': ['unsafe-hashes', ...ALLOWED_STYLE_ATTRIBUTES.map(sha256)],
        // Logo previews and photos are shown from blob: URLs; data: for images a browser inlines (icons).
        'img-src': ['self', 'blob:', 'data:'],
        // The report fonts under /fonts.
        'font-src': ['self'],
        'connect-src': connectSources,
        // The engine's module worker and the service worker, both served from the app's origin.
        'worker-src': ['self'],
        'manifest-src': ['self'],
        'frame-src': ['none'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self']
      }
    }
  }
};

export default config;
