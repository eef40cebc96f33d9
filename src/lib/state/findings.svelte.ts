import type { Finding, Severity } from '$lib/core';
import { engine } from '$lib/workers/engine.client';

const PAGE = 200;

/**
 * The findings table's data: filtered and sorted in the worker, fetched a page at a time as the table scrolls,
 * so 10,000 findings cost the page no more than the rows on screen.
 */
export class FindingsView {
  total = $state(0);
  loading = $state(false);
  severities = $state<Severity[]>([]);
  search = $state('');
  error = $state<string | null>(null);
  /** Sparse cache of fetched rows, by index. */
  private pages = $state<Record<number, Finding[]>>({});
  private generation = 0;
  // Bookkeeping only: nothing renders from it, so it is deliberately not reactive.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private pending = new Set<number>();

  constructor(
    private readonly engagementId: string,
    private readonly revision: () => string
  ) {
    $effect(() => {
      // Refetch when the filters or the engagement's data change.
      void this.severities.length;
      void this.search;
      void this.revision();
      this.reset();
    });
  }

  private reset(): void {
    this.generation += 1;
    this.pages = {};
    this.pending.clear();
    void this.fetchPage(0);
  }

  /** A row if its page is here; reading never fetches (state must not change while the page renders). */
  row(index: number): Finding | undefined {
    const page = Math.floor(index / PAGE);
    return this.pages[page]?.[index - page * PAGE];
  }

  /** Fetches the pages that hold rows first..last (called by the table when it scrolls). */
  ensureRange(first: number, last: number): void {
    const from = Math.floor(first / PAGE);
    const to = Math.floor(Math.max(first, last - 1) / PAGE);
    for (let page = from; page <= to; page++) {
      if (!this.pages[page]) void this.fetchPage(page);
    }
  }

  private async fetchPage(page: number): Promise<void> {
    if (this.pending.has(page)) return;
    this.pending.add(page);
    const generation = this.generation;
    this.loading = true;
    try {
      const api = await engine();
      const result = await api.queryFindings(this.engagementId, {
        offset: page * PAGE,
        limit: PAGE,
        severities: [...this.severities],
        search: this.search
      });
      if (generation !== this.generation) return;
      this.total = result.total;
      this.pages = { ...this.pages, [page]: result.rows };
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.pending.delete(page);
      this.loading = false;
    }
  }

  /** One finding's evidence whole (rows carry only its start), for the detail's "Show all". */
  async evidence(findingId: string): Promise<string | undefined> {
    const api = await engine();
    return api.findingEvidence(this.engagementId, findingId);
  }

  toggleSeverity(s: Severity): void {
    this.severities = this.severities.includes(s)
      ? this.severities.filter((x) => x !== s)
      : [...this.severities, s];
  }
}
