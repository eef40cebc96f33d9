import { describe, expect, it } from 'vitest';
import type {
  AssetContext,
  EngagementSettings,
  PatchGap,
  PolicyId
} from '../../../../src/lib/core/model/gaps';
import { gapPrioritySchema } from '../../../../src/lib/core/model/gaps';
import { DEFAULT_ENGAGEMENT_SETTINGS } from '../../../../src/lib/core/engine/settings';
import { BOD_26_04_OUTCOMES, BOD_26_04_TABLE } from '../../../../src/lib/core/engine/policies';
import { prioritize } from '../../../../src/lib/core/engine/priority';

type Gap = Omit<PatchGap, 'priority'>;

const AS_OF = '2026-11-24';
/** Context with every input recorded and nothing that moves a band. */
const PLAIN: AssetContext = { internetFacing: false, businessCritical: false, regulatedData: false };

function gap(over: Partial<Gap> = {}): Gap {
  return {
    id: 'g1',
    assetId: 'a1',
    hostname: 'SRV-FILES',
    kind: 'os-update',
    product: 'Windows Server 2022',
    title: 'Install KB5066791 (2025-10 cumulative update)',
    fixReleased: '2026-11-10',
    severity: 'high',
    cves: ['CVE-2026-1000'],
    rebootRequired: true,
    security: true,
    folded: 1,
    evidence: [],
    ...over
  };
}

function settings(policy: PolicyId = 'severity-bands'): EngagementSettings {
  return { ...DEFAULT_ENGAGEMENT_SETTINGS, policy };
}

const KEV = { cves: ['CVE-2026-1000'], dateAdded: '2026-11-12', ransomware: false };

