import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { parseGetHotFix, sniffGetHotFix } from '../../../../src/lib/core/parsers/get-hotfix';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('get-hotfix', name));

function parse(bytes: Uint8Array) {
  const result = parseGetHotFix(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(bytes: Uint8Array, chunk = 997) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('get-hotfix', { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

const dated = (h: HostObservation | undefined): [string, string | undefined][] =>
  (h?.installedUpdates ?? []).map((u) => [u.kb, u.installedOn]);

describe('Get-HotFix on hand-written fixtures', () => {
  it('reads Export-Csv with the "#TYPE Selected.System.Management.ManagementObject" line (en-US dates)', () => {
    const bytes = own('hotfix-select-with-type-line.csv');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('Export-Csv');
    expect(result.issues).toEqual([]);
    expect(result.value.hosts.map((h) => [h.key, h.hostname])).toEqual([['WS-DESIGN-02', 'WS-DESIGN-02']]);
    expect(dated(result.value.hosts[0])).toEqual([
      ['KB5034467', '2024-01-09'],
      ['KB5034441', '2024-01-17'],
      ['KB5011048', undefined],
      ['KB5036893', '2024-04-10']
    ]);
    expect(result.value.hosts[0]?.installedUpdates[1]?.description).toBe('Security Update');
    expect(viaRegistry(bytes).counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 4,
      software: 0,
      pendingUpdates: 0
    });
  });

  it('reads -UseCulture CSV without #TYPE (semicolons, UTF-8 BOM) with dd.MM.yyyy dates', () => {
    const result = parse(own('hotfix-de-usedculture.csv'));
    expect(result.issues).toEqual([]);
    expect(result.value.hosts[0]?.key).toBe('BUERO-PC3');
    expect(dated(result.value.hosts[0])).toEqual([
      ['KB5034467', '2024-01-09'],
      ['KB5034441', '2024-01-11'],
      ['KB5036892', '2024-04-10']
    ]);
  });

  it('reads Format-Table output of two servers (UTF-16LE): one host per Source, an empty InstalledOn kept undated', () => {
    const bytes = own('hotfix-table-2-servers.txt');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('Format-Table');
    expect(result.issues).toEqual([]);
    expect(result.value.hosts.map((h) => [h.key, dated(h)])).toEqual([
      [
        'SRV-DC01',
        [
          ['KB5034863', '2024-02-13'],
          ['KB5035849', '2024-03-12'],
          ['KB5035857', undefined]
        ]
      ],
      [
        'SRV-DC02',
        [
          ['KB5034863', '2024-02-14'],
          ['KB5035849', '2024-03-13']
        ]
      ]
    ]);
    expect(viaRegistry(bytes, 5).counts).toMatchObject({ assets: 2, installedUpdates: 5 });
  });

  it('leaves out dates when no date of the column tells day from month (09/01/2024, 11/01/2024, 10/04/2024)', () => {
    const result = parse(own('hotfix-table-ambiguous-dates.txt'));
    expect(dated(result.value.hosts[0])).toEqual([
      ['KB5034467', undefined],
      ['KB5034441', undefined],
      ['KB5036892', undefined]
    ]);
    expect(result.issues).toMatchObject([{ severity: 'warning', code: 'dates-ambiguous', line: 4 }]);
    expect(result.issues[0]?.message).toContain('yyyy-MM-dd');
  });

  it('leaves out dates when the column mixes two locales, never guessing row by row', () => {
    const result = parse(own('hotfix-two-locales-joined.csv'));
    expect(result.value.hosts.map((h) => [h.key, dated(h)])).toEqual([
      ['PC-A', [['KB5034467', undefined]]],
      ['PC-B', [['KB5034467', undefined]]]
    ]);
    expect(codes(result.issues)).toEqual(['dates-mixed-order']);
  });

  it('reads Format-List output (HotFixID only) as one unnamed machine with a warning', () => {
    const result = parse(utf8('\r\nHotFixID : KB5020872\r\n\r\nHotFixID : KB4562830\r\n\r\n'));
    expect(result.value.hosts.map((h) => [h.key, h.hostname, dated(h)])).toEqual([
      [
        'local',
        undefined,
        [
          ['KB5020872', undefined],
          ['KB4562830', undefined]
        ]
      ]
    ]);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('does not count "File 1" entries and tells why', () => {
    const result = parse(
      utf8('"Source","HotFixID","InstalledOn"\n"XP1","File 1",""\n"XP1","KB958644","12/12/2008"\n')
    );
    expect(dated(result.value.hosts[0])).toEqual([['KB958644', '2008-12-12']]);
    expect(result.issues).toMatchObject([{ severity: 'info', code: 'hotfix-without-kb', line: 2 }]);
  });

  it('is detected for each fixture, and wmic output is not taken for it', () => {
    for (const name of [
      'hotfix-select-with-type-line.csv',
      'hotfix-de-usedculture.csv',
      'hotfix-table-2-servers.txt',
      'hotfix-table-ambiguous-dates.txt',
      'hotfix-two-locales-joined.csv'
    ]) {
      expect(detectFormat(own(name), name).format, name).toBe('get-hotfix');
    }
    expect(sniffGetHotFix('Node,Caption,CSName,HotFixID\r\nPC1,,PC1,KB5034441\r\n')).toBe(false);
    expect(sniffGetHotFix('HotFixID   InstalledOn\r\nKB5034441  1/17/2024\r\n')).toBe(false);
  });

  it('reports empty files and other exports as errors', () => {
    expect(parse(new Uint8Array()).issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    expect(parse(new Uint8Array([0xef, 0xbb, 0xbf])).issues).toMatchObject([
      { severity: 'error', code: 'empty-file' }
    ]);
    const other = parse(utf8('"Name","Version"\n"Git","2.44.0"\n'));
    expect(other.value.hosts).toEqual([]);
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-get-hotfix', line: 1 }]);
  });
});

describe.skipIf(!hasShared)('Get-HotFix detection against ../shared/samples', () => {
  it('does not claim the samples of other folders', () => {
    const handler = handlerFor('get-hotfix');
    for (const folder of [
      'windows-qfe',
      'windows-systeminfo',
      'windows-missing-updates',
      'windows-installed-programs',
      'nessus-csv',
      'qualys',
      'openvas',
      'linux-dpkg',
      'os-release',
      'grype'
    ]) {
      for (const path of sharedSamples(folder)) {
        const head = readBytes(path).subarray(0, SNIFF_BYTES);
        const verdict = handler?.sniff({ text: decodeText(head).text, head, fileName: basename(path) });
        expect(verdict, path).toBe(0);
      }
    }
  });
});
