import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createStreamParser,
  createTally,
  parseWindowsBuildsCsv,
  type HostObservation,
  type ScannerRule
} from '../../../src/lib/core';
import {
  addPhoto,
  getDecisions,
  getEngagement,
  getEngagementSettings,
  getRawFile,
  getResults,
  getSettings,
  listCatalogParts,
  listCsvPresets,
  listFiles,
  loadCatalog,
  loadEngagementData,
  openDatabase,
  SCHEMA_VERSIONS,
  type PatchfieldDB,
  type ResultsRecord
} from '../../../src/lib/db';
import { createEngineApi } from '../../../src/lib/workers/engine.api';
import { fixture } from '../shared';
import { fileSource, freshEngine, nodeFonts } from './helpers';

describe('database schema versions', () => {
  it('lists versions in increasing order, the newest last', () => {
    const versions = SCHEMA_VERSIONS.map((v) => v.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it('opens data written at every earlier version with the current schema, nothing lost', async () => {
    for (const { version } of SCHEMA_VERSIONS) {
      const name = `patchfield-migrate-from-${version}-${Date.now()}`;
      const old = openDatabase(name, version);
      await old.engagements.add({
        id: 'e1',
        clientName: 'Müller',
        site: '',
        contact: '',
        technician: '',
        visitDate: '2026-11-24',
        notes: '',
        createdAt: '2026-11-24T00:00:00Z',
        updatedAt: '2026-11-24T00:00:00Z'
      });
      old.close();
      const current = openDatabase(name);
      expect(await current.engagements.get('e1')).toMatchObject({ clientName: 'Müller' });
      expect(current.verno).toBe(SCHEMA_VERSIONS.at(-1)!.version);
      current.close();
    }
  });

  it('a Windows build table stored at version 2 is listed with its metadata after the upgrade to version 3', async () => {
    const name = `patchfield-migrate-catalog-${Date.now()}`;
    const old = openDatabase(name, 2);
    await old.catalog.put({
      part: 'windows-builds',
      fileName: 'windows_build_revision_kb_merged.csv',
      importedAt: '2026-11-01T10:00:00Z',
      data: {
        part: 'windows-builds',
        source: 'windows_build_revision_kb_merged.csv',
        snapshotDate: '2026-08-12',
        rows: [
          { build: 19045, family: 'Windows 10', revision: 6093, kb: 'KB5062554', products: '' },
          { build: 19045, family: 'Windows 10', revision: 6216, kb: 'KB5063709', products: '' }
        ]
      }
    });
    old.close();
    const current = openDatabase(name);
    const meta = await current.catalogMeta.get('windows-builds');
    expect(meta).toMatchObject({
      part: 'windows-builds',
      fileName: 'windows_build_revision_kb_merged.csv',
      importedAt: '2026-11-01T10:00:00Z',
      snapshotDate: '2026-08-12',
      records: 2
    });
    expect(meta!.bytes).toBeGreaterThan(100);
    expect((await current.catalog.get('windows-builds'))?.data).toMatchObject({ part: 'windows-builds' });
    current.close();
  });
});

const NEWEST = SCHEMA_VERSIONS.at(-1)!.version;
const NESSUS = fixture('e2e', 'office.nessus');
const BUILDS_CSV = fixture('catalog', 'windows-builds-small.csv');

/** office.nessus read by the real parser, as the importer would store it. */
function parseOffice() {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const tally = createTally();
  const parser = createStreamParser('nessus-v2', {
    host: (h) => {
      hosts.push(h);
      tally.add(h);
    },
    rule: (r) => rules.push(r)
  });
  const bytes = readFileSync(NESSUS);
  parser.write(new Uint8Array(bytes));
  parser.end();
  expect(parser.issues.filter((p) => p.severity === 'error')).toEqual([]);
  return {
    hosts,
    rules,
    counts: tally.counts,
    formatVersion: parser.formatVersion,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex')
  };
}

let office: ReturnType<typeof parseOffice>;
/** Results the engine computed for office.nessus, as the results table caches them. */
let cachedResults: ResultsRecord;

beforeAll(async () => {
  office = parseOffice();
  const { db, api } = freshEngine();
  const e = await db.engagements.add({
    id: 'scratch',
    clientName: 'Scratch',
    site: '',
    contact: '',
    technician: '',
    visitDate: '2026-11-24',
    notes: '',
    createdAt: '2026-11-24T00:00:00Z',
    updatedAt: '2026-11-24T00:00:00Z'
  });
  await api.importFiles(e, [fileSource(NESSUS)], 'scratch');
  await api.assess(e);
  const stored = await db.results.get(e);
  cachedResults = {
    ...stored!,
    engagementId: 'e1',
    results: { ...stored!.results, engagementId: 'e1' }
  };
});

/**
 * What a technician's device holds at `version`, written in that version's layout: only the tables that version
 * had, the catalog without its metadata before version 3, app settings as an early version saved them.
 */
async function writeAtVersion(db: PatchfieldDB, version: number): Promise<void> {
  await db.engagements.add({
    id: 'e1',
    clientName: 'Zahnarztpraxis Müller',
    site: 'Hamburg',
    contact: 'Dr. Anna Müller',
    technician: 'Alex',
    visitDate: '2026-11-24',
    notes: 'Server room locked.',
    createdAt: '2026-11-20T08:00:00Z',
    updatedAt: '2026-11-24T09:00:00Z'
  });
  await db.files.add({
    id: 'f1',
    engagementId: 'e1',
    name: 'office.nessus',
    size: office.bytes.length,
    lastModified: 1_763_900_000_000,
    sha256: office.sha256,
    format: 'nessus-v2',
    ...(office.formatVersion ? { formatVersion: office.formatVersion } : {}),
    importedAt: '2026-11-24T09:10:00Z',
    status: 'done',
    problems: [],
    counts: office.counts,
    hostnames: office.hosts.map((h) => h.hostname ?? h.key)
  });
  await db.rawFiles.add({ id: 'f1', blob: new Blob([office.bytes]) });
  await db.hosts.bulkAdd(
    office.hosts.map((host, seq) => ({ id: `f1:${seq}`, fileId: 'f1', engagementId: 'e1', seq, host }))
  );
  await db.rules.add({ id: 'f1:r0', fileId: 'f1', engagementId: 'e1', rules: office.rules });
  await db.results.put(cachedResults);

  const builds = parseWindowsBuildsCsv(readFileSync(BUILDS_CSV, 'utf8'), 'windows-builds-small.csv');
  const part = builds.value!; // the parsed table is the catalog part as stored
  await db.catalog.put({
    part: 'windows-builds',
    fileName: 'windows-builds-small.csv',
    importedAt: '2026-11-01T10:00:00Z',
    data: part
  });
  await db.settings.put({ key: 'app', value: { mspName: 'Nordlicht IT', pageSize: 'Letter' } });

  const [a, b] = cachedResults.results.assets.map((x) => x.asset.sources[0]!.anchor);
  if (version >= 2) {
    await db.decisions.put({ engagementId: 'e1', merges: [], splits: [a!] });
    await db.csvPresets.put({
      id: 'p1',
      name: 'RMM export',
      signature: 'computer name,operating system',
      mapping: { hostname: 'Computer name', osName: 'Operating system' },
      createdAt: '2026-11-02T10:00:00Z'
    });
  }
  if (version >= 3) {
    await db.catalogMeta.put({
      part: 'windows-builds',
      fileName: 'windows-builds-small.csv',
      importedAt: '2026-11-01T10:00:00Z',
      source: part.source,
      records: part.rows.length,
      bytes: JSON.stringify(part).length
    });
    await db.engagementSettings.put({
      engagementId: 'e1',
      settings: {
        policy: 'cisa-bod-26-04',
        assets: { [b!]: { internetFacing: true, note: 'Reception PC' } }
      },
      updatedAt: '2026-11-24T09:30:00Z'
    });
  }
}

describe('upgrading a technician’s database from every earlier version', () => {
  const earlier = SCHEMA_VERSIONS.filter((v) => v.version < NEWEST).map((v) => v.version);

  it.each(earlier)(
    'data written at version %i reads whole with the current code after the upgrade',
    async (version) => {
      const name = `patchfield-upgrade-from-${version}-${Date.now()}`;
      const old = openDatabase(name, version);
      await writeAtVersion(old, version);
      expect(old.verno).toBe(version);
      old.close();

      const db = openDatabase(name);
      await db.open();
      expect(db.verno).toBe(NEWEST);

      expect(await getEngagement(db, 'e1')).toMatchObject({
        clientName: 'Zahnarztpraxis Müller',
        notes: 'Server room locked.'
      });
      const files = await listFiles(db, 'e1');
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({ id: 'f1', status: 'done', counts: office.counts });
      expect(Buffer.from(await (await getRawFile(db, 'f1'))!.arrayBuffer()).equals(office.bytes)).toBe(true);

      const live = await loadEngagementData(db, 'e1');
      expect(live.hosts.map((h) => h.host)).toEqual(office.hosts);
      expect(live.rules.flatMap((r) => r.rules)).toEqual(office.rules);
      expect((await getResults(db, 'e1'))?.results.assets).toHaveLength(office.hosts.length);

      // The catalog part written in the old layout is found, validated, with its metadata (upgrade to 3).
      const catalog = await loadCatalog(db);
      expect(catalog.windowsBuilds?.rows.length).toBeGreaterThan(0);
      const meta = await listCatalogParts(db);
      expect(meta).toEqual([
        expect.objectContaining({
          part: 'windows-builds',
          fileName: 'windows-builds-small.csv',
          records: catalog.windowsBuilds!.rows.length
        })
      ]);

      // Settings saved by an early version: what it saved is kept, newer settings take their defaults.
      expect(await getSettings(db)).toMatchObject({
        mspName: 'Nordlicht IT',
        pageSize: 'Letter',
        brandColor: '#1E3A6E'
      });
      const decisions = await getDecisions(db, 'e1');
      const presets = await listCsvPresets(db);
      const { settings, problems } = await getEngagementSettings(db, 'e1');
      expect(problems).toEqual([]);
      if (version >= 2) {
        expect(decisions.splits).toHaveLength(1);
        expect(presets.map((p) => p.name)).toEqual(['RMM export']);
      } else {
        expect(decisions).toEqual({ merges: [], splits: [] });
        expect(presets).toEqual([]);
      }
      expect(settings.policy).toBe(version >= 3 ? 'cisa-bod-26-04' : 'severity-bands');

      // Tables added since are there and take records.
      await addPhoto(db, {
        id: 'ph1',
        engagementId: 'e1',
        caption: 'Rack',
        blob: new Blob([new Uint8Array([0xff, 0xd8])], { type: 'image/jpeg' }),
        width: 10,
        height: 10,
        takenAt: '2026-11-24T10:00:00Z'
      });
      expect(await db.photos.count()).toBe(1);

      // And the engine assesses the upgraded engagement as it does a new one.
      const fonts = nodeFonts();
      const api = createEngineApi({
        db: () => db,
        loadFonts: () => Promise.resolve({ regular: fonts.regular, bold: fonts.bold }),
        loadCjkFont: () => Promise.resolve(fonts.cjk()),
        now: () => new Date('2026-11-24T09:00:00Z')
      });
      const results = await api.assess('e1');
      expect(results.assets.length).toBe(office.hosts.length);
      expect(results.catalog.map((c) => c.part)).toEqual(['windows-builds']);
      expect(results.catalogMissing).not.toContain('windows-builds');
      db.close();
    }
  );
});
