import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEolPart } from '../../../../src/lib/core/catalog/eol';
import type { EolPart } from '../../../../src/lib/core/catalog/parts';
import {
  cycleForVersion,
  linuxSupport,
  macosSupport,
  softwareSupport,
  versionNumbers,
  windowsEditionKind,
  windowsSupport,
  type SupportVerdict
} from '../../../../src/lib/core/engine/eol';
import type { OsInfo, Software } from '../../../../src/lib/core/model';
import { parseOsRelease } from '../../../../src/lib/core/parsers/os-release';
import { parseSystemInfo } from '../../../../src/lib/core/parsers/systeminfo';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const AS_OF = '2026-09-01';

function loadPart(): EolPart {
  const name = 'frontmatter-subset.json';
  const { value } = buildEolPart([{ name, bytes: readBytes(fixture('catalog', 'eol', name)) }], name);
  if (!value) throw new Error('fixture part did not build');
  return value;
}
const eol = loadPart();

function win(name: string, version?: string, extra: Partial<OsInfo> = {}): OsInfo {
  const edition = name
    .replace(/^(?:Microsoft\s+)?Windows\s+(?:Server\s+\d{4}(?:\s+R2)?|\d+(?:\.\d+)?|XP|Vista)?\s*/i, '')
    .trim();
  const build = version ? Number(version.split('.')[2]) : undefined;
  return {
    family: 'windows',
    name,
    ...(version ? { version } : {}),
    ...(build !== undefined ? { build } : {}),
    ...(edition ? { edition } : {}),
    productType: /server/i.test(name) ? 'server' : 'client',
    ...extra
  };
}

function brief(v: SupportVerdict): [string, string, boolean] {
  return [v.cycle, v.phase, v.gap];
}

function hostsOf(bytes: Uint8Array): OsInfo[] {
  return parseSystemInfo(bytes).value.hosts.map((h) => h.os!);
}

