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
});