describe('severity bands (default policy)', () => {
  it('gives a known exploited gap on an internet-facing machine 3 days', () => {
    const p = prioritize(gap({ kev: KEV }), { ...PLAIN, internetFacing: true }, settings(), AS_OF);
    expect(p).toMatchObject({ rank: 1, label: 'Emergency', days: 3, dueDate: '2026-11-27', assumed: [] });
    expect(p.reason).toBe('Known exploited and internet-facing: install within 3 days');
    expect(p.policy).toBe('severity-bands');
  });

  it('gives a known exploited gap on a machine that is not exposed 14 days', () => {
    const p = prioritize(gap({ kev: KEV }), PLAIN, settings(), AS_OF);
    expect(p).toMatchObject({ rank: 2, label: 'Critical', days: 14, dueDate: '2026-12-08', assumed: [] });
    expect(p.reason).toBe('Known exploited, not internet-facing: install within 14 days');
  });

  it('assumes internet-facing for a known exploited gap when exposure is not recorded', () => {
    const p = prioritize(gap({ kev: KEV }), {}, settings(), AS_OF);
    expect(p).toMatchObject({ rank: 1, days: 3, assumed: ['internet-facing'] });
    expect(p.reason).toBe(
      'Known exploited; internet exposure not recorded, so assumed: install within 3 days'
    );
  });

  it.each([
    ['critical', 15, 2, 'Critical', 9.8, 'Critical severity (CVSS 9.8): install within 15 days'],
    ['high', 30, 3, 'High', 8.1, 'High severity (CVSS 8.1): install within 30 days'],
    ['medium', 90, 4, 'Medium', 5.3, 'Medium severity (CVSS 5.3): install within 90 days'],
    ['low', 180, 5, 'Low', 3.1, 'Low severity (CVSS 3.1): install within 180 days']
  ] as const)('gives a %s gap %i days', (severity, days, rank, label, score, reason) => {
    const p = prioritize(gap({ severity, cvss: { score } }), PLAIN, settings(), AS_OF);
    expect(p).toMatchObject({ days, rank, label, reason, assumed: [] });
  });

  it('puts an informational finding in the low band', () => {
    const p = prioritize(gap({ severity: 'info', kind: 'scanner-finding' }), PLAIN, settings(), AS_OF);
    expect(p).toMatchObject({ days: 180, rank: 5, reason: 'Informational: install within 180 days' });
  });

  it('uses the engagement’s edited band values', () => {
    const s = settings();
    s.bands = { ...s.bands, high: 21, kevInternetFacing: 1 };
    expect(prioritize(gap(), PLAIN, s, AS_OF)).toMatchObject({ days: 21, dueDate: '2026-12-15' });
    expect(prioritize(gap({ kev: KEV }), { internetFacing: true }, s, AS_OF)).toMatchObject({
      days: 1,
      dueDate: '2026-11-25'
    });
  });

  it('moves a high gap one band sooner on a business-critical machine', () => {
    const p = prioritize(
      gap({ cvss: { score: 8.1 } }),
      { ...PLAIN, businessCritical: true },
      settings(),
      AS_OF
    );
    expect(p).toMatchObject({ days: 15, rank: 2, assumed: [] });
    expect(p.reason).toBe(
      'High severity (CVSS 8.1), one band sooner (business-critical): install within 15 days'
    );
  });

  it('moves a medium gap one band sooner on a machine with regulated data, EPSS ≥ 10 % or active exploitation', () => {
    const medium = gap({ severity: 'medium' });
    expect(prioritize(medium, { ...PLAIN, regulatedData: true }, settings(), AS_OF).days).toBe(30);
    const epss = gap({ severity: 'medium', epss: { cve: 'CVE-2026-1000', score: 0.34, percentile: 0.97 } });
    const p = prioritize(epss, PLAIN, settings(), AS_OF);
    expect(p.days).toBe(30);
    expect(p.reason).toBe('Medium severity, one band sooner (EPSS 34%): install within 30 days');
    const active = gap({
      severity: 'medium',
      ssvc: { exploitation: 'active', automatable: 'no', technicalImpact: 'partial' }
    });
    expect(prioritize(active, PLAIN, settings(), AS_OF).days).toBe(30);
    const lowEpss = gap({ severity: 'medium', epss: { cve: 'CVE-2026-1000', score: 0.02, percentile: 0.8 } });
    expect(prioritize(lowEpss, PLAIN, settings(), AS_OF).days).toBe(90);
  });

  it('moves a gap only one band sooner however many reasons there are, and never past critical', () => {
    const all: AssetContext = { internetFacing: true, businessCritical: true, regulatedData: true };
    expect(prioritize(gap({ severity: 'low' }), all, settings(), AS_OF).days).toBe(90);
    expect(prioritize(gap({ severity: 'critical' }), all, settings(), AS_OF)).toMatchObject({
      days: 15,
      rank: 2
    });
  });

  it('never loosens the KEV bands for business-critical or regulated machines', () => {
    const p = prioritize(gap({ kev: KEV }), { ...PLAIN, businessCritical: true }, settings(), AS_OF);
    expect(p.days).toBe(14);
  });

  it('assumes business-critical and regulated data when they are not recorded, and says so', () => {
    const p = prioritize(gap({ cvss: { score: 8.1 } }), { internetFacing: false }, settings(), AS_OF);
    expect(p).toMatchObject({ days: 15, rank: 2, assumed: ['business-critical', 'regulated-data'] });
    expect(p.reason).toBe(
      'High severity (CVSS 8.1), one band sooner (business criticality and regulated data not recorded, so assumed): install within 15 days'
    );
    const one = prioritize(gap(), { ...PLAIN, regulatedData: undefined }, settings(), AS_OF);
    expect(one.assumed).toEqual(['regulated-data']);
  });

  it('does not list context as assumed when it could not change the answer', () => {
    expect(prioritize(gap({ severity: 'critical' }), {}, settings(), AS_OF).assumed).toEqual([]);
    expect(prioritize(gap({ security: false }), {}, settings(), AS_OF).assumed).toEqual([]);
    const triggered = prioritize(gap(), { businessCritical: true }, settings(), AS_OF);
    expect(triggered.assumed).toEqual([]);
  });
});

describe('non-security and end-of-life gaps', () => {
  it('puts a plain pending update that fixes no security issue in the low band', () => {
    const p = prioritize(gap({ security: false, severity: 'high', cves: [] }), {}, settings(), AS_OF);
    expect(p).toMatchObject({ days: 180, rank: 5, label: 'Low', assumed: [] });
    expect(p.reason).toBe('Not a security fix: install within 180 days');
  });

  it('puts a newer version without CVEs in the low band under every policy', () => {
    const g = gap({ kind: 'outdated-software', security: false, cves: [], severity: 'medium' });
    for (const policy of ['severity-bands', 'cisa-bod-26-04', 'pci-dss'] as const) {
      const p = prioritize(g, {}, settings(policy), AS_OF);
      expect(p.days).toBe(180);
      expect(p.reason).toBe('Newer version available, no security fix listed: install within 180 days');
    }
  });

  it('puts end-of-life software in at least the high band (no more security fixes)', () => {
    const g = gap({ kind: 'end-of-life', severity: 'low', security: false, cves: [] });
    const p = prioritize(g, PLAIN, settings(), AS_OF);
    expect(p).toMatchObject({ days: 30, rank: 3, label: 'High' });
    expect(p.reason).toBe('End of life (no more security fixes): replace or upgrade within 30 days');
  });

  it('keeps a critical end-of-life gap critical', () => {
    const g = gap({ kind: 'end-of-life', severity: 'critical', cvss: { score: 9.8 } });
    const p = prioritize(g, PLAIN, settings(), AS_OF);
    expect(p).toMatchObject({ days: 15, rank: 2 });
    expect(p.reason).toBe('End of life, critical severity (CVSS 9.8): replace or upgrade within 15 days');
  });

  it('gives end-of-life software 30 days under BOD 26-04 where the table would say "fix on system upgrade"', () => {
    const g = gap({
      kind: 'end-of-life',
      ssvc: { exploitation: 'none', automatable: 'no', technicalImpact: 'partial' }
    });
    const p = prioritize(g, PLAIN, settings('cisa-bod-26-04'), AS_OF);
    expect(p).toMatchObject({ days: 30, rank: 3, dueDate: '2026-12-24', assumed: [] });
    expect(p.reason).toBe('End of life (no more security fixes): replace or upgrade within 30 days');
  });
});

