import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type FileFormat, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { parseWingetList, parseWingetUpgrade, sniffWinget } from '../../../../src/lib/core/parsers/winget';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('winget', name));

function parse(format: 'winget-list' | 'winget-upgrade', bytes: Uint8Array) {
  const result = format === 'winget-list' ? parseWingetList(bytes) : parseWingetUpgrade(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(format: FileFormat, bytes: Uint8Array, chunk = 129) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser(format, { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

describe('winget list', () => {
  it('skips the spinner and progress bar, reads every row as software and rows with Available as pending', () => {
    const bytes = own('winget-list-utf8-progress.txt');
    const result = parse('winget-list', bytes);
    const host = result.value.hosts[0] as HostObservation;
    expect(host.key).toBe('local');
    expect(host.software.map((s) => [s.name, s.version, s.ecosystem, s.truncated ?? false])).toEqual([
      ['Microsoft Edge', '123.0.2420.97', 'winget', false],
      ['Git', '2.43.0', 'winget', false],
      ['Microsoft Visual C++ 2015-2022 Redist…', '14.38.33130.0', 'winget', true],
      ['7-Zip 23.01 (x64)', '23.01', 'winget', false],
      ['サクラエディタ', '2.4.2.6048', 'winget', false],
      ['Zoom Workplace (64-bit)', '6.0.2 (37469)', 'winget', false],
      ['Microsoft Teams classic', '1.6.00.4472', 'windows-program', false],
      ['Cortana', '4.2308.1005.0', 'windows-program', false],
      ['Windows Terminal', '1.19.10573.0', 'winget', false],
      ['Adobe Acrobat Reader DC (64-bit)', undefined, 'winget', false],
      ['Microsoft .NET Runtime - 6.0.28 (x64)', undefined, 'winget', false],
      ['MSIX\\Microsoft.ZuneMusic_11.2402.7.0_…', '11.2402.7.0', 'msix', true]
    ]);
    expect(host.pendingUpdates).toEqual([
      { name: 'Git', version: '2.44.0', currentVersion: '2.43.0', repository: 'winget', kind: 'application' },
      {
        name: 'Microsoft Visual C++ 2015-2022 Redist…',
        version: '14.38.33135.0',
        currentVersion: '14.38.33130.0',
        repository: 'winget',
        kind: 'application'
      },
      {
        name: 'Zoom Workplace (64-bit)',
        version: '6.0.4 (38135)',
        currentVersion: '6.0.2 (37469)',
        repository: 'winget',
        kind: 'application'
      },
      {
        name: 'Adobe Acrobat Reader DC (64-bit)',
        version: '24.002.20687',
        repository: 'winget',
        kind: 'application'
      },
      {
        name: 'Microsoft .NET Runtime - 6.0.28 (x64)',
        version: '6.0.29',
        repository: 'winget',
        kind: 'application'
      }
    ]);
    expect(result.issues).toMatchObject([
      { code: 'version-unknown', severity: 'info', lines: [12, 13] },
      { code: 'names-cut', severity: 'warning', line: 5 },
      { code: 'host-name-unknown', severity: 'warning' }
    ]);
    expect(viaRegistry('winget-list', bytes).counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: 12,
      pendingUpdates: 5
    });
    expect(detectFormat(bytes, 'winget.txt').format).toBe('winget-list');
  });

  it('reads a list without the Available column', () => {
    const text =
      'Name    Id                                    Version       Source\r\n' +
      '-'.repeat(66) +
      '\r\nGit     Git.Git                               2.43.0        winget\r\n' +
      'Cortana Microsoft.549981C3F5F10_8wekyb3d8bbwe 4.2308.1005.0\r\n';
    expect(sniffWinget(text)).toBe('winget-list');
    const host = parse('winget-list', utf8(text)).value.hosts[0];
    expect(host?.software.map((s) => [s.name, s.version, s.ecosystem])).toEqual([
      ['Git', '2.43.0', 'winget'],
      ['Cortana', '4.2308.1005.0', 'windows-program']
    ]);
    expect(host?.pendingUpdates).toEqual([]);
  });

  it('fuzz case: a row whose name the progress bar redrew blank is skipped with a warning, not handed over nameless', () => {
    // Found by tests/unit/fuzz: the spinner duplicated into the .NET row left only the last redraw, whose Name
    // column is blank; the nameless package failed the model's schema and the whole import was refused.
    const text = new TextDecoder()
      .decode(own('winget-list-utf8-progress.txt'))
      .replace('Microsoft.DotNet.Runtime.6', `Microsoft| \r / \r${' '.repeat(39)}.DotNet.Runtime.6`);
    const result = parse('winget-list', utf8(text)); // checks the model's schema
    const names = result.value.hosts[0]?.software.map((s) => s.name) ?? [];
    expect(names).toContain('Git');
    expect(names).not.toContain('');
    expect(result.issues).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'row-without-name', line: 13 })
    );
    expect(codes(viaRegistry('winget-list', utf8(text)).issues)).not.toContain('invalid-record');
  });
});

