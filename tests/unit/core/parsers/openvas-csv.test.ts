import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import { parsedFileSchema, type ParsedFile, type ParseResult } from '../../../../src/lib/core/model';
import { parseOpenvasCsv, sniffOpenvasCsv } from '../../../../src/lib/core/parsers/openvas-csv';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('openvas-csv', name));

function parse(bytes: Uint8Array): ParseResult<ParsedFile> {
  const result = parseOpenvasCsv(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

describe.skipIf(!hasShared)('parseOpenvasCsv on the shared sample', () => {
  // Only the .csv files of the openvas folder are this reader's; the XML reports belong to openvas-xml.
  const samples = sharedSamples('openvas').filter((p) => p.toLowerCase().endsWith('.csv'));

  it('has an expectation for every shared Greenbone CSV sample', () => {
    expect(samples.map((p) => basename(p))).toEqual(['defectdojo_gvm_results_43rows.csv']);
  });

  it('reads the 43 CVE-scanner results of one host, the port from the result text', () => {
    const r = parse(readBytes(samples[0] as string));
    expect(r.issues).toEqual([]);
    expect(r.value.format).toBe('openvas-csv');
    expect(r.value.hosts.map((h) => [h.key, h.ips, h.findings.length])).toEqual([
      ['45.33.32.156', ['45.33.32.156'], 43]
    ]);
    expect(r.value.rules).toHaveLength(43);
    const findings = r.value.hosts[0]?.findings ?? [];
    const bySeverity = findings.reduce<Record<string, number>>(
      (m, f) => ({ ...m, [f.severity]: (m[f.severity] ?? 0) + 1 }),
      {}
    );
    expect(bySeverity).toEqual({ high: 21, medium: 22 });
    expect(
      findings.every((f) => f.port === 80 && f.protocol === 'tcp' && f.lastSeen === '2024-03-18T21:29:42Z')
    ).toBe(true);
    expect(r.value.rules[0]).toMatchObject({
      ruleId: 'CVE-2021-26690',
      scanner: 'openvas',
      name: 'CVE-2021-26690',
      severity: 'high',
      cves: ['CVE-2021-26690'],
      cvss3: { baseScore: 7.5 }
    });
  });
});

describe('parseOpenvasCsv on own fixtures', () => {
  const r = parse(own('gvm22-results-two-hosts.csv'));

  it('reads two hosts with a hostname, a Log result as info and a false positive as not affected', () => {
    expect(r.issues).toEqual([]);
    expect(r.value.hosts.map((h) => [h.key, h.hostname, h.fqdn, h.findings.length])).toEqual([
      ['192.168.10.5', 'dc01', 'dc01.corp.example', 2],
      ['192.168.10.23', undefined, undefined, 2]
    ]);
    const [dc, other] = r.value.hosts;
    expect(dc?.findings.map((f) => [f.severity, f.port, f.protocol])).toEqual([
      ['high', 445, 'tcp'],
      ['info', undefined, undefined]
    ]);
    expect(other?.findings.map((f) => [f.ruleId, f.severity, f.state])).toEqual([
      ['1.3.6.1.4.1.25623.1.0.105611', 'medium', 'affected'],
      ['1.3.6.1.4.1.25623.1.0.103955', 'info', 'not_affected']
    ]);
  });

  it('keeps the NVT texts once per rule: CVEs, the KB named in the summary, CERTs and references', () => {
    const ms = r.value.rules.find((x) => x.ruleId === '1.3.6.1.4.1.25623.1.0.832771');
    expect(ms).toMatchObject({
      name: 'Microsoft Windows Multiple Vulnerabilities (KB5034127)',
      severity: 'high',
      cves: ['CVE-2024-20674', 'CVE-2024-20653'],
      kbs: ['KB5034127'],
      xrefs: ['DFN-CERT-2024-0091', 'WID-SEC-2024-0052'],
      references: [
        'https://support.microsoft.com/en-us/help/5034127',
        'https://msrc.microsoft.com/update-guide'
      ],
      cvss3: { baseScore: 8.1 },
      pluginType: 'VendorFix',
      synopsis: 'This host is missing an important security update according to Microsoft KB5034127.'
    });
    expect(ms?.description).toContain('Affected software/OS:\nMicrosoft Windows Server 2019 x64');
    expect(r.value.hosts[0]?.findings[0]?.output).toBe(
      'Vulnerable range: Less than 10.0.17763.5329\nFile checked: C:\\Windows\\system32\\ntoskrnl.exe\nFile version: 10.0.17763.5206'
    );
  });

  it('warns about a results export with a header but no rows', () => {
    const empty = parse(own('gvm-results-no-rows.csv'));
    expect(empty.value.hosts).toEqual([]);
    expect(empty.issues.map((i) => [i.code, i.severity, i.line])).toEqual([['no-findings', 'warning', 1]]);
  });

  it('derives the severity from the CVSS score when the Severity cell is empty, and skips rows without a host', () => {
    const text =
      'IP,Hostname,Port,Port Protocol,CVSS,Severity,NVT Name,NVT OID,Specific Result\n' +
      '10.0.0.9,,443,tcp,9.8,,Critical thing,1.3.6.1.4.1.25623.1.0.1,out\n' +
      ',,443,tcp,5.0,Medium,No host,1.3.6.1.4.1.25623.1.0.2,out\n';
    const res = parse(utf8(text));
    expect(res.value.hosts[0]?.findings.map((f) => f.severity)).toEqual(['critical']);
    expect(res.issues.map((i) => [i.code, i.line])).toEqual([['csv-row-without-host', 3]]);
  });

  it('refuses an empty file and a CSV that is not Greenbone results', () => {
    expect(parse(new Uint8Array(0)).issues.map((i) => i.code)).toEqual(['empty-file']);
    const other = parse(utf8('Device,IP,OS\nWS-01,10.0.0.1,Windows 11\n'));
    expect(other.issues.map((i) => [i.code, i.severity])).toEqual([['csv-header-not-found', 'error']]);
    expect(sniffOpenvasCsv('Device,IP,OS\nWS-01,10.0.0.1,Windows 11\n')).toBe(false);
  });
});
