import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vite';

/**
 * Modules whose unused exports may be dropped from the page bundle: Patchfield's core is pure TypeScript (DESIGN.md),
 * and pdf-lib and fontkit declare no `sideEffects` in their package.json. Without this the pages load the whole core
 * through `$lib/db` — pdf-lib and fontkit included, about 2 MB — before they paint (Lighthouse performance 0.54 on a
 * simulated phone). The report still builds in the worker, which is bundled on its own.
 */
const PURE_MODULES = /(\/src\/lib\/core\/|\/node_modules\/pdf-lib\/|\/node_modules\/@pdf-lib\/fontkit\/)/;

export default defineConfig({
  plugins: [
    sveltekit(),
    SvelteKitPWA({
      registerType: 'prompt',
      injectRegister: false,
      manifest: false, // static/manifest.webmanifest is linked from src/app.html
      workbox: {
        // Fonts and the worker are part of the shell: without them an offline report cannot be built.
        globPatterns: [
          'client/**/*.{js,css,ico,png,svg,webp,webmanifest,ttf,json,ps1,sh}',
          'prerendered/**/*.{html,json}'
        ],
        // Store screenshots are for install dialogs only: no need to keep them offline.
        globIgnores: ['client/screenshots/**'],
        // The CJK report font is about 10 MB; everything else is far smaller.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        // Pages are addressed with query parameters (?id=...); they all share the prerendered shell.
        ignoreURLParametersMatching: [/.*/],
        navigateFallback: '/',
        cleanupOutdatedCaches: true,
        // Files shared to Patchfield from other apps (Web Share Target, POST /share-target): the listener must run
        // before Workbox's, so it is imported at the top of the generated service worker.
        importScripts: ['share-target-sw.js']
      },
      kit: { includeVersionFile: true }
    })
  ],
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      treeshake: {
        moduleSideEffects: (id: string) => (PURE_MODULES.test(id) ? false : undefined)
      }
    }
  }
});
