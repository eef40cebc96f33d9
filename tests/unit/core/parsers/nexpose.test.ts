import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNexposeParser, parseNexpose, sniffNexpose } from '../../../../src/lib/core/parsers/nexpose';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';
import {
  codes,
  detect,
  expectValidModel,
  findingCount,
  host,
  otherFoldersSamples,
  rule,
  runStream,
  severityCounts,
  text,
  throughRegistry,
  utf8
} from './xml-stream-helpers';

const own = (name: string): Uint8Array => readBytes(fixture('nexpose', name));

describe('Nexpose XML Export 2.0 on a hand-written fixture', () => {
  const report = parseNexpose(own('xml2-two-nodes.xml'));

  it('counts vulnerable-exploited, vulnerable-version and potential tests as findings, and no other status', () => {
    expect(report.value.formatVersion).toBe('NexposeReport 2.0');
    expect(report.value.hosts.map((h) => [h.key, h.findings.length])).toEqual([
      ['10.50.0.21', 3],
      ['10.50.0.40', 2]
    ]);
    // The fixture also holds not-vulnerable, skipped-version and error tests: not findings.
    expect(text(own('xml2-two-nodes.xml')).match(/<test /g)).toHaveLength(8);
    expect(expectValidModel(report.value.hosts, report.value.rules)).toEqual([]);
  });

  it('takes severities from the definitions that follow the nodes: CVSS score first, Nexpose severity without one', () => {
    const sql = host(report.value.hosts, '10.50.0.21');
    expect(sql.findings.map((f) => [f.ruleId, f.severity, f.state, f.port, f.protocol, f.service])).toEqual([
      ['msft-cve-2024-21338', 'high', 'affected', undefined, undefined, undefined],
      ['database-open-access', 'critical', 'affected', 1433, 'tcp', 'MSSQL'],
      ['tls-server-cert-expired', 'low', 'unknown', 443, 'tcp', 'HTTPS']
    ]);
    expect(host(report.value.hosts, '10.50.0.40').findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['snmp-read-0001', 'medium'],
      ['custom-check-without-definition', 'medium']
    ]);
  });

  it('warns about a test whose check the definitions do not describe', () => {
    expect(codes(report.issues)).toEqual(['nexpose-test-not-defined']);
    expect(report.issues[0]).toMatchObject({ severity: 'warning', count: 1 });
    expect(report.issues[0]?.message).toContain('custom-check-without-definition');
  });

  it('keeps the test’s paragraphs as evidence, with the KB it names and the date it became vulnerable', () => {
    const [kernel, db] = host(report.value.hosts, '10.50.0.21').findings;
    expect(kernel?.output).toBe(
      'Vulnerable OS: Microsoft Windows Server 2016 Standard Edition\nMissing patch KB5034767 (ntoskrnl.exe 10.0.14393.6614)'
    );
    expect(kernel?.kbs).toEqual(['KB5034767']);
    expect(kernel?.firstSeen).toBe('2024-02-14T03:02:11');
    expect(db?.output).toBe(
      'Running MSSQL service.\nThe database accepted a connection from the scan engine.'
    );
  });

  it('reads names, MAC, device id, the most certain OS fingerprint and software (node and service fingerprints, once)', () => {
    const sql = host(report.value.hosts, '10.50.0.21');
    expect(sql).toMatchObject({
      ips: ['10.50.0.21'],
      macs: ['00:50:56:9a:3b:21'],
      hostname: 'sql01',
      fqdn: 'sql01.fabrikam.local',
      hostIds: ['nexpose:311']
    });
    expect(sql.os).toEqual({
      family: 'windows',
      name: 'Microsoft Windows Server 2016 Standard Edition',
      build: 14393,
      productType: 'server',
      edition: 'Standard Edition',
      architecture: 'x86_64'
    });
    expect(sql.software).toEqual([
      { name: 'SQL Server 2016', vendor: 'Microsoft', version: '13.0.6300.2' },
      { name: '7-Zip', vendor: '7-Zip', version: '19.00' }
    ]);
    const printer = host(report.value.hosts, '10.50.0.40');
    expect(printer.hostname).toBeUndefined();
    expect(printer.macs).toEqual(['00:50:56:9a:3b:40']);
    expect(printer.os).toEqual({ family: 'other', name: 'HP LaserJet' });
  });

  it('reads definitions: CVSS v3 or v2 by vector, MSKB and CVE references, exploits, malware, link targets', () => {
    expect(rule(report.value.rules, 'msft-cve-2024-21338')).toEqual({
      ruleId: 'msft-cve-2024-21338',
      scanner: 'nexpose',
      name: 'Microsoft Windows: CVE-2024-21338: Windows Kernel Elevation of Privilege Vulnerability',
      severity: 'high',
      riskFactor: 'Nexpose severity 8',
      description: 'Windows Kernel Elevation of Privilege Vulnerability',
      solution:
        'Download and apply the patch from:\nhttps://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB5034767',
      cves: ['CVE-2024-21338'],
      kbs: ['KB5034767'],
      xrefs: [],
      references: ['https://msrc.microsoft.com/update-guide/vulnerability/CVE-2024-21338'],
      cvss3: { baseScore: 7.8, vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' },
      publishedOn: '2024-02-13',
      exploitAvailable: true
    });
    expect(rule(report.value.rules, 'tls-server-cert-expired').cvss2).toEqual({
      baseScore: 1.5,
      vector: 'AV:N/AC:H/Au:N/C:N/I:P/A:N'
    });
    expect(rule(report.value.rules, 'snmp-read-0001')).toMatchObject({
      severity: 'medium',
      cves: ['CVE-1999-0517'],
      xrefs: ['BID:973'],
      exploitedByMalware: true
    });
    // Definition ids are matched to test ids without regard to case.
    expect(rule(report.value.rules, 'database-open-access').severity).toBe('critical');
  });

  it('past the memory budget, hands nodes over before the definitions as medium, with a warning', () => {
    const r = runStream(
      (sink) => createNexposeParser(sink, { holdBudgetChars: 10 }),
      own('xml2-two-nodes.xml'),
      [2048]
    );
    expect(severityCounts(r.hosts)).toEqual({ medium: 5 });
    expect(r.issues.find((i) => i.code === 'nexpose-severity-estimated')).toMatchObject({
      severity: 'warning',
      count: 5
    });
    expect(r.rules).toHaveLength(4);
  });

  it('warns when a report has no definitions', () => {
    const xml = text(own('xml2-two-nodes.xml')).replace(
      /<VulnerabilityDefinitions>[\s\S]*<\/VulnerabilityDefinitions>/,
      ''
    );
    const r = parseNexpose(utf8(xml));
    expect(codes(r.issues)).toEqual(['nexpose-no-definitions']);
    expect(severityCounts(r.value.hosts)).toEqual({ medium: 5 });
  });

  it('reads the same report fed 5 bytes at a time', () => {
    const r = runStream(createNexposeParser, own('xml2-two-nodes.xml'), [5]);
    expect(r.hosts).toEqual(report.value.hosts);
    expect(r.rules).toEqual(report.value.rules);
  });

  it('refuses other XML, empty files and says a report without nodes holds none', () => {
    expect(parseNexpose(utf8('<nmaprun/>')).issues[0]).toMatchObject({
      severity: 'error',
      code: 'nexpose-wrong-root'
    });
    expect(codes(parseNexpose(utf8('')).issues)).toEqual(['not-xml']);
    expect(
      codes(
        parseNexpose(utf8('<NexposeReport version="2.0"><nodes/><VulnerabilityDefinitions/></NexposeReport>'))
          .issues
      )
    ).toEqual(['nexpose-no-nodes']);
  });

  it('expands no DTD entity', () => {
    const xml =
      '<!DOCTYPE NexposeReport [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<NexposeReport version="2.0"><nodes>' +
      '<node address="10.0.0.9" status="alive"><names><name>&x;</name></names></node></nodes></NexposeReport>';
    const r = parseNexpose(utf8(xml));
    expect(codes(r.issues)).toEqual(['dtd-entities-ignored', 'xml-undefined-entity']);
    expect(r.value.hosts[0]?.hostname).toBe('&x;');
  });
});

