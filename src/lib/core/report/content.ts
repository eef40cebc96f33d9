import type { EngagementResults, AssetResult, OsFamily, PatchStatus, ResultTotals, Severity } from '../model';
import { capitalize, count, formatDate, isoDay, percent, verb } from './format';
import { SEVERITY_LABELS } from './theme';
import type { ReportInput } from './types';
import { buildAppendix, type AppendixContent } from './sections/appendix';
import { buildCharts, type ChartsContent } from './sections/charts';
import { buildExecutive, type ExecutiveContent } from './sections/executive';
import { buildGlossary, type GlossaryContent } from './sections/glossary';
import { buildMethodology, type MethodologyContent } from './sections/methodology';
import type { PhotoRef } from './sections/photos';
import { buildPlanSection, type PlanContent } from './sections/plan';
import { buildProposal, type ProposalContent } from './sections/proposal';
import { buildTopRisks, type RisksContent } from './sections/risks';
import { textOfTableOfContents } from './outline';

/**
 * What the report says, as words and meanings, before anything is laid out. The renderer only draws strings
 * found here, so `collectText` sees every string the PDF will hold (that is how the CJK font is loaded only
 * when needed).
 */
export type Tone = 'ink' | 'muted' | 'accent' | 'good' | 'behind' | 'unknown' | Severity;

export interface Span {
  text: string;
  tone?: Tone;
  bold?: boolean;
  /** Smaller text, e.g. a second line of detail under a value. */
  small?: boolean;
}

export interface Figure {
  label: string;
  value: string;
  caption: string;
  tone: Tone;
}

export interface SeverityBar {
  severity: Severity;
  label: string;
  count: number;
  value: string;
}

export interface LegendItem {
  term: string;
  tone: Tone;
  text: string;
}

export interface AssetColumn {
  header: string;
  kind: 'host' | 'os' | 'update' | 'months' | Severity;
}

export interface ReportContent {
  meta: {
    title: string;
    author: string;
    subject: string;
    keywords: string[];
    creator: string;
    producer: string;
  };
  running: { left: string; right: string };
  footer: { left: string; center: string; pageLabel: string };
  cover: {
    eyebrow: string;
    title: string;
    client: string;
    site: string;
    details: { label: string; value: string }[];
    preparedBy: string;
    confidentiality: string;
  };
  summary: {
    heading: string;
    /** Plain-language paragraphs: the patch status, then what the scan found. */
    paragraphs: string[];
    figures: Figure[];
    findings: { heading: string; bars: SeverityBar[]; note: string };
    legend: { heading: string; items: LegendItem[] };
  };
  assets: {
    heading: string;
    intro: string;
    /** Said instead of a table when there are no assets. */
    empty: string | undefined;
    columns: AssetColumn[];
    rows: Span[][][];
  };
  /** The sections in the order the PDF shows them (see build-report.ts). */
  sections: {
    executive: ExecutiveContent;
    charts: ChartsContent;
    risks: RisksContent;
    plan: PlanContent;
    proposal: ProposalContent | undefined;
    methodology: MethodologyContent;
    appendix: AppendixContent;
    glossary: GlossaryContent;
  };
  /** Titles of the contents page and the PDF bookmarks. */
  contents: string[];
}

/** Section titles as the contents page and the bookmarks list them. */
export const SECTION_TITLES = {
  executive: 'Executive summary',
  charts: 'The numbers at a glance',
  risks: 'Top risks',
  plan: 'Remediation plan',
  proposal: 'Our proposal',
  updates: 'Windows updates and scan findings',
  assets: 'Assets',
  methodology: 'Scope, methodology and data',
  appendix: 'Appendix: machine by machine',
  glossary: 'Glossary'
} as const;

/** Formats that are vulnerability scans; their absence means findings are unknown, not zero. */
const SCANNER_FORMATS: ReadonlySet<string> = new Set(['nessus-v2']);

const TABLE_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/** "Page {n} of {m}", filled in when the page count is known. */
export function pageLabel(template: string, n: number, m: number): string {
  return template.replace('{n}', String(n)).replace('{m}', String(m));
}

