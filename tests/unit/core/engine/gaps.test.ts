import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeResults,
  parseNessus,
  parseSystemInfo,
  resultsJson,
  resolveSettings,
  type EngagementResults,
  type HostObservation,
  type ParsedFile,
  type ScannerRule,
  type SourcedHost
} from '../../../../src/lib/core';
import { parseOsRelease } from '../../../../src/lib/core/parsers/os-release';
import { parseRpmQa } from '../../../../src/lib/core/parsers/rpm';
import { testCatalog } from '../../catalog';
import { fixture, hasShared, readBytes, sharedSamples, SHARED_DIR } from '../../shared';

const ruleKey = (fileId: string, ruleId: string): string => `${fileId}\u0000${ruleId}`;

/** Runs the engine on parsed files, as the CLI and the worker do. */
function assess(
  parsed: { name: string; file: ParsedFile }[],
  asOf: string,
  settings: unknown = {}
): EngagementResults {
  const hosts: SourcedHost[] = [];
  const rules = new Map<string, ScannerRule>();
  parsed.forEach(({ name, file }, i) => {
    const fileId = `f${i + 1}`;
    for (const host of file.hosts) hosts.push({ fileId, fileName: name, format: file.format, host });
    for (const r of file.rules) rules.set(ruleKey(fileId, r.ruleId), r);
  });
  return computeResults({
    engagementId: 'test',
    asOf,
    files: parsed.map(({ name, file }, i) => ({ id: `f${i + 1}`, name, format: file.format })),
    hosts,
    catalog: testCatalog(),
    rules,
    ruleKey,
    settings: resolveSettings(settings).value!
  });
}

function systeminfo(path: string) {
  return { name: basename(path), file: parseSystemInfo(readBytes(path)).value };
}

/** A Windows machine as a registry export describes it: build, revision and edition. */
function windowsHost(
  name: string,
  os: { build: number; revision: number; edition: string; server?: boolean; displayVersion?: string }
): { name: string; file: ParsedFile } {
  const host: HostObservation = {
    key: name,
    hostname: name,
    ips: [],
    macs: [],
    os: {
      family: 'windows',
      name: os.server ? `Windows Server ${os.edition}` : `Windows 10 ${os.edition}`,
      version: `10.0.${os.build}`,
      build: os.build,
      revision: os.revision,
      edition: os.edition,
      productType: os.server ? 'server' : 'client',
      ...(os.displayVersion ? { displayVersion: os.displayVersion } : {})
    },
    installedUpdates: [],
    software: [],
    pendingUpdates: [],
    findings: []
  };
  return {
    name: `${name}-currentversion.txt`,
    file: { format: 'windows-currentversion', hosts: [host], rules: [] } as unknown as ParsedFile
  };
}

