import { POLICIES } from '../../engine/policies';
import { FORMAT_LABELS, type EngagementResults } from '../../model';
import type { Span } from '../content';
import { count, formatDate, percent, verb } from '../format';
import type { RenderContext } from '../render';
import { SPACE, TYPE } from '../theme';
import { drawBullets, drawSpanTable } from './plan';
import { drawPhotos, type PhotoRef } from './photos';
import { drawParagraph, drawHeading, textStyle } from '../render';

/**
 * "Scope, methodology and data": which files the assessment read, how well they cover the estate, the reference
 * data and its age, the policy behind the due dates, and what the data cannot tell.
 */

export interface MethodologyTable {
  heading: string;
  intro: string;
  /** Said instead of the table when there is nothing to list. */
  empty: string | undefined;
  columns: string[];
  rows: Span[][][];
  /** A line after the table (e.g. "and 12 more"). */
  note: string;
}

export interface MethodologyContent {
  heading: string;
  intro: string;
  /** The technician's notes on the visit, paragraph by paragraph (absent when there are none). */
  notes: { heading: string; paragraphs: string[] } | undefined;
  /** Photos of the visit that show no one machine (absent when there are none). */
  photos: { heading: string; items: PhotoRef[] } | undefined;
  files: MethodologyTable;
  coverage: MethodologyTable;
  unknown: MethodologyTable;
  partial: { heading: string; items: string[]; empty: string | undefined };
  catalog: MethodologyTable;
  policy: {
    heading: string;
    name: string;
    paragraphs: string[];
    columns: string[];
    /** The policy's time frames: what, within how long. */
    rows: Span[][][];
    source: string;
  };
  limitations: { heading: string; items: string[] };
}

/** Reference-data parts in words: what each is and what it answers. */
const PART_NAMES: Record<string, string> = {
  'windows-builds': 'Windows builds and cumulative updates',
  wesng: 'Windows update definitions (WES-NG)',
  msrc: 'Microsoft security updates (MSRC)',
  kev: 'Known exploited vulnerabilities (CISA KEV)',
  epss: 'Exploit prediction scores (FIRST EPSS)',
  ssvc: 'Exploitation and impact (CISA Vulnrichment)',
  cvss: 'Severity scores (CVSS vectors)',
  eol: 'End-of-life dates (endoflife.date)',
  osv: 'Linux and package advisories (OSV)'
};

/** Unknown assets listed by name at most; the asset appendix lists them all. */
const MAX_UNKNOWN_ROWS = 30;
const MAX_PROBLEMS = 8;

const partName = (part: string): string => PART_NAMES[part] ?? part;
const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const days = (n: number): string => count(n, 'day');

/** The days a file's hosts were scanned, as the file states; else when it was imported; else a dash. */
function fileDate(file: EngagementResults['files'][number], importedAt: string | undefined): Span[] {
  if (file.scanned) {
    const { first, last } = file.scanned;
    const text =
      first === last
        ? formatDate(first, 'short')
        : `${formatDate(first, 'short')} – ${formatDate(last, 'short')}`;
    return [{ text }, { text: 'scanned', tone: 'muted', small: true }];
  }
  const day = /^\d{4}-\d{2}-\d{2}/.exec(importedAt ?? '')?.[0];
  if (day) return [{ text: formatDate(day, 'short') }, { text: 'imported', tone: 'muted', small: true }];
  return [{ text: '–', tone: 'muted' }];
}

function filesTable(results: EngagementResults, importedAt: Record<string, string> = {}): MethodologyTable {
  const files = [...results.files];
  return {
    heading: 'Files imported',
    intro:
      'The assessment reads only these files; nothing was installed on the client’s machines. The date is the ' +
      'day the file says its machines were scanned or collected, or else the day it was imported.',
    empty: files.length === 0 ? 'No files were imported for this engagement.' : undefined,
    columns: ['File', 'Format', 'Date', 'Hosts'],
    rows: files.map((f) => [
      [{ text: f.name, bold: true }],
      [{ text: FORMAT_LABELS[f.format] ?? f.format }],
      fileDate(f, importedAt[f.id]),
      [{ text: String(f.hosts) }]
    ]),
    note: ''
  };
}

