import type { AssetContext, EngagementSettings, GapPriority, PatchGap, SeverityBands } from '../model';
import { BOD_26_04_OUTCOMES, bod2604Timeline, type Bod2604Timeline } from './policies';

/**
 * Priority and due date of one patch gap under the engagement's policy (policies.ts). Pure: the as-of date is the only
 * clock, and the same inputs always give the same answer.
 *
 * Rules shared by every policy:
 * - A missing input takes its more urgent value and is named in `assumed` ("internet-facing", "business-critical",
 *   "regulated-data", "automatable", "technical-impact"): a wrong "not urgent" is worse than an early one.
 * - An update that fixes no security issue (security false, e.g. a plain pending update or a newer version without CVEs)
 *   is in the low band.
 * - End-of-life software is at least in the high band: it will never get security fixes again.
 * - dueDate = as-of + days (UTC calendar days); PCI's "one month" adds one calendar month (the same day next month, or
 *   the month's last day when that day does not exist).
 * - overdueSince = the fix's release date + the same days (or month), when that is before the as-of date. For a rule
 *   that rests on the KEV catalog, the clock starts when CISA added the CVE if that is later than the release.
 */

export type PriorityRank = 1 | 2 | 3 | 4 | 5;

export const PRIORITY_LABELS: Readonly<Record<PriorityRank, string>> = {
  1: 'Emergency',
  2: 'Critical',
  3: 'High',
  4: 'Medium',
  5: 'Low'
};
/** Label of rank 5 when the policy gives no calendar deadline (BOD 26-04 "fix on system upgrade"). */
export const NEXT_UPGRADE_LABEL = 'Next upgrade';

/** Items due within this many days are "Emergency" whatever band they came from. */
export const EMERGENCY_MAX_DAYS = 3;
/** EPSS probability (exploitation within 30 days) from which a gap moves one severity band sooner. */
export const EPSS_BAND_THRESHOLD = 0.1;

type Band = 'kevInternetFacing' | 'kev' | 'critical' | 'high' | 'medium' | 'low';

const BAND_RANK: Readonly<Record<Band, PriorityRank>> = {
  kevInternetFacing: 1,
  kev: 2,
  critical: 2,
  high: 3,
  medium: 4,
  low: 5
};

/** Severity bands from most to least urgent, for "one band sooner" and "at least high". */
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'] as const;
type SeverityBand = (typeof SEVERITY_ORDER)[number];

interface Decision {
  /** Calendar days, or null for "at the next upgrade". Ignored when months is set. */
  days: number | null;
  /** Calendar months (PCI DSS "within one month"). */
  months?: number;
  rank: PriorityRank;
  /** What the decision rests on, before the colon of the reason. */
  facts: string;
  /** What to do, after the colon: "install within 3 days". */
  action: string;
  assumed: string[];
  /** The rule rests on the KEV catalog: its clock starts no earlier than the KEV date added. */
  kevClock: boolean;
}

type GapInput = Omit<PatchGap, 'priority'>;

export function prioritize(
  gap: GapInput,
  context: AssetContext,
  settings: EngagementSettings,
  asOf: string
): GapPriority {
  const decision = decide(gap, context, settings);
  const start = parseDate(asOf);
  let dueDate: string | null = null;
  let days = decision.days;
  if (decision.months !== undefined) {
    const due = start === null ? null : addMonths(start, decision.months);
    dueDate = due === null ? null : formatDate(due);
    // The days a calendar month gives from this as-of date (28 to 31); 30 when the as-of date cannot be read.
    days = due === null || start === null ? 30 : Math.round((due - start) / DAY_MS);
  } else if (days !== null && start !== null) {
    dueDate = formatDate(start + days * DAY_MS);
  }

  const rank: PriorityRank = days !== null && days <= EMERGENCY_MAX_DAYS ? 1 : decision.rank;
  const label = days === null && decision.months === undefined ? NEXT_UPGRADE_LABEL : PRIORITY_LABELS[rank];

  const overdueSince = overdue(gap, decision, start);
  return {
    rank,
    label,
    days,
    dueDate,
    ...(overdueSince ? { overdueSince } : {}),
    reason: `${decision.facts}: ${decision.action}`,
    policy: settings.policy,
    assumed: decision.assumed
  };
}