describe('Windows support phase', () => {
  describe.skipIf(!hasShared)('shared systeminfo samples on 2026-09-01', () => {
    // Checked by hand against products-frontmatter.json (windows, windows-server).
    const expected: Record<string, [string, string, boolean]> = {
      'jc_win10_hyperv_utc.txt': ['10-1803-e', 'end-of-life', true], // Enterprise 17134: eol 2021-05-11
      'wesng_server2022.txt': ['2022', 'supported', false], // eoas 2026-10-13, eol 2031-10-14
      'wesng_win10_1809_CHINESE_gbk.txt': ['10-1809-e-lts', 'security-only', false], // 企业版 LTSC: eoas 2024-01-09, eol 2029-01-09
      'wesng_win10_1809_pro_20190307.txt': ['10-1809-w', 'end-of-life', true], // Pro 17763: eol 2020-11-10
      'wesng_win11_24H2_enterprise_ltsc.txt': ['11-24h2-e-lts', 'supported', false], // eoas 2029-10-09
      'wesng_win7sp1_GERMAN_utf8.txt': ['7-sp1', 'end-of-life', true], // eol 2020-01-14, no ESU in the data
      'wesng_win7sp1_enterprise_B.txt': ['7-sp1', 'end-of-life', true],
      'wesng_winxp_sp3.txt': ['5-sp3', 'end-of-life', true] // eol 2014-04-08
    };
    const dir = join(SHARED_DIR, 'samples', 'windows-systeminfo');
    const files = hasShared ? readdirSync(dir).sort() : [];

    it('has an expected verdict for every sample', () => {
      expect(files).toEqual(Object.keys(expected).sort());
    });

    for (const file of files) {
      it(`gives ${file} the cycle and phase the data says`, () => {
        const [os] = hostsOf(readBytes(join(dir, file)));
        expect(brief(windowsSupport(os!, eol, AS_OF))).toEqual(expected[file]);
      });
    }
  });

  it('reads the French, Italian and Russian systeminfo fixtures (Professionnel, Server 2019, Майкрософт … Pro)', () => {
    const fr = hostsOf(readBytes(fixture('systeminfo', 'fr-win10-cp850.txt')))[0]!;
    const it_ = hostsOf(readBytes(fixture('systeminfo', 'it-server2019-cp850.txt')))[0]!;
    const ru = hostsOf(readBytes(fixture('systeminfo', 'ru-win10-cp866.txt')))[0]!;
    expect(brief(windowsSupport(fr, eol, AS_OF))).toEqual(['10-22h2', 'esu', true]);
    expect(windowsSupport(fr, eol, AS_OF).text).toContain('Windows 10 22H2 (Professionnel)');
    expect(brief(windowsSupport(it_, eol, AS_OF))).toEqual(['2019', 'security-only', false]);
    expect(brief(windowsSupport(ru, eol, AS_OF))).toEqual(['10-22h2', 'esu', true]);
  });

  it('says Windows 10 22H2 Pro is past end of life with paid ESU until 2028-10-10', () => {
    const v = windowsSupport(win('Microsoft Windows 10 Pro', '10.0.19045'), eol, AS_OF);
    expect(v).toMatchObject({
      productId: 'windows',
      cycle: '10-22h2',
      phase: 'esu',
      gap: true,
      eol: '2025-10-14',
      eoes: '2028-10-10'
    });
    expect(v.text).toBe(
      'Windows 10 22H2 (Pro): end of life since 2025-10-14; paid Extended Security Updates (ESU) available until 2028-10-10. Enrol or upgrade.'
    );
  });

  it('treats Windows 10 22H2 enrolled in ESU as covered, not a gap', () => {
    const v = windowsSupport(win('Microsoft Windows 10 Pro', '10.0.19045'), eol, AS_OF, true);
    expect(brief(v)).toEqual(['10-22h2', 'esu', false]);
    expect(v.text).toContain('covered by paid Extended Security Updates (ESU) until 2028-10-10');
  });

  it('gives 22H2 Pro and Enterprise the same cycle and Enterprise LTSC 2019 (1809) its own, as the data says', () => {
    const pro = windowsSupport(win('Microsoft Windows 10 Pro', '10.0.19045'), eol, AS_OF);
    const ent = windowsSupport(win('Microsoft Windows 10 Enterprise', '10.0.19045'), eol, AS_OF);
    const ltsc = windowsSupport(win('Microsoft Windows 10 Enterprise LTSC', '10.0.17763'), eol, AS_OF);
    expect(brief(pro)).toEqual(['10-22h2', 'esu', true]);
    expect(brief(ent)).toEqual(['10-22h2', 'esu', true]);
    expect(brief(ltsc)).toEqual(['10-1809-e-lts', 'security-only', false]);
    expect(ltsc.text).toBe(
      'Windows 10 1809 (Enterprise LTSC): active support ended on 2024-01-09; security updates only until 2029-01-09.'
    );
  });

  it('separates 21H2 Pro, Enterprise, Enterprise LTSC 2021 and IoT Enterprise LTSC 2021 by edition', () => {
    const at = '2027-06-01';
    const v = (name: string) => brief(windowsSupport(win(name, '10.0.19044'), eol, at));
    expect(v('Microsoft Windows 10 Pro')).toEqual(['10-21h2-w', 'end-of-life', true]);
    expect(v('Microsoft Windows 10 Education')).toEqual(['10-21h2-e', 'end-of-life', true]);
    expect(v('Microsoft Windows 10 Enterprise LTSC')).toEqual(['10-21h2-e-lts', 'end-of-life', true]);
    expect(v('Microsoft Windows 10 IoT Enterprise LTSC')).toEqual([
      '10-21h2-iot-lts',
      'security-only',
      false
    ]);
  });

  it('assumes the edition whose support ends first when none is given, and says so', () => {
    const v = windowsSupport({ family: 'windows', version: '10.0.22631', build: 22631 }, eol, AS_OF);
    expect(brief(v)).toEqual(['11-23h2-w', 'end-of-life', true]);
    expect(v.text).toContain('Windows 11 23H2 (edition unknown)');
    expect(v.text).toContain('Edition not stated: assumed Home/Pro, whose support ends first.');
  });

  it('assumes the earlier-ending cycle for an edition it does not recognise', () => {
    const v = windowsSupport(win('Microsoft Windows 11 Mystery', '10.0.26100'), eol, AS_OF);
    expect(brief(v)).toEqual(['11-24h2-w', 'supported', false]);
    expect(v.text).toContain('Edition "Mystery" not recognised: assumed Home/Pro');
  });

  it('picks the Windows 11 release from displayVersion when the build is unknown', () => {
    const v = windowsSupport(
      { family: 'windows', name: 'Microsoft Windows 11 Pro', edition: 'Pro', displayVersion: '24H2' },
      eol,
      AS_OF
    );
    expect(brief(v)).toEqual(['11-24h2-w', 'supported', false]);
    expect(v.text).toBe('Windows 11 24H2 (Pro): supported until 2026-10-13.');
  });

  it('reads Windows 7 and XP by name when no version is given', () => {
    expect(brief(windowsSupport({ family: 'windows', name: 'Windows 7 Professional' }, eol, AS_OF))).toEqual([
      '7-sp1',
      'end-of-life',
      true
    ]);
    expect(brief(windowsSupport({ family: 'windows', name: 'Windows XP' }, eol, AS_OF))).toEqual([
      '5-sp3',
      'end-of-life',
      true
    ]);
  });

  it('reads Windows Server by the year in its name, and a year-less name as a semi-annual release', () => {
    expect(
      brief(windowsSupport(win('Microsoft Windows Server 2022 Standard', '10.0.20348'), eol, AS_OF))
    ).toEqual(['2022', 'supported', false]);
    expect(
      brief(windowsSupport(win('Microsoft Windows Server 2019 Datacenter', '10.0.17763'), eol, AS_OF))
    ).toEqual(['2019', 'security-only', false]);
    expect(
      brief(windowsSupport(win('Microsoft Windows Server Datacenter', '10.0.17763'), eol, AS_OF))
    ).toEqual(['1809-sac', 'end-of-life', true]);
    expect(
      brief(windowsSupport(win('Microsoft Windows Server 2016 Standard', '10.0.14393'), eol, AS_OF))
    ).toEqual(['2016', 'security-only', false]);
  });

  it('puts Server 2012 R2 in its paid ESU until 2026-10-13 and past end of life after it', () => {
    const os = win('Microsoft Windows Server 2012 R2 Standard', '6.3.9600');
    expect(brief(windowsSupport(os, eol, AS_OF))).toEqual(['2012-r2', 'esu', true]);
    expect(brief(windowsSupport(os, eol, AS_OF, true))).toEqual(['2012-r2', 'esu', false]);
    const after = windowsSupport(os, eol, '2026-11-01');
    expect(brief(after)).toEqual(['2012-r2', 'end-of-life', true]);
    expect(after.text).toBe(
      'Windows Server 2012 R2 (Standard): end of life since 2023-10-10; extended support ended on 2026-10-13; no more security updates. Upgrade or replace.'
    );
  });

  it('says unknown, never supported, for a build the catalog does not have or a catalog without Windows', () => {
    const insider = windowsSupport(win('Microsoft Windows 11 Pro', '10.0.27000'), eol, AS_OF);
    expect(insider).toMatchObject({ phase: 'unknown', gap: false });
    expect(insider.text).toContain('build 27000');
    const empty: EolPart = { part: 'eol', source: 'x', products: [] };
    expect(windowsSupport(win('Microsoft Windows 10 Pro', '10.0.19045'), empty, AS_OF).phase).toBe('unknown');
    expect(
      windowsSupport(win('Microsoft Windows Server 2022 Standard', '10.0.20348'), empty, AS_OF).phase
    ).toBe('unknown');
  });

  it('recognises edition names in the languages systeminfo prints them', () => {
    const cases: [string, string | undefined][] = [
      ['Pro', 'workstation'],
      ['Professionnel', 'workstation'],
      ['Famille', 'workstation'],
      ['Professional', 'workstation'],
      ['Pro für Workstations', 'workstation'],
      ['Pro Education', 'workstation'],
      ['Professionnel Éducation', 'workstation'],
      ['Профессиональная', 'workstation'],
      ['Домашняя для одного языка', 'workstation'],
      ['Pro для образовательных учреждений', 'workstation'],
      ['专业版', 'workstation'],
      ['家庭中文版', 'workstation'],
      ['專業版', 'workstation'],
      ['Ultimate N', 'workstation'],
      ['Enterprise', 'enterprise'],
      ['Entreprise', 'enterprise'],
      ['Éducation', 'enterprise'],
      ['Education', 'enterprise'],
      ['Корпоративная', 'enterprise'],
      ['для образовательных учреждений', 'enterprise'],
      ['企业版', 'enterprise'],
      ['教育版', 'enterprise'],
      ['Enterprise LTSC', 'ltsc'],
      ['Entreprise LTSC', 'ltsc'],
      ['Enterprise 2016 LTSB', 'ltsc'],
      ['Корпоративная LTSC', 'ltsc'],
      ['Корпоративная 2016 с долгосрочным обслуживанием', 'ltsc'],
      ['企业版 LTSC', 'ltsc'],
      ['IoT Enterprise LTSC', 'iot-ltsc'],
      ['Standard', undefined],
      ['Datacenter', undefined]
    ];
    for (const [edition, kind] of cases)
      expect([edition, windowsEditionKind(edition)]).toEqual([edition, kind]);
  });
});

