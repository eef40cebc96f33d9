// IndexedDB for Dexie in Node: installed before any test module imports Dexie.
import 'fake-indexeddb/auto';
