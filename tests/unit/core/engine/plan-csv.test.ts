import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { PatchGap, RemediationWave } from '../../../../src/lib/core/model';
import { csvCell, planToCsv, PLAN_CSV_HEADER } from '../../../../src/lib/core/engine/plan-csv';

function gap(
  id: string,
  assetId: string,
  over: Partial<PatchGap> = {},
  dueDate: string | null = '2026-05-20'
): PatchGap {
  return {
    id,
    assetId,
    hostname: assetId.toUpperCase(),
    kind: 'os-update',
    product: 'Windows 10 22H2',
    title: 'Install KB5066791 (2025-10 cumulative update)',
    severity: 'high',
    cves: [],
    rebootRequired: true,
    security: true,
    folded: 1,
    evidence: [],
    priority: {
      rank: 3,
      label: 'High',
      days: 30,
      dueDate,
      reason: 'test',
      policy: 'severity-bands',
      assumed: []
    },
    ...over
  };
}

const wave: RemediationWave = {
  id: 'w02-pilot',
  kind: 'pilot',
  name: 'Pilot ring, Tue 2026-05-12 18:00',
  start: '2026-05-12T18:00',
  end: '2026-05-12T22:00',
  timeZone: 'UTC',
  assetIds: ['a1', 'a2', 'a3'],
  gapIds: ['g1', 'g2', 'g3'],
  effortMinutes: 120,
  verification: 'Rescan.',
  expectedCompletion: '2026-05-13',
  locked: true
};

describe('planToCsv', () => {
  it('writes one RFC 4180 row per wave, machine and gap with the miss flag', () => {
    const gaps = [
      gap('g1', 'a1'),
      gap('g2', 'a1', { title: 'Upgrade "7-Zip", then reboot', kind: 'package-update' }, '2026-05-10'),
      gap('g3', 'a2', {}, null)
    ];
    const csv = planToCsv([wave], gaps, new Map([['a1', 'PC-01']]));
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' }).data;
    expect(rows[0]).toEqual([...PLAN_CSV_HEADER]);
    expect(rows.slice(1)).toEqual([
      [
        'w02-pilot',
        'Pilot ring, Tue 2026-05-12 18:00',
        '2026-05-12 18:00',
        '2026-05-12 22:00',
        'PC-01',
        'Install KB5066791 (2025-10 cumulative update)',
        'os-update',
        'High',
        '2026-05-20',
        'no'
      ],
      [
        'w02-pilot',
        'Pilot ring, Tue 2026-05-12 18:00',
        '2026-05-12 18:00',
        '2026-05-12 22:00',
        'PC-01',
        'Upgrade "7-Zip", then reboot',
        'package-update',
        'High',
        '2026-05-10',
        'yes'
      ],
      [
        'w02-pilot',
        'Pilot ring, Tue 2026-05-12 18:00',
        '2026-05-12 18:00',
        '2026-05-12 22:00',
        'A2',
        'Install KB5066791 (2025-10 cumulative update)',
        'os-update',
        'High',
        '',
        ''
      ],
      // A machine of a locked wave with nothing left to install keeps its row.
      [
        'w02-pilot',
        'Pilot ring, Tue 2026-05-12 18:00',
        '2026-05-12 18:00',
        '2026-05-12 22:00',
        'a3',
        '',
        '',
        '',
        '',
        ''
      ]
    ]);
    expect(csv).toContain('"Upgrade ""7-Zip"", then reboot"');
  });

  it('defuses cells that a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('PC-01')).toBe('PC-01');
    const csv = planToCsv(
      [wave],
      [gap('g1', 'a1', { title: '=cmd|"/c calc"!A1' })],
      new Map([['a1', '@evil']])
    );
    const row = Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' }).data[1];
    expect(row?.[4]).toBe("'@evil");
    expect(row?.[5]).toBe(`'=cmd|"/c calc"!A1`);
  });
});