describe('Linux support phase', () => {
  it('puts Ubuntu 18.04 in paid ESM (a gap) and 22.04 in security maintenance (not a gap)', () => {
    const old = linuxSupport({ id: 'ubuntu', versionId: '18.04' }, eol, AS_OF);
    expect(brief(old)).toEqual(['18.04', 'esu', true]);
    expect(old.text).toBe(
      "Ubuntu 18.04 'Bionic Beaver': end of life since 2023-05-31; Expanded Security Maintenance (ESM, with Ubuntu Pro) available until 2028-04-01. Enrol or upgrade."
    );
    const jammy = linuxSupport({ id: 'ubuntu', versionId: '22.04' }, eol, AS_OF);
    expect(brief(jammy)).toEqual(['22.04', 'security-only', false]);
    expect(jammy.text).toBe(
      "Ubuntu 22.04 'Jammy Jellyfish': active support ended on 2024-09-30; security updates only until 2027-04-01."
    );
  });

  it('says CentOS 7 is past end of life with nothing after it', () => {
    const v = linuxSupport({ id: 'centos', versionId: '7', prettyName: 'CentOS Linux 7 (Core)' }, eol, AS_OF);
    expect(brief(v)).toEqual(['7', 'end-of-life', true]);
    expect(v.text).toBe(
      'CentOS 7: end of life since 2024-06-30; no more security updates. Upgrade or replace.'
    );
  });

  it('tells CentOS Stream from CentOS Linux by its name', () => {
    expect(
      brief(linuxSupport({ id: 'centos', versionId: '9', prettyName: 'CentOS Stream 9' }, eol, AS_OF))
    ).toEqual(['9', 'supported', false]);
  });

  it('counts Debian LTS as extended support that needs no enrolment', () => {
    expect(brief(linuxSupport({ id: 'debian', versionId: '12' }, eol, AS_OF))).toEqual(['12', 'esu', false]);
    expect(brief(linuxSupport({ id: 'debian', versionId: '11' }, eol, AS_OF))).toEqual([
      '11',
      'end-of-life',
      true
    ]);
  });

  it('matches RHEL minor releases to their major cycle and SLES 15 to 15.0', () => {
    expect(brief(linuxSupport({ id: 'rhel', versionId: '9.3' }, eol, AS_OF))).toEqual([
      '9',
      'supported',
      false
    ]);
    expect(brief(linuxSupport({ id: 'rhel', versionId: '7.9' }, eol, AS_OF))).toEqual(['7', 'esu', true]);
    expect(brief(linuxSupport({ id: 'sles', versionId: '15' }, eol, AS_OF))).toEqual([
      '15.0',
      'end-of-life',
      true
    ]);
    expect(brief(linuxSupport({ id: 'sles', versionId: '15.5' }, eol, AS_OF))).toEqual(['15.5', 'esu', true]);
  });

  it('says unknown for a derivative or a release the catalog does not have', () => {
    expect(linuxSupport({ id: 'linuxmint', versionId: '21' }, eol, AS_OF)).toMatchObject({
      phase: 'unknown',
      gap: false
    });
    expect(linuxSupport({ id: 'ubuntu', versionId: '99.04' }, eol, AS_OF)).toMatchObject({
      phase: 'unknown',
      gap: false
    });
    expect(linuxSupport({ id: 'debian' }, eol, AS_OF).text).toContain('the release version is not stated');
  });

  describe.skipIf(!hasShared)('shared os-release samples', () => {
    it('gives jc_centos7 end of life and jc_ubuntu1804 paid ESM', () => {
      const distro = (file: string) =>
        parseOsRelease(readBytes(join(SHARED_DIR, 'samples', 'os-release', file))).value.hosts[0]!.os!
          .distro!;
      expect(brief(linuxSupport(distro('jc_centos7_os-release'), eol, AS_OF))).toEqual([
        '7',
        'end-of-life',
        true
      ]);
      expect(brief(linuxSupport(distro('jc_ubuntu1804_os-release'), eol, AS_OF))).toEqual([
        '18.04',
        'esu',
        true
      ]);
    });
  });
});

