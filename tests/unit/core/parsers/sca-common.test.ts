import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../../src/lib/core/model';
import {
  compareLooseVersions,
  createJsonStreamParser,
  cvss2BaseScore,
  cvss3BaseScore,
  ecosystemFromOsv,
  ecosystemFromSyftType,
  ecosystemFromTrivyType,
  osFromDistro,
  parsePurl,
  qualifiedName,
  severityFromScore,
  severityFromText,
  splitTrivyTarget,
  type JsonDocumentReader,
  type JsonKey,
  type JsonOutcome
} from '../../../../src/lib/core/parsers/sca-common';
import { hasShared, SHARED_DIR } from '../../shared';

describe('parsePurl', () => {
  it('reads type, namespace, name, version and qualifiers of an OS package', () => {
    expect(parsePurl('pkg:deb/debian/bash@5.0-4?arch=amd64&distro=debian-10.2')).toEqual({
      type: 'deb',
      namespace: 'debian',
      name: 'bash',
      version: '5.0-4',
      qualifiers: { arch: 'amd64', distro: 'debian-10.2' }
    });
  });

  it('percent-decodes an npm scope and a version with an epoch', () => {
    expect(parsePurl('pkg:npm/%40babel/traverse@7.22.5')).toMatchObject({
      type: 'npm',
      namespace: '@babel',
      name: 'traverse',
      version: '7.22.5'
    });
    expect(parsePurl('pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1')?.qualifiers).toEqual({
      arch: 'x86_64',
      epoch: '1'
    });
  });

  it('keeps an unencoded npm scope and reads a purl without version', () => {
    expect(parsePurl('pkg:npm/@angular/core')).toEqual({
      type: 'npm',
      namespace: '@angular',
      name: 'core',
      qualifiers: {}
    });
  });

  it('refuses the broken purls of the bad-purls SBOM (no name, no type, no scheme)', () => {
    for (const bad of [
      'pkg:pypi/',
      'pkg:///',
      '/',
      'pkg:apk/alpine/@1.36.1-r27?arch=x86_64',
      'npm/lodash@1.0',
      'pkg:npm/%E0%A4%A@1'
    ]) {
      expect(parsePurl(bad), bad).toBeUndefined();
    }
    expect(parsePurl(undefined)).toBeUndefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        parsePurl(s);
        parsePurl(`pkg:${s}`);
      })
    );
  });

  it('writes package names the way each ecosystem does (Maven group:artifact, Composer vendor/name)', () => {
    expect(
      qualifiedName('log4j-core', parsePurl('pkg:maven/org.apache.logging.log4j/log4j-core@2.13.2'))
    ).toBe('org.apache.logging.log4j:log4j-core');
    expect(qualifiedName('stack-cors', parsePurl('pkg:composer/asm89/stack-cors@1.3.0'))).toBe(
      'asm89/stack-cors'
    );
    // The namespace of an OS package is the distribution, not part of the name.
    expect(qualifiedName('bash', parsePurl('pkg:deb/debian/bash@5.0-4'))).toBe('bash');
    // A name that already carries its scope is left alone.
    expect(qualifiedName('@babel/traverse', parsePurl('pkg:npm/%40babel/traverse@7.22.5'))).toBe(
      '@babel/traverse'
    );
  });
});

