import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POLICY_IDS } from '../../../../src/lib/core/model/gaps';
import {
  BOD_26_04_OUTCOMES,
  BOD_26_04_TABLE,
  BOD_26_04_TIMELINES,
  POLICIES,
  bod2604Timeline
} from '../../../../src/lib/core/engine/policies';
import { SHARED_DIR, hasShared } from '../../shared';

const yn = (b: boolean): string => (b ? 'yes' : 'no');

describe('remediation policies as data', () => {
  it('describes every policy id with a name, a description and an official source', () => {
    expect(Object.keys(POLICIES).sort()).toEqual([...POLICY_IDS].sort());
    for (const id of POLICY_IDS) {
      const p = POLICIES[id];
      expect(p.id).toBe(id);
      expect(p.name.length).toBeGreaterThan(3);
      expect(p.description.length).toBeGreaterThan(100);
      expect(p.sourceUrl).toMatch(/^https:\/\//);
    }
  });

  it('says BOD 26-04 is CISA’s directive for US federal agencies, used here as good practice', () => {
    const d = POLICIES['cisa-bod-26-04'].description;
    expect(d).toMatch(/US federal/);
    expect(d).toMatch(/good practice/);
    expect(POLICIES['cisa-bod-26-04'].sourceUrl).toContain('cisa.gov');
  });

  it('says what PCI DSS leaves to the entity and what Patchfield uses instead', () => {
    const d = POLICIES['pci-dss'].description;
    expect(d).toMatch(/6\.3\.3/);
    expect(d).toMatch(/one month/);
    expect(d).toMatch(/severity bands/);
  });

  it('holds all 16 combinations of the BOD 26-04 inputs exactly once', () => {
    const keys = new Set(
      BOD_26_04_TABLE.map((r) => [r.inKev, r.publiclyExposed, r.automatable, r.technicalImpact].join('/'))
    );
    expect(BOD_26_04_TABLE).toHaveLength(16);
    expect(keys.size).toBe(16);
    for (const r of BOD_26_04_TABLE) expect(BOD_26_04_TIMELINES).toContain(r.timeline);
  });

  it('gives the BOD 26-04 extremes: everything yes → 3 days & forensic, everything no → fix on system upgrade', () => {
    expect(bod2604Timeline(true, true, true, 'total')).toBe('3 days & forensic investigation');
    expect(bod2604Timeline(false, false, false, 'partial')).toBe('fix on system upgrade');
    expect(BOD_26_04_OUTCOMES['3 days & forensic investigation']).toMatchObject({
      days: 3,
      forensicTriage: true
    });
    expect(BOD_26_04_OUTCOMES['fix on system upgrade'].days).toBeNull();
  });

  it('never gives a less urgent timeline when one BOD 26-04 input becomes more urgent', () => {
    const order = [...BOD_26_04_TIMELINES];
    for (const r of BOD_26_04_TABLE) {
      const base = order.indexOf(r.timeline);
      const ups = [
        bod2604Timeline(true, r.publiclyExposed, r.automatable, r.technicalImpact),
        bod2604Timeline(r.inKev, true, r.automatable, r.technicalImpact),
        bod2604Timeline(r.inKev, r.publiclyExposed, true, r.technicalImpact),
        bod2604Timeline(r.inKev, r.publiclyExposed, r.automatable, 'total')
      ];
      for (const u of ups) expect(order.indexOf(u)).toBeLessThanOrEqual(base);
    }
  });
});

describe.skipIf(!hasShared)('BOD 26-04 table against the shared catalog', () => {
  it('matches CERTCC/SSVC cisa_bod_26_04_1_0_0.csv row by row (all 16 rows)', () => {
    const csv = readFileSync(join(SHARED_DIR, 'catalog/ssvc/data/csv/cisa/cisa_bod_26_04_1_0_0.csv'), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(
      /^row,In KEV.*,Publicly Exposed.*,Automatable.*,Technical Impact.*,CISA BOD 26-04/
    );
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(16);
    rows.forEach((cells, i) => {
      const r = BOD_26_04_TABLE[i]!;
      expect(cells[0]).toBe(String(i));
      expect([yn(r.inKev), yn(r.publiclyExposed), yn(r.automatable), r.technicalImpact, r.timeline]).toEqual(
        cells.slice(1)
      );
    });
  });

  it('matches the decision table in policy/remediation-timelines.json row by row (all 16 rows)', () => {
    const json = JSON.parse(
      readFileSync(join(SHARED_DIR, 'catalog/policy/remediation-timelines.json'), 'utf8')
    ) as {
      frameworks: {
        id: string;
        official_url?: string;
        decision_table?: Record<string, string>[];
      }[];
    };
    const bod = json.frameworks.find((f) => f.id === 'cisa-bod-26-04');
    expect(bod?.official_url).toBe(POLICIES['cisa-bod-26-04'].sourceUrl);
    const table = bod?.decision_table ?? [];
    expect(table).toHaveLength(16);
    table.forEach((t, i) => {
      const r = BOD_26_04_TABLE[i]!;
      expect({
        in_kev: yn(r.inKev),
        publicly_exposed: yn(r.publiclyExposed),
        automatable: yn(r.automatable),
        technical_impact: r.technicalImpact,
        timeline: r.timeline
      }).toEqual(t);
    });
  });
});
