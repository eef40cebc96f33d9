import type { DBCore, DBCoreCursor, DBCoreQuery, DBCoreTable, DBCoreTransaction, Middleware } from 'dexie';
import type { EngagementEncryption } from '../../core';
import { blindIndex, EngagementLockedError, type EngagementKeys } from './keys';
import type { Keyring } from './keyring';
import { isSealed, keyTag, seal, unseal, type SealedRecord } from './sealed';

/**
 * Encryption at rest, per engagement, as a Dexie DBCore middleware: every db function and the engine keep
 * reading and writing plain records, and IndexedDB only ever sees sealed ones for an encrypted engagement.
 *
 * - Writes (add/put) to an engagement-scoped table look up, in the same transaction, whether the row's
 *   engagement is encrypted; if it is, the row is sealed with the engagement's keys from the keyring, and with
 *   no keys the write is refused (EngagementLockedError) so no clear row is ever written into it. For an
 *   engagement without encryption the values go down untouched.
 * - Reads open sealed rows (a row says whether it is sealed, so clear and sealed rows can be read side by
 *   side); a sealed row of a locked engagement is refused, except the engagement record itself, which reads as
 *   "Locked engagement" so lists still work.
 * - Index fields that would reveal something (a raw file's SHA-256, a photo's asset id) are stored as HMAC blind
 *   indexes, and equality look-ups on them are translated.
 *
 * WebCrypto is asynchronous and IndexedDB commits a transaction as soon as it has nothing to do, so while
 * crypto runs the transaction is kept busy with cheap reads, and the result is handed back from inside an
 * IndexedDB callback, where the transaction is still active for the caller's next request.
 */

interface TablePlan {
  /** The field naming the row's engagement. */
  engagement: 'id' | 'engagementId';
  /** Fields stored readable: the primary key and the indexes and look-ups that must work while locked. */
  clear: readonly string[];
  /** Indexed fields stored as keyed hashes. */
  blind: readonly string[];
}

const byEngagement = (clear: string[], blind: string[] = []): TablePlan => ({
  engagement: 'engagementId',
  clear: ['engagementId', ...clear],
  blind
});

/** The tables holding a client's data; a new engagement-scoped table must be listed here to be encrypted. */
export const ENCRYPTED_TABLES: Readonly<Record<string, TablePlan>> = {
  engagements: { engagement: 'id', clear: ['id', 'createdAt', 'updatedAt', 'encryption'], blind: [] },
  files: byEngagement(['id', 'status'], ['sha256']),
  rawFiles: byEngagement(['id']),
  hosts: byEngagement(['id', 'fileId']),
  rules: byEngagement(['id', 'fileId']),
  results: byEngagement([]),
  engagementSettings: byEngagement([]),
  decisions: byEngagement([]),
  photos: byEngagement(['id'], ['assetId'])
};

export const LOCKED_CLIENT_NAME = 'Locked engagement';

const PASSPHRASE_CHANGED =
  'This engagement’s passphrase was changed since it was unlocked here: lock it and enter the passphrase again.';

/** A key no record has: the reads that keep a transaction alive find nothing. */
const SPIN_KEY = -Infinity;

/**
 * Resolves with `work`'s outcome from inside an IndexedDB success callback of `trans`, issuing reads on
 * `storeName` until then, so the transaction neither commits meanwhile nor is inactive when the caller goes on.
 */
export function keepAlive<T>(trans: DBCoreTransaction, storeName: string, work: Promise<T>): Promise<T> {
  const idb = trans as unknown as IDBTransaction;
  return new Promise<T>((resolve, reject) => {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    work.then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error })
    );
    const spin = (): void => {
      if (outcome) {
        if (outcome.ok) resolve(outcome.value);
        else reject(outcome.error);
        return;
      }
      let request: IDBRequest;
      try {
        request = idb.objectStore(storeName).get(SPIN_KEY);
      } catch (e) {
        reject(e);
        return;
      }
      request.onsuccess = spin;
      request.onerror = () => reject(request.error);
    };
    spin();
  });
}

/** What a list shows for an engagement whose passphrase has not been entered: no client data. */
function lockedEngagement(record: SealedRecord): object {
  const createdAt = typeof record.createdAt === 'string' ? record.createdAt : '';
  return {
    id: record.id,
    clientName: LOCKED_CLIENT_NAME,
    site: '',
    contact: '',
    technician: '',
    visitDate: /^\d{4}-\d{2}-\d{2}/.test(createdAt) ? createdAt.slice(0, 10) : '1970-01-01',
    notes: '',
    createdAt,
    updatedAt: record.updatedAt,
    encryption: record.encryption
  };
}

