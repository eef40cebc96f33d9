import { describe, expect, it } from 'vitest';
import {
  mergeHosts,
  normalizeIp,
  normalizeMac,
  observationAnchor,
  type HostObservation,
  type SourcedHost
} from '../../../../src/lib/core';

function host(partial: Partial<HostObservation> & { key: string }): HostObservation {
  return {
    ips: [],
    macs: [],
    installedUpdates: [],
    software: [],
    pendingUpdates: [],
    findings: [],
    ...partial
  };
}

function from(format: SourcedHost['format'], fileId: string, h: HostObservation): SourcedHost {
  return { fileId, fileName: `${fileId}.x`, format, host: h };
}

describe('merging hosts into assets', () => {
  it('makes one asset of the same PC seen by Nessus and by systeminfo', () => {
    const merged = mergeHosts([
      from(
        'nessus-v2',
        'f1',
        host({ key: '10.0.0.5', hostname: 'PC-01', fqdn: 'pc-01.corp.local', ips: ['10.0.0.5'] })
      ),
      from(
        'systeminfo-text',
        'f2',
        host({
          key: 'PC-01',
          hostname: 'PC-01',
          ips: ['10.0.0.5', 'fe80::1'],
          os: { family: 'windows', name: 'Microsoft Windows 10 Pro', build: 19045, productType: 'client' },
          installedUpdates: [{ kb: 'KB5039211' }]
        })
      )
    ]);
    expect(merged).toHaveLength(1);
    const a = merged[0]!.asset;
    expect(a).toMatchObject({ hostname: 'PC-01', fqdn: 'pc-01.corp.local', role: 'workstation' });
    expect(a.os.build).toBe(19045);
    expect(a.sources.map((s) => s.format).sort()).toEqual(['nessus-v2', 'systeminfo-text']);
    expect(a.installedUpdates).toEqual([{ kb: 'KB5039211' }]);
  });

  it('matches host names regardless of case and of a DOMAIN\\ prefix', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: 'a', hostname: 'CORP\\srv-files' })),
      from('systeminfo-text', 'f2', host({ key: 'b', hostname: 'SRV-FILES' }))
    ]);
    expect(merged).toHaveLength(1);
  });

  it('keeps two machines apart when they share an IP but have different names (DHCP reuse)', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: '10.0.0.9', hostname: 'LAPTOP-A', ips: ['10.0.0.9'] })),
      from('systeminfo-text', 'f2', host({ key: 'LAPTOP-B', hostname: 'LAPTOP-B', ips: ['10.0.0.9'] }))
    ]);
    expect(merged).toHaveLength(2);
  });

  it('joins a nameless scan result to a named machine by IP', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: '10.0.0.7', ips: ['10.0.0.7'] })),
      from('systeminfo-text', 'f2', host({ key: 'PC-7', hostname: 'PC-7', ips: ['10.0.0.7'] }))
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.asset.hostname).toBe('PC-7');
  });

  it('never links machines through link-local or loopback addresses', () => {
    const merged = mergeHosts([
      from('systeminfo-text', 'f1', host({ key: 'A', hostname: 'A', ips: ['169.254.1.1'] })),
      from('nessus-v2', 'f2', host({ key: '169.254.1.1', ips: ['169.254.1.1'] }))
    ]);
    expect(merged).toHaveLength(2);
  });

  it('gives the same asset ids for the same inputs, whatever their order', () => {
    const a = from('nessus-v2', 'f1', host({ key: '1', hostname: 'ALPHA' }));
    const b = from('nessus-v2', 'f1', host({ key: '2', hostname: 'BRAVO' }));
    const one = mergeHosts([a, b]).map((m) => m.asset.id);
    const two = mergeHosts([b, a]).map((m) => m.asset.id);
    expect(one).toEqual(two);
    expect(new Set(one).size).toBe(2);
  });
});

