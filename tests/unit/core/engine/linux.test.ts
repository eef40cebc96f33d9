import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOsvPart } from '../../../../src/lib/core/catalog/osv';
import type { OsvPart } from '../../../../src/lib/core/catalog/parts';
import {
  linuxPackageGaps,
  osvEcosystemFor,
  type LinuxPackageGap
} from '../../../../src/lib/core/engine/linux';
import type { Software } from '../../../../src/lib/core/model';
import { parseAptUpgradable } from '../../../../src/lib/core/parsers/apt';
import { parseOsRelease } from '../../../../src/lib/core/parsers/os-release';
import { parseRpmQa } from '../../../../src/lib/core/parsers/rpm';
import { parseYumCheckUpdate } from '../../../../src/lib/core/parsers/yum';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const OSV = fixture('catalog', 'osv');

async function rockyPart(): Promise<OsvPart> {
  const r = await buildOsvPart(
    [{ name: 'rpm-pack.jsonl', bytes: readBytes(join(OSV, 'rpm-pack.jsonl')) }],
    'pack'
  );
  return r.value!;
}

async function debianPart(): Promise<OsvPart> {
  const dir = join(OSV, 'debian-12');
  const files: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir)) files[f] = readBytes(join(dir, f));
  const r = await buildOsvPart([{ name: 'all.zip', bytes: zipSync(files) }], 'Debian/all.zip');
  return r.value!;
}

const rpm = (name: string, version: string, extra: Partial<Software> = {}): Software => ({
  name,
  version,
  ecosystem: 'rpm',
  ...extra
});
const deb = (name: string, version: string, sourcePackage?: string): Software => ({
  name,
  version,
  ecosystem: 'deb',
  ...(sourcePackage ? { sourcePackage } : {})
});
const ROCKY_9 = { id: 'rocky', versionId: '9.4' };
const DEBIAN_12 = { id: 'debian', versionId: '12' };

/** package → [fixed, advisory ids] */
const summary = (gaps: LinuxPackageGap[]): Record<string, [string | undefined, string[]]> =>
  Object.fromEntries(gaps.map((g) => [g.package, [g.fixed, g.advisories.map((a) => a.id).sort()]]));

describe('osvEcosystemFor', () => {
  it('spells Ubuntu releases with ":LTS" only for LTS releases', () => {
    expect(osvEcosystemFor({ id: 'ubuntu', versionId: '22.04' })).toEqual({ ecosystem: 'Ubuntu:22.04:LTS' });
    expect(osvEcosystemFor({ id: 'ubuntu', versionId: '24.04', prettyName: 'Ubuntu 24.04.2 LTS' })).toEqual({
      ecosystem: 'Ubuntu:24.04:LTS'
    });
    expect(osvEcosystemFor({ id: 'ubuntu', versionId: '23.10', prettyName: 'Ubuntu 23.10' })).toEqual({
      ecosystem: 'Ubuntu:23.10'
    });
    expect(osvEcosystemFor({ id: 'ubuntu', versionId: '21.04' })).toEqual({ ecosystem: 'Ubuntu:21.04' });
  });

  it('spells Debian, AlmaLinux and Rocky by major release and Alpine by branch', () => {
    expect(osvEcosystemFor({ id: 'debian', versionId: '12' })).toEqual({ ecosystem: 'Debian:12' });
    expect(osvEcosystemFor({ id: 'almalinux', versionId: '9.4' })).toEqual({ ecosystem: 'AlmaLinux:9' });
    expect(osvEcosystemFor({ id: 'rocky', versionId: '8.10' })).toEqual({ ecosystem: 'Rocky Linux:8' });
    expect(osvEcosystemFor({ id: 'alpine', versionId: '3.19.1' })).toEqual({ ecosystem: 'Alpine:v3.19' });
  });

  it('spells SUSE and openSUSE by PRETTY_NAME without the vendor word', () => {
    expect(
      osvEcosystemFor({ id: 'sles', versionId: '15.6', prettyName: 'SUSE Linux Enterprise Server 15 SP6' })
    ).toEqual({ ecosystem: 'SUSE:Linux Enterprise Server 15 SP6' });
    expect(
      osvEcosystemFor({ id: 'opensuse-leap', versionId: '15.5', prettyName: 'openSUSE Leap 15.5' })
    ).toEqual({
      ecosystem: 'openSUSE:Leap 15.5'
    });
    expect(osvEcosystemFor({ id: 'sles', versionId: '15.6' })).toHaveProperty('problem');
  });

  it('gives a problem, not a guess, for Red Hat, derivatives and releases without a number', () => {
    const rhel = osvEcosystemFor({ id: 'rhel', versionId: '9.4' });
    expect(rhel).toHaveProperty('problem');
    expect((rhel as { problem: string }).problem).toContain('Red Hat:enterprise_linux:9::baseos');
    const mint = osvEcosystemFor({ id: 'linuxmint', versionId: '21.3', idLike: ['ubuntu', 'debian'] });
    expect((mint as { problem: string }).problem).toContain('like ubuntu, debian');
    expect(osvEcosystemFor({ id: 'centos', versionId: '7' })).toHaveProperty('problem');
    expect(osvEcosystemFor({ id: 'debian' })).toHaveProperty('problem');
    expect(osvEcosystemFor({ id: 'almalinux' })).toHaveProperty('problem');
  });
});

