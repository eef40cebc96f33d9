import { liveQuery } from 'dexie';

/**
 * A Dexie live query as Svelte state: re-runs when the tables it read change, in this page or in the worker
 * (Dexie broadcasts changes between contexts). Call during component initialisation.
 */
export class Live<T> {
  current = $state<T>() as T;
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(query: () => Promise<T>, initial: T) {
    this.current = initial;
    $effect(() => {
      const sub = liveQuery(query).subscribe({
        next: (value) => {
          this.current = value;
          this.loaded = true;
          this.error = null;
        },
        error: (e: unknown) => {
          this.error = e instanceof Error ? e.message : String(e);
          this.loaded = true;
        }
      });
      return () => sub.unsubscribe();
    });
  }
}