/** The captions and ids of the photos on one machine (or, with `undefined`, on none), in the order given. */
function photoRefs(input: ReportInput, assetId: string | undefined): PhotoRef[] {
  return (input.photos ?? [])
    .filter((p) => p.assetId === assetId)
    .map((p) => ({ id: p.id, caption: p.caption }));
}

export function buildContent(input: ReportInput): ReportContent {
  const { engagement, results, mspName } = input;
  const client = engagement.clientName.trim();
  const site = engagement.site.trim();
  const asOf = formatDate(results.asOf);
  const details: { label: string; value: string }[] = [{ label: 'Assessment date', value: asOf }];
  if (engagement.visitDate && engagement.visitDate !== isoDay(results.asOf)) {
    details.push({ label: 'Site visit', value: formatDate(engagement.visitDate) });
  }
  if (engagement.technician.trim())
    details.push({ label: 'Technician', value: engagement.technician.trim() });
  if (engagement.contact.trim()) details.push({ label: 'Client contact', value: engagement.contact.trim() });
  details.push({ label: 'Prepared by', value: mspName });

  const scanned = results.files.some((file) => SCANNER_FORMATS.has(file.format));
  const empty = results.assets.length === 0;
  const sections: ReportContent['sections'] = {
    executive: buildExecutive(results, client),
    charts: buildCharts(results),
    risks: buildTopRisks(results),
    plan: buildPlanSection(results),
    proposal: input.proposal ? buildProposal(results, input.proposal, mspName) : undefined,
    methodology: buildMethodology(results, input.importedAt, engagement.notes, photoRefs(input, undefined)),
    appendix: buildAppendix(results, (assetId) => photoRefs(input, assetId)),
    glossary: buildGlossary()
  };

  return {
    meta: {
      title: `Patch assessment — ${client}`,
      author: mspName,
      subject: `Patch assessment of ${client}${site ? `, ${site}` : ''}, as of ${asOf}`,
      keywords: ['patch assessment', 'Windows updates', client],
      creator: 'Patchfield',
      producer: 'Patchfield (pdf-lib)'
    },
    running: { left: mspName, right: 'Patch assessment' },
    footer: { left: client, center: 'Confidential', pageLabel: 'Page {n} of {m}' },
    cover: {
      eyebrow: mspName,
      title: 'Patch assessment',
      client,
      site,
      details,
      preparedBy: `Prepared by ${mspName}`,
      confidentiality:
        `Confidential. This report describes security weaknesses in the systems of ${client}. ` +
        'Share it only with the people who need it to fix them.'
    },
    summary: {
      heading: SECTION_TITLES.updates,
      paragraphs: [
        ...summaryParagraphs(results.totals, results.assets.length, scanned),
        ...referenceDataParagraph(results)
      ],
      figures: empty ? [] : figures(results.totals),
      findings: findingsContent(results.totals, scanned, empty),
      legend: {
        heading: 'How to read the asset table',
        items: empty ? [] : legendItems()
      }
    },
    assets: {
      heading: 'Assets',
      intro:
        'One row per computer or device, furthest behind first. “Update to install” names the newest Windows ' +
        'cumulative update for the computer’s build; months behind counts whole months between the update ' +
        'installed and that one. The last four columns count the findings a vulnerability scan reported.',
      empty: empty
        ? 'No assets were imported yet. Import scanner or inventory exports for this engagement, then build the report again.'
        : undefined,
      columns: [
        { header: 'Host', kind: 'host' },
        { header: 'Operating system', kind: 'os' },
        { header: 'Update to install', kind: 'update' },
        { header: 'Months behind', kind: 'months' },
        ...TABLE_SEVERITIES.map((severity) => ({ header: SEVERITY_LABELS[severity], kind: severity }))
      ],
      rows: sortAssets(results.assets).map((asset) => assetRow(asset, scanned))
    },
    sections,
    contents: [
      SECTION_TITLES.executive,
      SECTION_TITLES.charts,
      SECTION_TITLES.risks,
      SECTION_TITLES.plan,
      ...(sections.proposal ? [SECTION_TITLES.proposal] : []),
      SECTION_TITLES.updates,
      SECTION_TITLES.assets,
      SECTION_TITLES.methodology,
      SECTION_TITLES.appendix,
      SECTION_TITLES.glossary
    ]
  };
}

