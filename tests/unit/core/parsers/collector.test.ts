import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import type { HostObservation, ParsedFile, Problem, ScannerRule } from '../../../../src/lib/core/model';
import {
  COLLECTOR_FORMAT_VERSION,
  collectorHandlers,
  parseCollector,
  sniffCollector
} from '../../../../src/lib/core/parsers/collector';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const read = (name: string): Uint8Array => readBytes(fixture('collector', name));
const parse = (name: string) => parseCollector(read(name));
const only = (file: ParsedFile): HostObservation => {
  expect(file.hosts).toHaveLength(1);
  return file.hosts[0] as HostObservation;
};
const codes = (issues: Problem[]): string[] => issues.map((p) => p.code);

/** Counts as the import report shows them (registry's tally). */
function counts(file: ParsedFile) {
  const tally = createTally();
  for (const h of file.hosts) tally.add(h);
  return tally.counts;
}

/**
 * What each fixture holds, counted by hand from the files (grep -c over the sections) and checked below.
 * A new fixture without an entry here fails the "every fixture has expectations" test.
 */
const EXPECTED: Record<
  string,
  {
    hosts: string[];
    counts: { assets: number; installedUpdates: number; software: number; pendingUpdates: number };
    problems: string[];
  }
> = {
  'windows11-workstation.txt': {
    hosts: ['WS-ACC-07'],
    counts: { assets: 1, installedUpdates: 6, software: 12, pendingUpdates: 4 },
    problems: []
  },
  'ubuntu2204-server.txt': {
    hosts: ['web01'],
    counts: { assets: 1, installedUpdates: 0, software: 15, pendingUpdates: 3 },
    problems: ['collector-package-lists-stale']
  },
  'ubuntu2204-truncated.txt': {
    hosts: ['web01'],
    counts: { assets: 1, installedUpdates: 0, software: 8, pendingUpdates: 0 },
    problems: ['collector-package-lists-stale', 'collector-incomplete']
  },
  'macos-sonoma.txt': {
    hosts: ['Annas-MacBook-Pro'],
    counts: { assets: 1, installedUpdates: 0, software: 5, pendingUpdates: 3 },
    problems: []
  },
  'malformed.txt': {
    hosts: ['PC-LAGER-02'],
    counts: { assets: 1, installedUpdates: 2, software: 1, pendingUpdates: 0 },
    problems: [
      'collector-bad-line',
      'collector-unknown-section',
      'collector-after-end',
      'collector-bad-address',
      'collector-bad-value',
      'collector-bad-kb',
      'collector-bad-date',
      'collector-row-without-name',
      'collector-pending-failed',
      'collector-history-failed',
      'collector-bad-time'
    ]
  },
  'newer-format.txt': {
    hosts: [],
    counts: { assets: 0, installedUpdates: 0, software: 0, pendingUpdates: 0 },
    problems: ['collector-newer-format']
  }
};

const FIXTURES = readdirSync(fixture('collector'))
  .filter((f) => f.endsWith('.txt'))
  .sort();

