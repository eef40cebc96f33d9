import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateNessus } from '../../../bench/generate-nessus';
import {
  createEngagement,
  deleteEngagement,
  loadEngagementData,
  purgeInterruptedImports,
  storeRawFile,
  writeStagingBatch,
  type PatchfieldDB
} from '../../../src/lib/db';
import { fixture, hasShared, sharedSamples } from '../shared';
import { fileSource, freshEngine, textSource } from './helpers';

async function engagement(db: PatchfieldDB) {
  return createEngagement(db, {
    clientName: 'Zahnarztpraxis Müller',
    site: 'Hamburg',
    contact: '',
    technician: 'Alex',
    visitDate: '2026-11-24',
    notes: ''
  });
}

async function rowCounts(db: PatchfieldDB) {
  return { hosts: await db.hosts.count(), rules: await db.rules.count(), raw: await db.rawFiles.count() };
}

describe('importing files into the local database', () => {
  it('stores the raw file, one host record per host, rule texts in batches, and marks the import done', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const [outcome] = await api.importFiles(e.id, [fileSource(fixture('e2e', 'office.nessus'))], 'job1');
    expect(outcome).toMatchObject({
      status: 'done',
      format: 'nessus-v2',
      counts: { assets: 2, findings: 5 }
    });
    const file = await db.files.get(outcome!.fileId!);
    expect(file).toMatchObject({
      status: 'done',
      name: 'office.nessus',
      size: readFileSync(fixture('e2e', 'office.nessus')).length
    });
    expect(file!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const raw = await db.rawFiles.get(outcome!.fileId!);
    expect(await raw!.blob.text()).toBe(readFileSync(fixture('e2e', 'office.nessus'), 'utf8'));
    expect(await rowCounts(db)).toEqual({ hosts: 2, rules: 1, raw: 1 });
  });

  it('recognises a re-import of the same bytes and stores nothing twice', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    await api.importFiles(e.id, [fileSource(fixture('e2e', 'office.nessus'))], 'j1');
    const [again] = await api.importFiles(
      e.id,
      [fileSource(fixture('e2e', 'office.nessus'), 'renamed.nessus')],
      'j2'
    );
    expect(again).toMatchObject({ status: 'duplicate', duplicateOf: { name: 'office.nessus' } });
    expect(again!.problems[0]!.message).toContain('same content');
    expect(await db.files.count()).toBe(1);
  });

  it('a failed import (XML broken mid-file) leaves no partial rows, keeps the raw file and says where it broke', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const good = readFileSync(fixture('e2e', 'office.nessus'), 'utf8');
    // Cut the file inside the second host: the first host was complete and may have been staged.
    const broken =
      good.slice(0, good.indexOf('<ReportItem port="445" svc_name="cifs" protocol="tcp" severity="3"')) +
      '<ReportItem <<';
    const [outcome] = await api.importFiles(e.id, [textSource('broken.nessus', broken)], 'j');
    expect(outcome!.status).toBe('failed');
    expect(outcome!.problems.some((p) => p.severity === 'error' && p.line !== undefined)).toBe(true);
    expect(await rowCounts(db)).toEqual({ hosts: 0, rules: 0, raw: 1 });
    expect((await db.files.get(outcome!.fileId!))!.status).toBe('failed');
  });

  it('an unknown file is kept as failed with the list of supported formats', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const [outcome] = await api.importFiles(e.id, [fileSource(fixture('e2e', 'not-an-export.txt'))], 'j');
    expect(outcome).toMatchObject({ status: 'failed', format: null });
    expect(outcome!.problems[0]!.message).toContain('Patchfield reads: Nessus scan (.nessus v2)');
    expect(outcome!.problems[0]!.message).toContain('not-an-export.txt');
  });

  it('staging rows of an interrupted import are invisible to readers and purged at the next start', async () => {
    const { db } = freshEngine();
    const e = await engagement(db);
    // A crash after one batch: raw file stored, staging rows written, no final transaction.
    await storeRawFile(
      db,
      {
        id: 'f-crash',
        engagementId: e.id,
        name: 'big.nessus',
        size: 10,
        sha256: 'a'.repeat(64),
        format: 'nessus-v2',
        importedAt: '2026-11-24T09:00:00Z'
      },
      new Blob(['<NessusClientData_v2>'])
    );
    await writeStagingBatch(
      db,
      { id: 'f-crash', engagementId: e.id },
      0,
      [{ key: 'h', ips: [], macs: [], installedUpdates: [], software: [], pendingUpdates: [], findings: [] }],
      [],
      0
    );
    expect((await loadEngagementData(db, e.id)).hosts).toEqual([]);
    expect(await purgeInterruptedImports(db)).toHaveLength(1);
    expect(await rowCounts(db)).toEqual({ hosts: 0, rules: 0, raw: 1 });
    const f = await db.files.get('f-crash');
    expect(f!.status).toBe('failed');
    expect(f!.problems[0]!.message).toContain('interrupted');
    expect(await purgeInterruptedImports(db)).toEqual([]);
  });

  it('cancelling mid-import removes the staging rows; the file can be read again afterwards', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const dir = mkdtempSync(join(tmpdir(), 'pf-'));
    const path = join(dir, 'many.nessus');
    generateNessus({ path, hosts: 400 });
    let saw = false;
    const run = api.importFiles(e.id, [fileSource(path)], 'cancel-me', (p) => {
      if (p.phase === 'saving' && !saw) {
        saw = true;
        api.cancel('cancel-me');
      }
    });
    const [outcome] = await run;
    expect(saw).toBe(true);
    expect(outcome!.status).toBe('cancelled');
    expect(await db.hosts.count()).toBe(0);
    expect(await db.rules.count()).toBe(0);
    const reread = await api.rereadFile(outcome!.fileId!, 'again');
    expect(reread).toMatchObject({ status: 'done', counts: { assets: 400, findings: 400 * 60 } });
    expect(await db.hosts.count()).toBe(400);
  });

  it('deleting an engagement removes its files, raw bytes, rows and results', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    await api.importFiles(e.id, [fileSource(fixture('e2e', 'office.nessus'))], 'j');
    await api.assess(e.id);
    expect(await db.results.count()).toBe(1);
    await deleteEngagement(db, e.id);
    expect(await rowCounts(db)).toEqual({ hosts: 0, rules: 0, raw: 0 });
    expect(await db.files.count()).toBe(0);
    expect(await db.results.count()).toBe(0);
    expect(await db.engagements.count()).toBe(0);
  });

  describe.skipIf(!hasShared)('shared samples', () => {
    it('imports every Nessus and systeminfo sample: good ones done, malformed ones failed with a message', async () => {
      const { db, api } = freshEngine();
      const e = await engagement(db);
      const paths = [...sharedSamples('nessus'), ...sharedSamples('windows-systeminfo')];
      const outcomes = await api.importFiles(
        e.id,
        paths.map((p) => fileSource(p)),
        'all'
      );
      for (const o of outcomes) {
        const bad = /^(MALFORMED_|LEGACY_|WRONGROOT_)/.test(o.name);
        expect([o.name, o.status]).toEqual([o.name, bad ? 'failed' : 'done']);
        if (bad) expect(o.problems.some((p) => p.severity === 'error' && p.message.length > 20)).toBe(true);
      }
      const results = await api.assess(e.id);
      expect(results.assets.length).toBeGreaterThan(10);
    });
  });
});

