import { describe, expect, it } from 'vitest';
import { utf8, onlyHost } from './parser-tools';
import {
  parsedFileSchema,
  type HostObservation,
  type ParseResult,
  type ParsedFile
} from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { parseSystemInfo, sniffSystemInfo } from '../../../../src/lib/core/parsers/systeminfo';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

function utf16leWithBom(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    out[2 + i * 2] = text.charCodeAt(i) & 0xff;
    out[3 + i * 2] = text.charCodeAt(i) >> 8;
  }
  return out;
}

/** Parses and checks the result against the model, as every consumer of a parser may rely on it. */
function parse(bytes: Uint8Array): ParseResult<ParsedFile> {
  const result = parseSystemInfo(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

const kbs = (host: HostObservation): string[] => host.installedUpdates.map((u) => u.kb);
const codes = (result: ParseResult<ParsedFile>): string[] => result.issues.map((i) => i.code);
const own = (name: string): Uint8Array => readBytes(fixture('systeminfo', name));

describe.skipIf(!hasShared)('parseSystemInfo on shared samples', () => {
  const samples = sharedSamples('windows-systeminfo');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => p.endsWith(`/${name}`) || p.endsWith(`\\${name}`));
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Expected values checked by hand against the files (grep for "[NN]: KB" lines, sort -u for distinct KBs).
  const expected: Record<
    string,
    { host: string; os: string; build: number; kbs: number; reported: number; ips: string[]; arch: string }
  > = {
    'jc_win10_hyperv_utc.txt': {
      host: 'TESTLAPTOP',
      os: 'Microsoft Windows 10 Enterprise',
      build: 17134,
      kbs: 11,
      reported: 11,
      ips: ['192.168.2.219', '169.254.161.245', '172.16.32.1', '172.26.251.65'],
      arch: 'x64'
    },
    'wesng_server2022.txt': {
      host: 'WIN-RIBN7SM07BK',
      os: 'Microsoft Windows Server 2022 Standard',
      build: 20348,
      kbs: 3,
      reported: 3,
      ips: ['192.168.254.172', 'fe80::b4a1:11cc:2c4:4f57'],
      arch: 'x64'
    },
    'wesng_win10_1809_CHINESE_gbk.txt': {
      host: 'DESKTOP-0CQH3P2',
      os: 'Microsoft Windows 10 企业版 LTSC',
      build: 17763,
      kbs: 1,
      reported: 1,
      ips: ['192.168.5.128', 'fe80::80b0:e291:97be:f0a6'],
      arch: 'x64'
    },
    'wesng_win10_1809_pro_20190307.txt': {
      host: 'DESKTOP-LOQ9L09',
      os: 'Microsoft Windows 10 Pro',
      build: 17763,
      kbs: 5,
      reported: 5,
      ips: [
        '192.168.228.1',
        '192.168.145.1',
        '10.217.1.33',
        'fe80::612a:8729:a361:50b2',
        'fe80::9933:f755:f701:cc44',
        'fe80::8088:fae5:ad96:f7fa'
      ],
      arch: 'x64'
    },
    'wesng_win11_24H2_enterprise_ltsc.txt': {
      host: 'WINXI24H2LTSC',
      os: 'Microsoft Windows 11 Enterprise LTSC',
      build: 26100,
      kbs: 3,
      reported: 3,
      ips: ['192.168.254.191', 'fe80::aa84:bb25:99aa:66d4'],
      arch: 'x64'
    },
    'wesng_win7sp1_GERMAN_utf8.txt': {
      host: 'OLI7-PC',
      os: 'Microsoft Windows 7 Ultimate N',
      build: 7601,
      kbs: 242,
      reported: 263,
      ips: ['172.30.50.20', 'fe80::39b6:9daa:3945:f78e'],
      arch: 'x64'
    },
    'wesng_win7sp1_enterprise_B.txt': {
      host: 'WIN7SP1X64',
      os: 'Microsoft Windows 7 Enterprise',
      build: 7601,
      kbs: 245,
      reported: 271,
      ips: ['192.168.159.129', 'fe80::895e:73a4:d26f:1ae4'],
      arch: 'x64'
    },
    'wesng_winxp_sp3.txt': {
      host: 'WINXPSP3',
      os: 'Microsoft Windows XP Professional',
      build: 2600,
      kbs: 92,
      reported: 262,
      ips: ['192.168.150.158'],
      arch: 'x86'
    }
  };

  it('has an expectation for every shared systeminfo sample', () => {
    expect(samples.map((p) => p.split(/[\\/]/).pop()).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`reads ${name}: host, OS, build, distinct KBs, addresses`, () => {
      const bytes = sample(name);
      expect(sniffSystemInfo(decodeText(bytes).text)).toBe('systeminfo-text');
      const result = parse(bytes);
      expect(result.value.format).toBe('systeminfo-text');
      const host = onlyHost(result);
      expect(host.key).toBe(want.host);
      expect(host.hostname).toBe(want.host);
      expect(host.os?.family).toBe('windows');
      expect(host.os?.name).toBe(want.os);
      expect(host.os?.build).toBe(want.build);
      expect(host.os?.revision).toBeUndefined(); // systeminfo never states the UBR
      expect(host.os?.architecture).toBe(want.arch);
      expect(host.installedUpdates).toHaveLength(want.kbs);
      expect(new Set(kbs(host)).size).toBe(want.kbs);
      expect(host.installedUpdates.every((u) => u.installedOn === undefined)).toBe(true);
      expect(host.reportedUpdateCount).toBe(want.reported);
      expect(host.ips).toEqual(want.ips);
      expect(host.macs).toEqual([]);
      expect(host.software).toEqual([]);
      expect(host.pendingUpdates).toEqual([]);
      expect(host.findings).toEqual([]);
      expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    });
  }

  it('reads GBK Chinese systeminfo', () => {
    const host = onlyHost(parse(sample('wesng_win10_1809_CHINESE_gbk.txt')));
    expect(host.hostname).toBe('DESKTOP-0CQH3P2');
    expect(host.os).toMatchObject({
      build: 17763,
      version: '10.0.17763',
      productType: 'client',
      edition: '企业版 LTSC'
    });
    expect(kbs(host)).toEqual(['KB4464455']);
    expect(host.domain).toBeUndefined(); // WORKGROUP
  });

  it('reads systeminfo written in the OEM code page, 0xFF thousands separators included', () => {
    const host = onlyHost(parse(sample('wesng_win10_1809_pro_20190307.txt')));
    expect(kbs(host)).toEqual(['KB4486553', 'KB4470788', 'KB4480056', 'KB4487038', 'KB4482887']);
  });

  it('reads the German labels and counts the distinct KBs of a list that repeats entries', () => {
    const result = parse(sample('wesng_win7sp1_GERMAN_utf8.txt'));
    const host = onlyHost(result);
    expect(host.os).toMatchObject({
      servicePack: 'Service Pack 1',
      edition: 'Ultimate N',
      productType: 'client'
    });
    expect(kbs(host).slice(0, 3)).toEqual(['KB2849697', 'KB2849696', 'KB2841134']);
    const mismatch = result.issues.find((i) => i.code === 'kb-count-mismatch');
    expect(mismatch?.message).toContain('systeminfo says 263 updates are installed but lists 245');
  });

  it('warns when systeminfo lists fewer hotfixes than it counts', () => {
    const result = parse(sample('wesng_win7sp1_enterprise_B.txt'));
    const mismatch = result.issues.find((i) => i.code === 'kb-count-mismatch');
    expect(mismatch).toMatchObject({ severity: 'warning', line: 33 });
    expect(mismatch?.message).toBe(
      'WIN7SP1X64: systeminfo says 271 updates are installed but lists 245: systeminfo truncates long lists. ' +
        'Also import `wmic qfe list` or `Get-HotFix` output from this PC for the full list.'
    );
  });

  it('warns about the cut-off last hotfix entry ("[246]", "[221", "[24")', () => {
    const cut = (name: string) => parse(sample(name)).issues.find((i) => i.code === 'hotfix-list-cut-off');
    expect(cut('wesng_win7sp1_enterprise_B.txt')).toMatchObject({ severity: 'warning', line: 279 });
    expect(cut('wesng_win7sp1_enterprise_B.txt')?.message).toContain('cut-off entry "[246]"');
    expect(cut('wesng_winxp_sp3.txt')).toMatchObject({ severity: 'warning', line: 254 });
    expect(cut('wesng_win7sp1_GERMAN_utf8.txt')).toMatchObject({ severity: 'warning', line: 279 });
    expect(cut('wesng_server2022.txt')).toBeUndefined();
  });

  it('does not count Windows XP "File 1" entries and Q-numbers as updates', () => {
    const result = parse(sample('wesng_winxp_sp3.txt'));
    const host = onlyHost(result);
    expect(host.installedUpdates).toHaveLength(92);
    expect(kbs(host)).toContain('KB978695'); // listed as "KB978695_WM9"
    expect(kbs(host).some((kb) => /^KB\d{6,7}$/.test(kb) === false)).toBe(false);
    const info = result.issues.find((i) => i.code === 'hotfix-without-kb');
    expect(info).toMatchObject({ severity: 'info', line: 33 });
    expect(info?.message).toContain('127 read "File 1"');
    expect(info?.message).toContain('Q147222');
    // 92 KBs + 127 "File 1" + 1 Q-number = 220 entries listed before the cut at "[221".
    expect(result.issues.find((i) => i.code === 'kb-count-mismatch')?.message).toContain(
      'systeminfo says 262 updates are installed but lists 220'
    );
  });

  it('makes an FQDN from a dotted domain and ignores WORKGROUP', () => {
    const laptop = onlyHost(parse(sample('jc_win10_hyperv_utc.txt')));
    expect(laptop.domain).toBe('test.com');
    expect(laptop.fqdn).toBe('testlaptop.test.com');
    const server = onlyHost(parse(sample('wesng_server2022.txt')));
    expect(server.domain).toBeUndefined();
    expect(server.fqdn).toBeUndefined();
    expect(server.os?.productType).toBe('server');
  });

  it('keeps the DHCP server out of the addresses and link-local addresses in', () => {
    const host = onlyHost(parse(sample('jc_win10_hyperv_utc.txt')));
    expect(host.ips).not.toContain('192.168.2.1');
    expect(host.ips).not.toContain('255.255.255.255');
    expect(host.ips).toContain('169.254.161.245');
  });

  it('reads the Windows 11 "Virtualization-based security" block without taking its lines for fields', () => {
    const result = parse(sample('wesng_win11_24H2_enterprise_ltsc.txt'));
    expect(onlyHost(result).os?.edition).toBe('Enterprise LTSC');
    expect(result.issues).toEqual([]);
  });

  it('reads the same file with LF line endings', () => {
    const text = decodeText(sample('jc_win10_hyperv_utc.txt')).text.replace(/\r\n/g, '\n');
    expect(parse(utf8(text)).value).toEqual(parse(sample('jc_win10_hyperv_utc.txt')).value);
  });
});

describe('parseSystemInfo on own fixtures', () => {
  it('reads UTF-16LE systeminfo with BOM', () => {
    const result = parse(own('en-win10-domain-utf16le-bom.txt'));
    expect(result.issues).toEqual([]);
    const host = onlyHost(result);
    expect(host).toMatchObject({
      hostname: 'WS-FRONTDESK-03',
      domain: 'corp.harbordental.example',
      fqdn: 'ws-frontdesk-03.corp.harbordental.example',
      reportedUpdateCount: 4,
      ips: ['10.20.0.57', 'fe80::5d2c:91a4:7be0:13c2']
    });
    expect(host.os).toEqual({
      family: 'windows',
      name: 'Microsoft Windows 10 Pro',
      version: '10.0.19045',
      build: 19045,
      productType: 'client',
      edition: 'Pro',
      architecture: 'x64'
    });
    expect(kbs(host)).toEqual(['KB5033909', 'KB5011048', 'KB5015684', 'KB5034441']);
  });

  it('takes MAC addresses from the network cards list when a tool added them', () => {
    const text = decodeText(own('en-win10-domain-utf16le-bom.txt')).text.replace(
      'DHCP Enabled:    Yes',
      'DHCP Enabled:    Yes\r\n                                 Physical Address: 3C-52-82-6A-1F-0B'
    );
    expect(onlyHost(parse(utf8(text))).macs).toEqual(['3c:52:82:6a:1f:0b']);
  });

  it('reads French systeminfo in OEM code page 850', () => {
    const result = parse(own('fr-win10-cp850.txt'));
    expect(result.issues).toEqual([]);
    const host = onlyHost(result);
    expect(host.hostname).toBe('PC-ACCUEIL');
    expect(host.os).toMatchObject({
      name: 'Microsoft Windows 10 Professionnel',
      build: 19045,
      edition: 'Professionnel'
    });
    expect(kbs(host)).toEqual(['KB5034466', 'KB5011048', 'KB5034441']);
    expect(host.ips).toEqual(['192.168.1.31', 'fe80::c1a8:2f4e:9d07:61b3']);
    expect(host.domain).toBeUndefined(); // "Station de travail autonome" in WORKGROUP
  });

  it('reads Italian systeminfo of a domain member server', () => {
    const host = onlyHost(parse(own('it-server2019-cp850.txt')));
    expect(host).toMatchObject({
      hostname: 'SRV-GESTIONALE',
      domain: 'studiorossi.local',
      fqdn: 'srv-gestionale.studiorossi.local',
      reportedUpdateCount: 3,
      ips: ['192.168.10.12', 'fe80::e4d1:77b2:19c0:8a5f']
    });
    expect(host.os).toMatchObject({ build: 17763, productType: 'server', edition: 'Standard' });
    expect(kbs(host)).toEqual(['KB5034619', 'KB5005112', 'KB5034127']);
  });

  it('reads Russian systeminfo in OEM code page 866', () => {
    const result = parse(own('ru-win10-cp866.txt'));
    expect(result.issues).toEqual([]);
    const host = onlyHost(result);
    expect(host.hostname).toBe('BUH-02');
    expect(host.os).toMatchObject({ name: 'Майкрософт Windows 10 Pro', build: 19045, edition: 'Pro' });
    expect(host.domain).toBe('BUHGALTERIA'); // a NetBIOS domain name: no FQDN from it
    expect(host.fqdn).toBeUndefined();
    expect(host.reportedUpdateCount).toBe(4);
    expect(kbs(host)).toEqual(['KB5033052', 'KB5011048', 'KB5015684', 'KB5034441']);
    expect(host.ips).toEqual(['172.16.0.42', 'fe80::2d41:9b7c:e0a3:5f18']);
  });

  it('reads systeminfo in a language it has no labels for, by structure alone', () => {
    // The Italian fixture with every label replaced by letters no dictionary has ("Qqqq qqqq:").
    const scrambled = decodeText(own('it-server2019-cp850.txt'))
      .text.split('\r\n')
      .map((line) => {
        if (line === '' || /^\s/.test(line)) return line;
        const labelEnd = 38; // this fixture's value column
        return line.slice(0, labelEnd).replace(/[^\s:]/g, 'q') + line.slice(labelEnd);
      })
      .join('\r\n');
    expect(scrambled).toContain('qqqq qqqq:');
    expect(sniffSystemInfo(scrambled)).toBe('systeminfo-text');
    const host = onlyHost(parse(utf8(scrambled)));
    expect(host).toMatchObject({
      hostname: 'SRV-GESTIONALE',
      domain: 'studiorossi.local',
      fqdn: 'srv-gestionale.studiorossi.local',
      reportedUpdateCount: 3,
      ips: ['192.168.10.12', 'fe80::e4d1:77b2:19c0:8a5f']
    });
    expect(host.os).toMatchObject({
      name: 'Microsoft Windows Server 2019 Standard',
      build: 17763,
      architecture: 'x64'
    });
    expect(kbs(host)).toEqual(['KB5034619', 'KB5005112', 'KB5034127']);
  });

  it('reads two systeminfo outputs appended to one file', () => {
    const result = parse(own('en-two-outputs-concatenated.txt'));
    expect(result.issues).toEqual([]);
    expect(result.value.hosts.map((h) => [h.hostname, h.os?.build, kbs(h).length, h.fqdn])).toEqual([
      ['SRV-FILE01', 17763, 3, 'srv-file01.ad.prairie-ag.example'],
      ['SRV-APP02', 14393, 2, 'srv-app02.ad.prairie-ag.example']
    ]);
    expect(result.value.hosts[0]?.ips).toEqual(['10.1.1.20', '10.1.1.21', 'fe80::98b2:4c61:e9f0:2d7a']);
    expect(result.value.hosts[1]?.ips).toEqual(['10.1.1.35']);
  });

  it('gives the same PC seen twice in a file distinct keys', () => {
    const text = decodeText(own('en-two-outputs-concatenated.txt')).text.replaceAll(
      'SRV-APP02',
      'SRV-FILE01'
    );
    const keys = parse(utf8(text)).value.hosts.map((h) => h.key);
    expect(keys).toEqual(['SRV-FILE01', 'SRV-FILE01 (2)']);
  });

  it('warns about an output without a host name, skips it and keeps the others', () => {
    const text = decodeText(own('en-two-outputs-concatenated.txt')).text.replace(
      'Host Name:                 SRV-APP02',
      'Host Name:'
    );
    const line = text.split('\r\n').findIndex((l) => l === 'Host Name:') + 1;
    const result = parse(utf8(text));
    expect(result.value.hosts.map((h) => h.hostname)).toEqual(['SRV-FILE01']);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ severity: 'warning', code: 'host-name-missing', line });
    expect(result.issues[0]?.message).toContain(`on line ${line}`);
  });

  it('reads systeminfo /fo csv with one row per PC', () => {
    const result = parse(own('en-fo-csv-3-hosts.csv'));
    expect(result.value.format).toBe('systeminfo-csv');
    expect(result.issues).toEqual([]);
    const [dc, exam, lab] = result.value.hosts as [HostObservation, HostObservation, HostObservation];
    expect(result.value.hosts).toHaveLength(3);
    expect(dc).toMatchObject({
      hostname: 'SRV-DC01',
      fqdn: 'srv-dc01.corp.canyonvet.example',
      reportedUpdateCount: 3,
      ips: ['10.50.0.10', 'fe80::7d3b:22c1:a0f4:9e15']
    });
    expect(dc.os).toMatchObject({
      name: 'Microsoft Windows Server 2022 Standard',
      build: 20348,
      productType: 'server'
    });
    expect(kbs(dc)).toEqual(['KB5034129', 'KB5012170', 'KB5034439']);
    expect(exam.os).toMatchObject({ build: 22631, productType: 'client' });
    expect(exam.ips).toEqual(['10.50.0.61', 'fe80::3c2e:8f10:b4d9:60a7']); // Bluetooth card has none
    expect(kbs(exam)).toEqual(['KB5034467', 'KB5027397', 'KB5031274', 'KB5034765']);
    // Five entries, one KB listed twice: four distinct, and no count mismatch.
    expect(lab.reportedUpdateCount).toBe(5);
    expect(kbs(lab)).toEqual(['KB5034466', 'KB5011048', 'KB5015684', 'KB5034441']);
  });

  it('reads localized /fo csv with a repeated header (German, code page 850)', () => {
    const result = parse(own('de-fo-csv-2-hosts-cp850.csv'));
    expect(result.value.format).toBe('systeminfo-csv');
    expect(result.issues).toEqual([]);
    expect(result.value.hosts.map((h) => [h.hostname, h.os?.build, h.domain, h.fqdn, kbs(h), h.ips])).toEqual(
      [
        [
          'PC-EMPFANG',
          19045,
          'praxis-weber.local',
          'pc-empfang.praxis-weber.local',
          ['KB5034466', 'KB5011048', 'KB5034441'],
          ['192.168.178.23', 'fe80::b07c:41d2:9e3a:12f6']
        ],
        // "Eigenständige Arbeitsstation" in WORKGROUP: no domain.
        [
          'PC-LABOR',
          22631,
          undefined,
          undefined,
          ['KB5034467', 'KB5034765'],
          ['192.168.178.40', 'fe80::5e61:0c3b:ab72:e190']
        ]
      ]
    );
  });

  it('reads /fo csv /nh rows without a header by systeminfo column order', () => {
    const text = decodeText(own('en-fo-csv-3-hosts.csv')).text;
    const withoutHeader = text.slice(text.indexOf('\r\n') + 2);
    expect(sniffSystemInfo(withoutHeader)).toBe('systeminfo-csv');
    const result = parse(utf8(withoutHeader));
    expect(result.value.hosts.map((h) => [h.hostname, h.os?.build, h.fqdn, h.reportedUpdateCount])).toEqual([
      ['SRV-DC01', 20348, 'srv-dc01.corp.canyonvet.example', 3],
      ['WS-EXAM-01', 22631, 'ws-exam-01.corp.canyonvet.example', 4],
      ['WS-LAB-02', 19045, 'ws-lab-02.corp.canyonvet.example', 5]
    ]);
  });

  it('reads UTF-16LE /fo csv with BOM (PowerShell redirection)', () => {
    const text = decodeText(own('en-fo-csv-3-hosts.csv')).text;
    const result = parse(utf16leWithBom(text));
    expect(result.value.format).toBe('systeminfo-csv');
    expect(result.value).toEqual(parse(own('en-fo-csv-3-hosts.csv')).value);
  });

  it('reports an empty file as an error', () => {
    const result = parse(own('empty.txt'));
    expect(result.value.hosts).toEqual([]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ severity: 'error', code: 'empty-file' });
    expect(codes(parse(utf8(' \r\n\r\n')))).toEqual(['empty-file']);
    expect(codes(parse(new Uint8Array([0xff, 0xfe, 0x0d, 0x00, 0x0a, 0x00])))).toEqual(['empty-file']);
  });

  it('rejects a file that is not systeminfo (ipconfig /all) with an error saying what to run', () => {
    const bytes = own('not-systeminfo-ipconfig.txt');
    expect(sniffSystemInfo(decodeText(bytes).text)).toBeNull();
    const result = parse(bytes);
    expect(result.value.hosts).toEqual([]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ severity: 'error', code: 'not-systeminfo', line: 2 });
    expect(result.issues[0]?.message).toContain('systeminfo > %COMPUTERNAME%.txt');
  });
});

