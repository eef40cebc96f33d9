import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMsrcPart } from '../../../../src/lib/core/catalog/msrc';
import type { MsrcPart } from '../../../../src/lib/core/catalog/parts';
import { buildWesngPart } from '../../../../src/lib/core/catalog/wesng';
import {
  classifyMicrosoftUpdate,
  createMsrcIndex,
  createWesngIndex
} from '../../../../src/lib/core/engine/windows-msrc';
import type { OsInfo } from '../../../../src/lib/core/model';
import { parseNessus } from '../../../../src/lib/core/parsers/nessus';
import { parseSystemInfo } from '../../../../src/lib/core/parsers/systeminfo';
import { fixture, hasShared, readBytes, SHARED_DIR, sharedSamples } from '../../shared';

/** Product names as MSRC writes them (ids from msrc_products.csv), in a part without rows. */
const PRODUCTS: [string, string][] = [
  ['10047', 'Windows 7 for 32-bit Systems Service Pack 1'],
  ['10048', 'Windows 7 for x64-based Systems Service Pack 1'],
  ['10483', 'Windows Server 2012 R2'],
  ['10543', 'Windows Server 2012 R2 (Server Core installation)'],
  ['10816', 'Windows Server 2016'],
  ['10852', 'Windows 10 Version 1607 for 32-bit Systems'],
  ['10853', 'Windows 10 Version 1607 for x64-based Systems'],
  ['10855', 'Windows Server 2016 (Server Core installation)'],
  ['11490', 'Windows 10 Version 1607 for HoloLens'],
  ['11569', 'Windows 10 Version 1809 for x64-based Systems'],
  ['11571', 'Windows Server 2019'],
  ['11572', 'Windows Server 2019 (Server Core installation)'],
  ['11923', 'Windows Server 2022'],
  ['11924', 'Windows Server 2022 (Server Core installation)'],
  ['0', 'Windows Server 2022 Azure Edition Core Hotpatch'],
  ['12097', 'Windows 10 Version 22H2 for x64-based Systems'],
  ['12098', 'Windows 10 Version 22H2 for ARM64-based Systems'],
  ['12099', 'Windows 10 Version 22H2 for 32-bit Systems'],
  ['12243', 'Windows 11 Version 23H2 for x64-based Systems'],
  ['12390', 'Windows 11 Version 24H2 for x64-based Systems'],
  ['12436', 'Windows Server 2025'],
  ['12437', 'Windows Server 2025 (Server Core installation)'],
  ['12244', 'Windows Server 2022, 23H2 Edition (Server Core installation)'],
  ['11676-11923', 'Microsoft .NET Framework 3.5 AND 4.8 on Windows Server 2022'],
  ['10486-10816', 'Internet Explorer 11 on Windows Server 2016']
];
const namesOnly: MsrcPart = { part: 'msrc', source: 't', products: PRODUCTS, rows: [] };

const win = (os: Omit<OsInfo, 'family'>): OsInfo => ({ family: 'windows', ...os });

describe('createMsrcIndex().productsFor', () => {
  const index = createMsrcIndex(namesOnly);
  const ids = (os: OsInfo) => index.productsFor(os).ids;

  it('maps Windows 10 build 19045 to "Windows 10 Version 22H2" for the asset architecture (x64 by default)', () => {
    expect(
      index.productsFor(win({ name: 'Microsoft Windows 10 Pro', build: 19045, productType: 'client' }))
    ).toEqual({
      ids: ['12097'],
      names: ['Windows 10 Version 22H2 for x64-based Systems']
    });
    expect(ids(win({ build: 19045, productType: 'client', architecture: 'ARM64' }))).toEqual(['12098']);
    expect(ids(win({ build: 19045, productType: 'client', architecture: 'x86' }))).toEqual(['12099']);
  });

  it('tells build 17763 and 14393 clients from servers', () => {
    expect(ids(win({ build: 17763, productType: 'client' }))).toEqual(['11569']);
    expect(ids(win({ build: 17763, productType: 'server' }))).toEqual(['11571']);
    expect(ids(win({ build: 14393, productType: 'client', architecture: 'x64' }))).toEqual(['10853']);
    expect(ids(win({ build: 14393, productType: 'server' }))).toEqual(['10816']);
  });

  it('maps build 26100 to Windows 11 24H2 on clients and Windows Server 2025 on servers', () => {
    expect(
      ids(win({ name: 'Microsoft Windows 11 Enterprise', build: 26100, productType: 'client' }))
    ).toEqual(['12390']);
    expect(
      ids(win({ name: 'Microsoft Windows Server 2025 Datacenter', build: 26100, productType: 'server' }))
    ).toEqual(['12436']);
  });

  it('chooses the Server Core product when the edition or name says Server Core', () => {
    expect(ids(win({ build: 20348, productType: 'server', edition: 'ServerDatacenterCore' }))).toEqual([
      '11924'
    ]);
    expect(
      ids(
        win({
          name: 'Windows Server 2019 Standard (Server Core installation)',
          build: 17763,
          productType: 'server'
        })
      )
    ).toEqual(['11572']);
    expect(ids(win({ build: 20348, productType: 'server', edition: 'Standard' }))).toEqual(['11923']);
    // Server 2022 23H2 exists only as Server Core in MSRC.
    expect(ids(win({ build: 25398, productType: 'server' }))).toEqual(['12244']);
  });

  it('reads the product type from the name, and the release from name plus DisplayVersion, when no build is given', () => {
    expect(ids(win({ name: 'Microsoft Windows Server 2016 Standard', build: 14393 }))).toEqual(['10816']);
    expect(ids(win({ name: 'Microsoft Windows 10 Pro', displayVersion: '22H2' }))).toEqual(['12097']);
    expect(ids(win({ name: 'Microsoft Windows Server 2012 R2 Standard' }))).toEqual(['10483']);
    expect(
      ids(win({ name: 'Microsoft Windows 7 Enterprise', version: '6.1.7601', architecture: 'x86' }))
    ).toEqual(['10047']);
  });

  it('returns no products for a Windows release MSRC no longer lists', () => {
    expect(index.productsFor(win({ name: 'Microsoft Windows XP Professional', build: 2600 }))).toEqual({
      ids: [],
      names: []
    });
    expect(ids(win({}))).toEqual([]);
  });
});

