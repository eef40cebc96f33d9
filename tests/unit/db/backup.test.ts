import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import {
  APP_VERSION,
  BackupError,
  backupPaths,
  decodeBackup,
  encodeBackup,
  encodeCatalogBundle,
  type EngagementResults
} from '../../../src/lib/core';
import {
  addPhoto,
  BACKUP_UPGRADES,
  CURRENT_SCHEMA_VERSION,
  createEngagement,
  deleteEngagement,
  exportAllEngagements,
  exportEngagement,
  importEngagementBackup,
  recordSplit,
  SCHEMA_VERSIONS,
  setAssetContext,
  setGapException,
  type PatchfieldDB
} from '../../../src/lib/db';
import { fixture, REPO_DIR } from '../shared';
import { fileSource, freshEngine } from './helpers';

const EXPORTED = new Date('2026-11-24T17:30:00Z');
const JPEG = new Uint8Array(readFileSync(fixture('report', 'logo.jpg')));

/** A visit as a technician leaves it: two files read, a risk accepted, a machine's note, a split, two photos. */
async function visit(clientName = 'Zahnarztpraxis Müller') {
  const { db, api } = freshEngine();
  const e = await createEngagement(
    db,
    {
      clientName,
      site: 'Hauptstraße 5, Hamburg',
      contact: 'Dr. Müller',
      technician: 'Alex',
      visitDate: '2026-11-24',
      notes: 'Server room key is at reception.'
    },
    new Date('2026-11-24T08:00:00Z')
  );
  const outcomes = await api.importFiles(
    e.id,
    [fileSource(fixture('e2e', 'office.nessus')), fileSource(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'))],
    'job-import'
  );
  expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
  const results = await api.assess(e.id);
  const asset = results.assets[0]!.asset;
  const gap = results.gaps[0]!;
  expect(
    await setGapException(db, e.id, gap.id, {
      reason: 'Replaced in March',
      acceptedBy: 'Dr. Müller, owner',
      until: '2027-03-01'
    })
  ).toEqual([]);
  expect(
    await setAssetContext(db, e.id, asset.id, { note: 'Under the reception desk', internetFacing: true })
  ).toEqual([]);
  await recordSplit(db, e.id, results.assets.at(-1)!.asset.sources[0]!.anchor);
  await addPhoto(db, photo('ph-rack', e.id, 'The rack in the cellar', JPEG, '2026-11-24T10:00:00.000Z'));
  await addPhoto(db, {
    ...photo('ph-reception', e.id, 'Reception PC', JPEG.slice().reverse(), '2026-11-24T10:05:00.000Z'),
    assetId: asset.id
  });
  return { db, api, e };
}

function photo(id: string, engagementId: string, caption: string, jpeg: Uint8Array, takenAt: string) {
  const blob = new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
  return { id, engagementId, caption, blob, width: 120, height: 40, takenAt };
}

const sha = (bytes: Uint8Array | ArrayBuffer) =>
  createHash('sha256')
    .update(new Uint8Array(bytes as ArrayBuffer))
    .digest('hex');

/** Every engagement table of the database (cached results left out), blobs as type and SHA-256 of their bytes. */
async function tables(db: PatchfieldDB) {
  const blobs = async <T extends { blob: Blob }>(rows: T[]) =>
    Promise.all(
      rows.map(async ({ blob, ...rest }) => ({
        ...rest,
        type: blob.type,
        sha: sha(await blob.arrayBuffer())
      }))
    );
  return {
    engagements: await db.engagements.toArray(),
    files: await db.files.toArray(),
    rawFiles: await blobs(await db.rawFiles.toArray()),
    hosts: await db.hosts.toArray(),
    rules: await db.rules.toArray(),
    engagementSettings: await db.engagementSettings.toArray(),
    decisions: await db.decisions.toArray(),
    photos: await blobs(await db.photos.toArray())
  };
}

async function counts(db: PatchfieldDB) {
  const t = await tables(db);
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.length]));
}

