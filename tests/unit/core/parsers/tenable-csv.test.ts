import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import {
  parsedFileSchema,
  type HostObservation,
  type ParsedFile,
  type ParseResult,
  type ScannerRule,
  type Severity
} from '../../../../src/lib/core/model';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { parseTenableCsv, sniffTenableCsv } from '../../../../src/lib/core/parsers/tenable-csv';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('tenable-csv', name));

/** Parses and checks the whole result against the model's schema. */
function parse(bytes: Uint8Array): ParseResult<ParsedFile> {
  const result = parseTenableCsv(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function host(result: ParseResult<ParsedFile>, key: string): HostObservation {
  const h = result.value.hosts.find((x) => x.key === key);
  if (!h) throw new Error(`no host ${key}`);
  return h;
}

function rule(result: ParseResult<ParsedFile>, id: string): ScannerRule {
  const r = result.value.rules.find((x) => x.ruleId === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

const findingCount = (r: ParseResult<ParsedFile>): number =>
  r.value.hosts.reduce((n, h) => n + h.findings.length, 0);

function severities(r: ParseResult<ParsedFile>): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const h of r.value.hosts) for (const f of h.findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

describe.skipIf(!hasShared)('parseTenableCsv on shared samples', () => {
  const samples = sharedSamples('nessus-csv');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Counted with Python's csv module: data rows with at least one non-blank cell, distinct hosts by the
  // Host / IP Address column, distinct plugin IDs, the Risk (Severity for Tenable.sc) column.
  const expected: Record<
    string,
    {
      hosts: string[];
      findings: number;
      rules: number;
      severities: Partial<Record<Severity, number>>;
      codes: string[];
    }
  > = {
    'defectdojo_tenablesc_many_vuln.csv': {
      hosts: ['10.1.1.1', '10.2.1.1'],
      findings: 4,
      rules: 4,
      severities: { medium: 4 },
      codes: ['csv-blank-rows']
    },
    'defectdojo_nessus_pro_template_mskb.csv': {
      hosts: ['192.168.0.100', '192.168.0.101'],
      findings: 5,
      rules: 5,
      severities: { high: 1, medium: 3, critical: 1 },
      codes: ['csv-score-without-decimal-point']
    },
    'defectdojo_tenable_65col_blank_headers.csv': {
      hosts: ['ip-127-0-0-1.us-west-2.compute.internal', 'ip-192-168-1-110.us-west-2.compute.internal'],
      findings: 20,
      rules: 7,
      severities: { high: 12, medium: 8 },
      codes: ['csv-blank-rows']
    }
  };

  it('has an expectation for every shared Tenable CSV sample', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, e] of Object.entries(expected)) {
    it(`reads ${name}: hosts, one finding per row, rules, severities, problems`, () => {
      const r = parse(sample(name));
      expect(r.value.format).toBe('tenable-csv');
      expect(r.value.hosts.map((h) => h.key)).toEqual(e.hosts);
      expect(findingCount(r)).toBe(e.findings);
      expect(r.value.rules).toHaveLength(e.rules);
      expect(severities(r)).toEqual(e.severities);
      expect(r.issues.map((i) => i.code)).toEqual(e.codes);
    });
  }

  it('skips the 529 rows of commas only that a spreadsheet left in the Tenable.sc export, in one info', () => {
    const r = parse(sample('defectdojo_tenablesc_many_vuln.csv'));
    expect(r.issues[0]).toMatchObject({
      severity: 'info',
      count: 529,
      line: 46,
      lines: [46, 47, 48, 49, 50]
    });
  });

  it('reads Tenable.sc cells: CVE lists, "Plugin Output:" label, dates with zone names', () => {
    const r = parse(sample('defectdojo_tenablesc_many_vuln.csv'));
    expect(rule(r, '65821').cves).toEqual(['CVE-2013-2566', 'CVE-2015-2808']);
    const weakHash = rule(r, '35291');
    expect(weakHash).toMatchObject({
      family: 'General',
      severity: 'medium',
      cvss2: { baseScore: 5, vector: 'AV:N/AC:L/Au:N/C:N/I:P/A:N/E:POC/RL:OF/RC:C' },
      cvss3: { baseScore: 7.5 },
      vulnPublishedOn: '2004-08-18',
      publishedOn: '2009-01-05',
      exploitAvailable: true,
      pluginType: 'remote'
    });
    expect(weakHash.patchPublishedOn).toBeUndefined(); // "N/A"
    expect(weakHash.xrefs).toEqual(['CERT #836068', 'CWE #310']);
    const f = host(r, '10.1.1.1').findings[0];
    expect(f).toMatchObject({
      ruleId: '35291',
      port: 443,
      protocol: 'tcp',
      firstSeen: '2021-01-05T10:24:08'
    });
    expect(f?.output?.startsWith('The following certificates were part of the certificate chain')).toBe(true);
    expect(host(r, '10.1.1.1').ips).toEqual(['10.1.1.1']);
  });

  it('reads scores that lost their decimal point as tenths and day-first dates (Nessus Pro, MSKB layout)', () => {
    const r = parse(sample('defectdojo_nessus_pro_template_mskb.csv'));
    expect(rule(r, '42873')).toMatchObject({
      severity: 'high',
      riskFactor: 'Medium',
      cvss2: { baseScore: 5 },
      cvss3: { baseScore: 7.5 },
      publishedOn: '2009-11-23',
      cves: ['CVE-2016-2183']
    });
    expect(rule(r, '200162')).toMatchObject({
      severity: 'critical',
      cvss2: { baseScore: 10 },
      cvss3: { baseScore: 9.8 },
      exploitAvailable: true,
      xrefs: ['CISA-KNOWN-EXPLOITED:2024/07/03', 'IAVA:2024-A-0330-S']
    });
    expect(rule(r, '200798').publishedOn).toBe('2024-06-21');
    expect(rule(r, '11213').xrefs).toEqual(['CERT:288308', 'CERT:867593', 'CWE:16', 'CWE:200']);
    expect(host(r, '192.168.0.101').findings.map((f) => [f.ruleId, f.port])).toEqual([
      ['200162', 8080],
      ['200798', 5601]
    ]);
  });

  it('names blank header columns, merges the CVEs of rows repeated per CVE and keeps every row as a finding', () => {
    const r = parse(sample('defectdojo_tenable_65col_blank_headers.csv'));
    const mariadb = rule(r, '176703');
    expect(mariadb.cves).toHaveLength(10);
    expect(mariadb.cves).toContain('CVE-2022-27384');
    const h1 = host(r, 'ip-127-0-0-1.us-west-2.compute.internal');
    expect(h1.findings.filter((f) => f.ruleId === '176703')).toHaveLength(10);
    expect(h1).toMatchObject({
      hostname: 'ip-127-0-0-1',
      fqdn: 'ip-127-0-0-1.us-west-2.compute.internal',
      ips: ['127.0.0.1'],
      scanStart: '2023-06-08T01:07:18.371Z',
      scanEnd: '2023-06-08T01:58:56.166Z',
      os: {
        family: 'linux',
        name: 'Linux Kernel 4.14.313-235.533.amzn2.x86_64 on Amazon Linux 2',
        distro: { id: 'amzn', versionId: '2' }
      }
    });
    expect(h1.findings[0]).toMatchObject({
      ruleId: '176700',
      severity: 'high',
      state: 'affected',
      port: 0,
      firstSeen: '2023-06-08T01:58:56.166Z'
    });
    // The same host name with two IPs (the file has 192.167.1.110 on one row): one host, both addresses.
    expect(host(r, 'ip-192-168-1-110.us-west-2.compute.internal').ips).toEqual([
      '192.168.1.110',
      '192.167.1.110'
    ]);
    expect(rule(r, '176700')).toMatchObject({
      cvss3: { baseScore: 7.8, vector: 'AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
      exploitAvailable: true,
      exploitedByMalware: false,
      publishedOn: '2023-06-05',
      family: 'Amazon Linux Local Security Checks'
    });
    expect(r.issues[0]).toMatchObject({ code: 'csv-blank-rows', count: 2, lines: [547, 548] });
  });
});

describe('parseTenableCsv on own fixtures', () => {
  it('reads a Nessus Pro export re-saved with semicolons, decimal commas and day-first dates', () => {
    const r = parse(own('nessus-pro-de-semicolon.csv'));
    expect(r.value.hosts.map((h) => [h.key, h.findings.length])).toEqual([
      ['10.20.30.40', 4],
      ['ws-lager-07.example.local', 1]
    ]);
    expect(rule(r, '187901')).toMatchObject({
      severity: 'high',
      riskFactor: 'Critical',
      cves: ['CVE-2024-20674', 'CVE-2024-20653'],
      kbs: ['KB5034122'],
      xrefs: ['MSFT:MS24-5034122', 'IAVA:2024-A-0015-S'],
      cvss3: { baseScore: 8.8 },
      cvss2: { baseScore: 9 },
      publishedOn: '2024-01-09',
      references: ['https://support.microsoft.com/help/5034122', 'http://www.nessus.org/u?c0a2d5e1']
    });
    expect(rule(r, '19506').severity).toBe('info');
    const ws = host(r, 'ws-lager-07.example.local');
    expect(ws).toMatchObject({ hostname: 'ws-lager-07', fqdn: 'ws-lager-07.example.local', ips: [] });
  });

  it('counts each row repeated per CVE as a finding and takes the missing KB from the rollup list', () => {
    const r = parse(own('nessus-pro-de-semicolon.csv'));
    const ms = host(r, '10.20.30.40').findings.filter((f) => f.ruleId === '187901');
    expect(ms).toHaveLength(2);
    expect(ms.map((f) => f.kbs)).toEqual([['KB5034122'], ['KB5034122']]);
  });

  it('skips rows without a plugin ID or a host, each reason once with its line', () => {
    const r = parse(own('nessus-pro-de-semicolon.csv'));
    expect(r.issues.map((i) => [i.code, i.severity, i.line])).toEqual([
      ['csv-row-without-plugin-id', 'warning', 30],
      ['csv-row-without-host', 'warning', 32]
    ]);
  });

  it('reads a Tenable.sc detail list: DOMAIN\\NAME NetBIOS, MAC, "MSKB #" cross-reference, exploit flags', () => {
    const r = parse(own('tenable-sc-vuln-detail.csv'));
    expect(r.issues).toEqual([]);
    expect(host(r, '10.0.5.10')).toMatchObject({
      hostname: 'FS01',
      domain: 'CORP',
      fqdn: 'fs01.corp.example',
      ips: ['10.0.5.10'],
      macs: ['00:50:56:a1:b2:c3']
    });
    const eternal = rule(r, '97833');
    expect(eternal).toMatchObject({
      severity: 'critical',
      kbs: ['KB4012598'],
      xrefs: ['MSFT #MS17-010', 'IAVA #2017-A-0065', 'EDB-ID #41891', 'CISA-KNOWN-EXPLOITED #2022/04/15'],
      exploitAvailable: true,
      patchPublishedOn: '2017-03-14',
      cvss2: { baseScore: 10 }
    });
    expect(eternal.cves).toHaveLength(6);
    expect(host(r, '10.0.5.10').findings.map((f) => [f.ruleId, f.severity, f.kbs])).toEqual([
      ['97833', 'critical', ['KB4012598']],
      ['19506', 'info', undefined]
    ]);
    expect(
      host(r, '10.0.5.22').findings[0]?.output?.startsWith('The following certificate was at the top')
    ).toBe(true);
  });

  it('keeps two Tenable.io assets apart by Asset UUID although they had the same IP, with states', () => {
    const r = parse(own('tenable-io-assets.csv'));
    expect(r.issues).toEqual([]);
    const [sql, linux] = r.value.hosts;
    expect(sql).toMatchObject({
      key: '6f0c2a4e-1d3b-4c5a-9e8f-0a1b2c3d4e5f',
      hostIds: ['tenable:6f0c2a4e-1d3b-4c5a-9e8f-0a1b2c3d4e5f'],
      hostname: 'SRV-SQL-01',
      domain: 'CORP',
      ips: ['10.9.8.7'],
      os: { family: 'windows', build: 17763, productType: 'server', edition: 'Standard' }
    });
    expect(linux).toMatchObject({
      hostIds: ['tenable:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'],
      ips: ['10.9.8.7']
    });
    expect(sql?.findings.map((f) => [f.ruleId, f.state, f.service])).toEqual([
      ['187896', 'affected', 'cifs'],
      ['42873', 'fixed', 'mssql'],
      ['57608', 'affected', 'cifs']
    ]);
    // A Microsoft bulletin without an MSKB column: the KB comes from the plugin name and the rollup list.
    expect(rule(r, '187896').kbs).toEqual(['KB5034127']);
    expect(sql?.findings[0]?.kbs).toEqual(['KB5034127']);
  });

  it('refuses a CSV of another kind with the first line it read', () => {
    const r = parse(own('not-tenable-rmm-assets.csv'));
    expect(r.value.hosts).toEqual([]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ code: 'csv-header-not-found', severity: 'error', line: 1 });
    expect(r.issues[0]?.message).toContain('Device Name,IP Address');
    expect(sniffTenableCsv(new TextDecoder().decode(own('not-tenable-rmm-assets.csv')))).toBe(false);
  });

  it('reports an empty file, a BOM-only file and a header without rows', () => {
    expect(parse(new Uint8Array(0)).issues.map((i) => [i.code, i.severity])).toEqual([
      ['empty-file', 'error']
    ]);
    expect(parse(new Uint8Array([0xef, 0xbb, 0xbf])).issues.map((i) => i.code)).toEqual(['empty-file']);
    const headerOnly = parse(utf8('Plugin ID,CVE,Risk,Host,Protocol,Port,Name\r\n'));
    expect(headerOnly.value.hosts).toEqual([]);
    expect(headerOnly.issues.map((i) => [i.code, i.severity, i.line])).toEqual([
      ['no-findings', 'warning', 1]
    ]);
  });

  it('decides the date order from the whole file, and says when it had to assume it or cannot tell', () => {
    const head = 'Plugin ID,Risk,Host,Name,First Found\n';
    const late = parse(utf8(`${head}1,Low,10.0.0.1,A,05/06/2024\n2,Low,10.0.0.1,B,25/06/2024\n`));
    expect(late.value.hosts[0]?.findings.map((f) => f.firstSeen)).toEqual(['2024-06-05', '2024-06-25']);
    expect(late.issues).toEqual([]);

    const assumed = parse(utf8(`${head}1,Low,10.0.0.1,A,05/06/2024\n`));
    expect(assumed.value.hosts[0]?.findings[0]?.firstSeen).toBe('2024-05-06');
    expect(assumed.issues.map((i) => [i.code, i.severity])).toEqual([['csv-date-order-assumed', 'info']]);

    const mixed = parse(
      utf8(`${head}1,Low,10.0.0.1,A,13/05/2024\n2,Low,10.0.0.1,B,05/13/2024\n3,Low,10.0.0.1,C,05/06/2024\n`)
    );
    expect(mixed.value.hosts[0]?.findings.map((f) => f.firstSeen)).toEqual([
      '2024-05-13',
      '2024-05-13',
      undefined
    ]);
    expect(mixed.issues.map((i) => [i.code, i.severity])).toEqual([['csv-date-order-mixed', 'warning']]);
  });

  it('reads an unknown risk as info with a warning', () => {
    const r = parse(utf8('Plugin ID,Risk,Host,Name\n1,Severe,10.0.0.1,A\n2,Severe,10.0.0.1,B\n'));
    expect(r.value.hosts[0]?.findings.map((f) => f.severity)).toEqual(['info', 'info']);
    expect(r.issues.map((i) => [i.code, i.count, i.lines])).toEqual([['csv-bad-severity', 2, [2, 3]]]);
  });
});

describe('tenable-csv through the registry', () => {
  it('streams a 60,000-row export in small chunks with the same counts as a whole read', () => {
    const lines = ['Plugin ID,CVE,Risk,Host,Protocol,Port,Name,Plugin Output'];
    for (let i = 0; i < 60_000; i++) {
      lines.push(
        `${20000 + (i % 300)},CVE-2024-${1000 + (i % 50)},${['Low', 'Medium', 'High'][i % 3]},10.1.${(i >> 8) % 40}.${i & 255},tcp,443,"Plugin ${i % 300}","out, ${i}\nline 2"`
      );
    }
    const bytes = utf8(lines.join('\r\n'));
    const tally = createTally();
    const parser = createStreamParser('tenable-csv', { host: (h) => tally.add(h), rule: () => {} });
    for (let at = 0; at < bytes.length; at += 4093) parser.write(bytes.subarray(at, at + 4093));
    parser.end();
    expect(parser.issues).toEqual([]);
    const whole = parseTenableCsv(bytes);
    expect(tally.counts).toMatchObject({ assets: whole.value.hosts.length, findings: 60_000 });
    expect(whole.value.rules).toHaveLength(300);
  });
});