function coverageTable(results: EngagementResults): MethodologyTable {
  const assets = results.assets;
  const bySources = new Map<number, number>();
  for (const a of assets) {
    const n = new Set(a.asset.sources.map((s) => s.fileId)).size;
    bySources.set(n, (bySources.get(n) ?? 0) + 1);
  }
  const rows: Span[][][] = [...bySources]
    .sort(([a], [b]) => b - a)
    .map(([n, assetCount]) => [
      [{ text: n === 0 ? 'No file' : `${count(n, 'file')}` }],
      [{ text: String(assetCount) }],
      [{ text: percent(assetCount, assets.length), tone: 'muted' }]
    ]);
  const several = assets.filter((a) => new Set(a.asset.sources.map((s) => s.fileId)).size > 1).length;
  return {
    heading: 'Coverage',
    intro:
      assets.length === 0
        ? ''
        : `${count(assets.length, 'asset')} in all. A machine seen by more than one file is merged into one asset; ` +
          `${several} of ${assets.length} ${verb(several, 'was', 'were')} confirmed by two or more files.`,
    empty: assets.length === 0 ? 'No assets were found in the imported files.' : undefined,
    columns: ['Seen in', 'Assets', 'Share'],
    rows,
    note: ''
  };
}

function unknownTable(results: EngagementResults): MethodologyTable {
  const unknown = results.assets
    .filter((a) => a.status === 'unknown')
    .sort((a, b) => a.asset.hostname.localeCompare(b.asset.hostname, 'en'));
  const shown = unknown.slice(0, MAX_UNKNOWN_ROWS);
  return {
    heading: 'Assets whose status is unknown',
    intro:
      unknown.length === 0
        ? ''
        : 'For these machines the files cannot tell whether updates are installed. They are treated as at risk, ' +
          'never as up to date, until a new export shows their state.',
    empty:
      results.assets.length === 0
        ? undefined
        : unknown.length === 0
          ? 'None: the update level of every asset could be read.'
          : undefined,
    columns: ['Host', 'Why it is unknown'],
    rows: shown.map((a) => [
      [{ text: a.asset.hostname || a.asset.fqdn || a.asset.ips[0] || a.asset.id, bold: true }],
      [{ text: a.statusReason || 'No file tells its update level.' }]
    ]),
    note:
      unknown.length > shown.length
        ? `And ${unknown.length - shown.length} more, listed in the appendix.`
        : ''
  };
}

function partialItems(results: EngagementResults): string[] {
  const items: string[] = [];
  const superseded = results.assets.filter((a) => (a.asset.superseded?.length ?? 0) > 0).length;
  if (superseded > 0) {
    items.push(
      `For ${count(superseded, 'asset')} an older file was replaced by a newer one of the same kind; only the ` +
        'newest was used.'
    );
  }
  const inferred = results.assets.filter((a) => a.windows?.revisionSource === 'inferred').length;
  if (inferred > 0) {
    items.push(
      `For ${count(inferred, 'Windows computer')} no file stated the installed update level, so it was worked ` +
        'out from the newest cumulative update listed as installed.'
    );
  }
  const uncovered = results.assets.filter((a) => a.linux && !a.linux.covered).length;
  if (uncovered > 0) {
    items.push(
      `For ${count(uncovered, 'Linux machine')} the reference data has no advisories for the distribution, so ` +
        'their packages could not be checked.'
    );
  }
  if (results.catalogMissing.length > 0) {
    items.push(
      `Reference data not loaded: ${results.catalogMissing.map(partName).join(', ')}. What it would tell is ` +
        'reported as unknown.'
    );
  }
  const problems = results.problems.filter((p) => p.severity !== 'info' && p.code !== 'catalog-stale');
  for (const p of problems.slice(0, MAX_PROBLEMS)) items.push(p.message);
  if (problems.length > MAX_PROBLEMS) {
    items.push(`And ${count(problems.length - MAX_PROBLEMS, 'more note')} in the app’s import log.`);
  }
  return items;
}

