import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { parsePsWindowsUpdate } from '../../../../src/lib/core/parsers/pswindowsupdate';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('pswindowsupdate', name));

function parse(bytes: Uint8Array) {
  const result = parsePsWindowsUpdate(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(bytes: Uint8Array, chunk = 333) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('pswindowsupdate', { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

describe('PSWindowsUpdate Get-WindowsUpdate on hand-written fixtures', () => {
  it('reads the table: pending updates by KB, the I flag as installed, a driver without KB, hidden still pending', () => {
    const bytes = own('get-windowsupdate-table.txt');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('Format-Table');
    expect(result.value.hosts.map((h) => [h.key, h.hostname])).toEqual([['PC-RECEPTION', 'PC-RECEPTION']]);
    const host = result.value.hosts[0] as HostObservation;
    expect(host.pendingUpdates.map((p) => [p.kb, p.security ?? false, p.kind])).toEqual([
      ['KB5036892', false, 'windows-update'],
      ['KB5036608', false, 'windows-update'],
      ['KB890830', false, 'windows-update'],
      ['KB5034441', true, 'windows-update'],
      [undefined, false, 'windows-update']
    ]);
    expect(host.pendingUpdates[4]?.name).toBe('Intel - System - 10.1.19199.8340');
    // The table cut this title ("..."), the KB column still names the update.
    expect(host.pendingUpdates[0]?.name).toBe(
      '2024-04 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems...'
    );
    expect(host.installedUpdates.map((u) => u.kb)).toEqual(['KB2267602']);
    expect(result.issues).toMatchObject([
      { code: 'powershell-message', severity: 'info', line: 1 },
      { code: 'titles-cut', severity: 'info', line: 7 }
    ]);
    expect(viaRegistry(bytes).counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 1,
      software: 0,
      pendingUpdates: 5
    });
    expect(detectFormat(bytes, 'wu.txt').format).toBe('pswindowsupdate');
  });

  it('does not name the asset after a computer name the table cut ("DESKTOP-4...")', () => {
    const result = parse(own('get-wulist-cut-computername.txt'));
    expect(result.value.hosts.map((h) => [h.key, h.hostname, h.pendingUpdates.length])).toEqual([
      ['local', undefined, 2]
    ]);
    expect(result.issues[0]).toMatchObject({ severity: 'warning', code: 'host-name-cut', lines: [4, 5] });
    expect(result.issues[0]?.message).toContain('"DESKTOP-4..."');
    expect(codes(result.issues)).not.toContain('host-name-unknown');
  });

  it('reads Export-Csv with MsrcSeverity (security even when the title does not say it) and RebootRequired', () => {
    const result = parse(own('get-windowsupdate.csv'));
    expect(result.issues).toEqual([]);
    expect(result.value.hosts[0]?.pendingUpdates).toEqual([
      {
        name: '2024-03 Cumulative Update for Windows Server 2019 for x64-based Systems (KB5035849)',
        kb: 'KB5035849',
        kind: 'windows-update',
        security: true,
        rebootRequired: true
      },
      {
        name: '2024-04 Cumulative Update for .NET Framework 3.5, 4.7.2 and 4.8 for Windows Server 2019 for x64 (KB5036613)',
        kb: 'KB5036613',
        kind: 'windows-update',
        rebootRequired: false
      },
      {
        name: 'Microsoft SQL Server 2019 RTM Cumulative Update (CU) 22 KB5027702',
        kb: 'KB5029375',
        kind: 'windows-update',
        security: true,
        rebootRequired: false
      }
    ]);
  });

  it('reads Format-List output of the same objects', () => {
    const text =
      '\r\nComputerName : SRV-SQL01\r\nStatus       : -D-----\r\nKB           : KB5035849\r\nSize         : 598MB\r\nTitle        : 2024-03 Cumulative Update for Windows Server 2019 for x64-based Systems (KB5035849)\r\n\r\n';
    const result = parse(utf8(text));
    expect(result.value.formatVersion).toBe('Format-List');
    expect(result.value.hosts[0]?.pendingUpdates.map((p) => p.kb)).toEqual(['KB5035849']);
  });

  it('reports empty files and other exports as errors', () => {
    expect(parse(new Uint8Array()).issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    const history = parse(
      utf8('"Title","Operation","ResultCode","KB","Size"\n"x (KB5036893)","1","2","KB5036893","1MB"\n')
    );
    expect(history.issues).toMatchObject([{ severity: 'error', code: 'not-pswindowsupdate', line: 1 }]);
  });
});

describe.skipIf(!hasShared)('PSWindowsUpdate detection against ../shared/samples', () => {
  it('does not claim the samples of other folders', () => {
    const handler = handlerFor('pswindowsupdate');
    for (const folder of [
      'windows-qfe',
      'windows-systeminfo',
      'windows-missing-updates',
      'windows-installed-programs',
      'mdvm-defender',
      'nessus-csv',
      'qualys',
      'linux-yum'
    ]) {
      for (const path of sharedSamples(folder)) {
        const head = readBytes(path).subarray(0, SNIFF_BYTES);
        const verdict = handler?.sniff({ text: decodeText(head).text, head, fileName: basename(path) });
        expect(verdict, path).toBe(0);
      }
    }
  });
});
