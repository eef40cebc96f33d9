import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ParsedFile, ParseResult } from '../../../../src/lib/core/model';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import {
  createQualysReportParser,
  createQualysScanParser,
  parseQualysReport,
  parseQualysScan,
  qualysOs,
  sniffQualysXml
} from '../../../../src/lib/core/parsers/qualys-xml';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';
import {
  codes,
  detect,
  detectBytes,
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

const own = (name: string): Uint8Array => readBytes(fixture('qualys', name));

describe('Qualys ASSET_DATA_REPORT on a hand-written fixture', () => {
  const report = parseQualysReport(own('asset-data-report-2hosts.xml'));

  it('reads two hosts, one finding per VULN_INFO (Vuln, Practice and Ig alike), rules from the glossary', () => {
    expect(codes(report.issues)).toEqual(['qualys-qid-not-in-glossary']);
    expect(report.value.hosts.map((h) => [h.key, h.findings.length])).toEqual([
      ['10.30.1.10', 4],
      ['10.30.1.20', 3]
    ]);
    expect(report.value.rules.map((r) => r.ruleId)).toEqual([
      '6',
      '38739',
      '45038',
      '91345',
      '92131',
      '370876'
    ]);
    expect(expectValidModel(report.value.hosts, report.value.rules)).toEqual([]);
  });

  it('takes severities from the glossary that follows the hosts: 5 critical, 4 high, 3 medium; information gathered is info', () => {
    const fs01 = host(report.value.hosts, '10.30.1.10');
    expect(fs01.findings.map((f) => [f.ruleId, f.severity, f.state])).toEqual([
      ['92131', 'high', 'affected'],
      ['91345', 'critical', 'fixed'],
      ['370876', 'high', 'affected'],
      ['45038', 'info', undefined]
    ]);
  });

  it('estimates the severity of a QID the glossary lacks from its CVSS, and says so', () => {
    const web = host(report.value.hosts, '10.30.1.20');
    expect(web.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['38739', 'medium'],
      ['999999', 'critical'],
      ['6', 'info']
    ]);
    expect(report.issues[0]).toMatchObject({ severity: 'warning', count: 1 });
    expect(report.issues[0]?.message).toContain('QID 999999');
  });

  it('reads the Qualys host ids, NetBIOS and DNS names, and a Windows name without "Server"', () => {
    const fs01 = host(report.value.hosts, '10.30.1.10');
    expect(fs01).toMatchObject({
      ips: ['10.30.1.10'],
      hostname: 'FS01',
      fqdn: 'fs01.contoso.local',
      hostIds: [
        'qualys:58213397',
        'qualys:asset-40122871',
        'qualys:agent-5d2c9a1e-7f3b-4c8d-9e0a-1b2c3d4e5f60'
      ]
    });
    expect(fs01.os).toEqual({
      family: 'windows',
      name: 'Windows 2019 Standard 64 bit Edition Version 1809 Build 17763.5696',
      build: 17763,
      revision: 5696,
      productType: 'server',
      edition: 'Standard',
      architecture: 'x64',
      displayVersion: '1809'
    });
    expect(host(report.value.hosts, '10.30.1.20')).toMatchObject({
      hostname: 'web01',
      fqdn: 'web01.contoso.local',
      os: { family: 'linux', name: 'Ubuntu Linux 20.04' }
    });
  });

  it('keeps the evidence, ports, first/last found and the KB the evidence names', () => {
    const [missing, smb] = host(report.value.hosts, '10.30.1.10').findings;
    expect(missing).toEqual({
      ruleId: '92131',
      severity: 'high',
      state: 'affected',
      output: 'KB5036896 is not installed\n%windir%\\System32\\ntoskrnl.exe  Version is  10.0.17763.5696',
      kbs: ['KB5036896'],
      firstSeen: '2024-04-10T06:02:11Z',
      lastSeen: '2024-05-19T06:01:40Z'
    });
    expect(smb).toMatchObject({ port: 445, protocol: 'tcp', service: 'microsoft-ds' });
  });

  it('reads KBs from vendor references and from the "Patch:" part of the solution only, not from workaround articles', () => {
    const ms17 = rule(report.value.rules, '91345');
    expect(ms17).toMatchObject({
      name: 'Microsoft SMB Server Remote Code Execution Vulnerability (MS17-010) and Shadow Brokers',
      severity: 'critical',
      family: 'Windows',
      riskFactor: 'Qualys severity 5',
      cves: ['CVE-2017-0143', 'CVE-2017-0144'],
      kbs: ['KB4012212', 'KB4012215'],
      xrefs: ['MSFT:MS17-010', 'BID:96703'],
      references: ['https://technet.microsoft.com/en-us/library/security/MS17-010'],
      cvss2: { baseScore: 9.3, vector: 'AV:N/AC:M/Au:N/C:C/I:C/A:C' },
      cvss3: { baseScore: 8.1, vector: 'AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      exploitAvailable: true,
      exploitedByMalware: true
    });
    expect(ms17.solution).toMatch(/^Refer to KB2696547 to disable SMBv1\.\n\nPatch:\n/);
    expect(rule(report.value.rules, '92131').kbs).toEqual(['KB5036896', 'KB5036899']);
    expect(rule(report.value.rules, '370876').kbs).toEqual([]);
  });

  it('turns the glossary’s HTML into plain text and leaves out "N/A" texts', () => {
    expect(rule(report.value.rules, '38739')).toMatchObject({
      description:
        'The SSH server offers key exchange algorithms that are considered weak:\ndiffie-hellman-group1-sha1\n\n' +
        'Impact: A man-in-the-middle attacker may be able to decrypt the session.',
      solution: 'Disable the weak algorithms in /etc/ssh/sshd_config.'
    });
    const dns = rule(report.value.rules, '6');
    expect(dns.solution).toBeUndefined();
    expect(dns.description).not.toContain('Impact');
  });

  it('hands the hosts over after the rules, once the glossary has been read', () => {
    const order: string[] = [];
    const parser = createQualysReportParser({
      host: (h) => order.push(`host ${h.key}`),
      rule: (r) => order.push(`rule ${r.ruleId}`)
    });
    parser.write(own('asset-data-report-2hosts.xml'));
    parser.end();
    expect(order.slice(-2)).toEqual(['host 10.30.1.10', 'host 10.30.1.20']);
    expect(order.filter((o) => o.startsWith('rule'))).toHaveLength(6);
  });

  it('past the memory budget, hands hosts over before the glossary with estimated severities and a warning', () => {
    const r = runStream(
      (sink) => createQualysReportParser(sink, { holdBudgetChars: 100 }),
      own('asset-data-report-2hosts.xml'),
      [4096]
    );
    expect(r.hosts).toHaveLength(2);
    // 92131 (CVSS3 8.1) → high; 91345 and 370876 (no CVSS) → medium; Ig stays info.
    expect(host(r.hosts, '10.30.1.10').findings.map((f) => f.severity)).toEqual([
      'high',
      'medium',
      'medium',
      'info'
    ]);
    const w = r.issues.find((i) => i.code === 'qualys-severity-estimated');
    expect(w).toMatchObject({ severity: 'warning', count: 5 });
    expect(w?.message).toContain('2 hosts');
    expect(r.rules).toHaveLength(6);
  });

  it('warns when the report has no glossary and estimates the severities', () => {
    const xml = text(own('asset-data-report-2hosts.xml')).replace(/<GLOSSARY>[\s\S]*<\/GLOSSARY>/, '');
    const r = parseQualysReport(utf8(xml));
    expect(codes(r.issues)).toEqual(['qualys-no-glossary']);
    expect(r.value.rules).toEqual([]);
    expect(severityCounts(r.value.hosts)).toEqual({ high: 1, medium: 3, critical: 1, info: 2 });
  });

  it('reads the same file fed 7 bytes at a time', () => {
    const r = runStream(createQualysReportParser, own('asset-data-report-2hosts.xml'), [7]);
    expect(r.hosts).toEqual(report.value.hosts);
    expect(r.rules).toEqual(report.value.rules);
  });

  it('never fetches the remote DTD and expands no entity', () => {
    const xml =
      '<?xml version="1.0"?>\n<!DOCTYPE ASSET_DATA_REPORT SYSTEM "https://qualysguard.qg2.apps.qualys.eu/asset_data_report.dtd" [\n' +
      '<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<ASSET_DATA_REPORT><HOST_LIST><HOST><IP>10.0.0.5</IP><DNS>&x;</DNS>' +
      '<VULN_INFO_LIST/></HOST></HOST_LIST></ASSET_DATA_REPORT>';
    const r = parseQualysReport(utf8(xml));
    expect(codes(r.issues)).toEqual(['dtd-entities-ignored', 'xml-undefined-entity']);
    expect(r.value.hosts[0]?.hostname).toBe('&x;');
  });

  it('says a report without hosts holds none, and refuses another kind of XML', () => {
    const empty = parseQualysReport(
      utf8('<ASSET_DATA_REPORT><HEADER/><HOST_LIST/><GLOSSARY/></ASSET_DATA_REPORT>')
    );
    expect(codes(empty.issues)).toEqual(['qualys-no-hosts']);
    const wrong = parseQualysReport(utf8('<SCAN value="scan/1"><IP value="10.0.0.1"/></SCAN>'));
    expect(wrong.issues[0]).toMatchObject({ severity: 'error', code: 'qualys-wrong-root' });
    expect(codes(parseQualysReport(utf8('')).issues)).toEqual(['not-xml']);
  });
});

describe('Qualys SCAN XML (scan-1.dtd) on a hand-written fixture', () => {
  const scan = parseQualysScan(own('scan-1ip-ports.xml'));

  it('counts each INFO, SERVICE, VULN and PRACTICE entry of an IP as one finding: INFO and SERVICE are info, a PRACTICE keeps its severity', () => {
    expect(codes(scan.issues)).toEqual(['qualys-entry-without-qid']);
    expect(scan.issues[0]).toMatchObject({ severity: 'warning', line: 65 });
    expect(scan.value.hosts).toHaveLength(1);
    const h = host(scan.value.hosts, '10.40.2.15');
    expect(h.findings.map((f) => [f.ruleId, f.severity, f.port, f.protocol])).toEqual([
      ['45038', 'info', undefined, undefined],
      ['82023', 'info', undefined, undefined],
      ['91345', 'critical', 445, 'tcp'],
      ['90044', 'low', undefined, undefined]
    ]);
    expect(expectValidModel(scan.value.hosts, scan.value.rules)).toEqual([]);
  });

  it('takes the NetBIOS name, ignores "No registered hostname", and keeps a Windows OS with candidates vague', () => {
    const h = host(scan.value.hosts, '10.40.2.15');
    expect(h.hostname).toBe('HR-PC-015');
    expect(h.fqdn).toBeUndefined();
    expect(h.os).toEqual({ family: 'windows', name: 'Windows 2016/2019/10' });
  });

  it('builds rules from the entries: cveid attribute, vendor reference, patch KB, CAT value as family', () => {
    expect(rule(scan.value.rules, '91345')).toMatchObject({
      family: 'Windows',
      severity: 'critical',
      cves: ['CVE-2017-0143', 'CVE-2017-0144'],
      kbs: ['KB4013429'],
      xrefs: ['MSFT:MS17-010'],
      cvss2: { baseScore: 9.3 },
      cvss3: { baseScore: 8.1 },
      description:
        'The Microsoft SMB Server is vulnerable to multiple remote code execution vulnerabilities.\n\nImpact: A remote attacker could gain the ability to execute code.'
    });
    expect(rule(scan.value.rules, '90044')).toMatchObject({
      name: 'Allowed Null Session',
      severity: 'low',
      solution: 'Set RestrictAnonymous to 1.'
    });
    expect(scan.value.rules).toHaveLength(4);
  });

  it('hands each IP over at its end tag', () => {
    const two = text(own('scan-1ip-ports.xml')).replace(
      '</SCAN>',
      '<IP value="10.40.2.16"><OS>Linux 4.x</OS></IP>\n</SCAN>'
    );
    const bytes = utf8(two);
    const r = runStream(createQualysScanParser, bytes, [bytes.length - 10, 10]);
    expect(r.hosts.map((h) => h.key)).toEqual(['10.40.2.15', '10.40.2.16']);
    expect(r.hostsBeforeEnd).toBe(2);
  });
});

describe('damaged Qualys XML', () => {
  it.each([
    ['asset data report', 'asset-data-report-2hosts.xml', parseQualysReport, 'KB5036896 is not installed'],
    ['scan', 'scan-1ip-ports.xml', parseQualysScan, 'Scan duration: 512 seconds']
  ] as const)(
    'fuzz case: a %s whose evidence holds 400,000 blanks in a row keeps the evidence, trailing blanks cut in one pass',
    (_kind, file, parse, evidence) => {
      // Found by tests/unit/fuzz: .replace(/\s+$/, '') tries the blank run from each of its characters, so a report
      // with 57,000 spaces in a RESULT took 4.5 s to read. The former expression needs minutes for 400,000.
      const damaged = `${evidence}${' '.repeat(400_000)}end \n\t `;
      const outputs = (bytes: Uint8Array): string[] =>
        parse(bytes)
          .value.hosts.flatMap((h) => h.findings.map((f) => f.output ?? ''))
          .filter((o) => o.startsWith(evidence));
      const [before] = outputs(own(file));
      const after = outputs(utf8(new TextDecoder().decode(own(file)).replace(evidence, damaged)));
      expect(after).toHaveLength(1);
      expect(after[0] === (before ?? '').replace(evidence, damaged).trimEnd()).toBe(true);
    }
  );
});

describe('detection and the registry on Qualys fixtures', () => {
  it('detects the asset data report and the scan, and explains Qualys API output', () => {
    expect(detect(fixture('qualys', 'asset-data-report-2hosts.xml'))).toBe('qualys-xml');
    expect(detect(fixture('qualys', 'scan-1ip-ports.xml'))).toBe('qualys-scan-xml');
    expect(
      detectBytes(
        utf8(
          '<?xml version="1.0"?>\n<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE/></HOST_LIST_VM_DETECTION_OUTPUT>'
        ),
        'api.xml'
      )
    ).toBe('problem:qualys-api-output');
    expect(sniffQualysXml('<SCAN><something/></SCAN>')).toBeNull();
  });

  it('passes the zod schemas through createStreamParser and counts like the CLI', () => {
    const adr = throughRegistry('qualys-xml', own('asset-data-report-2hosts.xml'));
    expect(codes(adr.issues)).toEqual(['qualys-qid-not-in-glossary']);
    expect(adr.counts).toEqual({
      assets: 2,
      findings: 7,
      installedUpdates: 0,
      software: 0,
      pendingUpdates: 0
    });
    const scan = throughRegistry('qualys-scan-xml', own('scan-1ip-ports.xml'));
    expect(codes(scan.issues)).toEqual(['qualys-entry-without-qid']);
    expect(scan.counts).toEqual({
      assets: 1,
      findings: 4,
      installedUpdates: 0,
      software: 0,
      pendingUpdates: 0
    });
    expect(handlerFor('qualys-scan-xml')?.family).toBe('scanner');
  });

  it('reads Qualys OS names: candidates stay vague, "Windows 2012 Standard" is a server', () => {
    expect(qualysOs('Windows 2008 R2/7')).toEqual({ family: 'windows', name: 'Windows 2008 R2/7' });
    expect(qualysOs('Windows 2012 Standard')).toEqual({
      family: 'windows',
      name: 'Windows 2012 Standard',
      build: 9200,
      productType: 'server',
      edition: 'Standard'
    });
    expect(qualysOs('Linux 2.4-2.6 / Embedded Device / F5 Networks Big-IP')?.family).toBe('linux');
  });
});

type Check = (r: ParseResult<ParsedFile>) => void;

/** What each shared Qualys XML sample holds, checked with xml.etree and grep beforehand. */
const EXPECTED: Record<string, { format: 'qualys-xml' | 'qualys-scan-xml'; check: Check }> = {
  'defectdojo_qualys_asset_data_report_7hosts.xml': {
    format: 'qualys-xml',
    check: (r) => {
      expect(r.issues).toEqual([]);
      expect(r.value.hosts.map((h) => [h.key, h.hostname, h.fqdn, h.findings.length])).toEqual([
        ['64.41.200.243', 'demo13', 'demo13.s02.sjc01.qualys.com', 21],
        ['64.41.200.244', 'demo14', 'demo14.s02.sjc01.qualys.com', 24],
        ['64.41.200.245', 'demo15', 'demo15.s02.sjc01.qualys.com', 20],
        ['64.41.200.247', 'TRN-WIN7', 'trn-win7.trn.qualys.com', 42],
        ['64.41.200.246', 'WIN2008R2', 'win2008r2.trn.qualys.com', 47],
        ['64.41.200.249', 'TRN-WIN2012-DC', 'trn-win2012-dc.trn.qualys.com', 27],
        ['64.41.200.250', 'demo20', 'demo20.s02.sjc01.qualys.com', 120]
      ]);
      expect(findingCount(r.value.hosts)).toBe(301);
      // 209 Ig entries are info; Vuln/Practice by glossary severity.
      expect(severityCounts(r.value.hosts)).toEqual({ info: 217, low: 39, medium: 32, high: 6, critical: 7 });
      expect(severityCounts([host(r.value.hosts, '64.41.200.250')])).toEqual({
        info: 68,
        low: 23,
        medium: 23,
        high: 4,
        critical: 2
      });
      expect(r.value.rules).toHaveLength(93);
      expect(host(r.value.hosts, '64.41.200.246').os).toEqual({
        family: 'windows',
        name: 'Windows 2008 R2 Enterprise Service Pack 1',
        build: 7601,
        servicePack: 'Service Pack 1',
        productType: 'server',
        edition: 'Enterprise'
      });
      expect(host(r.value.hosts, '64.41.200.247').os).toEqual({
        family: 'windows',
        name: 'Windows 2008 R2/7'
      });
      expect(host(r.value.hosts, '64.41.200.249').os).toMatchObject({ build: 9200, productType: 'server' });
      expect(host(r.value.hosts, '64.41.200.243').os).toEqual({
        family: 'linux',
        name: 'Ubuntu / Tiny Core Linux / Linux 2.6.x'
      });
      const ms17 = rule(r.value.rules, '91345');
      expect(ms17.severity).toBe('critical');
      expect(ms17.xrefs.slice(0, 2)).toEqual(['MSFT:MS17-010', 'MS Shadow Brokers']);
      expect(ms17.kbs).toEqual([
        'KB4012598',
        'KB4012212',
        'KB4012215',
        'KB4012213',
        'KB4012216',
        'KB4012214',
        'KB4012217',
        'KB4012606',
        'KB4013198',
        'KB4013429'
      ]);
      expect(ms17.cves).toEqual([
        'CVE-2017-0143',
        'CVE-2017-0144',
        'CVE-2017-0145',
        'CVE-2017-0146',
        'CVE-2017-0148',
        'CVE-2017-0147'
      ]);
      expect(rule(r.value.rules, '90783')).toMatchObject({
        kbs: [],
        xrefs: ['MSFT:MS12-020', 'BID:52354'],
        exploitAvailable: true,
        exploitedByMalware: true
      });
      expect(rule(r.value.rules, '91541').kbs).toEqual(['KB4500331']);
      // The Practice entries (QID 370876, severity 4) are high, not info.
      const practice = r.value.hosts.flatMap((h) => h.findings).filter((f) => f.ruleId === '370876');
      expect(practice.map((f) => f.severity)).toEqual(['high', 'high']);
    }
  },
  'defectdojo_qualys_scan_webgui_2ips.xml': {
    format: 'qualys-scan-xml',
    check: (r) => {
      expect(r.issues).toEqual([]);
      expect(r.value.hosts.map((h) => [h.key, h.hostname, h.fqdn, h.os?.name, h.findings.length])).toEqual([
        ['10.1.10.1', 'host1', 'host1.example.com', 'Ubuntu 11', 12],
        ['10.2.10.2', 'host2', 'host2.example.com', 'Ubuntu 11', 12]
      ]);
      // Per IP: 3 VULN (2, 2, 5), 6 INFO, 2 SERVICE (info whatever their number), 1 PRACTICE (severity 5).
      expect(severityCounts(r.value.hosts)).toEqual({ info: 16, low: 4, critical: 4 });
      expect(r.value.rules).toHaveLength(12);
      expect(rule(r.value.rules, '123168').cves).toHaveLength(19);
      expect(rule(r.value.rules, '124848')).toMatchObject({ severity: 'critical', cves: ['CVE-2016-0636'] });
    }
  }
};

describe.skipIf(!hasShared)('Qualys XML on the shared samples', () => {
  const samples = sharedSamples('qualys').filter((p) => p.endsWith('.xml'));

  it('has expectations for every XML sample in the folder', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(samples.map((p) => [basename(p), p]))('reads %s', (name, path) => {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectations for ${name}`);
    const parse = expected.format === 'qualys-xml' ? parseQualysReport : parseQualysScan;
    const r = parse(readBytes(path));
    expect(expectValidModel(r.value.hosts, r.value.rules)).toEqual([]);
    expected.check(r);
    expect(detect(path)).toBe(expected.format);
    const reg = throughRegistry(expected.format, readBytes(path));
    expect(reg.issues).toEqual(r.issues);
    expect(reg.counts.assets).toBe(r.value.hosts.length);
    expect(reg.counts.findings).toBe(findingCount(r.value.hosts));
  });

  it('does not claim the folder’s CSV exports nor other scanners’ samples', () => {
    for (const path of [
      ...sharedSamples('qualys').filter((p) => !p.endsWith('.xml')),
      ...otherFoldersSamples(['qualys'])
    ]) {
      const d = detect(path);
      expect(d, basename(path)).not.toBe('qualys-xml');
      expect(d, basename(path)).not.toBe('qualys-scan-xml');
    }
  });
});
