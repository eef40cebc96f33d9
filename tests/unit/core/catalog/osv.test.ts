import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildOsvPart } from '../../../../src/lib/core/catalog/osv';
import { osvPartSchema, type OsvEntry, type OsvPart } from '../../../../src/lib/core/catalog/parts';
import { fixture, hasShared, readBytes, SHARED_DIR } from '../../shared';

const OSV = fixture('catalog', 'osv');
const packBytes = (): Uint8Array => readBytes(join(OSV, 'rpm-pack.jsonl'));

function debianZip(): Uint8Array {
  const dir = join(OSV, 'debian-12');
  const files: Record<string, Uint8Array> = {};
  for (const f of readdirSync(dir).sort()) files[f] = readBytes(join(dir, f));
  return zipSync(files);
}

const find = (part: OsvPart | undefined, pkg: string, id: string): OsvEntry[] =>
  (part?.entries ?? []).filter((e) => e[1] === pkg && e[2] === id);

describe('OSV part builder: fixture packs and records', () => {
  it('reads a gzipped .jsonl pack into one tuple per package range, with CVEs, severity word and date', async () => {
    const { value, issues } = await buildOsvPart(
      [{ name: 'rocky.jsonl.gz', bytes: gzipSync(packBytes()) }],
      'rocky.jsonl.gz'
    );
    expect(osvPartSchema.safeParse(value).success).toBe(true);
    expect(find(value, 'bind-libs', 'RLSA-2024:1111')).toEqual([
      [
        'Rocky Linux:9',
        'bind-libs',
        'RLSA-2024:1111',
        '0',
        '32:9.16.23-18.el9_4.1',
        ['CVE-2023-50387', 'CVE-2023-50868'],
        'Important',
        '2024-04-30'
      ]
    ]);
    expect(value?.ecosystems).toEqual(['Rocky Linux:9']);
    expect(value?.snapshotDate).toBe('2024-08-21');
    expect(issues.map((i) => i.code).sort()).toEqual([
      'osv-last-affected',
      'osv-non-security',
      'osv-other-ecosystems',
      'osv-record-unreadable',
      'osv-withdrawn'
    ]);
  });

  it('writes one entry per (introduced, fixed) pair of a range', async () => {
    const { value } = await buildOsvPart([{ name: 'pack.jsonl', bytes: packBytes() }], 'pack.jsonl');
    expect(find(value, 'libtiff', 'RLSA-2024:2222').map((e) => [e[3], e[4]])).toEqual([
      ['4.4.0-2.el9', '4.4.0-8.el9'],
      ['4.5.0-1.el9', '4.5.0-3.el9']
    ]);
  });

  it('narrows a module-stream erratum to its stream and leaves the base package erratum alone', async () => {
    const { value } = await buildOsvPart([{ name: 'pack.jsonl', bytes: packBytes() }], 'pack.jsonl');
    expect(find(value, 'nginx', 'RLSA-2024:3333').map((e) => [e[3], e[4]])).toEqual([
      ['1:1.24', '1:1.24.0-4.module+el9.4.0+21744+1e8d5e5a.1']
    ]);
    // nginx-all-modules is in the module (its name starts with the module's) and shares the stream's version.
    expect(find(value, 'nginx-all-modules', 'RLSA-2024:3333')[0]?.[3]).toBe('1:1.24');
    expect(find(value, 'nginx', 'RLSA-2024:4444').map((e) => e[3])).toEqual(['0']);
  });

  it('groups unreadable records in one warning naming the file and lines', async () => {
    const { issues } = await buildOsvPart([{ name: 'pack.jsonl', bytes: packBytes() }], 'pack.jsonl');
    const bad = issues.find((i) => i.code === 'osv-record-unreadable');
    expect(bad).toMatchObject({ severity: 'warning', count: 2 });
    expect(bad?.message).toContain('pack.jsonl line 7: it is not valid JSON');
    expect(bad?.message).toContain('pack.jsonl line 10: it has no "id"');
  });

  it('leaves out bug-fix errata without CVE, withdrawn records, other ecosystems and last_affected ranges', async () => {
    const { value, issues } = await buildOsvPart([{ name: 'pack.jsonl', bytes: packBytes() }], 'pack.jsonl');
    const ids = new Set(value?.entries.map((e) => e[2]));
    expect(ids.has('RLBA-2024:5555')).toBe(false);
    expect(ids.has('RLSA-2023:0001')).toBe(false);
    expect(ids.has('GHSA-xxxx-yyyy-zzzz')).toBe(false);
    expect(find(value, 'openssh-server', 'RLSA-2024:6666').map((e) => e[4])).toEqual(['8.7p1-38.el9_4.1']);
    expect(issues.find((i) => i.code === 'osv-other-ecosystems')?.message).toContain('npm');
  });

  it('reads the official all.zip layout and counts its releases as covered', async () => {
    const { value, issues } = await buildOsvPart([{ name: 'all.zip', bytes: debianZip() }], 'Debian/all.zip');
    expect(issues).toEqual([]);
    expect(value?.ecosystems).toEqual(['Debian:11', 'Debian:12']);
    expect(find(value, 'openssl', 'DSA-5585-1')[0]).toEqual([
      'Debian:12',
      'openssl',
      'DSA-5585-1',
      '0',
      '3.0.13-1~deb12u1',
      ['CVE-2023-5678', 'CVE-2023-6129', 'CVE-2023-6237'],
      '',
      '2024-01-04'
    ]);
    // The CVE comes from `upstream`, the severity word from ecosystem_specific.urgency; no fix yet is "".
    expect(find(value, 'openssl', 'DEBIAN-CVE-2024-2511')[0]?.slice(5, 7)).toEqual([
      ['CVE-2024-2511'],
      'Low'
    ]);
    expect(find(value, 'zlib', 'DEBIAN-CVE-2023-45853')[0]?.slice(3, 7)).toEqual([
      '0',
      '',
      ['CVE-2023-45853'],
      'Unimportant'
    ]);
  });

  it('does not count single records as covering their release', async () => {
    const dsa = readBytes(join(OSV, 'debian-12', 'DSA-5610-1.json'));
    const { value } = await buildOsvPart([{ name: 'DSA-5610-1.json', bytes: dsa }], 'DSA-5610-1.json');
    expect(value?.entries).toHaveLength(1);
    expect(value?.ecosystems).toEqual([]);
  });

  it('keys SUSE records by the binary RPMs they list, with the database severity', async () => {
    const bytes = readBytes(join(OSV, 'suse-binaries.json'));
    const { value } = await buildOsvPart([{ name: 'suse.json', bytes }], 'suse.json');
    expect(value?.entries.map((e) => [e[0], e[1], e[6]])).toEqual([
      ['SUSE:Linux Enterprise Server 15 SP5', 'libopenssl3', 'Moderate'],
      ['SUSE:Linux Enterprise Server 15 SP5', 'openssl-3', 'Moderate']
    ]);
  });

  it('skips JSON files that are not OSV records with an info naming them', async () => {
    const { value, issues } = await buildOsvPart(
      [
        { name: 'vulnfeeds-parts.json', bytes: strToU8('[{"pkg_name":"apparmor"}]') },
        { name: 'CSAF-rhsa.json', bytes: strToU8('{"document":{"category":"csaf_vex"}}') },
        { name: 'DSA-5610-1.json', bytes: readBytes(join(OSV, 'debian-12', 'DSA-5610-1.json')) }
      ],
      'records'
    );
    expect(value?.entries).toHaveLength(1);
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'info', code: 'osv-not-a-record', count: 2 })
    ]);
    expect(issues[0]?.message).toContain('vulnfeeds-parts.json, CSAF-rhsa.json');
  });

  it('says what to import when a file is neither a pack, a zip nor a record', async () => {
    const { value, issues } = await buildOsvPart(
      [{ name: 'notes.txt', bytes: strToU8('hello') }],
      'notes.txt'
    );
    expect(value).toBeUndefined();
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'osv-not-recognised' });
    expect(issues[0]?.message).toContain('all.zip');
  });

  it('reports a cut-off gzip pack as an error and keeps the records read before the cut', async () => {
    const gz = gzipSync(packBytes());
    const { issues } = await buildOsvPart(
      [{ name: 'cut.jsonl.gz', bytes: gz.subarray(0, gz.length - 30) }],
      'cut'
    );
    expect(issues.some((i) => i.severity === 'error' && /cut short|could not be read/.test(i.message))).toBe(
      true
    );
  });
});

