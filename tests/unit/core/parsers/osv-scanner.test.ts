import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes } from './parser-tools';
import {
  hostObservationSchema,
  scannerRuleSchema,
  type HostObservation,
  type ParsedFile,
  type ParseResult,
  type ScannerRule,
  type Severity
} from '../../../../src/lib/core/model';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import {
  createOsvScannerParser,
  parseOsvScanner,
  sniffOsvScanner
} from '../../../../src/lib/core/parsers/osv-scanner';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { collectParse } from '../../../../src/lib/core/parsers/sca-common';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('osv-scanner', name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function parseAllWays(bytes: Uint8Array): ParseResult<ParsedFile> {
  const whole = parseOsvScanner(bytes);
  for (const chunk of [11, 65536]) {
    expect(
      collectParse(
        'osv-scanner-json',
        (s) => createOsvScannerParser(s, { streamAboveBytes: 0 }),
        bytes,
        chunk
      )
    ).toEqual(whole);
  }
  for (const h of whole.value.hosts) expect(hostObservationSchema.safeParse(h).error).toBeUndefined();
  for (const r of whole.value.rules) expect(scannerRuleSchema.safeParse(r).error).toBeUndefined();
  return whole;
}

const rule = (r: ParseResult<ParsedFile>, id: string): ScannerRule => {
  const found = r.value.rules.find((x) => x.ruleId === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};
function bySeverity(hosts: HostObservation[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const h of hosts) for (const f of h.findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

function throughRegistry(bytes: Uint8Array, name: string) {
  expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), name).format, name).toBe('osv-scanner-json');
  const tally = createTally();
  const parser = createStreamParser('osv-scanner-json', { host: (h) => tally.add(h), rule: () => {} });
  parser.write(bytes);
  parser.end();
  expect(codes(parser.issues)).not.toContain('invalid-record');
  return tally.counts;
}

describe('OSV-Scanner fixtures', () => {
  const r = parseAllWays(own('npm-lockfile-groups-v4.json'));

  it('joins two results for the same lock file into one application', () => {
    expect(r.value.hosts).toHaveLength(1);
    const h = r.value.hosts[0] as HostObservation;
    expect(h).toMatchObject({
      key: '/srv/checkout/storefront/package-lock.json',
      hostname: '/srv/checkout/storefront/package-lock.json',
      kind: 'application'
    });
    expect(h.software).toEqual([
      { name: 'cookie', version: '0.5.0', ecosystem: 'npm' },
      { name: 'semver', version: '7.5.1', ecosystem: 'npm' }
    ]);
  });

  it('counts one finding per package × vulnerability record and decides severities in order', () => {
    const h = r.value.hosts[0] as HostObservation;
    expect(h.findings.map((f) => [f.ruleId, f.package?.name, f.severity, f.fixedVersion])).toEqual([
      // CVSS v4 only (not scored): the advisory's own word, LOW.
      ['GHSA-pxg6-pf52-xh8x', 'cookie', 'low', '0.7.0'],
      // The CVSS v3 vector scores 7.5 (the advisory says MODERATE).
      ['GHSA-c2qf-rxjj-qqgw', 'semver', 'high', '7.5.2'],
      // No severity of its own: its group's max_severity; the GIT range's commit is not a version.
      ['OSV-2023-0001', 'semver', 'high', '7.5.2'],
      // Nothing anywhere: informational, and said so.
      ['MAL-2099-0001', 'cookie', 'info', undefined]
    ]);
    expect(h.findings.every((f) => f.state === undefined)).toBe(true);
    expect(codes(r.issues)).toEqual(['partial-inventory', 'severity-unknown']);
  });

  it('keeps group aliases and the record texts in the rule', () => {
    expect(rule(r, 'OSV-2023-0001')).toMatchObject({
      scanner: 'osv',
      name: 'semver ReDoS (mirror record without severity)',
      cves: ['CVE-2022-25883'],
      aliases: ['CVE-2022-25883', 'GHSA-c2qf-rxjj-qqgw']
    });
    expect(rule(r, 'GHSA-c2qf-rxjj-qqgw')).toMatchObject({
      riskFactor: 'MODERATE',
      cvss3: { baseScore: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
      xrefs: ['CWE-1333'],
      vulnPublishedOn: '2023-06-21'
    });
  });

  it('reports an empty results list as a warning, not as a clean project', () => {
    const res = parseOsvScanner(
      utf8('{"results": [], "experimental_config": {"licenses": {"summary": false}}}')
    );
    expect(res.value.hosts).toEqual([]);
    expect(res.issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'no-results']]);
    expect(detectFormat(utf8('{"results": [], "experimental_config": {}}'), 'osv.json').format).toBe(
      'osv-scanner-json'
    );
  });

  it('refuses other JSON and null with an error', () => {
    for (const text of ['null', '[{"source":{}}]', '"x"']) {
      expect(
        parseOsvScanner(utf8(text)).issues.map((i) => i.code),
        text
      ).toEqual(['not-osv-scanner']);
    }
  });

  it('sniffs OSV-Scanner output and not Trivy or Grype', () => {
    expect(
      sniffOsvScanner(
        '{\n  "results": [\n    {\n      "source": {\n        "path": "/x/go.mod",\n        "type": "lockfile"\n      },\n      "packages": ['
      )
    ).toBe(true);
    expect(sniffOsvScanner('{"SchemaVersion":2,"Results":[{"Target":"x"}]}')).toBe(false);
    expect(sniffOsvScanner('{"matches":[],"source":{"type":"image"}}')).toBe(false);
  });

  it('goes through detection and the registry', () => {
    expect(throughRegistry(own('npm-lockfile-groups-v4.json'), 'osv.json')).toMatchObject({
      assets: 1,
      findings: 4,
      software: 2
    });
  });
});

