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
 * says which files they were and where to read them again or discard them. Those of a locked encrypted
 * engagement are ended when it is unlocked (run() again), and named then.
 */
class StartupRecovery {
  interrupted = $state<InterruptedImport[]>([]);

  async run(): Promise<void> {
    const purged = await (await engine()).recoverInterrupted();
    if (purged.length === 0) return;
    const engagements = await getDb().engagements.bulkGet(purged.map((p) => p.engagementId));
    const known = new Set(this.interrupted.map((i) => i.fileId));
    this.interrupted = [
      ...this.interrupted,
      ...purged
        .map((p, i) => ({ ...p, clientName: engagements[i]?.clientName ?? 'an engagement' }))
        .filter((p) => !known.has(p.fileId))
    ];
  }

  dismiss(): void {
    this.interrupted = [];
  }
}

/** One for the app: the layout runs it at start, unlocking an engagement runs it again. */
export const recovery = new StartupRecovery();