describe('collector fixtures', () => {
  it('has expectations for every fixture in tests/fixtures/collector', () => {
    expect(FIXTURES).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('reads %s: hosts, counts and problems', (name, expected) => {
    const { value, issues } = parse(name);
    expect(value.format).toBe('patchfield-collector');
    expect(value.hosts.map((h) => h.key)).toEqual(expected.hosts);
    expect(counts(value)).toEqual({ ...expected.counts, findings: 0 });
    expect(codes(issues)).toEqual(expected.problems);
  });
});

describe('parseCollector: Windows output (patchfield-collect.ps1)', () => {
  const { value } = parse('windows11-workstation.txt');
  const host = only(value);

  it('reads host name, FQDN, domain, addresses and the collection time', () => {
    expect(host).toMatchObject({
      key: 'WS-ACC-07',
      hostname: 'WS-ACC-07',
      fqdn: 'ws-acc-07.contoso.local',
      domain: 'contoso.local',
      ips: ['10.20.1.57', 'fe80::5d2c:91ab:3f1e:77a0'],
      macs: ['3c:52:82:1a:9f:04'],
      kind: 'machine',
      scanEnd: '2024-05-14T09:12:33Z'
    });
    expect(value.formatVersion).toBe('1');
  });

  it('reads build 22631 with UBR 3447, edition, DisplayVersion and product type', () => {
    expect(host.os).toEqual({
      family: 'windows',
      name: 'Microsoft Windows 11 Pro',
      version: '10.0.22631',
      build: 22631,
      revision: 3447,
      edition: 'Pro',
      productType: 'client',
      displayVersion: '23H2',
      architecture: 'x64'
    });
  });

  it('keeps one installed update per KB from Get-HotFix and the Windows Update history', () => {
    expect(host.installedUpdates.map((u) => u.kb)).toEqual([
      'KB5027397',
      'KB5034467',
      'KB5036893',
      'KB5036620',
      'KB890830',
      'KB2267602'
    ]);
    // KB5036893 is listed by both: Get-HotFix's entry comes first and is kept.
    expect(host.installedUpdates[2]).toEqual({
      kb: 'KB5036893',
      installedOn: '2024-04-10',
      description: 'Security Update'
    });
  });

  it('reads programs of both registry views and the current user, with UTF-8 names and ISO dates', () => {
    expect(host.software).toContainEqual({
      name: 'Lexware büro easy 2024',
      version: '24.00.00.0128',
      vendor: 'Haufe-Lexware GmbH & Co. KG',
      architecture: 'x86',
      ecosystem: 'windows-program',
      installedOn: '2024-01-22'
    });
    expect(host.software).toContainEqual({
      name: 'Microsoft Teams classic',
      version: '1.7.00.6058',
      vendor: 'Microsoft Corporation',
      ecosystem: 'windows-program',
      installedOn: '2023-09-18'
    });
    expect(host.software.find((s) => s.name === '7-Zip 23.01 (x64)')).toEqual({
      name: '7-Zip 23.01 (x64)',
      version: '23.01',
      vendor: 'Igor Pavlov',
      architecture: 'x64',
      ecosystem: 'windows-program'
    });
  });

  it('reads the updates Windows Update offers, with KB, security and reboot flags', () => {
    expect(host.pendingUpdates[0]).toEqual({
      name: '2024-05 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5037771)',
      kb: 'KB5037771',
      security: true,
      rebootRequired: true,
      kind: 'windows-update'
    });
    expect(host.pendingUpdates[3]).toEqual({
      name: 'Intel Corporation - Display - 31.0.101.5382',
      security: false,
      rebootRequired: true,
      kind: 'windows-update'
    });
  });
});

describe('parseCollector: Linux output (patchfield-collect.sh)', () => {
  const { value, issues } = parse('ubuntu2204-server.txt');
  const host = only(value);

  it('reads the distribution from the verbatim os-release', () => {
    expect(host.os).toEqual({
      family: 'linux',
      name: 'Ubuntu 22.04.4 LTS',
      version: '22.04',
      architecture: 'x86_64',
      distro: {
        id: 'ubuntu',
        versionId: '22.04',
        codename: 'jammy',
        prettyName: 'Ubuntu 22.04.4 LTS',
        idLike: ['debian']
      }
    });
    expect(host).toMatchObject({
      hostname: 'web01',
      fqdn: 'web01.example.org',
      domain: 'example.org',
      ips: ['203.0.113.24', '10.0.5.24', '2001:db8:5::24', 'fe80::250:56ff:fe9a:1b2c'],
      macs: ['00:50:56:9a:1b:2c']
    });
  });

  it('reads dpkg packages with epochs and source packages', () => {
    expect(host.software.find((s) => s.name === 'libssl3')).toEqual({
      name: 'libssl3',
      version: '3.0.2-0ubuntu1.14',
      architecture: 'amd64',
      sourcePackage: 'openssl',
      ecosystem: 'deb'
    });
    expect(host.software.find((s) => s.name === 'openssh-server')?.version).toBe('1:8.9p1-3ubuntu0.6');
    // A package that is its own source package does not repeat it.
    expect(host.software.find((s) => s.name === 'bash')?.sourcePackage).toBeUndefined();
  });

  it('reads pending updates with the installed version and the security pocket', () => {
    expect(host.pendingUpdates).toEqual([
      {
        name: 'libssl3',
        version: '3.0.2-0ubuntu1.15',
        currentVersion: '3.0.2-0ubuntu1.14',
        architecture: 'amd64',
        repository: 'jammy-updates,jammy-security',
        security: true,
        kind: 'package'
      },
      {
        name: 'openssl',
        version: '3.0.2-0ubuntu1.15',
        currentVersion: '3.0.2-0ubuntu1.14',
        architecture: 'amd64',
        repository: 'jammy-updates,jammy-security',
        security: true,
        kind: 'package'
      },
      {
        name: 'tzdata',
        version: '2024a-0ubuntu0.22.04.1',
        currentVersion: '2024a-0ubuntu0.22.04',
        architecture: 'all',
        repository: 'jammy-updates',
        security: false,
        kind: 'package'
      }
    ]);
  });

  it('warns that package lists refreshed 42 days before collection miss newer updates', () => {
    expect(issues).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'collector-package-lists-stale',
        line: 8,
        message: expect.stringContaining('last refreshed on 2024-04-02, 42 days before the collector ran')
      })
    ]);
  });

  it('keeps what a cut file holds and says where it stops (line 45)', () => {
    const cut = parse('ubuntu2204-truncated.txt');
    const h = only(cut.value);
    expect(h.software.map((s) => s.name).at(-1)).toBe('nginx');
    expect(cut.issues.find((p) => p.code === 'collector-incomplete')).toMatchObject({
      severity: 'warning',
      line: 45,
      message: expect.stringContaining('stops at line 45 without its final [end] line')
    });
  });
});

