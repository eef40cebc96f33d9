import { basename } from 'node:path';
import { strToU8, zipSync } from 'fflate';
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
import { listZip } from '../../../../src/lib/core/parsers/archive';
import { detectFormat } from '../../../../src/lib/core/parsers/detect';
import {
  createMdvmJsonParser,
  parseMdvmJson,
  parseMdvmZip,
  sniffMdvmJson,
  sniffMdvmZip,
  zipNamesInHead
} from '../../../../src/lib/core/parsers/mdvm';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('mdvm', name));

function checked(result: ParseResult<ParsedFile>): ParseResult<ParsedFile> {
  parsedFileSchema.parse(result.value);
  return result;
}

/** Runs the streaming JSON parser on chunks of the given size, streaming from `streamAbove` bytes on. */
function streamJson(bytes: Uint8Array, chunk: number, streamAbove: number): ParseResult<ParsedFile> {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createMdvmJsonParser(
    { host: (h) => hosts.push(h), rule: (r) => rules.push(r) },
    { streamAbove }
  );
  for (let at = 0; at < bytes.length; at += chunk) parser.write(bytes.subarray(at, at + chunk));
  parser.end();
  return checked({ value: { format: 'mdvm-json', hosts, rules }, issues: [...parser.issues] });
}

function severities(hosts: HostObservation[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const h of hosts) for (const f of h.findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

describe.skipIf(!hasShared)('MDVM on shared samples', () => {
  const samples = sharedSamples('mdvm-defender');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  it('has an expectation for every shared Defender sample', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual([
      'defectdojo_mdvm_api_many_vulns.json',
      'defectdojo_mdvm_win11_421vulns.zip'
    ]);
  });

  // Checked with Python (json.load of both zip entries): 1 machine, 421 rows of vulnerabilities.json
  // (241 High, 136 Medium, 39 Low, 5 Critical; 32 with fixingKbId 5051989, all windows_11 10.0.22631.4751).
  it('reads the Defender zip: one Windows 11 machine with 421 findings', () => {
    const r = checked(parseMdvmZip(sample('defectdojo_mdvm_win11_421vulns.zip')));
    expect(r.issues).toEqual([]);
    expect(r.value.format).toBe('mdvm-zip');
    expect(r.value.hosts).toHaveLength(1);
    const h = r.value.hosts[0] as HostObservation;
    expect(h.findings).toHaveLength(421);
    expect(r.value.rules).toHaveLength(421);
    expect(severities(r.value.hosts)).toEqual({ high: 241, medium: 136, low: 39, critical: 5 });
    expect(h.findings.filter((f) => f.kbs?.[0] === 'KB5051989')).toHaveLength(32);
    expect(h.findings.filter((f) => f.package?.name === 'acrobat_dc')).toHaveLength(345);
  });

  it('parses the PowerShell hashtable strings of ipAddresses and states the OS revision from the Windows row', () => {
    const r = checked(parseMdvmZip(sample('defectdojo_mdvm_win11_421vulns.zip')));
    const h = r.value.hosts[0] as HostObservation;
    expect(h).toMatchObject({
      key: 'e20d13ec6aff01641f3a6e23ea4053ce41f7c188',
      hostname: 'dvs-cstancu',
      hostIds: ['mdvm:e20d13ec6aff01641f3a6e23ea4053ce41f7c188', 'aad:c18539cd-e869-48ce-a26f-e45f8f2d88e5'],
      // lastIpAddress first, then addresses of interfaces that are up; no loopback or link-local ones.
      ips: ['192.168.1.3', '172.27.250.9'],
      macs: [
        '00:ff:a1:41:15:8d',
        '00:be:43:82:47:ea',
        '70:32:17:14:9c:af',
        '72:32:17:14:9c:ae',
        '70:32:17:14:9c:ae'
      ],
      os: {
        family: 'windows',
        name: 'Windows 11',
        version: '10.0.22631',
        build: 22631,
        revision: 4751,
        displayVersion: '23H2',
        architecture: 'x64',
        productType: 'client'
      }
    });
    expect(h.findings[1]).toEqual({
      ruleId: 'CVE-2025-21420',
      severity: 'high',
      state: 'affected',
      package: { name: 'windows_11', version: '10.0.22631.4751' },
      kbs: ['KB5051989']
    });
    expect(r.value.rules.find((x) => x.ruleId === 'CVE-2025-21420')).toMatchObject({
      scanner: 'mdvm',
      cves: ['CVE-2025-21420'],
      kbs: ['KB5051989']
    });
  });

  it('detects the zip from its entry names, listed or read from the head', () => {
    const bytes = sample('defectdojo_mdvm_win11_421vulns.zip');
    const names = listZip(bytes).value.map((e) => e.name);
    expect(detectFormat(bytes.subarray(0, 65536), 'export.zip', names)).toEqual({ format: 'mdvm-zip' });
    expect(zipNamesInHead(bytes.subarray(0, 65536))).toEqual([
      'machines/',
      'machines/machines.json',
      'vulnerabilities/',
      'vulnerabilities/vulnerabilities.json'
    ]);
    expect(sniffMdvmZip({ text: '', head: bytes.subarray(0, 65536), fileName: 'export.zip' })).toBe(95);
  });

  it('keeps the placeholder CVE ids of the API page, warns once about them and about the missing pages', () => {
    const r = checked(parseMdvmJson(sample('defectdojo_mdvm_api_many_vulns.json')));
    expect(r.value.hosts.map((h) => [h.key, h.hostIds, h.findings.length])).toEqual([
      ['wjeriowerjoiewrjoweirjeowij', ['mdvm:wjeriowerjoiewrjoweirjeowij'], 4]
    ]);
    expect(r.value.hosts[0]?.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['CVE-1234-5678', 'low'],
      ['CVE-1234-56788', 'high'],
      ['CVE-5678-9887', 'medium'],
      ['CVE-5678-8888', 'medium']
    ]);
    expect(r.value.rules.map((x) => x.cves)).toEqual([[], [], [], []]);
    expect(r.issues.map((i) => [i.code, i.severity, i.count])).toEqual([
      ['mdvm-more-pages', 'warning', undefined],
      ['mdvm-cve-id-unusual', 'warning', 4]
    ]);
    expect(r.issues[0]?.detail).toBe('https://apiofazure?$skip=10000');
  });

  it('gives the same result when the API page and the zip are streamed row by row', () => {
    for (const [name, parse] of [
      ['defectdojo_mdvm_api_many_vulns.json', parseMdvmJson],
      ['defectdojo_mdvm_win11_421vulns.zip', parseMdvmZip]
    ] as const) {
      const bytes = sample(name);
      expect(parse(bytes, { streamAbove: 16 }), name).toEqual(parse(bytes));
    }
    const json = sample('defectdojo_mdvm_api_many_vulns.json');
    expect(streamJson(json, 7, 64)).toEqual(checked(parseMdvmJson(json)));
  });
});

