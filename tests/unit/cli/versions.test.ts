import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, REPO_DIR } from '../shared';
import { hasOracles, ORACLES_DIR, readOracle, type OraclePair } from '../core/versions/oracle';

function versions(args: string[], input: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('node', [join(REPO_DIR, 'bin/patchfield.js'), 'versions', ...args], {
    input,
    encoding: 'utf8',
    cwd: REPO_DIR,
    maxBuffer: 64 * 1024 * 1024
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Feeds the pairs as "a<TAB>b" lines and returns the printed signs, one per pair. */
function signs(
  scheme: string,
  pairs: { a: string; b: string }[]
): { code: number; out: number[]; stderr: string } {
  const r = versions(['--scheme', scheme], pairs.map((p) => `${p.a}\t${p.b}\n`).join(''));
  const lines = r.stdout.split('\n');
  expect(lines.pop()).toBe('');
  return { code: r.code, out: lines.map(Number), stderr: r.stderr };
}

function expectOracle(scheme: string, pairs: OraclePair[]): void {
  const { code, out, stderr } = signs(scheme, pairs);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(out).toHaveLength(pairs.length);
  const wrong = pairs.filter((p, i) => out[i] !== p.expected).map((p) => `line ${p.line}: ${p.a} ${p.b}`);
  expect(wrong).toEqual([]);
}

beforeAll(() => {
  execFileSync('node', ['scripts/build-cli.js'], { cwd: REPO_DIR });
});

describe.skipIf(!hasOracles)('patchfield versions on the shared oracles', () => {
  it('prints the expected column of dpkg-versions.tsv for all 4000 pairs', () => {
    expectOracle('dpkg', readOracle(join(ORACLES_DIR, 'dpkg-versions.tsv')));
  });

  it('prints the expected column of rpm-versions.tsv for all 4000 pairs', () => {
    expectOracle('rpm', readOracle(join(ORACLES_DIR, 'rpm-versions.tsv')));
  });

  it('answers 40,000 pairs in one process within seconds', () => {
    const pairs = readOracle(join(ORACLES_DIR, 'dpkg-versions.tsv'));
    const many = Array.from({ length: 10 }, () => pairs).flat();
    const started = performance.now();
    const { code, out } = signs('dpkg', many);
    const seconds = (performance.now() - started) / 1000;
    expect(code).toBe(0);
    expect(out).toHaveLength(40000);
    expect(out.slice(36000)).toEqual(pairs.map((p) => p.expected));
    expect(seconds).toBeLessThan(15);
  });
});

describe('patchfield versions', () => {
  it('prints the expected column of the dpkg and rpm test-suite cases', () => {
    expectOracle('dpkg', readOracle(fixture('versions', 'dpkg-cases.tsv')));
    expectOracle('rpm', readOracle(fixture('versions', 'rpm-cases.tsv')));
  });

  it('compares application versions and Windows builds', () => {
    expect(
      signs('semver', [
        { a: '1.0.0-rc.1', b: '1.0.0' },
        { a: 'v1.2', b: '1.2.0' },
        { a: '1.1.1w', b: '1.1.1' }
      ]).out
    ).toEqual([-1, 0, 1]);
    expect(
      signs('windows', [
        { a: '10.0.19045.4291', b: '19045.4291' },
        { a: '10.0.19045.4290', b: '10.0.19045.4291' },
        { a: '26100.1', b: '22631.4890' }
      ]).out
    ).toEqual([0, -1, 1]);
  });

  it('copies comments and blank lines, reads CRLF and a BOM, one output line per input line', () => {
    const r = versions(['--scheme', 'dpkg'], '\uFEFF# header\r\n1.0\t1.1\r\n\r\n2:1\t1:2\r\n');
    expect(r).toEqual({ code: 0, stdout: '# header\n-1\n\n1\n', stderr: '' });
  });

  it('names bad lines on stderr, answers the others and exits 2', () => {
    const r = versions(['--scheme', 'rpm'], '1.0\t1.1\nno tab here\n1.0\t1.0\n1\t2\t3\n1.1\t1.0\n');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('-1\n\n0\n\n1\n');
    expect(r.stderr).toContain(
      'line 2: expected two versions separated by one tab ("a<TAB>b"), found no tab'
    );
    expect(r.stderr).toContain(
      'line 4: expected two versions separated by one tab ("a<TAB>b"), found 2 tabs'
    );
    expect(r.stderr).toContain('2 of 5 lines were not "a<TAB>b" pairs');
  });

  it('refuses a missing or unknown scheme with the usage and exit 2', () => {
    const missing = versions([], '1\t2\n');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--scheme is required');
    const unknown = versions(['--scheme', 'maven'], '1\t2\n');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown scheme "maven"; use one of dpkg, rpm, semver, windows');
    expect(unknown.stdout).toBe('');
  });

  it('accepts --scheme=NAME and -s NAME', () => {
    expect(versions(['--scheme=semver'], '2\t10\n').stdout).toBe('-1\n');
    expect(versions(['-s', 'windows'], '19045.1\t19045.1\n').stdout).toBe('0\n');
  });

  it('lists the command in the general usage', () => {
    const r = spawnSync('node', [join(REPO_DIR, 'bin/patchfield.js'), '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('patchfield versions --scheme dpkg|rpm|semver|windows');
  });
});