describe.skipIf(!hasShared)('OSV part builder: real records in ../shared', () => {
  const records = join(SHARED_DIR, 'catalog', 'osv', 'records');

  it('builds the whole AlmaLinux pack: 8, 9 and 10 covered, module streams narrowed, bug-fix errata left out', async () => {
    const bytes = readBytes(join(records, 'almalinux', 'almalinux-osv-all.jsonl.gz'));
    const started = performance.now();
    const { value, issues } = await buildOsvPart(
      [{ name: 'almalinux-osv-all.jsonl.gz', bytes }],
      'almalinux-osv-all.jsonl.gz'
    );
    const ms = performance.now() - started;
    const json = JSON.stringify(value);
    console.info(
      `[osv] AlmaLinux pack: ${value?.entries.length} entries, ${(json.length / 1e6).toFixed(2)} MB JSON, built in ${ms.toFixed(0)} ms`
    );
    expect(osvPartSchema.safeParse(value).success).toBe(true);
    expect(value?.ecosystems).toEqual(['AlmaLinux:10', 'AlmaLinux:8', 'AlmaLinux:9']);
    expect(value?.snapshotDate).toBe('2026-08-20');
    expect(issues).toEqual([expect.objectContaining({ code: 'osv-non-security', count: 1197 })]);
    expect(find(value, 'firefox', 'ALSA-2025:10073')).toEqual([
      [
        'AlmaLinux:10',
        'firefox',
        'ALSA-2025:10073',
        '0',
        '128.12.0-1.el10_0',
        ['CVE-2025-6424', 'CVE-2025-6425', 'CVE-2025-6429', 'CVE-2025-6430'],
        'Important',
        '2025-07-01'
      ]
    ]);
    // "ALSA-2022:5468: php:8.0 security update (Important)": the word in brackets at the end.
    expect(value?.entries.find((e) => e[2] === 'ALSA-2022:5468')?.[6]).toBe('Important');
    // A module stream's fix starts from the stream's first version.
    expect(find(value, 'nginx', 'ALSA-2026:29151')[0]?.slice(3, 5)).toEqual([
      '2:1.26',
      '2:1.26.3-9.module_el9.8.0+260+95b8e5ed.1'
    ]);
    expect(value?.entries.some((e) => /^AL[BE]A-/.test(e[2]) && e[5].length === 0)).toBe(false);
  });

  it('reads real Red Hat, Debian, Ubuntu and Alpine records: CVEs from upstream, aliases and the id itself', async () => {
    const names = [
      'redhat/RHSA-2024_4546.json',
      'debian/DSA-3029-1.json',
      'ubuntu/UBUNTU-CVE-2025-38094.json',
      'other/CVE-2018-5407.json'
    ];
    const { value } = await buildOsvPart(
      names.map((n) => ({ name: n, bytes: readFileSync(join(records, n)) })),
      'records'
    );
    expect(value?.ecosystems).toEqual([]);
    expect(find(value, 'git-lfs', 'RHSA-2024:4546').map((e) => [e[0], e[4], e[5], e[6]])).toContainEqual([
      'Red Hat:rhel_aus:8.6::appstream',
      '0:2.13.3-3.el8_6.1',
      ['CVE-2023-45288'],
      ''
    ]);
    expect(find(value, 'nginx', 'DSA-3029-1')[0]?.slice(0, 6)).toEqual([
      'Debian:7',
      'nginx',
      'DSA-3029-1',
      '0',
      '1.2.1-2.2+wheezy3',
      ['CVE-2014-3616']
    ]);
    expect(find(value, 'linux', 'UBUNTU-CVE-2025-38094')[0]?.slice(0, 7)).toEqual([
      'Ubuntu:Pro:14.04:LTS',
      'linux',
      'UBUNTU-CVE-2025-38094',
      '0',
      '',
      ['CVE-2025-38094'],
      'Medium'
    ]);
    expect(find(value, 'openssl', 'CVE-2018-5407').map((e) => e[0])).toContain('Alpine:v3.8');
    expect(find(value, 'openssl', 'CVE-2018-5407')[0]?.[5]).toEqual(['CVE-2018-5407']);
  });
});
