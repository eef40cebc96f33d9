import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes, issue, check, onlyHost, detect } from './parser-tools';
import { type HostObservation, type OsInfo } from '../../../../src/lib/core/model';

import {
  parseOsRelease,
  sniffOsRelease,
  unquoteOsReleaseValue
} from '../../../../src/lib/core/parsers/os-release';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('os-release', name));

function viaRegistry(bytes: Uint8Array, chunk = 4096) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('os-release', { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  for (const h of hosts) tally.add(h);
  return { hosts, issues: parser.issues, counts: tally.counts };
}

describe.skipIf(!hasShared)('os-release on ../shared/samples/os-release', () => {
  const samples = sharedSamples('os-release');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Read off each file (cat -A): the OS each should give and the problems it must raise besides "host-name-unknown".
  const expected: Record<string, { os?: OsInfo; problems: string[] }> = {
    'jc_ubuntu1804_os-release': {
      os: {
        family: 'linux',
        name: 'Ubuntu 18.04.5 LTS',
        version: '18.04',
        distro: {
          id: 'ubuntu',
          versionId: '18.04',
          codename: 'bionic',
          prettyName: 'Ubuntu 18.04.5 LTS',
          idLike: ['debian']
        }
      },
      problems: []
    },
    'jc_centos7_os-release': {
      os: {
        family: 'linux',
        name: 'CentOS Linux 7 (Core)',
        version: '7',
        distro: {
          id: 'centos',
          versionId: '7',
          prettyName: 'CentOS Linux 7 (Core)',
          idLike: ['rhel', 'fedora']
        }
      },
      problems: []
    },
    'syft_rhel_os-release': {
      os: {
        family: 'linux',
        name: 'Red Hat Enterprise Linux Server 7.3 (Maipo)',
        version: '7.3',
        distro: {
          id: 'rhel',
          versionId: '7.3',
          prettyName: 'Red Hat Enterprise Linux Server 7.3 (Maipo)',
          idLike: ['fedora']
        }
      },
      problems: []
    },
    'syft_sles_os-release': {
      os: {
        family: 'linux',
        name: 'SUSE Linux Enterprise Server 15 SP2',
        version: '15.2',
        distro: {
          id: 'sles',
          versionId: '15.2',
          prettyName: 'SUSE Linux Enterprise Server 15 SP2',
          idLike: ['suse']
        }
      },
      problems: []
    },
    'syft_amazonlinux_os-release': {
      os: {
        family: 'linux',
        name: 'Amazon Linux 2',
        version: '2',
        distro: {
          id: 'amzn',
          versionId: '2',
          prettyName: 'Amazon Linux 2',
          idLike: ['centos', 'rhel', 'fedora']
        }
      },
      problems: []
    },
    'syft_debian-point-release_os-release': {
      os: {
        family: 'linux',
        name: 'Debian GNU/Linux 13 (trixie)',
        version: '13',
        distro: {
          id: 'debian',
          versionId: '13',
          codename: 'trixie',
          prettyName: 'Debian GNU/Linux 13 (trixie)'
        }
      },
      problems: []
    },
    'syft_alpine_os-release': {
      os: {
        family: 'linux',
        name: 'Alpine Linux v3.11',
        version: '3.11.6',
        distro: { id: 'alpine', versionId: '3.11.6', prettyName: 'Alpine Linux v3.11' }
      },
      problems: []
    },
    'syft_rockylinux_os-release': {
      os: {
        family: 'linux',
        name: 'Rocky Linux 8.4 (Green Obsidian)',
        version: '8.4',
        distro: {
          id: 'rocky',
          versionId: '8.4',
          prettyName: 'Rocky Linux 8.4 (Green Obsidian)',
          idLike: ['rhel', 'fedora']
        }
      },
      problems: []
    },
    'syft_oraclelinux_os-release': {
      os: {
        family: 'linux',
        name: 'Oracle Linux Server 8.3',
        version: '8.3',
        distro: { id: 'ol', versionId: '8.3', prettyName: 'Oracle Linux Server 8.3', idLike: ['fedora'] }
      },
      problems: []
    },
    'syft_custom-distro_os-release': {
      os: {
        family: 'linux',
        name: 'CentOS Linux 8 (Core)',
        version: '8',
        distro: {
          id: 'scientific',
          versionId: '8',
          prettyName: 'CentOS Linux 8 (Core)',
          idLike: ['rhel', 'fedora']
        }
      },
      problems: ['os-release-inconsistent']
    },
    'EDGE_syft_missing-version_os-release': {
      os: { family: 'linux', name: 'Debian GNU/Linux' },
      problems: ['os-release-id-missing', 'os-release-version-missing']
    },
    'EDGE_syft_unknown-id_os-release': {
      os: {
        family: 'linux',
        name: 'Debian GNU/Linux',
        version: '8',
        distro: { id: 'my-awesome-distro', versionId: '8', idLike: ['debian'] }
      },
      problems: ['os-release-unknown-id']
    },
    'EDGE_syft_empty_os-release': { problems: ['empty-file'] }
  };

  it('has expectations for every sample in the folder (a new sample fails here until it gets some)', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('reads %s', (name, want) => {
    const result = check(parseOsRelease(sample(name)));
    const problems = codes(result.issues).filter((c) => c !== 'host-name-unknown');
    expect(problems).toEqual(want.problems);
    if (!want.os) {
      expect(result.value.hosts).toEqual([]);
      return;
    }
    const host = onlyHost(result);
    expect(host.os).toEqual(want.os);
    expect(host.key).toBe('local');
    expect(host.hostname).toBeUndefined();
    expect(issue(result.issues, 'host-name-unknown')?.severity).toBe('warning');
  });

  it.each(Object.keys(expected).filter((n) => !n.startsWith('EDGE_syft_empty')))(
    'detects %s as os-release and imports one machine',
    (name) => {
      const bytes = sample(name);
      expect(detect(bytes, name)).toEqual({ format: 'os-release' });
      const run = viaRegistry(bytes, 16);
      expect(codes(run.issues)).not.toContain('invalid-record');
      expect(run.counts).toEqual({
        assets: 1,
        findings: 0,
        installedUpdates: 0,
        software: 0,
        pendingUpdates: 0
      });
    }
  );

  it('says what contradicts what in the custom-distro file', () => {
    const result = parseOsRelease(sample('syft_custom-distro_os-release'));
    const warning = issue(result.issues, 'os-release-inconsistent');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain(
      'NAME is "Scientific Linux" but PRETTY_NAME is "CentOS Linux 8 (Core)"'
    );
    expect(warning?.message).toContain('VERSION is "16 (Core)" but VERSION_ID is "8"');
  });

  it('gives an error, not a silent empty machine, for the 0-byte file', () => {
    const bytes = sample('EDGE_syft_empty_os-release');
    expect(detect(bytes, 'os-release').problem?.code).toBe('empty-file');
    const run = viaRegistry(bytes);
    expect(run.hosts).toEqual([]);
    expect(run.issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
  });
});

describe('os-release', () => {
  it('takes the host name from a "hostname:" line and skips comments and blank lines', () => {
    const result = check(parseOsRelease(own('ubuntu2204-hostname-comments.txt')));
    const host = onlyHost(result);
    expect(host).toMatchObject({
      key: 'web01.acme.local',
      hostname: 'web01',
      fqdn: 'web01.acme.local',
      domain: 'acme.local'
    });
    expect(host.os).toEqual({
      family: 'linux',
      name: 'Ubuntu 22.04.4 LTS',
      version: '22.04',
      distro: {
        id: 'ubuntu',
        versionId: '22.04',
        codename: 'jammy',
        prettyName: 'Ubuntu 22.04.4 LTS',
        idLike: ['debian']
      }
    });
    expect(result.issues).toEqual([]);
  });

  it('takes a bare `hostname` output on the first line, and the Debian 8 codename from VERSION', () => {
    const host = onlyHost(check(parseOsRelease(own('debian8-bare-hostname-first.txt'))));
    expect(host).toMatchObject({ key: 'mail02', hostname: 'mail02' });
    expect(host.os?.distro).toEqual({
      id: 'debian',
      versionId: '8',
      codename: 'jessie',
      prettyName: 'Debian GNU/Linux 8 (jessie)'
    });
  });

  it('accepts a rolling release without VERSION_ID with an info, not a warning', () => {
    const result = check(parseOsRelease(own('arch-rolling.txt')));
    expect(onlyHost(result).os).toEqual({
      family: 'linux',
      name: 'Arch Linux',
      distro: { id: 'arch', prettyName: 'Arch Linux' }
    });
    expect(issue(result.issues, 'os-release-version-missing')?.severity).toBe('info');
  });

  it('reads every quoting style and reports broken lines and repeated keys', () => {
    const result = check(parseOsRelease(own('hand-edited-quoting.txt')));
    const host = onlyHost(result);
    expect(host.os).toEqual({
      family: 'linux',
      name: 'Debian GNU/Linux 12 "bookworm" (appliance build)',
      version: '12',
      distro: {
        id: 'debian',
        versionId: '12',
        codename: 'bookworm',
        prettyName: 'Debian GNU/Linux 12 "bookworm" (appliance build)'
      }
    });
    expect(issue(result.issues, 'os-release-line-unreadable')).toMatchObject({
      severity: 'warning',
      count: 2,
      lines: [9, 10]
    });
    expect(issue(result.issues, 'os-release-key-repeated')).toMatchObject({ severity: 'info', line: 11 });
    expect(unquoteOsReleaseValue(`'single "quoted"'`)).toBe('single "quoted"');
    expect(unquoteOsReleaseValue('"a \\$b \\`c\\` \\\\d"')).toBe('a $b `c` \\d');
    expect(unquoteOsReleaseValue('"unclosed')).toBeUndefined();
    expect(unquoteOsReleaseValue('plain # comment')).toBe('plain');
  });

  it('names /etc/lsb-release as the wrong file instead of reading it', () => {
    const bytes = own('lsb-release-wrong-file.txt');
    const detection = detect(bytes, 'lsb-release');
    expect(detection.format).toBeNull();
    expect(detection.problem?.code).toBe('lsb-release-not-os-release');
    const result = check(parseOsRelease(bytes));
    expect(result.value.hosts).toEqual([]);
    expect(issue(result.issues, 'not-os-release')?.severity).toBe('error');
  });

  it('reports a file that holds only a byte order mark as empty', () => {
    const result = check(parseOsRelease(new Uint8Array([0xef, 0xbb, 0xbf])));
    expect(result.value.hosts).toEqual([]);
    expect(result.issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    expect(result.issues[0]?.message).toMatch(/byte order mark/);
  });

  it('does not claim KEY=value files that are not os-release', () => {
    expect(sniffOsRelease('PATH=/usr/bin\nHOME=/root\nLANG=C.UTF-8\n')).toBe(0);
    expect(sniffOsRelease('NAME=web\n')).toBe(0);
    expect(sniffOsRelease('ID=alpine\nVERSION_ID=3.19.1\n')).toBe(85);
  });

  it.each([
    ['ubuntu2204-hostname-comments.txt'],
    ['debian8-bare-hostname-first.txt'],
    ['arch-rolling.txt'],
    ['hand-edited-quoting.txt']
  ])('detects %s as os-release', (name) => {
    const bytes = own(name);
    expect(detect(bytes, name)).toEqual({ format: 'os-release' });
    const run = viaRegistry(bytes, 5);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts.assets).toBe(1);
  });

  it('reads a UTF-16LE os-release (copied through PowerShell) like the UTF-8 one', () => {
    const text = new TextDecoder().decode(own('ubuntu2204-hostname-comments.txt')).replace(/\n/g, '\r\n');
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16[0] = 0xff;
    utf16[1] = 0xfe;
    for (let i = 0; i < text.length; i++) {
      utf16[2 + i * 2] = text.charCodeAt(i) & 0xff;
      utf16[3 + i * 2] = text.charCodeAt(i) >> 8;
    }
    expect(onlyHost(check(parseOsRelease(utf16)))).toEqual(
      onlyHost(parseOsRelease(own('ubuntu2204-hostname-comments.txt')))
    );
  });
});
