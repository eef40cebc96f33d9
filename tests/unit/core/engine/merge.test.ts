import { describe, expect, it } from 'vitest';
import { mergeHosts, type HostObservation, type SourcedHost } from '../../../../src/lib/core';

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
