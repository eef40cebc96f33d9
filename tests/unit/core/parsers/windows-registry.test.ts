import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8, codes } from './parser-tools';
import { parsedFileSchema, type HostObservation } from '../../../../src/lib/core/model';
import { decodeText } from '../../../../src/lib/core/parsers/decode';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { handlerFor } from '../../../../src/lib/core/parsers/handlers';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import {
  osFromCurrentVersion,
  parseCurrentVersion,
  sniffCurrentVersion
} from '../../../../src/lib/core/parsers/windows-registry';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('windows-registry', name));

function parse(bytes: Uint8Array) {
  const result = parseCurrentVersion(bytes);
  parsedFileSchema.parse(result.value);
  return result;
}

function viaRegistry(bytes: Uint8Array, chunk = 257) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser('windows-currentversion', { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  hosts.forEach((h) => tally.add(h));
  return { hosts, issues: parser.issues, counts: tally.counts };
}

describe('CurrentVersion registry exports', () => {
  it('reads `reg query` of Windows 11 23H2: hex UBR 0xd77 is revision 3447, ProductName "Windows 10" becomes 11', () => {
    const bytes = own('reg-query-win11-23h2.txt');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('reg query');
    expect(result.value.hosts.map((h) => [h.key, h.hostname])).toEqual([['local', undefined]]);
    expect(result.value.hosts[0]?.os).toEqual({
      family: 'windows',
      productType: 'client',
      name: 'Windows 11 Pro',
      build: 22631,
      version: '10.0.22631',
      revision: 3447,
      edition: 'Pro',
      displayVersion: '23H2',
      architecture: 'x64'
    });
    expect(result.issues).toMatchObject([{ severity: 'warning', code: 'host-name-unknown' }]);
    expect(result.issues[0]?.message).toContain('ComputerName');
    const streamed = viaRegistry(bytes);
    expect(streamed.hosts).toEqual(result.value.hosts);
    expect(streamed.counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: 0,
      pendingUpdates: 0
    });
    expect(detectFormat(bytes, 'cv.txt').format).toBe('windows-currentversion');
  });

  it('names the PC from the ComputerName key queried into the same file', () => {
    const result = parse(own('reg-query-with-computername.txt'));
    expect(result.issues).toEqual([]);
    expect(
      result.value.hosts.map((h) => [h.key, h.hostname, h.os?.build, h.os?.revision, h.os?.name])
    ).toEqual([['PC-ACCT-07', 'PC-ACCT-07', 19045, 4291, 'Windows 10 Pro']]);
  });

  it('names the PC of a `reg query \\\\PC\\HKLM\\…` key path', () => {
    const text =
      '\r\n\\\\PC-LAB-12\\HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n    CurrentBuild    REG_SZ    19045\r\n    UBR    REG_DWORD    0x10c3\r\n    ProductName    REG_SZ    Windows 10 Enterprise\r\n';
    const result = parse(utf8(text));
    expect(result.value.hosts.map((h) => [h.key, h.os?.revision])).toEqual([['PC-LAB-12', 4291]]);
  });

  it('reads a UTF-16LE `reg export` .reg file (dword UBR, hex continuation lines, subkeys ignored)', () => {
    const bytes = own('reg-export-server2022.reg');
    const result = parse(bytes);
    expect(result.value.formatVersion).toBe('reg export');
    expect(result.value.hosts[0]?.os).toEqual({
      family: 'windows',
      productType: 'server',
      name: 'Windows Server 2022 Datacenter',
      build: 20348,
      version: '10.0.20348',
      revision: 2340,
      edition: 'Datacenter',
      displayVersion: '21H2',
      architecture: 'x64'
    });
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
    expect(detectFormat(bytes, 'cv.reg').format).toBe('windows-currentversion');
  });

  it('reads Get-ItemProperty | Format-List (UTF-16LE) with a PSPath wrapped over two lines', () => {
    const result = parse(own('get-itemproperty-list-win10.txt'));
    expect(result.value.formatVersion).toBe('Get-ItemProperty');
    expect(result.value.hosts[0]?.os).toMatchObject({
      name: 'Windows 10 Enterprise',
      build: 19044,
      revision: 4170,
      edition: 'Enterprise',
      displayVersion: '21H2',
      productType: 'client'
    });
  });

  it('reads ConvertTo-Json from Invoke-Command: one host per PSComputerName, Windows 11 and Server Core', () => {
    const bytes = own('get-itemproperty-invoke-2pcs.json');
    const result = parse(bytes);
    expect(result.issues).toEqual([]);
    expect(
      result.value.hosts.map((h) => [
        h.key,
        h.os?.name,
        h.os?.build,
        h.os?.revision,
        h.os?.productType,
        h.os?.displayVersion
      ])
    ).toEqual([
      ['WS-DESIGN-02', 'Windows 11 Enterprise', 22631, 3447, 'client', '23H2'],
      ['SRV-SQL01', 'Windows Server 2019 Standard', 17763, 5576, 'server', '1809']
    ]);
    expect(viaRegistry(bytes).counts.assets).toBe(2);
    expect(detectFormat(bytes, 'cv.json').format).toBe('windows-currentversion');
  });

  it('reads an Export-Csv of Windows 7 (CurrentVersion 6.1, Service Pack 1, no UBR)', () => {
    const result = parse(own('get-itemproperty-win7.csv'));
    expect(result.value.hosts[0]?.os).toEqual({
      family: 'windows',
      productType: 'client',
      name: 'Windows 7 Professional',
      build: 7601,
      version: '6.1.7601',
      edition: 'Professional',
      servicePack: 'Service Pack 1',
      architecture: 'x64'
    });
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('keeps Windows Server 2025 named as a server although its build is above 22000', () => {
    const os = osFromCurrentVersion(
      new Map([
        ['currentbuild', '26100'],
        ['productname', 'Windows Server 2025 Datacenter'],
        ['installationtype', 'Server'],
        ['ubr', '2894']
      ])
    );
    expect(os).toMatchObject({
      name: 'Windows Server 2025 Datacenter',
      productType: 'server',
      revision: 2894
    });
  });

  it('says when a Windows 10 key has no UBR (revision unknown) or no build', () => {
    const noUbr = parse(
      utf8('CurrentBuild : 19045\r\nProductName  : Windows 10 Pro\r\nEditionID    : Professional\r\n')
    );
    expect(codes(noUbr.issues)).toEqual(['revision-missing', 'host-name-unknown']);
  });

  it('rejects a .reg export of another key, naming the key it holds', () => {
    const bytes = own('not-currentversion-uninstall-key.reg');
    const result = parse(bytes);
    expect(result.value.hosts).toEqual([]);
    expect(result.issues[0]).toMatchObject({ severity: 'error', code: 'not-currentversion' });
    expect(result.issues[0]?.message).toContain('Uninstall\\7-Zip');
    expect(sniffCurrentVersion(decodeText(bytes).text)).toBeUndefined();
  });

  it('reports empty files as errors', () => {
    expect(parse(new Uint8Array()).issues).toMatchObject([{ severity: 'error', code: 'empty-file' }]);
    expect(parse(new Uint8Array([0xff, 0xfe, 0x0d, 0x00, 0x0a, 0x00])).issues).toMatchObject([
      { severity: 'error', code: 'empty-file' }
    ]);
    expect(parse(utf8('null')).issues).toMatchObject([{ severity: 'error', code: 'not-currentversion' }]);
  });
});

describe.skipIf(!hasShared)('CurrentVersion detection against ../shared/samples', () => {
  it('does not claim the samples of other folders', () => {
    const handler = handlerFor('windows-currentversion');
    for (const folder of [
      'windows-qfe',
      'windows-systeminfo',
      'windows-missing-updates',
      'windows-installed-programs',
      'mdvm-defender',
      'os-release',
      'trivy',
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
