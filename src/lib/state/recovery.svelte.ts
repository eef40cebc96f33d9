import { getDb } from '$lib/db';
import { engine } from '$lib/workers/engine.client';

/** An import a closed tab or a crash cut off, as the app names it at the next start. */
export interface InterruptedImport {
  fileId: string;
  fileName: string;
  engagementId: string;
  clientName: string;
}

/**
 * At start: imports cut off by a closed tab or a crash lose their half-written rows (in the worker), and the app
 * says which files they were and where to read them again or discard them.
 */
export class StartupRecovery {
  interrupted = $state<InterruptedImport[]>([]);

  async run(): Promise<void> {
    const db = getDb();
    // Which files were mid-import before the purge: afterwards they are "failed" like any other failure.
    const before = await db.files.where('status').anyOf('parsing', 'stored').primaryKeys();
    const purged = await (await engine()).recoverInterrupted();
    if (purged === 0 || before.length === 0) return;
    const files = (await db.files.bulkGet(before as string[])).filter(
      (f) => f?.status === 'failed' && f.problems.some((p) => p.code === 'import-interrupted')
    );
    const engagements = await db.engagements.bulkGet(files.map((f) => f!.engagementId));
    this.interrupted = files.map((f, i) => ({
      fileId: f!.id,
      fileName: f!.name,
      engagementId: f!.engagementId,
      clientName: engagements[i]?.clientName ?? 'an engagement'
    }));
  }

  dismiss(): void {
    this.interrupted = [];
  }
}