describe('ecosystem names', () => {
  it('maps Trivy, Grype/Syft and OSV names to purl types', () => {
    expect(
      ['debian', 'alpine', 'amazon', 'node-pkg', 'pip', 'gomod', 'jar', 'bundler'].map(ecosystemFromTrivyType)
    ).toEqual(['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'gem']);
    expect(
      ['deb', 'python', 'java-archive', 'go-module', 'rust-crate', 'php-composer'].map(ecosystemFromSyftType)
    ).toEqual(['deb', 'pypi', 'maven', 'golang', 'cargo', 'composer']);
    expect(
      ['crates.io', 'Go', 'PyPI', 'Packagist', 'Debian:11', '', undefined].map(ecosystemFromOsv)
    ).toEqual(['cargo', 'golang', 'pypi', 'composer', 'deb', undefined, undefined]);
  });
});

describe('severities and CVSS', () => {
  it('reads every tool’s severity words', () => {
    expect(
      ['CRITICAL', 'High', 'MODERATE', 'medium', 'Low', 'Negligible', 'none', 'UNKNOWN', ''].map(
        severityFromText
      )
    ).toEqual(['critical', 'high', 'medium', 'medium', 'low', 'info', 'info', undefined, undefined]);
    expect([9.8, 7, 6.9, 4, 0.1, 0, undefined].map(severityFromScore)).toEqual([
      'critical',
      'high',
      'medium',
      'medium',
      'low',
      'info',
      undefined
    ]);
  });

  it('scores CVSS v3.1 and v3.0 vectors as the FIRST calculator does', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H')).toBe(10);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(8.1);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N')).toBe(7.7);
    expect(cvss3BaseScore('CVSS:3.0/AV:L/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:H')).toBe(6.4);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N')).toBe(0);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L')).toBeUndefined();
    expect(cvss3BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N')).toBeUndefined();
  });

  it('scores CVSS v2 vectors', () => {
    expect(cvss2BaseScore('AV:N/AC:L/Au:N/C:C/I:C/A:C')).toBe(10);
    expect(cvss2BaseScore('AV:N/AC:M/Au:N/C:C/I:C/A:C')).toBe(9.3);
    expect(cvss2BaseScore('AV:L/AC:L/Au:N/C:P/I:P/A:P')).toBe(4.6);
    expect(cvss2BaseScore('AV:N/AC:M/Au:N/C:N/I:P/A:N')).toBe(4.3);
  });

  it.skipIf(!hasShared)(
    'agrees with every vector/score pair Trivy and Grype wrote in the shared samples',
    () => {
      const pairs = new Map<string, { vector: string; score: number; version: 2 | 3 }>();
      const collect = (v: unknown): void => {
        if (Array.isArray(v)) return v.forEach(collect);
        if (!v || typeof v !== 'object') return;
        const o = v as Record<string, unknown>;
        const add = (vector: unknown, score: unknown, version: 2 | 3) => {
          if (typeof vector === 'string' && vector && typeof score === 'number')
            pairs.set(`${vector}|${score}`, { vector, score, version });
        };
        add(o.V3Vector, o.V3Score, 3);
        add(o.V2Vector, o.V2Score, 2);
        const vec = o.vector;
        const version = typeof vec === 'string' && vec.startsWith('CVSS:3') ? 3 : 2;
        add(vec, o.baseScore, version);
        add(vec, (o.metrics as Record<string, unknown> | undefined)?.baseScore, version);
        Object.values(o).forEach(collect);
      };
      for (const f of [
        'trivy/trivy_ubuntu1804_image.json',
        'trivy/defectdojo_trivy_all_statuses_debian10.json',
        'trivy/defectdojo_trivy_legacy_list_debian10_93vulns.json',
        'grype/defectdojo_grype_debian10_327matches.json',
        'grype/defectdojo_grype_busybox_epss.json'
      ]) {
        collect(JSON.parse(readFileSync(`${SHARED_DIR}/samples/${f}`, 'utf8')));
      }
      expect(pairs.size).toBeGreaterThan(100);
      for (const { vector, score, version } of pairs.values()) {
        expect(version === 3 ? cvss3BaseScore(vector) : cvss2BaseScore(vector), vector).toBe(score);
      }
      // trivy_amazonlinux2_vm_disk.json pairs AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:N/A:N with 7.5 (another CVE's score): the
      // vector itself scores 6.0, which is what Patchfield computes when only the vector is given.
      expect(cvss3BaseScore('CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:N/A:N')).toBe(6);
    }
  );
});