describe('CISA BOD 26-04', () => {
  it.each(BOD_26_04_TABLE.map((r, i) => [i, r] as const))('applies table row %i', (_i, r) => {
    const g = gap({
      severity: 'low',
      ...(r.inKev ? { kev: KEV } : {}),
      ssvc: {
        exploitation: r.inKev ? 'active' : 'none',
        automatable: r.automatable ? 'yes' : 'no',
        technicalImpact: r.technicalImpact
      }
    });
    const p = prioritize(g, { internetFacing: r.publiclyExposed }, settings('cisa-bod-26-04'), AS_OF);
    const outcome = BOD_26_04_OUTCOMES[r.timeline];
    expect(p.days).toBe(outcome.days);
    expect(p.rank).toBe(outcome.rank);
    expect(p.assumed).toEqual([]);
    expect(p.policy).toBe('cisa-bod-26-04');
    expect(gapPrioritySchema.safeParse(p).success).toBe(true);
    if (outcome.days === null) {
      expect(p).toMatchObject({ dueDate: null, label: 'Next upgrade', rank: 5 });
      expect(p.reason).toMatch(/: fix at the next system upgrade$/);
    } else {
      expect(p.reason).toMatch(new RegExp(`: install within ${outcome.days} days`));
    }
    expect(p.reason.endsWith('and check for signs of compromise')).toBe(outcome.forensicTriage);
    expect(p.reason).toContain(r.inKev ? 'Known exploited' : 'Not known exploited');
  });

  it('writes the reason for the most urgent row in plain words', () => {
    const g = gap({
      kev: KEV,
      ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total' }
    });
    const p = prioritize(g, { internetFacing: true }, settings('cisa-bod-26-04'), AS_OF);
    expect(p.reason).toBe(
      'Known exploited, internet-facing, automatable, total impact (BOD 26-04): install within 3 days and check for signs of compromise'
    );
    expect(p).toMatchObject({ label: 'Emergency', dueDate: '2026-11-27' });
  });

  it('assumes automatable and total impact when Vulnrichment has nothing for the CVE', () => {
    const p = prioritize(gap({ kev: KEV }), { internetFacing: false }, settings('cisa-bod-26-04'), AS_OF);
    expect(p.assumed).toEqual(['automatable', 'technical-impact']);
    expect(p.days).toBe(3);
    expect(p.reason).toBe(
      'Known exploited, not internet-facing, automatable, total impact (BOD 26-04); automatable and technical impact not recorded, so assumed: install within 3 days and check for signs of compromise'
    );
  });

  it('assumes a machine is publicly exposed when that is not recorded', () => {
    const g = gap({ ssvc: { exploitation: 'none', automatable: 'no', technicalImpact: 'partial' } });
    const p = prioritize(g, {}, settings('cisa-bod-26-04'), AS_OF);
    expect(p).toMatchObject({ days: 60, rank: 4, label: 'Medium', assumed: ['internet-facing'] });
    expect(p.reason).toContain('internet exposure not recorded, so assumed');
    const known = prioritize(g, { internetFacing: false }, settings('cisa-bod-26-04'), AS_OF);
    expect(known).toMatchObject({ days: null, dueDate: null, label: 'Next upgrade' });
  });

  it('ignores business criticality, which is not an input of the BOD 26-04 table', () => {
    const g = gap({ ssvc: { exploitation: 'none', automatable: 'no', technicalImpact: 'total' } });
    const p = prioritize(g, { internetFacing: false }, settings('cisa-bod-26-04'), AS_OF);
    expect(p).toMatchObject({ days: null, assumed: [] });
  });

  it('follows the severity bands for a security gap without a CVE', () => {
    const g = gap({ kind: 'scanner-finding', cves: [], severity: 'high' });
    const p = prioritize(g, PLAIN, settings('cisa-bod-26-04'), AS_OF);
    expect(p).toMatchObject({ days: 30, rank: 3 });
    expect(p.reason).toBe('High severity; no CVE for BOD 26-04, so by severity: install within 30 days');
  });
});

