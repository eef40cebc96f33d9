import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes, issue, check, onlyHost, viaRegistry, detect } from './parser-tools';
import { type FileFormat, type HostObservation, type Software } from '../../../../src/lib/core/model';

import {
  parseNevra,
  parseRpmQa,
  parseRpmQai,
  rpmDate,
  sniffRpmQa,
  sniffRpmQai,
  sourceRpmName
} from '../../../../src/lib/core/parsers/rpm';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('rpm', name));

const pkgs = (host: HostObservation, name: string): Software[] =>
  host.software.filter((s) => s.name === name);

describe.skipIf(!hasShared)('rpm -qai on ../shared/samples/linux-rpm', () => {
  const samples = sharedSamples('linux-rpm');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Counted with grep -c '^Name        :' (433) less the 3 gpg-pubkey blocks, and a Python pass over the blocks.
  const expected: Record<string, { format: FileFormat; software: number }> = {
    'jc_centos77_rpm-qai.txt': { format: 'rpm-qai', software: 430 }
  };

  it('has expectations for every sample in the folder (a new sample fails here until it gets some)', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('detects and counts %s through the registry', (name, want) => {
    const bytes = sample(name);
    expect(detect(bytes, name)).toEqual({ format: want.format });
    const run = viaRegistry(want.format, bytes, 3000);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: want.software,
      pendingUpdates: 0
    });
  });

  it('reads 430 CentOS 7.7 packages with epochs, source RPMs, vendors and install dates', () => {
    const result = check(parseRpmQai(sample('jc_centos77_rpm-qai.txt')));
    const host = onlyHost(result);
    expect(host.os).toEqual({ family: 'linux' });
    expect(host.software).toHaveLength(430);
    expect(host.software[0]).toEqual({
      name: 'make',
      version: '1:3.82-24.el7',
      ecosystem: 'rpm',
      architecture: 'x86_64',
      vendor: 'CentOS',
      sourcePackage: 'make',
      installedOn: '2019-10-16'
    });
    expect(pkgs(host, 'openssl-libs')).toEqual([
      {
        name: 'openssl-libs',
        version: '1:1.0.2k-19.el7',
        ecosystem: 'rpm',
        architecture: 'x86_64',
        vendor: 'CentOS',
        sourcePackage: 'openssl',
        installedOn: '2019-10-16'
      }
    ]);
    expect(pkgs(host, 'kernel').map((k) => k.version)).toEqual([
      '3.10.0-957.27.2.el7',
      '3.10.0-957.el7',
      '3.10.0-1062.1.2.el7'
    ]);
    expect(pkgs(host, 'libsmartcols')[0]?.sourcePackage).toBe('util-linux');
    expect(host.software.filter((s) => /^\d+:/.test(s.version ?? ''))).toHaveLength(70);
    expect(host.software.filter((s) => s.vendor === 'Fedora Project')).toHaveLength(4);
    expect(host.software.filter((s) => s.architecture === 'noarch')).toHaveLength(82);
    expect(host.software.every((s) => s.installedOn && s.sourcePackage)).toBe(true);
    // The gpg-pubkey blocks carry "Version: rpm-4.11.3" inside their Description: not a field.
    expect(issue(result.issues, 'rpm-gpg-pubkey')).toMatchObject({
      severity: 'info',
      count: 3,
      lines: [1583, 2809, 8898]
    });
    expect(codes(result.issues).sort()).toEqual(['host-name-unknown', 'rpm-gpg-pubkey']);
  });
});

describe('rpm -qai', () => {
  it('reads rpm 4.16 dates, ignores field-like Description text, and reports a cut last block', () => {
    const result = check(parseRpmQai(own('rpm-qai-rocky9-cut.txt')));
    const host = onlyHost(result);
    expect(host.software).toEqual([
      {
        name: 'openssl',
        version: '1:3.0.7-25.el9_3',
        ecosystem: 'rpm',
        architecture: 'x86_64',
        vendor: 'Rocky Enterprise Software Foundation',
        sourcePackage: 'openssl',
        installedOn: '2024-03-12'
      },
      {
        name: 'tzdata',
        version: '2024a-1.el9',
        ecosystem: 'rpm',
        architecture: 'noarch',
        vendor: 'Rocky Enterprise Software Foundation',
        sourcePackage: 'tzdata',
        installedOn: '2024-03-12'
      },
      {
        name: 'google-chrome-stable',
        version: '123.0.6312.86-1',
        ecosystem: 'rpm',
        architecture: 'x86_64',
        vendor: 'Google Inc.',
        sourcePackage: 'google-chrome-stable'
      }
    ]);
    expect(issue(result.issues, 'rpm-field-missing')).toMatchObject({ severity: 'warning', line: 86 });
    expect(issue(result.issues, 'rpm-field-missing')?.message).toContain('kernel-core');
    expect(issue(result.issues, 'rpm-gpg-pubkey')).toMatchObject({ line: 65 });
    expect(issue(result.issues, 'rpm-date-unreadable')?.severity).toBe('info');
  });

  it('reports a file without package blocks', () => {
    const result = check(parseRpmQai(utf8('Name: not padded\nVersion: 1\n')));
    expect(result.value.hosts).toEqual([]);
    expect(issue(result.issues, 'no-packages')?.severity).toBe('error');
  });
});

