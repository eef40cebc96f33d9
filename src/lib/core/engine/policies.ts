import type { PolicyId } from '../model';

/**
 * The remediation policies an engagement can choose (settings.policy), as data: what the report says about each, where it
 * comes from, and the BOD 26-04 decision table. `prioritize` (priority.ts) applies them to gaps.
 */

export interface RemediationPolicy {
  id: PolicyId;
  /** Short name for settings and the report's methodology page. */
  name: string;
  /** One paragraph for the client and the technician: what the policy asks and how Patchfield applies it. */
  description: string;
  /** The official text to verify against. */
  sourceUrl: string;
}

export const SEVERITY_BANDS_POLICY: RemediationPolicy = {
  id: 'severity-bands',
  name: 'Severity bands',
  description:
    'Patchfield’s default service levels, editable per engagement: known exploited vulnerabilities (CISA KEV) within 14 days, ' +
    'within 3 days on internet-facing machines; otherwise by severity: critical within 15 days, high 30, medium 90, low 180. ' +
    'A gap moves one band sooner (never past critical) on a business-critical machine or one that holds regulated data, or ' +
    'when its vulnerability is reported as actively exploited or has an EPSS score of 10 % or more. End-of-life software ' +
    'is at least high (it will never get security fixes again); updates that fix no security issue are low. The critical 15 ' +
    'and high 30 days follow CISA BOD 19-02, the KEV 14 days BOD 22-01.',
  sourceUrl:
    'https://www.cisa.gov/news-events/directives/bod-22-01-reducing-significant-risk-known-exploited-vulnerabilities'
};

export const CISA_BOD_26_04_POLICY: RemediationPolicy = {
  id: 'cisa-bod-26-04',
  name: 'CISA-recommended (BOD 26-04)',
  description:
    'CISA Binding Operational Directive 26-04 “Prioritizing Security Updates Based on Risk” (2026-06-10) is CISA’s ' +
    'requirement for US federal civilian agencies; Patchfield uses it here as good practice, not as a legal obligation. ' +
    'Its decision table combines four facts: is the vulnerability in CISA’s Known Exploited Vulnerabilities catalog, is the ' +
    'machine publicly exposed (reachable from the internet), can attackers automate exploitation, and is the technical ' +
    'impact total or partial. The answer is 3 days with a forensic check for signs of compromise, 3 days, 14 days, 60 days, ' +
    'or “fix at the next system upgrade”. Automatable and technical impact come from CISA’s Vulnrichment data; where it ' +
    'has none for a vulnerability, or the machine’s exposure is not recorded, Patchfield assumes the more urgent answer ' +
    'and says so. Gaps without a CVE follow the severity bands; end-of-life software is at least high (30 days).',
  sourceUrl: 'https://www.cisa.gov/news-events/directives/bod-26-04-prioritizing-security-updates-based-risk'
};

export const PCI_DSS_POLICY: RemediationPolicy = {
  id: 'pci-dss',
  name: 'PCI DSS v4.0.1',
  description:
    'PCI DSS v4.0.1 requirement 6.3.3: patches for critical vulnerabilities are installed within one month of release. ' +
    'Patchfield counts that as one calendar month (an update found today is due on the same day next month). For all ' +
    'other security patches PCI DSS lets the entity set time frames from its own risk ranking (6.3.1); Patchfield uses ' +
    'the engagement’s severity bands for them (known exploited 14 days, 3 if internet-facing; high 30, medium 90, low ' +
    '180), so a known exploited critical vulnerability is still due within the KEV band.',
  sourceUrl: 'https://www.pcisecuritystandards.org/document_library/'
};

export const POLICIES: Readonly<Record<PolicyId, RemediationPolicy>> = {
  'severity-bands': SEVERITY_BANDS_POLICY,
  'cisa-bod-26-04': CISA_BOD_26_04_POLICY,
  'pci-dss': PCI_DSS_POLICY
};