describe.skipIf(!hasShared)('patch gaps with the real catalog', () => {
  const sample = (name: string) =>
    sharedSamples('windows-systeminfo').find((p) => basename(p) === name) ?? `${SHARED_DIR}/missing/${name}`;

  it('names the required cumulative update for each systeminfo sample by build and edition, or its end-of-life verdict (as of 2026-09-01)', () => {
    const expected: Record<
      string,
      { kb: string | null; status: string; months: number | null; phase: string; cycle: string }
    > = {
      // 1803 Enterprise: no rows for build 17134 in the build table, so the update level is unknown; long past EOL.
      'jc_win10_hyperv_utc.txt': {
        kb: null,
        status: 'unknown',
        months: null,
        phase: 'end-of-life',
        cycle: '10 1803 (E)'
      },
      // Server 2022: 2026-05 update; systeminfo's KBs map to no revision, so how far behind is unknown.
      'wesng_server2022.txt': {
        kb: 'KB5087545',
        status: 'unknown',
        months: null,
        phase: 'supported',
        cycle: 'Windows Server 2022'
      },
      // LTSC 2019 (企业版 LTSC): still in security support, so the newest 2026-05 update is required.
      'wesng_win10_1809_CHINESE_gbk.txt': {
        kb: 'KB5087538',
        status: 'behind',
        months: 89,
        phase: 'security-only',
        cycle: '10 1809 (E)'
      },
      // 1809 Pro reached end of life on 2020-11-10: its last update is required and the EOL gap says the rest.
      'wesng_win10_1809_pro_20190307.txt': {
        kb: 'KB4586793',
        status: 'behind',
        months: 20,
        phase: 'end-of-life',
        cycle: '10 1809 (W)'
      },
      // Windows 11 24H2 LTSC: the client line of build 26100, not Server 2025's.
      'wesng_win11_24H2_enterprise_ltsc.txt': {
        kb: 'KB5089549',
        status: 'unknown',
        months: null,
        phase: 'supported',
        cycle: '11 24H2 (E)'
      },
      'wesng_win7sp1_GERMAN_utf8.txt': {
        kb: null,
        status: 'unknown',
        months: null,
        phase: 'end-of-life',
        cycle: '7 SP1'
      },
      'wesng_win7sp1_enterprise_B.txt': {
        kb: null,
        status: 'unknown',
        months: null,
        phase: 'end-of-life',
        cycle: '7 SP1'
      },
      'wesng_winxp_sp3.txt': {
        kb: null,
        status: 'unknown',
        months: null,
        phase: 'end-of-life',
        cycle: 'XP SP3'
      }
    };
    for (const [name, want] of Object.entries(expected)) {
      const r = assess([systeminfo(sample(name))], '2026-09-01');
      const a = r.assets[0]!;
      expect(
        {
          kb: a.windows?.required?.kb ?? null,
          status: a.windows?.status,
          months: a.windows?.monthsBehind ?? null,
          phase: a.support?.phase,
          cycle: a.support?.cycleLabel
        },
        name
      ).toEqual(want);
      // Unknown is never "up to date", and an end-of-life system is always a gap.
      expect(a.status, name).not.toBe('up-to-date');
      if (want.phase === 'end-of-life') {
        expect(
          r.gaps.some((g) => g.kind === 'end-of-life' && g.assetId === a.asset.id),
          name
        ).toBe(true);
      }
    }
  });

  it('infers the installed revision from the newest installed cumulative update and says so', () => {
    const a = assess([systeminfo(sample('wesng_win10_1809_CHINESE_gbk.txt'))], '2026-09-01').assets[0]!;
    expect(a.windows).toMatchObject({
      revisionSource: 'inferred',
      inferredFromKb: 'KB4464455',
      installedRevision: 107
    });
    expect(a.windows!.explanation).toContain('inferred from KB4464455');
  });

  it('keeps Windows 11 24H2 and Windows Server 2025 apart on build 26100', () => {
    const client = assess(
      [windowsHost('PC1', { build: 26100, revision: 4000, edition: 'Professional' })],
      '2026-06-01'
    );
    const server = assess(
      [windowsHost('SRV1', { build: 26100, revision: 4000, edition: 'Datacenter', server: true })],
      '2026-06-01'
    );
    expect(client.assets[0]!.windows!.required!.kb).toBe('KB5089549');
    expect(server.assets[0]!.windows!.required!.kb).toBe('KB5087539');
  });

  it('Windows 10 22H2 Pro past end of life: an ESU gap unless enrolled; enrolled machines need the ESU updates instead', () => {
    const host = windowsHost('PC22H2', {
      build: 19045,
      revision: 6093,
      edition: 'Professional',
      displayVersion: '22H2'
    });
    const plain = assess([host], '2026-05-20');
    const a = plain.assets[0]!;
    expect(a.support).toMatchObject({ phase: 'esu', gap: true, eol: '2025-10-14' });
    const eolGap = plain.gaps.find((g) => g.kind === 'end-of-life')!;
    expect(eolGap.support).toContain('ESU');
    // Not enrolled: the last update before end of life is what is required.
    expect(a.windows!.required!.releaseDate <= '2025-10-14').toBe(true);

    const enrolled = assess([host], '2026-05-20', { assets: { PC22H2: { esuEnrolled: true } } });
    const b = enrolled.assets[0]!;
    expect(b.support).toMatchObject({ phase: 'esu', gap: false });
    expect(enrolled.gaps.some((g) => g.kind === 'end-of-life')).toBe(false);
    expect(b.windows!.required!.releaseDate > '2025-10-14').toBe(true);
    expect(b.windows!.required!.kb).not.toBe(a.windows!.required!.kb);
  });

  it('folds the 85 Microsoft bulletin findings of the Windows 10 agent scan into the actions they belong to', () => {
    const path = sharedSamples('nessus').find((p) => p.endsWith('pytenable_example_win10_agent.nessus'))!;
    const file = parseNessus(readBytes(path)).value;
    const r = assess([{ name: basename(path), file }], '2026-09-01');
    const bulletins = new Set(
      file.rules.filter((x) => x.family === 'Windows : Microsoft Bulletins').map((x) => x.ruleId)
    );
    const host = file.hosts.find((h) => h.findings.some((f) => bulletins.has(f.ruleId)))!;
    expect(host.findings.filter((f) => bulletins.has(f.ruleId))).toHaveLength(85);

    const gaps = r.gaps.filter((g) => g.hostname.toLowerCase() === (host.hostname ?? host.key).toLowerCase());
    // Windows rollups: one OS-update gap with their CVEs kept as evidence.
    const os = gaps.filter((g) => g.kind === 'os-update');
    expect(os).toHaveLength(1);
    expect(os[0]!.folded).toBe(12);
    expect(os[0]!.cves.length).toBeGreaterThan(12);
    // Office, .NET, Internet Explorer: one gap per product.
    const byProduct = (p: string) => gaps.filter((g) => g.kind === 'scanner-finding' && g.product === p);
    expect(byProduct('Microsoft Office')).toHaveLength(1);
    expect(byProduct('Microsoft Office')[0]!.folded).toBe(56);
    expect(byProduct('Microsoft .NET Framework')[0]!.folded).toBe(4);
    expect(byProduct('Internet Explorer')[0]!.folded).toBe(1);
    // Flash: Microsoft's 10 bulletins and the scanner's own Flash version checks are one action.
    const flash = byProduct('Adobe Flash Player');
    expect(flash).toHaveLength(1);
    expect(flash[0]!.folded).toBeGreaterThanOrEqual(10);
    // Counts are actions: far fewer gaps than scanner hits.
    const hits = host.findings.filter((f) => f.severity !== 'info').length;
    expect(gaps.length).toBeLessThan(hits / 3);
  });

  it('an AlmaLinux 9 package list gets one gap per package with the advisories that close it', () => {
    const packages = parseRpmQa(readBytes(fixture('linux-almalinux', 'rpm-qa.txt'))).value;
    const os = parseOsRelease(readBytes(fixture('linux-almalinux', 'os-release'))).value.hosts[0]!.os!;
    // The collector run names the machine in both files; here they are joined by hand as one machine.
    const host = { ...packages.hosts[0]!, key: 'alma9', hostname: 'alma9', os };
    const r = assess([{ name: 'alma9-packages.txt', file: { ...packages, hosts: [host] } }], '2026-09-01');
    const a = r.assets[0]!;
    expect(a.linux).toMatchObject({ ecosystem: 'AlmaLinux:9', covered: true });
    const pkg = Object.fromEntries(
      r.gaps.filter((g) => g.kind === 'package-update').map((g) => [g.product, g.required])
    );
    expect(pkg).toMatchObject({
      kernel: '5.14.0-687.39.1.el9_8',
      openssl: '1:3.5.5-4.el9_8',
      sudo: '1.9.17p2-3.el9_8',
      curl: '7.76.1-40.el9_8.5'
    });
    expect(Object.keys(pkg)).toHaveLength(12);
    expect(a.status).toBe('behind');
    // The kernel needs a reboot; the plan counts it.
    expect(r.gaps.find((g) => g.product === 'kernel')!.rebootRequired).toBe(true);
  });

  it('joins KEV and EPSS for known CVEs: the Office gap carries CVE-2017-11882 with its KEV date and EPSS score', () => {
    const path = sharedSamples('nessus').find((p) => p.endsWith('pytenable_example_win10_agent.nessus'))!;
    const r = assess([{ name: basename(path), file: parseNessus(readBytes(path)).value }], '2026-09-01');
    const office = r.gaps.find((g) => g.kind === 'scanner-finding' && g.product === 'Microsoft Office')!;
    expect(office.cves).toContain('CVE-2017-11882');
    expect(office.kev!.cves).toContain('CVE-2017-11882');
    expect(office.kev!.dateAdded <= '2021-11-03').toBe(true);
    expect(office.epss!.score).toBeGreaterThan(0.9);
    expect(office.priority.rank).toBe(1);
    expect(office.priority.reason).toMatch(/known exploited/i);
  });

  it('uses nothing released or added after the as-of date', () => {
    const path = sharedSamples('nessus').find((p) => p.endsWith('pytenable_example_win10_agent.nessus'))!;
    const files = [
      { name: basename(path), file: parseNessus(readBytes(path)).value },
      ...['wesng_win10_1809_CHINESE_gbk.txt', 'wesng_server2022.txt'].map((n) => systeminfo(sample(n)))
    ];
    const asOf = '2022-06-30';
    const r = assess(files, asOf);
    const kevDates = testCatalog().kev!.entries;
    const kevAfter = new Set(kevDates.filter((e) => e.dateAdded > asOf).map((e) => e.cve));
    for (const g of r.gaps) {
      if (g.kev) expect(g.kev.dateAdded <= asOf, g.title).toBe(true);
      for (const c of g.kev?.cves ?? []) expect(kevAfter.has(c), c).toBe(false);
      if (g.fixReleased && g.kind !== 'end-of-life') expect(g.fixReleased <= asOf, g.title).toBe(true);
    }
    for (const a of r.assets) {
      if (a.windows?.required) expect(a.windows.required.releaseDate <= asOf).toBe(true);
    }
    expect(r.gaps.some((g) => g.kev)).toBe(true);
  });

  it('gives byte-identical results JSON for the same inputs, whatever order the files come in', () => {
    const files = ['wesng_win10_1809_CHINESE_gbk.txt', 'wesng_server2022.txt', 'wesng_winxp_sp3.txt'].map(
      (n) => systeminfo(sample(n))
    );
    const a = resultsJson(assess(files, '2026-09-01'));
    const b = resultsJson(assess([...files].reverse(), '2026-09-01'));
    expect(b).toBe(a);
  });

  it('leaves unknown machines out of "% fully patched" and counts them on their own line', () => {
    const r = assess(
      [
        'wesng_server2022.txt',
        'wesng_win11_24H2_enterprise_ltsc.txt',
        'wesng_win10_1809_CHINESE_gbk.txt'
      ].map((n) => systeminfo(sample(n))),
      '2026-09-01'
    );
    expect(r.score.unknown).toBe(2);
    expect(r.score.denominator).toBe(1);
    expect(r.score.percentFullyPatched).toBe(0);
    expect(r.totals.unknown).toBe(2);
  });
});