type Row = Record<string, unknown>;

function encryptedTable(down: DBCore, table: DBCoreTable, plan: TablePlan, keyring: Keyring): DBCoreTable {
  const name = table.name;
  const primaryKey = table.schema.primaryKey;
  const aadOf = (row: Row): string => `${name}/${JSON.stringify(primaryKey.extractKey!(row))}`;

  async function engagementOf(trans: DBCoreTransaction, row: Row): Promise<string | undefined> {
    const id = row[plan.engagement];
    if (typeof id === 'string') return id;
    // A raw file stored without its engagement (older rows): its file record says.
    if (name === 'rawFiles') {
      const file = (await down.table('files').get({ trans, key: row.id })) as Row | undefined;
      return typeof file?.engagementId === 'string' ? file.engagementId : undefined;
    }
    return undefined;
  }

  function keysFor(engagementId: string, encryption: EngagementEncryption): EngagementKeys {
    const keys = keyring.get(engagementId);
    if (!keys) throw new EngagementLockedError();
    if (keys.salt !== encryption.salt) throw new EngagementLockedError(PASSPHRASE_CHANGED);
    return keys;
  }

  async function sealRow(keys: EngagementKeys, row: Row, engagementId: string): Promise<SealedRecord> {
    const clear: Row = {};
    for (const f of plan.clear) if (row[f] !== undefined) clear[f] = row[f];
    if (plan.engagement === 'engagementId') clear.engagementId = engagementId;
    for (const f of plan.blind) {
      const v = row[f];
      if (typeof v === 'string' && v !== '') clear[f] = await blindIndex(keys, f, v);
      else if (v !== undefined) clear[f] = v;
    }
    return seal(keys, row, aadOf(row), clear);
  }

  async function openRow(value: unknown): Promise<unknown> {
    if (!isSealed(value)) return value;
    const keys = keyring.get(value[plan.engagement] as string);
    const stale =
      name === 'engagements' &&
      keys !== undefined &&
      (value.encryption as EngagementEncryption | undefined)?.salt !== keys.salt;
    if (!keys || stale) {
      if (name === 'engagements') return lockedEngagement(value);
      throw new EngagementLockedError();
    }
    // Sealed with another passphrase's keys (changed in another tab since this one was unlocked).
    if (value.enc.k !== keyTag(keys)) throw new EngagementLockedError(PASSPHRASE_CHANGED);
    return unseal(keys, value, aadOf(value));
  }

  function openRows(trans: DBCoreTransaction, values: unknown[]): Promise<unknown[]> {
    if (!values.some(isSealed)) return Promise.resolve(values);
    return keepAlive(trans, name, Promise.all(values.map(openRow)));
  }

  /** An equality look-up on a compound index with a blind field, as it reads for a sealed engagement. */
  async function blindQuery(trans: DBCoreTransaction, query: DBCoreQuery): Promise<DBCoreQuery | undefined> {
    const keyPath = query.index.keyPath;
    if (plan.blind.length === 0 || !Array.isArray(keyPath)) return undefined;
    const { range } = query;
    if (range.type !== 1 || !Array.isArray(range.lower)) return undefined;
    const e = keyPath.indexOf('engagementId');
    const b = keyPath.findIndex((k) => plan.blind.includes(k));
    const lower = range.lower as unknown[];
    const keys = e >= 0 ? keyring.get(lower[e] as string) : undefined;
    const value = lower[b];
    if (!keys || b < 0 || typeof value !== 'string' || value === '') return undefined;
    const hashed = await keepAlive(trans, name, blindIndex(keys, keyPath[b]!, value));
    const key = lower.map((v, i) => (i === b ? hashed : v));
    return { ...query, range: { type: range.type, lower: key, upper: key } };
  }

  return {
    ...table,

    async mutate(req) {
      if (req.type !== 'add' && req.type !== 'put') return table.mutate(req);
      const { trans } = req;
      const lookups = new Map<string, Promise<EngagementEncryption | undefined>>();
      const encryptionOf = (id: string) => {
        let p = lookups.get(id);
        if (!p) {
          p = down
            .table('engagements')
            .get({ trans, key: id })
            .then((row: Row | undefined) => row?.encryption as EngagementEncryption | undefined);
          lookups.set(id, p);
        }
        return p;
      };
      const targets = await Promise.all(
        req.values.map(async (value: Row) => {
          if (name === 'engagements') {
            const encryption = value.encryption as EngagementEncryption | undefined;
            return encryption ? { id: value.id as string, encryption } : undefined;
          }
          const id = await engagementOf(trans, value);
          const encryption = id === undefined ? undefined : await encryptionOf(id);
          return id !== undefined && encryption ? { id, encryption } : undefined;
        })
      );
      if (targets.every((t) => t === undefined)) return table.mutate(req);
      const keys = targets.map((t) => t && keysFor(t.id, t.encryption));
      const values = await keepAlive(
        trans,
        name,
        Promise.all(
          req.values.map((value: Row, i) => {
            const k = keys[i];
            return k ? sealRow(k, value, targets[i]!.id) : value;
          })
        )
      );
      return table.mutate({ ...req, values });
    },

    async get(req) {
      const value: unknown = await table.get(req);
      return isSealed(value) ? (await openRows(req.trans, [value]))[0] : value;
    },

    async getMany(req) {
      return openRows(req.trans, await table.getMany(req));
    },

    async query(req) {
      const blind = await blindQuery(req.trans, req.query);
      const res = await table.query(req);
      // Clear and blind forms are both looked up, so a look-up is right whichever form the rows are in.
      const result = blind
        ? [...res.result, ...(await table.query({ ...req, query: blind })).result]
        : res.result;
      return { ...res, result: req.values ? await openRows(req.trans, result) : result };
    },

    async count(req) {
      const blind = await blindQuery(req.trans, req.query);
      const n = await table.count(req);
      return blind ? n + (await table.count({ ...req, query: blind })) : n;
    },

    async openCursor(req) {
      const blind = await blindQuery(req.trans, req.query);
      const cursor = await table.openCursor(blind ? { ...req, query: blind } : req);
      if (!cursor || req.values === false) return cursor;
      return openingCursor(cursor, req.trans, name, openRow);
    }
  };
}

