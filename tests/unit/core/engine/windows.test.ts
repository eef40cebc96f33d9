import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assessWindows,
  monthsBetween,
  parseWindowsBuildsCsv,
  parseWindowsOs,
  type Asset,
  type WindowsBuildCatalog
} from '../../../../src/lib/core';
import { fixture, hasShared, SHARED_DIR } from '../../shared';

function catalogFrom(path: string): WindowsBuildCatalog {
  return parseWindowsBuildsCsv(readFileSync(path, 'utf8'), path).value;
}

const small = catalogFrom(fixture('catalog', 'windows-builds-small.csv'));

function windowsAsset(name: string, version: string, kbs: string[] = []): Asset {
  return {
    id: 'a1',
    hostname: 'PC1',
    ips: [],
    macs: [],
    os: parseWindowsOs(name, version),
    role: 'workstation',
    sources: [],
    installedUpdates: kbs.map((kb) => ({ kb })),
    software: []
  };
}

describe('Windows cumulative update status', () => {
  it('infers the installed revision from the newest installed cumulative update and counts months behind', () => {
    const s = assessWindows(
      windowsAsset('Microsoft Windows 10 Pro', '10.0.19045 N/A Build 19045', [
        'KB5036892',
        'KB5039211',
        'KB5011048'
      ]),
      small,
      '2026-11-24'
    );
    expect(s).toMatchObject({
      build: 19045,
      installedRevision: 4529,
      revisionSource: 'inferred',
      inferredFromKb: 'KB5039211',
      installedReleaseDate: '2024-06-11',
      status: 'behind',
      monthsBehind: 23,
      required: { kb: 'KB5087544', revision: 7291, releaseDate: '2026-05-12' }
    });
    expect(s.explanation).toContain('inferred');
  });

  it('never requires an undated row, a preview or a hotpatch', () => {
    const server = assessWindows(
      windowsAsset('Microsoft Windows Server 2022 Standard', '10.0.20348', ['KB5037782']),
      small,
      '2026-11-24'
    );
    // 20348.5074 is a hotpatch (newer date than nothing) and must not be the baseline; 5139 is.
    expect(server.required?.kb).toBe('KB5087545');
    const client = assessWindows(windowsAsset('Microsoft Windows 10 Pro', '10.0.19045'), small, '2024-04-30');
    // 4355 is a "D" preview of 2024-04-23: the required one stays 4291.
    expect(client.required?.revision).toBe(4291);
  });

  it('says unknown, never up to date, when no installed KB maps to a revision, and still names the update', () => {
    const s = assessWindows(
      windowsAsset('Microsoft Windows 10 Pro', '10.0.19045', ['KB5011048']),
      small,
      '2026-11-24'
    );
    expect(s.status).toBe('unknown');
    expect(s.revisionSource).toBe('unknown');
    expect(s.monthsBehind).toBeNull();
    expect(s.required?.kb).toBe('KB5087544');
  });

  it('is up to date when the reported revision is at or past the required one', () => {
    const s = assessWindows(windowsAsset('Microsoft Windows 10 Pro', '10.0.19045.7291'), small, '2026-11-24');
    expect(s).toMatchObject({ status: 'up-to-date', revisionSource: 'reported', monthsBehind: 0 });
  });

  it('ignores updates released after the as-of date', () => {
    const s = assessWindows(windowsAsset('Microsoft Windows 10 Pro', '10.0.19045.4529'), small, '2024-06-30');
    expect(s).toMatchObject({ status: 'up-to-date', required: { kb: 'KB5039211' } });
  });

  it('keeps Windows 11 24H2 and Windows Server 2025 apart on the shared build 26100', () => {
    const client = assessWindows(windowsAsset('Microsoft Windows 11 Pro', '10.0.26100'), small, '2026-11-24');
    const server = assessWindows(
      windowsAsset('Microsoft Windows Server 2025 Standard', '10.0.26100'),
      small,
      '2026-11-24'
    );
    expect(client.required?.kb).toBe('KB5089549');
    expect(server.required?.kb).toBe('KB5087539');
  });

  it('says unknown for a build the catalog does not cover, and when no catalog is loaded', () => {
    const xp = assessWindows(
      windowsAsset('Microsoft Windows XP Professional', '5.1.2600'),
      small,
      '2026-11-24'
    );
    expect(xp.status).toBe('unknown');
    expect(xp.explanation).toContain('2600');
    const none = assessWindows(
      windowsAsset('Microsoft Windows 10 Pro', '10.0.19045'),
      undefined,
      '2026-11-24'
    );
    expect(none.status).toBe('unknown');
    expect(none.explanation).toContain('Settings');
  });

  it('counts whole calendar months', () => {
    expect(monthsBetween('2024-06-11', '2026-05-12')).toBe(23);
    expect(monthsBetween('2024-05-14', '2026-05-12')).toBe(23);
    expect(monthsBetween('2026-05-12', '2026-05-12')).toBe(0);
    expect(monthsBetween('2026-05-12', '2026-04-01')).toBe(0);
  });

  describe.skipIf(!hasShared)('with the shared build table', () => {
    const merged = hasShared
      ? catalogFrom(join(SHARED_DIR, 'catalog', 'windows-builds', 'windows_build_revision_kb_merged.csv'))
      : small;

    it('follows SOURCE.md: 10.0.19045.4529 is behind the newest dated security release', () => {
      const s = assessWindows(
        windowsAsset('Microsoft Windows 10 Enterprise', '10.0.19045.4529'),
        merged,
        '2026-11-24'
      );
      expect(s.status).toBe('behind');
      expect(s.installedReleaseDate).toBe('2024-06-11');
      expect(s.required).toMatchObject({ kb: 'KB5087544', revision: 7291 });
    });

    it('takes the Server 2025 line (32xxx revisions) for a Server 2025 machine', () => {
      const s = assessWindows(
        windowsAsset('Microsoft Windows Server 2025 Datacenter', '10.0.26100'),
        merged,
        '2026-11-24'
      );
      expect(s.required!.revision).toBeGreaterThan(32000);
      expect(s.productLine).toBe('Windows Server 2025');
    });
  });
});