describe('linuxPackageGaps on fixture advisories', () => {
  let rocky: OsvPart;
  let debian: OsvPart;
  beforeAll(async () => {
    rocky = await rockyPart();
    debian = await debianPart();
  });

  it('orders rpm versions by epoch first: 32:9.16.23-14 is affected, 33:9.0 is not', () => {
    const r = linuxPackageGaps({
      software: [rpm('bind-libs', '32:9.16.23-14.el9_3.4'), rpm('bind-utils', '33:9.0-1.el9')],
      pending: [],
      distro: ROCKY_9,
      osv: rocky
    });
    expect(r).toMatchObject({ ecosystem: 'Rocky Linux:9', covered: true });
    expect(summary(r.gaps)).toEqual({ 'bind-libs': ['32:9.16.23-18.el9_4.1', ['RLSA-2024:1111']] });
    expect(r.gaps[0]).toMatchObject({
      installed: '32:9.16.23-14.el9_3.4',
      cves: ['CVE-2023-50387', 'CVE-2023-50868'],
      severity: 'high',
      published: '2024-04-30',
      security: true,
      fromPendingList: false
    });
    expect(r.problems).toEqual([]);
  });

  it('gives an epoch-less rpm -qa version the advisory’s epoch and says so', () => {
    const r = linuxPackageGaps({
      software: [rpm('bind-libs', '9.16.23-14.el9_3.4'), rpm('bind-utils', '9.16.23-20.el9')],
      pending: [],
      distro: ROCKY_9,
      osv: rocky
    });
    expect(summary(r.gaps)).toEqual({ 'bind-libs': ['32:9.16.23-18.el9_4.1', ['RLSA-2024:1111']] });
    expect(r.problems.join('\n')).toMatch(/2 packages were listed without the epoch.*bind-libs, bind-utils/);
  });

  it('honours introduced: only versions inside an (introduced, fixed) pair are affected', () => {
    const at = (version: string) =>
      linuxPackageGaps({ software: [rpm('libtiff', version)], pending: [], distro: ROCKY_9, osv: rocky })
        .gaps[0]?.fixed;
    expect(at('4.3.0-1.el9')).toBeUndefined();
    expect(at('4.4.0-2.el9')).toBe('4.4.0-8.el9');
    expect(at('4.4.0-5.el9')).toBe('4.4.0-8.el9');
    expect(at('4.4.0-8.el9')).toBeUndefined();
    expect(at('4.4.0-9.el9')).toBeUndefined();
    expect(at('4.5.0-2.el9')).toBe('4.5.0-3.el9');
  });

  it('compares a base package with base fixes and a module build with its own stream only', () => {
    const base = linuxPackageGaps({
      software: [rpm('nginx', '2:1.20.1-14.el9')],
      pending: [],
      distro: ROCKY_9,
      osv: rocky
    });
    expect(summary(base.gaps)).toEqual({ nginx: ['2:1.20.1-16.el9_4.1', ['RLSA-2024:4444']] });
    const stream = linuxPackageGaps({
      software: [rpm('nginx', '1:1.24.0-2.module+el9.3.0+20000+abcdef12')],
      pending: [],
      distro: ROCKY_9,
      osv: rocky
    });
    expect(summary(stream.gaps)).toEqual({
      nginx: ['1:1.24.0-4.module+el9.4.0+21744+1e8d5e5a.1', ['RLSA-2024:3333']]
    });
  });

  it('matches Debian binaries by source package with dpkg ordering; the newest fix closes them all', () => {
    const r = linuxPackageGaps({
      software: [
        deb('libssl3', '3.0.11-1~deb12u1', 'openssl'),
        deb('openssl', '3.0.11-1~deb12u1', 'openssl'),
        deb('libc6', '2.36-9+deb12u3', 'glibc'),
        deb('libc-bin', '2.36-9+deb12u4', 'glibc'),
        // Without an epoch a Debian version is epoch 0: older than 1:2.0-1+deb12u1.
        deb('examplepkg', '2.0-1+deb12u1', 'examplepkg'),
        deb('zlib1g', '1:1.2.13.dfsg-1', 'zlib')
      ],
      pending: [],
      distro: DEBIAN_12,
      osv: debian
    });
    expect(r).toMatchObject({ ecosystem: 'Debian:12', covered: true });
    expect(summary(r.gaps)).toEqual({
      openssl: ['3.0.14-1~deb12u1', ['DEBIAN-CVE-2024-2511', 'DSA-5585-1']],
      glibc: ['2.36-9+deb12u4', ['DSA-5610-1']],
      examplepkg: ['1:2.0-1+deb12u1', ['DSA-5700-1']]
    });
    const openssl = r.gaps.find((g) => g.package === 'openssl')!;
    // 3.0.11-1~deb12u1 is exactly DSA-5532-1's fix, so that one is closed already.
    expect(openssl).toMatchObject({
      binaries: ['libssl3', 'openssl'],
      installed: '3.0.11-1~deb12u1',
      cves: ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2023-6237', 'CVE-2024-2511'],
      severity: 'medium',
      published: '2024-01-04'
    });
    expect(r.gaps.find((g) => g.package === 'glibc')?.binaries).toEqual(['libc6']);
    // zlib's advisory has no fix: not a gap, but said.
    expect(r.problems).toEqual([expect.stringContaining('no fixed version published yet')]);
    expect(r.problems[0]).toContain('zlib');
  });

  it('orders gaps by severity, then package name', () => {
    const r = linuxPackageGaps({
      software: [
        rpm('libtiff', '4.4.0-5.el9'),
        rpm('nginx', '2:1.20.1-14.el9'),
        rpm('bind-libs', '32:9.16.23-14.el9_3.4'),
        rpm('openssh-server', '8.7p1-38.el9')
      ],
      pending: [],
      distro: ROCKY_9,
      osv: rocky
    });
    expect(r.gaps.map((g) => [g.severity, g.package])).toEqual([
      ['critical', 'openssh-server'],
      ['high', 'bind-libs'],
      ['high', 'nginx'],
      ['medium', 'libtiff']
    ]);
  });

  it('is not covered when the catalog has only single records for the release, yet reports what they show', async () => {
    const single = await buildOsvPart(
      [{ name: 'DSA-5610-1.json', bytes: readBytes(join(OSV, 'debian-12', 'DSA-5610-1.json')) }],
      'DSA-5610-1.json'
    );
    const r = linuxPackageGaps({
      software: [deb('libc6', '2.36-9+deb12u3', 'glibc')],
      pending: [],
      distro: DEBIAN_12,
      osv: single.value!
    });
    expect(r.covered).toBe(false);
    expect(summary(r.gaps)).toEqual({ glibc: ['2.36-9+deb12u4', ['DSA-5610-1']] });
    expect(r.problems.join('\n')).toContain('no complete OSV advisory set for Debian:12');
  });

  it('is not covered for a release the catalog lacks, and still returns the pending-list gaps', () => {
    const apt = parseAptUpgradable(
      strToU8(
        'Listing... Done\nopenssl/jammy-updates,jammy-security 3.0.2-0ubuntu1.18 amd64 [upgradable from: 3.0.2-0ubuntu1.15]\n'
      )
    );
    const r = linuxPackageGaps({
      software: [deb('openssl', '3.0.2-0ubuntu1.15', 'openssl')],
      pending: apt.value.hosts[0]!.pendingUpdates,
      distro: { id: 'ubuntu', versionId: '22.04' },
      osv: debian
    });
    expect(r).toMatchObject({ ecosystem: 'Ubuntu:22.04:LTS', covered: false });
    expect(r.gaps).toEqual([
      expect.objectContaining({
        package: 'openssl',
        installed: '3.0.2-0ubuntu1.15',
        fixed: '3.0.2-0ubuntu1.18',
        security: true,
        severity: 'medium',
        fromPendingList: true
      })
    ]);
    expect(r.problems.join('\n')).toContain('Ubuntu/all.zip');
  });

  it('never compares package names or versions cut by dpkg -l at 80 columns', () => {
    const r = linuxPackageGaps({
      software: [
        { name: 'libssl3', version: '3.0.11-1~deb', ecosystem: 'deb', truncated: true },
        deb('libc6', '2.36-9+deb12u4', 'glibc')
      ],
      pending: [],
      distro: DEBIAN_12,
      osv: debian
    });
    expect(r.gaps).toEqual([]);
    expect(r.problems).toEqual([expect.stringContaining('cut by `dpkg -l` at 80 columns (libssl3)')]);
  });

  it('turns pending security updates no advisory explains into gaps, and folds the others into advisory gaps', () => {
    const apt = parseAptUpgradable(
      strToU8(
        [
          'Listing... Done',
          'libssl3/stable-security 3.0.14-1~deb12u1 amd64 [upgradable from: 3.0.11-1~deb12u1]',
          'libcurl4/stable-security 7.88.1-10+deb12u6 amd64 [upgradable from: 7.88.1-10+deb12u5]',
          'tzdata/stable-updates 2024a-0+deb12u1 all [upgradable from: 2023c-5+deb12u1]',
          ''
        ].join('\n')
      )
    );
    const r = linuxPackageGaps({
      software: [
        deb('libssl3', '3.0.11-1~deb12u1', 'openssl'),
        deb('libcurl4', '7.88.1-10+deb12u5', 'curl'),
        deb('tzdata', '2023c-5+deb12u1', 'tzdata')
      ],
      pending: apt.value.hosts[0]!.pendingUpdates,
      distro: DEBIAN_12,
      osv: debian
    });
    expect(r.gaps.map((g) => [g.package, g.severity, g.security, g.fromPendingList, g.fixed])).toEqual([
      ['curl', 'medium', true, true, '7.88.1-10+deb12u6'],
      ['openssl', 'medium', true, false, '3.0.14-1~deb12u1'],
      ['tzdata', 'low', false, true, '2024a-0+deb12u1']
    ]);
    const openssl = r.gaps.find((g) => g.package === 'openssl')!;
    expect(openssl.evidence).toContain(
      'pending update libssl3 3.0.14-1~deb12u1 from stable-security (security)'
    );
    expect(r.gaps.find((g) => g.package === 'curl')?.binaries).toEqual(['libcurl4']);
  });

  it('reads yum check-update as pending updates for an rpm machine without advisory data', () => {
    const yum = parseYumCheckUpdate(
      strToU8(
        '\nopenssl-libs.x86_64                 1:3.0.7-27.el9                 baseos\nvim-minimal.x86_64                  2:8.2.2637-20.el9_1            baseos\n'
      )
    );
    const r = linuxPackageGaps({
      software: [rpm('openssl-libs', '1:3.0.7-25.el9_3'), rpm('vim-minimal', '2:8.2.2637-16.el9')],
      pending: yum.value.hosts[0]!.pendingUpdates,
      distro: { id: 'almalinux', versionId: '9.3' }
    });
    expect(r.covered).toBe(false);
    expect(r.gaps.map((g) => [g.package, g.installed, g.fixed, g.security, g.severity])).toEqual([
      ['openssl-libs', '1:3.0.7-25.el9_3', '1:3.0.7-27.el9', false, 'low'],
      ['vim-minimal', '2:8.2.2637-16.el9', '2:8.2.2637-20.el9_1', false, 'low']
    ]);
    expect(r.problems.join('\n')).toContain('The catalog has no OSV advisories');
  });

  it('says the distribution is unknown without os-release', () => {
    const r = linuxPackageGaps({ software: [rpm('bash', '5.1.8-6.el9')], pending: [], osv: rocky });
    expect(r).toMatchObject({ covered: false, gaps: [] });
    expect(r.ecosystem).toBeUndefined();
    expect(r.problems[0]).toContain('/etc/os-release');
  });
});