describe('createMsrcIndex().openCves', () => {
  async function fixturePart(): Promise<MsrcPart> {
    const own = (name: string) => readBytes(fixture('catalog', 'msrc', name));
    const { value } = await buildMsrcPart(
      {
        products: own('msrc_products.csv'),
        rows: own('msrc_rows.csv'),
        cvrf: [{ name: 'cvrf-2024-Aug-small.xml', bytes: own('cvrf-2024-Aug-small.xml') }]
      },
      'fixtures'
    );
    return value!.msrc;
  }

  it('lists CVEs whose fixed build is a later revision of the same build, one entry per CVE with its newest fix', async () => {
    const index = createMsrcIndex(await fixturePart());
    expect(index.openCves(['12097'], 19045, 3930)).toEqual([
      {
        cve: 'CVE-2024-21351',
        kb: 'KB5034763',
        fixedBuild: '10.0.19045.4046',
        severity: 'Moderate',
        exploited: true,
        month: '2024-02-13'
      },
      {
        cve: 'CVE-2024-21412',
        kb: 'KB5034763',
        fixedBuild: '10.0.19045.4046',
        severity: 'Important',
        exploited: true,
        month: '2024-02-13'
      },
      {
        cve: 'CVE-2024-20674',
        kb: 'KB5035845',
        fixedBuild: '10.0.19045.4170',
        severity: 'Important',
        exploited: false,
        month: '2024-03-12'
      },
      {
        cve: 'CVE-2024-38063',
        kb: 'KB5041580',
        fixedBuild: '10.0.19045.4780',
        severity: 'Critical',
        exploited: false,
        month: '2024-08-13'
      }
    ]);
  });

  it('takes the highest severity among the open fixes of a CVE', async () => {
    const index = createMsrcIndex(await fixturePart());
    const cve = index.openCves(['12097'], 19045, 3000).find((c) => c.cve === 'CVE-2024-20674')!;
    expect(cve).toMatchObject({ kb: 'KB5035845', severity: 'Critical' });
  });

  it('leaves out fixes at or below the installed revision, for other builds, and rows without a fixed build', async () => {
    const index = createMsrcIndex(await fixturePart());
    expect(index.openCves(['12097'], 19045, 4780)).toEqual([]);
    expect(index.openCves(['12097'], 19044, 1)).toEqual([]);
    expect(index.openCves(['12097'], 19045, 0).map((c) => c.cve)).not.toContain('CVE-2024-37968');
    expect(index.openCves(['10048'], 7601, 27000).map((c) => c.kb)).toEqual(['KB5041838']);
  });
});

