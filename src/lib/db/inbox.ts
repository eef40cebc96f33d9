/**
 * Files handed to Patchfield by other apps, waiting for the technician to pick an engagement: written by the service
 * worker's share target (static/share-target-sw.js, which must use the same database and store names) and by the
 * File Handling API's launch queue (desktop Chromium opening a .nessus with Patchfield). A database of its own, in
 * plain IndexedDB, because the service worker is a classic script without Dexie and the app's schema.
 */
export const INBOX_DB = 'patchfield-inbox';
export const INBOX_STORE = 'files';

export interface InboxFile {
  id: string;
  name: string;
  type: string;
  size: number;
  lastModified: number;
  receivedAt: string;
  blob: Blob;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openInbox(idb: IDBFactory): Promise<IDBDatabase> {
  const req = idb.open(INBOX_DB, 1);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(INBOX_STORE)) {
      req.result.createObjectStore(INBOX_STORE, { keyPath: 'id' });
    }
  };
  return request(req);
}

async function withStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => Promise<T> | T,
  idb: IDBFactory
): Promise<T> {
  const db = await openInbox(idb);
  try {
    const tx = db.transaction(INBOX_STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    const result = await work(tx.objectStore(INBOX_STORE));
    await done;
    return result;
  } finally {
    db.close();
  }
}

/** The waiting files, oldest first. */
export async function listInbox(idb: IDBFactory = indexedDB): Promise<InboxFile[]> {
  const rows = await withStore('readonly', (store) => request(store.getAll()), idb);
  return (rows as InboxFile[])
    .filter((r) => typeof r.name === 'string' && r.blob instanceof Blob)
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
}

/** Keeps files (from the launch queue) until an engagement is picked; resolves with their ids. */
export async function addToInbox(files: File[], idb: IDBFactory = indexedDB): Promise<string[]> {
  const receivedAt = new Date().toISOString();
  const rows: InboxFile[] = files.map((f, index) => ({
    // Sorts in the order the files were opened.
    id: `${receivedAt}-${String(index).padStart(4, '0')}-${crypto.randomUUID()}`,
    name: f.name,
    type: f.type,
    size: f.size,
    lastModified: f.lastModified,
    receivedAt,
    blob: new Blob([f], { type: f.type })
  }));
  await withStore(
    'readwrite',
    (store) => {
      for (const row of rows) store.put(row);
    },
    idb
  );
  return rows.map((r) => r.id);
}

export async function removeFromInbox(ids: string[], idb: IDBFactory = indexedDB): Promise<void> {
  await withStore(
    'readwrite',
    (store) => {
      for (const id of ids) store.delete(id);
    },
    idb
  );
}

/** A waiting file as the File the import path reads. */
export function inboxFileToFile(row: InboxFile): File {
  return new File([row.blob], row.name, { type: row.type, lastModified: row.lastModified });
}
