import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import {
  parseInstalledPrograms,
  sniffInstalledPrograms
} from '../../../../src/lib/core/parsers/windows-programs';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('windows-programs', name));

function parse(bytes: Uint8Array) {
  const result = parseInstalledPrograms(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(bytes: Uint8Array, chunk: number) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('windows-installed-programs', {
    host: (h) => hosts.push(h),
    rule: () => {}
  });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts, position: parser.position };
}

describe('installed programs from the Uninstall keys', () => {
  it('reads Export-Csv with the #TYPE line: blanks not counted, Wow6432Node as x86, an HKCU duplicate once', () => {
    const bytes = own('uninstall-keys-with-type-line.csv');
    const result = parse(bytes);
    const host = result.value.hosts[0] as HostObservation;
    expect(host.key).toBe('local');
    expect(host.software.map((s) => [s.name, s.version, s.vendor, s.architecture, s.installedOn])).toEqual([
      ['7-Zip 23.01 (x64)', '23.01', 'Igor Pavlov', undefined, '2024-01-05'],
      [
        'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135',
        '14.38.33135.0',
        'Microsoft Corporation',
        undefined,
        '2024-01-10'
      ],
      ['Mozilla Firefox (x64 en-US)', '124.0.2', 'Mozilla', undefined, undefined],
      [
        'Zoom Workplace (64-bit)',
        '6.0.2 (37469)',
        'Zoom Video Communications, Inc.',
        undefined,
        '2024-04-02'
      ],
      ['Notepad++ (64-bit x64)', '8.6.5', 'Notepad++ Team', undefined, undefined],
      [
        'Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.38.33135',
        '14.38.33135.0',
        'Microsoft Corporation',
        'x86',
        '2024-01-10'
      ],
      ['Google Chrome', '123.0.6312.106', 'Google LLC', 'x86', '2024-04-03'],
      ['Adobe Acrobat Reader DC', '24.001.20643', 'Adobe Systems Incorporated', 'x86', undefined]
    ]);
    expect(host.software.every((s) => s.ecosystem === 'windows-program')).toBe(true);
    expect(result.issues).toMatchObject([
      { code: 'entry-without-name', severity: 'info', count: 3, lines: [4, 5, 12] },
      { code: 'install-date-unreadable', severity: 'info', line: 13 },
      { code: 'duplicate-program', severity: 'info', line: 14 },
      { code: 'host-name-unknown', severity: 'warning' }
    ]);
    expect(detectFormat(bytes, 'programs.csv').format).toBe('windows-installed-programs');
  });

  it('streams ConvertTo-Json from Invoke-Command (UTF-16LE): hosts by PSComputerName, Office and SQL patches as KBs', () => {
    const bytes = own('uninstall-keys-invoke-2pcs.json');
    const result = parse(bytes);
    expect(
      result.value.hosts.map((h) => [
        h.key,
        h.software.map((s) => s.name),
        h.installedUpdates.map((u) => u.kb)
      ])
    ).toEqual([
      [
        'WS-DESIGN-02',
        [
          'Microsoft 365 Apps for enterprise - en-us',
          'Adobe Photoshop 2024',
          'Cisco Secure Client - AnyConnect VPN'
        ],
        ['KB5002537']
      ],
      [
        'SRV-SQL01',
        ['Microsoft SQL Server 2019 (64-bit)', 'Microsoft SQL Server 2019 Database Engine Services'],
        ['KB5033688']
      ]
    ]);
    expect(result.value.hosts[0]?.installedUpdates[0]).toEqual({
      kb: 'KB5002537',
      description:
        'Security Update for Microsoft Office LTSC Professional Plus 2021 (KB5002537) 64-Bit Edition',
      installedOn: '2024-01-10'
    });
    expect(codes(result.issues)).toEqual(['entry-without-name']);
    expect(result.issues[0]?.message).toContain('entry 4');
    // The same result whatever the chunk size: the JSON is parsed element by element as it arrives.
    for (const chunk of [1, 7, 4096]) {
      const streamed = viaRegistry(bytes, chunk);
      expect(streamed.hosts).toEqual(result.value.hosts);
      expect(streamed.counts).toEqual({
        assets: 2,
        findings: 0,
        installedUpdates: 2,
        software: 5,
        pendingUpdates: 0
      });
    }
  });

  it('reads -UseCulture CSV saved in the ANSI code page (windows-1252) with a line break inside a quoted field', () => {
    const result = parse(own('uninstall-keys-usedculture-ansi.csv'));
    expect(result.value.hosts[0]?.software.map((s) => [s.name, s.vendor, s.installedOn])).toEqual([
      ['Büro Plus Next 2024', 'Müller Software GmbH', '2024-02-01'],
      ['Lexware buchhaltung 2024', 'Haufe-Lexware GmbH & Co. KG', '2024-01-15'],
      ['WinRAR 7.00 (64-Bit)', 'win.rar GmbH', undefined]
    ]);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('reads Format-List output', () => {
    const bytes = own('uninstall-keys-list.txt');
    const result = parse(bytes);
    expect(result.value.hosts[0]?.software.map((s) => [s.name, s.version])).toEqual([
      ['VLC media player', '3.0.20'],
      ['Microsoft Visual Studio Code (User)', '1.88.0'],
      ['Java 8 Update 401 (64-bit)', '8.0.4010.10']
    ]);
    expect(viaRegistry(bytes, 3).counts).toMatchObject({ software: 3 });
  });

  it('gives the same records for a CSV fed one byte at a time (quoted line breaks across chunks)', () => {
    const bytes = own('uninstall-keys-with-type-line.csv');
    expect(viaRegistry(bytes, 1).hosts).toEqual(parse(bytes).value.hosts);
  });

  it('reports a cut-off JSON file after keeping the entries read before the cut', () => {
    const text =
      '[{"DisplayName":"Git","DisplayVersion":"2.44.0","Publisher":"The Git Development Community"},{"DisplayName":"Vi';
    const result = parse(utf8(text));
    expect(result.value.hosts[0]?.software.map((s) => s.name)).toEqual(['Git']);
    expect(result.issues[0]).toMatchObject({ severity: 'warning', code: 'json-not-well-formed' });
  });

  it('reports empty files, JSON null and other exports as errors, never as a machine without programs', () => {
    expect(parse(new Uint8Array()).issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    expect(parse(new Uint8Array([0xef, 0xbb, 0xbf, 0x0d, 0x0a])).issues).toMatchObject([
      { severity: 'error', code: 'empty-file' }
    ]);
    expect(parse(utf8('null')).issues).toMatchObject([{ severity: 'error', code: 'not-installed-programs' }]);
    const other = parse(utf8('"Name","Version","ProviderName"\r\n"Git","2.44.0","Programs"\r\n'));
    expect(other.value.hosts).toEqual([]);
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-installed-programs' }]);
    expect(sniffInstalledPrograms('"DisplayName"\r\n"Git"\r\n')).toBeUndefined();
  });
});

describe.skipIf(!hasShared)('installed-programs detection against ../shared/samples', () => {
  it('does not claim the samples of other folders', () => {
    const handler = handlerFor('windows-installed-programs');
    for (const folder of [
      'windows-installed-programs',
      'windows-qfe',
      'windows-systeminfo',
      'windows-missing-updates',
      'mdvm-defender',
      'trivy',
      'grype',
      'cyclonedx',
      'spdx',
      'nessus-csv'
    ]) {
      for (const path of sharedSamples(folder)) {
        const head = readBytes(path).subarray(0, SNIFF_BYTES);
        const verdict = handler?.sniff({ text: decodeText(head).text, head, fileName: basename(path) });
        expect(verdict, path).toBe(0);
      }
    }
  });
});
