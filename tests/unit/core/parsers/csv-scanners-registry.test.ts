import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileFormat, ImportCounts, Problem } from '../../../../src/lib/core/model';
import { listZip } from '../../../../src/lib/core/parsers/archive';
import { SNIFF_BYTES, detectFormat } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { FIXTURES_DIR, hasShared, readBytes, sharedSamples } from '../../shared';

/** The formats of the tabular scanner readers (Tenable, Greenbone and Qualys CSV, Defender). */
const MINE: FileFormat[] = ['tenable-csv', 'openvas-csv', 'qualys-csv', 'mdvm-zip', 'mdvm-json'];

/** Detection as the importer does it: the first 64 KB, and for a zip the names of its entries. */
function detect(path: string): ReturnType<typeof detectFormat> {
  const bytes = readBytes(path);
  const entries = path.endsWith('.zip') ? listZip(bytes).value.map((e) => e.name) : undefined;
  return detectFormat(bytes.subarray(0, SNIFF_BYTES), basename(path), entries);
}

/** Reads a file through the registry in chunks, as the importer does; counts with the shared tally. */
function importFile(path: string, format: FileFormat): { counts: ImportCounts; issues: readonly Problem[] } {
  const bytes = readBytes(path);
  const tally = createTally();
  const parser = createStreamParser(format, { host: (h) => tally.add(h), rule: () => {} });
  for (let at = 0; at < bytes.length; at += 1000) parser.write(bytes.subarray(at, at + 1000));
  parser.end();
  return { counts: tally.counts, issues: parser.issues };
}

const fixtures = (dir: string): string[] =>
  readdirSync(join(FIXTURES_DIR, dir))
    .sort()
    .map((f) => join(FIXTURES_DIR, dir, f));

/** Expected format, assets and findings of every own fixture (null: not one of these formats). */
const FIXTURES: Record<string, [FileFormat | null, number, number]> = {
  'nessus-pro-de-semicolon.csv': ['tenable-csv', 2, 5],
  'tenable-io-assets.csv': ['tenable-csv', 2, 4],
  'tenable-sc-vuln-detail.csv': ['tenable-csv', 2, 3],
  'not-tenable-rmm-assets.csv': [null, 0, 0],
  'gvm22-results-two-hosts.csv': ['openvas-csv', 2, 4],
  'gvm-results-no-rows.csv': ['openvas-csv', 0, 0],
  'scan-results-preamble.csv': ['qualys-csv', 2, 4],
  'vm-detections-uk-dates.csv': ['qualys-csv', 2, 3],
  'pci-no-vulnerabilities.csv': ['qualys-csv', 0, 0],
  'defender-export-2-machines.zip': ['mdvm-zip', 3, 7],
  'machines-only.zip': ['mdvm-zip', 2, 0],
  'software-vulnerabilities-by-machine.json': ['mdvm-json', 1, 2],
  'truncated-page.json': ['mdvm-json', 2, 5],
  'null.json': [null, 0, 0]
};

describe('detection and the registry on own fixtures', () => {
  const files = ['tenable-csv', 'openvas-csv', 'qualys-csv', 'mdvm'].flatMap(fixtures);

  it('has an expectation for every own fixture', () => {
    expect(files.map((p) => basename(p)).sort()).toEqual(Object.keys(FIXTURES).sort());
  });

  for (const [name, [format, assets, findings]] of Object.entries(FIXTURES)) {
    it(`${format ? `detects ${name} as ${format} and imports ${assets} assets, ${findings} findings` : `does not take ${name} for a scanner export`}`, () => {
      const path = files.find((p) => basename(p) === name) as string;
      const detection = detect(path);
      if (!format) {
        expect(MINE).not.toContain(detection.format);
        return;
      }
      expect(detection.format).toBe(format);
      const { counts, issues } = importFile(path, format);
      expect(issues.filter((i) => i.code === 'invalid-record')).toEqual([]);
      expect(counts).toMatchObject({ assets, findings, software: 0, pendingUpdates: 0, installedUpdates: 0 });
    });
  }

  it('does not take the generic CSV fixtures (Excel exports, preamble reports) for scanner exports', () => {
    for (const path of fixtures('csv')) expect(MINE, basename(path)).not.toContain(detect(path).format);
  });
});

describe.skipIf(!hasShared)('detection and the registry on shared samples', () => {
  /** Format, assets and findings per shared sample of these readers (checked with Python, see the format tests). */
  const SAMPLES: Record<string, [FileFormat, number, number]> = {
    'defectdojo_tenablesc_many_vuln.csv': ['tenable-csv', 2, 4],
    'defectdojo_nessus_pro_template_mskb.csv': ['tenable-csv', 2, 5],
    'defectdojo_tenable_65col_blank_headers.csv': ['tenable-csv', 2, 20],
    'defectdojo_gvm_results_43rows.csv': ['openvas-csv', 1, 43],
    'defectdojo_qualys_vm_detections_agent.csv': ['qualys-csv', 4, 6],
    'defectdojo_qualys_vmdr_cve_preamble.csv': ['qualys-csv', 5, 5],
    'defectdojo_qualys_pci_monthly.csv': ['qualys-csv', 1, 1],
    'defectdojo_mdvm_win11_421vulns.zip': ['mdvm-zip', 1, 421],
    'defectdojo_mdvm_api_many_vulns.json': ['mdvm-json', 1, 4]
  };
  const mine = [
    ...sharedSamples('nessus-csv'),
    ...sharedSamples('openvas').filter((p) => p.endsWith('.csv')),
    ...sharedSamples('qualys').filter((p) => p.endsWith('.csv')),
    ...sharedSamples('mdvm-defender')
  ];

  it('has an expectation for every shared sample of these formats', () => {
    expect(mine.map((p) => basename(p)).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  for (const [name, [format, assets, findings]] of Object.entries(SAMPLES)) {
    it(`detects ${name} as ${format} and imports ${assets} assets, ${findings} findings through the registry`, () => {
      const path = mine.find((p) => basename(p) === name) as string;
      expect(detect(path)).toEqual({ format });
      const { counts, issues } = importFile(path, format);
      expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(counts).toMatchObject({ assets, findings });
    });
  }

  it('leaves the other folders’ samples, and the XML reports beside the CSVs, to their own readers', () => {
    const others = [
      'nessus',
      'nmap',
      'trivy',
      'grype',
      'osv-scanner',
      'cyclonedx',
      'spdx',
      'rapid7-nexpose',
      'os-release',
      'linux-dpkg',
      'linux-apt',
      'linux-rpm',
      'linux-yum',
      'windows-systeminfo',
      'windows-qfe',
      'windows-missing-updates',
      'windows-installed-programs'
    ].flatMap((folder) => sharedSamples(folder));
    const xml = [...sharedSamples('openvas'), ...sharedSamples('qualys')].filter((p) => !p.endsWith('.csv'));
    expect(others.length).toBeGreaterThan(40);
    for (const path of [...others, ...xml]) {
      const detection = detect(path);
      expect(MINE, `${basename(path)} → ${detection.format}`).not.toContain(detection.format);
    }
  });
});