describe.skipIf(!hasShared)(
  'linuxPackageGaps: an AlmaLinux 9 server against the real AlmaLinux OSV pack',
  () => {
    let osv: OsvPart;
    beforeAll(async () => {
      const pack = join(SHARED_DIR, 'catalog', 'osv', 'records', 'almalinux', 'almalinux-osv-all.jsonl.gz');
      osv = (await buildOsvPart([{ name: 'almalinux-osv-all.jsonl.gz', bytes: readBytes(pack) }], 'pack'))
        .value!;
    });

    it('finds exactly the advisories the records give for each outdated package', () => {
      const packages = parseRpmQa(readBytes(fixture('linux-almalinux', 'rpm-qa.txt'))).value.hosts[0]!;
      const os = parseOsRelease(readBytes(fixture('linux-almalinux', 'os-release'))).value.hosts[0]!.os!;
      const r = linuxPackageGaps({ software: packages.software, pending: [], distro: os.distro!, osv });
      expect(r).toMatchObject({ ecosystem: 'AlmaLinux:9', covered: true });
      // Checked by reading the records (see tests/fixtures/linux-almalinux/README.md).
      expect(summary(r.gaps)).toEqual({
        'bind-libs': [
          '32:9.16.23-40.el9_8.8',
          ['ALSA-2026:18786', 'ALSA-2026:24367', 'ALSA-2026:54510', 'ALSA-2026:8075']
        ],
        curl: ['7.76.1-40.el9_8.5', ['ALSA-2026:55439']],
        glibc: ['2.34-274.el9_8', ['ALSA-2026:20597', 'ALSA-2026:33226', 'ALSA-2026:42952']],
        kernel: [
          '5.14.0-687.39.1.el9_8',
          ['ALSA-2026:49870', 'ALSA-2026:51035', 'ALSA-2026:53329', 'ALSA-2026:54443']
        ],
        'krb5-libs': ['1.21.1-10.el9_8', ['ALSA-2026:19357']],
        libxml2: ['2.9.13-14.el9_8.2', ['ALSA-2026:28254', 'ALSA-2026:39317']],
        nginx: ['2:1.20.1-28.el9_8.4.alma.1', ['ALSA-2026:36331']],
        openssl: [
          '1:3.5.5-4.el9_8',
          ['ALSA-2025:21255', 'ALSA-2026:1473', 'ALSA-2026:19218', 'ALSA-2026:22312', 'ALSA-2026:25239']
        ],
        postgresql: ['13.23-5.el9_8', ['ALSA-2026:52395']],
        python3: ['3.9.25-7.el9_8.3', ['ALSA-2026:54268']],
        sudo: ['1.9.17p2-3.el9_8', ['ALSA-2026:12310', 'ALSA-2026:19220']],
        'vim-minimal': ['2:8.2.2637-26.el9_8.13', ['ALSA-2026:47982']]
      });
      expect(r.gaps.map((g) => `${g.severity} ${g.package}`)).toEqual([
        'high bind-libs',
        'high curl',
        'high kernel',
        'high krb5-libs',
        'high nginx',
        'high openssl',
        'high postgresql',
        'high python3',
        'high sudo',
        'high vim-minimal',
        'medium glibc',
        'low libxml2'
      ]);
      const kernel = r.gaps.find((g) => g.package === 'kernel')!;
      // The newest of the two installed kernels is compared; all four kernel RPMs are one gap.
      expect(kernel).toMatchObject({
        binaries: ['kernel', 'kernel-core', 'kernel-modules', 'kernel-modules-core'],
        installed: '5.14.0-687.33.1.el9_8',
        published: '2026-08-04'
      });
      expect(r.gaps.find((g) => g.package === 'bind-libs')?.binaries).toEqual([
        'bind-libs',
        'bind-license',
        'bind-utils'
      ]);
      expect(r.gaps.find((g) => g.package === 'openssl')?.cves.length).toBeGreaterThan(5);
      // rpm -qa prints no epochs: said once, naming the packages whose advisories carry one.
      expect(r.problems).toEqual([expect.stringContaining('listed without the epoch')]);
      expect(r.problems[0]).toContain('bind-libs');
    });
  }
);