describe('parseCollector: macOS output (patchfield-collect.sh)', () => {
  const host = only(parse('macos-sonoma.txt').value);

  it('reads macOS 14.4.1 with its build in the name, and the .local name without a domain', () => {
    expect(host.os).toEqual({
      family: 'macos',
      name: 'macOS 14.4.1 (23E224)',
      version: '14.4.1',
      architecture: 'arm64'
    });
    expect(host).toMatchObject({ hostname: 'Annas-MacBook-Pro', fqdn: 'Annas-MacBook-Pro.local' });
    expect(host.domain).toBeUndefined();
    expect(host.ips).toEqual([
      'fe80::1c8a:4e2b:9d3f:6a11',
      '192.168.178.34',
      '2a02:8108:1240:3e00:14f2:9c1d:7b2e:5a60'
    ]);
    expect(host.macs).toEqual(['a4:83:e7:5c:21:0f', '00:e0:4c:68:0b:9a']);
  });

  it('reads applications with their signing developer and softwareupdate’s offers', () => {
    expect(host.software.map((s) => [s.name, s.version, s.vendor ?? null, s.architecture])).toEqual([
      ['Safari', '17.4.1', 'Apple', 'Universal'],
      ['Microsoft Word', '16.84', 'Microsoft Corporation', 'Universal'],
      ['Google Chrome', '124.0.6367.119', 'Google LLC', 'Universal'],
      ['Zoom & Friends Übersetzer', '2.1', null, 'Intel'],
      ['Pages', '14.0', null, 'Apple Silicon']
    ]);
    expect(host.pendingUpdates).toEqual([
      { name: 'Command Line Tools for Xcode', version: '15.3', rebootRequired: false, kind: 'macos-update' },
      { name: 'macOS Sonoma 14.5', version: '14.5', rebootRequired: true, kind: 'macos-update' },
      { name: 'Safari', version: '17.5', rebootRequired: false, kind: 'macos-update' }
    ]);
  });
});