const PART_NAMES: Record<string, string> = {
  'windows-builds': 'Windows build table',
  wesng: 'wesng update definitions',
  msrc: 'MSRC security updates',
  kev: 'CISA KEV',
  epss: 'FIRST EPSS',
  ssvc: 'CISA SSVC',
  cvss: 'CVSS vectors',
  eol: 'endoflife.date',
  osv: 'OSV advisories'
};

/**
 * Methodology in one paragraph: which reference data the assessment used, how old each part was on the assessment
 * date, and which parts were older than their threshold (their answers may be out of date).
 */
export function referenceDataParagraph(results: EngagementResults): string[] {
  if (results.catalog.length === 0) {
    return [
      'No reference catalog was loaded, so update levels could not be checked and are reported as unknown.'
    ];
  }
  const age = new Map((results.freshness ?? []).map((f) => [f.part, f]));
  const parts = results.catalog.map((c) => {
    const name = PART_NAMES[c.part] ?? c.part;
    return c.snapshotDate ? `${name} of ${formatDate(c.snapshotDate)}` : `${name} (undated)`;
  });
  const stale = results.catalog
    .filter((c) => age.get(c.part)?.stale)
    .map((c) => {
      const f = age.get(c.part)!;
      return `${PART_NAMES[c.part] ?? c.part}${f.ageDays === null ? '' : ` (${f.ageDays} days)`}`;
    });
  return [
    `Reference data: ${parts.join(', ')}.` +
      (stale.length > 0
        ? ` Older than recommended on the assessment date: ${stale.join(', ')}; findings that depend on them may be out of date.`
        : '')
  ];
}

/** Plain sentences built from the numbers, in two paragraphs. Unknown is never folded into good. */
export function summaryParagraphs(totals: ResultTotals, assetCount: number, scanned: boolean): string[] {
  if (assetCount === 0 || totals.assets === 0) {
    return ['There is nothing to summarise yet: no data has been imported for this engagement.'];
  }
  const n = totals.windowsAssets;
  const w = totals.windows;
  const sentences: string[] = [];
  if (n === 0) sentences.push('No Windows computers were found in the imported data.');
  if (w.behind > 0) {
    const m = totals.maxMonthsBehind;
    const furthest =
      m === null
        ? 'how far behind cannot be told from the data'
        : m === 0
          ? 'none of them is more than a month behind'
          : `the furthest behind is missing ${count(m, 'month')} of updates`;
    sentences.push(
      `${w.behind} of ${count(n, 'Windows computer')} ${verb(w.behind)} missing Windows security updates; ${furthest}.`
    );
  }
  if (w.unknown > 0) {
    sentences.push(
      `For ${count(w.unknown, 'Windows computer')} the data cannot tell whether updates are installed, so ` +
        `${w.unknown === 1 ? 'it' : 'they'} should be treated as at risk until checked.`
    );
  }
  if (w.upToDate > 0) {
    sentences.push(
      w.upToDate === n
        ? `All ${count(n, 'Windows computer')} have the latest Windows security updates.`
        : `${w.upToDate} of ${count(n, 'Windows computer')} ${verb(w.upToDate, 'has', 'have')} the latest Windows security updates.`
    );
  }
  const other = totals.assets - n;
  if (other > 0) {
    sentences.push(
      `${capitalize(count(other, 'other device'))} ${verb(other)} listed, but ${other === 1 ? 'its' : 'their'} ` +
        'updates are not assessed in this report.'
    );
  }
  return [sentences.join(' '), scanSentence(totals, scanned)];
}