describe('sniffSystemInfo', () => {
  it('tells systeminfo text from systeminfo CSV', () => {
    expect(sniffSystemInfo(decodeText(own('fr-win10-cp850.txt')).text)).toBe('systeminfo-text');
    expect(sniffSystemInfo(decodeText(own('en-two-outputs-concatenated.txt')).text)).toBe('systeminfo-text');
    expect(sniffSystemInfo(decodeText(own('en-fo-csv-3-hosts.csv')).text)).toBe('systeminfo-csv');
    expect(sniffSystemInfo(decodeText(own('de-fo-csv-2-hosts-cp850.csv')).text)).toBe('systeminfo-csv');
  });

  it('answers null for other text and CSV files', () => {
    expect(sniffSystemInfo('')).toBeNull();
    expect(sniffSystemInfo('Host Name: PC01\r\nNote: this is not systeminfo\r\n')).toBeNull();
    expect(sniffSystemInfo('"Node","Description","HotFixID"\r\n"PC01","Update","KB5034441"\r\n')).toBeNull();
    expect(sniffSystemInfo('version,build\r\n10.0.19045 N/A Build 19045,19045\r\n')).toBeNull();
  });

  it('accepts only the head of a file, cut anywhere', () => {
    const text = decodeText(own('en-win10-domain-utf16le-bom.txt')).text;
    expect(sniffSystemInfo(text.slice(0, 300))).toBe('systeminfo-text');
  });
});