describe('distributions and versions', () => {
  it('names the OS of an image by its os-release ID, with the codename Trivy puts in parentheses', () => {
    expect(osFromDistro('amazon', '2 (Karoo)')).toEqual({
      family: 'linux',
      name: 'amazon 2 (Karoo)',
      version: '2',
      distro: { id: 'amzn', versionId: '2', codename: 'Karoo' }
    });
    expect(osFromDistro('redhat', '8.9')?.distro?.id).toBe('rhel');
    expect(osFromDistro('suse linux enterprise server', '15.5')?.distro?.id).toBe('sles');
    expect(osFromDistro('', '1')).toBeUndefined();
  });

  it('splits Trivy targets whose OS suffix has spaces or nested parentheses', () => {
    expect(splitTrivyTarget('debian (debian 10.8)')).toEqual({
      target: 'debian',
      os: 'debian',
      version: '10.8'
    });
    expect(splitTrivyTarget('disk.img (amazon 2 (Karoo))')).toEqual({
      target: 'disk.img',
      os: 'amazon',
      version: '2 (Karoo)'
    });
    expect(splitTrivyTarget('img:1 (suse linux enterprise server 15.3)')).toEqual({
      target: 'img:1',
      os: 'suse linux enterprise server',
      version: '15.3'
    });
    expect(splitTrivyTarget('app/package-lock.json')).toEqual({ target: 'app/package-lock.json' });
  });

  it('orders versions loosely: numbers as numbers, pre-releases before the release', () => {
    expect(compareLooseVersions('3.2.13', '3.2.4')).toBe(1);
    expect(compareLooseVersions('1.26.18', '1.26.17')).toBe(1);
    expect(compareLooseVersions('5.0.0-beta.3', '5.0.0')).toBe(-1);
    expect(compareLooseVersions('v1.33.0', '1.33.0')).toBe(0);
    expect(compareLooseVersions('1:1.0', '2.0')).toBe(1);
  });
});

/** A reader that records what the JSON reader hands over. */
function recorder(
  paths: string[]
): JsonDocumentReader & { seen: [JsonKey[], unknown][]; outcome?: JsonOutcome } {
  const r: JsonDocumentReader & { seen: [JsonKey[], unknown][]; outcome?: JsonOutcome } = {
    paths,
    seen: [],
    problems: [] as Problem[],
    record(keys, value) {
      r.seen.push([[...keys], value]);
    },
    finish(outcome) {
      r.outcome = outcome;
    }
  };
  return r;
}