/** What the technician sees: assets and gaps as the engine computes them. */
function seen(r: EngagementResults) {
  return {
    assets: r.assets.map((a) => [a.asset.id, a.asset.hostname, a.context]),
    gaps: r.gaps.map((g) => [g.id, g.assetId, g.product, g.priority, g.exception?.reason])
  };
}

/** The offset of an entry's data in the zip (after its local file header). */
function entryData(zip: Uint8Array, path: string): number {
  const name = strToU8(path);
  for (let i = 0; i + 30 < zip.length; i++) {
    if (zip[i] !== 0x50 || zip[i + 1] !== 0x4b || zip[i + 2] !== 3 || zip[i + 3] !== 4) continue;
    const nameLength = zip[i + 26]! | (zip[i + 27]! << 8);
    const extraLength = zip[i + 28]! | (zip[i + 29]! << 8);
    if (nameLength === name.length && name.every((b, k) => zip[i + 30 + k] === b)) {
      return i + 30 + nameLength + extraLength;
    }
  }
  throw new Error(`no entry ${path}`);
}

async function refusal(promise: Promise<unknown>): Promise<BackupError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(BackupError);
  return error as BackupError;
}

/** Rewrites a backup's entries and manifest, re-hashing them, as an older or newer Patchfield would have written it. */
function rewrite(
  bytes: Uint8Array,
  change: (engagementJson: Record<string, unknown>, entries: Map<string, Uint8Array>) => void,
  schemaVersion: number
): Uint8Array {
  const decoded = decodeBackup(bytes, 'x');
  const entries = new Map(decoded.entries);
  for (const summary of decoded.manifest.engagements) {
    const path = backupPaths.engagement(summary.id);
    const json = JSON.parse(strFromU8(entries.get(path)!)) as Record<string, unknown>;
    change(json, entries);
    entries.set(path, strToU8(JSON.stringify(json)));
  }
  const { exportedAt, appVersion, engagements } = decoded.manifest;
  return encodeBackup(
    { schemaVersion, exportedAt, appVersion, engagements },
    [...entries].map(([path, b]) => ({ path, bytes: b, compress: true }))
  );
}