describe('createWesngIndex', () => {
  async function index() {
    const { value } = await buildWesngPart(
      readBytes(fixture('catalog', 'wesng', 'CVEs_20240709.csv')),
      'CVEs_20240709.csv'
    );
    return createWesngIndex(value!);
  }

  it('describes a KB by date, title, products and supersedes, written with or without "KB"', async () => {
    const wesng = await index();
    expect(wesng.kb('KB5034763')).toEqual({
      date: '2024-02-13',
      title: 'Internet Shortcut Files Security Feature Bypass Vulnerability',
      products: ['Windows 10 Version 22H2 for x64-based Systems'],
      supersedes: ['KB5034122', 'KB5034441']
    });
    expect(wesng.kb('5034441')?.date).toBe('2024-01-09');
    expect(wesng.kb('KB1234567')).toBeUndefined();
  });

  it('follows the Supersedes chain transitively and stops on a cycle', async () => {
    const wesng = await index();
    expect(wesng.supersededBy('KB5034122', 'KB5034763')).toBe(true);
    // KB5034763 → KB5034122 → KB5033372 (which, in this fixture, names KB5034763 again).
    expect(wesng.supersededBy('KB5033372', 'KB5034763')).toBe(true);
    expect(wesng.supersededBy('KB4014329', 'KB5034763')).toBe(false);
    expect(wesng.supersededBy('KB5034763', 'KB5034441')).toBe(false);
    expect(wesng.supersededBy('KB5034441', 'kb5034441')).toBe(true);
  });
});

describe('classifyMicrosoftUpdate', () => {
  it.each([
    [
      'KB4022715: Windows 10 Version 1607 and Windows Server 2016 June 2017 Cumulative Update',
      'Windows',
      true
    ],
    ['KB4338814: Windows 10 Version 1607 and Windows Server 2016 July 2018 Security Update', 'Windows', true],
    ['KB5041578: Windows 10 LTS 1809 / Server 2019 Security Update (August 2024)', 'Windows', true],
    [
      'KB4534306: Windows 7 and Windows Server 2008 R2 January 2020 Security Monthly Quality Rollup',
      'Windows',
      true
    ],
    ['KB5005112: Servicing Stack Update for Windows 10 Version 1809', 'Windows', true],
    ['MS17-010: Security Update for Microsoft Windows SMB Server (4013389) (ETERNALBLUE)', 'Windows', true],
    ['Microsoft Windows Summary of Missing Patches', 'Windows', false],
    ['KB4093110: Security update for Adobe Flash Player (April 2018)', 'Adobe Flash Player', false],
    ['MS15-124: Cumulative Security Update for Internet Explorer (3116180)', 'Internet Explorer', false],
    ['Security Updates for Microsoft .NET Framework (September 2018)', 'Microsoft .NET Framework', false],
    ['Security Update for .NET Core (January 2021)', 'Microsoft .NET', false],
    ['Security Updates for Microsoft Office Products (January 2018)', 'Microsoft Office', false],
    ['Security Updates for Outlook (February 2018)', 'Microsoft Office', false],
    ['Security Updates for Microsoft Powerpoint Products (September 2017)', 'Microsoft Office', false],
    ['Security Updates for Microsoft SQL Server (July 2018)', 'Microsoft SQL Server', false],
    ['Security Updates for Microsoft Exchange Server (March 2021)', 'Microsoft Exchange Server', false],
    [
      'Security Updates for Microsoft Visual Studio Products (January 2024)',
      'Microsoft Visual Studio',
      false
    ],
    ['Security Updates for Microsoft Teams Desktop Client (September 2023)', 'Microsoft Teams', false],
    ['Microsoft Edge (Chromium) < 120.0.2210.61 Multiple Vulnerabilities', 'Microsoft Edge', false]
  ])('classifies "%s" as %s (Windows rollup: %s)', (title, product, windowsRollup) => {
    expect(classifyMicrosoftUpdate(title, [])).toEqual({ product, windowsRollup });
  });

  it('falls back on the wesng products of the KBs when the title names no product', async () => {
    const { value } = await buildWesngPart(
      readBytes(fixture('catalog', 'wesng', 'CVEs_20240709.csv')),
      'CVEs_20240709.csv'
    );
    const wesng = createWesngIndex(value!);
    expect(classifyMicrosoftUpdate('MS16-133: Security Update (3199168)', ['KB5034765'], wesng)).toEqual({
      product: 'Microsoft Office',
      windowsRollup: false
    });
    expect(classifyMicrosoftUpdate('February 2024 update', ['KB5034763'], wesng)).toEqual({
      product: 'Windows',
      windowsRollup: true
    });
    expect(classifyMicrosoftUpdate('Microsoft Patch Bulletin Feasibility Check', [], wesng)).toEqual({
      product: 'Windows',
      windowsRollup: false
    });
  });
});

