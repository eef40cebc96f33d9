import Dexie from 'dexie';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateNessus } from '../../../bench/generate-nessus';
import {
  createEngagement,
  isQuotaExceeded,
  listFiles,
  loadEngagementData,
  type PatchfieldDB
} from '../../../src/lib/db';
import { fixture } from '../shared';
import { fileSource, freshEngine } from './helpers';

const HOSTS = 100;
let scanPath = '';

beforeAll(() => {
  scanPath = join(mkdtempSync(join(tmpdir(), 'pf-quota-')), 'big-scan.nessus');
  generateNessus({ path: scanPath, hosts: HOSTS, templates: undefined });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** The scan as a browser reads a picked file: in chunks of 64 KiB (Node reads a Blob of one part in one go). */
function chunkedScan() {
  const bytes = readFileSync(scanPath);
  const parts: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < bytes.length; i += 65536) parts.push(new Uint8Array(bytes.subarray(i, i + 65536)));
  const blob = new Blob(parts);
  return { name: 'big-scan.nessus', size: blob.size, lastModified: 0, blob };
}

type Shape = 'a QuotaExceededError DOMException' | 'a Dexie.QuotaExceededError' | 'an AbortError wrapping it';

function quotaError(shape: Shape): Error {
  const dom = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  if (shape === 'a QuotaExceededError DOMException') return dom;
  if (shape === 'a Dexie.QuotaExceededError') return new Dexie.QuotaExceededError('Quota exceeded', dom);
  return new Dexie.AbortError('Transaction aborted', dom);
}

/**
 * Makes the device "full" for one table: once `limit.rows` rows were written to it, every further write throws the
 * quota error, as IndexedDB does when the origin's quota is used up. Installed before the database opens.
 */
function fillUp(db: PatchfieldDB, table: string, shape: Shape) {
  const limit = { rows: Infinity, written: 0 };
  db.use({
    stack: 'dbcore',
    name: 'quota-full',
    create: (down) => ({
      ...down,
      table: (name) => {
        const t = down.table(name);
        if (name !== table) return t;
        return {
          ...t,
          mutate: async (req) => {
            if (req.type === 'add' || req.type === 'put') {
              if (limit.written + req.values.length > limit.rows) throw quotaError(shape);
              limit.written += req.values.length;
            }
            return t.mutate(req);
          }
        };
      }
    })
  });
  return limit;
}

/** The browser's storage figures: usage grows by `perHost` bytes with every stored host row. */
function stubEstimate(db: PatchfieldDB, perHost: number, quota = 10e9) {
  vi.stubGlobal('navigator', {
    storage: {
      estimate: async () => ({ usage: 1_000_000 + (await db.hosts.count()) * perHost, quota })
    }
  });
}

async function engagement(db: PatchfieldDB, client: string) {
  return createEngagement(db, {
    clientName: client,
    site: '',
    contact: '',
    technician: 'Alex',
    visitDate: '2026-11-24',
    notes: ''
  });
}

async function everything(db: PatchfieldDB, engagementId: string) {
  return { files: await listFiles(db, engagementId), data: await loadEngagementData(db, engagementId) };
}

describe('an import that fills the device', () => {
  it.each<Shape>([
    'a QuotaExceededError DOMException',
    'a Dexie.QuotaExceededError',
    'an AbortError wrapping it'
  ])(
    '%s after 40 host rows rolls the import back: no rows kept, the raw file kept, the file failed with the space it needs, other engagements untouched',
    async (shape) => {
      const { db, api } = freshEngine();
      const limit = fillUp(db, 'hosts', shape);
      const other = await engagement(db, 'Kanzlei Weber');
      await api.importFiles(other.id, [fileSource(fixture('e2e', 'office.nessus'))], 'other');
      const otherBefore = await everything(db, other.id);
      expect(otherBefore.data.hosts).toHaveLength(2);

      const e = await engagement(db, 'Praxis Müller');
      stubEstimate(db, 50_000);
      limit.written = 0;
      limit.rows = 40; // two batches of 16 or so fit, the third does not
      const [outcome] = await api.importFiles(e.id, [chunkedScan()], 'full');

      expect(outcome!.status).toBe('failed');
      const problem = outcome!.problems.find((p) => p.code === 'storage-full');
      // Rows are written in batches of 16 or so: those that fitted before the device was full are counted; the rest
      // of the computers (their number estimated from the part of the file read) need 50,000 bytes each.
      const fitted = limit.written;
      expect(fitted).toBeGreaterThan(0);
      expect(fitted).toBeLessThanOrEqual(40);
      const figures = /^(\d+) of about (\d+) computers fitted; about 50000 bytes each \(measured\)/.exec(
        problem!.detail!
      );
      expect(figures?.[1]).toBe(String(fitted));
      const total = Number(figures![2]);
      expect(Math.abs(total - HOSTS)).toBeLessThanOrEqual(3);
      const mb = Math.ceil(((total - fitted) * 50_000) / (1024 * 1024));
      expect(problem?.message).toBe(
        `This device is out of storage space: importing big-scan.nessus needs about ${mb} MB more. Nothing half-written was kept; the file itself is stored. Free space or delete an old engagement, then use “Read again”.`
      );

      const file = await db.files.get(outcome!.fileId!);
      expect(file).toMatchObject({ status: 'failed', engagementId: e.id });
      expect(file!.problems.map((p) => p.code)).toContain('storage-full');
      expect(await db.hosts.where('fileId').equals(file!.id).count()).toBe(0);
      expect(await db.rules.where('fileId').equals(file!.id).count()).toBe(0);
      expect((await db.rawFiles.get(file!.id))?.blob.size).toBe(readFileSync(scanPath).length);
      expect((await loadEngagementData(db, e.id)).hosts).toEqual([]);
      expect(await everything(db, other.id)).toEqual(otherBefore);

      // Once there is room again, the stored file is read again whole.
      limit.rows = Infinity;
      const again = await api.rereadFile(file!.id, 'again');
      expect(again).toMatchObject({ status: 'done', counts: { assets: HOSTS } });
      expect((await loadEngagementData(db, e.id)).hosts).toHaveLength(HOSTS);
    }
  );

  it('without the browser’s usage figures, the space needed is estimated from the rows read so far', async () => {
    const { db, api } = freshEngine();
    const limit = fillUp(db, 'hosts', 'a QuotaExceededError DOMException');
    const e = await engagement(db, 'Praxis Müller');
    limit.rows = 40;
    const [outcome] = await api.importFiles(e.id, [chunkedScan()], 'full');
    const problem = outcome!.problems.find((p) => p.code === 'storage-full')!;
    expect(problem.message).toMatch(/importing big-scan\.nessus needs about \d+ MB more/);
    expect(problem.detail).toMatch(
      new RegExp(
        `^${limit.written} of about (9[7-9]|10[0-3]) computers fitted; about \\d+ bytes each \\(estimated\\)`
      )
    );
    expect(await db.hosts.count()).toBe(0);
    expect(await db.rawFiles.count()).toBe(1);
  });

  it('a raw file that does not fit keeps nothing at all and says how much space the import needs', async () => {
    const { db, api } = freshEngine();
    const limit = fillUp(db, 'rawFiles', 'an AbortError wrapping it');
    limit.rows = 0;
    const e = await engagement(db, 'Praxis Müller');
    const size = readFileSync(scanPath).length;
    // 1 MB free: the file and its rows need about twice its size.
    vi.stubGlobal('navigator', {
      storage: { estimate: () => Promise.resolve({ usage: 9e9 - 1024 * 1024, quota: 9e9 }) }
    });
    const [outcome] = await api.importFiles(e.id, [chunkedScan()], 'raw');
    expect(outcome).toMatchObject({ status: 'failed', name: 'big-scan.nessus' });
    expect(outcome!.fileId).toBeUndefined();
    const mb = Math.ceil((2 * size - 1024 * 1024) / (1024 * 1024));
    expect(outcome!.problems[0]!.message).toBe(
      `This device is out of storage space: importing big-scan.nessus needs about ${mb} MB more. Nothing of it was kept. Free space or delete an old engagement, then import it again.`
    );
    expect(await db.files.count()).toBe(0);
    expect(await db.rawFiles.count()).toBe(0);
    expect(await db.hosts.count()).toBe(0);
  });
});

describe('recognising a full device', () => {
  it('knows the quota error as IndexedDB raises it, as Dexie passes it on and inside an aborted transaction', () => {
    const dom = new DOMException('full', 'QuotaExceededError');
    expect(isQuotaExceeded(dom)).toBe(true);
    expect(isQuotaExceeded(new Dexie.QuotaExceededError('full'))).toBe(true);
    expect(isQuotaExceeded(new Dexie.AbortError('Transaction aborted', dom))).toBe(true);
    expect(isQuotaExceeded(new Error('write failed', { cause: dom }))).toBe(true);
    expect(isQuotaExceeded(new Dexie.BulkError('1 of 16 failed', { 3: dom }))).toBe(true);
  });

  it('does not take other failures for a full device', () => {
    expect(isQuotaExceeded(new Dexie.AbortError('Transaction aborted'))).toBe(false);
    expect(isQuotaExceeded(new DOMException('gone', 'NotFoundError'))).toBe(false);
    expect(isQuotaExceeded(new Error('XML broken at line 3'))).toBe(false);
    expect(isQuotaExceeded(undefined)).toBe(false);
  });
});
