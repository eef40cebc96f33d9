import { browserEnv } from './browser-env';
import { createEngineApi } from './engine.api';

/**
 * The engine on the main thread, for a browser where the worker cannot start (engine.client.ts). Bundled on its own,
 * like the worker (Vite's `?worker&url`), and loaded with import() only then: if the pages imported engine.api
 * themselves, the bundler would put the parsers, pdf-lib and fontkit (about 1 MB) into the chunk every page loads
 * first, because the pages reach the same modules through core's index. A worker-style bundle keeps no exports, so
 * the API is handed over on globalThis.
 */
(globalThis as { patchfieldEngineFallback?: unknown }).patchfieldEngineFallback = createEngineApi(browserEnv);
