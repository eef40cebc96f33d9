import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes, issue, check, onlyHost, viaRegistry, detect } from './parser-tools';
import { type FileFormat, type HostObservation, type Software } from '../../../../src/lib/core/model';

import {
  isDebianVersion,
  parseDpkgList,
  parseDpkgQuery,
  parseDpkgStatus,
  sniffDpkgList,
  sniffDpkgQuery,
  sniffDpkgStatus
} from '../../../../src/lib/core/parsers/dpkg';

import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('dpkg', name));

const byName = (host: HostObservation, name: string, arch?: string): Software | undefined =>
  host.software.find((s) => s.name === name && (arch === undefined || s.architecture === arch));

describe.skipIf(!hasShared)('dpkg readers on ../shared/samples/linux-dpkg', () => {
  const samples = sharedSamples('linux-dpkg');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Counted independently: grep -c '^ii', a Python slice of the ruler's columns, grep -n for the flags.
  const expected: Record<string, { format: FileFormat; software: number }> = {
    'jc_ubuntu1804_dpkg-l_80cols.txt': { format: 'dpkg-list', software: 614 },
    'TRICKY_jc_dpkg-l_status_codes.txt': { format: 'dpkg-list', software: 8 },
    trivy_ubuntu1804_var_lib_dpkg_status: { format: 'dpkg-status', software: 90 },
    MALFORMED_trivy_corrupted_dpkg_status: { format: 'dpkg-status', software: 4 }
  };

  it('has expectations for every sample in the folder (a new sample fails here until it gets some)', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('detects and counts %s through the registry', (name, want) => {
    const bytes = sample(name);
    expect(detect(bytes, name)).toEqual({ format: want.format });
    const run = viaRegistry(want.format, bytes, 1000);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: want.software,
      pendingUpdates: 0
    });
  });

  it('flags dpkg -l names and versions cut at the terminal width (80cols sample)', () => {
    const result = check(parseDpkgList(sample('jc_ubuntu1804_dpkg-l_80cols.txt')));
    const host = onlyHost(result);
    expect(host.key).toBe('local');
    expect(host.hostname).toBeUndefined();
    expect(host.os).toEqual({ family: 'linux' });
    expect(host.software).toHaveLength(614);
    // 9 names fill the 31-character column and 134 versions the 20-character one (no row has both). The manifest
    // counts 116 really cut (known from the wide listing); the other 27 are exactly 20 characters long and cannot be
    // told apart in this file, so they are flagged too rather than trusted.
    const cut = host.software.filter((s) => s.truncated);
    expect(cut).toHaveLength(143);
    expect(byName(host, 'binutils')).toEqual({
      name: 'binutils',
      ecosystem: 'deb',
      version: '2.30-21ubuntu1~18.04',
      architecture: 'amd64',
      truncated: true
    });
    expect(byName(host, 'linux-headers-4.15.0-137-generi')?.truncated).toBe(true);
    // Multi-arch qualifier taken off the name even when only the version was cut.
    expect(byName(host, 'zlib1g')).toMatchObject({
      version: '1:1.2.11.dfsg-0ubunt',
      truncated: true,
      architecture: 'amd64'
    });
    expect(byName(host, 'acpid')).toEqual({
      name: 'acpid',
      ecosystem: 'deb',
      version: '1:2.0.28-1ubuntu1',
      architecture: 'amd64'
    });
    expect(host.software.filter((s) => s.architecture === 'all')).toHaveLength(
      host.software.length - host.software.filter((s) => s.architecture === 'amd64').length
    );
    const warning = issue(result.issues, 'dpkg-list-truncated');
    expect(warning).toMatchObject({ severity: 'warning', count: 143, lines: [11, 24, 25, 26, 27], line: 11 });
    expect(warning?.message).toMatch(/dpkg-query -W/);
    expect(issue(result.issues, 'dpkg-not-installed')).toMatchObject({
      severity: 'info',
      count: 57,
      line: 404
    });
    expect(issue(result.issues, 'host-name-unknown')?.severity).toBe('warning');
  });

  it('counts only installed rows of the unusual status codes (rc, uWR, rh, pn are not software)', () => {
    const result = check(parseDpkgList(sample('TRICKY_jc_dpkg-l_status_codes.txt')));
    const host = onlyHost(result);
    expect(host.software.map((s) => s.name)).toEqual([
      'accountsservice',
      'amd64-microcode',
      'apparmor',
      'apport',
      'apport-symptoms',
      'linux-image-4.15.0-137-generic',
      'linux-image-4.15.0-139-generic',
      'linux-image-4.15.0-140-generic'
    ]);
    const info = issue(result.issues, 'dpkg-not-installed');
    expect(info).toMatchObject({ severity: 'info', count: 8, lines: [7, 8, 9, 10, 15] });
    expect(info?.message).toContain('rc (removed, configuration files left) ×5');
    expect(info?.message).toContain('uWR');
    expect(info?.message).toContain('rh');
    expect(info?.message).toContain('pn (purged, not installed) ×1');
    expect(byName(host, 'amd64-microcode')).toMatchObject({
      version: '3.20191021.1+really3',
      truncated: true
    });
    expect(issue(result.issues, 'dpkg-list-truncated')).toMatchObject({ line: 11 });
  });

  it('keeps source packages from the status database, with or without a version in parentheses', () => {
    const result = check(parseDpkgStatus(sample('trivy_ubuntu1804_var_lib_dpkg_status')));
    const host = onlyHost(result);
    expect(host.software).toHaveLength(90);
    expect(byName(host, 'fdisk')).toEqual({
      name: 'fdisk',
      ecosystem: 'deb',
      version: '2.31.1-0.4ubuntu3.1',
      architecture: 'amd64',
      sourcePackage: 'util-linux'
    });
    // "Source: gcc-8 (8-20180414-1ubuntu2)" → gcc-8; no Source field → the package itself.
    expect(byName(host, 'libgcc1')).toMatchObject({
      version: '1:8-20180414-1ubuntu2',
      sourcePackage: 'gcc-8'
    });
    expect(host.software.every((s) => s.sourcePackage)).toBe(true);
    expect(byName(host, 'git')).toBeUndefined();
    expect(issue(result.issues, 'dpkg-not-installed')).toMatchObject({ severity: 'info', line: 2134 });
    expect(issue(result.issues, 'dpkg-not-installed')?.message).toContain('"deinstall ok config-files" ×1');
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('groups the corrupted status database problems with their lines and keeps the good stanzas', () => {
    const result = check(parseDpkgStatus(sample('MALFORMED_trivy_corrupted_dpkg_status')));
    const host = onlyHost(result);
    expect(host.software.map((s) => `${s.name}=${s.version}`)).toEqual([
      'libpam-runtime=1.1.8-3.1ubuntu3',
      'libpam-modules-bin=1.1.8-3.1ubuntu3',
      'makedev=2.3.1-93ubuntu1',
      'libgcc1=1:5.1.1-12ubuntu1'
    ]);
    expect(byName(host, 'libgcc1')?.sourcePackage).toBe('gcc-5');
    expect(issue(result.issues, 'dpkg-status-missing')).toMatchObject({
      severity: 'warning',
      count: 2,
      lines: [63, 85],
      line: 63
    });
    expect(issue(result.issues, 'dpkg-status-missing')?.message).toContain('invalidpkg');
    expect(issue(result.issues, 'dpkg-version-invalid')).toMatchObject({ severity: 'warning', line: 87 });
    expect(issue(result.issues, 'dpkg-version-invalid')?.message).toContain('1:5.#');
  });
});

describe('dpkg -l', () => {
  it('reads a German dpkg -l redirected to a file: columns sized to fit, so nothing is flagged as cut', () => {
    const result = check(parseDpkgList(own('dpkg-l-de-redirected.txt')));
    const host = onlyHost(result);
    expect(host.software).toHaveLength(13);
    expect(host.software.some((s) => s.truncated)).toBe(false);
    // The longest version fills its column exactly and is still whole.
    expect(byName(host, 'docker-ce')).toEqual({
      name: 'docker-ce',
      ecosystem: 'deb',
      version: '5:25.0.3-1~debian.12~bookworm',
      architecture: 'amd64'
    });
    expect(byName(host, 'openssh-server')?.version).toBe('1:9.2p1-2+deb12u2'); // "hi": held, still installed
    expect(byName(host, 'libc6', 'amd64')?.version).toBe('2.36-9+deb12u4');
    expect(byName(host, 'libc6', 'i386')?.version).toBe('2.36-9+deb12u4');
    expect(byName(host, 'postgresql-15')).toBeUndefined();
    expect(byName(host, 'linux-image-6.1.0-17-amd64')).toBeUndefined();
    expect(issue(result.issues, 'dpkg-not-installed')).toMatchObject({ count: 2, lines: [15, 19] });
    expect(codes(result.issues)).not.toContain('dpkg-list-truncated');
  });

  it('flags cut names and versions of the old 4-column dpkg -l at 80 columns', () => {
    const result = check(parseDpkgList(own('dpkg-l-lucid-80col-no-arch.txt')));
    const host = onlyHost(result);
    expect(host.software).toHaveLength(8);
    expect(host.software.every((s) => s.architecture === undefined)).toBe(true);
    expect(host.software.filter((s) => s.truncated).map((s) => s.name)).toEqual([
      'adduser',
      'apache2.2-comm',
      'libssl0.9.8',
      'openssh-server',
      'openssl',
      'linux-image-2.',
      'zlib1g'
    ]);
    expect(byName(host, 'bash')).toEqual({ name: 'bash', ecosystem: 'deb', version: '4.1-2ubuntu3' });
    expect(issue(result.issues, 'dpkg-list-truncated')).toMatchObject({ count: 7, lines: [6, 7, 9, 10, 11] });
  });

  it('reads rows without the header (dpkg -l | grep ^ii) by splitting at spaces', () => {
    const text = [
      'ii  openssl        3.0.2-0ubuntu1.14  amd64  Secure Sockets Layer toolkit',
      'ii  libssl3:amd64  3.0.2-0ubuntu1.14  amd64  Secure Sockets Layer toolkit - shared libraries',
      'ii  tzdata         2023c-0ubuntu0.22.04.2 all time zone and daylight-saving time data'
    ].join('\n');
    expect(sniffDpkgList(text)).toBe(70);
    const host = onlyHost(check(parseDpkgList(utf8(text))));
    expect(host.software).toEqual([
      { name: 'openssl', ecosystem: 'deb', version: '3.0.2-0ubuntu1.14', architecture: 'amd64' },
      { name: 'libssl3', ecosystem: 'deb', version: '3.0.2-0ubuntu1.14', architecture: 'amd64' },
      { name: 'tzdata', ecosystem: 'deb', version: '2023c-0ubuntu0.22.04.2', architecture: 'all' }
    ]);
  });

  it('uses a "hostname:" line above the listing as the machine name', () => {
    const bytes = utf8(
      `hostname: db02.corp.example\n${new TextDecoder().decode(own('dpkg-l-de-redirected.txt'))}`
    );
    const host = onlyHost(check(parseDpkgList(bytes)));
    expect(host).toMatchObject({
      key: 'db02.corp.example',
      hostname: 'db02',
      fqdn: 'db02.corp.example',
      domain: 'corp.example'
    });
  });

  it('reports a header without rows, and a file with no rows at all', () => {
    const headerOnly = utf8(
      'Desired=Unknown/Install/Remove/Purge/Hold\n| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n||/ Name           Version      Architecture Description\n+++-==============-============-============-=================================\n'
    );
    const a = check(parseDpkgList(headerOnly));
    expect(a.value.hosts).toEqual([]);
    expect(issue(a.issues, 'no-packages')?.severity).toBe('warning');
    const b = check(parseDpkgList(utf8('hello\nworld\n')));
    expect(b.value.hosts).toEqual([]);
    expect(issue(b.issues, 'no-packages')?.severity).toBe('error');
  });
});

describe('dpkg-query -W', () => {
  it('reads the default ${binary:Package}\\t${Version} layout and says that removed packages may be in it', () => {
    const result = check(parseDpkgQuery(own('dpkg-query-default-jammy.txt')));
    const host = onlyHost(result);
    expect(host.software).toHaveLength(17);
    expect(byName(host, 'libc6')).toEqual({
      name: 'libc6',
      version: '2.35-0ubuntu3.6',
      ecosystem: 'deb',
      architecture: 'amd64'
    });
    expect(byName(host, 'openssh-server')).toEqual({
      name: 'openssh-server',
      version: '1:8.9p1-3ubuntu0.6',
      ecosystem: 'deb'
    });
    expect(issue(result.issues, 'dpkg-query-no-status')?.severity).toBe('info');
  });

  it('reads the same list saved by PowerShell as UTF-16LE with BOM and CRLF', () => {
    const a = onlyHost(check(parseDpkgQuery(own('dpkg-query-default-jammy.txt'))));
    const b = onlyHost(check(parseDpkgQuery(own('dpkg-query-default-utf16le-bom.txt'))));
    expect(b.software).toEqual(a.software);
  });

  it('guesses the columns of the recommended format: architecture, source package and status abbreviation', () => {
    const result = check(parseDpkgQuery(own('dpkg-query-full-format-hostname.txt')));
    const host = onlyHost(result);
    expect(host).toMatchObject({ key: 'web01.acme.local', hostname: 'web01', fqdn: 'web01.acme.local' });
    expect(host.software).toHaveLength(15);
    expect(byName(host, 'libssl3')).toEqual({
      name: 'libssl3',
      version: '3.0.2-0ubuntu1.14',
      ecosystem: 'deb',
      architecture: 'amd64',
      sourcePackage: 'openssl'
    });
    expect(byName(host, 'nginx')?.version).toBe('1.18.0-6ubuntu14.4'); // "hi ": held
    expect(byName(host, 'php8.1-fpm')).toBeUndefined(); // "iU ": unpacked only
    expect(byName(host, 'linux-image-5.15.0-97-generic')).toBeUndefined(); // "rc "
    expect(issue(result.issues, 'dpkg-not-installed')).toMatchObject({ count: 2, lines: [11, 15] });
    expect(codes(result.issues)).not.toContain('host-name-unknown');
    expect(codes(result.issues)).not.toContain('dpkg-query-no-status');
  });

  it('reads ${Package} ${Version} ${Status} with spaces inside the status words', () => {
    const result = check(parseDpkgQuery(own('dpkg-query-package-version-status.txt')));
    const host = onlyHost(result);
    expect(host.software).toHaveLength(15);
    expect(issue(result.issues, 'dpkg-not-installed')?.message).toContain('deinstall ok config-files ×1');
    expect(issue(result.issues, 'dpkg-not-installed')?.message).toContain('install ok unpacked ×1');
  });

  it('skips packages listed with an empty version and lines that are not packages', () => {
    const text =
      'openssl\t3.0.2-0ubuntu1.14\nlibfoo1\t\nbash\t5.1-6ubuntu1.1\ncurl\t7.81.0-1ubuntu1.15\n### cut here ###\n';
    const result = check(parseDpkgQuery(utf8(text)));
    const host = onlyHost(result);
    expect(host.software.map((s) => s.name)).toEqual(['openssl', 'bash', 'curl']);
    expect(issue(result.issues, 'dpkg-not-installed')).toMatchObject({ line: 2 });
    expect(issue(result.issues, 'dpkg-line-unreadable')).toMatchObject({ severity: 'warning', line: 5 });
  });

  it('does not take rpm or yum lists for dpkg-query output', () => {
    expect(
      sniffDpkgQuery('openssl 1.1.1k-9.el8 x86_64\nbash 4.4.20-4.el8 x86_64\ntzdata 2024a-1.el8 noarch\n')
    ).toBe(0);
    expect(
      sniffDpkgQuery(
        'ceph.x86_64  1:11.2.0-0.el7  ceph\nlibrbd1.x86_64 1:11.2.0-0.el7 ceph\nlibrgw2.x86_64 1:11.2.0-0.el7 ceph\n'
      )
    ).toBe(0);
    expect(
      sniffDpkgQuery(new TextDecoder().decode(own('dpkg-query-default-jammy.txt')))
    ).toBeGreaterThanOrEqual(60);
  });
});

describe('/var/lib/dpkg/status', () => {
  it('counts "hold ok installed" as installed and leaves half-installed and config-files entries out', () => {
    const result = check(parseDpkgStatus(own('status-hold-halfinstalled.txt')));
    const host = onlyHost(result);
    expect(host.software.map((s) => [s.name, s.version, s.sourcePackage])).toEqual([
      ['base-files', '12.4+deb12u5', 'base-files'],
      ['libssl3', '3.0.11-1~deb12u2', 'openssl'],
      ['openssh-server', '1:9.2p1-2+deb12u2', 'openssh'],
      ['libc-bin', '2.36-9+deb12u4', 'glibc'],
      ['libpython3.11-minimal', '3.11.2-6+deb12u1', 'python3.11']
    ]);
    expect(issue(result.issues, 'dpkg-not-installed')).toMatchObject({ count: 2, lines: [80, 91] });
  });

  it('reports a file without any stanza as not a status database', () => {
    const result = check(parseDpkgStatus(utf8('Just some text\nwithout stanzas\n')));
    expect(result.value.hosts).toEqual([]);
    expect(issue(result.issues, 'no-packages')?.severity).toBe('error');
  });

  it('sniffs status stanzas, and Package/Version stanzas without Status more weakly', () => {
    expect(sniffDpkgStatus('Package: bash\nStatus: install ok installed\nVersion: 5.1-6\n')).toBe(95);
    expect(sniffDpkgStatus('Package: bash\nVersion: 5.1-6\nFilename: pool/main/b/bash.deb\n')).toBe(55);
    expect(sniffDpkgStatus('Name: bash\n')).toBe(0);
  });
});

describe('Debian versions', () => {
  it('tells valid Debian versions from invalid ones', () => {
    for (const v of [
      '1.0',
      '1:2.0.28-1ubuntu1',
      '2.30-21ubuntu1~18.04.5',
      '7.5.0-3ubuntu1~18.04',
      '1:1.2.11.dfsg-0ubuntu2',
      '0.20'
    ]) {
      expect(isDebianVersion(v), v).toBe(true);
    }
    for (const v of ['1:5.#', 'abc', '', '1.0-', 'x:1.0', '1.0:2-3'])
      expect(isDebianVersion(v), v).toBe(false);
  });
});

describe('dpkg formats through detection and the registry', () => {
  const fixtures: [string, FileFormat, number][] = [
    ['dpkg-l-de-redirected.txt', 'dpkg-list', 13],
    ['dpkg-l-lucid-80col-no-arch.txt', 'dpkg-list', 8],
    ['dpkg-query-default-jammy.txt', 'dpkg-query', 17],
    ['dpkg-query-default-utf16le-bom.txt', 'dpkg-query', 17],
    ['dpkg-query-full-format-hostname.txt', 'dpkg-query', 15],
    ['dpkg-query-package-version-status.txt', 'dpkg-query', 15],
    ['status-hold-halfinstalled.txt', 'dpkg-status', 5]
  ];

  it.each(fixtures)('detects %s as %s and imports %i packages', (name, format, software) => {
    const bytes = own(name);
    expect(detect(bytes, name)).toEqual({ format });
    const run = viaRegistry(format, bytes, 7);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts.software).toBe(software);
    expect(run.counts.assets).toBe(1);
  });

  it('gives the same result whatever the chunk size (UTF-16 and multi-byte UTF-8 split anywhere)', () => {
    for (const name of ['dpkg-query-default-utf16le-bom.txt', 'dpkg-l-de-redirected.txt']) {
      const bytes = own(name);
      const format = name.startsWith('dpkg-l') ? 'dpkg-list' : 'dpkg-query';
      const whole = viaRegistry(format, bytes, bytes.length);
      for (const chunk of [1, 2, 3, 5, 64]) {
        expect(viaRegistry(format, bytes, chunk).hosts, `${name} in ${chunk}-byte chunks`).toEqual(
          whole.hosts
        );
      }
    }
  });

  it('reads a 60,000-package dpkg-query list line by line', () => {
    const lines: string[] = [];
    for (let i = 0; i < 60000; i++)
      lines.push(`pkg-${i}:amd64\t1.${i}-1ubuntu0.${i % 7}\tamd64\tsrc-${i % 500}\tii `);
    const bytes = utf8(`${lines.join('\n')}\n`);
    expect(bytes.length).toBeGreaterThan(2_000_000);
    expect(detect(bytes, 'packages.txt')).toEqual({ format: 'dpkg-query' });
    const run = viaRegistry('dpkg-query', bytes, 65536);
    expect(run.counts.software).toBe(60000);
    expect(run.hosts[0]?.software[59999]).toEqual({
      name: 'pkg-59999',
      version: '1.59999-1ubuntu0.2',
      ecosystem: 'deb',
      architecture: 'amd64',
      sourcePackage: 'src-499'
    });
  });
});
