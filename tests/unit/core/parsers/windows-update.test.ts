import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type FileFormat, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import {
  parseMissingUpdates,
  parseUpdateHistory,
  sniffMissingUpdates,
  sniffUpdateHistory
} from '../../../../src/lib/core/parsers/windows-update';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('windows-update', name));

function parse(format: 'windows-update-history' | 'windows-missing-updates', bytes: Uint8Array) {
  const result = format === 'windows-update-history' ? parseUpdateHistory(bytes) : parseMissingUpdates(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(format: FileFormat, bytes: Uint8Array, chunk = 501) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser(format, { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

const kbs = (h: HostObservation | undefined): string[] => (h?.installedUpdates ?? []).map((u) => u.kb);

describe.skipIf(!hasShared)('Windows Update lists in ../shared/samples/windows-missing-updates', () => {
  const samples = sharedSamples('windows-missing-updates');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Checked by hand (python3): "KBnnnnnnn: title" lines per file, distinct KB+title pairs, titles with
  // "Security" that are not definition updates; for the history, KBs of Operation 1 / ResultCode 2 entries
  // minus the one uninstalled (Operation 2).
  const expected: Record<
    string,
    { format: FileFormat; installed: number; pending: number; security: number; codes: string[] }
  > = {
    'EXTRACTED_vuls_wu_history_japanese.txt': {
      format: 'windows-update-history',
      installed: 2,
      pending: 0,
      security: 0,
      codes: ['update-uninstalled', 'host-name-unknown']
    },
    'wesng_srv2012r2_missing_optional.txt': {
      format: 'windows-missing-updates',
      installed: 0,
      pending: 1,
      security: 0,
      codes: ['host-name-unknown']
    },
    'wesng_win10_1803_missing_updates_utf16.txt': {
      format: 'windows-missing-updates',
      installed: 0,
      pending: 2,
      security: 0,
      codes: ['host-name-unknown']
    },
    'wesng_win7sp1_missing_updates.txt': {
      format: 'windows-missing-updates',
      installed: 0,
      pending: 70,
      security: 11,
      codes: ['host-name-unknown']
    }
  };

  it('has an expectation for every sample file', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`reads ${name} as ${want.format}: counts, problems; the registry and detection agree`, () => {
      const bytes = sample(name);
      const result = parse(want.format as 'windows-update-history', bytes);
      expect(result.value.hosts).toHaveLength(1);
      const host = result.value.hosts[0] as HostObservation;
      expect(host.key).toBe('local');
      expect(host.installedUpdates).toHaveLength(want.installed);
      expect(host.pendingUpdates).toHaveLength(want.pending);
      expect(host.pendingUpdates.filter((p) => p.security)).toHaveLength(want.security);
      expect(codes(result.issues)).toEqual(want.codes);
      const streamed = viaRegistry(want.format, bytes);
      expect(streamed.hosts).toEqual(result.value.hosts);
      expect(streamed.counts).toEqual({
        assets: 1,
        findings: 0,
        installedUpdates: want.installed,
        software: 0,
        pendingUpdates: want.pending
      });
      expect(detectFormat(bytes.subarray(0, SNIFF_BYTES), name).format).toBe(want.format);
    });
  }

  it('does not count KB5020435 as installed: its uninstallation (Operation 2) wins in an undated history', () => {
    const result = parse('windows-update-history', sample('EXTRACTED_vuls_wu_history_japanese.txt'));
    expect(kbs(result.value.hosts[0]).sort()).toEqual(['KB5021088', 'KB5021233']);
    // The KB sits in the middle of the Japanese .NET title.
    expect(result.value.hosts[0]?.installedUpdates.find((u) => u.kb === 'KB5021088')?.description).toBe(
      '2022-12 x64 (KB5021088) 向け Windows 10 Version 21H2 用 .NET Framework 3.5、4.8 および 4.8.1 の累積的な更新プログラム'
    );
    expect(result.issues[0]).toMatchObject({ severity: 'info', code: 'update-uninstalled', line: 5 });
    expect(result.issues[0]?.message).toContain('KB5020435');
  });

  it('keeps the 34 KB2483139 language packs as 34 pending updates (one per KB and title)', () => {
    const host = parse('windows-missing-updates', sample('wesng_win7sp1_missing_updates.txt')).value.hosts[0];
    const packs = host?.pendingUpdates.filter((p) => p.kb === 'KB2483139') ?? [];
    expect(packs).toHaveLength(34);
    expect(new Set(host?.pendingUpdates.map((p) => p.kb)).size).toBe(37);
    expect(packs[0]).toEqual({
      name: 'Latvian Language Pack - Windows 7 Service Pack 1 for x64-based Systems (KB2483139)',
      kb: 'KB2483139',
      kind: 'windows-update'
    });
    expect(host?.pendingUpdates.find((p) => p.kb === 'KB4486563')).toEqual({
      name: '2019-02 Security Monthly Quality Rollup for Windows 7 for x64-based Systems (KB4486563)',
      kb: 'KB4486563',
      kind: 'windows-update',
      security: true
    });
    // A definition update of Security Essentials is not a security patch.
    expect(host?.pendingUpdates.find((p) => p.kb === 'KB2310138')?.security).toBeUndefined();
  });

  it('reads the UTF-16LE list of Windows 10 1803 with both titles whole', () => {
    const host = parse('windows-missing-updates', sample('wesng_win10_1803_missing_updates_utf16.txt')).value
      .hosts[0];
    expect(host?.pendingUpdates.map((p) => [p.kb, p.name])).toEqual([
      ['KB4100347', '2018-10 Update for Windows 10 Version 1803 for x64-based Systems (KB4100347)'],
      ['KB2267602', 'Definition Update for Windows Defender Antivirus - KB2267602 (Definition 1.289.501.0)']
    ]);
  });

  it('does not claim the samples of other folders', () => {
    for (const format of ['windows-update-history', 'windows-missing-updates'] as const) {
      const handler = handlerFor(format);
      for (const folder of [
        'windows-qfe',
        'windows-systeminfo',
        'windows-installed-programs',
        'linux-yum',
        'linux-apt',
        'linux-dpkg',
        'os-release',
        'nessus-csv',
        'qualys'
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

describe('Windows Update history on hand-written fixtures', () => {
  it('follows a dated history: a later uninstall removes, a later success after a failure installs', () => {
    const bytes = own('history-dated.csv');
    const result = parse('windows-update-history', bytes);
    expect(result.value.formatVersion).toBe('Export-Csv');
    expect(result.value.hosts[0]?.installedUpdates.map((u) => [u.kb, u.installedOn])).toEqual([
      ['KB2267602', '2024-04-10'],
      ['KB890830', '2024-03-13'],
      ['KB5036893', '2024-04-10']
    ]);
    expect(result.issues).toMatchObject([
      { code: 'history-entry-without-kb', severity: 'info', line: 8 },
      { code: 'update-uninstalled', severity: 'info', count: 2, lines: [10, 4] },
      { code: 'update-install-failed', severity: 'info', line: 6 },
      { code: 'host-name-unknown', severity: 'warning' }
    ]);
    expect(result.issues[2]?.message).toContain('KB5034467');
    expect(viaRegistry('windows-update-history', bytes).counts).toMatchObject({
      assets: 1,
      installedUpdates: 3
    });
  });

  it('reads Get-WUHistory’s table: ComputerName names the host, dd.MM.yyyy dates, a cut title loses its KB', () => {
    const result = parse('windows-update-history', own('get-wuhistory-table.txt'));
    expect(result.value.formatVersion).toBe('Format-Table');
    expect(result.value.hosts.map((h) => [h.key, h.hostname])).toEqual([['SRV-APP03', 'SRV-APP03']]);
    expect(result.value.hosts[0]?.installedUpdates.map((u) => [u.kb, u.installedOn])).toEqual([
      ['KB2267602', '2024-03-12'],
      ['KB5035857', '2024-03-13']
    ]);
    expect(codes(result.issues)).toEqual(['history-entry-without-kb', 'update-uninstalled']);
    expect(result.issues[0]?.line).toBe(9);
    expect(result.issues[1]?.message).toContain('KB5034613');
  });

  it('reads Title/Operation/ResultCode as Format-List with words and numbers alike', () => {
    const text =
      '\r\nTitle      : 2024-04 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5036893)\r\nOperation  : Installation\r\nResultCode : Succeeded\r\n' +
      '\r\nTitle      : 2024-03 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5035853)\r\nOperation  : 1\r\nResultCode : 3\r\n';
    const result = parse('windows-update-history', utf8(text));
    expect(kbs(result.value.hosts[0])).toEqual(['KB5035853', 'KB5036893']);
  });

  it('reports files that are empty or of another kind', () => {
    expect(parse('windows-update-history', new Uint8Array()).issues).toMatchObject([
      { severity: 'error', code: 'empty-file' }
    ]);
    const other = parse('windows-update-history', utf8('Name : Git\r\nVersion : 2.44\r\n'));
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-update-history', line: 1 }]);
    expect(sniffUpdateHistory('"Title","KB","Size","Status"\n"x","KB5036893","1MB","-D-----"\n')).toBe(false);
  });
});

describe('missing-updates lists on hand-written fixtures', () => {
  it('reads BOM-less UTF-16LE, counts a line repeated word for word once, and skips lines it cannot read', () => {
    const bytes = own('missing-updates-utf16-no-bom.txt');
    const result = parse('windows-missing-updates', bytes);
    expect(result.value.hosts[0]?.pendingUpdates.map((p) => [p.kb, p.security ?? false])).toEqual([
      ['KB5034441', true],
      ['KB5036892', false],
      ['KB5036608', false],
      ['KB890830', false],
      ['KB2267602', false]
    ]);
    expect(result.issues).toMatchObject([
      { code: 'duplicate-update', severity: 'info', line: 5 },
      { code: 'line-not-understood', severity: 'warning', line: 7 },
      { code: 'host-name-unknown', severity: 'warning' }
    ]);
    expect(detectFormat(bytes, 'missing.txt').format).toBe('windows-missing-updates');
    expect(viaRegistry('windows-missing-updates', bytes, 3).counts).toMatchObject({ pendingUpdates: 5 });
  });

  it('reports empty files and other text as errors', () => {
    expect(parse('windows-missing-updates', new Uint8Array([0xff, 0xfe])).issues).toMatchObject([
      { severity: 'error', code: 'empty-file' }
    ]);
    const other = parse('windows-missing-updates', utf8('Host Name: PC01\r\nOS Name: Windows\r\n'));
    expect(other.value.hosts).toEqual([]);
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-missing-updates', line: 1 }]);
    expect(sniffMissingUpdates('[01]: KB5034441\r\n[02]: KB5036892\r\n')).toBe(false);
  });
});