function read(
  bytes: Uint8Array,
  paths: string[],
  streamAboveBytes: number | undefined,
  chunk = 1 << 20
): { seen: [JsonKey[], unknown][]; outcome?: JsonOutcome; issues: readonly Problem[] } {
  const r = recorder(paths);
  const parser = createJsonStreamParser(r, 'test report', 'Export it again.', { streamAboveBytes });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  return { seen: r.seen, outcome: r.outcome, issues: parser.issues };
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('the JSON reader', () => {
  const paths = ['$.name', '$.items.*', '$.groups.*.members.*'];
  const doc = {
    name: 'report',
    skipped: { big: 'x'.repeat(100), items: [1, 2] },
    items: [{ id: 1 }, { id: 2, nested: { deep: [1, 2, 3] } }],
    groups: [{ title: 'a', members: ['m1', 'm2'] }, { members: [] }, { members: [{ x: null }] }]
  };

  it('hands over the selected records in document order, whole-file and streamed alike', () => {
    const bytes = utf8(JSON.stringify(doc, null, 2));
    const whole = read(bytes, paths, undefined);
    expect(whole.seen).toEqual([
      [['name'], 'report'],
      [['items', 0], { id: 1 }],
      [['items', 1], { id: 2, nested: { deep: [1, 2, 3] } }],
      [['groups', 0, 'members', 0], 'm1'],
      [['groups', 0, 'members', 1], 'm2'],
      [['groups', 2, 'members', 0], { x: null }]
    ]);
    expect(whole.outcome).toEqual({ kind: 'value', root: 'object' });
    for (const chunk of [1, 3, 7, 64]) {
      const streamed = read(bytes, paths, 0, chunk);
      expect(streamed.seen, `chunks of ${chunk}`).toEqual(whole.seen);
      expect(streamed.outcome).toEqual(whole.outcome);
    }
  });

  it('streams exactly what JSON.parse reads, for any document and any chunking (property)', () => {
    const member = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null)
    );
    const record = fc.dictionary(
      fc.string({ maxLength: 6 }),
      fc.oneof(member, fc.array(member, { maxLength: 3 })),
      {
        maxKeys: 4
      }
    );
    const document = fc.record({
      name: fc.string(),
      items: fc.array(record, { maxLength: 6 }),
      groups: fc.array(fc.record({ members: fc.array(member, { maxLength: 4 }) }), { maxLength: 3 }),
      other: fc.array(record, { maxLength: 2 })
    });
    fc.assert(
      fc.property(document, fc.integer({ min: 1, max: 50 }), fc.boolean(), (d, chunk, pretty) => {
        const bytes = utf8(pretty ? JSON.stringify(d, null, 1) : JSON.stringify(d));
        const whole = read(bytes, paths, undefined);
        const streamed = read(bytes, paths, 0, chunk);
        expect(JSON.stringify(streamed.seen)).toBe(JSON.stringify(whole.seen));
        expect(whole.issues).toEqual([]);
        expect(streamed.issues).toEqual([]);
      }),
      { numRuns: 150 }
    );
  });

  it('reads UTF-16LE with BOM (PowerShell redirection) and UTF-8 with BOM, whole and streamed', () => {
    const text = JSON.stringify(doc);
    const le = new Uint8Array(2 + text.length * 2);
    le.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) le[2 + i * 2] = text.charCodeAt(i);
    const bom8 = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]);
    const expected = read(utf8(text), paths, undefined).seen;
    for (const bytes of [le, bom8]) {
      expect(read(bytes, paths, undefined).seen).toEqual(expected);
      expect(read(bytes, paths, 0, 5).seen).toEqual(expected);
      expect(read(bytes, paths, 0, 1).seen).toEqual(expected);
    }
  });

  it('says where JSON is broken, with line and column, in both modes', () => {
    const bytes = utf8('{\n  "name": "x",\n  "items": [1, 2,, 3]\n}\n');
    for (const mode of [undefined, 0]) {
      const r = read(bytes, paths, mode, 4);
      expect(r.outcome).toEqual({ kind: 'invalid' });
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({
        severity: 'error',
        code: 'json-not-well-formed',
        line: 3,
        column: 18
      });
      expect(r.issues[0]?.message).toMatch(/line 3, column 18.*test report.*Export it again/);
    }
  });

  it('tells a cut-off file from a damaged one', () => {
    const bytes = utf8('{\n  "name": "x",\n  "items": [{"id": 1},\n');
    for (const mode of [undefined, 0]) {
      const r = read(bytes, paths, mode, 3);
      expect(r.issues.map((p) => [p.code, p.line])).toEqual([['json-truncated', 4]]);
    }
  });

  it('reports 0 bytes, blank text and a lone BOM as empty, never as an empty report', () => {
    for (const [bytes, words] of [
      [new Uint8Array(0), '0 bytes'],
      [utf8(' \r\n\t'), 'only blank characters'],
      [new Uint8Array([0xef, 0xbb, 0xbf]), 'only a byte order mark'],
      [new Uint8Array([0xff, 0xfe]), 'only a byte order mark']
    ] as const) {
      for (const mode of [undefined, 0]) {
        const r = read(bytes, paths, mode);
        expect(r.outcome?.kind).toBe('empty');
        expect(r.issues.map((p) => p.code)).toEqual(['empty-file']);
        expect(r.issues[0]?.message).toContain(words);
      }
    }
  });

  it('tells the reader what the root is (null, array, object)', () => {
    expect(read(utf8('null'), paths, undefined).outcome).toEqual({ kind: 'value', root: 'null' });
    expect(read(utf8('null'), paths, 0).outcome).toEqual({ kind: 'value', root: 'null' });
    expect(read(utf8('[{"a":1}]'), paths, 0).outcome).toEqual({ kind: 'value', root: 'array' });
    expect(read(utf8('"text"'), paths, undefined).outcome).toEqual({ kind: 'value', root: 'string' });
  });

  it('keeps a reader that throws from losing the file: the record is reported and skipped', () => {
    const r = recorder(['$.items.*']);
    r.record = () => {
      throw new Error('boom');
    };
    const parser = createJsonStreamParser(r, 'test report', 'Export it again.');
    parser.write(utf8('{"items":[1]}'));
    expect(() => parser.end()).not.toThrow();
    expect(parser.issues.map((p) => p.code)).toEqual(['parser-failure']);
  });
});
