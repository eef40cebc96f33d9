import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes } from './parser-tools';
import {
  hostObservationSchema,
  scannerRuleSchema,
  type HostObservation,
  type ObservationSink,
  type ParsedFile,
  type ParseResult,
  type ScannerRule,
  type Severity
} from '../../../../src/lib/core/model';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { collectParse } from '../../../../src/lib/core/parsers/sca-common';
import { createTrivyParser, parseTrivy, sniffTrivy } from '../../../../src/lib/core/parsers/trivy';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('trivy', name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Whole-file, streamed in 7-byte chunks, streamed in 64 KB chunks: all three must agree. */
function parseAllWays(bytes: Uint8Array): ParseResult<ParsedFile> {
  const whole = parseTrivy(bytes);
  for (const chunk of [7, 65536]) {
    const streamed = collectParse(
      'trivy-json',
      (s) => createTrivyParser(s, { streamAboveBytes: 0 }),
      bytes,
      chunk
    );
    expect(streamed).toEqual(whole);
  }
  for (const h of whole.value.hosts) expect(hostObservationSchema.safeParse(h).error).toBeUndefined();
  for (const r of whole.value.rules) expect(scannerRuleSchema.safeParse(r).error).toBeUndefined();
  return whole;
}

const only = (r: ParseResult<ParsedFile>): HostObservation => {
  expect(r.value.hosts).toHaveLength(1);
  return r.value.hosts[0] as HostObservation;
};
const rule = (r: ParseResult<ParsedFile>, id: string): ScannerRule => {
  const found = r.value.rules.find((x) => x.ruleId === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};
function bySeverity(h: HostObservation): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of h.findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

/** Through detection and the registry (which validates every record against the model). */
function throughRegistry(bytes: Uint8Array, name: string) {
  const detected = detectFormat(bytes.subarray(0, SNIFF_BYTES), name);
  expect(detected.format, name).toBe('trivy-json');
  const tally = createTally();
  const rules: ScannerRule[] = [];
  const sink: ObservationSink = { host: (h) => tally.add(h), rule: (r) => rules.push(r) };
  const parser = createStreamParser('trivy-json', sink);
  for (let i = 0; i < bytes.length; i += 4096) parser.write(bytes.subarray(i, i + 4096));
  parser.end();
  expect(codes(parser.issues)).not.toContain('invalid-record');
  return { counts: tally.counts, rules, issues: parser.issues };
}

describe('Trivy fixtures', () => {
  it('reads an image scanned with --list-all-pkgs: packages as software, OS, arch, image id', () => {
    const r = parseAllWays(own('alpine-image-list-all-pkgs.json'));
    expect(r.value.formatVersion).toBe('SchemaVersion 2');
    const h = only(r);
    expect(h).toMatchObject({
      key: 'registry.example.net/shop/api:2.4.1',
      hostname: 'registry.example.net/shop/api:2.4.1',
      kind: 'image',
      hostIds: ['image:sha256:3f2c9a7be1d04c4e2b1a9c0d6a4f8e1b7c5d9e0a2b4c6d8e0f1a3b5c7d9e1f2a'],
      scanStart: '2024-05-14T09:12:44.118923+02:00',
      os: {
        family: 'linux',
        name: 'alpine 3.19.1',
        version: '3.19.1',
        architecture: 'arm64',
        distro: { id: 'alpine', versionId: '3.19.1' }
      }
    });
    expect(h.software.map((s) => `${s.ecosystem}:${s.name}@${s.version}`)).toEqual([
      'apk:busybox@1.36.1-r15',
      'apk:libcrypto3@3.1.4-r5',
      'apk:libssl3@3.1.4-r5',
      'apk:musl@1.2.4_git20230717-r4',
      'npm:express@4.18.2',
      'npm:@babel/traverse@7.22.5'
    ]);
    expect(h.software[1]).toMatchObject({ sourcePackage: 'openssl', architecture: 'aarch64' });
    expect(h.findings.map((f) => [f.ruleId, f.package?.name, f.severity, f.fixedVersion, f.state])).toEqual([
      ['CVE-2024-2511', 'libcrypto3', 'high', '3.1.4-r6', 'affected'],
      ['CVE-2024-2511', 'libssl3', 'high', '3.1.4-r6', 'affected'],
      ['CVE-2024-29041', 'express', 'medium', '4.19.2, 5.0.0-beta.3', 'affected'],
      ['CVE-2023-45133', '@babel/traverse', 'critical', '7.23.2, 8.0.0-alpha.4', 'affected']
    ]);
    expect(h.findings[2]?.output).toBe('Installed: express 4.18.2 (app/node_modules/express/package.json)');
    // Misconfigurations are not patches: counted in an info problem, not imported.
    expect(codes(r.issues)).toEqual(['trivy-non-vulnerability-results']);
    expect(r.issues[0]?.message).toContain('1 misconfiguration(s) and 0 secret(s)');
  });

  it('rates an UNKNOWN severity from its CVSS vector and keeps Trivy’s word as the risk factor', () => {
    const r = parseAllWays(own('alpine-image-list-all-pkgs.json'));
    expect(rule(r, 'CVE-2024-2511')).toMatchObject({
      scanner: 'trivy',
      severity: 'high',
      riskFactor: 'UNKNOWN',
      family: 'Alpine Secdb',
      cvss3: { baseScore: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
      cves: ['CVE-2024-2511'],
      xrefs: ['ALPINE-CVE-2024-2511', 'CWE-1325'],
      vulnPublishedOn: '2024-04-08'
    });
    // CVSS of the severity source (ghsa) first; v2 from NVD where the source has none.
    expect(rule(r, 'CVE-2024-29041')).toMatchObject({
      cvss3: { baseScore: 6.1 },
      cvss2: { baseScore: 5.8, vector: 'AV:N/AC:M/Au:N/C:P/I:P/A:N' }
    });
    expect(r.value.rules.map((x) => x.ruleId)).toEqual(['CVE-2024-2511', 'CVE-2024-29041', 'CVE-2023-45133']);
  });

  it('reads a repository scan without OS as an application, ecosystems from the result types', () => {
    const r = parseAllWays(own('repo-filesystem-no-os.json'));
    const h = only(r);
    expect(h).toMatchObject({
      key: '/home/build/src/billing-service',
      hostname: '/home/build/src/billing-service',
      kind: 'application'
    });
    expect(h.os).toBeUndefined();
    expect(h.hostIds).toBeUndefined();
    expect(h.findings.map((f) => [f.ruleId, f.package?.ecosystem])).toEqual([
      ['CVE-2024-35195', 'pypi'],
      ['GHSA-8r3f-844c-mc37', 'golang']
    ]);
    expect(rule(r, 'GHSA-8r3f-844c-mc37').cves).toEqual([]);
    // Without --list-all-pkgs the software list is the vulnerable packages, and the technician is told.
    expect(h.software.map((s) => s.name)).toEqual(['requests', 'google.golang.org/protobuf']);
    expect(codes(r.issues)).toEqual(['partial-inventory']);
    expect(r.issues[0]?.message).toContain('--list-all-pkgs');
  });

  it('reads the same report saved as UTF-16LE with BOM (PowerShell redirection)', () => {
    const a = parseAllWays(own('repo-filesystem-no-os.utf16le-bom.json'));
    const b = parseTrivy(own('repo-filesystem-no-os.json'));
    expect(a).toEqual(b);
    expect(detectFormat(own('repo-filesystem-no-os.utf16le-bom.json'), 'x.json').format).toBe('trivy-json');
  });

  it('reports a cut-off report with the line where it ends, and hands over nothing', () => {
    const r = parseAllWays(own('truncated.json'));
    expect(r.value.hosts).toEqual([]);
    expect(r.issues.map((i) => [i.severity, i.code, i.line])).toEqual([['error', 'json-truncated', 73]]);
  });

  it('recognises the table output and says to export JSON', () => {
    const verdict = detectFormat(own('table-output.txt'), 'table-output.txt');
    expect(verdict.format).toBeNull();
    expect(verdict.problem).toMatchObject({ severity: 'error', code: 'trivy-table' });
    expect(verdict.problem?.message).toContain('-f json');
  });

  it('refuses well-formed JSON of another kind with an error, never "0 assets, all fine"', () => {
    for (const text of ['{"name":"my-app","version":"1.0.0","dependencies":{}}', '[1,2,3]', '"text"', '{}']) {
      const r = parseTrivy(utf8(text));
      expect(r.value.hosts, text).toEqual([]);
      expect(
        r.issues.map((i) => [i.severity, i.code]),
        text
      ).toEqual([['error', 'not-trivy']]);
    }
  });

  it('warns that a newer SchemaVersion was read as version 2', () => {
    const r = parseTrivy(
      utf8('{"SchemaVersion":3,"ArtifactName":"x","ArtifactType":"container_image","Results":[]}')
    );
    expect(only(r).findings).toEqual([]);
    expect(codes(r.issues)).toEqual(['schema-version-newer']);
  });

  it('sniffs both layouts, null and the table; not other JSON', () => {
    expect(sniffTrivy('{\n  "SchemaVersion": 2,\n  "ArtifactName": "x"')).toBe('trivy-json');
    expect(sniffTrivy('\uFEFF[\n  {\n    "Target": "debian (debian 10.8)"')).toBe('trivy-legacy');
    expect(sniffTrivy('null\n')).toBe('trivy-null');
    expect(sniffTrivy('{"bomFormat":"CycloneDX","specVersion":"1.5"}')).toBeUndefined();
    expect(sniffTrivy('[{"id":1}]')).toBeUndefined();
  });

  it('goes through detection and the registry with the model’s schemas', () => {
    const bytes = own('alpine-image-list-all-pkgs.json');
    const { counts, rules } = throughRegistry(bytes, 'scan.json');
    expect(counts).toMatchObject({
      assets: 1,
      findings: 4,
      software: 6,
      installedUpdates: 0,
      pendingUpdates: 0
    });
    expect(rules).toHaveLength(3);
  });

  it('streams a big report (above the streaming threshold) to the same result', () => {
    // 20,000 vulnerabilities on 2,000 packages, about 8 MB: above the 4 MB threshold, so the default reader streams.
    const vulns: unknown[] = [];
    for (let i = 0; i < 20000; i++) {
      vulns.push({
        VulnerabilityID: `CVE-2024-${10000 + (i % 5000)}`,
        PkgName: `pkg${i % 2000}`,
        InstalledVersion: '1.0.0-1',
        FixedVersion: '1.0.0-2',
        Status: 'fixed',
        Severity: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][i % 4],
        Title: 'A long title that repeats in every entry of a real report, as Trivy writes it',
        Description: 'x'.repeat(200)
      });
    }
    const report = {
      SchemaVersion: 2,
      ArtifactName: 'big:1',
      ArtifactType: 'container_image',
      Metadata: { OS: { Family: 'debian', Name: '12.5' } },
      Results: [{ Target: 'big:1 (debian 12.5)', Class: 'os-pkgs', Type: 'debian', Vulnerabilities: vulns }]
    };
    const bytes = utf8(JSON.stringify(report));
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const streamed = collectParse('trivy-json', (s) => createTrivyParser(s), bytes, 1 << 16);
    const h = only(streamed);
    expect(h.findings).toHaveLength(20000);
    expect(h.software).toHaveLength(2000);
    expect(streamed.value.rules).toHaveLength(5000);
    expect(bySeverity(h)).toEqual({ low: 5000, medium: 5000, high: 5000, critical: 5000 });
    expect(collectParse('trivy-json', (s) => createTrivyParser(s, { streamAboveBytes: 1e9 }), bytes)).toEqual(
      streamed
    );
  });
});

/** What each shared sample holds, verified independently with python3 (json.load and counting). */
const SAMPLES: Record<
  string,
  | {
      formatVersion: string;
      key: string;
      hostname: string;
      kind: 'image' | 'application' | 'machine';
      os: { id: string; versionId: string; name: string };
      hostIds?: string[];
      findings: number;
      software: number;
      rules: number;
      severity: Partial<Record<Severity, number>>;
      issues: string[];
    }
  | { hosts: 0; issues: [string, string][] }
> = {
  'EDGE_defectdojo_trivy_null.json': { hosts: 0, issues: [['warning', 'report-null']] },
  'defectdojo_trivy_all_statuses_debian10.json': {
    formatVersion: 'SchemaVersion 2',
    // ArtifactName and RepoTags are empty: the name comes from the result's Target without "(debian 10.13)".
    key: 'noppaknopsta/example-app:main-159',
    hostname: 'noppaknopsta/example-app:main-159',
    kind: 'image',
    os: { id: 'debian', versionId: '10.13', name: 'debian 10.13' },
    hostIds: ['image:sha256:22ae3921bdaac434bb4cb92dbbc209e46b1f3f70e9fa0b5fbbb43ce7d452c72d'],
    findings: 8,
    software: 3,
    rules: 8,
    severity: { low: 8 },
    issues: ['partial-inventory']
  },
  'defectdojo_trivy_legacy_list_debian10_93vulns.json': {
    formatVersion: 'legacy (array of results)',
    key: 'debian',
    hostname: 'debian',
    kind: 'image',
    os: { id: 'debian', versionId: '10.8', name: 'debian 10.8' },
    findings: 93,
    software: 27,
    rules: 60,
    // One UNKNOWN without any CVSS (TEMP-0981404-911A2F) is informational.
    severity: { low: 65, high: 18, medium: 9, info: 1 },
    issues: ['partial-inventory', 'severity-unknown']
  },
  'trivy_amazonlinux2_vm_disk.json': {
    formatVersion: 'SchemaVersion 2',
    key: 'disk.img',
    hostname: 'disk.img',
    kind: 'image',
    os: { id: 'amzn', versionId: '2', name: 'amazon 2 (Karoo)' },
    findings: 1,
    software: 1,
    rules: 1,
    severity: { medium: 1 },
    issues: ['partial-inventory']
  },
  'trivy_ubuntu1804_image.json': {
    formatVersion: 'SchemaVersion 2',
    key: 'testdata/fixtures/images/ubuntu-1804.tar.gz',
    hostname: 'ghcr.io/aquasecurity/trivy-test-images:ubuntu-1804',
    kind: 'image',
    os: { id: 'ubuntu', versionId: '18.04', name: 'ubuntu 18.04' },
    hostIds: ['image:sha256:a2a15febcdf362f6115e801d37b5e60d6faaeedcb9896155e5fe9d754025be12'],
    findings: 5,
    software: 5,
    rules: 2,
    severity: { medium: 4, low: 1 },
    issues: ['partial-inventory']
  }
};

describe.skipIf(!hasShared)('Trivy shared samples', () => {
  const files = sharedSamples('trivy');
  const sample = (name: string) => readBytes(files.find((f) => basename(f) === name) as string);

  it('has expectations for every sample in the folder', () => {
    expect(files.map((f) => basename(f)).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [name, want] of Object.entries(SAMPLES)) {
    it(`reads ${name}`, () => {
      const r = parseAllWays(sample(name));
      if ('hosts' in want) {
        expect(r.value.hosts).toHaveLength(0);
        expect(r.issues.map((i) => [i.severity, i.code])).toEqual(want.issues);
        return;
      }
      expect(r.value.formatVersion).toBe(want.formatVersion);
      const h = only(r);
      expect(h.key).toBe(want.key);
      expect(h.hostname).toBe(want.hostname);
      expect(h.kind).toBe(want.kind);
      expect(h.os?.family).toBe('linux');
      expect(h.os?.name).toBe(want.os.name);
      expect(h.os?.distro).toMatchObject({ id: want.os.id, versionId: want.os.versionId });
      expect(h.hostIds).toEqual(want.hostIds);
      expect(h.findings).toHaveLength(want.findings);
      expect(h.software).toHaveLength(want.software);
      expect(r.value.rules).toHaveLength(want.rules);
      expect(bySeverity(h)).toEqual(want.severity);
      expect(codes(r.issues)).toEqual(want.issues);
    });

    it(`detects ${name} as Trivy and passes the registry’s schema check`, () => {
      const bytes = sample(name);
      const { counts } = throughRegistry(bytes, name);
      expect(counts.assets).toBe('hosts' in want ? 0 : 1);
      expect(counts.findings).toBe('hosts' in want ? 0 : want.findings);
    });
  }

  it('maps every Trivy status (fixed = a fix exists, still affected)', () => {
    const h = only(parseTrivy(sample('defectdojo_trivy_all_statuses_debian10.json')));
    expect(h.findings.map((f) => [f.ruleId, f.state])).toEqual([
      ['CVE-2011-3374', 'unknown'],
      ['CVE-2019-18276', 'not_affected'],
      ['TEMP-0841856-B18BAF', 'affected'],
      ['CVE-2018-1000876', 'affected'],
      ['CVE-2018-12697', 'under_investigation'],
      ['CVE-2018-12698', 'will_not_fix'],
      ['CVE-2018-12699', 'fix_deferred'],
      ['CVE-2018-12934', 'end_of_life']
    ]);
    expect(h.software.map((s) => `${s.name} ${s.version} ${s.ecosystem}`)).toEqual([
      'apt 1.8.2.3 deb',
      'bash 5.0-4 deb',
      'binutils 2.31.1-16 deb'
    ]);
  });

  it('keeps package, installed and fixed versions of the Ubuntu image, one finding per package', () => {
    const r = parseTrivy(sample('trivy_ubuntu1804_image.json'));
    const h = only(r);
    expect(
      h.findings.map((f) => `${f.ruleId} ${f.package?.name} ${f.package?.version} → ${f.fixedVersion ?? '-'}`)
    ).toEqual([
      'CVE-2019-18276 bash 4.4.18-2ubuntu1.2 → -',
      'CVE-2019-5094 e2fsprogs 1.44.1-1ubuntu1.1 → 1.44.1-1ubuntu1.2',
      'CVE-2019-5094 libcom-err2 1.44.1-1ubuntu1.1 → 1.44.1-1ubuntu1.2',
      'CVE-2019-5094 libext2fs2 1.44.1-1ubuntu1.1 → 1.44.1-1ubuntu1.2',
      'CVE-2019-5094 libss2 1.44.1-1ubuntu1.1 → 1.44.1-1ubuntu1.2'
    ]);
    expect(h.findings[0]?.package).toMatchObject({
      ecosystem: 'deb',
      purl: 'pkg:deb/ubuntu/bash@4.4.18-2ubuntu1.2?arch=amd64&distro=ubuntu-18.04'
    });
    expect(h.os?.architecture).toBe('amd64');
    // SeveritySource "ubuntu" has no CVSS entry: NVD's is used.
    expect(rule(r, 'CVE-2019-5094')).toMatchObject({
      name: 'e2fsprogs: Crafted ext4 partition leads to out-of-bounds write',
      family: 'Ubuntu CVE Tracker',
      cvss3: { baseScore: 6.7, vector: 'CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H' },
      cvss2: { baseScore: 4.6 },
      vulnPublishedOn: '2019-09-24'
    });
  });

  it('reads the VM-disk scan as an image with the Amazon Linux epoch versions', () => {
    const h = only(parseTrivy(sample('trivy_amazonlinux2_vm_disk.json')));
    expect(h.os?.distro).toEqual({ id: 'amzn', versionId: '2', codename: 'Karoo' });
    expect(h.findings[0]).toMatchObject({
      ruleId: 'CVE-2022-38177',
      severity: 'medium',
      state: 'affected',
      fixedVersion: '99:9.11.4-26.P2.amzn2.13',
      package: { name: 'bind-export-libs', version: '32:9.11.4-26.P2.amzn2.5.2', ecosystem: 'rpm' }
    });
  });

  it('says the null report is empty, and the reason', () => {
    const r = parseTrivy(sample('EDGE_defectdojo_trivy_null.json'));
    expect(r.issues[0]?.message).toMatch(/^The report is empty \(null\)/);
  });

  it('does not claim the other folders’ samples', () => {
    for (const folder of [
      'grype',
      'osv-scanner',
      'cyclonedx',
      'spdx',
      'nessus',
      'openvas',
      'mdvm-defender',
      'os-release'
    ]) {
      for (const file of sharedSamples(folder)) {
        const verdict = detectFormat(readBytes(file).subarray(0, SNIFF_BYTES), basename(file));
        expect(verdict.format, file).not.toBe('trivy-json');
      }
    }
  });
});
