import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { parseGetPackage } from '../../../../src/lib/core/parsers/get-package';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('get-package', name));

function parse(bytes: Uint8Array) {
  const result = parseGetPackage(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(bytes: Uint8Array, chunk = 61) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('get-package', { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

describe.skipIf(!hasShared)('Get-Package on ../shared/samples/windows-installed-programs', () => {
  const samples = sharedSamples('windows-installed-programs');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Checked by hand: "Name :" records per file and their ProviderName (Programs/msi → software, msu → KB).
  const expected: Record<string, { software: [string, string, string][]; kbs: string[]; codes: string[] }> = {
    'EXTRACTED_vuls_get-package_japanese_msu.txt': {
      software: [
        ['Git', '2.35.1.2', 'The Git Development Community'],
        ['Oracle Database 11g Express Edition', '11.2.0', 'Oracle']
      ],
      kbs: ['KB5021233'],
      codes: ['host-name-unknown']
    },
    'TRICKY_EXTRACTED_vuls_get-package_warning_bytes.txt': {
      software: [
        ['Oracle VM VirtualBox Guest Additions 6.1.0', '6.1.0.0', 'Oracle Corporation'],
        ['Vim 8.2 (x64)', '8.2', 'Bram Moolenaar et al.']
      ],
      kbs: [],
      codes: ['powershell-message', 'host-name-unknown']
    }
  };

  it('has an expectation for every sample file', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`reads ${name}: programs, msu KBs, problems; the registry and detection agree`, () => {
      const bytes = sample(name);
      const result = parse(bytes);
      expect(result.value.formatVersion).toBe('Format-List');
      expect(result.value.hosts.map((h) => h.key)).toEqual(['local']);
      const host = result.value.hosts[0] as HostObservation;
      expect(host.software.map((s) => [s.name, s.version, s.vendor])).toEqual(want.software);
      expect(host.software.every((s) => s.ecosystem === 'windows-program')).toBe(true);
      expect(host.installedUpdates.map((u) => u.kb)).toEqual(want.kbs);
      expect(codes(result.issues)).toEqual(want.codes);
      const streamed = viaRegistry(bytes);
      expect(streamed.hosts).toEqual(result.value.hosts);
      expect(streamed.counts).toEqual({
        assets: 1,
        findings: 0,
        installedUpdates: want.kbs.length,
        software: want.software.length,
        pendingUpdates: 0
      });
      expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), name).format).toBe('get-package');
    });
  }

  it('counts the msu cumulative update with an empty Version by the KB in its Japanese name', () => {
    const host = parse(sample('EXTRACTED_vuls_get-package_japanese_msu.txt')).value.hosts[0];
    expect(host?.installedUpdates).toEqual([
      {
        kb: 'KB5021233',
        description: '2022-12 x64 ベース システム用 Windows 10 Version 21H2 の累積更新プログラム (KB5021233)'
      }
    ]);
  });

  it('decodes the WARNING line’s 0xAE/0xAF bytes as « » (console code page) and skips it with an info problem', () => {
    const result = parse(sample('TRICKY_EXTRACTED_vuls_get-package_warning_bytes.txt'));
    expect(result.issues[0]).toMatchObject({ severity: 'info', code: 'powershell-message', line: 1 });
    expect(result.issues[0]?.detail).toBe(
      'WARNING: MSG:UnableToDownload «https://go.microsoft.com/fwlink/?LinkID=627338&clcid=0x409» «»'
    );
  });

  it('does not claim the samples of other folders', () => {
    const handler = handlerFor('get-package');
    for (const folder of [
      'windows-qfe',
      'windows-systeminfo',
      'windows-missing-updates',
      'linux-rpm',
      'linux-dpkg',
      'os-release',
      'nessus-csv',
      'qualys',
      'spdx',
      'cyclonedx'
    ]) {
      for (const path of sharedSamples(folder)) {
        const head = readBytes(path).subarray(0, SNIFF_BYTES);
        const verdict = handler?.sniff({ text: decodeText(head).text, head, fileName: basename(path) });
        expect(verdict, path).toBe(0);
      }
    }
  });
});

describe('Get-Package on hand-written fixtures', () => {
  it('reads the default table: cut names marked truncated, msu KBs, a cut msu name without KB not counted', () => {
    const bytes = own('get-package-table.txt');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('Format-Table');
    const host = result.value.hosts[0] as HostObservation;
    expect(host.software.map((s) => [s.name, s.version, s.ecosystem, s.truncated ?? false])).toEqual([
      ['Microsoft Edge', '123.0.2420.97', 'windows-program', false],
      ['Microsoft Visual C++ 2015-2...', '14.38.33135.0', 'windows-program', true],
      ['Microsoft Visual C++ 2022 X...', '14.38.33135', 'windows-program', true],
      ['7-Zip 23.01 (x64 edition)', '23.01.00.0', 'windows-program', false],
      ['PSWindowsUpdate', '2.2.1.5', 'powershell', false],
      ['Notepad++ (64-bit x64)', '8.6.5', 'windows-program', false]
    ]);
    expect(host.installedUpdates.map((u) => u.kb)).toEqual(['KB5034441']);
    expect(result.issues).toMatchObject([
      { code: 'update-without-kb', severity: 'info', line: 9 },
      { code: 'names-cut', severity: 'warning', line: 5 },
      { code: 'host-name-unknown', severity: 'warning' }
    ]);
    expect(viaRegistry(bytes).counts).toMatchObject({ software: 6, installedUpdates: 1 });
    expect(detectFormat(bytes, 'packages.txt').format).toBe('get-package');
  });

  it('reads Export-Csv from Invoke-Command: PSComputerName names the host, msi+Programs duplicates count once', () => {
    const result = parse(own('get-package-invoke.csv'));
    expect(result.value.hosts.map((h) => [h.key, h.hostname])).toEqual([['WS-DESIGN-02', 'WS-DESIGN-02']]);
    const host = result.value.hosts[0] as HostObservation;
    expect(host.software.map((s) => s.name)).toEqual([
      'Google Chrome',
      'Microsoft 365 Apps for enterprise - en-us',
      'Adobe Acrobat (64-bit)',
      'Zoom Workplace (64-bit)'
    ]);
    expect(host.installedUpdates.map((u) => u.kb)).toEqual(['KB5036893']);
    expect(result.issues).toMatchObject([
      { code: 'duplicate-program', line: 5 },
      { code: 'update-without-kb', line: 8 }
    ]);
  });

  it('reports empty files and other exports as errors', () => {
    expect(parse(new Uint8Array()).issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    const other = parse(utf8('"DisplayName","DisplayVersion"\r\n"Git","2.44.0"\r\n'));
    expect(other.value.hosts).toEqual([]);
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-get-package', line: 1 }]);
  });
});
