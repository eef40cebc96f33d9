import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes, issue, check, onlyHost, viaRegistry, detect } from './parser-tools';
import { type FileFormat, type HostObservation, type PendingUpdate } from '../../../../src/lib/core/model';
import {
  parseAptGetSimulate,
  parseAptUpgradable,
  sniffAptGetSimulate,
  sniffAptUpgradable
} from '../../../../src/lib/core/parsers/apt';

import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('apt', name));

const update = (host: HostObservation, name: string, arch?: string): PendingUpdate | undefined =>
  host.pendingUpdates.find((u) => u.name === name && (arch === undefined || u.architecture === arch));

describe.skipIf(!hasShared)('apt readers on ../shared/samples/linux-apt', () => {
  const samples = sharedSamples('linux-apt');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Counted by hand: `wc -w` of the "will be upgraded" block (59, as apt's own summary says); grep -n '^Inst'.
  const expected: Record<string, { format: FileFormat; pending: number }> = {
    'EXTRACTED_vuls_apt-get_upgrade_dry-run_ubuntu1404.txt': { format: 'apt-get-simulate', pending: 59 },
    'jc_apt-get_sqq_upgrade_simulation.txt': { format: 'apt-get-simulate', pending: 2 }
  };

  it('has expectations for every sample in the folder (a new sample fails here until it gets some)', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('detects and counts %s through the registry', (name, want) => {
    const bytes = sample(name);
    expect(detect(bytes, name)).toEqual({ format: want.format });
    const run = viaRegistry(want.format, bytes, 100);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: 0,
      pendingUpdates: want.pending
    });
  });

  it('reads the names-only "will be upgraded" block wrapped over several lines and checks apt\'s count', () => {
    const result = check(
      parseAptGetSimulate(sample('EXTRACTED_vuls_apt-get_upgrade_dry-run_ubuntu1404.txt'))
    );
    const host = onlyHost(result);
    expect(host.pendingUpdates).toHaveLength(59);
    expect(host.pendingUpdates[0]).toEqual({ name: 'apt', kind: 'package' });
    expect(host.pendingUpdates.map((u) => u.name)).toContain('libssl1.0.0');
    expect(host.pendingUpdates.at(-1)).toEqual({ name: 'util-linux', kind: 'package' });
    expect(host.pendingUpdates.every((u) => u.version === undefined && u.security === undefined)).toBe(true);
    expect(codes(result.issues)).not.toContain('apt-count-mismatch');
    expect(issue(result.issues, 'apt-names-only')?.severity).toBe('info');
    expect(issue(result.issues, 'host-name-unknown')?.severity).toBe('warning');
  });

  it('takes only Inst lines as pending updates, once per package, security from the Debian-Security origin', () => {
    const result = check(parseAptGetSimulate(sample('jc_apt-get_sqq_upgrade_simulation.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates).toEqual([
      {
        name: 'dpkg',
        kind: 'package',
        version: '1.19.8',
        currentVersion: '1.19.7',
        architecture: 'amd64',
        repository: 'Debian:10.13/oldstable, Debian-Security:10/oldstable',
        security: true
      },
      {
        name: 'base-files',
        kind: 'package',
        version: '10.3+deb10u13',
        currentVersion: '10.3+deb10u4',
        architecture: 'amd64',
        repository: 'Debian:10.13/oldstable',
        security: false
      }
    ]);
    expect(issue(result.issues, 'apt-listed-twice')).toMatchObject({
      severity: 'info',
      count: 2,
      lines: [2, 8]
    });
    expect(issue(result.issues, 'apt-would-remove')).toMatchObject({ severity: 'info', line: 4 });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});

describe('apt list --upgradable', () => {
  it('reads pockets, versions and "upgradable from", and marks -security pockets', () => {
    const result = check(parseAptUpgradable(own('apt-list-upgradable-jammy.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates).toHaveLength(8);
    expect(update(host, 'libssl3')).toEqual({
      name: 'libssl3',
      version: '3.0.2-0ubuntu1.15',
      currentVersion: '3.0.2-0ubuntu1.14',
      architecture: 'amd64',
      repository: 'jammy-updates,jammy-security',
      security: true,
      kind: 'package'
    });
    expect(update(host, 'tzdata')).toMatchObject({
      architecture: 'all',
      repository: 'jammy-updates',
      security: false
    });
    expect(host.pendingUpdates.filter((u) => u.security).map((u) => u.name)).toEqual([
      'curl',
      'libcurl4',
      'libssl3',
      'linux-generic',
      'openssl'
    ]);
    // apt's "WARNING: apt does not have a stable CLI interface" and "Listing..." are not problems.
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('keeps one update per architecture of a multi-arch package and takes the host name line', () => {
    const host = onlyHost(check(parseAptUpgradable(own('apt-list-upgradable-bookworm-multiarch.txt'))));
    expect(host).toMatchObject({ key: 'files01', hostname: 'files01' });
    expect(host.pendingUpdates.map((u) => `${u.name}:${u.architecture}`)).toEqual([
      'libc-bin:amd64',
      'libc6:amd64',
      'libc6:i386',
      'locales:all',
      'samba:amd64'
    ]);
    expect(update(host, 'samba')).toMatchObject({
      version: '2:4.17.12+dfsg-0+deb12u1',
      security: false,
      repository: 'stable'
    });
    expect(update(host, 'libc6', 'i386')?.security).toBe(true);
  });

  it('warns that `apt list --installed` holds no pending update', () => {
    const result = check(parseAptUpgradable(own('apt-list-installed-not-upgradable.txt')));
    expect(onlyHost(result).pendingUpdates).toEqual([]);
    expect(issue(result.issues, 'apt-list-not-upgradable')).toMatchObject({ severity: 'warning', line: 2 });
  });

  it('says that "Listing... Done" alone means up to date only as of the last apt update', () => {
    const bytes = utf8('Listing... Done\n');
    expect(detect(bytes, 'upgradable.txt')).toEqual({ format: 'apt-upgradable' });
    const result = check(parseAptUpgradable(bytes));
    expect(onlyHost(result).pendingUpdates).toEqual([]);
    expect(issue(result.issues, 'apt-no-updates')?.message).toMatch(/apt update/);
  });

  it('rejects a file with no apt list line', () => {
    const result = check(parseAptUpgradable(utf8('some\nother\ntext\n')));
    expect(result.value.hosts).toEqual([]);
    expect(issue(result.issues, 'not-apt-list')?.severity).toBe('error');
  });
});

describe('apt-get -s upgrade', () => {
  it('uses the Inst lines of a full simulation and notes the packages kept back', () => {
    const result = check(parseAptGetSimulate(own('apt-get-s-upgrade-jammy.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates.map((u) => u.name)).toEqual([
      'libssl3',
      'openssl',
      'curl',
      'libcurl4',
      'tzdata'
    ]);
    expect(update(host, 'curl')).toEqual({
      name: 'curl',
      kind: 'package',
      version: '7.81.0-1ubuntu1.16',
      currentVersion: '7.81.0-1ubuntu1.15',
      architecture: 'amd64',
      repository: 'Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security',
      security: true
    });
    expect(update(host, 'tzdata')).toMatchObject({ architecture: 'all', security: false });
    expect(issue(result.issues, 'apt-kept-back')?.message).toContain(
      'linux-generic, linux-headers-generic, linux-image-generic'
    );
    // The NOTE block's indented lines and apt's progress lines are not "unreadable".
    expect(codes(result.issues).sort()).toEqual(['apt-kept-back', 'host-name-unknown']);
  });

  it('warns when the names read do not add up to apt\'s "N upgraded, M newly installed"', () => {
    const result = check(parseAptGetSimulate(own('apt-get-upgrade-dry-run-cut.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates.map((u) => u.name)).toEqual([
      'linux-image-6.1.0-18-amd64',
      'base-files',
      'libc-bin',
      'libc6',
      'linux-image-amd64',
      'openssh-client',
      'openssh-server',
      'openssh-sftp-server'
    ]);
    expect(issue(result.issues, 'apt-count-mismatch')).toMatchObject({ severity: 'warning', line: 10 });
    expect(issue(result.issues, 'apt-count-mismatch')?.message).toContain('8 upgraded and 1 newly installed');
  });

  it('reads an Inst line of a package apt would newly install, and a Remv line as no update', () => {
    const text =
      'Inst linux-image-6.1.0-18-amd64 (6.1.76-1 Debian:12.5/stable, Debian-Security:12/stable-security [amd64])\nRemv old-pkg [1.0-1]\n';
    const result = check(parseAptGetSimulate(utf8(text)));
    expect(onlyHost(result).pendingUpdates).toEqual([
      {
        name: 'linux-image-6.1.0-18-amd64',
        kind: 'package',
        version: '6.1.76-1',
        architecture: 'amd64',
        repository: 'Debian:12.5/stable, Debian-Security:12/stable-security',
        security: true
      }
    ]);
    expect(issue(result.issues, 'apt-would-remove')).toMatchObject({ line: 2 });
  });

  it('sniffs Inst lines, the upgrade block and the summary line', () => {
    expect(sniffAptGetSimulate('Inst bash [5.1-6] (5.1-6ubuntu1 Ubuntu:22.04/jammy-updates [amd64])\n')).toBe(
      90
    );
    expect(sniffAptGetSimulate('The following packages will be upgraded:\n  bash\n')).toBe(85);
    expect(sniffAptGetSimulate('Inst is a word\n')).toBe(0);
    expect(
      sniffAptUpgradable('bash/jammy-updates 5.1-6ubuntu1.1 amd64 [upgradable from: 5.1-6ubuntu1]\n')
    ).toBe(85);
  });
});

describe('apt formats through detection and the registry', () => {
  const fixtures: [string, FileFormat, number][] = [
    ['apt-list-upgradable-jammy.txt', 'apt-upgradable', 8],
    ['apt-list-upgradable-bookworm-multiarch.txt', 'apt-upgradable', 5],
    ['apt-list-installed-not-upgradable.txt', 'apt-upgradable', 0],
    ['apt-get-s-upgrade-jammy.txt', 'apt-get-simulate', 5],
    ['apt-get-upgrade-dry-run-cut.txt', 'apt-get-simulate', 8]
  ];

  it.each(fixtures)('detects %s as %s with %i pending updates', (name, format, pending) => {
    const bytes = own(name);
    expect(detect(bytes, name)).toEqual({ format });
    const run = viaRegistry(format, bytes, 5);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toMatchObject({ assets: 1, pendingUpdates: pending, software: 0 });
  });
});