describe('MDVM on own fixtures', () => {
  it('reads a two-machine export: address objects, UTF-16 vulnerabilities, a machine known only by id', () => {
    const r = checked(parseMdvmZip(own('defender-export-2-machines.zip')));
    expect(r.issues).toEqual([]);
    expect(r.value.hosts.map((h) => [h.key, h.hostname, h.findings.length])).toEqual([
      ['1e5bc9d7e413ddd7902c2932e418702b84d0cc07', 'srv-app-01', 3],
      ['7a1f0c3e2b9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f', 'nb-sales-14', 3],
      ['f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed', undefined, 1]
    ]);
    const [srv, nb] = r.value.hosts;
    expect(srv).toMatchObject({
      fqdn: 'srv-app-01.corp.example',
      ips: ['10.1.2.3', '10.99.0.3'],
      macs: ['00:15:5d:01:02:03', '00:15:5d:01:02:ff'],
      os: {
        name: 'Windows Server 2022',
        build: 20348,
        revision: 2113,
        productType: 'server',
        displayVersion: '21H2'
      }
    });
    // Interfaces that are down give their MAC, not their address.
    expect(nb).toMatchObject({
      ips: ['192.168.50.14'],
      macs: ['3c:6a:a7:10:20:30', '3c:6a:a7:10:20:31'],
      os: { name: 'Windows 10', version: '10.0.19045', build: 19045, revision: 3803, displayVersion: '22H2' }
    });
    expect(r.value.rules.find((x) => x.ruleId === 'CVE-2024-20674')?.kbs).toEqual(['KB5034129', 'KB5034122']);
  });

  it('imports the machines of a zip without vulnerabilities and says so', () => {
    const r = checked(parseMdvmZip(own('machines-only.zip')));
    expect(r.value.hosts).toHaveLength(2);
    expect(r.value.hosts.every((h) => h.findings.length === 0)).toBe(true);
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([['mdvm-no-vulnerabilities', 'warning']]);
  });

  it('reads the software-vulnerabilities export: device names, KB ids, CVSS, exploitability, timestamps', () => {
    const r = checked(parseMdvmJson(own('software-vulnerabilities-by-machine.json')));
    expect(r.value.hosts).toHaveLength(1);
    const h = r.value.hosts[0] as HostObservation;
    expect(h).toMatchObject({
      hostname: 'nb-sales-14',
      fqdn: 'nb-sales-14.corp.example',
      os: { family: 'windows', build: 19045, revision: 3803, architecture: 'x64' }
    });
    expect(h.findings).toEqual([
      {
        ruleId: 'CVE-2024-4671',
        severity: 'high',
        state: 'affected',
        package: { name: 'chrome', version: '124.0.6367.119' },
        firstSeen: '2024-05-10T09:00:01',
        lastSeen: '2024-05-13T06:12:44'
      },
      {
        ruleId: 'CVE-2024-20674',
        severity: 'critical',
        state: 'affected',
        package: { name: 'windows_10', version: '10.0.19045.3803' },
        kbs: ['KB5034122'],
        firstSeen: '2024-01-10T04:00:00',
        lastSeen: '2024-05-13T06:12:44'
      }
    ]);
    expect(r.value.rules.map((x) => [x.ruleId, x.cvss3?.baseScore, x.exploitAvailable])).toEqual([
      ['CVE-2024-4671', 8.8, true],
      ['CVE-2024-20674', 9, false]
    ]);
    expect(r.issues.map((i) => i.code)).toEqual(['mdvm-row-incomplete']);
  });

  it('reports JSON null, an empty file, a BOM-only file and an API error answer as errors', () => {
    expect(parseMdvmJson(own('null.json')).issues.map((i) => [i.code, i.severity])).toEqual([
      ['not-mdvm', 'error']
    ]);
    expect(parseMdvmJson(new Uint8Array(0)).issues.map((i) => i.code)).toEqual(['empty-file']);
    expect(parseMdvmJson(new Uint8Array([0xef, 0xbb, 0xbf, 0x0a])).issues.map((i) => i.code)).toEqual([
      'empty-file'
    ]);
    const error = parseMdvmJson(utf8('{"error":{"code":"Unauthorized","message":"Invalid token"}}'));
    expect(error.issues.map((i) => i.code)).toEqual(['not-mdvm']);
    expect(error.issues[0]?.message).toContain('Invalid token');
    // The same when streamed, the word split between two pieces.
    expect(streamJson(utf8(' null\n'), 3, 0).issues.map((i) => i.code)).toEqual(['not-mdvm']);
    expect(streamJson(utf8('nul'), 2, 0).issues.map((i) => i.code)).toEqual(['json-invalid']);
    const other = parseMdvmJson(utf8('{"@odata.context":"x","value":[{"name":"a"}]}'));
    expect(other.issues.map((i) => [i.code, i.severity])).toEqual([['not-mdvm', 'error']]);
  });

  it('keeps the rows before the damage of a cut-off page, whole or streamed, and reports the error', () => {
    const bytes = own('truncated-page.json');
    for (const r of [checked(parseMdvmJson(bytes)), streamJson(bytes, 100, 200)]) {
      expect(r.value.hosts.map((h) => h.findings.length)).toEqual([3, 2]);
      expect(r.issues.map((i) => [i.code, i.severity])).toEqual([['json-invalid', 'error']]);
    }
  });

  it('streams a 6 MB API page in bounded chunks with the same result as a whole read', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => ({
      id: `m${i % 40}-_-CVE-2024-${10000 + i}`,
      cveId: `CVE-2024-${10000 + i}`,
      machineId: `m${i % 40}`,
      fixingKbId: i % 3 === 0 ? '5034122' : null,
      productName: 'windows_10',
      productVendor: 'microsoft',
      productVersion: '10.0.19045.3803',
      severity: ['Low', 'Medium', 'High', 'Critical'][i % 4],
      padding: 'x'.repeat(100)
    }));
    const bytes = utf8(JSON.stringify({ '@odata.context': 'c', '@odata.count': 30_000, value: rows }));
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const streamed = streamJson(bytes, 65536, 4 * 1024 * 1024);
    expect(streamed.issues).toEqual([]);
    expect(streamed.value.hosts).toHaveLength(40);
    expect(streamed.value.hosts.reduce((n, h) => n + h.findings.length, 0)).toBe(30_000);
    expect(streamed).toEqual(checked(parseMdvmJson(bytes, { streamAbove: Infinity })));
  });

  it('warns when a list holds fewer rows than its @odata.count announces', () => {
    const text = JSON.stringify({
      '@odata.count': 3,
      value: [
        { cveId: 'CVE-2024-1234', machineId: 'a', severity: 'High', productName: 'x', productVersion: '1' }
      ]
    });
    expect(parseMdvmJson(utf8(text)).issues.map((i) => i.code)).toEqual(['mdvm-incomplete']);
  });

  it('refuses a zip without Defender files, and a damaged zip', () => {
    const other = zipSync({ 'readme.txt': strToU8('hello') });
    expect(parseMdvmZip(other).issues.map((i) => [i.code, i.severity])).toEqual([
      ['mdvm-zip-without-data', 'error']
    ]);
    expect(sniffMdvmZip({ text: '', head: other, fileName: 'x.zip', zipEntries: ['readme.txt'] })).toBe(0);
    const damaged = own('defender-export-2-machines.zip').slice(0, 400);
    expect(parseMdvmZip(damaged).issues.map((i) => i.code)).toEqual(['zip-damaged']);
  });

  it('claims only a zip that holds nothing but Defender lists; a zip of several exports is read entry by entry', () => {
    const sniff = (zipEntries: string[]): number =>
      sniffMdvmZip({ text: '', head: new Uint8Array(0), fileName: 'x.zip', zipEntries });
    expect(sniff(['machines/machines.json', 'vulnerabilities/vulnerabilities.json'])).toBe(95);
    expect(sniff(['machines.json', 'vulnerabilities_page2.json', '__MACOSX/._machines.json'])).toBe(95);
    expect(sniff(['vulnerabilities/vulnerabilities.json'])).toBe(75);
    expect(sniff(['machines/machines.json', 'vulnerabilities/vulnerabilities.json', 'scan.nessus'])).toBe(0);
    expect(sniff(['trivy/results.json'])).toBe(0);
  });

  it('sniffs API pages by their @odata context and row keys, and leaves other JSON alone', () => {
    expect(sniffMdvmJson('{"@odata.context":"x","value":[{"cveId":"CVE-1","machineId":"m"}]}')).toBe(92);
    expect(sniffMdvmJson('{"@odata.context":"https://x/api/$metadata#Machines","value":[]}')).toBe(85);
    expect(sniffMdvmJson('[{"cveId":"CVE-1","deviceId":"m"}]')).toBe(80);
    expect(sniffMdvmJson('{"SchemaVersion":2,"Results":[{"VulnerabilityID":"CVE-1"}]}')).toBe(0);
    expect(sniffMdvmJson('null')).toBe(0);
  });
});
