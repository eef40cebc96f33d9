import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import type { EngineApi, ImportProgress, ImportSource } from './engine.api';
import fallbackUrl from './engine.fallback?worker&url';

export type { ImportProgress, ImportSource };

let remote: Remote<EngineApi> | undefined;
let worker: Worker | undefined;
let fallback: Promise<EngineApi> | undefined;

/**
 * The engine, started lazily in a dedicated worker. If a worker cannot start (an old browser, a locked-down
 * profile) the same API runs on the main thread: slower, but the technician can still finish the visit.
 */
export function engine(): Remote<EngineApi> | Promise<EngineApi> {
  if (remote) return remote;
  if (fallback) return fallback;
  try {
    worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'patchfield-engine'
    });
    remote = wrap<EngineApi>(worker);
    return remote;
  } catch {
    // A separate bundle (see engine.fallback.ts), so that the pages do not carry the engine's code.
    fallback = import(/* @vite-ignore */ fallbackUrl).then(
      () => (globalThis as { patchfieldEngineFallback?: EngineApi }).patchfieldEngineFallback!
    );
    return fallback;
  }
}

/** Wraps a progress callback so it can cross into the worker. */
export function progressCallback<T extends (...args: never[]) => void>(fn: T): T {
  return remote ? proxy(fn) : fn;
}

/** Hands a buffer over to the worker without copying. */
export function transferable<T>(value: T, buffers: Transferable[]): T {
  return remote ? transfer(value, buffers) : value;
}

export function newJobId(): string {
  return `job-${crypto.randomUUID()}`;
}

/** Stops the worker (e.g. when the app goes to the background for long); it restarts on next use. */
export function stopEngine(): void {
  if (remote) remote[releaseProxy]();
  worker?.terminate();
  remote = undefined;
  worker = undefined;
}
