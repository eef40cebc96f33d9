import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes } from './parser-tools';
import { parsedFileSchema, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { parseWmicQfe, sniffWmicQfe } from '../../../../src/lib/core/parsers/wmic-qfe';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('wmic-qfe', name));

function parse(bytes: Uint8Array) {
  const result = parseWmicQfe(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

/** Through the registry in chunks, as the app imports: output checked against the zod schemas. */
function viaRegistry(bytes: Uint8Array, chunk = 4093) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('wmic-qfe', { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

const kbs = (h: HostObservation | undefined): string[] => (h?.installedUpdates ?? []).map((u) => u.kb);

describe.skipIf(!hasShared)('wmic qfe on ../shared/samples/windows-qfe', () => {
  const samples = sharedSamples('windows-qfe');
  const sample = (name: string): Uint8Array => {
    const path = samples.find((p) => basename(p) === name);
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  // Checked by hand: python3 decoding each file (utf-16 / utf-8), cutting rows at the header's column starts,
  // counting rows and distinct HotFixIDs (the XP file: its 143 "File 1" rows repeat KBs listed elsewhere).
  const expected: Record<
    string,
    { hosts: { key: string; hostname?: string; kbs: number }[]; codes: string[]; error?: string }
  > = {
    'EDGE_wesng_win10_1803_empty_qfe.txt': { hosts: [], codes: ['empty-file'], error: 'empty-file' },
    'MALFORMED_wesng_xp_sp2_x64_qfe_mixed_encoding.txt': {
      hosts: [{ key: 'USER-8CEF73C787', hostname: 'USER-8CEF73C787', kbs: 149 }],
      codes: ['mixed-encoding', 'hotfix-id-in-service-pack-column', 'hotfix-without-kb']
    },
    'TRICKY_wesng_srv2012r2_ru_qfe_stray_line.txt': {
      hosts: [{ key: 'DC', hostname: 'DC', kbs: 7 }],
      codes: ['lines-before-table', 'row-realigned']
    },
    'wesng_win10_1809_pro_20190307_qfe.txt': {
      hosts: [{ key: 'local', kbs: 5 }],
      codes: ['host-name-unknown']
    },
    'wesng_win7sp1_enterprise_B_qfe.txt': {
      hosts: [{ key: 'WIN7SP1X64', hostname: 'WIN7SP1X64', kbs: 271 }],
      codes: []
    }
  };

  it('has an expectation for every sample file', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`reads ${name}: hosts, installed-update counts, problems; the registry and detection agree`, () => {
      const bytes = sample(name);
      const result = parse(bytes);
      expect(
        result.value.hosts.map((h) => ({ key: h.key, hostname: h.hostname, kbs: h.installedUpdates.length }))
      ).toEqual(want.hosts.map((h) => ({ key: h.key, hostname: h.hostname, kbs: h.kbs })));
      expect(codes(result.issues)).toEqual(want.codes);
      const streamed = viaRegistry(bytes);
      expect(streamed.hosts).toEqual(result.value.hosts);
      expect(codes(streamed.issues)).toEqual(want.codes);
      expect(streamed.counts).toEqual({
        assets: want.hosts.length,
        findings: 0,
        installedUpdates: want.hosts.reduce((n, h) => n + h.kbs, 0),
        software: 0,
        pendingUpdates: 0
      });
      const detection = detectFormat(bytes.subarray(0, SNIFF_BYTES), name);
      if (want.error) expect(detection.problem?.code).toBe(want.error);
      else expect(detection.format).toBe('wmic-qfe');
    });
  }

  it('reads the brief table of Windows 10 1809 with its M/D/YYYY dates and descriptions', () => {
    const host = parse(sample('wesng_win10_1809_pro_20190307_qfe.txt')).value.hosts[0];
    expect(host?.installedUpdates).toEqual([
      { kb: 'KB4486553', installedOn: '2019-03-07', description: 'Update' },
      { kb: 'KB4470788', installedOn: '2019-03-01', description: 'Security Update' },
      { kb: 'KB4480056', installedOn: '2019-03-07', description: 'Update' },
      { kb: 'KB4487038', installedOn: '2019-03-01', description: 'Security Update' },
      { kb: 'KB4482887', installedOn: '2019-03-07', description: 'Update' }
    ]);
    expect(host?.os).toEqual({ family: 'windows' });
  });

  it('reads the full Windows 7 table: CSName names the host, 271 KBs month-first from 2010 to 2018', () => {
    const host = parse(sample('wesng_win7sp1_enterprise_B_qfe.txt')).value.hosts[0];
    expect(host?.installedUpdates[0]).toEqual({
      kb: 'KB2849697',
      installedOn: '2015-05-22',
      description: 'Update'
    });
    expect(host?.installedUpdates.find((u) => u.kb === 'KB976902')?.installedOn).toBe('2010-11-21');
    expect(host?.installedUpdates.at(-1)).toEqual({
      kb: 'KB4467107',
      installedOn: '2018-11-14',
      description: 'Security Update'
    });
    expect(host?.installedUpdates.filter((u) => u.description === 'Security Update')).toHaveLength(162);
  });

  it('skips the stray shell line before the header and re-aligns rows shifted by a Cyrillic user name', () => {
    const result = parse(sample('TRICKY_wesng_srv2012r2_ru_qfe_stray_line.txt'));
    expect(kbs(result.value.hosts[0])).toEqual([
      'KB2919355',
      'KB2919442',
      'KB2937220',
      'KB2938772',
      'KB2939471',
      'KB2949621',
      'KB2999226'
    ]);
    expect(result.value.hosts[0]?.installedUpdates.at(-1)).toEqual({
      kb: 'KB2999226',
      installedOn: '2020-04-17',
      description: 'Update'
    });
    expect(result.value.hosts[0]?.installedUpdates[0]?.installedOn).toBe('2014-03-18');
    expect(result.issues[0]).toMatchObject({ code: 'lines-before-table', severity: 'info', line: 1 });
    expect(result.issues[0]?.message).toContain('"cat q"');
    expect(result.issues[1]).toMatchObject({ code: 'row-realigned', count: 7, lines: [3, 4, 5, 6, 7] });
  });

  it('reads the mixed-encoding XP table: skips the ASCII notice, takes "File 1" KBs from ServicePackInEffect', () => {
    const result = parse(sample('MALFORMED_wesng_xp_sp2_x64_qfe_mixed_encoding.txt'));
    const host = result.value.hosts[0];
    // Listed first as "File 1" (KB in ServicePackInEffect), later by name: one update with both rows' facts.
    expect(host?.installedUpdates[0]).toEqual({
      kb: 'KB2115168',
      installedOn: '2019-03-21',
      description: 'Security Update for Windows XP (KB2115168)'
    });
    expect(host?.installedUpdates.find((u) => u.kb === 'KB978542')).toEqual({
      kb: 'KB978542',
      installedOn: '2019-03-21',
      description: 'Security Update for Windows XP (KB978542)'
    });
    // "KB941569_WM11" and "KB2834904-v2_WM11" are KB941569 and KB2834904.
    expect(kbs(host)).toContain('KB941569');
    expect(kbs(host)).toContain('KB2834904');
    expect(result.issues.find((i) => i.code === 'mixed-encoding')).toMatchObject({
      severity: 'warning',
      line: 1
    });
    expect(result.issues.find((i) => i.code === 'hotfix-id-in-service-pack-column')).toMatchObject({
      severity: 'info',
      count: 143
    });
    expect(result.issues.find((i) => i.code === 'hotfix-without-kb')).toMatchObject({
      severity: 'info',
      count: 2,
      lines: [145, 161]
    });
  });

  it('reports the BOM-only file as empty instead of "0 updates, all fine"', () => {
    const result = parse(sample('EDGE_wesng_win10_1803_empty_qfe.txt'));
    expect(result.value.hosts).toEqual([]);
    expect(result.issues[0]).toMatchObject({ severity: 'error', code: 'empty-file' });
    expect(result.issues[0]?.message).toContain('byte order mark');
  });

  it('does not claim the samples of other folders', () => {
    const handler = handlerFor('wmic-qfe');
    for (const folder of [
      'windows-systeminfo',
      'windows-missing-updates',
      'windows-installed-programs',
      'nessus-csv',
      'qualys',
      'linux-dpkg',
      'linux-rpm',
      'os-release',
      'trivy'
    ]) {
      for (const path of sharedSamples(folder)) {
        const head = readBytes(path).subarray(0, SNIFF_BYTES);
        const verdict = handler?.sniff({ text: decodeText(head).text, head, fileName: basename(path) });
        expect(verdict, path).toBe(0);
      }
    }
  });
});

describe('wmic qfe on hand-written fixtures', () => {
  it('reads /format:csv from two nodes (UTF-16LE, CR CR LF): one host per Node, a repeated KB once', () => {
    const bytes = own('qfe-format-csv-2-nodes.csv');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('/format:csv');
    expect(result.issues).toEqual([]);
    expect(result.value.hosts.map((h) => [h.key, h.hostname, kbs(h)])).toEqual([
      ['PC-RECEPTION', 'PC-RECEPTION', ['KB5034467', 'KB5034441', 'KB5036892', 'KB5011048']],
      ['SRV-FILE01', 'SRV-FILE01', ['KB5034439', 'KB5035857']]
    ]);
    expect(result.value.hosts[0]?.installedUpdates[3]).toEqual({
      kb: 'KB5011048',
      installedOn: '2023-12-13',
      description: 'Update'
    });
    expect(viaRegistry(bytes, 7).counts).toMatchObject({ assets: 2, installedUpdates: 6 });
    expect(detectFormat(bytes, 'qfe.csv').format).toBe('wmic-qfe');
  });

  it('converts hexadecimal FILETIME dates of Windows XP and drops one it cannot read with a grouped warning', () => {
    const result = parse(own('qfe-list-full-xp-filetime.txt'));
    expect(result.value.formatVersion).toBe('/format:list');
    expect(result.value.hosts[0]?.installedUpdates.map((u) => [u.kb, u.installedOn])).toEqual([
      ['KB958644', '2008-12-12'],
      ['KB2347290', '2010-09-03'],
      ['KB952287', undefined],
      ['KB2229593', '2010-08-11']
    ]);
    expect(result.issues).toMatchObject([
      { code: 'install-date-unreadable', severity: 'warning', line: 36 },
      { code: 'hotfix-without-kb', severity: 'info', line: 46 }
    ]);
  });

  it('decides the date order from the whole column (one 17/1/2024 makes 9/1/2024 the 9th of January)', () => {
    const result = parse(own('qfe-brief-day-first-dates.txt'));
    expect(result.value.hosts[0]?.installedUpdates.map((u) => u.installedOn)).toEqual([
      '2024-01-09',
      '2024-01-17',
      '2024-04-10'
    ]);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('reads `wmic qfe get HotFixID,InstalledOn` (two columns, no host) with a warning about the name', () => {
    const result = parse(own('qfe-get-two-columns.txt'));
    expect(result.value.hosts.map((h) => [h.key, h.hostname, kbs(h)])).toEqual([
      ['local', undefined, ['KB5031988', 'KB5032189', 'KB5032907']]
    ]);
    expect(result.issues[0]).toMatchObject({ severity: 'warning', code: 'host-name-unknown' });
    expect(result.issues[0]?.message).toContain('named after the file');
  });

  it('reports a 0-byte file and a file of another kind as errors, never as an empty machine', () => {
    expect(parse(new Uint8Array()).issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    const other = parse(
      new TextEncoder().encode('Host Name:                 PC01\r\nOS Name:   Microsoft Windows 10 Pro\r\n')
    );
    expect(other.value.hosts).toEqual([]);
    expect(other.issues).toMatchObject([{ severity: 'error', code: 'not-wmic-qfe', line: 1 }]);
    expect(sniffWmicQfe('Source Description HotFixID\n------ ----------- --------\n')).toBeUndefined();
  });

  it('warns when the table has a header but no rows', () => {
    const result = parse(new TextEncoder().encode('HotFixID   InstalledOn  \r\n\r\n'));
    expect(codes(result.issues)).toEqual(['no-updates']);
  });
});