function catalogTable(results: EngagementResults): MethodologyTable {
  const age = new Map(results.freshness.map((f) => [f.part, f]));
  const asOf = formatDate(results.asOf, 'short');
  const stale = results.catalog.filter((c) => age.get(c.part)?.stale).length;
  return {
    heading: 'Reference data',
    intro:
      results.catalog.length === 0
        ? ''
        : 'The files are compared with reference data from public sources, stored on the technician’s device. ' +
          'Each part is a snapshot: updates and vulnerabilities published after its date are not known to this ' +
          `report. Ages are counted on the assessment date, ${asOf}.` +
          (stale > 0
            ? ` ${capitalize(count(stale, 'part'))} ${verb(stale, 'was', 'were')} older than recommended on the ` +
              'assessment date; findings that depend on them may be out of date.'
            : ''),
    empty:
      results.catalog.length === 0
        ? 'No reference catalog was loaded, so update levels could not be checked and are reported as unknown.'
        : undefined,
    columns: ['Reference data', 'Source', 'Snapshot', 'Age', 'Status'],
    rows: results.catalog.map((c) => {
      const f = age.get(c.part);
      const status: Span[] = !c.snapshotDate
        ? [{ text: 'Undated', tone: 'unknown', bold: true }]
        : f?.stale
          ? [
              { text: 'Stale', tone: 'behind', bold: true },
              { text: `refresh after ${days(f.maxAgeDays)}`, tone: 'muted', small: true }
            ]
          : [{ text: 'Current', tone: 'good' }];
      return [
        [{ text: partName(c.part), bold: true }],
        [
          { text: c.source },
          {
            text: `${thousands(c.records)} ${c.records === 1 ? 'record' : 'records'}`,
            tone: 'muted',
            small: true
          }
        ],
        [{ text: c.snapshotDate ? formatDate(c.snapshotDate, 'short') : '–' }],
        [{ text: f && f.ageDays !== null ? days(f.ageDays) : '–' }],
        status
      ];
    }),
    note: ''
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function policySection(results: EngagementResults): MethodologyContent['policy'] {
  const { policy: id, bands } = results.settings;
  const policy = POLICIES[id];
  const asOf = formatDate(results.asOf);
  const bandRows: Span[][][] = [
    [
      [{ text: 'Known exploited (in CISA KEV), reachable from the internet' }],
      [{ text: days(bands.kevInternetFacing) }]
    ],
    [[{ text: 'Known exploited (in CISA KEV)' }], [{ text: days(bands.kev) }]],
    [[{ text: 'Critical' }], [{ text: days(bands.critical) }]],
    [[{ text: 'High' }], [{ text: days(bands.high) }]],
    [[{ text: 'Medium' }], [{ text: days(bands.medium) }]],
    [[{ text: 'Low' }], [{ text: days(bands.low) }]]
  ];
  const common =
    `Due dates count from the assessment date, ${asOf}. Where a fact about a machine was not recorded ` +
    '(reachable from the internet, business-critical, holding regulated data), the more urgent answer was ' +
    'assumed, and the gap says so.';
  let paragraphs: string[];
  let rows: Span[][][];
  switch (id) {
    case 'cisa-bod-26-04':
      paragraphs = [
        'CISA’s Binding Operational Directive 26-04 (10 June 2026) sets how fast US federal agencies must fix ' +
          'vulnerabilities. It binds only those agencies; we use it here as recommended good practice. It weighs ' +
          'four facts: is the vulnerability known to be exploited (CISA KEV), is the machine reachable from the ' +
          'internet, can attacks be automated, and would an attacker gain total or partial control. In the ' +
          'table below, each row applies where the rows above it do not.',
        'Gaps without a CVE follow the severity bands below the BOD 26-04 time frames; end-of-life software is ' +
          `at least high. ${common}`
      ];
      rows = [
        [
          [{ text: 'Known exploited, total impact, and exposed or automatable' }],
          [{ text: '3 days, and a check for signs of compromise' }]
        ],
        [[{ text: 'Exposed and automatable, and known exploited or total impact' }], [{ text: '3 days' }]],
        [[{ text: 'Known exploited; or exposed, and automatable or total impact' }], [{ text: '14 days' }]],
        [[{ text: 'Exposed or automatable' }], [{ text: '60 days' }]],
        [
          [{ text: 'Not known exploited, not exposed, not automatable' }],
          [{ text: 'At the next system upgrade' }]
        ],
        ...bandRows.map(([what, within]) => [
          [{ text: `Without a CVE: ${what?.[0]?.text ?? ''}` }],
          within ?? []
        ])
      ];
      break;
    case 'pci-dss':
      paragraphs = [
        'PCI DSS v4.0.1 requires patches for critical vulnerabilities within one month of release (requirement ' +
          '6.3.3). For other security patches it lets each organisation set its own time frames from its risk ' +
          `ranking; we use the severity bands below. ${common}`
      ];
      rows = [
        [[{ text: 'Critical' }], [{ text: 'One calendar month' }]],
        ...bandRows.filter((r) => r[0]?.[0]?.text !== 'Critical')
      ];
      break;
    default:
      paragraphs = [
        'Each gap is due within the days of its band. A gap moves one band sooner on a business-critical machine ' +
          'or one holding regulated data, or when its vulnerability is actively exploited or likely to be ' +
          '(EPSS 10 % or more). End-of-life software is at least high. The critical and high bands follow CISA BOD ' +
          `19-02, the known-exploited band BOD 22-01. ${common}`
      ];
      rows = bandRows;
  }
  return {
    heading: 'How due dates are set',
    name: `Policy: ${policy.name}`,
    paragraphs,
    columns: ['Gap', 'Fix within'],
    rows,
    source: `Source: ${policy.sourceUrl}`
  };
}

function limitations(results: EngagementResults): string[] {
  const unknown = results.totals.unknown;
  return [
    'A machine without data is reported as unknown, never as up to date' +
      (unknown > 0 ? `: ${count(unknown, 'asset')} in this assessment.` : '.'),
    'Scanners and exports see only what they were allowed to see: machines that were switched off, outside the ' +
      'scanned networks or scanned without credentials may be missing, or show fewer problems than they have.',
    `The assessment is a snapshot of ${formatDate(results.asOf)}. Updates and vulnerabilities published after ` +
      'the reference data’s dates are not included.',
    'Software the files do not list, such as portable programs, device firmware and cloud services, is not assessed.',
    'Priorities use public data on exploitation (CISA KEV, FIRST EPSS); a vulnerability not yet known to be ' +
      'exploited can still be attacked.',
    'Dates and effort in the plan are estimates from the engagement’s settings: maintenance windows, ' +
      'technician-hours per window and minutes per machine and update.'
  ];
}

export function buildMethodology(
  results: EngagementResults,
  importedAt?: Record<string, string>,
  notes = '',
  photos: PhotoRef[] = []
): MethodologyContent {
  const partial = partialItems(results);
  const note = notes.trim();
  return {
    heading: 'Scope, methodology and data',
    intro:
      `This page says what the assessment of ${formatDate(results.asOf)} is based on, how complete the data is, ` +
      'and what it cannot tell.',
    notes: note
      ? {
          heading: 'Notes from the visit',
          paragraphs: note
            .split(/\n\s*\n|\n/)
            .map((p) => p.trim())
            .filter(Boolean)
        }
      : undefined,
    photos: photos.length > 0 ? { heading: 'Photos from the visit', items: photos } : undefined,
    files: filesTable(results, importedAt),
    coverage: coverageTable(results),
    unknown: unknownTable(results),
    partial: {
      heading: 'Stale or partial data',
      items: partial,
      empty:
        partial.length === 0
          ? 'None found: every file was read in full and no asset relies on an older file.'
          : undefined
    },
    catalog: catalogTable(results),
    policy: policySection(results),
    limitations: { heading: 'Limitations', items: limitations(results) }
  };
}

const tableText = (t: MethodologyTable): string[] => [
  t.heading,
  t.intro,
  t.empty ?? '',
  ...t.columns,
  ...t.rows.flat(2).map((s) => s.text),
  t.note
];

export function textOfMethodology(c: MethodologyContent): string[] {
  return [
    c.heading,
    c.intro,
    c.notes?.heading ?? '',
    ...(c.notes?.paragraphs ?? []),
    c.photos?.heading ?? '',
    ...(c.photos?.items.map((p) => p.caption) ?? []),
    ...tableText(c.files),
    ...tableText(c.coverage),
    ...tableText(c.unknown),
    c.partial.heading,
    ...c.partial.items,
    c.partial.empty ?? '',
    ...tableText(c.catalog),
    c.policy.heading,
    c.policy.name,
    ...c.policy.paragraphs,
    ...c.policy.columns,
    ...c.policy.rows.flat(2).map((s) => s.text),
    c.policy.source,
    c.limitations.heading,
    ...c.limitations.items
  ].filter((s) => s !== '');
}

export function drawMethodology(ctx: RenderContext, c: MethodologyContent): void {
  const { flow, palette } = ctx;
  const body = textStyle(TYPE.body, palette.ink, false, 1.45);
  const small = textStyle(TYPE.small, palette.muted, false, 1.4);
  flow.newPage();
  drawHeading(ctx, c.heading, 1);
  drawParagraph(ctx, c.intro, textStyle(TYPE.lead, palette.ink, false, 1.45));

  const table = (t: MethodologyTable, draw: () => void, first = false): void => {
    flow.advance(first ? SPACE(5) : SPACE(7));
    drawHeading(ctx, t.heading, 2, SPACE(12));
    if (t.empty !== undefined) {
      drawParagraph(ctx, t.empty, body);
      return;
    }
    if (t.intro) {
      drawParagraph(ctx, t.intro, small);
      flow.advance(SPACE(2));
    }
    if (t.rows.length > 0) draw();
    if (t.note) {
      flow.advance(SPACE(1));
      drawParagraph(ctx, t.note, small);
    }
  };

  if (c.notes) {
    flow.advance(SPACE(5));
    drawHeading(ctx, c.notes.heading, 2, SPACE(10));
    c.notes.paragraphs.forEach((p, i) => {
      if (i > 0) flow.advance(SPACE(2));
      drawParagraph(ctx, p, textStyle(TYPE.small, palette.ink, false, 1.45));
    });
  }

  if (c.photos) {
    flow.advance(SPACE(5));
    drawHeading(ctx, c.photos.heading, 2, SPACE(40));
    flow.advance(SPACE(1));
    drawPhotos(ctx, c.photos.items, ctx.photos ?? new Map());
  }

  table(
    c.files,
    () =>
      drawSpanTable(
        ctx,
        [
          { header: c.files.columns[0] ?? '', width: { flex: 1, min: SPACE(30) } },
          { header: c.files.columns[1] ?? '', width: { flex: 1.2, min: SPACE(30) } },
          { header: c.files.columns[2] ?? '', width: { fit: true, max: SPACE(30) } },
          { header: c.files.columns[3] ?? '', width: { fit: true, max: SPACE(14) }, align: 'right' }
        ],
        c.files.rows
      ),
    !c.notes && !c.photos
  );

  table(c.coverage, () =>
    drawSpanTable(
      ctx,
      [
        { header: c.coverage.columns[0] ?? '', width: { flex: 1, min: SPACE(30) } },
        { header: c.coverage.columns[1] ?? '', width: { fit: true, max: SPACE(20) }, align: 'right' },
        { header: c.coverage.columns[2] ?? '', width: { fit: true, max: SPACE(20) }, align: 'right' }
      ],
      c.coverage.rows
    )
  );

  if (c.unknown.empty !== undefined || c.unknown.rows.length > 0) {
    table(c.unknown, () =>
      drawSpanTable(
        ctx,
        [
          { header: c.unknown.columns[0] ?? '', width: { flex: 0.8, min: SPACE(30) } },
          { header: c.unknown.columns[1] ?? '', width: { flex: 1.6, min: SPACE(40) } }
        ],
        c.unknown.rows
      )
    );
  }

  flow.advance(SPACE(7));
  drawHeading(ctx, c.partial.heading, 2, SPACE(10));
  if (c.partial.empty !== undefined) drawParagraph(ctx, c.partial.empty, body);
  else drawBullets(ctx, c.partial.items, textStyle(TYPE.small, palette.ink, false, 1.4));

  table(c.catalog, () =>
    drawSpanTable(
      ctx,
      [
        { header: c.catalog.columns[0] ?? '', width: { flex: 1.1, min: SPACE(30) } },
        { header: c.catalog.columns[1] ?? '', width: { flex: 1, min: SPACE(26) } },
        { header: c.catalog.columns[2] ?? '', width: { fit: true, max: SPACE(22) } },
        { header: c.catalog.columns[3] ?? '', width: { fit: true, max: SPACE(22) }, align: 'right' },
        { header: c.catalog.columns[4] ?? '', width: { fit: true, max: SPACE(26) } }
      ],
      c.catalog.rows
    )
  );

  flow.advance(SPACE(7));
  drawHeading(ctx, c.policy.heading, 2, SPACE(16));
  drawParagraph(ctx, c.policy.name, textStyle(TYPE.body, palette.ink, true, 1.45));
  flow.advance(SPACE(1));
  c.policy.paragraphs.forEach((p, i) => {
    if (i > 0) flow.advance(SPACE(2));
    drawParagraph(ctx, p, textStyle(TYPE.small, palette.ink, false, 1.45));
  });
  flow.advance(SPACE(3));
  drawSpanTable(
    ctx,
    [
      { header: c.policy.columns[0] ?? '', width: { flex: 1.6, min: SPACE(40) } },
      { header: c.policy.columns[1] ?? '', width: { flex: 1, min: SPACE(30) } }
    ],
    c.policy.rows
  );
  flow.advance(SPACE(1));
  drawParagraph(ctx, c.policy.source, small);

  flow.advance(SPACE(7));
  drawHeading(ctx, c.limitations.heading, 2, SPACE(10));
  drawBullets(ctx, c.limitations.items, textStyle(TYPE.small, palette.ink, false, 1.45));
}