describe('detection and the registry on Nexpose fixtures', () => {
  it('detects XML Export 2.0 and explains that Simple XML is not enough', () => {
    expect(detect(fixture('nexpose', 'xml2-two-nodes.xml'))).toBe('nexpose-xml');
    expect(detect(fixture('nexpose', 'simple-xml.xml'))).toBe('problem:nexpose-simple-xml');
    expect(sniffNexpose('<NexposeReport version="1.0">')).toBe('nexpose-xml');
  });

  it('passes the zod schemas through createStreamParser and counts like the CLI', () => {
    const r = throughRegistry('nexpose-xml', own('xml2-two-nodes.xml'));
    expect(codes(r.issues)).toEqual(['nexpose-test-not-defined']);
    expect(r.counts).toEqual({ assets: 2, findings: 5, installedUpdates: 0, software: 2, pendingUpdates: 0 });
  });
});

describe.skipIf(!hasShared)('Nexpose XML on the shared samples', () => {
  const samples = sharedSamples('rapid7-nexpose');
  const EXPECTED: Record<string, true> = { 'defectdojo_nexpose_xml2_8nodes.xml': true };

  it('has expectations for every sample in the folder', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('reads the 8-node report: 162 of its 621 tests are findings (158 vulnerable-exploited, 4 vulnerable-version)', () => {
    const path = samples.find((p) => basename(p) === 'defectdojo_nexpose_xml2_8nodes.xml');
    if (!path) throw new Error('sample missing');
    const r = parseNexpose(readBytes(path));
    expect(r.issues).toEqual([]);
    expect(r.value.formatVersion).toBe('NexposeReport 1.0');
    expect(expectValidModel(r.value.hosts, r.value.rules)).toEqual([]);
    expect(r.value.hosts.map((h) => [h.key, h.findings.length])).toEqual([
      ['192.168.1.1', 6],
      ['192.168.1.18', 139],
      ['192.168.1.33', 13],
      ['192.168.1.34', 2],
      ['192.168.1.35', 0],
      ['192.168.1.37', 0],
      ['192.168.1.38', 1],
      ['192.168.1.40', 1]
    ]);
    expect(findingCount(r.value.hosts)).toBe(162);
    expect(severityCounts(r.value.hosts)).toEqual({ medium: 145, info: 11, low: 3, high: 2, critical: 1 });
    expect(r.value.rules).toHaveLength(136);
    expect(r.value.hosts.map((h) => h.hostIds)).toEqual([
      ['nexpose:7'],
      ['nexpose:6'],
      ['nexpose:5'],
      ['nexpose:4'],
      ['nexpose:8'],
      ['nexpose:2'],
      ['nexpose:9'],
      ['nexpose:3']
    ]);
    expect(r.value.hosts.map((h) => [h.os?.family, h.os?.name])).toEqual([
      ['linux', 'Linux 2.6.9'],
      ['network', 'Linux 2.4.20'],
      ['linux', 'Linux 2.6.18_pro500-davinci_IPNC_1.00'],
      ['macos', 'Apple Mac OS X 10.8.0'],
      ['macos', 'Apple Mac OS X 10.5.6'],
      [undefined, undefined],
      [undefined, undefined],
      // A VoIP device fingerprinted as "Microsoft Windows 7.5" is not taken for a Windows 7 PC.
      ['other', 'Microsoft Windows 7.5']
    ]);
    const mac = host(r.value.hosts, '192.168.1.37');
    expect(mac).toMatchObject({ hostname: 'MACBOOKPRO-C9A7', macs: ['e4:ce:8f:49:0d:7c'] });
    expect(host(r.value.hosts, '192.168.1.33').os?.architecture).toBe('armv5tejl');
    expect(host(r.value.hosts, '192.168.1.1').software).toEqual([
      { name: 'Dropbear', version: '0.51', ecosystem: 'service' },
      { name: 'mini_httpd', vendor: 'ACME Laboratories', version: '1.19', ecosystem: 'service' }
    ]);
    // 134 of node .18's findings are one check on many endpoints.
    expect(
      host(r.value.hosts, '192.168.1.18').findings.filter((f) => f.ruleId === 'http-basic-auth-cleartext')
    ).toHaveLength(134);
    expect(rule(r.value.rules, 'tcp-seq-num-approximation').xrefs).toEqual(
      expect.arrayContaining(['MSFT:MS05-019', 'MSFT:MS06-064'])
    );
    expect(rule(r.value.rules, 'adobe-apsb10-18-cve-2010-2861')).toMatchObject({
      severity: 'high',
      cves: ['CVE-2010-2861'],
      cvss2: { baseScore: 7.5, vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
      publishedOn: '2010-08-11'
    });

    expect(detect(path)).toBe('nexpose-xml');
    const reg = throughRegistry('nexpose-xml', readBytes(path));
    expect(reg.issues).toEqual([]);
    expect(reg.counts).toEqual({
      assets: 8,
      findings: 162,
      installedUpdates: 0,
      software: 4,
      pendingUpdates: 0
    });
  });

  it('does not claim other scanners’ samples', () => {
    for (const path of otherFoldersSamples(['rapid7-nexpose'])) {
      expect(detect(path), basename(path)).not.toBe('nexpose-xml');
    }
  });
});