describe.skipIf(!hasShared)('Windows lookups on shared samples and catalog', () => {
  it('groups the 85 "Windows : Microsoft Bulletins" findings of the Windows 10 Nessus agent scan by action', () => {
    const { value } = parseNessus(
      readBytes(join(SHARED_DIR, 'samples', 'nessus', 'pytenable_example_win10_agent.nessus'))
    );
    const rules = new Map(value.rules.map((r) => [r.ruleId, r]));
    const host = value.hosts.find((h) =>
      h.findings.some((f) => rules.get(f.ruleId)?.family === 'Windows : Microsoft Bulletins')
    )!;
    const counts: Record<string, number> = {};
    let findings = 0;
    for (const f of host.findings) {
      const rule = rules.get(f.ruleId);
      if (rule?.family !== 'Windows : Microsoft Bulletins') continue;
      findings += 1;
      const c = classifyMicrosoftUpdate(rule.name, [...rule.kbs, ...(f.kbs ?? [])]);
      const key = c.windowsRollup ? 'Windows rollup' : c.product;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(findings).toBe(85);
    // Checked title by title: 12 Windows 10 1607 / Server 2016 cumulative and security updates (incl. "Security
    // Updates for Windows 10 / Windows Server 2016 (August 2018)"), 10 Flash Player KBs, 4 .NET Framework, one IE
    // cumulative (MS15-124), the "Summary of Missing Patches" and "Patch Bulletin Feasibility Check" as Windows
    // but not a rollup, and 56 Office, Word, Excel, PowerPoint and Outlook updates.
    expect(counts).toEqual({
      'Windows rollup': 12,
      Windows: 2,
      'Adobe Flash Player': 10,
      'Microsoft .NET Framework': 4,
      'Internet Explorer': 1,
      'Microsoft Office': 56
    });
  });

  it('finds the MSRC products of real systeminfo exports', async () => {
    const { value } = await buildMsrcPart(
      {
        products: readBytes(join(SHARED_DIR, 'catalog', 'msrc', 'derived', 'msrc_products.csv')),
        rows: readBytes(join(SHARED_DIR, 'catalog', 'msrc', 'derived', 'msrc_windows_cve_product_kb.csv.gz'))
      },
      'msrc'
    );
    const index = createMsrcIndex(value!.msrc);
    const byFile: Record<string, string[]> = {};
    for (const file of sharedSamples('windows-systeminfo')) {
      const os = parseSystemInfo(readBytes(file)).value.hosts[0]?.os;
      if (os) byFile[file.split('/').pop()!] = index.productsFor(os).names;
    }
    expect(byFile).toEqual({
      'jc_win10_hyperv_utc.txt': ['Windows 10 Version 1803 for x64-based Systems'],
      'wesng_server2022.txt': ['Windows Server 2022'],
      'wesng_win10_1809_CHINESE_gbk.txt': ['Windows 10 Version 1809 for x64-based Systems'],
      'wesng_win10_1809_pro_20190307.txt': ['Windows 10 Version 1809 for x64-based Systems'],
      'wesng_win11_24H2_enterprise_ltsc.txt': ['Windows 11 Version 24H2 for x64-based Systems'],
      'wesng_win7sp1_GERMAN_utf8.txt': ['Windows 7 for x64-based Systems Service Pack 1'],
      'wesng_win7sp1_enterprise_B.txt': ['Windows 7 for x64-based Systems Service Pack 1'],
      'wesng_winxp_sp3.txt': []
    });

    // Windows 10 22H2 x64 at 10.0.19045.4529 (June 2024) misses the August 2024 fix of the IPv6 flaw CVE-2024-38063.
    const w10 = index.productsFor(win({ build: 19045, productType: 'client', architecture: 'x64' }));
    const open = index.openCves(w10.ids, 19045, 4529);
    expect(open).toContainEqual({
      cve: 'CVE-2024-38063',
      kb: 'KB5041580',
      fixedBuild: '10.0.19045.4780',
      severity: 'Critical',
      exploited: false,
      month: '2024-08-13'
    });
    expect(new Set(open.map((c) => c.cve)).size).toBe(open.length);
    expect(open.some((c) => c.exploited)).toBe(true);
    expect(open.every((c) => Number(c.fixedBuild.split('.')[3]) > 4529)).toBe(true);
  });

  it('classifies missing KBs by their wesng products when the title does not say', async () => {
    const { value } = await buildWesngPart(
      readBytes(join(SHARED_DIR, 'catalog', 'wesng', 'definitions.zip')),
      'definitions.zip'
    );
    const wesng = createWesngIndex(value!);
    expect(classifyMicrosoftUpdate('Missing update', ['KB4093110'], wesng).product).toBe(
      'Adobe Flash Player'
    );
    expect(classifyMicrosoftUpdate('Missing update', ['KB5039211'], wesng)).toEqual({
      product: 'Windows',
      windowsRollup: true
    });
    expect(wesng.supersededBy('KB5039211', 'KB5041580')).toBe(true);
  });
});