describe('rpm -qa', () => {
  it('reads name-version-release.arch lines, gpg-pubkey entries aside', () => {
    const result = check(parseRpmQa(own('rpm-qa-rocky9.txt')));
    const host = onlyHost(result);
    expect(host.software).toHaveLength(12);
    expect(host.software[0]).toEqual({
      name: 'openssl-libs',
      version: '3.0.7-25.el9_3',
      ecosystem: 'rpm',
      architecture: 'x86_64'
    });
    expect(pkgs(host, 'glibc').map((g) => g.architecture)).toEqual(['x86_64', 'i686']);
    expect(pkgs(host, 'kernel-core').map((k) => k.version)).toEqual([
      '5.14.0-362.18.1.el9_3',
      '5.14.0-362.24.1.el9_3'
    ]);
    expect(issue(result.issues, 'rpm-gpg-pubkey')).toMatchObject({ line: 11 });
  });

  it('reads --qf "%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM}" with (none) epochs', () => {
    const host = onlyHost(check(parseRpmQa(own('rpm-qa-qf-epoch-source.txt'))));
    expect(host.software.map((s) => [s.name, s.version, s.architecture, s.sourcePackage])).toEqual([
      ['openssl-libs', '1:3.0.7-25.el9_3', 'x86_64', 'openssl'],
      ['glibc', '2.34-83.el9_3.7', 'x86_64', 'glibc'],
      ['bind-libs', '32:9.16.23-14.el9_3', 'x86_64', 'bind'],
      ['kernel-core', '5.14.0-362.24.1.el9_3', 'x86_64', 'kernel'],
      ['tzdata', '2024a-1.el9', 'noarch', 'tzdata']
    ]);
  });

  it('reads %{NEVRA} lines with epochs and a bare host name on the first line (SUSE)', () => {
    const result = check(parseRpmQa(own('rpm-qa-qf-nevra-sles15-hostname.txt')));
    const host = onlyHost(result);
    expect(host).toMatchObject({
      key: 'sles-app01.corp.example',
      hostname: 'sles-app01',
      domain: 'corp.example'
    });
    expect(host.software).toHaveLength(6);
    expect(pkgs(host, 'bind-utils')[0]).toEqual({
      name: 'bind-utils',
      version: '1:9.16.48-150500.8.10.1',
      ecosystem: 'rpm',
      architecture: 'x86_64'
    });
    expect(issue(result.issues, 'rpm-gpg-pubkey')).toMatchObject({ count: 2, lines: [7, 8] });
    expect(codes(result.issues)).not.toContain('host-name-unknown');
  });

  it('reports lines that are not packages', () => {
    const result = check(
      parseRpmQa(utf8('bash-5.1.8-6.el9_1.x86_64\n*** end of list ***\ntzdata-2024a-1.el9.noarch\n'))
    );
    expect(onlyHost(result).software).toHaveLength(2);
    expect(issue(result.issues, 'rpm-line-unreadable')).toMatchObject({ severity: 'warning', line: 2 });
  });
});

describe('RPM names, versions and dates', () => {
  it('splits NEVRAs with and without epoch and architecture', () => {
    expect(parseNevra('openssl-libs-1:3.0.7-25.el9_3.x86_64')).toEqual({
      name: 'openssl-libs',
      epoch: '1',
      version: '3.0.7',
      release: '25.el9_3',
      arch: 'x86_64'
    });
    expect(parseNevra('gpg-pubkey-f4a80eb5-53a7ff4b')).toEqual({
      name: 'gpg-pubkey',
      version: 'f4a80eb5',
      release: '53a7ff4b'
    });
    expect(parseNevra('kernel-0:4.18.0-513.el8.x86_64')?.epoch).toBeUndefined();
    expect(parseNevra('nodash')).toBeUndefined();
    expect(sourceRpmName('util-linux-2.23.2-61.el7.src.rpm')).toBe('util-linux');
    expect(sourceRpmName('(none)')).toBeUndefined();
  });

  it('reads install dates of rpm 4.11 and 4.16 in the C locale, and no other', () => {
    expect(rpmDate('Wed 16 Oct 2019 09:21:42 AM PDT')).toBe('2019-10-16');
    expect(rpmDate('Tue Feb  6 17:01:44 2024')).toBe('2024-02-06');
    expect(rpmDate('2024-03-12T10:22:33Z')).toBe('2024-03-12');
    expect(rpmDate('Di 02 Apr 2024 07:41:09 CEST')).toBeUndefined();
  });

  it('sniffs rpm -qa and rpm -qai, and not dpkg or yum lists', () => {
    expect(sniffRpmQai('Name        : bash\nVersion     : 5.1.8\nRelease     : 6.el9_1\n')).toBe(95);
    expect(sniffRpmQa(new TextDecoder().decode(own('rpm-qa-rocky9.txt')))).toBe(75);
    expect(sniffRpmQa('adduser\t3.118ubuntu5\napt\t2.4.11\nbash\t5.1-6ubuntu1.1\n')).toBe(0);
    expect(
      sniffRpmQa(
        'ceph.x86_64 1:11.2.0-0.el7 ceph\nlibrbd1.x86_64 1:11.2.0-0.el7 ceph\nrbd.x86_64 1:11.2.0-0.el7 ceph\n'
      )
    ).toBe(0);
  });
});

describe('rpm formats through detection and the registry', () => {
  const fixtures: [string, FileFormat, number][] = [
    ['rpm-qa-rocky9.txt', 'rpm-qa', 12],
    ['rpm-qa-qf-epoch-source.txt', 'rpm-qa', 5],
    ['rpm-qa-qf-nevra-sles15-hostname.txt', 'rpm-qa', 6],
    ['rpm-qai-rocky9-cut.txt', 'rpm-qai', 3]
  ];

  it.each(fixtures)('detects %s as %s with %i packages', (name, format, software) => {
    const bytes = own(name);
    expect(detect(bytes, name)).toEqual({ format });
    const run = viaRegistry(format, bytes, 11);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toMatchObject({ assets: 1, software });
  });
});