/** A cursor whose values are opened (asynchronously) before the caller sees each one. */
function openingCursor(
  cursor: DBCoreCursor,
  trans: DBCoreTransaction,
  storeName: string,
  open: (value: unknown) => Promise<unknown>
): DBCoreCursor {
  let value: unknown;
  const wrapped: DBCoreCursor = {
    get trans() {
      return cursor.trans;
    },
    get key(): unknown {
      return cursor.key;
    },
    get primaryKey(): unknown {
      return cursor.primaryKey;
    },
    get value() {
      return value;
    },
    get done() {
      return cursor.done;
    },
    continue: (key?: unknown) => cursor.continue(key),
    continuePrimaryKey: (key: unknown, primaryKey: unknown) => cursor.continuePrimaryKey(key, primaryKey),
    advance: (count: number) => cursor.advance(count),
    stop: (result?: unknown) => cursor.stop(result),
    fail: (error: Error) => cursor.fail(error),
    next() {
      let gotOne = 1;
      return this.start(() => (gotOne-- ? this.continue() : this.stop())).then(() => this);
    },
    start(onNext: () => void) {
      return cursor.start(() => {
        const raw: unknown = cursor.value;
        if (!isSealed(raw)) {
          value = raw;
          onNext();
          return;
        }
        keepAlive(trans, storeName, open(raw)).then(
          (opened) => {
            value = opened;
            try {
              onNext();
            } catch (e) {
              cursor.fail(e as Error);
            }
          },
          (e: unknown) => cursor.fail(e as Error)
        );
      });
    }
  };
  return wrapped;
}

/**
 * The middleware for one connection. It sits right on IndexedDB (below Dexie's cache, hooks and change
 * tracking, which all see plain records) and widens read-write transactions on engagement data to the
 * engagements table (and raw files to their file records), where it looks up whether a row must be sealed.
 */
export function encryptionMiddleware(keyring: Keyring): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'PatchfieldEncryption',
    level: -10,
    create(down) {
      const tables = new Map<string, DBCoreTable>();
      const known = new Set(down.schema.tables.map((t) => t.name));
      return {
        transaction(stores, mode, options) {
          if (mode === 'readwrite' && known.has('engagements')) {
            const scope = new Set(stores);
            if (stores.some((s) => s in ENCRYPTED_TABLES)) scope.add('engagements');
            if (scope.has('rawFiles')) scope.add('files');
            if (scope.size !== stores.length) stores = [...scope];
          }
          return down.transaction(stores, mode, options);
        },
        table(name) {
          const plan = ENCRYPTED_TABLES[name];
          if (!plan) return down.table(name);
          let t = tables.get(name);
          if (!t) {
            t = encryptedTable(down, down.table(name), plan, keyring);
            tables.set(name, t);
          }
          return t;
        }
      };
    }
  };
}
