import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDatabase, SCHEMA_VERSIONS } from '../../../src/lib/db';

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
