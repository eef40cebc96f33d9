import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes } from './parser-tools';
import {
  hostObservationSchema,
  scannerRuleSchema,
  type HostObservation,
  type ParsedFile,
  type ParseResult
} from '../../../../src/lib/core/model';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { collectParse } from '../../../../src/lib/core/parsers/sca-common';
import { createSpdxParser, parseSpdx, sniffSpdx } from '../../../../src/lib/core/parsers/spdx';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('spdx', name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function parseAllWays(bytes: Uint8Array): ParseResult<ParsedFile> {
  const whole = parseSpdx(bytes);
  for (const chunk of [3, 65536]) {
    expect(
      collectParse('spdx-json', (s) => createSpdxParser(s, { streamAboveBytes: 0 }), bytes, chunk)
    ).toEqual(whole);
  }
  for (const h of whole.value.hosts) expect(hostObservationSchema.safeParse(h).error).toBeUndefined();
  for (const r of whole.value.rules) expect(scannerRuleSchema.safeParse(r).error).toBeUndefined();
  return whole;
}

const only = (r: ParseResult<ParsedFile>): HostObservation => {
  expect(r.value.hosts).toHaveLength(1);
  return r.value.hosts[0] as HostObservation;
};

function throughRegistry(bytes: Uint8Array, name: string) {
  expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), name).format, name).toBe('spdx-json');
  const tally = createTally();
  const parser = createStreamParser('spdx-json', { host: (h) => tally.add(h), rule: () => {} });
  parser.write(bytes);
  parser.end();
  expect(codes(parser.issues)).not.toContain('invalid-record');
  return tally.counts;
}

