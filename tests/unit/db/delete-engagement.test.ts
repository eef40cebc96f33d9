import { describe, expect, it } from 'vitest';
import {
  addPhoto,
  createEngagement,
  deleteEngagement,
  recordMerge,
  saveCsvPreset,
  saveSettings,
  setAssetContext,
  DEFAULT_SETTINGS,
  type PatchfieldDB
} from '../../../src/lib/db';
import type { EngineApi } from '../../../src/lib/workers/engine.api';
import { fixture } from '../shared';
import { fileSource, freshEngine } from './helpers';

/** One engagement with something in every table that can belong to an engagement. */
async function fullEngagement(db: PatchfieldDB, api: EngineApi, client: string) {
  const e = await createEngagement(db, {
    clientName: client,
    site: 'Hamburg',
    contact: '',
    technician: 'Alex',
    visitDate: '2026-11-24',
    notes: 'Server room locked.'
  });
  const outcomes = await api.importFiles(
    e.id,
    [
      fileSource(fixture('e2e', 'office.nessus')),
      fileSource(fixture('e2e', 'PC-RECEPTION-systeminfo.txt')),
      // Kept as a failed import: its raw bytes stay until the engagement goes.
      fileSource(fixture('e2e', 'not-an-export.txt'))
    ],
    `import-${client}`
  );
  const results = await api.assess(e.id);
  const [first, second] = results.assets.map((a) => a.asset.id);
  await setAssetContext(db, e.id, first!, { internetFacing: true, note: 'Under the desk' });
  await recordMerge(
    db,
    e.id,
    results.assets[0]!.asset.sources[0]!.anchor,
    results.assets[1]!.asset.sources[0]!.anchor
  );
  await addPhoto(db, {
    id: `photo-${client}`,
    engagementId: e.id,
    assetId: second!,
    caption: 'Rack label',
    blob: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], { type: 'image/jpeg' }),
    width: 1600,
    height: 1200,
    takenAt: '2026-11-24T10:00:00Z'
  });
  await addPhoto(db, {
    id: `photo-visit-${client}`,
    engagementId: e.id,
    caption: 'Front door',
    blob: new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 4, 5, 6])], { type: 'image/jpeg' }),
    width: 1200,
    height: 1600,
    takenAt: '2026-11-24T10:05:00Z'
  });
  await api.assess(e.id); // results again, after the merge dropped them
  return { engagement: e, fileIds: outcomes.map((o) => o.fileId!).filter(Boolean) };
}

/** Every string inside a record (keys and values, nested), Blobs and byte arrays aside. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Blob || ArrayBuffer.isView(value)) return out;
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

type Snapshot = Record<string, { key: unknown; value: unknown }[]>;

/** Every record of every table of the schema, with its primary key. */
async function snapshot(db: PatchfieldDB): Promise<Snapshot> {
  const all: Snapshot = {};
  for (const table of db.tables) {
    const keys = await table.toCollection().primaryKeys();
    const values = await table.toArray();
    all[table.name] = values.map((value, i) => ({ key: keys[i], value }));
  }
  return all;
}

function mentions(row: { key: unknown; value: unknown }, ids: string[]): boolean {
  const found = [...strings(row.key), ...strings(row.value)];
  return found.some((s) => ids.some((id) => s.includes(id)));
}

describe('deleting an engagement', () => {
  it('leaves no record of it in any table of the schema, and the other engagement and shared data untouched', async () => {
    const { db, api } = freshEngine();
    await saveSettings(db, { ...DEFAULT_SETTINGS, mspName: 'Nordlicht IT' });
    await saveCsvPreset(db, 'RMM export', 'hostname,os', { hostname: 'hostname', osName: 'os' });
    const gone = await fullEngagement(db, api, 'Praxis Müller');
    const kept = await fullEngagement(db, api, 'Kanzlei Weber');
    const goneIds = [gone.engagement.id, ...gone.fileIds];

    const before = await snapshot(db);
    // The population above must reach every table that holds engagement data: a new table an engagement can
    // own has to be filled here too, so this test proves its rows go with the engagement.
    for (const table of db.tables) {
      const scoped =
        table.schema.primKey.keyPath === 'engagementId' ||
        Boolean(table.schema.idxByName['engagementId']) ||
        table.name === 'rawFiles' ||
        table.name === 'engagements';
      if (scoped) {
        expect(
          before[table.name]!.some((row) => mentions(row, goneIds)),
          `table ${table.name} has a record of the engagement before it is deleted`
        ).toBe(true);
      }
    }

    await deleteEngagement(db, gone.engagement.id);

    const after = await snapshot(db);
    for (const table of db.tables) {
      const left = after[table.name]!.filter((row) => mentions(row, goneIds));
      expect(left, `records of the deleted engagement left in ${table.name}`).toEqual([]);
      // Everything else is exactly as it was: the other engagement, the catalog, settings and CSV layouts.
      const othersBefore = before[table.name]!.filter((row) => !mentions(row, goneIds));
      expect(after[table.name]!.map((r) => r.key)).toEqual(othersBefore.map((r) => r.key));
      expect(after[table.name]!.map((r) => strings(r.value))).toEqual(
        othersBefore.map((r) => strings(r.value))
      );
    }
    // The kept engagement still reads whole: its raw files, photos (with their bytes) and results.
    for (const id of kept.fileIds) expect((await db.rawFiles.get(id))?.blob.size).toBeGreaterThan(0);
    expect(await db.photos.where('engagementId').equals(kept.engagement.id).count()).toBe(2);
    expect((await db.photos.get('photo-Kanzlei Weber'))?.blob.size).toBe(7);
    const results = await api.assess(kept.engagement.id);
    expect(results.assets.length).toBeGreaterThan(0);
  });

  it('deleted through the engine, its findings and keys held in memory go too, and the other engagement reads on', async () => {
    const { db, api } = freshEngine();
    const gone = await fullEngagement(db, api, 'Praxis Müller');
    const kept = await fullEngagement(db, api, 'Kanzlei Weber');
    const page = { offset: 0, limit: 5 };
    expect((await api.queryFindings(gone.engagement.id, page)).total).toBeGreaterThan(0);
    const keptFindings = await api.queryFindings(kept.engagement.id, page);
    await api.queryFindings(gone.engagement.id, page);

    await api.deleteEngagement(gone.engagement.id);

    expect(await db.engagements.get(gone.engagement.id)).toBeUndefined();
    expect(await db.files.where('engagementId').equals(gone.engagement.id).count()).toBe(0);
    for (const id of gone.fileIds) expect(await db.rawFiles.get(id)).toBeUndefined();
    expect(await db.photos.where('engagementId').equals(gone.engagement.id).count()).toBe(0);
    // Nothing of it is served from the engine's memory afterwards.
    expect(await api.queryFindings(gone.engagement.id, page)).toEqual({ total: 0, rows: [] });
    expect(await api.queryFindings(kept.engagement.id, page)).toEqual(keptFindings);
  });

  it('forgets nothing of it that is not in the database: reports are built in memory and never stored', () => {
    // The PDF lives only as a blob: URL in the open page (src/lib/state/report-job.svelte.ts), revoked when a new
    // one is built; nothing of a report is written to IndexedDB or to Cache Storage, so deleting the records
    // above deletes everything of the engagement on the device. The schema has no table for reports: if one is
    // added, the test above walks it too.
    const { db } = freshEngine();
    expect(db.tables.map((t) => t.name).filter((n) => /report|pdf/i.test(n))).toEqual([]);
  });
});