function scanSentence(totals: ResultTotals, scanned: boolean): string {
  const f = totals.findings;
  if (!scanned) return 'No vulnerability scan was imported, so scanner findings are not part of this report.';
  if (f.critical + f.high > 0) {
    return (
      `The vulnerability scan reported ${count(f.critical, 'critical finding')} and ` +
      `${count(f.high, 'high-severity finding')}.`
    );
  }
  if (f.medium + f.low > 0) {
    return (
      'The vulnerability scan reported no critical or high-severity findings, and ' +
      `${count(f.medium + f.low, 'medium or low-severity finding')}.`
    );
  }
  return 'The vulnerability scan reported no findings above informational.';
}

function figures(t: ResultTotals): Figure[] {
  return [
    { label: 'Assets assessed', value: String(t.assets), caption: 'computers and devices', tone: 'accent' },
    {
      label: 'Windows computers',
      value: String(t.windowsAssets),
      caption: 'checked against Microsoft’s updates',
      tone: 'accent'
    },
    {
      label: 'Up to date',
      value: String(t.windows.upToDate),
      caption: `${percent(t.windows.upToDate, t.windowsAssets)} of Windows computers`,
      tone: 'good'
    },
    {
      label: 'Missing updates',
      value: String(t.windows.behind),
      caption: `${percent(t.windows.behind, t.windowsAssets)} of Windows computers`,
      tone: 'behind'
    },
    {
      label: 'Unknown',
      value: String(t.windows.unknown),
      caption: 'no data: treat as at risk',
      tone: 'unknown'
    },
    {
      label: 'Furthest behind',
      value:
        t.maxMonthsBehind === null ? (t.windows.behind > 0 ? 'unknown' : '–') : String(t.maxMonthsBehind),
      caption:
        t.maxMonthsBehind === null
          ? 'months of updates'
          : `${t.maxMonthsBehind === 1 ? 'month' : 'months'} of updates missing`,
      tone: t.maxMonthsBehind ? 'behind' : t.windows.behind > 0 ? 'unknown' : 'ink'
    }
  ];
}

function findingsContent(
  t: ResultTotals,
  scanned: boolean,
  empty: boolean
): ReportContent['summary']['findings'] {
  const heading = 'Scanner findings by severity';
  if (empty) return { heading, bars: [], note: '' };
  if (!scanned) {
    return {
      heading,
      bars: [],
      note: 'No vulnerability scan was imported. Findings are unknown, not zero: a scan would show them.'
    };
  }
  const bars = TABLE_SEVERITIES.map((severity) => ({
    severity,
    label: SEVERITY_LABELS[severity],
    count: t.findings[severity],
    value: String(t.findings[severity])
  }));
  const info = t.findings.info;
  return {
    heading,
    bars,
    note:
      info > 0
        ? `Also ${count(info, 'informational finding')}, which need no fix and are not counted as gaps.`
        : ''
  };
}

function legendItems(): LegendItem[] {
  return [
    {
      term: '✓ Up to date',
      tone: 'good',
      text: 'The newest cumulative update for the computer’s Windows build is installed.'
    },
    {
      term: 'KB number',
      tone: 'behind',
      text: 'The computer is behind: this Microsoft cumulative update (knowledge-base number) brings it up to date.'
    },
    {
      term: 'Unknown',
      tone: 'unknown',
      text: 'The data cannot tell which update is installed. It is never counted as up to date; check it.'
    },
    {
      term: 'Not assessed',
      tone: 'muted',
      text: 'Not a Windows computer: its updates are not checked in this version of the report.'
    }
  ];
}

const STATUS_RANK: Record<PatchStatus, number> = {
  behind: 0,
  unknown: 1,
  'not-applicable': 2,
  'up-to-date': 3
};

function windowsStatus(asset: AssetResult): PatchStatus {
  return asset.windows?.status ?? (asset.asset.os.family === 'windows' ? 'unknown' : 'not-applicable');
}

/** Furthest behind first, then unknown, then not assessed, then up to date; by name within each. */
export function sortAssets(assets: readonly AssetResult[]): AssetResult[] {
  const key = (a: AssetResult): string => a.asset.hostname.toLowerCase();
  return [...assets].sort((a, b) => {
    const rank = STATUS_RANK[windowsStatus(a)] - STATUS_RANK[windowsStatus(b)];
    if (rank !== 0) return rank;
    const months = (b.windows?.monthsBehind ?? -1) - (a.windows?.monthsBehind ?? -1);
    if (months !== 0) return months;
    const critical = b.findingCounts.critical - a.findingCounts.critical;
    if (critical !== 0) return critical;
    const high = b.findingCounts.high - a.findingCounts.high;
    if (high !== 0) return high;
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  });
}

