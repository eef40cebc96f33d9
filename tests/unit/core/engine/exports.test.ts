import { describe, expect, it } from 'vitest';
import { findingsToCsv, gapsToCsv, resultsJson } from '../../../../src/lib/core/engine/exports';
import type { EngagementResults, Finding, PatchGap } from '../../../../src/lib/core/model';

const gap = {
  id: 'g1',
  assetId: 'a1',
  hostname: '=cmd|calc',
  kind: 'scanner-finding',
  product: 'Misc.',
  title: '@SUM(A1:A9), "quoted"',
  severity: 'high',
  cves: ['CVE-2024-1'],
  rebootRequired: null,
  security: true,
  folded: 1,
  evidence: [{ fileId: 'f-7f3a', fileName: 'scan.nessus', record: 'r' }],
  priority: {
    rank: 2,
    label: 'Critical',
    days: 15,
    dueDate: '2026-12-09',
    reason: 'r',
    policy: 'p',
    assumed: []
  }
} as unknown as PatchGap;

describe('exports', () => {
  it('defuses spreadsheet formulas and quotes commas and quotes in the gaps CSV', () => {
    const [, row] = gapsToCsv([gap]).split('\r\n');
    expect(row!.startsWith(`'=cmd|calc,`)).toBe(true);
    expect(row).toContain(`"'@SUM(A1:A9), ""quoted"""`);
  });

  it('writes one findings row per finding with its sources, formulas defused', () => {
    const f = {
      id: 'x',
      assetId: 'a1',
      hostname: 'PC1',
      fileId: 'f1',
      scanner: 'nessus',
      ruleId: '1',
      title: '+HYPERLINK("x")',
      severity: 'critical',
      cves: [],
      kbs: [],
      sources: [{ fileId: 'f1', scanner: 'nessus', ruleId: '1', title: 't' }]
    } as unknown as Finding;
    const lines = findingsToCsv([f]).split('\r\n');
    expect(lines[1]).toContain(`"'+HYPERLINK(""x"")"`);
    expect(lines[1]).toContain('nessus 1');
  });

  it('replaces runtime file ids by file-N and leaves out the engagement id', () => {
    const results = {
      engagementId: 'e-123',
      files: [{ id: 'f-7f3a', name: 'scan.nessus', format: 'nessus-v2', hosts: 1 }],
      gaps: [gap]
    } as unknown as EngagementResults;
    const json = resultsJson(results);
    expect(json).not.toContain('f-7f3a');
    expect(json).not.toContain('e-123');
    expect(json).toContain('"fileId": "file-1"');
  });
});
