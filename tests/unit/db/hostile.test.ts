import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { createEngagement } from '../../../src/lib/db';
import { fixture } from '../shared';
import { fileSource, freshEngine } from './helpers';

const NESSUS = fixture('hostile', 'hostile.nessus');
const CSV = fixture('hostile', 'hostile-rmm-patch-report.csv');
const FORMULA_START = /^[=+\-@\t\r]/;

async function importHostile() {
  const { db, api } = freshEngine();
  const e = await createEngagement(db, {
    clientName: '=HYPERLINK("http://x","client")',
    site: '',
    contact: '',
    technician: '',
    visitDate: '2026-11-24',
    notes: ''
  });
  const [nessus, csv] = await api.importFiles(e.id, [fileSource(NESSUS), fileSource(CSV)], 'j1');
  expect(nessus).toMatchObject({ status: 'done', format: 'nessus-v2' });
  expect(csv).toMatchObject({ status: 'failed', problems: [{ code: 'needs-mapping' }] });
  const preview = (await api.previewCsvFile(csv!.fileId!))!;
  expect(await api.applyCsvMapping(csv!.fileId!, preview.guess, 'Hostile RMM', 'j2')).toMatchObject({
    status: 'done',
    counts: { assets: 5, pendingUpdates: 5 }
  });
  return { db, api, engagementId: e.id };
}

function cells(csv: string): string[][] {
  const parsed = Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe('hostile imports', () => {
  it('gaps, findings and plan CSVs built from hostile files start no cell with = + - @ tab or CR', async () => {
    const { api, engagementId } = await importHostile();
    const exports = {
      gaps: cells((await api.exportResults(engagementId, 'gaps-csv')).text),
      findings: cells((await api.exportResults(engagementId, 'findings-csv')).text),
      plan: cells((await api.exportResults(engagementId, 'plan-csv')).text)
    };
    for (const [name, rows] of Object.entries(exports)) {
      expect(rows.length, name).toBeGreaterThan(1);
      const live = rows.flat().filter((c) => FORMULA_START.test(c));
      expect(live, `${name} CSV`).toEqual([]);
    }
    // The payloads are there, as text a spreadsheet shows instead of running.
    const gapCells = exports.gaps.flat();
    for (const payload of ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", '-2+3', '@SUM(1,1)']) {
      expect(gapCells, payload).toContain(`'${payload}`);
    }
    expect(exports.findings.flat()).toContain(`'=HYPERLINK("http://x","nessus")`);
    expect(exports.findings.flat()).toContain(`'@SUM(1,1)`);
    expect(exports.findings.flat()).toContain('<script>alert("plugin")</script> Remote Code Execution');
    expect(exports.plan.flat()).toContain(`'=HYPERLINK("http://x","click")`);
  });

  it('stores a 100 KB plugin output whole; finding rows carry its start and the detail gets it whole', async () => {
    const { db, api, engagementId } = await importHostile();
    const outputs = (await db.hosts.toArray()).flatMap((h) => h.host.findings.map((f) => f.output ?? ''));
    const big = outputs.find((o) => o.startsWith('HOSTILE-OUTPUT-BEGIN'))!;
    expect(big.length).toBeGreaterThan(100_000);
    expect(big.endsWith('HOSTILE-OUTPUT-END')).toBe(true);

    const page = await api.queryFindings(engagementId, { offset: 0, limit: 50, search: 'huge plugin' });
    const row = page.rows[0]!;
    expect(row.evidence!.length).toBeLessThan(5_000);
    expect(big.startsWith(row.evidence!.slice(0, 4000))).toBe(true);
    expect(await api.findingEvidence(engagementId, row.id)).toBe(big);
    expect(await api.findingEvidence(engagementId, 'no-such-finding')).toBeUndefined();
  });
});