describe('parseCollector: problems', () => {
  it('names each problem of a damaged file with its line, grouping repeats', () => {
    const { value, issues } = parse('malformed.txt');
    const host = only(value);
    expect(host.ips).toEqual(['192.168.10.23']);
    expect(host.macs).toEqual(['00:1a:2b:3c:4d:5e']);
    expect(host.os).toMatchObject({ family: 'windows', build: 19045 });
    expect(host.os?.revision).toBeUndefined();
    expect(host.installedUpdates).toEqual([
      { kb: 'KB5036892', installedOn: '2024-04-09', description: 'Security Update' },
      { kb: 'KB5034441', description: 'Security Update' }
    ]);
    const byCode = Object.fromEntries(issues.map((p) => [p.code, p]));
    expect(byCode['collector-bad-line']).toMatchObject({ severity: 'warning', line: 6 });
    expect(byCode['collector-unknown-section']).toMatchObject({ severity: 'info', line: 27 });
    expect(byCode['collector-after-end']).toMatchObject({ severity: 'warning', line: 34 });
    expect(byCode['collector-bad-address']).toMatchObject({ count: 2, lines: [11, 13] });
    expect(byCode['collector-bad-value']).toMatchObject({ line: 19 });
    expect(byCode['collector-bad-kb']).toMatchObject({
      line: 22,
      message: expect.stringContaining('"File 1"')
    });
    expect(byCode['collector-bad-date']).toMatchObject({ severity: 'info', count: 2, lines: [23, 26] });
    expect(byCode['collector-row-without-name']).toMatchObject({ line: 25 });
    expect(byCode['collector-pending-failed']).toMatchObject({
      line: 31,
      message: expect.stringContaining(
        'could not read the pending updates on PC-LAGER-02: Windows Update search failed: Exception from HRESULT: 0x8024402C.'
      )
    });
    expect(byCode['collector-history-failed']?.message).toContain(
      'Windows Update history on PC-LAGER-02: Access is denied.'
    );
    expect(byCode['collector-bad-time']).toMatchObject({ severity: 'info', line: 5 });
    expect(host.scanEnd).toBeUndefined();
  });

  it('refuses output of a newer collector format with a message to update Patchfield', () => {
    const { value, issues } = parse('newer-format.txt');
    expect(value.hosts).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'collector-newer-format',
        line: 1,
        message: expect.stringContaining('format 2); this Patchfield reads format 1. Update Patchfield')
      })
    ]);
  });

  it.each([
    ['a 0-byte file', new Uint8Array(0)],
    ['a file that is only a BOM', new Uint8Array([0xef, 0xbb, 0xbf])],
    ['a file of blank lines', utf8('\n\r\n  \n')]
  ])('reports %s as an empty file', (_case, bytes) => {
    const { value, issues } = parseCollector(bytes);
    expect(value.hosts).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'empty-file' })]);
  });

  it('says a file of another kind is not collector output', () => {
    const { value, issues } = parseCollector(
      utf8('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')
    );
    expect(value.hosts).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'error', code: 'not-collector-output', line: 1 })
    ]);
  });

  it('refuses a header without format version', () => {
    const { value, issues } = parseCollector(utf8('# patchfield-collector\n[host]\nhostname=x\n[end]\n'));
    expect(value.hosts).toEqual([]);
    expect(codes(issues)).toEqual(['collector-bad-header']);
  });

  it('warns about an output that holds nothing, and refuses data tied to no host', () => {
    const empty = parseCollector(
      utf8('# patchfield-collector 1\n[collector]\nname=patchfield-collect.sh\n[end]\n')
    );
    expect(empty.value.hosts).toEqual([]);
    expect(empty.issues).toEqual([expect.objectContaining({ severity: 'warning', code: 'collector-empty' })]);
    const unnamed = parseCollector(
      utf8('# patchfield-collector 1\n[os]\nfamily=windows\n[software]\n7-Zip\t23.01\n[end]\n')
    );
    expect(unnamed.value.hosts).toEqual([]);
    expect(unnamed.issues).toEqual([
      expect.objectContaining({ severity: 'error', code: 'collector-host-unnamed' })
    ]);
  });

  it('groups 10,000 rows without a name into one problem with the first 5 lines', () => {
    const rows = Array.from({ length: 10000 }, () => '\t1.0').join('\n');
    const { value, issues } = parseCollector(
      utf8(
        `# patchfield-collector 1\n[host]\nhostname=pc1\n[os]\nfamily=windows\n[software]\n${rows}\n[end]\n`
      )
    );
    expect(only(value).software).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'collector-row-without-name', count: 10000, lines: [7, 8, 9, 10, 11] })
    ]);
  });
});

describe('parseCollector: Linux distributions it cannot place', () => {
  const linux = (osRelease: string) =>
    parseCollector(
      utf8(
        `# patchfield-collector 1\n[host]\nhostname=box\n[os]\nfamily=linux\n${osRelease ? `[os-release]\n${osRelease}\n` : ''}[end]\n`
      )
    );

  it('warns when the os-release is missing', () => {
    const { value, issues } = linux('');
    expect(only(value).os).toEqual({ family: 'linux' });
    expect(codes(issues)).toEqual(['collector-no-os-release']);
  });

  it('warns about an os-release without ID or VERSION_ID', () => {
    const { issues } = linux('NAME="Some Linux"');
    expect(codes(issues)).toEqual(['os-release-id-missing', 'os-release-version-missing']);
    expect(issues.every((p) => p.severity === 'warning')).toBe(true);
  });

  it('warns about a distribution ID Patchfield does not know', () => {
    const { value, issues } = linux('ID=frobnix\nVERSION_ID=3\nNAME=Frobnix');
    expect(only(value).os?.distro).toEqual({ id: 'frobnix', versionId: '3' });
    expect(issues).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'os-release-unknown-id',
        message: expect.stringContaining('"frobnix"')
      })
    ]);
  });

  it('only notes the missing VERSION_ID of a rolling release (Arch)', () => {
    const { value, issues } = linux('NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling');
    expect(only(value).os).toMatchObject({ name: 'Arch Linux', distro: { id: 'arch' } });
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'info', code: 'os-release-version-missing' })
    ]);
  });
});

