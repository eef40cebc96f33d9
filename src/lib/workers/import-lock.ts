/**
 * While a tab reads a file, it holds a Web Lock named after the import. The browser releases the lock when the
 * tab closes or crashes, so "status parsing and no lock" means interrupted, and "status parsing with the lock held"
 * means another tab is still at work (and its rows must not be purged). Where Web Locks are missing (Node tests,
 * old browsers) there is only one context at a time and nothing is locked.
 */
const lockName = (fileId: string): string => `patchfield-import-${fileId}`;

function locks(): LockManager | undefined {
  return (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
}

export async function withImportLock<T>(fileId: string, work: () => Promise<T>): Promise<T> {
  const manager = locks();
  if (!manager) return work();
  return manager.request(lockName(fileId), () => work());
}

export async function isImportRunning(fileId: string): Promise<boolean> {
  const manager = locks();
  if (!manager) return false;
  const state = await manager.query();
  return (state.held ?? []).some((l) => l.name === lockName(fileId));
}