describe('winget upgrade', () => {
  it('repairs "ΓÇª" from Windows PowerShell 5.1 so the row’s columns line up, and reads the pinned-packages table', () => {
    const bytes = own('winget-upgrade-ps51-mojibake.txt');
    const result = parse('winget-upgrade', bytes);
    const host = result.value.hosts[0] as HostObservation;
    expect(host.software).toEqual([]);
    expect(host.pendingUpdates.map((p) => [p.name, p.currentVersion, p.version])).toEqual([
      ['Git', '2.43.0', '2.44.0'],
      ['Microsoft Visual C++ 2015-2022 Redist…', '14.38.33130.0', '14.38.33135.0'],
      ['Zoom Workplace (64-bit)', '6.0.2 (37469)', '6.0.4 (38135)'],
      ['Mozilla Firefox (x64 en-US)', '124.0.1', '124.0.2'],
      ['Discord', '1.0.9035', '1.0.9147']
    ]);
    expect(codes(result.issues)).toEqual(['names-cut', 'host-name-unknown']);
    expect(viaRegistry('winget-upgrade', bytes).counts).toMatchObject({ pendingUpdates: 5, software: 0 });
    expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), 'upgrade.txt').format).toBe('winget-upgrade');
  });

  it('says there is nothing to upgrade for "No applicable upgrade found." instead of rejecting the file', () => {
    const bytes = own('winget-upgrade-nothing.txt');
    const result = parse('winget-upgrade', bytes);
    expect(result.value.hosts.map((h) => [h.key, h.pendingUpdates.length])).toEqual([['local', 0]]);
    expect(result.issues).toMatchObject([
      { severity: 'info', code: 'no-updates' },
      { severity: 'warning', code: 'host-name-unknown' }
    ]);
    expect(detectFormat(bytes, 'upgrade.txt').format).toBe('winget-upgrade');
  });

  it('warns when the "N upgrades available." count differs from the rows', () => {
    const text =
      'Name Id      Version Available Source\r\n--------------------------------------\r\nGit  Git.Git 2.43.0  2.44.0    winget\r\n\r\n3 upgrades available.\r\n';
    const result = parse('winget-upgrade', utf8(text));
    expect(result.issues[0]).toMatchObject({ severity: 'warning', code: 'upgrade-count-mismatch', line: 5 });
  });

  it('reports empty files and other text as errors', () => {
    expect(parse('winget-list', new Uint8Array()).issues).toMatchObject([
      { severity: 'error', code: 'empty-file' }
    ]);
    const other = parse('winget-list', utf8('Name : Git\r\nVersion : 2.44\r\n'));
    expect(other.value.hosts).toEqual([]);
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-winget', line: 1 }]);
  });
});

describe.skipIf(!hasShared)('winget detection against ../shared/samples', () => {
  it('does not claim the samples of other folders', () => {
    for (const format of ['winget-list', 'winget-upgrade'] as const) {
      const handler = handlerFor(format);
      for (const folder of [
        'windows-qfe',
        'windows-systeminfo',
        'windows-missing-updates',
        'windows-installed-programs',
        'linux-dpkg',
        'linux-yum',
        'linux-apt',
        'nmap',
        'os-release'
      ]) {
        for (const path of sharedSamples(folder)) {
          const head = readBytes(path).subarray(0, SNIFF_BYTES);
          const verdict = handler?.sniff({ text: decodeText(head).text, head, fileName: basename(path) });
          expect(verdict, `${format} ${path}`).toBe(0);
        }
      }
    }
  });
});