/** The outcomes of BOD 26-04, in the words of the SSVC decision point "CISA BOD 26-04 Remediation Timelines v1.0.0". */
export const BOD_26_04_TIMELINES = [
  '3 days & forensic investigation',
  '3 days',
  '14 days',
  '60 days',
  'fix on system upgrade'
] as const;
export type Bod2604Timeline = (typeof BOD_26_04_TIMELINES)[number];

export interface Bod2604Outcome {
  /** Calendar days; null: no deadline, fix at the next scheduled upgrade or rebuild. */
  days: number | null;
  /** Look for signs of compromise (BOD 26-04 "forensic triage") as well as patching. */
  forensicTriage: boolean;
  /** GapPriority rank: 3 days → 1 (Emergency), 14 → 2 (Critical), 60 → 4 (Medium), upgrade → 5 (Next upgrade). */
  rank: 1 | 2 | 3 | 4 | 5;
}

export const BOD_26_04_OUTCOMES: Readonly<Record<Bod2604Timeline, Bod2604Outcome>> = {
  '3 days & forensic investigation': { days: 3, forensicTriage: true, rank: 1 },
  '3 days': { days: 3, forensicTriage: false, rank: 1 },
  '14 days': { days: 14, forensicTriage: false, rank: 2 },
  '60 days': { days: 60, forensicTriage: false, rank: 4 },
  'fix on system upgrade': { days: null, forensicTriage: false, rank: 5 }
};

export interface Bod2604Row {
  inKev: boolean;
  publiclyExposed: boolean;
  automatable: boolean;
  technicalImpact: 'partial' | 'total';
  timeline: Bod2604Timeline;
}

/**
 * BOD 26-04 Table 1, row for row as CERTCC/SSVC data/csv/cisa/cisa_bod_26_04_1_0_0.csv (rows 0–15) has it; a test checks
 * it against that file and against the catalog's remediation-timelines.json.
 */
export const BOD_26_04_TABLE: readonly Bod2604Row[] = [
  row(false, false, false, 'partial', 'fix on system upgrade'),
  row(true, false, false, 'partial', '14 days'),
  row(false, true, false, 'partial', '60 days'),
  row(false, false, true, 'partial', '60 days'),
  row(false, false, false, 'total', 'fix on system upgrade'),
  row(true, true, false, 'partial', '14 days'),
  row(true, false, true, 'partial', '14 days'),
  row(false, true, true, 'partial', '14 days'),
  row(true, false, false, 'total', '14 days'),
  row(false, true, false, 'total', '14 days'),
  row(false, false, true, 'total', '60 days'),
  row(true, true, true, 'partial', '3 days'),
  row(true, true, false, 'total', '3 days & forensic investigation'),
  row(true, false, true, 'total', '3 days & forensic investigation'),
  row(false, true, true, 'total', '3 days'),
  row(true, true, true, 'total', '3 days & forensic investigation')
];

function row(
  inKev: boolean,
  publiclyExposed: boolean,
  automatable: boolean,
  technicalImpact: 'partial' | 'total',
  timeline: Bod2604Timeline
): Bod2604Row {
  return { inKev, publiclyExposed, automatable, technicalImpact, timeline };
}

/** The BOD 26-04 timeline for one combination of its four inputs (the table covers all 16). */
export function bod2604Timeline(
  inKev: boolean,
  publiclyExposed: boolean,
  automatable: boolean,
  technicalImpact: 'partial' | 'total'
): Bod2604Timeline {
  const found = BOD_26_04_TABLE.find(
    (r) =>
      r.inKev === inKev &&
      r.publiclyExposed === publiclyExposed &&
      r.automatable === automatable &&
      r.technicalImpact === technicalImpact
  );
  // The table is complete; the fallback only keeps the function total for the type checker.
  return found?.timeline ?? '3 days & forensic investigation';
}