function decide(gap: GapInput, context: AssetContext, settings: EngagementSettings): Decision {
  switch (settings.policy) {
    case 'cisa-bod-26-04':
      return bodDecision(gap, context, settings.bands);
    case 'pci-dss':
      return bandsDecision(gap, context, settings.bands, true);
    case 'severity-bands':
    default:
      return bandsDecision(gap, context, settings.bands, false);
  }
}

/**
 * The default policy (and PCI DSS for everything its one-month rule does not cover). Business-critical machines,
 * regulated data, reported active exploitation and EPSS ≥ 10 % each move a gap one band sooner, once, never past the
 * critical band; the KEV bands are never loosened by them.
 */
function bandsDecision(gap: GapInput, context: AssetContext, bands: SeverityBands, pci: boolean): Decision {
  const eol = gap.kind === 'end-of-life';
  const verb = eol ? 'replace or upgrade' : 'install';

  if (!gap.security && !eol) {
    const facts =
      gap.kind === 'outdated-software'
        ? 'Newer version available, no security fix listed'
        : 'Not a security fix';
    return bandResult('low', bands, facts, verb, [], false);
  }

  if (gap.kev) {
    const suffix = eol ? ' (end of life)' : '';
    if (context.internetFacing === true) {
      return bandResult(
        'kevInternetFacing',
        bands,
        `Known exploited and internet-facing${suffix}`,
        verb,
        [],
        true
      );
    }
    if (context.internetFacing === false) {
      return bandResult('kev', bands, `Known exploited, not internet-facing${suffix}`, verb, [], true);
    }
    return bandResult(
      'kevInternetFacing',
      bands,
      `Known exploited${suffix}; internet exposure not recorded, so assumed`,
      verb,
      ['internet-facing'],
      true
    );
  }

  let band: SeverityBand = gap.severity === 'info' ? 'low' : gap.severity;
  let facts = severityFacts(gap);
  if (eol) {
    if (sooner(band, 'high')) facts = `End of life, ${lowerFirst(facts)}`;
    else {
      band = 'high';
      facts = 'End of life (no more security fixes)';
    }
  }

  const assumed: string[] = [];
  if (band !== 'critical') {
    const triggers: string[] = [];
    if (context.businessCritical === true) triggers.push('business-critical');
    if (context.regulatedData === true) triggers.push('regulated data');
    if (gap.ssvc?.exploitation === 'active') triggers.push('exploitation reported');
    if (gap.epss && gap.epss.score >= EPSS_BAND_THRESHOLD) triggers.push(`EPSS ${percent(gap.epss.score)}`);
    if (triggers.length > 0) {
      band = oneSooner(band);
      facts += `, one band sooner (${triggers.join(', ')})`;
    } else {
      const missing: string[] = [];
      if (context.businessCritical === undefined) missing.push('business-critical');
      if (context.regulatedData === undefined) missing.push('regulated-data');
      if (missing.length > 0) {
        band = oneSooner(band);
        assumed.push(...missing);
        const words = missing.map((m) =>
          m === 'business-critical' ? 'business criticality' : 'regulated data'
        );
        facts += `, one band sooner (${words.join(' and ')} not recorded, so assumed)`;
      }
    }
  }

  if (pci && band === 'critical') {
    return {
      days: null,
      months: 1,
      rank: BAND_RANK.critical,
      facts: `${facts}; PCI DSS 6.3.3`,
      action: `${verb} within one month`,
      assumed,
      kevClock: false
    };
  }
  return bandResult(band, bands, facts, verb, assumed, false);
}

function bandResult(
  band: Band,
  bands: SeverityBands,
  facts: string,
  verb: string,
  assumed: string[],
  kevClock: boolean
): Decision {
  const days = bands[band];
  return { days, rank: BAND_RANK[band], facts, action: within(verb, days), assumed, kevClock };
}

/**
 * CISA BOD 26-04 Table 1. Gaps without a CVE cannot be looked up in KEV or Vulnrichment and follow the severity bands;
 * end-of-life software is at least in the high band. Business criticality and regulated data are not inputs of the
 * table and do not change its answer.
 */