describe('macOS support phase', () => {
  it('calls macOS 14.5 outdated against 14.8.9 and 14.8.9 supported', () => {
    const old = macosSupport({ family: 'macos', name: 'macOS 14.5', version: '14.5' }, eol, AS_OF);
    expect(brief(old)).toEqual(['14', 'outdated', true]);
    expect(old.text).toContain('14.8.9 is the latest release');
    expect(brief(macosSupport({ family: 'macos', version: '14.8.9' }, eol, AS_OF))).toEqual([
      '14',
      'supported',
      false
    ]);
  });

  it('says macOS 10.15 Catalina is past end of life and a missing version is unknown', () => {
    expect(brief(macosSupport({ family: 'macos', version: '10.15.7' }, eol, AS_OF))).toEqual([
      '10.15',
      'end-of-life',
      true
    ]);
    expect(macosSupport({ family: 'macos' }, eol, AS_OF)).toMatchObject({ phase: 'unknown', gap: false });
  });
});

describe('software support phase', () => {
  const sw = (name: string, version?: string, extra: Partial<Software> = {}): SupportVerdict | undefined =>
    softwareSupport({ name, ...(version ? { version } : {}), ...extra }, eol, AS_OF);
  const b = (v: SupportVerdict | undefined) => (v ? [v.productId, v.cycle, v.phase, v.gap] : undefined);

  it('matches "Google Chrome" by its version major', () => {
    expect(b(sw('Google Chrome', '116.0.5845.188'))).toEqual(['chrome', '116', 'end-of-life', true]);
  });

  it('matches "Mozilla Firefox (x64 en-US)" and "Mozilla Firefox 128.3.0 ESR (x64 en-US)"', () => {
    expect(b(sw('Mozilla Firefox (x64 en-US)', '115.3.0'))).toEqual(['firefox', '115', 'outdated', true]);
    expect(b(sw('Mozilla Firefox 128.3.0 ESR (x64 en-US)', '128.3.0'))).toEqual([
      'firefox',
      '128',
      'end-of-life',
      true
    ]);
  });

  it('matches "Microsoft SQL Server 2016 (64-bit)" to the service pack its build belongs to', () => {
    expect(b(sw('Microsoft SQL Server 2016 (64-bit)', '13.2.5026.0'))).toEqual([
      'mssqlserver',
      '13.0-sp2',
      'end-of-life',
      true
    ]);
    expect(b(sw('Microsoft SQL Server 2016 (64-bit)', '13.0.6300.2'))).toEqual([
      'mssqlserver',
      '13.0-sp3',
      'end-of-life',
      true
    ]);
    const sp3 = sw('Microsoft SQL Server 2016 (64-bit)', '13.0.6300.2');
    expect(sp3?.text).toContain('paid Extended Security Updates (ESU) available until 2029-07-17');
  });

  it('assumes the earliest-ending SQL Server 2016 service pack when no version is given, and says so', () => {
    const v = sw('Microsoft SQL Server 2016 (64-bit)');
    expect(b(v)).toEqual(['mssqlserver', '13.0', 'end-of-life', true]);
    expect(v?.text).toContain('Service pack not stated');
  });

  it('reads the Python version from "Python 3.8.10 (64-bit)", not the installer version 3.8.10150.0', () => {
    expect(b(sw('Python 3.8.10 (64-bit)', '3.8.10150.0'))).toEqual(['python', '3.8', 'end-of-life', true]);
    expect(sw('Python 3.12.2 (64-bit)', '3.12.2150.0')?.text).toBe(
      'Python 3.12: version 3.12.2 is installed, but 3.12.14 is the latest release of this supported cycle. Update.'
    );
  });

  it('compares versions number by number, not as text (3.12.9 < 3.12.14)', () => {
    expect(b(sw('Python 3.12.9 (64-bit)'))).toEqual(['python', '3.12', 'outdated', true]);
    expect(b(sw('Python 3.12.14 (64-bit)'))).toEqual(['python', '3.12', 'security-only', false]);
  });

  it('leaves companion entries of a program unmatched ("Python 3.8.10 Standard Library")', () => {
    expect(sw('Python 3.8.10 Standard Library (64-bit)', '3.8.10150.0')).toBeUndefined();
    expect(sw('Microsoft SQL Server 2016 Setup (English)', '13.0.1601.5')).toBeUndefined();
    expect(sw('Microsoft Office Proofing Tools 2016 - English', '16.0.4266.1001')).toBeUndefined();
  });

  it('matches "Node.js" and names the paid commercial support after end of life', () => {
    const v = sw('Node.js', '18.17.1');
    expect(b(v)).toEqual(['nodejs', '18', 'end-of-life', true]);
    expect(v?.text).toContain('commercial support');
  });

  it('matches Office by the year in its name, LTSC to the LTSC cycle, and Microsoft 365 Apps as unknown', () => {
    expect(b(sw('Microsoft Office Professional Plus 2016', '16.0.4266.1001'))).toEqual([
      'office',
      '2016',
      'end-of-life',
      true
    ]);
    expect(b(sw('Microsoft Office LTSC Professional Plus 2024 - en-us', '16.0.17932.20000'))).toEqual([
      'office',
      '2024-ltsc',
      'supported',
      false
    ]);
    expect(b(sw('Microsoft Office LTSC Professional Plus 2021 - en-us'))).toEqual([
      'office',
      '2021',
      'supported',
      false
    ]);
    expect(b(sw('Microsoft 365 Apps for enterprise - en-us', '16.0.17029.20108'))).toEqual([
      'office',
      '',
      'unknown',
      false
    ]);
  });

  it('matches "Notepad++ (64-bit x64)", "Wireshark 4.0.8 64-bit" and "Veeam Backup & Replication"', () => {
    expect(b(sw('Notepad++ (64-bit x64)', '8.5.8'))).toEqual([
      'notepad-plus-plus',
      '8.5',
      'end-of-life',
      true
    ]);
    expect(b(sw('Wireshark 4.0.8 64-bit', '4.0.8'))).toEqual(['wireshark', '4.0', 'end-of-life', true]);
    expect(b(sw('Veeam Backup & Replication', '12.1.2.172'))).toEqual([
      'veeam-backup-and-replication',
      '12',
      'outdated',
      true
    ]);
  });

  it('matches Eclipse Temurin 17 and 8u builds by the version in the name', () => {
    expect(b(sw('Eclipse Temurin JDK with Hotspot 17.0.8+7 (x64)', '17.0.8.7'))).toEqual([
      'eclipse-temurin',
      '17',
      'outdated',
      true
    ]);
    expect(b(sw('Eclipse Temurin JRE with Hotspot 8u382-b05 (x64)', '8.0.382.5'))).toEqual([
      'eclipse-temurin',
      '8',
      'outdated',
      true
    ]);
  });

  it('matches "PowerShell 7-x64" by its version', () => {
    expect(b(sw('PowerShell 7-x64', '7.3.6.0'))).toEqual(['powershell', '7.3', 'end-of-life', true]);
    expect(b(sw('PowerShell 7-x64', '7.4.19.0'))).toEqual(['powershell', '7.4', 'supported', false]);
  });

  it('returns undefined for programs no product matches (7-Zip), never a guess', () => {
    expect(sw('7-Zip 23.01 (x64)', '23.01')).toBeUndefined();
    expect(sw('Microsoft Edge', '128.0.2739.42')).toBeUndefined();
    expect(sw('Chrome Remote Desktop Host', '116.0.5845.188')).toBeUndefined();
  });

  it('says unknown when a matched program states no version', () => {
    expect(sw('Google Chrome')).toMatchObject({ productId: 'chrome', phase: 'unknown', gap: false });
  });

  it('matches Debian/Ubuntu and RPM package names to their upstream product', () => {
    const deb = (name: string, version: string) => b(sw(name, version, { ecosystem: 'deb' }));
    const rpm = (name: string, version: string) => b(sw(name, version, { ecosystem: 'rpm' }));
    expect(deb('libssl3', '3.0.2-0ubuntu1.10')).toEqual(['openssl', '3.0', 'supported', false]);
    expect(rpm('openssl-libs', '1:3.0.7-24.el9')).toEqual(['openssl', '3.0', 'supported', false]);
    expect(deb('apache2', '2.4.52-1ubuntu4.6')).toEqual(['apache-http-server', '2.4', 'supported', false]);
    expect(rpm('httpd', '2.4.6-99.el7.centos.1')).toEqual(['apache-http-server', '2.4', 'supported', false]);
    expect(deb('postgresql-14', '14.9-0ubuntu0.22.04.1')).toEqual(['postgresql', '14', 'supported', false]);
    expect(deb('tomcat9', '9.0.58-1ubuntu0.1')).toEqual(['tomcat', '9.0', 'supported', false]);
    expect(deb('openjdk-17-jre', '17.0.8+7-1~22.04')).toEqual(['eclipse-temurin', '17', 'supported', false]);
    expect(deb('linux-image-5.15.0-91-generic', '5.15.0-91.101')).toEqual([
      'linux-kernel',
      '5.15',
      'supported',
      false
    ]);
    expect(deb('python3.12', '3.12.3-1ubuntu0.1')).toEqual(['python', '3.12', 'security-only', false]);
  });

  it('never calls a distribution package outdated, and an upstream end of life is security-only from the distribution', () => {
    const nginx = sw('nginx', '1.18.0-6ubuntu14.4', { ecosystem: 'deb' });
    expect(b(nginx)).toEqual(['nginx', '1.18', 'security-only', false]);
    expect(nginx?.text).toContain('security fixes now come only from the Linux distribution');
    expect(b(sw('mysql-server-8.0', '8.0.34-0ubuntu0.22.04.1', { ecosystem: 'deb' }))).toEqual([
      'mysql',
      '8.0',
      'security-only',
      false
    ]);
    expect(b(sw('php8.1', '8.1.2-1ubuntu2.14', { ecosystem: 'deb' }))).toEqual([
      'php',
      '8.1',
      'security-only',
      false
    ]);
    expect(b(sw('nodejs', '18.19.1+dfsg-6ubuntu5', { ecosystem: 'deb' }))).toEqual([
      'nodejs',
      '18',
      'security-only',
      false
    ]);
  });

  it('treats PHP from the deb.sury.org archive as an upstream build with upstream dates', () => {
    expect(b(sw('php8.1-common', '8.1.29-1+ubuntu22.04.1+deb.sury.org+1', { ecosystem: 'deb' }))).toEqual([
      'php',
      '8.1',
      'end-of-life',
      true
    ]);
  });

  it('matches purls through the product identifiers (log4j-core, nginx, java-11-openjdk)', () => {
    expect(
      b(sw('log4j-core', undefined, { purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1' }))
    ).toEqual(['log4j', '2', 'outdated', true]);
    expect(
      b(sw('log4j-core', undefined, { purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.12.4' }))
    ).toEqual(['log4j', '2.12', 'end-of-life', true]);
    expect(b(sw('nginx', undefined, { purl: 'pkg:deb/ubuntu/nginx@1.18.0-6ubuntu14.4' }))).toEqual([
      'nginx',
      '1.18',
      'security-only',
      false
    ]);
    expect(b(sw('java-11-openjdk', '11.0.20.0.8-1.el7_9', { ecosystem: 'rpm' }))).toEqual([
      'red-hat-build-of-openjdk',
      '11',
      'security-only',
      false
    ]);
  });

  it('matches CPEs through the product identifiers, taking the version from the CPE', () => {
    expect(b(sw('python', undefined, { purl: 'cpe:2.3:a:python:python:3.8.10:*:*:*:*:*:*:*' }))).toEqual([
      'python',
      '3.8',
      'end-of-life',
      true
    ]);
    expect(b(sw('cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*'))).toEqual([
      'openssl',
      '1.1.1',
      'end-of-life',
      true
    ]);
    expect(b(sw('cpe:/a:postgresql:postgresql:14.9'))).toEqual(['postgresql', '14', 'outdated', true]);
  });
});

describe('version to cycle', () => {
  it('takes the longest cycle whose numbers start the version', () => {
    const log4j = eol.products.find((p) => p.id === 'log4j')!;
    expect(cycleForVersion(log4j, '2.12.4')?.cycle).toBe('2.12');
    expect(cycleForVersion(log4j, '2.17.1')?.cycle).toBe('2');
    expect(cycleForVersion(log4j, '1.2.17')).toBeUndefined();
  });

  it('reads Java 8 update numbers and OpenSSL letter releases as numbers', () => {
    expect(versionNumbers('8u382-b05')).toEqual([8, 0, 382]);
    expect(versionNumbers('1.8.0_382')).toEqual([8, 0, 382]);
    expect(versionNumbers('1.1.1w')).toEqual([1, 1, 1]);
    expect(versionNumbers('v18.17.1')).toEqual([18, 17, 1]);
  });
});
