import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  computeResults,
  parseNessus,
  parseSystemInfo,
  parseWindowsBuildsCsv,
  resultsJson,
  type ParsedFile
} from '../../../src/lib/core';
import { fixture, hasShared, readBytes, REPO_DIR, sharedSamples } from '../shared';

interface InspectJson {
  file: string;
  format: string | null;
  counts: {
    assets: number;
    findings: number;
    installedUpdates: number;
    software: number;
    pendingUpdates: number;
  };
  assets: { hostname: string; ips: string[]; os: { name: string | null; build: number | null } }[];
  problems: { severity: string; message: string; line: number | null }[];
}

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('node', [join(REPO_DIR, 'bin/patchfield.js'), ...args], {
    encoding: 'utf8',
    cwd: REPO_DIR
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function inspect(path: string): { code: number; json: InspectJson; stderr: string } {
  const r = cli(['inspect', path, '--json']);
  return { code: r.code, json: JSON.parse(r.stdout) as InspectJson, stderr: r.stderr };
}

/** Distinct KB numbers per host, summed: the definition of counts.installedUpdates. */
function expectedInstalledUpdates(parsed: ParsedFile): number {
  return parsed.hosts.reduce((n, h) => n + new Set(h.installedUpdates.map((u) => u.kb)).size, 0);
}

beforeAll(() => {
  execFileSync('node', ['scripts/build-cli.js'], { cwd: REPO_DIR });
});

describe('patchfield CLI', () => {
  it('prints its version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('inspects the office scan: 2 assets, every ReportItem counted, installed KBs from QFE output', () => {
    const { code, json } = inspect(fixture('e2e', 'office.nessus'));
    expect(code).toBe(0);
    expect(json).toMatchObject({
      file: 'office.nessus',
      format: 'nessus-v2',
      counts: { assets: 2, findings: 5, installedUpdates: 2, software: 0, pendingUpdates: 0 }
    });
    expect(json.assets.map((a) => a.hostname)).toEqual(['PC-RECEPTION', 'SRV-FILES']);
    expect(json.assets[1]).toMatchObject({
      ips: ['10.20.0.5'],
      os: { name: 'Microsoft Windows Server 2022 Standard', build: 20348 }
    });
  });

  it('inspects systeminfo: host, build and distinct installed KBs', () => {
    const { code, json } = inspect(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'));
    expect(code).toBe(0);
    expect(json.format).toBe('systeminfo-text');
    expect(json.counts).toMatchObject({ assets: 1, findings: 0, installedUpdates: 4 });
    expect(json.assets[0]).toMatchObject({ hostname: 'PC-RECEPTION', os: { build: 19045 } });
    expect(json.assets[0]!.ips).toContain('10.20.0.15');
  });

  it('exits 2 with the supported formats on stderr for a file it cannot read, without a stack trace', () => {
    const { code, json, stderr } = inspect(fixture('e2e', 'not-an-export.txt'));
    expect(code).toBe(2);
    expect(json.format).toBeNull();
    expect(stderr).toContain('Patchfield reads');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a missing file and for an unknown command', () => {
    expect(cli(['inspect', '/nonexistent/file.nessus']).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
  });

  it('assess writes the same results as the core engine and a PDF naming every asset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-cli-'));
    const out = join(dir, 'report.pdf');
    const jsonPath = join(dir, 'results.json');
    const catalogCsv = fixture('catalog', 'windows-builds-small.csv');
    const nessusPath = fixture('e2e', 'office.nessus');
    const sysPath = fixture('e2e', 'PC-RECEPTION-systeminfo.txt');
    const r = cli([
      'assess',
      nessusPath,
      sysPath,
      '--catalog',
      catalogCsv,
      '--as-of',
      '2026-11-24',
      '--client',
      'Zahnarztpraxis Müller',
      '--out',
      out,
      '--json',
      jsonPath,
      '--generated-at',
      '2026-11-24T10:00:00.000Z'
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 assets: 0 up to date, 2 behind');

    const nessus = parseNessus(readBytes(nessusPath)).value;
    const sys = parseSystemInfo(readBytes(sysPath)).value;
    const rules = new Map(nessus.rules.map((r) => [`f1\u0000${r.ruleId}`, r]));
    const expected = computeResults({
      engagementId: 'cli',
      asOf: '2026-11-24',
      rules,
      ruleKey: (fileId, ruleId) => `${fileId}\u0000${ruleId}`,
      files: [
        { id: 'f1', name: basename(nessusPath), format: nessus.format },
        { id: 'f2', name: basename(sysPath), format: sys.format }
      ],
      hosts: [
        ...nessus.hosts.map((host) => ({
          fileId: 'f1',
          fileName: basename(nessusPath),
          format: nessus.format,
          host
        })),
        ...sys.hosts.map((host) => ({ fileId: 'f2', fileName: basename(sysPath), format: sys.format, host }))
      ],
      catalog: {
        windowsBuilds: parseWindowsBuildsCsv(readFileSync(catalogCsv, 'utf8'), basename(catalogCsv)).value
      }
    });
    // The same JSON whatever ids the runtime gave the files.
    expect(readFileSync(jsonPath, 'utf8')).toBe(`${resultsJson(expected)}\n`);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.skipIf(!hasShared)(
    'counts the real samples as the files say (pytenable 1 host/230 items, DefectDojo 7 hosts/296)',
    () => {
      const [pytenable] = sharedSamples('nessus').filter((p) => p.includes('pytenable_example_win10_agent'));
      const [dojo] = sharedSamples('nessus').filter((p) => p.includes('defectdojo_nessus_v_unknown_7hosts'));
      expect(inspect(pytenable!).json.counts).toMatchObject({ assets: 1, findings: 230 });
      expect(inspect(dojo!).json.counts).toMatchObject({ assets: 7, findings: 296 });
    }
  );

  describe.skipIf(!hasShared)('every shared Nessus and systeminfo sample', () => {
    for (const path of [...sharedSamples('nessus'), ...sharedSamples('windows-systeminfo')]) {
      const name = basename(path);
      const bad = /^(MALFORMED_|LEGACY_|WRONGROOT_)/.test(name);
      it(`${bad ? 'refuses' : 'reads'} ${name}`, () => {
        const { code, json, stderr } = inspect(path);
        expect(stderr).not.toMatch(/\n\s+at /);
        if (bad) {
          expect(code).toBe(2);
          expect(json.problems.some((p) => p.severity === 'error')).toBe(true);
          expect(stderr.length).toBeGreaterThan(10);
          return;
        }
        expect(code).toBe(0);
        const bytes = readBytes(path);
        const parsed = json.format === 'nessus-v2' ? parseNessus(bytes).value : parseSystemInfo(bytes).value;
        // The counts follow the files: one ReportItem is one finding; distinct KBs per host.
        const reportItems = (new TextDecoder().decode(bytes).match(/<ReportItem\b/g) ?? []).length;
        expect(json.counts.assets).toBe(parsed.hosts.length);
        if (json.format === 'nessus-v2') expect(json.counts.findings).toBe(reportItems);
        expect(json.counts.installedUpdates).toBe(expectedInstalledUpdates(parsed));
        if (json.format === 'systeminfo-text') {
          // An oracle independent of the parser: distinct "[NN]: KBnnnnnn" entries in the text.
          const text = new TextDecoder('latin1').decode(bytes);
          const kbs = new Set([...text.matchAll(/\[\d+\]:\s*KB(\d{6,7})(?!\d)/g)].map((m) => m[1]));
          expect(json.counts.installedUpdates).toBe(kbs.size);
        }
        expect(json.assets.length).toBe(json.counts.assets);
      });
    }
  });
});

describe('patchfield CLI on archives', () => {
  it('inspects a zip of several exports: one entry per file, counts summed, exit 0', async () => {
    const { zipSync } = await import('fflate');
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'pf-zip-'));
    const path = join(dir, 'visit.zip');
    writeFileSync(
      path,
      zipSync({
        'office.nessus': new Uint8Array(readFileSync(fixture('e2e', 'office.nessus'))),
        'pcs/PC-RECEPTION-systeminfo.txt': new Uint8Array(
          readFileSync(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'))
        ),
        'notes.txt': new Uint8Array(readFileSync(fixture('e2e', 'not-an-export.txt')))
      })
    );
    const r = cli(['inspect', path, '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as InspectJson & { entries: InspectJson[] };
    expect(json.format).toBe('zip');
    expect(json.entries.map((e) => [e.file, e.format])).toEqual([
      ['visit.zip/office.nessus', 'nessus-v2'],
      ['visit.zip/pcs/PC-RECEPTION-systeminfo.txt', 'systeminfo-text'],
      ['visit.zip/notes.txt', null]
    ]);
    expect(json.counts).toMatchObject({ assets: 3, findings: 5, installedUpdates: 6 });
    expect(r.stderr).toContain('notes.txt');
  });
});
