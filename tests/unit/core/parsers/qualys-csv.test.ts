import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import {
  parsedFileSchema,
  type HostObservation,
  type ParsedFile,
  type ParseResult,
  type Severity
} from '../../../../src/lib/core/model';
import { parseQualysCsv, sniffQualysCsv } from '../../../../src/lib/core/parsers/qualys-csv';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('qualys-csv', name));

function parse(bytes: Uint8Array): ParseResult<ParsedFile> {
  const result = parseQualysCsv(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function host(result: ParseResult<ParsedFile>, key: string): HostObservation {
  const h = result.value.hosts.find((x) => x.key === key);
  if (!h) throw new Error(`no host ${key}`);
  return h;
}

function severities(r: ParseResult<ParsedFile>): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const h of r.value.hosts) for (const f of h.findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

describe.skipIf(!hasShared)('parseQualysCsv on shared samples', () => {
  // Only the .csv files of the qualys folder are this reader's; the XML reports belong to qualys-xml.
  const samples = sharedSamples('qualys').filter((p) => p.toLowerCase().endsWith('.csv'));
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Counted with Python's csv module (the VMDR file from its 4th line): rows, distinct IPs / Asset Ids, QIDs,
  // and the Severity (Q_SEVERITY for PCI) column, 5 critical ... 1 info.
  const expected: Record<
    string,
    { hosts: [string, number][]; rules: number; severities: Partial<Record<Severity, number>> }
  > = {
    'defectdojo_qualys_vm_detections_agent.csv': {
      hosts: [
        ['10.98.57.180', 3],
        ['10.98.57.151', 1],
        ['10.98.49.209', 1],
        ['10.98.35.11', 1]
      ],
      rules: 3,
      severities: { critical: 6 }
    },
    'defectdojo_qualys_vmdr_cve_preamble.csv': {
      hosts: [
        ['300000001', 1],
        ['300000002', 1],
        ['300000003', 1],
        ['300000004', 1],
        ['300000005', 1]
      ],
      rules: 5,
      severities: { info: 1, low: 1, medium: 1, high: 1, critical: 1 }
    },
    'defectdojo_qualys_pci_monthly.csv': { hosts: [['192.168.0.1', 1]], rules: 1, severities: { medium: 1 } }
  };

  it('has an expectation for every shared Qualys CSV sample', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, e] of Object.entries(expected)) {
    it(`reads ${name}: hosts, one finding per detection, QIDs, severities`, () => {
      const r = parse(sample(name));
      expect(r.issues).toEqual([]);
      expect(r.value.format).toBe('qualys-csv');
      expect(r.value.hosts.map((h) => [h.key, h.findings.length])).toEqual(e.hosts);
      expect(r.value.rules).toHaveLength(e.rules);
      expect(severities(r)).toEqual(e.severities);
    });
  }

  it('reads an agent detection: NetBIOS and DNS names, Windows release, month-first dates, KBs and CVEs of the QID', () => {
    const r = parse(sample('defectdojo_qualys_vm_detections_agent.csv'));
    const h = host(r, '10.98.57.180');
    expect(h).toMatchObject({
      hostname: 'EC2AMAZ-IU0C43L',
      fqdn: 'ip-10-98-57-180.eu-west-1.compute.internal',
      ips: ['10.98.57.180'],
      os: {
        family: 'windows',
        build: 14393,
        productType: 'server',
        edition: 'Datacenter',
        architecture: 'x64',
        displayVersion: '1607'
      }
    });
    expect(h.findings[0]).toMatchObject({
      ruleId: '105971',
      severity: 'critical',
      state: 'affected',
      firstSeen: '2021-05-13T07:08:28',
      lastSeen: '2021-05-25T07:36:58'
    });
    const update = r.value.rules.find((x) => x.ruleId === '91762');
    expect(update?.cves).toHaveLength(23);
    expect(update?.kbs).toHaveLength(13);
    expect(update?.kbs[0]).toBe('KB5003169');
    expect(update?.cvss3).toEqual({ baseScore: 9.9, vector: 'AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H' });
    expect(r.value.rules.find((x) => x.ruleId === '105971')?.xrefs).toEqual([
      'Microsoft ASP.NET End of Life'
    ]);
    // Three machines share one NetBIOS name: they stay apart by IP.
    expect(r.value.hosts.filter((x) => x.hostname === 'EC2AMAZ-N4OQ6HS')).toHaveLength(3);
  });

  it('finds the VMDR header after its 3 preamble lines and keeps a FIXED detection as fixed', () => {
    const r = parse(sample('defectdojo_qualys_vmdr_cve_preamble.csv'));
    expect(r.value.formatVersion).toBe('Asset Vuln Datalist Report');
    expect(host(r, '300000003').findings[0]).toMatchObject({ ruleId: '800003', state: 'fixed', port: 3306 });
    expect(host(r, '300000001')).toMatchObject({
      hostname: 'SERVER01',
      hostIds: ['qualys-asset:300000001'],
      ips: ['192.168.1.10'],
      os: { family: 'linux', distro: { id: 'debian', versionId: '11' } }
    });
    expect(host(r, '300000004').ips).toEqual(['192.168.1.100', '192.168.1.101']);
    expect(host(r, '300000005').ips).toEqual(['2001:db8::100']);
    // "'-" is Excel's escaped dash: no protocol.
    expect(host(r, '300000004').findings[0]?.protocol).toBeUndefined();
    expect(host(r, '300000001').findings[0]).toMatchObject({
      severity: 'info',
      firstSeen: '2026-01-10T10:00',
      lastSeen: '2026-02-03T07:00',
      output: 'Header leak detected'
    });
    expect(r.value.rules.find((x) => x.ruleId === '800005')).toMatchObject({
      cves: ['CVE-2023-0005'],
      cvss2: { baseScore: 10 },
      cvss3: { baseScore: 9.8 },
      vulnPublishedOn: '2022-09-15',
      patchPublishedOn: '2022-09-30'
    });
  });

  it('reads the PCI layout: upper-case columns, Q_SEVERITY, a day-first scan date', () => {
    const r = parse(sample('defectdojo_qualys_pci_monthly.csv'));
    const h = host(r, '192.168.0.1');
    expect(h).toMatchObject({
      hostname: 'abv',
      fqdn: 'abv.xyw.com.fj',
      os: { family: 'linux', name: 'Linux 2.x' }
    });
    expect(h.findings[0]).toMatchObject({
      ruleId: '86476',
      severity: 'medium',
      port: 80,
      protocol: 'tcp',
      lastSeen: '2022-09-22T13:01'
    });
    expect(r.value.rules[0]).toMatchObject({
      name: 'Web Server Stopped Responding',
      pluginType: 'POTENTIAL'
    });
  });
});

describe('parseQualysCsv on own fixtures', () => {
  it('skips a scan report preamble of several blocks and reads the missing KB from the results', () => {
    const r = parse(own('scan-results-preamble.csv'));
    expect(r.issues).toEqual([]);
    expect(r.value.hosts.map((h) => [h.key, h.findings.length])).toEqual([
      ['10.1.2.3', 3],
      ['10.1.2.9', 1]
    ]);
    const app = host(r, '10.1.2.3');
    expect(app).toMatchObject({
      hostname: 'APP01',
      fqdn: 'app01.corp.example',
      os: { family: 'windows', build: 20348, displayVersion: '21H2', architecture: 'x64' }
    });
    expect(app.findings.map((f) => [f.ruleId, f.severity, f.kbs])).toEqual([
      ['92110', 'high', ['KB5034129']],
      ['38173', 'low', undefined],
      ['45038', 'info', undefined]
    ]);
    expect(r.value.rules.find((x) => x.ruleId === '92110')).toMatchObject({
      kbs: ['KB5034129'],
      cves: ['CVE-2024-20674', 'CVE-2024-20653', 'CVE-2024-20700'],
      cvss3: { baseScore: 8.8 },
      cvss2: { baseScore: 7.2 },
      exploitAvailable: true,
      family: 'Windows'
    });
  });

  it('reads day-first dates, fixed and re-opened detections, and keeps an IP of a named network apart', () => {
    const r = parse(own('vm-detections-uk-dates.csv'));
    expect(r.issues).toEqual([]);
    const leeds = host(r, '172.16.4.20 (Branch Leeds)');
    expect(leeds.ips).toEqual(['172.16.4.20']);
    expect(leeds.os).toMatchObject({ build: 19045, version: '10.0.19045', displayVersion: '22H2' });
    expect(leeds.findings.map((f) => [f.ruleId, f.state, f.firstSeen])).toEqual([
      ['92110', 'fixed', '2024-01-15T09:10:11'],
      ['378931', 'affected', '2024-05-02T09:10:11']
    ]);
    expect(host(r, '10.1.2.3').findings[0]?.state).toBe('affected');
  });

  it('warns about a PCI export with a header but no detections', () => {
    const r = parse(own('pci-no-vulnerabilities.csv'));
    expect(r.value.hosts).toEqual([]);
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([['no-findings', 'warning']]);
  });

  it('reads an unknown severity as info, skips rows without a QID, and refuses other CSVs', () => {
    const r = parse(utf8('IP,QID,Title,Severity\n10.0.0.1,1001,A,9\n10.0.0.1,,B,3\n'));
    expect(r.value.hosts[0]?.findings.map((f) => f.severity)).toEqual(['info']);
    expect(r.issues.map((i) => [i.code, i.line])).toEqual([
      ['csv-bad-severity', 2],
      ['csv-row-without-qid', 3]
    ]);
    expect(parse(utf8('IP,Title\n10.0.0.1,A\n')).issues.map((i) => i.code)).toEqual(['csv-header-not-found']);
    expect(sniffQualysCsv('IP,Title\n10.0.0.1,A\n')).toBe(false);
    expect(parse(new Uint8Array([0xff, 0xfe])).issues.map((i) => i.code)).toEqual(['empty-file']);
  });
});