describe('assessing an engagement in the worker', () => {
  it('can be cancelled while it runs, and leaves no results behind', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const dir = mkdtempSync(join(tmpdir(), 'pf-'));
    const path = join(dir, 'many.nessus');
    generateNessus({ path, hosts: 600 });
    await api.importFiles(e.id, [fileSource(path)], 'j');
    const running = api.assess(e.id, undefined, 'assess-job');
    api.cancel('assess-job');
    await expect(running).rejects.toThrow(/cancelled/);
    expect(await db.results.count()).toBe(0);
    const done = await api.assess(e.id, undefined, 'assess-again');
    expect(done.assets).toHaveLength(600);
  });
});

describe('imports and a second window', () => {
  it('leaves an import alone at start-up while its window still holds the lock', async () => {
    const { db } = freshEngine();
    const e = await engagement(db);
    await storeRawFile(
      db,
      {
        id: 'f-running',
        engagementId: e.id,
        name: 'big.nessus',
        size: 10,
        sha256: 'b'.repeat(64),
        format: 'nessus-v2',
        importedAt: '2026-11-24T09:00:00Z'
      },
      new Blob(['<NessusClientData_v2>'])
    );
    expect(await purgeInterruptedImports(db, (id) => Promise.resolve(id === 'f-running'))).toEqual([]);
    expect((await db.files.get('f-running'))!.status).toBe('parsing');
  });

  it('stops an import whose record was ended elsewhere mid-way, and keeps none of its rows', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const path = join(mkdtempSync(join(tmpdir(), 'pf-')), 'many.nessus');
    generateNessus({ path, hosts: 400 });
    let purged = false;
    const [outcome] = await api.importFiles(e.id, [fileSource(path)], 'j', (p) => {
      if (p.phase === 'saving' && !purged) {
        purged = true;
        void purgeInterruptedImports(db);
      }
    });
    expect(purged).toBe(true);
    expect(outcome!.status).toBe('failed');
    expect(outcome!.problems.map((p) => p.code)).toContain('import-ended-elsewhere');
    expect(await db.hosts.count()).toBe(0);
    expect(await db.rules.count()).toBe(0);
    expect(await db.rawFiles.count()).toBe(1);
  });
});

