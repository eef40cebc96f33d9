import { untrack } from 'svelte';

/** Short notices about things that finished in the background ("Catalog refreshed", "Report ready"). */
export interface Toast {
  id: number;
  message: string;
  tone: 'info' | 'success' | 'error';
}

/** How long a notice stays; errors stay until dismissed. Hover or keyboard focus holds every notice. */
export const TOAST_MS = 6000;

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;
  private timers = new Map<number, ReturnType<typeof setTimeout>>();
  private held = false;

  /** Safe to call from an effect: reading the list here does not make the caller depend on it. */
  show(message: string, tone: Toast['tone'] = 'info'): number {
    const id = this.next++;
    untrack(() => {
      // The same notice twice in a row (two refreshes) is one notice.
      this.items = [...this.items.filter((t) => t.message !== message), { id, message, tone }].slice(-4);
    });
    if (tone !== 'error' && !this.held) this.arm(id);
    return id;
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.items = this.items.filter((t) => t.id !== id);
  }

  /** While the technician reads (pointer over a notice, or focus inside), nothing disappears. */
  hold(held: boolean): void {
    this.held = held;
    if (held) {
      for (const timer of this.timers.values()) clearTimeout(timer);
      this.timers.clear();
    } else {
      for (const t of this.items) if (t.tone !== 'error') this.arm(t.id);
    }
  }

  private arm(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.set(
      id,
      setTimeout(() => this.dismiss(id), TOAST_MS)
    );
  }
}

export const toasts = new Toasts();