/** Verified with python3 (json.load; findings = Σ len(vulnerabilities); severities scored with a CVSS 3.1 script). */
const SAMPLES: Record<
  string,
  | {
      hosts: { key: string; findings: number; software: number; ecosystems: string[] }[];
      rules: number;
      severity: Partial<Record<Severity, number>>;
      issues: string[];
    }
  | { empty: true }
> = {
  'EDGE_defectdojo_osvscanner_empty_0bytes.json': { empty: true },
  'defectdojo_osvscanner_6sources_66vulns.json': {
    hosts: [
      { key: '/tmpcardmarket-api/composer.lock', findings: 7, software: 2, ecosystems: ['composer'] },
      { key: '/tmpgapps/requirements.txt', findings: 5, software: 3, ecosystems: ['pypi'] },
      { key: '/tmphumble/requirements.txt', findings: 2, software: 1, ecosystems: ['pypi'] },
      // A git checkout: the package has no name, version or ecosystem, only a commit.
      { key: '/tmprengine/', findings: 1, software: 0, ecosystems: [] },
      { key: '/tmprengine/web/requirements.txt', findings: 43, software: 3, ecosystems: ['pypi'] },
      { key: '/tmptrivy-dojo-report-operator/poetry.lock', findings: 8, software: 1, ecosystems: ['pypi'] }
    ],
    rules: 64,
    severity: { high: 30, medium: 26, critical: 10 },
    issues: ['partial-inventory']
  },
  'osvscanner_project_cargo_3pkgs_6vulns.json': {
    hosts: [{ key: '/path/to/Cargo.lock', findings: 6, software: 3, ecosystems: ['cargo'] }],
    rules: 6,
    severity: { high: 2, medium: 2, critical: 2 },
    issues: ['partial-inventory']
  },
  'osvscanner_project_go_cargo_results.json': {
    hosts: [
      { key: '/path/to/scorecard-check-osv-e2e/go.mod', findings: 2, software: 1, ecosystems: ['golang'] },
      {
        key: '/path/to/scorecard-check-osv-e2e/sub-rust-project/Cargo.lock',
        findings: 2,
        software: 1,
        ecosystems: ['cargo']
      }
    ],
    rules: 4,
    severity: { high: 4 },
    issues: ['partial-inventory']
  }
};

