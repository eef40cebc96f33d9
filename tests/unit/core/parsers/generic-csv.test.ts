import { describe, expect, it } from 'vitest';
import {
  guessCsvMapping,
  headerSignature,
  mappingProblems,
  parseMappedCsv,
  previewCsv
} from '../../../../src/lib/core';
import { fixture, readBytes } from '../../shared';

describe('CSV exports mapped by the technician', () => {
  it('guesses the mapping of an RMM patch report from its header', () => {
    const preview = previewCsv(readBytes(fixture('generic-csv', 'rmm-patch-report.csv')))!;
    expect(preview.header).toHaveLength(9);
    expect(preview.delimiter).toBe(',');
    expect(guessCsvMapping(preview.header)).toEqual({
      hostname: 'Device Name',
      ip: 'IP Address',
      osName: 'Operating System',
      osVersion: 'OS Version',
      patchName: 'Patch Name',
      patchKb: 'KB',
      patchStatus: 'Status',
      patchSeverity: 'Severity',
      patchDate: 'Installed On'
    });
  });

  it('reads installed and missing updates per device, and skips rows without a device', () => {
    const bytes = readBytes(fixture('generic-csv', 'rmm-patch-report.csv'));
    const mapping = guessCsvMapping(previewCsv(bytes)!.header);
    const { value, issues } = parseMappedCsv(bytes, mapping);
    expect(value.hosts.map((h) => h.hostname)).toEqual(['PC-RECEPTION', 'PC-LAB-02']);
    const [reception, lab] = value.hosts;
    expect(reception!.os).toMatchObject({ family: 'windows', build: 19045 });
    expect(reception!.installedUpdates).toEqual([
      { kb: 'KB5039211', installedOn: '2024-06-14', description: expect.stringContaining('2024-06') }
    ]);
    expect(reception!.pendingUpdates).toEqual([
      expect.objectContaining({ kb: 'KB5087544', kind: 'windows-update', security: true })
    ]);
    expect(lab!.pendingUpdates.map((p) => p.kb)).toEqual(['KB5089549']);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'row-without-computer', line: 6 }),
        expect.objectContaining({ code: 'installed-without-kb', line: 5 })
      ])
    );
  });

  it('reads a semicolon software inventory', () => {
    const bytes = readBytes(fixture('generic-csv', 'software-inventory-semicolon.csv'));
    const preview = previewCsv(bytes)!;
    const mapping = guessCsvMapping(preview.header);
    expect(mapping).toMatchObject({
      hostname: 'Computer',
      softwareName: 'Software',
      softwareVendor: 'Publisher'
    });
    // "Version" is the program's version here; the technician sets it (the guess would call it the OS version).
    const { value } = parseMappedCsv(bytes, {
      ...mapping,
      osVersion: undefined,
      softwareVersion: 'Version'
    } as never);
    expect(value.hosts.map((h) => [h.hostname, h.software.length])).toEqual([
      ['KASSE-01', 2],
      ['KASSE-02', 1]
    ]);
  });

  it('says what is missing from a mapping', () => {
    expect(mappingProblems({})).toHaveLength(2);
    expect(mappingProblems({ hostname: 'Device', softwareName: 'App' })).toEqual([]);
  });

  it('gives the same signature to the same header however it is spaced or cased', () => {
    expect(headerSignature(['Device Name', ' IP  Address '])).toBe(
      headerSignature(['device name', 'ip address'])
    );
  });

  it('does not take prose for a table', () => {
    expect(previewCsv(readBytes(fixture('e2e', 'not-an-export.txt')))).toBeUndefined();
  });
});
