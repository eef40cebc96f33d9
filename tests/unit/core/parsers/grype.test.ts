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
import { createGrypeParser, parseGrype, sniffGrype } from '../../../../src/lib/core/parsers/grype';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { collectParse } from '../../../../src/lib/core/parsers/sca-common';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('grype', name));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function parseAllWays(bytes: Uint8Array): ParseResult<ParsedFile> {
  const whole = parseGrype(bytes);
  for (const chunk of [5, 65536]) {
    expect(
      collectParse('grype-json', (s) => createGrypeParser(s, { streamAboveBytes: 0 }), bytes, chunk)
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

function throughRegistry(bytes: Uint8Array, name: string) {
  expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), name).format, name).toBe('grype-json');
  const tally = createTally();
  const parser = createStreamParser('grype-json', { host: (h) => tally.add(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += 8192) parser.write(bytes.subarray(i, i + 8192));
  parser.end();
  expect(codes(parser.issues)).not.toContain('invalid-record');
  return tally.counts;
}

describe('Grype fixtures', () => {
  const r = parseAllWays(own('directory-npm-current-schema.json'));

  it('reads a directory scan in the current layout as an application without OS', () => {
    expect(r.value.formatVersion).toBe('grype 0.84.0');
    const h = only(r);
    expect(h).toMatchObject({
      key: '/srv/checkout/storefront',
      hostname: '/srv/checkout/storefront',
      kind: 'application',
      scanStart: '2024-11-20T10:02:33.871261+01:00'
    });
    expect(h.os).toBeUndefined();
    expect(h.hostIds).toBeUndefined();
    expect(h.software.map((s) => `${s.ecosystem}:${s.name}@${s.version}`)).toEqual([
      'npm:micromatch@4.0.5',
      'npm:http2-wrapper@2.2.1',
      'npm:ws@8.16.0'
    ]);
    expect(codes(r.issues)).toEqual(['partial-inventory']);
  });

  it('maps fix states and lists every fixed version', () => {
    expect(only(r).findings.map((f) => [f.ruleId, f.severity, f.state, f.fixedVersion])).toEqual([
      ['GHSA-952p-6rrq-rcjv', 'high', 'affected', '4.0.8'],
      // "Unknown" severity takes the CVSS rating (7.5); wont-fix is will_not_fix.
      ['CVE-2023-44487', 'high', 'will_not_fix', undefined],
      ['GHSA-3h5v-q93c-6h6q', 'medium', 'affected', '8.17.1, 7.5.10']
    ]);
    expect(only(r).findings[0]?.output).toBe('Installed: micromatch 4.0.5 (npm) at /package-lock.json');
  });

  it('takes CVEs, aliases and CVSS from related vulnerabilities when a GHSA matched', () => {
    expect(rule(r, 'GHSA-952p-6rrq-rcjv')).toMatchObject({
      scanner: 'grype',
      cves: ['CVE-2024-4067'],
      aliases: ['CVE-2024-4067'],
      riskFactor: 'High',
      family: 'github:language:javascript',
      cvss3: { baseScore: 5.3, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }
    });
    expect(rule(r, 'GHSA-952p-6rrq-rcjv').references).toContain(
      'https://github.com/micromatch/micromatch/issues/243'
    );
  });

  it('marks a CISA KEV entry (knownExploited) as exploit available', () => {
    expect(rule(r, 'CVE-2023-44487').exploitAvailable).toBe(true);
    expect(rule(r, 'GHSA-3h5v-q93c-6h6q').exploitAvailable).toBeUndefined();
  });

  it('refuses other JSON and null with an error', () => {
    for (const text of ['null', '{"results":[]}', '[]']) {
      const res = parseGrype(utf8(text));
      expect(res.value.hosts, text).toEqual([]);
      expect(
        res.issues.map((i) => [i.severity, i.code]),
        text
      ).toEqual([['error', 'not-grype']]);
    }
  });

  it('sniffs the old layout whose descriptor comes last, and the table output', () => {
    expect(
      sniffGrype(
        '{\n "matches": [\n  {\n   "vulnerability": {"id": "CVE-1"},\n   "matchDetails": {},\n   "artifact": {\n'
      )
    ).toBe('grype-json');
    expect(
      sniffGrype(
        'NAME      INSTALLED  FIXED-IN  TYPE  VULNERABILITY   SEVERITY\nbusybox   1.32.1               binary  CVE-2022-28391  High\n'
      )
    ).toBe('grype-table');
    expect(sniffGrype('{"SchemaVersion":2,"ArtifactName":"x"}')).toBeUndefined();
    const verdict = detectFormat(
      utf8('NAME  INSTALLED  FIXED-IN  TYPE  VULNERABILITY  SEVERITY\n'),
      'grype.txt'
    );
    expect(verdict.problem).toMatchObject({ code: 'grype-table' });
  });

  it('goes through detection and the registry', () => {
    expect(throughRegistry(own('directory-npm-current-schema.json'), 'grype.json')).toMatchObject({
      assets: 1,
      findings: 3,
      software: 3
    });
  });
});

/** Verified with python3: json.load, len(matches), distinct (name, version, type), severities mapped. */
const SAMPLES: Record<
  string,
  {
    formatVersion: string;
    hostname: string;
    os: { id: string; versionId: string };
    imageId: string;
    findings: number;
    software: number;
    rules: number;
    severity: Partial<Record<Severity, number>>;
    fixed: number;
    issues: string[];
  }
> = {
  'defectdojo_grype_busybox_epss.json': {
    formatVersion: 'grype 0.94.0',
    hostname: 'busybox:1.32.1',
    os: { id: 'busybox', versionId: '1.32.1' },
    imageId: 'sha256:388056c9a6838deea3792e8f00705b35b439cf57b3c9c2634fb4e95cfc896de6',
    findings: 15,
    software: 1,
    rules: 15,
    severity: { high: 10, medium: 2, low: 2, critical: 1 },
    fixed: 1,
    issues: ['partial-inventory']
  },
  'defectdojo_grype_debian10_327matches.json': {
    formatVersion: 'grype 0.7.0',
    hostname: 'defectdojo/defectdojo-django:1.13.1',
    os: { id: 'debian', versionId: '10' },
    imageId: 'sha256:6132ee54d5553df52183325a70c37c1edbd028b86616ed57e3e0622809235e47',
    findings: 327,
    software: 62,
    rules: 259,
    // 106 Negligible + 10 Unknown without any CVSS are informational.
    severity: { medium: 155, info: 116, low: 27, high: 24, critical: 5 },
    fixed: 28,
    issues: ['partial-inventory', 'severity-unknown']
  },
  'defectdojo_grype_no_matches.json': {
    formatVersion: 'grype 0.7.0',
    hostname: 'busybox:latest',
    os: { id: 'busybox', versionId: '1.32.1' },
    imageId: 'sha256:22667f53682a2920948d19c7133ab1c9c3f745805c14125859d20cede07f11f9',
    findings: 0,
    software: 0,
    rules: 0,
    severity: {},
    fixed: 0,
    issues: []
  }
};

describe.skipIf(!hasShared)('Grype shared samples', () => {
  const files = sharedSamples('grype');
  const sample = (name: string) => readBytes(files.find((f) => basename(f) === name) as string);

  it('has expectations for every sample in the folder', () => {
    expect(files.map((f) => basename(f)).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [name, want] of Object.entries(SAMPLES)) {
    it(`reads ${name}`, () => {
      const r = parseAllWays(sample(name));
      expect(r.value.formatVersion).toBe(want.formatVersion);
      const h = only(r);
      expect(h).toMatchObject({ key: want.hostname, hostname: want.hostname, kind: 'image' });
      expect(h.hostIds).toEqual([`image:${want.imageId}`]);
      expect(h.os).toMatchObject({ family: 'linux', distro: want.os });
      expect(h.findings).toHaveLength(want.findings);
      expect(h.software).toHaveLength(want.software);
      expect(r.value.rules).toHaveLength(want.rules);
      expect(bySeverity(h)).toEqual(want.severity);
      expect(h.findings.filter((f) => f.fixedVersion)).toHaveLength(want.fixed);
      expect(codes(r.issues)).toEqual(want.issues);
    });

    it(`detects ${name} as Grype and passes the registry’s schema check`, () => {
      const counts = throughRegistry(sample(name), name);
      expect(counts).toMatchObject({ assets: 1, findings: want.findings, software: want.software });
    });
  }

  it('reads the old 0.7 layout: Debian packages and Python packages, cvssV2/cvssV3, fixedInVersion', () => {
    const r = parseGrype(sample('defectdojo_grype_debian10_327matches.json'));
    const h = only(r);
    const eco: Record<string, number> = {};
    for (const f of h.findings)
      eco[f.package?.ecosystem ?? '?'] = (eco[f.package?.ecosystem ?? '?'] ?? 0) + 1;
    expect(eco).toEqual({ deb: 219, pypi: 108 });
    expect(h.findings.find((f) => f.ruleId === 'CVE-2021-24031')).toMatchObject({
      package: { name: 'libzstd1', ecosystem: 'deb' },
      fixedVersion: '1.3.8+dfsg-3+deb10u1',
      state: 'affected'
    });
    expect(rule(r, 'CVE-2019-18276')).toMatchObject({
      severity: 'info',
      riskFactor: 'Negligible',
      cvss2: { baseScore: 7.2, vector: 'AV:L/AC:L/Au:N/C:C/I:C/A:C' },
      references: ['https://security-tracker.debian.org/tracker/CVE-2019-18276']
    });
    const unknown = r.issues.find((i) => i.code === 'severity-unknown');
    expect(unknown?.count).toBe(10);
    expect(unknown?.message).toContain('CVE-2020-35523');
  });

  it('reads the current layout with EPSS: CVSS list, fix versions, the binary package', () => {
    const r = parseGrype(sample('defectdojo_grype_busybox_epss.json'));
    const h = only(r);
    expect(h.software).toEqual([
      { name: 'busybox', version: '1.32.1', ecosystem: 'generic', purl: 'pkg:generic/busybox@1.32.1' }
    ]);
    expect(h.os).toMatchObject({ architecture: 'amd64', distro: { idLike: ['busybox'] } });
    expect(h.findings.find((f) => f.fixedVersion)).toMatchObject({
      ruleId: 'CVE-2021-42376',
      fixedVersion: '1.34.0'
    });
    expect(rule(r, 'CVE-2022-28391')).toMatchObject({
      severity: 'high',
      cvss3: { baseScore: 8.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' },
      cvss2: { baseScore: 6.8 }
    });
  });

  it('reads a clean scan as the image with no findings (not an error)', () => {
    const r = parseGrype(sample('defectdojo_grype_no_matches.json'));
    expect(only(r).findings).toEqual([]);
    expect(r.issues).toEqual([]);
  });

  it('does not claim the other folders’ samples', () => {
    for (const folder of ['trivy', 'osv-scanner', 'cyclonedx', 'spdx', 'nessus', 'mdvm-defender', 'nmap']) {
      for (const file of sharedSamples(folder)) {
        const verdict = detectFormat(readBytes(file).subarray(0, SNIFF_BYTES), basename(file));
        expect(verdict.format, file).not.toBe('grype-json');
      }
    }
  });
});