describe('asset identity rules', () => {
  it('keeps two machines apart when the same tool gives them different host ids, even with one name', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: 'a', hostname: 'PC-01', hostIds: ['qualys:111'] })),
      from('nessus-v2', 'f2', host({ key: 'b', hostname: 'PC-01', hostIds: ['qualys:222'] }))
    ]);
    expect(merged).toHaveLength(2);
  });

  it('joins a renamed machine by its MAC address, written in any spelling', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: 'a', hostname: 'PC-OLD', macs: ['00-1A-2B-3C-4D-5E'] })),
      from('systeminfo-text', 'f2', host({ key: 'b', hostname: 'PC-NEW', macs: ['001a.2b3c.4d5e'] }))
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.asset.macs).toEqual(['00:1a:2b:3c:4d:5e']);
  });

  it('keeps same-named machines in different domains apart', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: 'a', hostname: 'PC1', fqdn: 'pc1.branch-a.local' })),
      from('nessus-v2', 'f2', host({ key: 'b', hostname: 'PC1', fqdn: 'pc1.branch-b.local' }))
    ]);
    expect(merged).toHaveLength(2);
  });

  it('matches IPv6 addresses in any notation and ignores a domain suffix on the host name', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: 'x', ips: ['2001:DB8:0:0:0:0:0:1'] })),
      from('systeminfo-text', 'f2', host({ key: 'SRV', hostname: 'SRV.corp.local', ips: ['2001:db8::1'] }))
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.asset.ips).toEqual(['2001:db8::1']);
  });

  it('lets a newer file of the same format replace an older one for the same machine', () => {
    const older = from(
      'systeminfo-text',
      'old',
      host({ key: 'PC', hostname: 'PC', installedUpdates: [{ kb: 'KB1000001' }] })
    );
    const newer = from(
      'systeminfo-text',
      'new',
      host({ key: 'PC', hostname: 'PC', installedUpdates: [{ kb: 'KB2000002' }] })
    );
    const merged = mergeHosts([
      { ...newer, importedAt: '2026-11-24T10:00:00Z' },
      { ...older, importedAt: '2026-11-24T09:00:00Z' }
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.asset.installedUpdates).toEqual([{ kb: 'KB2000002' }]);
    expect(merged[0]!.superseded.map((m) => m.fileId)).toEqual(['old']);
  });

  it('applies the technician’s merge and split decisions, which survive a re-import of the same file', () => {
    const a = from('nessus-v2', 'f1', host({ key: '10.0.0.5', ips: ['10.0.0.5'] }));
    const b = from('systeminfo-text', 'f2', host({ key: 'LAPTOP', hostname: 'LAPTOP' }));
    const c = from('systeminfo-text', 'f3', host({ key: 'KIOSK', hostname: 'KIOSK', ips: ['10.0.0.5'] }));
    expect(mergeHosts([a, b, c])).toHaveLength(2); // a joins c by IP
    const decisions = {
      merges: [[observationAnchor(a), observationAnchor(b)] as [string, string]],
      splits: [observationAnchor(c)]
    };
    const merged = mergeHosts([a, b, c], decisions);
    expect(merged.map((m) => m.asset.hostname).sort()).toEqual(['KIOSK', 'LAPTOP']);
    expect(
      merged
        .find((m) => m.asset.hostname === 'LAPTOP')!
        .members.map((m) => m.fileId)
        .sort()
    ).toEqual(['f1', 'f2']);
    // The same files imported again get new file ids but the same anchors.
    const again = mergeHosts(
      [
        { ...a, fileId: 'g1' },
        { ...b, fileId: 'g2' },
        { ...c, fileId: 'g3' }
      ],
      decisions
    );
    expect(again.map((m) => m.asset.hostname).sort()).toEqual(['KIOSK', 'LAPTOP']);
  });

  it('gives two machines with one name different ids when they are kept apart', () => {
    const a = from('nessus-v2', 'f1', host({ key: '10.0.0.5', hostname: 'SRV', ips: ['10.0.0.5'] }));
    const b = from('wmic-qfe', 'f2', host({ key: 'SRV', hostname: 'SRV' }));
    const merged = mergeHosts([a, b], { merges: [], splits: [observationAnchor(b)] });
    expect(merged).toHaveLength(2);
    expect(new Set(merged.map((m) => m.asset.id)).size).toBe(2);
  });

  it('names an asset from an unnamed one-machine file after the file', () => {
    const merged = mergeHosts([from('dpkg-status', 'f1', host({ key: 'local' }))]);
    expect(merged[0]!.asset.hostname).toBe('f1');
  });
});

describe('address normalisation', () => {
  it('writes IPv4 without leading zeros and IPv6 in RFC 5952 form', () => {
    expect(normalizeIp('010.000.000.005')).toBe('10.0.0.5');
    expect(normalizeIp('2001:0DB8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8::ff00:42:8329');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(normalizeIp('999.1.1.1')).toBeUndefined();
    expect(normalizeIp('not an ip')).toBeUndefined();
  });

  it('reads MAC addresses in dash, dot and bare forms, and ignores all-zero ones', () => {
    expect(normalizeMac('00-1A-2B-3C-4D-5E')).toBe('00:1a:2b:3c:4d:5e');
    expect(normalizeMac('001A2B3C4D5E')).toBe('00:1a:2b:3c:4d:5e');
    expect(normalizeMac('00:00:00:00:00:00')).toBeUndefined();
  });
});

describe('images and applications', () => {
  it('never joins a scanned container image to a machine of the same name, but joins two scans of one image', () => {
    const merged = mergeHosts([
      from('nessus-v2', 'f1', host({ key: 'debian', hostname: 'debian', ips: ['10.0.0.9'] })),
      from(
        'trivy-json',
        'f2',
        host({ key: 'debian', hostname: 'debian', kind: 'image', hostIds: ['image:sha256:abc'] })
      ),
      from(
        'grype-json',
        'f3',
        host({ key: 'debian:10', hostname: 'debian:10', kind: 'image', hostIds: ['image:sha256:abc'] })
      )
    ]);
    expect(merged).toHaveLength(2);
    expect(
      merged
        .find((m) => m.members.length === 2)!
        .members.map((m) => m.format)
        .sort()
    ).toEqual(['grype-json', 'trivy-json']);
  });
});