describe('SPDX fixtures', () => {
  it('reads a Syft image SBOM: the described CONTAINER is the asset, the OPERATING-SYSTEM its OS, files are not software', () => {
    const r = parseAllWays(own('syft-alpine-image-2.3.json'));
    expect(r.value.formatVersion).toBe('SPDX-2.3');
    const h = only(r);
    expect(h).toMatchObject({
      key: 'SPDXRef-DocumentRoot-Image-registry.example.net-edge-proxy',
      hostname: 'registry.example.net/edge/proxy',
      kind: 'image',
      os: {
        family: 'linux',
        name: 'alpine 3.19.1',
        distro: { id: 'alpine', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19' }
      }
    });
    expect(h.software).toEqual([
      {
        name: 'busybox',
        version: '1.36.1-r15',
        ecosystem: 'apk',
        purl: 'pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&upstream=busybox&distro=alpine-3.19.1',
        architecture: 'x86_64',
        sourcePackage: 'busybox'
      },
      {
        name: 'libcrypto3',
        version: '3.1.4-r5',
        ecosystem: 'apk',
        // PACKAGE_MANAGER (the SPDX 2.2 spelling) is read like PACKAGE-MANAGER.
        purl: 'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl&distro=alpine-3.19.1',
        architecture: 'x86_64',
        sourcePackage: 'openssl'
      }
    ]);
  });

  it('lists advisory references as one informational finding per id per package, state unknown', () => {
    const r = parseAllWays(own('syft-alpine-image-2.3.json'));
    const h = only(r);
    expect(h.findings).toEqual([
      {
        ruleId: 'CVE-2024-2511',
        severity: 'info',
        state: 'unknown',
        output:
          'Advisory reference in the SBOM: https://security.alpinelinux.org/vuln/CVE-2024-2511 https://nvd.nist.gov/vuln/detail/cve-2024-2511',
        package: {
          name: 'libcrypto3',
          version: '3.1.4-r5',
          ecosystem: 'apk',
          purl: 'pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl&distro=alpine-3.19.1'
        }
      }
    ]);
    expect(r.value.rules).toEqual([
      {
        ruleId: 'CVE-2024-2511',
        scanner: 'spdx',
        name: 'CVE-2024-2511',
        severity: 'info',
        cves: ['CVE-2024-2511'],
        kbs: [],
        xrefs: [],
        references: [
          'https://security.alpinelinux.org/vuln/CVE-2024-2511',
          'https://nvd.nist.gov/vuln/detail/cve-2024-2511',
          'https://git.alpinelinux.org/aports/commit/?id=CVE-2024-2511-fix'
        ]
      }
    ]);
    expect(codes(r.issues)).toEqual(['spdx-advisory-references']);
    expect(r.issues[0]?.message).toContain('grype sbom:FILE');
  });

  it('recognises tag-value and says to export JSON', () => {
    const verdict = detectFormat(own('tag-value.spdx'), 'sbom.spdx');
    expect(verdict.format).toBeNull();
    expect(verdict.problem).toMatchObject({ severity: 'error', code: 'spdx-encoding-unsupported' });
    expect(verdict.problem?.message).toContain('spdx-json@2.3');
  });

  it('refuses other JSON, null and SPDX 3.0 given straight to the parser', () => {
    for (const text of ['{"spdxVersion":"SPDX-1.2"}', '{"name":"x"}', 'null']) {
      expect(codes(parseSpdx(utf8(text)).issues), text).toEqual(['not-spdx']);
    }
    const v3 = parseSpdx(utf8('{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}'));
    expect(v3.value.hosts).toEqual([]);
    expect(v3.issues.map((i) => [i.severity, i.code])).toEqual([['error', 'spdx-3-unsupported']]);
  });

  it('names the document when it describes several packages (no single subject)', () => {
    const r = parseSpdx(
      utf8(
        JSON.stringify({
          spdxVersion: 'SPDX-2.3',
          SPDXID: 'SPDXRef-DOCUMENT',
          name: 'two-apps',
          documentDescribes: ['SPDXRef-a', 'SPDXRef-b'],
          packages: [
            { SPDXID: 'SPDXRef-a', name: 'a', versionInfo: '1' },
            { SPDXID: 'SPDXRef-b', name: 'b', versionInfo: '2' }
          ]
        })
      )
    );
    const h = only(r);
    expect(h).toMatchObject({ hostname: 'two-apps', kind: 'application' });
    expect(h.software.map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('sniffs 2.x JSON, and recognises 3.0, tag-value, YAML and RDF', () => {
    expect(sniffSpdx('{\n "SPDXID": "SPDXRef-DOCUMENT",\n "spdxVersion": "SPDX-2.2",')).toBe('spdx-json');
    expect(sniffSpdx('{"spdxVersion": "SPDX-3.0"}')).toBe('spdx-3');
    expect(sniffSpdx('{\n  "@context" : "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",')).toBe('spdx-3');
    expect(sniffSpdx('SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0')).toBe('spdx-tag-value');
    expect(sniffSpdx('spdxVersion: "SPDX-2.3"\nname: x')).toBe('spdx-yaml');
    expect(sniffSpdx('<rdf:RDF><spdx:SpdxDocument rdf:about="x">')).toBe('spdx-rdf');
    expect(sniffSpdx('{"bomFormat":"CycloneDX"}')).toBeUndefined();
  });

  it('goes through detection and the registry', () => {
    expect(throughRegistry(own('syft-alpine-image-2.3.json'), 'sbom.json')).toMatchObject({
      assets: 1,
      findings: 1,
      software: 2
    });
  });
});

/** Verified with python3: json.load; described package, OS package and the rest counted by hand. */
const SAMPLES: Record<
  string,
  | {
      formatVersion: string;
      key: string;
      hostname: string;
      kind: 'image' | 'application';
      os?: { id: string; versionId: string };
      hostIds?: string[];
      software: string[];
      findings: string[];
      issues: string[];
    }
  | { spdx3: true }
> = {
  'EDGE_defectdojo_spdx3_minimal_unsupported.json': { spdx3: true },
  'defectdojo_syft150_spdx23_vuln_refs.json': {
    formatVersion: 'SPDX-2.3',
    // No DESCRIBES relationship and no documentDescribes: the document itself is the subject.
    key: 'https://example.com/spdx/generic-image-1.0-0000000000',
    hostname: 'generic-image',
    kind: 'image',
    software: [
      'alpine-baselayout 3.1.2-r0',
      'alpine-keys 2.1-r2',
      'apk-tools 2.10.6-r0',
      'busybox 1.30.1-r5'
    ],
    findings: ['CVE-2024-10001 alpine-baselayout', 'CVE-2024-10002 alpine-keys'],
    issues: ['spdx-advisory-references', 'spdx-advisory-without-id']
  },
  'spdx_examples_appbomination_22.json': {
    formatVersion: 'SPDX-2.2',
    key: 'SPDXRef-1',
    hostname: 'App-BOM-ination',
    kind: 'application',
    software: [
      'Gradle -',
      'Faust Proprietary File -',
      'org.hamcrest:hamcrest-core 1.3',
      'org.apache.commons:commons-lang3 3.4',
      'junit:junit 4.12',
      'org.slf4j:slf4j-api 1.7.21'
    ],
    findings: [],
    issues: []
  },
  'spdx_examples_sbom_with_security_23.json': {
    formatVersion: 'SPDX-2.3',
    key: 'SPDXRef-Package',
    hostname: 'tools-java',
    kind: 'application',
    software: ['org.webjars.npm:xlsx 0.16.6'],
    findings: ['CVE-2021-32012 org.webjars.npm:xlsx'],
    issues: ['spdx-advisory-references']
  },
  'spdx_examples_spdx30_jsonld.json': { spdx3: true },
  'trivy_centos7_spdx22.json': {
    formatVersion: 'SPDX-2.2',
    key: 'SPDXRef-ContainerImage-dd5cad897c6263',
    hostname: 'ghcr.io/aquasecurity/trivy-test-images:centos-7',
    kind: 'image',
    os: { id: 'centos', versionId: '7.6.1810' },
    hostIds: ['image:sha256:f1cb7c7d58b73eac859c395882eec49d50651244e342cd6c68a5c7809785f427'],
    software: ['bash 4.2.46', 'openssl-libs 1:1.0.2k-19.el7'],
    findings: [],
    issues: []
  }
};

describe.skipIf(!hasShared)('SPDX shared samples', () => {
  const files = sharedSamples('spdx');
  const sample = (name: string) => readBytes(files.find((f) => basename(f) === name) as string);

  it('has expectations for every sample in the folder', () => {
    expect(files.map((f) => basename(f)).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [name, want] of Object.entries(SAMPLES)) {
    it(`reads ${name}`, () => {
      const r = parseAllWays(sample(name));
      if ('spdx3' in want) {
        expect(r.value.hosts).toEqual([]);
        expect(r.issues.map((i) => [i.severity, i.code])).toEqual([['error', 'spdx-3-unsupported']]);
        return;
      }
      expect(r.value.formatVersion).toBe(want.formatVersion);
      const h = only(r);
      expect(h).toMatchObject({ key: want.key, hostname: want.hostname, kind: want.kind });
      if (want.os) expect(h.os).toMatchObject({ family: 'linux', distro: want.os });
      else expect(h.os).toBeUndefined();
      expect(h.hostIds).toEqual(want.hostIds);
      expect(h.software.map((s) => `${s.name} ${s.version ?? '-'}`)).toEqual(want.software);
      expect(h.findings.map((f) => `${f.ruleId} ${f.package?.name}`)).toEqual(want.findings);
      expect(h.findings.every((f) => f.severity === 'info' && f.state === 'unknown')).toBe(true);
      expect(codes(r.issues)).toEqual(want.issues);
    });

    it(`detects ${name} (or refuses it at detection) and passes the registry’s schema check`, () => {
      const bytes = sample(name);
      if ('spdx3' in want) {
        const verdict = detectFormat(bytes.subarray(0, SNIFF_BYTES), name);
        expect(verdict.format).toBeNull();
        expect(verdict.problem).toMatchObject({ severity: 'error', code: 'spdx-3-unsupported' });
        expect(verdict.problem?.message).toContain(
          'SPDX 3.0 is not supported yet; export SPDX 2.3 JSON (e.g. syft -o spdx-json@2.3)'
        );
        return;
      }
      expect(throughRegistry(bytes, name)).toMatchObject({
        assets: 1,
        findings: want.findings.length,
        software: want.software.length
      });
    });
  }

  it('keeps Trivy’s source packages, epochs and architecture of the CentOS image', () => {
    const h = only(parseSpdx(sample('trivy_centos7_spdx22.json')));
    expect(h.software[1]).toEqual({
      name: 'openssl-libs',
      version: '1:1.0.2k-19.el7',
      ecosystem: 'rpm',
      purl: 'pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&distro=centos-7.6.1810',
      architecture: 'x86_64',
      sourcePackage: 'openssl-libs'
    });
  });

  it('tells apart advisory URLs with and without a vulnerability id', () => {
    const r = parseSpdx(sample('defectdojo_syft150_spdx23_vuln_refs.json'));
    expect(r.issues.find((i) => i.code === 'spdx-advisory-without-id')?.message).toContain(
      'https://example.com/advisories/no-identifier-here'
    );
    // A SECURITY "url" reference is not an advisory: the GHSA in it is not a finding.
    expect(r.value.rules.map((x) => x.ruleId)).toEqual(['CVE-2024-10001', 'CVE-2024-10002']);
    expect(r.value.rules[0]?.references).toEqual([
      'https://example.com/advisories/CVE-2024-10001',
      'https://example.com/fixes/CVE-2024-10001'
    ]);
  });

  it('does not claim the other folders’ samples', () => {
    for (const folder of [
      'trivy',
      'grype',
      'osv-scanner',
      'cyclonedx',
      'nessus',
      'mdvm-defender',
      'windows-systeminfo'
    ]) {
      for (const file of sharedSamples(folder)) {
        const verdict = detectFormat(readBytes(file).subarray(0, SNIFF_BYTES), basename(file));
        expect(verdict.format, file).not.toBe('spdx-json');
        expect(verdict.problem?.code ?? '', file).not.toMatch(/^spdx/);
      }
    }
  });
});
