import { addToInbox, inboxFileToFile, listInbox, removeFromInbox, type InboxFile } from '$lib/db/inbox';
import { ImportSession } from './import-session.svelte';
import { toasts } from './toasts.svelte';

/** The File Handling API's launch queue (desktop Chromium), not yet in TypeScript's DOM types. */
interface LaunchParams {
  files?: readonly { kind: string; getFile(): Promise<File> }[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

/**
 * Files other apps handed to Patchfield (share sheet, "Open with"), waiting on the Engagements page for the
 * technician to say which engagement they belong to; then they go through the normal import, with its progress.
 */
class Inbox {
  files = $state<InboxFile[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** The import of the waiting files, while it runs (its progress line and Cancel). */
  session = $state<ImportSession | null>(null);
  private target = '';

  get count(): number {
    return this.files.length;
  }

  async load(): Promise<void> {
    if (typeof indexedDB === 'undefined') return;
    try {
      this.files = await listInbox();
      this.error = null;
    } catch (e) {
      this.error = `The received files could not be read: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.loaded = true;
    }
  }

  /** Files opened with Patchfield (File Handling API): kept in the inbox like shared ones. */
  async receive(files: File[]): Promise<void> {
    if (files.length === 0) return;
    await addToInbox(files);
    await this.load();
  }

  /**
   * Imports every waiting file into the engagement, then empties the inbox (what could not be read is reported on
   * the engagement's Import tab like any other import). Resolves with how many files were read.
   */
  async importInto(engagementId: string, clientName: string): Promise<number> {
    if (this.session || this.files.length === 0) return 0;
    const waiting = this.files;
    this.target = engagementId;
    const session = new ImportSession(() => this.target);
    this.session = session;
    try {
      await session.run(waiting.map(inboxFileToFile));
      const cancelled = session.outcomes.filter((o) => o.status === 'cancelled').map((o) => o.name);
      const handled = waiting.filter((f) => !cancelled.includes(f.name)).map((f) => f.id);
      if (!session.error) await removeFromInbox(handled);
      const read = session.outcomes.filter((o) => o.status === 'done').length;
      if (session.error) toasts.show(`Import into ${clientName} failed: ${session.error}`, 'error');
      else
        toasts.show(
          `${read === 1 ? 'One file' : `${read} files`} imported into ${clientName}${read < waiting.length ? ` (${waiting.length - read} not imported: see the Import tab)` : ''}.`,
          read === waiting.length ? 'success' : 'info'
        );
      return read;
    } finally {
      this.session = null;
      await this.load();
    }
  }

  async discard(): Promise<void> {
    await removeFromInbox(this.files.map((f) => f.id));
    await this.load();
    toasts.show('Received files discarded.');
  }

  /** Desktop Chromium: files opened with the installed app arrive here (manifest file_handlers). */
  listenForLaunchedFiles(onreceived: () => void): void {
    const queue = (globalThis as { launchQueue?: LaunchQueue }).launchQueue;
    if (!queue) return;
    queue.setConsumer((params) => {
      const handles = (params.files ?? []).filter((h) => h.kind === 'file');
      if (handles.length === 0) return;
      void Promise.all(handles.map((h) => h.getFile()))
        .then((files) => this.receive(files))
        .then(onreceived)
        .catch((e: unknown) =>
          toasts.show(
            `The opened files could not be kept: ${e instanceof Error ? e.message : String(e)}`,
            'error'
          )
        );
    });
  }
}

export const inbox = new Inbox();
