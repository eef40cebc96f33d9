import { describe, expect, it } from 'vitest';
import { gapsToCsv, resolveSettings, type EngagementResults } from '../../../../src/lib/core';
import { officeResults } from '../report/section-harness';

/** The office fixture without the shared catalog: scanner-finding gaps only, the same on every machine. */
const AS_OF = '2026-11-24';
const base = (settings: unknown = {}): EngagementResults => officeResults(AS_OF, settings, false);

const scheduled = (r: EngagementResults): Set<string> => new Set(r.waves.flatMap((w) => w.gapIds));

describe('risk-accepted exceptions', () => {
  const before = base();
  const target = before.gaps.find((g) => scheduled(before).has(g.id))!;

  it('the office fixture has a scheduled gap to accept', () => {
    expect(target).toBeDefined();
  });

  it('an accepted gap carries the reason, leaves the plan and is counted, while the grade stays the same', () => {
    const after = base({
      exceptions: {
        [target.id]: {
          reason: 'Lab analyser vendor forbids updates',
          acceptedBy: 'Dr. Müller',
          until: '2027-03-01',
          recordedOn: AS_OF
        }
      }
    });
    const gap = after.gaps.find((g) => g.id === target.id)!;
    expect(gap.exception).toEqual({
      reason: 'Lab analyser vendor forbids updates',
      acceptedBy: 'Dr. Müller',
      until: '2027-03-01',
      recordedOn: AS_OF,
      active: true
    });
    expect(scheduled(after).has(target.id)).toBe(false);
    expect(after.misses.some((m) => m.gapId === target.id)).toBe(false);
    expect(after.totals.acceptedRisks).toBe(1);
    // The risk is real: the grade, its score and the gap counts do not improve by accepting it.
    expect(after.score).toEqual(before.score);
    expect(after.totals.gaps).toEqual(before.totals.gaps);
    expect(after.gaps).toHaveLength(before.gaps.length);
  });

  it('an exception past its review date has lapsed: still shown, and the gap is planned again', () => {
    const after = base({
      exceptions: { [target.id]: { reason: 'Waiting for the new analyser', until: '2026-10-01' } }
    });
    const gap = after.gaps.find((g) => g.id === target.id)!;
    expect(gap.exception?.active).toBe(false);
    expect(scheduled(after).has(target.id)).toBe(true);
    expect(after.totals.acceptedRisks).toBe(0);
  });

  it('an exception for a gap that no longer exists changes nothing', () => {
    const after = base({ exceptions: { 'g-gone': { reason: 'Fixed since' } } });
    expect(after.gaps.every((g) => g.exception === undefined)).toBe(true);
    expect(after.waves).toEqual(before.waves);
  });

  it('when every gap of a machine is accepted, the machine leaves the plan', () => {
    const assetId = target.assetId;
    const exceptions = Object.fromEntries(
      before.gaps.filter((g) => g.assetId === assetId).map((g) => [g.id, { reason: 'Replaced next month' }])
    );
    const after = base({ exceptions });
    expect(after.waves.some((w) => w.assetIds.includes(assetId))).toBe(false);
  });

  it('an exception without a reason is refused, naming the field', () => {
    const checked = resolveSettings({ exceptions: { [target.id]: { reason: '  ' } } });
    expect(checked.value).toBeUndefined();
    expect(checked.issues[0]?.message).toContain(`exceptions.${target.id}.reason`);
    expect(resolveSettings({ exceptions: { x: { reason: 'ok', until: '1 March' } } }).value).toBeUndefined();
  });

  it('the gaps CSV says which risks were accepted, why, by whom, until when, with the gap id', () => {
    const after = base({
      exceptions: { [target.id]: { reason: '=cmd|calc', acceptedBy: 'Owner', until: '2027-03-01' } }
    });
    const csv = gapsToCsv(after.gaps);
    const header = csv.split('\r\n')[0]!;
    expect(header.endsWith('risk_accepted,accepted_reason,accepted_by,review_by,gap_id')).toBe(true);
    const row = csv.split('\r\n').find((l) => l.endsWith(`,${target.id}`))!;
    // The reason is the client's text: a formula-looking cell is made inert.
    expect(row).toContain(`yes,'=cmd|calc,Owner,2027-03-01,${target.id}`);
  });
});

describe('technician notes and file dates in the results', () => {
  it('a note on a machine, set by id or by host name, travels with the results', () => {
    const host = base().assets[0]!.asset;
    const r = base({ assets: { [host.hostname.toUpperCase()]: { note: 'Under the reception desk' } } });
    expect(r.assets.find((a) => a.asset.id === host.id)?.context.note).toBe('Under the reception desk');
  });

  it('an empty note is refused rather than stored blank', () => {
    expect(resolveSettings({ assets: { PC1: { note: '   ' } } }).value).toBeUndefined();
  });

  it('each file says which days its hosts were scanned, when the file states it', () => {
    const r = base();
    const nessus = r.files.find((f) => f.format === 'nessus-v2')!;
    const systeminfo = r.files.find((f) => f.format === 'systeminfo-text')!;
    expect(nessus.scanned?.first).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(nessus.scanned!.first <= nessus.scanned!.last).toBe(true);
    expect(systeminfo.scanned).toBeUndefined();
  });
});