describe('PCI DSS', () => {
  it('gives a critical vulnerability one calendar month (6.3.3)', () => {
    const p = prioritize(
      gap({ severity: 'critical', cvss: { score: 9.8 } }),
      PLAIN,
      settings('pci-dss'),
      AS_OF
    );
    expect(p).toMatchObject({
      rank: 2,
      label: 'Critical',
      days: 30,
      dueDate: '2026-12-24',
      policy: 'pci-dss'
    });
    expect(p.reason).toBe('Critical severity (CVSS 9.8); PCI DSS 6.3.3: install within one month');
  });

  it('ends the month on its last day when the date does not exist', () => {
    const p = prioritize(gap({ severity: 'critical' }), PLAIN, settings('pci-dss'), '2027-01-31');
    expect(p).toMatchObject({ dueDate: '2027-02-28', days: 28 });
  });

  it('follows the severity bands for everything that is not critical', () => {
    expect(prioritize(gap({ severity: 'high' }), PLAIN, settings('pci-dss'), AS_OF).days).toBe(30);
    expect(prioritize(gap({ severity: 'medium' }), PLAIN, settings('pci-dss'), AS_OF).days).toBe(90);
    const kev = prioritize(
      gap({ severity: 'critical', kev: KEV }),
      { internetFacing: true },
      settings('pci-dss'),
      AS_OF
    );
    expect(kev).toMatchObject({ days: 3, rank: 1 });
  });
});

describe('overdue', () => {
  it('dates a gap overdue from the fix’s release date plus the policy’s days', () => {
    const p = prioritize(gap({ fixReleased: '2026-09-09' }), PLAIN, settings(), AS_OF);
    expect(p.overdueSince).toBe('2026-10-09');
  });

  it('is not overdue while release + days is on or after the as-of date', () => {
    // 2026-10-25 + 30 days is the as-of date itself: due today, not yet overdue.
    expect(
      prioritize(gap({ fixReleased: '2026-10-26' }), PLAIN, settings(), AS_OF).overdueSince
    ).toBeUndefined();
    expect(
      prioritize(gap({ fixReleased: '2026-10-25' }), PLAIN, settings(), AS_OF).overdueSince
    ).toBeUndefined();
    expect(prioritize(gap({ fixReleased: '2026-10-24' }), PLAIN, settings(), AS_OF).overdueSince).toBe(
      '2026-11-23'
    );
    expect(
      prioritize(gap({ fixReleased: undefined }), PLAIN, settings(), AS_OF).overdueSince
    ).toBeUndefined();
  });

  it('starts the KEV clock when CISA added the CVE if the fix is older', () => {
    const g = gap({ fixReleased: '2024-01-09', kev: { ...KEV, dateAdded: '2026-11-01' } });
    expect(prioritize(g, PLAIN, settings(), AS_OF).overdueSince).toBe('2026-11-15');
  });

  it('adds one calendar month to the release date under PCI DSS', () => {
    const p = prioritize(
      gap({ severity: 'critical', fixReleased: '2026-08-31' }),
      PLAIN,
      settings('pci-dss'),
      AS_OF
    );
    expect(p.overdueSince).toBe('2026-09-30');
  });

  it('is never overdue for "fix on system upgrade"', () => {
    const g = gap({
      fixReleased: '2020-01-01',
      ssvc: { exploitation: 'none', automatable: 'no', technicalImpact: 'partial' }
    });
    const p = prioritize(g, { internetFacing: false }, settings('cisa-bod-26-04'), AS_OF);
    expect(p.overdueSince).toBeUndefined();
  });
});

describe('robustness', () => {
  it('gives the same answer for the same inputs and does not change them', () => {
    const g = gap({ kev: KEV });
    const frozen = JSON.stringify(g);
    const a = prioritize(g, {}, settings('cisa-bod-26-04'), AS_OF);
    const b = prioritize(g, {}, settings('cisa-bod-26-04'), AS_OF);
    expect(a).toEqual(b);
    expect(JSON.stringify(g)).toBe(frozen);
  });

  it('returns no due date rather than throwing on an unreadable as-of or release date', () => {
    const p = prioritize(gap({ fixReleased: '2026-02-30' }), PLAIN, settings(), 'not a date');
    expect(p).toMatchObject({ days: 30, dueDate: null });
    expect(p.overdueSince).toBeUndefined();
    expect(gapPrioritySchema.safeParse(p).success).toBe(true);
  });

  it('produces priorities that satisfy the model schema under every policy', () => {
    for (const policy of ['severity-bands', 'cisa-bod-26-04', 'pci-dss'] as const) {
      for (const g of [gap(), gap({ kev: KEV }), gap({ kind: 'end-of-life' }), gap({ security: false })]) {
        expect(gapPrioritySchema.safeParse(prioritize(g, {}, settings(policy), AS_OF)).success).toBe(true);
      }
    }
  });
});
