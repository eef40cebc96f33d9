import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  computeResults,
  parseNessus,
  parseSystemInfo,
  parseWindowsBuildsCsv,
  toCanonicalJson,
  type EngineInput,
  type ParsedFile
} from '../../../../src/lib/core';
import { fixture, readBytes } from '../../shared';

const catalog = {
  windowsBuilds: parseWindowsBuildsCsv(
    readFileSync(fixture('catalog', 'windows-builds-small.csv'), 'utf8'),
    'windows-builds-small.csv'
  ).value
};

function input(): EngineInput {
  const nessus: ParsedFile = parseNessus(readBytes(fixture('e2e', 'office.nessus'))).value;
  const sysinfo: ParsedFile = parseSystemInfo(readBytes(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'))).value;
  return {
    engagementId: 'e1',
    asOf: '2026-11-24',
    files: [
      { id: 'f1', name: 'office.nessus', format: nessus.format },
      { id: 'f2', name: 'PC-RECEPTION-systeminfo.txt', format: sysinfo.format }
    ],
    hosts: [
      ...nessus.hosts.map((host) => ({
        fileId: 'f1',
        fileName: 'office.nessus',
        format: nessus.format,
        host
      })),
      ...sysinfo.hosts.map((host) => ({
        fileId: 'f2',
        fileName: 'PC-RECEPTION-systeminfo.txt',
        format: sysinfo.format,
        host
      }))
    ],
    catalog
  };
}

describe('engagement results', () => {
  it('merges the office scan with systeminfo and finds both machines 23 months behind', () => {
    const r = computeResults(input());
    expect(r.assets.map((a) => a.asset.hostname)).toEqual(['PC-RECEPTION', 'SRV-FILES']);
    const [pc, srv] = r.assets;
    expect(pc!.windows).toMatchObject({ status: 'behind', monthsBehind: 23, required: { kb: 'KB5087544' } });
    expect(pc!.findingCounts).toEqual({ critical: 1, high: 0, medium: 1, low: 0, info: 1 });
    expect(srv!.windows).toMatchObject({
      status: 'behind',
      required: { kb: 'KB5087545' },
      inferredFromKb: 'KB5037782'
    });
    expect(r.totals).toMatchObject({
      assets: 2,
      windowsAssets: 2,
      behind: 2,
      upToDate: 0,
      maxMonthsBehind: 23
    });
  });

  it('gives byte-identical canonical JSON for the same inputs', () => {
    expect(toCanonicalJson(computeResults(input()))).toBe(toCanonicalJson(computeResults(input())));
  });

  it('warns that Windows status is unknown without a catalog, and never calls it up to date', () => {
    const r = computeResults({ ...input(), catalog: {} });
    expect(r.assets.every((a) => a.windows?.status === 'unknown')).toBe(true);
    expect(r.problems[0]).toMatchObject({ code: 'catalog-missing-windows-builds' });
  });
});

describe('engagement results, computed step by step', () => {
  it('gives exactly what the one-shot computation gives', async () => {
    const { computeResultsAsync } = await import('../../../../src/lib/core');
    expect(toCanonicalJson(await computeResultsAsync(input(), { yieldEvery: 1 }))).toBe(
      toCanonicalJson(computeResults(input()))
    );
  });

  it('stops with CancelledError when its caller cancels', async () => {
    const { computeResultsAsync, CancelledError } = await import('../../../../src/lib/core');
    let calls = 0;
    await expect(
      computeResultsAsync(input(), { yieldEvery: 1, isCancelled: () => ++calls > 1 })
    ).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('findings de-duplication', () => {
  it('lists the same CVE on the same asset from two scanners once, with both sources', async () => {
    const { listFindings, mergeHosts } = await import('../../../../src/lib/core');
    const base = {
      ips: ['10.0.0.5'],
      macs: [],
      installedUpdates: [],
      software: [],
      pendingUpdates: []
    };
    const nessusHost = {
      ...base,
      key: '10.0.0.5',
      hostname: 'PC-01',
      findings: [
        { ruleId: '500001', severity: 'critical' as const },
        { ruleId: '500009', severity: 'medium' as const }
      ]
    };
    const openvasHost = {
      ...base,
      key: '10.0.0.5',
      findings: [{ ruleId: '1.3.6.1.4.1', severity: 'high' as const }]
    };
    const rule = (ruleId: string, scanner: string, name: string, cves: string[]) => ({
      ruleId,
      scanner,
      name,
      severity: 'high' as const,
      cves,
      kbs: [],
      xrefs: [],
      references: []
    });
    const rules = new Map([
      ['f1|500001', rule('500001', 'nessus', 'KB5087544 missing', ['CVE-2026-21001', 'CVE-2026-21002'])],
      ['f1|500009', rule('500009', 'nessus', 'Other issue', ['CVE-2026-21001'])],
      ['f2|1.3.6.1.4.1', rule('1.3.6.1.4.1', 'openvas', 'Windows update missing', ['CVE-2026-21002'])]
    ]);
    const merged = mergeHosts([
      { fileId: 'f1', fileName: 'a.nessus', format: 'nessus-v2', host: nessusHost },
      { fileId: 'f2', fileName: 'b.xml', format: 'openvas-xml', host: openvasHost }
    ]);
    const rows = listFindings(merged, rules, (f, r) => `${f}|${r}`);
    // Two nessus results stay two rows (one scan), the OpenVAS one joins the first by CVE-2026-21002.
    expect(rows).toHaveLength(2);
    const joined = rows.find((r) => r.sources.length === 2)!;
    expect(joined.sources.map((s) => s.scanner).sort()).toEqual(['nessus', 'openvas']);
    expect(joined.severity).toBe('critical');
    expect(joined.cves).toEqual(['CVE-2026-21001', 'CVE-2026-21002']);
  });
});