function bodDecision(gap: GapInput, context: AssetContext, bands: SeverityBands): Decision {
  const eol = gap.kind === 'end-of-life';
  if (!gap.security && !eol) return bandsDecision(gap, context, bands, false);
  if (gap.cves.length === 0) {
    const d = bandsDecision(gap, context, bands, false);
    return eol ? d : { ...d, facts: `${d.facts}; no CVE for BOD 26-04, so by severity` };
  }

  const assumed: string[] = [];
  const inKev = gap.kev !== undefined;
  let exposed = context.internetFacing;
  if (exposed === undefined) {
    exposed = true;
    assumed.push('internet-facing');
  }
  let automatable: boolean;
  let impact: 'partial' | 'total';
  if (gap.ssvc) {
    automatable = gap.ssvc.automatable === 'yes';
    impact = gap.ssvc.technicalImpact;
  } else {
    automatable = true;
    impact = 'total';
    assumed.push('automatable', 'technical-impact');
  }
  const timeline: Bod2604Timeline = bod2604Timeline(inKev, exposed, automatable, impact);
  const outcome = BOD_26_04_OUTCOMES[timeline];

  if (eol && (outcome.days === null || outcome.days > bands.high)) {
    return bandResult('high', bands, 'End of life (no more security fixes)', 'replace or upgrade', [], false);
  }

  const verb = eol ? 'replace or upgrade' : 'install';
  let facts = [
    inKev ? 'Known exploited' : 'Not known exploited',
    exposed ? 'internet-facing' : 'not internet-facing',
    automatable ? 'automatable' : 'not automatable',
    `${impact} impact`
  ].join(', ');
  if (eol) facts = `End of life; ${lowerFirst(facts)}`;
  facts += ' (BOD 26-04)';
  if (assumed.length > 0) {
    const words = assumed.map((a) => ASSUMED_WORDS[a] ?? a);
    facts += `; ${joinWords(words)} not recorded, so assumed`;
  }
  let action: string;
  if (outcome.days === null) action = 'fix at the next system upgrade';
  else if (outcome.forensicTriage) action = `${within(verb, outcome.days)} and check for signs of compromise`;
  else action = within(verb, outcome.days);
  return { days: outcome.days, rank: outcome.rank, facts, action, assumed, kevClock: inKev };
}

const ASSUMED_WORDS: Readonly<Record<string, string>> = {
  'internet-facing': 'internet exposure',
  automatable: 'automatable',
  'technical-impact': 'technical impact'
};

function overdue(gap: GapInput, decision: Decision, asOf: number | null): string | undefined {
  if (asOf === null || gap.fixReleased === undefined) return undefined;
  if (decision.days === null && decision.months === undefined) return undefined;
  let clock = parseDate(gap.fixReleased);
  if (clock === null) return undefined;
  if (decision.kevClock && gap.kev) {
    const added = parseDate(gap.kev.dateAdded);
    if (added !== null && added > clock) clock = added;
  }
  const due =
    decision.months !== undefined ? addMonths(clock, decision.months) : clock + (decision.days ?? 0) * DAY_MS;
  return due !== null && due < asOf ? (formatDate(due) ?? undefined) : undefined;
}

function severityFacts(gap: GapInput): string {
  const name = gap.severity === 'info' ? 'Informational' : `${upperFirst(gap.severity)} severity`;
  return gap.cvss ? `${name} (CVSS ${gap.cvss.score.toFixed(1)})` : name;
}

function within(verb: string, days: number): string {
  if (days === 0) return `${verb} now`;
  return `${verb} within ${days} ${days === 1 ? 'day' : 'days'}`;
}

function sooner(a: SeverityBand, b: SeverityBand): boolean {
  return SEVERITY_ORDER.indexOf(a) < SEVERITY_ORDER.indexOf(b);
}

function oneSooner(band: SeverityBand): SeverityBand {
  return SEVERITY_ORDER[Math.max(0, SEVERITY_ORDER.indexOf(band) - 1)] ?? 'critical';
}

function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

const DAY_MS = 86_400_000;

/** Milliseconds at 00:00 UTC of a YYYY-MM-DD date, or null when it is not a real date. */
function parseDate(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return t;
}

/** YYYY-MM-DD, or null past year 9999 (a due date nobody can meet is no date). */
function formatDate(t: number): string | null {
  const d = new Date(t);
  if (!Number.isFinite(d.getTime()) || d.getUTCFullYear() > 9999) return null;
  return d.toISOString().slice(0, 10);
}

/** The same day n months later, or that month's last day (2026-01-31 + 1 month = 2026-02-28). */
function addMonths(t: number, n: number): number | null {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const r = Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay));
  return Number.isFinite(r) ? r : null;
}
