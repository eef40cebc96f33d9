import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { addToInbox, inboxFileToFile, listInbox, removeFromInbox } from '../../../src/lib/db/inbox';

describe('inbox of files shared to Patchfield', () => {
  it('keeps opened files with their names until they are imported, then forgets them', async () => {
    const idb = new IDBFactory();
    const scan = new File(['<NessusClientData_v2/>'], 'office.nessus', {
      type: '',
      lastModified: 1_700_000_000_000
    });
    const inventory = new File(['Host Name: PC1'], 'PC1-systeminfo.txt', { type: 'text/plain' });
    const ids = await addToInbox([scan, inventory], idb);

    const waiting = await listInbox(idb);
    expect(waiting.map((f) => f.name)).toEqual(['office.nessus', 'PC1-systeminfo.txt']);
    const file = inboxFileToFile(waiting[0]!);
    expect(file.name).toBe('office.nessus');
    expect(file.lastModified).toBe(1_700_000_000_000);
    expect(await file.text()).toBe('<NessusClientData_v2/>');

    await removeFromInbox([ids[0]!], idb);
    expect((await listInbox(idb)).map((f) => f.name)).toEqual(['PC1-systeminfo.txt']);
  });

  it('reads the rows the service worker writes (same database and store, plain Blob beside the name)', async () => {
    const idb = new IDBFactory();
    // What static/share-target-sw.js stores for one shared file.
    await new Promise<void>((resolve, reject) => {
      const req = idb.open('patchfield-inbox', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('files', { keyPath: 'id' });
      req.onsuccess = () => {
        const tx = req.result.transaction('files', 'readwrite');
        tx.objectStore('files').put({
          id: '2026-11-24T09:00:00.000Z-a',
          name: 'shared.csv',
          type: 'text/csv',
          size: 3,
          lastModified: 1,
          receivedAt: '2026-11-24T09:00:00.000Z',
          blob: new Blob(['a,b'], { type: 'text/csv' })
        });
        tx.oncomplete = () => {
          req.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
    const [row] = await listInbox(idb);
    expect(row?.name).toBe('shared.csv');
    expect(await inboxFileToFile(row!).text()).toBe('a,b');
  });
});