describe('parseCollector: files joined and re-saved', () => {
  it('reads outputs concatenated into one file, one host per header', () => {
    const joined = [
      read('windows11-workstation.txt'),
      read('ubuntu2204-server.txt'),
      read('macos-sonoma.txt')
    ];
    const bytes = new Uint8Array(joined.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of joined) {
      bytes.set(b, at);
      at += b.length;
    }
    const { value } = parseCollector(bytes);
    expect(value.hosts.map((h) => [h.key, h.os?.family, h.software.length])).toEqual([
      ['WS-ACC-07', 'windows', 12],
      ['web01', 'linux', 15],
      ['Annas-MacBook-Pro', 'macos', 5]
    ]);
  });

  it('keeps both outputs of a machine collected twice, with distinct keys and a warning', () => {
    const text = new TextDecoder().decode(read('windows11-workstation.txt'));
    const { value, issues } = parseCollector(utf8(text + text));
    expect(value.hosts.map((h) => h.key)).toEqual(['WS-ACC-07', 'WS-ACC-07 (line 55)']);
    expect(issues).toEqual([expect.objectContaining({ code: 'collector-duplicate-host', line: 55 })]);
  });

  it('reads a copy re-saved by Notepad as UTF-16LE with BOM or as Windows-1252', () => {
    const text = new TextDecoder().decode(read('windows11-workstation.txt'));
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) {
      utf16[2 + i * 2] = text.charCodeAt(i) & 0xff;
      utf16[3 + i * 2] = text.charCodeAt(i) >> 8;
    }
    const ansi = Uint8Array.from(text, (c) => c.charCodeAt(0)); // every character of this file is Latin-1
    for (const bytes of [utf16, ansi]) {
      const host = only(parseCollector(bytes).value);
      expect(host.software.map((s) => s.name)).toContain('Lexware büro easy 2024');
      expect(host.os?.revision).toBe(3447);
    }
  });
});

describe('collector format through detection and the registry', () => {
  it.each(FIXTURES)('detects %s as patchfield-collector (or says it is a newer format)', (name) => {
    const head = read(name).subarray(0, SNIFF_BYTES);
    const detection = detectFormat(head, name);
    if (name === 'newer-format.txt') {
      expect(detection.format).toBeNull();
      expect(detection.problem).toMatchObject({ severity: 'error', code: 'collector-newer-format' });
    } else {
      expect(detection.format).toBe('patchfield-collector');
    }
  });

  it('sniffs the header only, whatever the file name', () => {
    expect(sniffCollector('\uFEFF\n# patchfield-collector 1\r\n[collector]')).toEqual({ version: '1' });
    expect(sniffCollector('# Patchfield collector notes\n')).toBeUndefined();
    expect(sniffCollector('[collector]\n# patchfield-collector 1\n')).toBeUndefined();
    const handler = collectorHandlers[0]!;
    expect(
      handler.sniff({ text: '# patchfield-collector 1\n', head: new Uint8Array(), fileName: 'x.csv' })
    ).toBe(98);
    expect(COLLECTOR_FORMAT_VERSION).toBe(1);
  });

  it.each(FIXTURES.filter((f) => f !== 'newer-format.txt'))(
    'streams %s through the registry in small chunks, every record valid',
    (name) => {
      const bytes = read(name);
      const hosts: HostObservation[] = [];
      const rules: ScannerRule[] = [];
      const parser = createStreamParser('patchfield-collector', {
        host: (h) => hosts.push(h),
        rule: (r) => rules.push(r)
      });
      for (let i = 0; i < bytes.length; i += 97) parser.write(bytes.subarray(i, i + 97));
      parser.end();
      expect(parser.issues.filter((p) => p.code === 'invalid-record')).toEqual([]);
      expect(parser.formatVersion).toBe('1');
      expect(rules).toEqual([]);
      expect(hosts.map((h) => h.key)).toEqual(EXPECTED[name]!.hosts);
      expect(counts({ format: 'patchfield-collector', hosts, rules })).toEqual({
        ...EXPECTED[name]!.counts,
        findings: 0
      });
    }
  );

  describe.skipIf(!hasShared)('other formats’ shared samples', () => {
    const folders = [
      'os-release',
      'linux-dpkg',
      'linux-apt',
      'linux-rpm',
      'linux-yum',
      'windows-systeminfo',
      'windows-qfe',
      'windows-installed-programs',
      'windows-missing-updates',
      'nessus',
      'nmap'
    ];
    const samples = folders.flatMap((f) => sharedSamples(f));

    it('finds samples to check', () => {
      expect(samples.length).toBeGreaterThan(20);
    });

    it('never claims another format’s sample', () => {
      const claimed = samples.filter((path) => {
        const head = new Uint8Array(readFileSync(path)).subarray(0, SNIFF_BYTES);
        return detectFormat(head, path).format === 'patchfield-collector';
      });
      expect(claimed).toEqual([]);
    });
  });
});
