import { basename } from 'node:path';
import { SaxesParser } from 'saxes';
import { describe, expect, it, vi } from 'vitest';
import { codes } from './parser-tools';
import {
  hostObservationSchema,
  scannerRuleSchema,
  type FileFormat,
  type HostObservation,
  type ParsedFile,
  type ParseResult,
  type ScannerRule,
  type Severity
} from '../../../../src/lib/core/model';
import {
  createCycloneDxJsonParser,
  createCycloneDxXmlParser,
  parseCycloneDxJson,
  parseCycloneDxXml,
  sniffCycloneDx
} from '../../../../src/lib/core/parsers/cyclonedx';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { collectParse } from '../../../../src/lib/core/parsers/sca-common';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('cyclonedx', name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const isXml = (name: string) => name.endsWith('.xml');

function check(r: ParseResult<ParsedFile>): ParseResult<ParsedFile> {
  for (const h of r.value.hosts) expect(hostObservationSchema.safeParse(h).error).toBeUndefined();
  for (const x of r.value.rules) expect(scannerRuleSchema.safeParse(x).error).toBeUndefined();
  return r;
}

/** JSON: whole and streamed; XML: in one piece and in 1-, 13- and 4096-byte chunks. All must agree. */
function parseAllWays(bytes: Uint8Array, xml: boolean): ParseResult<ParsedFile> {
  if (xml) {
    const whole = parseCycloneDxXml(bytes);
    for (const chunk of [1, 13, 4096]) {
      expect(collectParse('cyclonedx-xml', (s) => createCycloneDxXmlParser(s), bytes, chunk)).toEqual(whole);
    }
    return check(whole);
  }
  const whole = parseCycloneDxJson(bytes);
  for (const chunk of [9, 65536]) {
    expect(
      collectParse(
        'cyclonedx-json',
        (s) => createCycloneDxJsonParser(s, { streamAboveBytes: 0 }),
        bytes,
        chunk
      )
    ).toEqual(whole);
  }
  return check(whole);
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

function throughRegistry(bytes: Uint8Array, name: string, format: FileFormat) {
  expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), name).format, name).toBe(format);
  const tally = createTally();
  const parser = createStreamParser(format, { host: (h) => tally.add(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += 3000) parser.write(bytes.subarray(i, i + 3000));
  parser.end();
  expect(codes(parser.issues)).not.toContain('invalid-record');
  return tally.counts;
}

describe('CycloneDX fixtures', () => {
  it('reads a VEX with no components: purl and BOM-Link refs, analysis states, one finding per ref', () => {
    const r = parseAllWays(own('vex-purl-and-bomlink-refs.json'), false);
    expect(r.value.formatVersion).toBe('CycloneDX 1.5');
    const h = only(r);
    expect(h).toMatchObject({
      key: 'urn:uuid:5c1d8a0e-6a7b-4c1e-9f3d-2b8a7e6d5c4b',
      kind: 'application',
      software: []
    });
    expect(h.hostname).toBeUndefined();
    expect(
      h.findings.map((f) => [f.ruleId, f.package?.name, f.package?.version, f.state, f.severity])
    ).toEqual([
      ['CVE-2024-0727', 'openssl', '3.0.11-1~deb12u2', 'fixed', 'medium'],
      ['CVE-2024-0727', 'libssl3', '3.0.11-1~deb12u2', 'fixed', 'medium'],
      // A ref the BOM does not list is kept as the package name (and warned about).
      ['CVE-2023-5678', 'component-not-listed-here', undefined, 'affected', 'medium'],
      // No affects at all: one finding against the (missing) subject.
      ['GHSA-9wv6-86v2-598j', undefined, undefined, 'not_affected', 'low']
    ]);
    expect(h.findings[0]).toMatchObject({
      fixedVersion: '3.0.13-1~deb12u1',
      output: 'Analysis: resolved response: update. Fixed by the base image rebuilt on 2024-02-20.',
      package: {
        ecosystem: 'deb',
        purl: 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12'
      }
    });
    expect(h.findings[3]?.output).toBe('Analysis: false_positive (code_not_present)');
    expect(codes(r.issues)).toEqual(['bom-without-subject', 'vulnerability-without-id', 'unresolved-ref']);
    expect(r.issues.find((i) => i.code === 'vulnerability-without-id')?.message).toContain(
      'vulnerabilities[3]'
    );
    expect(rule(r, 'CVE-2024-0727')).toMatchObject({
      scanner: 'cyclonedx',
      family: 'NVD',
      xrefs: ['CWE-476'],
      solution: 'Upgrade openssl to version 3.0.13-1~deb12u1',
      cvss3: { baseScore: 5.5 },
      references: [
        'https://www.openssl.org/news/secadv/20240125.txt',
        'https://nvd.nist.gov/vuln/detail/CVE-2024-0727'
      ]
    });
    // A score without a severity word is rated from the score.
    expect(rule(r, 'CVE-2023-5678')).toMatchObject({ severity: 'medium', aliases: ['DSA-5532-1'] });
  });

  it('reads nested components at any depth, in any key order, and leaves out files and data', () => {
    const r = parseAllWays(own('nested-components-1.6.json'), false);
    const h = only(r);
    expect(h).toMatchObject({
      key: 'orders-service',
      hostname: 'com.example:orders-service',
      kind: 'application'
    });
    expect(h.software.map((s) => `${s.name}@${s.version}`)).toEqual([
      'org.springframework.boot:spring-boot@3.2.4',
      'org.springframework:spring-core@6.1.5',
      'org.springframework:spring-jcl@6.1.5',
      'com.example:orders-api-client@1.8.0'
    ]);
    // Two affected refs: the deepest component and the subject itself.
    expect(h.findings.map((f) => f.package?.name)).toEqual([
      'org.springframework:spring-jcl',
      'com.example:orders-service'
    ]);
    expect(r.issues).toEqual([]);
  });

  it('reads XML with a prefixed namespace, skips elements of other namespaces, reads vulnerabilities', () => {
    const r = parseAllWays(own('prefixed-namespace-1.5.xml'), true);
    expect(r.value.formatVersion).toBe('CycloneDX 1.5');
    const h = only(r);
    expect(h).toMatchObject({
      key: 'image-ref',
      hostname: 'registry.example.net/ops/backup-agent:1.4',
      kind: 'image',
      scanStart: '2024-02-12T07:45:00Z',
      os: {
        family: 'linux',
        name: 'debian 12.5',
        distro: { id: 'debian', versionId: '12.5', prettyName: 'Debian GNU/Linux 12 (bookworm)' }
      }
    });
    expect(h.software).toEqual([
      {
        name: 'libexpat1',
        version: '2.5.0-1',
        ecosystem: 'deb',
        purl: 'pkg:deb/debian/libexpat1@2.5.0-1?arch=amd64&upstream=expat&distro=debian-12.5',
        architecture: 'amd64',
        sourcePackage: 'expat'
      },
      { name: 'backup-agent', version: '1.4.2' },
      {
        name: 'golang.org/x/net',
        version: 'v0.17.0',
        ecosystem: 'golang',
        purl: 'pkg:golang/golang.org/x/net@v0.17.0'
      }
    ]);
    expect(h.findings.map((f) => [f.ruleId, f.package?.name, f.state, f.severity, f.fixedVersion])).toEqual([
      ['CVE-2023-52425', 'libexpat1', 'under_investigation', 'high', '2.5.0-1+deb12u1'],
      ['CVE-2023-45288', 'golang.org/x/net', 'not_affected', 'high', undefined]
    ]);
    expect(h.findings[1]?.output).toBe(
      'Analysis: not_affected (code_not_reachable) response: will_not_fix. The agent never serves HTTP/2.'
    );
    expect(rule(r, 'CVE-2023-52425')).toMatchObject({
      aliases: ['GHSA-vfm5-rmrh-j26v'],
      xrefs: ['CWE-400'],
      description:
        'libexpat through 2.5.0 allows a denial of service (resource consumption) because many full reparsings are required.',
      vulnPublishedOn: '2024-02-04',
      cvss3: { baseScore: 7.5 }
    });
    expect(r.issues).toEqual([]);
  });

  it('reads the same XML as UTF-16LE with BOM', () => {
    const text = new TextDecoder()
      .decode(own('prefixed-namespace-1.5.xml'))
      .replace('encoding="UTF-8"', 'encoding="UTF-16"');
    const bytes = new Uint8Array(2 + text.length * 2);
    bytes.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) {
      bytes[2 + i * 2] = text.charCodeAt(i) & 0xff;
      bytes[3 + i * 2] = text.charCodeAt(i) >> 8;
    }
    expect(parseAllWays(bytes, true)).toEqual(parseCycloneDxXml(own('prefixed-namespace-1.5.xml')));
    expect(detectFormat(bytes, 'bom.xml').format).toBe('cyclonedx-xml');
  });

  it('never expands DTD entities (billion laughs, external file) and says so', () => {
    const r = parseAllWays(own('billion-laughs-xxe.xml'), true);
    const h = only(r);
    expect(h.hostname).toBe('&lol9;');
    expect(h.software).toEqual([
      { name: 'zlib', version: '1.3.1', ecosystem: 'generic', purl: 'pkg:generic/zlib@1.3.1' }
    ]);
    expect(r.issues.map((i) => [i.severity, i.code, i.line])).toEqual([
      ['warning', 'dtd-entities-ignored', 14],
      ['warning', 'xml-undefined-entity', 18],
      ['info', 'more-issues', undefined]
    ]);
    expect(JSON.stringify(r)).not.toContain('lollol');
    expect(JSON.stringify(r)).not.toContain('root:');
  });

  it('reports a cut-off XML BOM with its line, and hands over nothing', () => {
    const r = parseAllWays(own('truncated.xml'), true);
    expect(r.value.hosts).toEqual([]);
    expect(r.issues.map((i) => [i.severity, i.code, i.line])).toEqual([['error', 'xml-truncated', 41]]);
  });

  it('refuses XML and JSON of another kind, and broken XML, with an error', () => {
    const wrongRoot = parseCycloneDxXml(utf8('<?xml version="1.0"?><bom><components/></bom>'));
    expect(wrongRoot.value.hosts).toEqual([]);
    expect(codes(wrongRoot.issues)).toEqual(['not-cyclonedx']);
    expect(codes(parseCycloneDxXml(utf8('not xml at all')).issues)).toEqual(['not-xml']);
    expect(codes(parseCycloneDxXml(new Uint8Array(0)).issues)).toEqual(['empty-file']);
    const broken = parseCycloneDxXml(
      utf8(
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4">\n<components>\n<component type="library"><name>a</name></componentx>\n</components></bom>'
      )
    );
    expect(broken.issues.map((i) => [i.code, i.line])).toEqual([['xml-not-well-formed', 3]]);
    for (const text of ['{"bomFormat":"SPDX"}', '{"name":"x"}', 'null']) {
      expect(codes(parseCycloneDxJson(utf8(text)).issues), text).toEqual(['not-cyclonedx']);
    }
  });

  it('fuzz case: random bytes stop at the first error; the rest of the chunk is not parsed error by error', () => {
    // Found by tests/unit/fuzz: saxes went on through the rest of the chunk and built an Error for every bad
    // character after the reader had stopped (4.5 s for 300 KB of garbage written in one chunk).
    const fail = vi.spyOn(SaxesParser.prototype, 'fail');
    try {
      const r = parseCycloneDxXml(utf8(`'${'\u0000<![CDATA['.repeat(30_000)}`));
      expect(codes(r.issues)).toEqual(['not-xml']);
      expect(fail).toHaveBeenCalledTimes(1);
    } finally {
      fail.mockRestore();
    }
  });

  it('fuzz case: "<a>" nested 5,000 deep inside a BOM is refused at 256 levels, not resolved level by level', () => {
    // Found by tests/unit/fuzz: saxes resolves namespace prefixes through every open element, so 30,000 nested
    // elements took 20 s.
    const bom = `<bom xmlns="http://cyclonedx.org/schema/bom/1.5">\n<components>\n${'<a>'.repeat(5_000)}`;
    const r = parseCycloneDxXml(utf8(bom));
    expect(r.value.hosts).toEqual([]);
    expect(r.issues.map((i) => [i.severity, i.code, i.line])).toEqual([['error', 'xml-too-deep', 3]]);
    expect(r.issues[0]?.message).toContain('256 levels');
  });

  it('does not count the subject as its own software when a tool lists it again among the components', () => {
    const subject = {
      'bom-ref': 'app',
      type: 'application',
      name: 'shop',
      version: '2.0',
      purl: 'pkg:npm/shop@2.0'
    };
    const r = parseCycloneDxJson(
      utf8(
        JSON.stringify({
          bomFormat: 'CycloneDX',
          specVersion: '1.5',
          components: [
            { ...subject },
            { type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' }
          ],
          metadata: { component: subject }
        })
      )
    );
    expect(only(r).software.map((s) => s.name)).toEqual(['left-pad']);
  });

  it('reads a BOM of a newer spec version and says so', () => {
    const r = parseCycloneDxJson(
      utf8(
        '{"bomFormat":"CycloneDX","specVersion":"1.8","metadata":{"component":{"type":"application","name":"x"}}}'
      )
    );
    expect(only(r).hostname).toBe('x');
    expect(codes(r.issues)).toEqual(['spec-version-newer']);
  });

  it('sniffs JSON and XML BOMs of any version, and nothing else', () => {
    expect(sniffCycloneDx('{\n  "bomFormat": "CycloneDX",\n  "specVersion": "1.2"')).toBe('cyclonedx-json');
    expect(
      sniffCycloneDx('{"$schema":"http://cyclonedx.org/schema/bom-1.6.schema.json","specVersion":"1.6"}')
    ).toBe('cyclonedx-json');
    expect(
      sniffCycloneDx('<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.2" version="1">')
    ).toBe('cyclonedx-xml');
    expect(sniffCycloneDx('<cdx:bom xmlns:cdx="http://cyclonedx.org/schema/bom/1.7">')).toBe('cyclonedx-xml');
    expect(sniffCycloneDx('<NessusClientData_v2>')).toBeUndefined();
    expect(sniffCycloneDx('{"spdxVersion":"SPDX-2.3"}')).toBeUndefined();
  });

  it('goes through detection and the registry for JSON and XML', () => {
    expect(throughRegistry(own('nested-components-1.6.json'), 'bom.json', 'cyclonedx-json')).toMatchObject({
      assets: 1,
      findings: 2,
      software: 4
    });
    expect(throughRegistry(own('prefixed-namespace-1.5.xml'), 'bom.xml', 'cyclonedx-xml')).toMatchObject({
      assets: 1,
      findings: 2,
      software: 3
    });
  });
});

/** Verified with python3: json.load / xml.dom.minidom, components walked recursively, types and purls counted. */
const SAMPLES: Record<
  string,
  {
    format: FileFormat;
    formatVersion: string;
    key: string;
    hostname: string;
    kind: 'image' | 'application';
    os?: { id: string; versionId: string };
    hostIds?: string[];
    software: number;
    ecosystems: Record<string, number>;
    findings: number;
    rules: number;
    severity: Partial<Record<Severity, number>>;
    issues: string[];
  }
> = {
  'TRICKY_osvscanner_bad_purls_alpine.cdx.xml': {
    format: 'cyclonedx-xml',
    formatVersion: 'CycloneDX 1.4',
    key: '5339058ca5e06f8a',
    hostname: 'alpine:latest',
    kind: 'image',
    os: { id: 'alpine', versionId: '3.17.2' },
    // 16 components: 15 packages and the operating system.
    software: 15,
    // 8 valid apk purls; 6 broken purls and busybox (no purl) fall back to syft:package:type (apk ×6, binary).
    ecosystems: { apk: 14, binary: 1 },
    findings: 0,
    rules: 0,
    severity: {},
    issues: ['component-without-name', 'bad-purl']
  },
  'cdx_examples_cisa_vex_case2.json': {
    format: 'cyclonedx-json',
    formatVersion: 'CycloneDX 1.4',
    key: 'product-ABC',
    hostname: 'ABC',
    kind: 'application',
    software: 0,
    ecosystems: {},
    findings: 19,
    rules: 19,
    severity: { info: 19 },
    issues: []
  },
  'cdx_examples_dropwizard_cdx12.json': {
    format: 'cyclonedx-json',
    formatVersion: 'CycloneDX 1.2',
    key: 'pkg:maven/io.dropwizard/dropwizard-parent@1.3.15',
    hostname: 'io.dropwizard:dropwizard-parent',
    kind: 'application',
    software: 167,
    ecosystems: { maven: 167 },
    findings: 0,
    rules: 0,
    severity: {},
    issues: []
  },
  'cdx_examples_laravel_cdx14.json': {
    format: 'cyclonedx-json',
    formatVersion: 'CycloneDX 1.4',
    key: 'cyclonedx/cyclonedx-php-composer-demo-dev-master',
    hostname: 'cyclonedx/cyclonedx-php-composer-demo',
    kind: 'application',
    software: 62,
    ecosystems: { composer: 62 },
    findings: 0,
    rules: 0,
    severity: {},
    issues: []
  },
  'defectdojo_grype_cdx14_log4j_8vulns.json': {
    format: 'cyclonedx-json',
    formatVersion: 'CycloneDX 1.4',
    key: './configuration/.m2/repository/org/apache/logging/log4j/log4j-core/2.13.2',
    hostname: './configuration/.m2/repository/org/apache/logging/log4j/log4j-core/2.13.2',
    kind: 'application',
    software: 1,
    ecosystems: { maven: 1 },
    findings: 8,
    rules: 8,
    severity: { critical: 4, medium: 3, high: 1 },
    issues: []
  },
  'trivy_fluentd_debian_cdx17.json': {
    format: 'cyclonedx-json',
    formatVersion: 'CycloneDX 1.7',
    key: '3ff14136-e09f-4df9-80ea-000000000001',
    hostname: 'ghcr.io/aquasecurity/trivy-test-images:fluentd-multiple-lockfiles',
    kind: 'image',
    os: { id: 'debian', versionId: '10.2' },
    hostIds: ['image:sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933'],
    software: 160,
    ecosystems: { deb: 105, gem: 55 },
    findings: 0,
    rules: 0,
    severity: {},
    issues: []
  }
};

describe.skipIf(!hasShared)('CycloneDX shared samples', () => {
  const files = sharedSamples('cyclonedx');
  const sample = (name: string) => readBytes(files.find((f) => basename(f) === name) as string);

  it('has expectations for every sample in the folder', () => {
    expect(files.map((f) => basename(f)).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [name, want] of Object.entries(SAMPLES)) {
    it(`reads ${name}`, () => {
      const r = parseAllWays(sample(name), isXml(name));
      expect(r.value.formatVersion).toBe(want.formatVersion);
      const h = only(r);
      expect(h).toMatchObject({ key: want.key, hostname: want.hostname, kind: want.kind });
      if (want.os) expect(h.os).toMatchObject({ family: 'linux', distro: want.os });
      else expect(h.os).toBeUndefined();
      expect(h.hostIds).toEqual(want.hostIds);
      expect(h.software).toHaveLength(want.software);
      const eco: Record<string, number> = {};
      for (const s of h.software) if (s.ecosystem) eco[s.ecosystem] = (eco[s.ecosystem] ?? 0) + 1;
      expect(eco).toEqual(want.ecosystems);
      expect(h.findings).toHaveLength(want.findings);
      expect(r.value.rules).toHaveLength(want.rules);
      expect(bySeverity(h)).toEqual(want.severity);
      expect(codes(r.issues)).toEqual(want.issues);
    });

    it(`detects ${name} and passes the registry’s schema check`, () => {
      const counts = throughRegistry(sample(name), name, want.format);
      expect(counts).toMatchObject({ assets: 1, findings: want.findings, software: want.software });
    });
  }

  it('survives the damaged purls and names of the TRICKY SBOM, with grouped warnings on their lines', () => {
    const r = parseCycloneDxXml(sample('TRICKY_osvscanner_bad_purls_alpine.cdx.xml'));
    const h = only(r);
    const badPurl = r.issues.find((i) => i.code === 'bad-purl');
    expect(badPurl).toMatchObject({ severity: 'warning', count: 6, lines: [94, 223, 266, 370, 481] });
    expect(badPurl?.message).toContain('"pkg:pypi/" of "alpine-keys", line 94');
    expect(r.issues.find((i) => i.code === 'component-without-name')).toMatchObject({
      severity: 'warning',
      line: 18
    });
    const names = h.software.map((s) => s.name);
    // The empty <name> is taken from the purl; components without a valid purl keep name and version.
    expect(names[0]).toBe('alpine-baselayout');
    expect(h.software.find((s) => s.name === 'alpine-keys')).toEqual({
      name: 'alpine-keys',
      version: '2.4-r1',
      ecosystem: 'apk',
      sourcePackage: 'alpine-keys'
    });
    expect(h.software.find((s) => s.name === 'ssl_client')).toMatchObject({
      version: '1.36.1-r27',
      ecosystem: 'apk'
    });
    expect(h.software.find((s) => s.name === 'ssl_client')?.purl).toBeUndefined();
    expect(h.software.find((s) => s.name === 'busybox')).toEqual({
      name: 'busybox',
      version: '1.35.0',
      ecosystem: 'binary'
    });
    expect(h.software.find((s) => s.name === 'musl-utils')).toMatchObject({
      sourcePackage: 'musl',
      architecture: 'x86_64'
    });
    // The OS component has an empty name: its distro id comes from syft's properties.
    expect(h.os).toEqual({
      family: 'linux',
      name: 'alpine 3.17.2',
      version: '3.17.2',
      distro: { id: 'alpine', versionId: '3.17.2', prettyName: 'Alpine Linux v3.17' }
    });
  });

  it('reads the VEX-only CISA example: every finding against the product, not affected', () => {
    const h = only(parseCycloneDxJson(sample('cdx_examples_cisa_vex_case2.json')));
    expect(
      new Set(h.findings.map((f) => `${f.package?.name} ${f.package?.version} ${f.state} ${f.severity}`))
    ).toEqual(new Set(['ABC 4.2 not_affected info']));
    expect(h.findings[0]?.output).toBe(
      'Analysis: not_affected (code_not_reachable). This version of Product ABC is not affected by the vulnerability. Linux TCP/IP used and therefore not vulnerable.'
    );
  });

  it('reads Grype’s log4j VEX: states in triage, ratings, CVSS', () => {
    const r = parseCycloneDxJson(sample('defectdojo_grype_cdx14_log4j_8vulns.json'));
    const h = only(r);
    expect(h.software).toEqual([
      {
        name: 'org.apache.logging.log4j:log4j-core',
        version: '2.13.2',
        ecosystem: 'maven',
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.13.2'
      }
    ]);
    expect(new Set(h.findings.map((f) => `${f.package?.name} ${f.state}`))).toEqual(
      new Set(['org.apache.logging.log4j:log4j-core under_investigation'])
    );
    expect(rule(r, 'CVE-2021-44228')).toMatchObject({
      severity: 'critical',
      family: 'nvd:cpe',
      cvss3: { baseScore: 10, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' },
      cvss2: { baseScore: 10, vector: 'AV:N/AC:M/Au:N/C:C/I:C/A:C' }
    });
  });

  it('keeps Trivy’s source package names in the CycloneDX 1.7 image SBOM', () => {
    const h = only(parseCycloneDxJson(sample('trivy_fluentd_debian_cdx17.json')));
    expect(h.software.find((s) => s.name === 'bash')).toEqual({
      name: 'bash',
      version: '5.0-4',
      ecosystem: 'deb',
      purl: 'pkg:deb/debian/bash@5.0-4?arch=amd64&distro=debian-10.2',
      architecture: 'amd64',
      sourcePackage: 'bash'
    });
  });

  it('does not claim the other folders’ samples', () => {
    for (const folder of ['trivy', 'grype', 'osv-scanner', 'spdx', 'nessus', 'nmap', 'openvas', 'qualys']) {
      for (const file of sharedSamples(folder)) {
        const verdict = detectFormat(readBytes(file).subarray(0, SNIFF_BYTES), basename(file));
        expect(String(verdict.format), file).not.toMatch(/^cyclonedx/);
      }
    }
  });
});