describe('stored results', () => {
  it('are reused until an import changes the engagement, then computed again', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const catalog = fileSource(fixture('catalog', 'windows-builds-small.csv'));
    expect(await api.importCatalogFile(catalog)).toMatchObject({ ok: true, parts: [{ records: 13 }] });
    await api.importFiles(e.id, [fileSource(fixture('e2e', 'office.nessus'))], 'j1');
    const first = await api.assess(e.id);
    const computedAt = (await db.results.get(e.id))!.computedAt;
    await db.results.update(e.id, { computedAt: 'reused' });
    expect(await api.assess(e.id)).toEqual(first);
    expect((await db.results.get(e.id))!.computedAt).toBe('reused');
    await api.importFiles(e.id, [fileSource(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'))], 'j2');
    const second = await api.assess(e.id);
    expect((await db.results.get(e.id))!.computedAt).toBe(computedAt);
    expect(second.assets.find((a) => a.asset.hostname === 'PC-RECEPTION')!.windows!.status).toBe('behind');
    expect(first.assets.find((a) => a.asset.hostname === 'PC-RECEPTION')!.windows!.status).toBe('unknown');
    // A new catalog makes stored results stale too.
    await api.importCatalogFile(catalog);
    expect(await db.results.count()).toBe(0);
  });

  it('refuses a catalog file that is not the build table and keeps the one loaded', async () => {
    const { db, api } = freshEngine();
    await api.importCatalogFile(fileSource(fixture('catalog', 'windows-builds-small.csv')));
    const bad = await api.importCatalogFile(textSource('notes.csv', 'name,value\nfoo,1\n'));
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]!.message).toContain('not the Windows build table');
    expect((await db.catalogMeta.get('windows-builds'))!.records).toBe(13);
    const stored = (await db.catalog.get('windows-builds'))!.data;
    expect(stored.part === 'windows-builds' ? stored.rows : []).toHaveLength(13);
  });
});

describe('archives', () => {
  it('imports each export inside a zip as its own file, under the archive’s name', async () => {
    const { zipSync } = await import('fflate');
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const zip = zipSync({
      'visit/office.nessus': new Uint8Array(readFileSync(fixture('e2e', 'office.nessus'))),
      'visit/pcs/PC-RECEPTION-systeminfo.txt': new Uint8Array(
        readFileSync(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'))
      ),
      'visit/notes.txt': new Uint8Array(readFileSync(fixture('e2e', 'not-an-export.txt'))),
      '__MACOSX/visit/._office.nessus': new Uint8Array([0, 5, 22, 7])
    });
    const blob = new Blob([zip]);
    const outcomes = await api.importFiles(e.id, [{ name: 'visit.zip', size: blob.size, blob }], 'z');
    expect(outcomes.map((o) => [o.name, o.status])).toEqual([
      ['visit.zip/visit/office.nessus', 'done'],
      ['visit.zip/visit/pcs/PC-RECEPTION-systeminfo.txt', 'done'],
      ['visit.zip/visit/notes.txt', 'failed']
    ]);
    const results = await api.assess(e.id);
    expect(results.assets.map((a) => a.asset.hostname)).toEqual(['PC-RECEPTION', 'SRV-FILES']);
  });

  it('refuses a zip bomb before inflating it, with a message', async () => {
    const { zipSync } = await import('fflate');
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const zip = zipSync({ 'huge.txt': new Uint8Array(64 * 1024 * 1024) }, { level: 9 });
    expect(zip.length).toBeLessThan(1024 * 1024);
    const blob = new Blob([zip]);
    const [outcome] = await api.importFiles(e.id, [{ name: 'bomb.zip', size: blob.size, blob }], 'b');
    expect(outcome).toMatchObject({ status: 'failed', problems: [{ code: 'zip-bomb' }] });
    expect(await db.files.count()).toBe(0);
  });

  it('refuses a damaged zip with a message', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const blob = new Blob([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8])]);
    const [outcome] = await api.importFiles(e.id, [{ name: 'cut.zip', size: blob.size, blob }], 'c');
    expect(outcome!.status).toBe('failed');
    expect(outcome!.problems[0]!.message).toMatch(/damaged/);
  });
});

describe('CSV exports of RMM and inventory tools', () => {
  it('asks for a column mapping once, then reads the file and the next one with the same header by itself', async () => {
    const { db, api } = freshEngine();
    const e = await engagement(db);
    const [first] = await api.importFiles(
      e.id,
      [fileSource(fixture('generic-csv', 'rmm-patch-report.csv'))],
      'j1'
    );
    expect(first).toMatchObject({ status: 'failed', problems: [{ code: 'needs-mapping' }] });
    expect(first!.problems[0]!.message).toContain('Map columns');

    const preview = await api.previewCsvFile(first!.fileId!);
    expect(preview!.header).toContain('Device Name');
    expect(preview!.problems).toEqual([]);
    const applied = await api.applyCsvMapping(first!.fileId!, preview!.guess, 'NinjaOne patch report', 'j2');
    expect(applied).toMatchObject({
      status: 'done',
      format: 'generic-csv',
      counts: { assets: 2, installedUpdates: 1, pendingUpdates: 2 }
    });
    expect((await db.csvPresets.toArray()).map((p) => p.name)).toEqual(['NinjaOne patch report']);

    const [second] = await api.importFiles(
      e.id,
      [fileSource(fixture('generic-csv', 'rmm-patch-report-2.csv'))],
      'j3'
    );
    expect(second).toMatchObject({
      status: 'done',
      format: 'generic-csv',
      counts: { assets: 1, installedUpdates: 1 }
    });
  });
});