const FAMILY_LABELS: Record<OsFamily, string> = {
  windows: 'Windows',
  linux: 'Linux',
  macos: 'macOS',
  unix: 'Unix',
  network: 'Network device',
  other: 'Other system',
  unknown: 'Operating system unknown'
};

function hostCell(result: AssetResult): Span[] {
  const { asset } = result;
  const cell: Span[] = [{ text: asset.hostname || asset.fqdn || asset.ips[0] || asset.id }];
  const ip = asset.ips[0];
  if (ip && ip !== asset.hostname) cell.push({ text: ip, tone: 'muted', small: true });
  return cell;
}

function osCell(result: AssetResult): Span[] {
  const { os } = result.asset;
  const win = result.windows;
  // "Microsoft Windows 10 Pro" → "Windows 10 Pro": the vendor adds nothing in a narrow column.
  const name = (os.name ?? win?.productLine ?? FAMILY_LABELS[os.family]).replace(
    /^Microsoft\s+(?=Windows)/i,
    ''
  );
  const cell: Span[] = [{ text: name }];
  const build = os.build ?? win?.build;
  const revision = win?.installedRevision ?? os.revision;
  if (build !== undefined) {
    const inferred = win?.revisionSource === 'inferred' && revision !== undefined ? ' (inferred)' : '';
    cell.push({
      text: `Build ${build}${revision !== undefined ? `.${revision}` : ''}${inferred}`,
      tone: 'muted',
      small: true
    });
  } else if (os.version) {
    cell.push({ text: `Version ${os.version}`, tone: 'muted', small: true });
  }
  return cell;
}

function updateCell(result: AssetResult): Span[] {
  const win = result.windows;
  const status = windowsStatus(result);
  if (status === 'up-to-date') return [{ text: '✓ Up to date', tone: 'good', bold: true }];
  if (status === 'behind') {
    const required = win?.required;
    if (!required)
      return [
        { text: `Behind — ${win?.explanation ?? 'the update to install is not known'}`, tone: 'behind' }
      ];
    return [
      { text: required.kb, tone: 'behind', bold: true },
      { text: `released ${formatDate(required.releaseDate, 'short')}`, tone: 'muted', small: true }
    ];
  }
  if (status === 'unknown') {
    return [
      {
        text: `Unknown — ${win?.explanation || 'the installed update level could not be read'}`,
        tone: 'unknown'
      }
    ];
  }
  return [{ text: win?.explanation ? `Not assessed — ${win.explanation}` : 'Not assessed', tone: 'muted' }];
}

function monthsCell(result: AssetResult): Span[] {
  const win = result.windows;
  const status = windowsStatus(result);
  if (status === 'not-applicable') return [{ text: '–', tone: 'muted' }];
  if (!win || win.monthsBehind === null) return [{ text: 'unknown', tone: 'unknown' }];
  return [
    {
      text: String(win.monthsBehind),
      tone: win.monthsBehind > 0 ? 'behind' : 'ink',
      bold: win.monthsBehind > 0
    }
  ];
}

function assetRow(result: AssetResult, scanned: boolean): Span[][] {
  return [
    hostCell(result),
    osCell(result),
    updateCell(result),
    monthsCell(result),
    ...TABLE_SEVERITIES.map((severity): Span[] => {
      const n = result.findingCounts[severity];
      if (!scanned && n === 0) return [{ text: '–', tone: 'muted' }];
      return n > 0 ? [{ text: String(n), tone: severity, bold: true }] : [{ text: '0', tone: 'muted' }];
    })
  ];
}

/** Every string the report will draw (deep walk of the content), for font preparation. */
export function collectText(content: ReportContent): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(content);
  out.push(...textOfTableOfContents(content.contents));
  return out;
}
