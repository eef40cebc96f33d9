// Patchfield's share target: files shared to the installed app from other apps (Android's and desktop Chromium's
// share sheet) arrive as POST /share-target (multipart/form-data, manifest.webmanifest's share_target). This script is
// imported at the top of the generated service worker (vite.config.ts, workbox.importScripts) so that its fetch
// listener answers before Workbox's. The files are kept in the 'patchfield-inbox' IndexedDB database and the app is
// opened with a 303 redirect to /?shared=1, where the technician picks the engagement to import them into
// (src/lib/db/inbox.ts reads the same store). iPad Safari has no share target: there, files come in through the
// Files picker on the engagement's Import tab.
// @see https://developer.chrome.com/docs/capabilities/web-apis/web-share-target
'use strict';

const PATCHFIELD_INBOX_DB = 'patchfield-inbox';
const PATCHFIELD_INBOX_STORE = 'files';

function openPatchfieldInbox() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(PATCHFIELD_INBOX_DB, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(PATCHFIELD_INBOX_STORE)) {
        request.result.createObjectStore(PATCHFIELD_INBOX_STORE, { keyPath: 'id' });
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Stores every shared file (and shared text, as a .txt file) and resolves with how many were kept. */
async function keepSharedFiles(request) {
  const form = await request.formData();
  const files = form.getAll('files').filter((value) => typeof value !== 'string' && value.size > 0);
  const text = form.get('text');
  if (files.length === 0 && typeof text === 'string' && text.trim() !== '') {
    // Some apps share a pasted inventory (systeminfo output) as text rather than as a file.
    files.push(new File([text], 'shared-text.txt', { type: 'text/plain' }));
  }
  if (files.length === 0) return 0;
  const db = await openPatchfieldInbox();
  try {
    const receivedAt = new Date().toISOString();
    await new Promise((resolve, reject) => {
      const tx = db.transaction(PATCHFIELD_INBOX_STORE, 'readwrite');
      const store = tx.objectStore(PATCHFIELD_INBOX_STORE);
      for (const [index, file] of files.entries()) {
        store.put({
          // Sorts in the order the files were shared.
          id: `${receivedAt}-${String(index).padStart(4, '0')}-${crypto.randomUUID()}`,
          name: file.name || 'shared-file',
          type: file.type,
          size: file.size,
          lastModified: file.lastModified || Date.now(),
          receivedAt,
          // A plain Blob: every engine stores those; the name and date are kept beside it.
          blob: new Blob([file], { type: file.type })
        });
      }
      tx.oncomplete = () => resolve(undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
  return files.length;
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'POST' || url.origin !== self.location.origin) return;
  if (url.pathname !== '/share-target') return;
  event.respondWith(
    keepSharedFiles(event.request).then(
      (count) => Response.redirect(new URL(count > 0 ? '/?shared=1' : '/?shared=0', url).href, 303),
      () => Response.redirect(new URL('/?shared=failed', url).href, 303)
    )
  );
});
