import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vite';

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
        // The CJK report font is about 10 MB; everything else is far smaller.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        // Pages are addressed with query parameters (?id=...); they all share the prerendered shell.
        ignoreURLParametersMatching: [/.*/],
        navigateFallback: '/',
        cleanupOutdatedCaches: true
      },
      kit: { includeVersionFile: true }
    })
  ],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 }
});