describe('engagement backup', () => {
  it('restores an engagement on another device byte for byte: export, import into a fresh database, export again gives the same bytes', async () => {
    const { db, api, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const other = freshEngine();
    const result = await importEngagementBackup(other.db, bytes, {
      name: 'zahnarztpraxis-muller.patchfield'
    });
    expect(result).toEqual({
      status: 'restored',
      engagements: [{ id: e.id, clientName: 'Zahnarztpraxis Müller', visitDate: '2026-11-24', how: 'new' }],
      exportedAt: EXPORTED.toISOString(),
      fromSchemaVersion: CURRENT_SCHEMA_VERSION
    });
    const again = await exportEngagement(other.db, e.id, EXPORTED);
    expect(sha(again)).toBe(sha(bytes));
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);

    const here = await tables(db);
    const there = await tables(other.db);
    expect(there).toEqual(here);
    expect(here.rawFiles).toHaveLength(2);
    expect(here.rawFiles.map((r) => r.sha).sort()).toEqual(
      [
        sha(readFileSync(fixture('e2e', 'office.nessus'))),
        sha(readFileSync(fixture('e2e', 'PC-RECEPTION-systeminfo.txt')))
      ].sort()
    );
    expect(here.photos.map((p) => [p.id, p.type, p.sha])).toEqual([
      ['ph-rack', 'image/jpeg', sha(JPEG)],
      ['ph-reception', 'image/jpeg', sha(JPEG.slice().reverse())]
    ]);
    expect(there.engagementSettings[0]!.settings.exceptions).toBeDefined();
    expect(there.decisions[0]!.splits).toHaveLength(1);
    expect(seen(await other.api.assess(e.id))).toEqual(seen(await api.assess(e.id)));
  });

  it('writes the same bytes for the same engagement and export time, and the manifest lists every entry with its SHA-256', async () => {
    const { db, e } = await visit();
    const a = await exportEngagement(db, e.id, EXPORTED);
    const b = await exportEngagement(db, e.id, EXPORTED);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const files = unzipSync(a);
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as {
      format: string;
      formatVersion: number;
      schemaVersion: number;
      exportedAt: string;
      appVersion: string;
      engagements: unknown[];
      entries: { path: string; sha256: string; bytes: number }[];
    };
    expect(manifest).toMatchObject({
      format: 'patchfield-engagement',
      formatVersion: 1,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      exportedAt: EXPORTED.toISOString(),
      appVersion: APP_VERSION,
      engagements: [{ id: e.id, clientName: 'Zahnarztpraxis Müller', files: 2, photos: 2 }]
    });
    expect(Object.keys(files).sort()).toEqual(
      ['manifest.json', ...manifest.entries.map((x) => x.path)].sort()
    );
    for (const entry of manifest.entries) {
      expect(sha(files[entry.path]!), entry.path).toBe(entry.sha256);
      expect(files[entry.path]!.length).toBe(entry.bytes);
    }
    expect(manifest.entries.map((x) => x.path)).toEqual([...manifest.entries.map((x) => x.path)].sort());
  });

  it('records when the engagement was exported without changing when it was last edited', async () => {
    const { db, e } = await visit();
    expect((await db.engagements.get(e.id))!.lastExportedAt).toBeUndefined();
    const before = (await db.engagements.get(e.id))!.updatedAt;
    await exportEngagement(db, e.id, EXPORTED);
    const after = (await db.engagements.get(e.id))!;
    expect(after.lastExportedAt).toBe(EXPORTED.toISOString());
    expect(after.updatedAt).toBe(before);
  });

  it('refuses a file with one changed byte, naming the entry, and writes nothing', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const file = (await db.files.toArray()).find((f) => f.name === 'office.nessus')!;
    for (const path of [backupPaths.raw(e.id, file.id, file.name), backupPaths.photo(e.id, 'ph-rack')]) {
      const tampered = bytes.slice();
      tampered[entryData(tampered, path) + 7]! ^= 0x01;
      const other = freshEngine();
      const error = await refusal(importEngagementBackup(other.db, tampered, { name: 'visit.patchfield' }));
      expect(error.code).toBe('backup-entry-damaged');
      expect(error.entry).toBe(path);
      expect(error.message).toContain(`${path} in visit.patchfield does not match its checksum`);
      expect(error.message).toContain('Nothing was imported');
      expect(Object.values(await counts(other.db)).every((n) => n === 0)).toBe(true);
    }
  });

  it('refuses a truncated file with a message that says it was cut off', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const other = freshEngine();
    for (const keep of [0.5, 0.99]) {
      const error = await refusal(
        importEngagementBackup(other.db, bytes.subarray(0, Math.floor(bytes.length * keep)), {
          name: 'v.patchfield'
        })
      );
      expect(error.code).toBe('backup-truncated');
      expect(error.message).toMatch(/v\.patchfield is incomplete: its end is missing/);
    }
    expect(await other.db.engagements.count()).toBe(0);
  });

  it('refuses a file that lacks an entry its manifest lists, or holds one it does not list, naming it', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const files = unzipSync(bytes);
    const photo = backupPaths.photo(e.id, 'ph-rack');
    const { [photo]: _gone, ...rest } = files;
    const missing = await refusal(
      importEngagementBackup(freshEngine().db, zipSync(rest), { name: 'v.patchfield' })
    );
    expect(missing).toMatchObject({ code: 'backup-entry-missing', entry: photo });
    expect(missing.message).toContain(`v.patchfield is missing ${photo}`);

    const extra = zipSync({ ...files, 'engagements/extra.txt': strToU8('hello') });
    const unlisted = await refusal(importEngagementBackup(freshEngine().db, extra, { name: 'v.patchfield' }));
    expect(unlisted).toMatchObject({ code: 'backup-entry-unlisted', entry: 'engagements/extra.txt' });
  });

  it('refuses a file from a newer Patchfield (format or database version) and says to update the app', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const files = unzipSync(bytes);
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as Record<string, unknown>;
    const newerFormat = zipSync({
      ...files,
      'manifest.json': strToU8(JSON.stringify({ ...manifest, formatVersion: 2, entries: 'a new layout' }))
    });
    const format = await refusal(
      importEngagementBackup(freshEngine().db, newerFormat, { name: 'new.patchfield' })
    );
    expect(format.code).toBe('backup-newer');
    expect(format.message).toContain('new.patchfield was exported by a newer Patchfield (backup format 2');
    expect(format.message).toContain('Update Patchfield on this device');

    const newerSchema = rewrite(bytes, () => {}, CURRENT_SCHEMA_VERSION + 1);
    const schema = await refusal(
      importEngagementBackup(freshEngine().db, newerSchema, { name: 'new.patchfield' })
    );
    expect(schema.code).toBe('backup-newer');
    expect(schema.message).toContain(`database version ${CURRENT_SCHEMA_VERSION + 1}`);
  });

  it('refuses what is not a Patchfield engagement file: a scan, another zip, a catalog bundle', async () => {
    const db = freshEngine().db;
    const scan = await refusal(
      importEngagementBackup(db, new Uint8Array(readFileSync(fixture('e2e', 'office.nessus'))), {
        name: 'office.nessus'
      })
    );
    expect(scan.code).toBe('backup-not-patchfield');
    expect(scan.message).toBe(
      'office.nessus is not a Patchfield engagement file (it is not a zip file). Choose a .patchfield file made with “Export engagement”.'
    );
    const zip = await refusal(
      importEngagementBackup(db, zipSync({ 'notes.txt': strToU8('hi') }), { name: 'photos.zip' })
    );
    expect(zip.message).toContain('photos.zip is not a Patchfield engagement file (it has no manifest.json)');
    const bundle = encodeCatalogBundle(
      [{ part: 'kev', source: 'kev.json', snapshotDate: '2026-11-20', entries: [] }],
      '2026-11-24T08:00:00.000Z'
    );
    const catalog = await refusal(importEngagementBackup(db, bundle, { name: 'catalog.bundle' }));
    expect(catalog.code).toBe('backup-catalog-bundle');
    expect(catalog.message).toContain('Import it under Settings');
  });

  it('upgrades a backup written at database schema version 1 (no settings, decisions or photos yet)', async () => {
    const { db, api, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const v1 = rewrite(
      bytes,
      (json, entries) => {
        delete json.settings;
        delete json.decisions;
        delete json.photos;
        for (const path of [...entries.keys()]) if (path.includes('/photos/')) entries.delete(path);
      },
      1
    );
    const other = freshEngine();
    const result = await importEngagementBackup(other.db, v1, { name: 'old.patchfield' });
    expect(result).toMatchObject({ status: 'restored', fromSchemaVersion: 1 });
    const there = await tables(other.db);
    const here = await tables(db);
    expect(there.files).toEqual(here.files);
    expect(there.hosts).toEqual(here.hosts);
    expect(there.rawFiles).toEqual(here.rawFiles);
    expect([there.engagementSettings, there.decisions, there.photos]).toEqual([[], [], []]);
    // Without the technician's split the engine merges as it did before it.
    await deleteEngagement(db, e.id);
    await importEngagementBackup(db, v1);
    expect(seen(await other.api.assess(e.id))).toEqual(seen(await api.assess(e.id)));
  });

  it('upgrades a backup written at database schema version 3 (before photos): settings and decisions kept', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const v3 = rewrite(
      bytes,
      (json, entries) => {
        delete json.photos;
        for (const path of [...entries.keys()]) if (path.includes('/photos/')) entries.delete(path);
      },
      3
    );
    const other = freshEngine();
    expect(await importEngagementBackup(other.db, v3)).toMatchObject({
      status: 'restored',
      fromSchemaVersion: 3
    });
    const there = await tables(other.db);
    const here = await tables(db);
    expect(there.engagementSettings).toEqual(here.engagementSettings);
    expect(there.decisions).toEqual(here.decisions);
    expect(there.photos).toEqual([]);
  });

  it('refuses a current-version backup whose engagement lacks a part, naming the entry', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const broken = rewrite(bytes, (json) => delete json.photos, CURRENT_SCHEMA_VERSION);
    const error = await refusal(importEngagementBackup(freshEngine().db, broken, { name: 'v.patchfield' }));
    expect(error.code).toBe('backup-invalid');
    expect(error.entry).toBe(backupPaths.engagement(e.id));
    expect(error.message).toContain('at “photos”');
  });

  it('has an upgrade step for every database schema version', () => {
    for (const { version } of SCHEMA_VERSIONS.slice(1)) {
      expect(BACKUP_UPGRADES[version], `schema version ${version}`).toBeTypeOf('function');
    }
  });

  it('stamps the app version of package.json', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_DIR}/package.json`, 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
  });

  it('returns a conflict when the engagement is already here, and writes nothing until the technician chooses', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const before = await tables(db);
    const result = await importEngagementBackup(db, bytes);
    expect(result).toEqual({
      status: 'conflict',
      conflicts: [
        {
          id: e.id,
          clientName: 'Zahnarztpraxis Müller',
          visitDate: '2026-11-24',
          existing: { clientName: 'Zahnarztpraxis Müller', visitDate: '2026-11-24', updatedAt: e.updatedAt }
        }
      ]
    });
    expect(await tables(db)).toEqual(before);
  });

  it('“Replace” puts the engagement back as it was exported, dropping what changed since', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const before = await tables(db);
    await db.photos.delete('ph-rack');
    await db.engagementSettings.delete(e.id);
    await addPhoto(db, photo('ph-later', e.id, 'Taken after the export', JPEG, '2026-11-25T10:00:00.000Z'));
    const result = await importEngagementBackup(db, bytes, { choice: 'replace' });
    expect(result).toMatchObject({ status: 'restored', engagements: [{ id: e.id, how: 'replaced' }] });
    expect(await tables(db)).toEqual(before);
  });

  it('“Keep both” adds a second, independent engagement with new ids everywhere', async () => {
    const { db, api, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const result = await importEngagementBackup(db, bytes, { choice: 'keep-both' });
    if (result.status !== 'restored') throw new Error('not restored');
    const copy = result.engagements[0]!;
    expect(copy).toMatchObject({ clientName: 'Zahnarztpraxis Müller', how: 'copy' });
    expect(copy.id).not.toBe(e.id);
    const all = await tables(db);
    const originalFiles = all.files.filter((f) => f.engagementId === e.id);
    const copiedFiles = all.files.filter((f) => f.engagementId === copy.id);
    expect(copiedFiles.map((f) => f.name).sort()).toEqual(originalFiles.map((f) => f.name).sort());
    const copiedIds = new Set(copiedFiles.map((f) => f.id));
    expect(originalFiles.some((f) => copiedIds.has(f.id))).toBe(false);
    for (const h of all.hosts.filter((h) => h.engagementId === copy.id)) {
      expect(copiedIds.has(h.fileId)).toBe(true);
      expect(h.id.startsWith(`${h.fileId}:`)).toBe(true);
    }
    expect(all.hosts.filter((h) => h.engagementId === copy.id)).toHaveLength(
      all.hosts.filter((h) => h.engagementId === e.id).length
    );
    expect(all.rules.filter((r) => r.engagementId === copy.id).every((r) => copiedIds.has(r.fileId))).toBe(
      true
    );
    expect(all.rawFiles.filter((r) => copiedIds.has(r.id))).toHaveLength(2);
    const photos = all.photos.filter((p) => p.engagementId === copy.id);
    expect(photos.map((p) => p.caption).sort()).toEqual(['Reception PC', 'The rack in the cellar']);
    expect(photos.some((p) => p.id.startsWith('ph-rack') || p.id === 'ph-reception')).toBe(false);
    const expected = seen(await api.assess(e.id));
    // The copy lives on when the original goes.
    await deleteEngagement(db, e.id);
    expect(seen(await api.assess(copy.id))).toEqual(expected);
    expect(await db.photos.where('engagementId').equals(copy.id).count()).toBe(2);
    expect(await db.engagementSettings.get(copy.id)).toBeDefined();
    expect(await db.decisions.get(copy.id)).toBeDefined();
  });

  it('refuses, and writes nothing, when another engagement already holds one of the file’s files', async () => {
    const { db, e } = await visit();
    const bytes = await exportEngagement(db, e.id, EXPORTED);
    const other = freshEngine();
    const clashing = (await db.files.toArray())[0]!;
    const mine = await createEngagement(other.db, { ...e, clientName: 'Another client' });
    await other.db.files.put({ ...clashing, engagementId: mine.id });
    const before = await tables(other.db);
    const error = await refusal(importEngagementBackup(other.db, bytes, { name: 'v.patchfield' }));
    expect(error.code).toBe('backup-id-clash');
    expect(error.message).toContain('choose “Keep both”');
    expect(await tables(other.db)).toEqual(before);
  });

  it('writes nothing when the device runs out of space in the middle of the restore, and says so', async () => {
    const { api, e } = await visit();
    const file = await api.exportEngagementFile(e.id);
    const other = freshEngine();
    // Photos are written last: everything before them in the transaction must be rolled back.
    vi.spyOn(other.db.photos, 'bulkPut').mockRejectedValue(
      new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    );
    const outcome = await other.api.importEngagementFile({
      name: 'v.patchfield',
      blob: new Blob([file.bytes as Uint8Array<ArrayBuffer>])
    });
    expect(outcome).toMatchObject({ status: 'refused', code: 'backup-not-saved' });
    expect(outcome.status === 'refused' && outcome.message).toContain(
      "v.patchfield does not fit in this device's storage. Nothing was imported."
    );
    expect(Object.values(await counts(other.db)).every((n) => n === 0)).toBe(true);
  });

  it('exports every engagement in one file and restores them all, each marked as exported', async () => {
    const { db, api, e } = await visit();
    const second = await createEngagement(db, {
      clientName: 'Bäckerei Schmidt',
      site: '',
      contact: '',
      technician: 'Alex',
      visitDate: '2026-11-25',
      notes: ''
    });
    await api.importFiles(second.id, [fileSource(fixture('e2e', 'srv-files-qfe.csv'))], 'j2');
    const bytes = await exportAllEngagements(db, EXPORTED);
    expect((await db.engagements.toArray()).map((x) => x.lastExportedAt)).toEqual([
      EXPORTED.toISOString(),
      EXPORTED.toISOString()
    ]);
    const other = freshEngine();
    const result = await importEngagementBackup(other.db, bytes);
    expect(result.status === 'restored' && result.engagements.map((x) => x.clientName).sort()).toEqual([
      'Bäckerei Schmidt',
      'Zahnarztpraxis Müller'
    ]);
    expect(await tables(other.db)).toEqual(await tables(db));
    expect(Buffer.from(await exportAllEngagements(other.db, EXPORTED)).equals(Buffer.from(bytes))).toBe(true);
    expect(e.id).toBeTruthy();
  });

  it('the worker API names the file after the client and visit date and turns a refusal into a message', async () => {
    const { api, e } = await visit();
    const progress: string[] = [];
    const file = await api.exportEngagementFile(e.id, (what) => progress.push(what));
    expect(file.fileName).toBe('zahnarztpraxis-muller-2026-11-24.patchfield');
    expect(progress).toContain('Compressing');
    const other = freshEngine();
    const damaged = file.bytes.subarray(0, file.bytes.length - 10);
    const refused = await other.api.importEngagementFile({
      name: file.fileName,
      blob: new Blob([damaged as Uint8Array<ArrayBuffer>])
    });
    expect(refused).toMatchObject({ status: 'refused', code: 'backup-truncated' });
    const restored = await other.api.importEngagementFile({
      name: file.fileName,
      blob: new Blob([file.bytes as Uint8Array<ArrayBuffer>])
    });
    expect(restored).toMatchObject({ status: 'restored', engagements: [{ id: e.id, how: 'new' }] });
    const all = await other.api.exportAllEngagementsFile();
    expect(all.fileName).toBe('patchfield-all-engagements-2026-11-24.patchfield');
  });
});
