import type { BackupConflict, BackupConflictChoice, RestoredEngagement } from '$lib/core';
import { engine, progressCallback } from '$lib/workers/engine.client';

/**
 * Exporting engagements to a .patchfield file and importing one, in the worker, with progress in words. An import
 * whose engagements are already on this device stops at a conflict until the technician picks Replace or Keep both.
 */
export class BackupJob {
  busy = $state(false);
  percent = $state(0);
  line = $state('');
  error = $state<string | null>(null);
  /** What the last finished job did, in words. */
  message = $state<string | null>(null);
  /** Engagements of the file waiting for the technician's choice. */
  conflicts = $state<BackupConflict[]>([]);
  /** Engagements the last import wrote, to open from the message. */
  restored = $state<RestoredEngagement[]>([]);
  /** A sealed backup waiting for its passphrase: what to tell the technician. */
  passphrase = $state<{ message: string; wrong: boolean } | null>(null);
  private pending: File | null = null;
  private pendingPassphrase: string | undefined;

  /** A progress callback for the worker; made after engine() so it is wrapped for the worker it crosses to. */
  private progress() {
    return progressCallback((what: string, done: number, total: number) => {
      this.line = what;
      this.percent = total > 0 ? Math.round((done / total) * 100) : 0;
    });
  }

  private async run(first: string, job: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.message = null;
    this.restored = [];
    this.percent = 0;
    this.line = first;
    try {
      await job();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }

  /** Builds one engagement's file and downloads it. */
  async exportOne(engagementId: string): Promise<void> {
    await this.run('Reading the engagement', async () => {
      const api = await engine();
      const file = await api.exportEngagementFile(engagementId, this.progress());
      download(file.bytes, file.fileName);
      this.message = `Exported ${file.fileName}. Keep it off this device (a USB stick, the office share).`;
    });
  }

  /** Every engagement on this device in one file: the backup to keep. */
  async exportAll(): Promise<void> {
    await this.run('Reading the engagements', async () => {
      const api = await engine();
      const file = await api.exportAllEngagementsFile(this.progress());
      download(file.bytes, file.fileName);
      this.message = `Exported ${file.fileName}. Keep it off this device (a USB stick, the office share).`;
    });
  }

  /** Restores a .patchfield file; a conflict waits for choose(), a sealed file for its passphrase (open()). */
  async importFile(file: File, choice?: BackupConflictChoice, passphrase?: string): Promise<void> {
    await this.run(`Opening ${file.name}`, async () => {
      const api = await engine();
      const outcome = await api.importEngagementFile(
        { name: file.name, blob: file },
        choice,
        this.progress(),
        passphrase
      );
      if (outcome.status === 'refused') {
        this.error = outcome.message;
        this.forget();
      } else if (outcome.status === 'passphrase-needed') {
        this.pending = file;
        this.passphrase = { message: outcome.message, wrong: outcome.wrong };
      } else if (outcome.status === 'conflict') {
        this.pending = file;
        this.pendingPassphrase = passphrase;
        this.passphrase = null;
        this.conflicts = outcome.conflicts;
      } else {
        this.forget();
        this.message =
          restoredMessage(outcome.engagements) +
          (passphrase === undefined ? '' : ' It is encrypted on this device with the same passphrase.');
        this.restored = outcome.engagements;
      }
    });
  }

  /** The passphrase of a sealed backup. */
  async open(passphrase: string): Promise<void> {
    const file = this.pending;
    if (!file) return;
    await this.importFile(file, undefined, passphrase);
  }

  /** The technician's answer to a conflict. */
  async choose(choice: BackupConflictChoice): Promise<void> {
    const file = this.pending;
    if (!file) return;
    this.conflicts = [];
    await this.importFile(file, choice, this.pendingPassphrase);
  }

  cancelImport(): void {
    this.forget();
    this.message = 'Import cancelled: nothing was changed.';
  }

  private forget(): void {
    this.pending = null;
    this.pendingPassphrase = undefined;
    this.passphrase = null;
    this.conflicts = [];
  }
}

function restoredMessage(list: RestoredEngagement[]): string {
  const words = {
    new: 'restored',
    replaced: 'replaced with the file’s copy',
    copy: 'added as a second copy'
  };
  return `Imported: ${list.map((e) => `${e.clientName} (${e.visitDate}) ${words[e.how]}`).join('; ')}.`;
}

/** Saves bytes built on this device under the file name (octet-stream, so no browser renames it to .zip). */
function download(bytes: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' })
  );
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
