import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes, issue, check, onlyHost, viaRegistry, detect } from './parser-tools';
import { type FileFormat, type PendingUpdate } from '../../../../src/lib/core/model';

import {
  parseDnfUpdateInfo,
  parseUpdateInfoLine,
  parseYumCheckUpdate,
  sniffDnfUpdateInfo,
  sniffYumCheckUpdate
} from '../../../../src/lib/core/parsers/yum';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('yum', name));

const line = (u: PendingUpdate): string => `${u.name}.${u.architecture} ${u.version} ${u.repository}`;

describe.skipIf(!hasShared)('yum check-update on ../shared/samples/linux-yum', () => {
  const samples = sharedSamples('linux-yum');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Counted by hand (grep for "name.arch" at the start of a line, wrapped records followed to their repository).
  // The manifest says "2 of 8 packages" for wrapped_versions: the file holds 7 packages on 9 lines.
  const expected: Record<string, { format: FileFormat; pending: number }> = {
    'EXTRACTED_ansible_yum_check-update_ceph_epochs.txt': { format: 'yum-check-update', pending: 15 },
    'EXTRACTED_ansible_yum_check-update_rhel7_obsoletes.txt': { format: 'yum-check-update', pending: 12 },
    'EXTRACTED_ansible_yum_check-update_russian_wrapped.txt': { format: 'yum-check-update', pending: 2 },
    'EXTRACTED_ansible_yum_check-update_wrapped_versions.txt': { format: 'yum-check-update', pending: 7 }
  };

  it('has expectations for every sample in the folder (a new sample fails here until it gets some)', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('detects and counts %s through the registry', (name, want) => {
    const bytes = sample(name);
    expect(detect(bytes, name)).toEqual({ format: want.format });
    const run = viaRegistry(want.format, bytes, 50);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: 0,
      pendingUpdates: want.pending
    });
  });

  it('keeps epochs in the versions (ceph)', () => {
    const result = check(parseYumCheckUpdate(sample('EXTRACTED_ansible_yum_check-update_ceph_epochs.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates[0]).toEqual({
      name: 'ceph',
      version: '1:11.2.0-0.el7',
      architecture: 'x86_64',
      repository: 'ceph',
      kind: 'package'
    });
    expect(host.pendingUpdates.find((u) => u.name === 'libcephfs1')?.version).toBe('1:11.0.2-0.el7');
    expect(host.pendingUpdates.every((u) => u.repository === 'ceph' && u.security === undefined)).toBe(true);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('skips the wrapped "Loaded plugins" preamble and keeps "Obsoleting Packages" out of the pending updates', () => {
    const result = check(
      parseYumCheckUpdate(sample('EXTRACTED_ansible_yum_check-update_rhel7_obsoletes.txt'))
    );
    const host = onlyHost(result);
    expect(host.pendingUpdates.map(line)).toEqual([
      'NetworkManager-openvpn.x86_64 1:1.2.6-1.el7 epel',
      'NetworkManager-openvpn-gnome.x86_64 1:1.2.6-1.el7 epel',
      'cabal-install.x86_64 1.16.1.0-2.el7 epel',
      'cgit.x86_64 1.1-1.el7 epel',
      'python34-libs.x86_64 3.4.5-3.el7 epel',
      'python34-test.x86_64 3.4.5-3.el7 epel',
      'python34-tkinter.x86_64 3.4.5-3.el7 epel',
      'python34-tools.x86_64 3.4.5-3.el7 epel',
      'qgit.x86_64 2.6-4.el7 epel',
      'rdiff-backup.x86_64 1.2.8-12.el7 epel',
      'stoken-libs.x86_64 0.91-1.el7 epel',
      'xlockmore.x86_64 5.49-2.el7 epel'
    ]);
    const obsoleting = issue(result.issues, 'yum-obsoleting');
    expect(obsoleting).toMatchObject({ severity: 'info', line: 19 });
    expect(obsoleting?.message).toContain(
      '6 packages under "Obsoleting Packages" would replace installed ones (ddashboard.x86_64, python-bugzilla.noarch, python2-futures.noarch, python2-pip.noarch, python2-pyxdg.noarch, python2-simplejson.x86_64)'
    );
    // The wrapped obsoleted name and the trailing "Security: …" lines are understood, not reported.
    expect(codes(result.issues).sort()).toEqual(['host-name-unknown', 'yum-obsoleting']);
  });

  it('follows a name so long that its version and repository wrap onto two more lines (Russian preamble)', () => {
    const result = check(
      parseYumCheckUpdate(sample('EXTRACTED_ansible_yum_check-update_russian_wrapped.txt'))
    );
    const host = onlyHost(result);
    expect(host.pendingUpdates.map(line)).toEqual([
      `${Array(20).fill('empty').join('-')}.x86_64 ${Array(36).fill('0').join('.')}.1-0 addons`,
      'libtiff.x86_64 4.0.3-27.el7_3 updates'
    ]);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('follows versions so long that the repository wraps onto the next line', () => {
    const host = onlyHost(
      check(parseYumCheckUpdate(sample('EXTRACTED_ansible_yum_check-update_wrapped_versions.txt')))
    );
    expect(host.pendingUpdates.map(line)).toEqual([
      'ipxe-roms-qemu.noarch 20160127-1.git6366fa7a.el7 rhelosp-9.0-director-puddle',
      'quota.x86_64 1:4.01-11.el7_2.1 rhelosp-rhel-7.2-z',
      'quota-nls.noarch 1:4.01-11.el7_2.1 rhelosp-rhel-7.2-z',
      'rdma.noarch 7.2_4.1_rc6-2.el7 rhelosp-rhel-7.2-z',
      'screen.x86_64 4.1.0-0.23.20120314git3c2946.el7_2 rhelosp-rhel-7.2-z',
      'sos.noarch 3.2-36.el7ost.2 rhelosp-9.0-puddle',
      'sssd-client.x86_64 1.13.0-40.el7_2.12 rhelosp-rhel-7.2-z'
    ]);
  });
});

describe('yum / dnf check-update', () => {
  it('reads dnf check-update with an Obsoleting section and a captured "exit code: 100"', () => {
    const result = check(parseYumCheckUpdate(own('dnf-check-update-rocky9.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates.map(line)).toEqual([
      'firefox.x86_64 115.9.1-1.el9_3 appstream',
      'kernel.x86_64 5.14.0-362.24.1.el9_3 baseos',
      'kernel-core.x86_64 5.14.0-362.24.1.el9_3 baseos',
      'openssl.x86_64 1:3.0.7-25.el9_3 baseos',
      'openssl-libs.x86_64 1:3.0.7-25.el9_3 baseos',
      'python3-perf.x86_64 5.14.0-362.24.1.el9_3 baseos',
      'tzdata.noarch 2024a-1.el9 baseos'
    ]);
    expect(issue(result.issues, 'yum-obsoleting')).toMatchObject({ line: 10 });
    expect(codes(result.issues)).not.toContain('yum-line-unreadable');
  });

  it('decodes a Russian capture saved as windows-1251 with CRLF', () => {
    const result = check(parseYumCheckUpdate(own('yum-check-update-ru-cp1251-crlf.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates.map(line)).toEqual([
      'bind-libs.x86_64 32:9.11.4-26.P2.el7_9.15 updates',
      'bind-utils.x86_64 32:9.11.4-26.P2.el7_9.15 updates',
      'kernel.x86_64 3.10.0-1160.114.2.el7 updates',
      'openssl.x86_64 1:1.0.2k-26.el7_9 updates',
      'openssl-libs.x86_64 1:1.0.2k-26.el7_9 updates'
    ]);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('says "up to date" for a dnf header with nothing under it, and warns for a file with no package line', () => {
    const nothing = check(parseYumCheckUpdate(own('dnf-check-update-nothing.txt')));
    expect(onlyHost(nothing).pendingUpdates).toEqual([]);
    expect(issue(nothing.issues, 'yum-no-updates')?.severity).toBe('info');
    const other = check(parseYumCheckUpdate(utf8('hello world\n')));
    expect(other.value.hosts).toEqual([]);
    expect(issue(other.issues, 'yum-no-updates')?.severity).toBe('warning');
  });

  it('reports a record cut before its repository, and lines it cannot read after the list', () => {
    const text =
      'bash.x86_64   5.1.8-9.el9   baseos\ncurl.x86_64   7.76.1-29.el9_4\n\nvim-minimal.x86_64 2:8.2.2637-21.el9 baseos\n%%% garbage %%%\n';
    const result = check(parseYumCheckUpdate(utf8(text)));
    expect(onlyHost(result).pendingUpdates.map((u) => u.name)).toEqual(['bash', 'vim-minimal']);
    expect(issue(result.issues, 'yum-record-incomplete')).toMatchObject({ severity: 'warning', line: 2 });
    expect(issue(result.issues, 'yum-line-unreadable')).toMatchObject({ severity: 'warning', line: 5 });
  });
});

describe('dnf updateinfo list', () => {
  it('reads advisories: security from "/Sec.", the advisory id in repository, epochs inside the NEVRA', () => {
    const result = check(parseDnfUpdateInfo(own('dnf-updateinfo-list-rhel8.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates).toHaveLength(11);
    expect(host.pendingUpdates[0]).toEqual({
      name: 'nss',
      version: '3.90.0-6.el8_9',
      repository: 'RHSA-2024:0790',
      security: true,
      kind: 'package',
      architecture: 'x86_64'
    });
    expect(host.pendingUpdates.find((u) => u.name === 'openssl-libs')).toMatchObject({
      version: '1:1.1.1k-12.el8_9',
      repository: 'RHSA-2024:0647',
      security: true
    });
    expect(host.pendingUpdates.find((u) => u.name === 'tzdata')).toMatchObject({
      security: false,
      architecture: 'noarch'
    });
    expect(host.pendingUpdates.filter((u) => u.security)).toHaveLength(9);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('reads yum updateinfo list (RHEL 7) with its wrapped plugin line and "updateinfo list done"', () => {
    const result = check(parseDnfUpdateInfo(own('yum-updateinfo-list-rhel7.txt')));
    const host = onlyHost(result);
    expect(host.pendingUpdates.map((u) => `${u.repository} ${u.name} ${u.version} ${u.security}`)).toEqual([
      'RHSA-2024:0071 bind-export-libs 32:9.11.4-26.P2.el7_9.15 true',
      'RHSA-2024:0071 bind-libs 32:9.11.4-26.P2.el7_9.15 true',
      'RHSA-2024:0346 kernel 3.10.0-1160.114.2.el7 true',
      'RHBA-2024:0329 tzdata 2024a-1.el7 false'
    ]);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('reads dnf5 rows (advisory, type, severity, package, issued) and the installed marker', () => {
    // dnf5's table as its documentation shows it: a header, then one advisory and package per row.
    const text = [
      'Name                 Type     Severity                       Package              Issued',
      'FEDORA-2024-1a2b3c4d security Moderate curl-8.6.0-8.fc40.x86_64 2024-04-16 01:23:45',
      'FEDORA-2024-5e6f7a8b bugfix   None     tzdata-2024a-5.fc40.noarch 2024-04-02 00:11:22'
    ].join('\n');
    const host = onlyHost(check(parseDnfUpdateInfo(utf8(text))));
    expect(host.pendingUpdates).toEqual([
      {
        name: 'curl',
        version: '8.6.0-8.fc40',
        repository: 'FEDORA-2024-1a2b3c4d',
        security: true,
        kind: 'package',
        architecture: 'x86_64'
      },
      {
        name: 'tzdata',
        version: '2024a-5.fc40',
        repository: 'FEDORA-2024-5e6f7a8b',
        security: false,
        kind: 'package',
        architecture: 'noarch'
      }
    ]);
    expect(
      parseUpdateInfoLine('i RHSA-2024:1249 Important/Sec. kernel-4.18.0-513.18.1.el8_9.x86_64')
    ).toEqual({
      advisory: 'RHSA-2024:1249',
      type: 'Important/Sec.',
      severity: 'Important',
      package: 'kernel-4.18.0-513.18.1.el8_9.x86_64'
    });
  });

  it('tells check-update and updateinfo apart', () => {
    const updateinfo = new TextDecoder().decode(own('dnf-updateinfo-list-rhel8.txt'));
    const checkUpdate = new TextDecoder().decode(own('dnf-check-update-rocky9.txt'));
    expect(sniffDnfUpdateInfo(updateinfo)).toBe(85);
    expect(sniffYumCheckUpdate(updateinfo)).toBe(0);
    expect(sniffDnfUpdateInfo(checkUpdate)).toBe(0);
    expect(sniffYumCheckUpdate(checkUpdate)).toBe(80);
  });
});

describe('yum formats through detection and the registry', () => {
  const fixtures: [string, FileFormat, number][] = [
    ['dnf-check-update-rocky9.txt', 'yum-check-update', 7],
    ['dnf-check-update-nothing.txt', 'yum-check-update', 0],
    ['yum-check-update-ru-cp1251-crlf.txt', 'yum-check-update', 5],
    ['dnf-updateinfo-list-rhel8.txt', 'dnf-updateinfo', 11],
    ['yum-updateinfo-list-rhel7.txt', 'dnf-updateinfo', 4]
  ];

  it.each(fixtures)('detects %s as %s with %i pending updates', (name, format, pending) => {
    const bytes = own(name);
    expect(detect(bytes, name)).toEqual({ format });
    const run = viaRegistry(format, bytes, 3);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toMatchObject({ assets: 1, pendingUpdates: pending });
  });
});