describe.skipIf(!hasShared)('OSV-Scanner shared samples', () => {
  const files = sharedSamples('osv-scanner');
  const sample = (name: string) => readBytes(files.find((f) => basename(f) === name) as string);

  it('has expectations for every sample in the folder', () => {
    expect(files.map((f) => basename(f)).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [name, want] of Object.entries(SAMPLES)) {
    it(`reads ${name}`, () => {
      const r = parseAllWays(sample(name));
      if ('empty' in want) {
        expect(r.value.hosts).toEqual([]);
        expect(r.issues.map((i) => [i.severity, i.code])).toEqual([['error', 'empty-file']]);
        expect(r.issues[0]?.message).toMatch(/^The file is empty \(0 bytes\)/);
        return;
      }
      expect(
        r.value.hosts.map((h) => ({
          key: h.key,
          findings: h.findings.length,
          software: h.software.length,
          ecosystems: [...new Set(h.software.map((s) => s.ecosystem))]
        }))
      ).toEqual(want.hosts);
      expect(r.value.hosts.every((h) => h.kind === 'application' && h.hostname === h.key)).toBe(true);
      expect(r.value.rules).toHaveLength(want.rules);
      expect(bySeverity(r.value.hosts)).toEqual(want.severity);
      expect(codes(r.issues)).toEqual(want.issues);
    });

    it(`detects ${name} and passes the registry’s schema check`, () => {
      const bytes = sample(name);
      if ('empty' in want) {
        expect(detectFormat(bytes, name).problem?.code).toBe('empty-file');
        return;
      }
      const counts = throughRegistry(bytes, name);
      expect(counts.assets).toBe(want.hosts.length);
      expect(counts.findings).toBe(want.hosts.reduce((n, h) => n + h.findings, 0));
    });
  }

  it('picks the fixed version above the installed one among several ranges', () => {
    const r = parseOsvScanner(sample('defectdojo_osvscanner_6sources_66vulns.json'));
    const find = (id: string, pkg: string) =>
      r.value.hosts.flatMap((h) => h.findings).find((f) => f.ruleId === id && f.package?.name === pkg);
    // django 3.2.4: fixed in 2.2.28 and 3.2.13 → 3.2.13; PYSEC also lists a commit hash, which is skipped.
    expect(find('GHSA-2gwj-7jmv-h26r', 'django')?.fixedVersion).toBe('3.2.13');
    expect(find('PYSEC-2022-304', 'django')?.fixedVersion).toBe('3.2.16');
    expect(find('GHSA-g4mx-q9vg-27p4', 'urllib3')?.fixedVersion).toBe('1.26.18');
    // The git checkout's finding names the repository and commit.
    expect(find('CVE-2023-50094', 'tmprengine')).toMatchObject({
      severity: 'high',
      package: { name: 'tmprengine', version: 'f5f3c22f3ed5a6804a2a8d9ee9fa43044cfa24a6' }
    });
    expect(find('CVE-2023-50094', 'tmprengine')?.fixedVersion).toBeUndefined();
  });

  it('takes a record’s severity from its group when it has none (RUSTSEC beside GHSA)', () => {
    const r = parseOsvScanner(sample('osvscanner_project_cargo_3pkgs_6vulns.json'));
    const f = (r.value.hosts[0] as HostObservation).findings;
    expect(f.map((x) => [x.ruleId, x.severity, x.fixedVersion])).toEqual([
      ['GHSA-qc84-gqf4-9926', 'high', '0.8.7'],
      ['RUSTSEC-2022-0041', 'high', '0.8.7'],
      ['GHSA-wfg4-322g-9vqv', 'medium', '0.6.2'],
      ['RUSTSEC-2023-0045', 'medium', '0.6.2'],
      ['GHSA-43w2-9j62-hq99', 'critical', '1.6.1'],
      ['RUSTSEC-2021-0003', 'critical', '1.6.1']
    ]);
    // The record's own aliases, then its group's ids.
    expect(rule(r, 'RUSTSEC-2022-0041')).toMatchObject({
      aliases: ['GHSA-qc84-gqf4-9926', 'CVE-2022-23639'],
      cves: ['CVE-2022-23639']
    });
    expect(rule(r, 'GHSA-qc84-gqf4-9926')).toMatchObject({
      cves: ['CVE-2022-23639'],
      cvss3: { baseScore: 8.1 },
      name: 'crossbeam-utils Race Condition vulnerability'
    });
  });

  it('does not claim the other folders’ samples', () => {
    for (const folder of ['trivy', 'grype', 'cyclonedx', 'spdx', 'nessus', 'mdvm-defender']) {
      for (const file of sharedSamples(folder)) {
        const verdict = detectFormat(readBytes(file).subarray(0, SNIFF_BYTES), basename(file));
        expect(verdict.format, file).not.toBe('osv-scanner-json');
      }
    }
  });
});
