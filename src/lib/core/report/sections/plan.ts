import { rgb, type PDFPage, type RGB } from 'pdf-lib';
import type {
  AssetResult,
  EngagementResults,
  MaintenanceWindow,
  PatchGap,
  RemediationWave,
  WaveKind
} from '../../model';
import type { Span } from '../content';
import { count, formatDate, verb } from '../format';
import { drawHeading, drawParagraph, textStyle, toneColor, type RenderContext } from '../render';
import { drawTable, type Cell, type TableColumn, type TableLayout, type TableStyle } from '../table';
import { baselineOffset, lineHeight, type TextStyle } from '../text';
import { SPACE, TYPE, type Palette } from '../theme';

/**
 * The remediation plan: the schedule's waves as a Gantt-style timeline, the waves as a table, the due dates the
 * plan cannot meet, and the decisions the client has to take before the work can start.
 */

// ---------------------------------------------------------------------------------------------------------------
// Drawing primitives shared by the report's sections (same look as render.ts's headings and prose)

/** Bulleted items: a small square bullet (a shape, so it survives any font) and the wrapped text beside it. */
export function drawBullets(ctx: RenderContext, items: readonly string[], s: TextStyle): void {
  const { flow, ts, palette } = ctx;
  const indent = SPACE(4);
  const width = Math.min(flow.width, Math.max(s.size * 38, flow.width * 0.8)) - indent;
  const lh = lineHeight(s);
  for (const item of items) {
    const lines = ts.wrap(item, s, width);
    flow.ensure(Math.min(lines.length, 2) * lh);
    flow.page.drawRectangle({
      x: flow.left + SPACE(1),
      y: flow.y - lh / 2 - 1.5,
      width: 3,
      height: 3,
      color: palette.muted
    });
    lines.forEach((line) => {
      flow.ensure(lh);
      ts.draw(flow.page, line, flow.left + indent, flow.y - baselineOffset(s), s);
      flow.advance(lh);
    });
    flow.advance(SPACE(1));
  }
}

/** The report's table look: small body text, caption headers, zebra rows, hairlines. */
export function sectionTableStyle(palette: Palette): TableStyle {
  return {
    body: textStyle(TYPE.small, palette.ink, false, 1.3),
    header: textStyle(TYPE.caption, palette.ink, true, 1.25),
    paddingX: SPACE(1),
    paddingY: SPACE(1),
    zebra: palette.zebra,
    rule: palette.hairline,
    headerRule: palette.ink
  };
}

/** Content spans (words and tones) as table cells (fonts and colours). */
export function spanCells(palette: Palette, rows: readonly Span[][][]): Cell[][] {
  return rows.map((row) =>
    row.map((cell) =>
      cell.map((span) => ({
        text: span.text,
        color: toneColor(palette, span.tone),
        weight: span.bold ? ('bold' as const) : ('regular' as const),
        size: span.small ? TYPE.caption : undefined
      }))
    )
  );
}

/** A table of spans with the section look. */
export function drawSpanTable(
  ctx: RenderContext,
  columns: readonly TableColumn[],
  rows: readonly Span[][][]
): TableLayout {
  return drawTable(ctx.flow, ctx.ts, {
    columns,
    rows: spanCells(ctx.palette, rows),
    style: sectionTableStyle(ctx.palette)
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Dates: day numbers since 1970-01-01 in the site's local calendar (no clock, no locale)

const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})/;

function dayNumber(iso: string): number | undefined {
  const m = DAY_RE.exec(iso);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) ? undefined : Math.round(ms / DAY_MS);
}

function isoOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;

/** "Tue 1 Dec" */
function shortDay(day: number): string {
  const iso = isoOfDay(day);
  const m = DAY_RE.exec(iso)!;
  return `${WEEKDAYS[weekdayOf(day)]} ${Number(m[3])} ${MONTHS[Number(m[2]) - 1]}`;
}

/** "HH:mm" of a local "YYYY-MM-DDTHH:mm", or "". */
const timeOf = (local: string): string => /T(\d{2}:\d{2})/.exec(local)?.[1] ?? '';

// ---------------------------------------------------------------------------------------------------------------
// Content

export const WAVE_KIND_LABELS: Record<WaveKind, string> = {
  emergency: 'Emergency',
  pilot: 'Pilot ring',
  workstations: 'Workstations',
  servers: 'Servers'
};

/** One due date in a wave's row: met (on or after the wave's last day) or missed (before it). */
export interface DueMark {
  date: string;
  missed: boolean;
}

export interface TimelineRow {
  /** "1", "2" … as in the table. */
  number: string;
  kind: WaveKind;
  /** "1 · Emergency" */
  label: string;
  /** "Wed 25 Nov, 08:00–14:00" */
  when: string;
  startDate: string;
  endDate: string;
  dueMarks: DueMark[];
}

export interface TimelineTick {
  /** A Monday, "YYYY-MM-DD". */
  date: string;
  /** "30 Nov" */
  label: string;
  /** "2026": drawn under the first label and where the year changes. */
  year: string;
}

export interface PlanContent {
  heading: string;
  intro: string;
  /** Said instead of timeline and table when there are no waves. */
  empty: string | undefined;
  timeline: {
    heading: string;
    caption: string;
    /** First and last day of the axis (a Monday, and the Monday after the last wave). */
    axisStart: string;
    axisEnd: string;
    ticks: TimelineTick[];
    legend: { key: WaveKind | 'due-met' | 'due-missed' | 'due-outside'; label: string }[];
    rows: TimelineRow[];
  };
  waves: { heading: string; columns: string[]; rows: Span[][][] };
  misses: { heading: string; intro: string; empty: string | undefined; columns: string[]; rows: Span[][][] };
  /** Risks the client accepted (absent when there are none): listed, not planned while the exception lasts. */
  exceptions: { heading: string; intro: string; columns: string[]; rows: Span[][][] } | undefined;
  decisions: {
    heading: string;
    intro: string;
    empty: string | undefined;
    items: { title: string; text: string }[];
  };
}

function assetName(asset: AssetResult | undefined, fallback: string): string {
  if (!asset) return fallback;
  const a = asset.asset;
  return a.hostname || a.fqdn || a.ips[0] || fallback;
}

/** "Windows 10 22H2 (Pro)" from a support verdict's text, else product and cycle. */
function supportName(asset: AssetResult): string {
  const s = asset.support;
  if (!s) return asset.asset.os.name ?? 'unknown system';
  const head = s.text.split(':')[0]?.trim();
  return head || `${s.product} ${s.cycleLabel}`.trim();
}

/** "1.5 h", "12 h" */
function hours(minutes: number): string {
  const h = Math.round((minutes / 60) * 10) / 10;
  return `${Number.isInteger(h) ? String(h) : h.toFixed(1)} h`;
}

/** "a, b and c"; the first `max` names and "N more" (`separator` "; " when names hold commas). */
function listNames(names: readonly string[], max = 5, separator = ', '): string {
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  const all = rest > 0 ? [...shown, `${rest} more`] : shown;
  if (all.length <= 1) return all.join('');
  return `${all.slice(0, -1).join(separator)} and ${all.at(-1)}`;
}

const DAY_NAMES: Record<MaintenanceWindow['days'][number], string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun'
};

function windowText(w: MaintenanceWindow): string {
  return `${listNames(
    w.days.map((d) => DAY_NAMES[d]),
    7
  )} ${w.start}–${w.end}`;
}

function waveWhen(wave: RemediationWave, withYear: boolean): string {
  const start = dayNumber(wave.start);
  const end = dayNumber(wave.end);
  if (start === undefined) return wave.start;
  const date = withYear ? `${shortDay(start)} ${isoOfDay(start).slice(0, 4)}` : shortDay(start);
  if (end === undefined || end === start) return `${date}, ${timeOf(wave.start)}–${timeOf(wave.end)}`;
  return `${date} ${timeOf(wave.start)} – ${shortDay(end)} ${timeOf(wave.end)}`;
}

/** Due dates this many days after the last wave still fit on the timeline's axis. */
const NEARBY_DUE_DAYS = 28;

export function buildPlanSection(results: EngagementResults): PlanContent {
  const waves = results.waves;
  const gapById = new Map<string, PatchGap>(results.gaps.map((g) => [g.id, g]));
  const assetById = new Map<string, AssetResult>(results.assets.map((a) => [a.asset.id, a]));
  const tz = waves[0]?.timeZone ?? results.settings.schedule.timeZone;

  // The axis: from the Monday on or before the first wave to the Monday after the last one ends.
  const starts = waves.map((w) => dayNumber(w.start)).filter((d): d is number => d !== undefined);
  const ends = waves
    .map((w) => dayNumber(w.end) ?? dayNumber(w.start))
    .filter((d): d is number => d !== undefined);
  const first = starts.length > 0 ? Math.min(...starts) : (dayNumber(results.asOf) ?? 0);
  const last = ends.length > 0 ? Math.max(...ends) : first;
  // Due dates up to four weeks after the last wave stretch the axis so they can be seen; later ones point off it.
  let reach = last;
  for (const wave of waves) {
    for (const id of wave.gapIds) {
      const due = dayNumber(gapById.get(id)?.priority.dueDate ?? '');
      if (due !== undefined && due > reach && due <= last + NEARBY_DUE_DAYS) reach = due;
    }
  }
  const axisStart = first - ((weekdayOf(first) + 6) % 7);
  const axisEnd = Math.max(axisStart + 7, reach + 1 + ((8 - weekdayOf(reach + 1)) % 7));
  const ticks: TimelineTick[] = [];
  for (let d = axisStart; d <= axisEnd; d += 7) {
    const iso = isoOfDay(d);
    ticks.push({
      date: iso,
      label: `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]}`,
      year: iso.slice(0, 4)
    });
  }

  let anyMissed = false;
  let anyOutside = false;
  const rows: TimelineRow[] = waves.map((wave, i) => {
    const end = dayNumber(wave.end) ?? dayNumber(wave.start) ?? axisStart;
    const dues = new Map<string, boolean>();
    for (const id of wave.gapIds) {
      const due = gapById.get(id)?.priority.dueDate;
      if (!due) continue;
      const dueDay = dayNumber(due);
      if (dueDay === undefined) continue;
      const missed = dueDay < end;
      dues.set(due, (dues.get(due) ?? false) || missed);
      if (missed) anyMissed = true;
      if (dueDay < axisStart || dueDay > axisEnd) anyOutside = true;
    }
    return {
      number: String(i + 1),
      kind: wave.kind,
      label: `${i + 1} · ${WAVE_KIND_LABELS[wave.kind]}`,
      when: waveWhen(wave, false),
      startDate: wave.start.slice(0, 10),
      endDate: wave.end.slice(0, 10),
      dueMarks: [...dues]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([date, missed]) => ({ date, missed }))
    };
  });

  const kinds = (['emergency', 'pilot', 'workstations', 'servers'] as const).filter((k) =>
    waves.some((w) => w.kind === k)
  );
  const legend: PlanContent['timeline']['legend'] = [
    ...kinds.map((k) => ({
      key: k,
      label: k === 'emergency' ? 'Emergency (out of cycle)' : WAVE_KIND_LABELS[k]
    })),
    { key: 'due-met' as const, label: 'Due date' },
    ...(anyMissed ? [{ key: 'due-missed' as const, label: 'Due before the wave' }] : []),
    ...(anyOutside ? [{ key: 'due-outside' as const, label: 'Due date off the scale' }] : [])
  ];

  const effort = waves.reduce((sum, w) => sum + w.effortMinutes, 0);
  const machines = new Set(waves.flatMap((w) => w.assetIds)).size;
  const intro =
    waves.length === 0
      ? ''
      : `${capitalizeFirst(count(waves.length, 'wave'))} of work between ${formatDate(isoOfDay(first))} and ` +
        `${formatDate(isoOfDay(last))}, on ${count(machines, 'machine')}, about ${hours(effort)} of technician time ` +
        'in all. Following patch-management practice, the most urgent fixes come first in an out-of-cycle ' +
        'emergency wave, then a small pilot ring tests the updates before the remaining workstations get them, ' +
        'and servers are updated in their own window. Each wave ends with a check that the updates are in place.';

  const waveRows: Span[][][] = waves.map((wave, i) => {
    const start = dayNumber(wave.start);
    const dateCell: Span[] = [
      {
        text:
          start === undefined ? wave.start.slice(0, 10) : `${shortDay(start)} ${isoOfDay(start).slice(0, 4)}`
      },
      { text: `${timeOf(wave.start)}–${timeOf(wave.end)} ${wave.timeZone}`, tone: 'muted', small: true }
    ];
    const endDay = dayNumber(wave.end);
    if (endDay !== undefined && start !== undefined && endDay !== start) {
      dateCell[1] = {
        text: `to ${shortDay(endDay)} ${isoOfDay(endDay).slice(0, 4)}, ${timeOf(wave.start)}–${timeOf(wave.end)} ${wave.timeZone}`,
        tone: 'muted',
        small: true
      };
    }
    const nameCell: Span[] = [
      { text: wave.name, bold: true },
      {
        text: WAVE_KIND_LABELS[wave.kind] + (wave.locked ? ' · locked by the technician' : ''),
        tone: 'muted',
        small: true
      }
    ];
    return [
      [{ text: String(i + 1), tone: 'muted' }],
      nameCell,
      dateCell,
      [{ text: String(wave.assetIds.length) }],
      [{ text: String(wave.gapIds.length) }],
      [{ text: hours(wave.effortMinutes) }],
      [
        { text: wave.verification, small: true },
        { text: `Verify by ${formatDate(wave.expectedCompletion)}`, tone: 'muted', small: true }
      ]
    ];
  });

  const missRows: Span[][][] = results.misses.map((miss) => {
    const gap = gapById.get(miss.gapId);
    const host = assetName(assetById.get(miss.assetId), gap?.hostname ?? miss.assetId);
    const hostCell: Span[] = [{ text: host, bold: true }];
    if (gap) hostCell.push({ text: gap.title, tone: 'muted', small: true });
    return [
      hostCell,
      [{ text: formatDate(miss.dueDate, 'short') }],
      miss.plannedDate
        ? [{ text: formatDate(miss.plannedDate, 'short'), tone: 'behind', bold: true }]
        : [{ text: 'Not placed', tone: 'behind', bold: true }],
      [{ text: miss.reason }],
      [{ text: miss.fix }]
    ];
  });

  return {
    heading: 'Remediation plan',
    intro,
    empty:
      waves.length === 0
        ? results.gaps.length === 0
          ? 'No remediation waves are planned: there are no gaps to close.'
          : results.gaps.every((g) => g.exception?.active)
            ? 'No remediation waves are planned: you accepted the risk of every remaining gap (listed below).'
            : 'No remediation waves could be planned: check the maintenance windows in the engagement settings.'
        : undefined,
    timeline: {
      heading: 'Timeline',
      caption:
        'One row per wave on a calendar of weeks (each vertical line is a Monday; all times are ' +
        `${tz}). A bar marks the day of the work; a diamond marks the due date of the updates in that wave. ` +
        'When the plan is longer than a page, it continues on the next page with the week scale repeated.',
      axisStart: isoOfDay(axisStart),
      axisEnd: isoOfDay(axisEnd),
      ticks,
      legend,
      rows
    },
    waves: {
      heading: 'The waves',
      columns: ['#', 'Wave', 'Date and window', 'Machines', 'Updates', 'Effort', 'How we check it worked'],
      rows: waveRows
    },
    misses: {
      heading: 'Due dates the plan cannot meet',
      intro:
        results.misses.length === 0
          ? ''
          : `${capitalizeFirst(count(results.misses.length, 'update'))} cannot be installed by ${results.misses.length === 1 ? 'its' : 'their'} due date with the current windows and capacity. Each row says why and what would fix it.`,
      empty:
        results.misses.length === 0
          ? waves.length === 0
            ? 'None: there is nothing to schedule.'
            : 'None: every due date is met by the plan.'
          : undefined,
      columns: ['Host', 'Due', 'Planned', 'Why', 'What would fix it'],
      rows: missRows
    },
    exceptions: exceptionsTable(results, assetById),
    decisions: decisions(results, assetById)
  };
}

/** The gaps the client decided to live with, their reasons in the client's words, and when to look again. */
function exceptionsTable(
  results: EngagementResults,
  assetById: Map<string, AssetResult>
): PlanContent['exceptions'] {
  const accepted = results.gaps
    .filter((g) => g.exception)
    .sort(
      (a, b) =>
        assetName(assetById.get(a.assetId), a.hostname).localeCompare(
          assetName(assetById.get(b.assetId), b.hostname),
          'en'
        ) || a.priority.rank - b.priority.rank
    );
  if (accepted.length === 0) return undefined;
  const active = accepted.filter((g) => g.exception?.active).length;
  const lapsed = accepted.length - active;
  return {
    heading: 'Risks you accepted',
    intro:
      `You decided to live with ${count(accepted.length, 'gap')} for now. ` +
      (active > 0
        ? `${active === accepted.length ? (active === 1 ? 'It is' : 'They are') : `${active} of them ${verb(active, 'is', 'are')}`} ` +
          'left out of the plan until the review date, but still counted in the grade: the risk remains. '
        : '') +
      (lapsed > 0
        ? `${capitalizeFirst(count(lapsed, 'exception'))} ${verb(lapsed, 'has', 'have')} passed ${lapsed === 1 ? 'its' : 'their'} review date, so the plan includes ${lapsed === 1 ? 'that gap' : 'those gaps'} again.`
        : ''),
    columns: ['Host', 'Gap', 'Priority', 'Reason', 'Accepted by', 'Review by'],
    rows: accepted.map((g) => {
      const e = g.exception!;
      return [
        [{ text: assetName(assetById.get(g.assetId), g.hostname), bold: true }],
        [{ text: g.title }],
        [{ text: g.priority.label }],
        [{ text: e.reason }],
        e.acceptedBy ? [{ text: e.acceptedBy }] : [{ text: '—', tone: 'muted' }],
        e.until
          ? [
              e.active
                ? { text: formatDate(e.until, 'short') }
                : { text: `${formatDate(e.until, 'short')} (passed)`, tone: 'behind', bold: true }
            ]
          : [{ text: 'Not set', tone: 'muted' }]
      ];
    })
  };
}

function capitalizeFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function decisions(
  results: EngagementResults,
  assetById: Map<string, AssetResult>
): PlanContent['decisions'] {
  const { waves } = results;
  const schedule = results.settings.schedule;
  const items: { title: string; text: string }[] = [];
  const hostsOf = (ids: readonly string[]): string[] =>
    [...new Set(ids)].map((id) => assetName(assetById.get(id), id)).sort((a, b) => a.localeCompare(b, 'en'));

  if (waves.length > 0) {
    const usesWorkstations = waves.some((w) => w.kind === 'pilot' || w.kind === 'workstations');
    const serverWaves = waves.filter((w) => w.kind === 'servers');
    const windows = schedule.windows.filter(
      (w) => (w.for === 'workstations' && usesWorkstations) || (w.for === 'servers' && serverWaves.length > 0)
    );
    const parts: string[] = [];
    if (windows.length > 0) {
      parts.push(
        `The plan uses these maintenance windows (${schedule.timeZone}): ` +
          windows.map((w) => `${w.for} ${windowText(w)}`).join('; ') +
          '. Computers restart during their window and cannot be used until it ends.'
      );
    }
    if (serverWaves.length > 0) {
      const servers = hostsOf(serverWaves.flatMap((w) => w.assetIds));
      const days = serverWaves.map((w) => waveWhen(w, true));
      parts.push(
        `Servers will be down for part of their window: ${listNames(servers)} on ${listNames(days, 4)}. ` +
          'Tell us if a service must stay up, so we can arrange a different time.'
      );
    }
    items.push({
      title: 'Approve the maintenance windows and the downtime',
      text: parts.join(' ') || 'Approve the dates of the waves above.'
    });
  }

  const emergency = waves.filter((w) => w.kind === 'emergency');
  if (emergency.length > 0) {
    const machines = hostsOf(emergency.flatMap((w) => w.assetIds));
    const updates = emergency.reduce((sum, w) => sum + w.gapIds.length, 0);
    items.push({
      title: `Approve the out-of-cycle emergency ${emergency.length === 1 ? 'wave' : 'waves'}`,
      text:
        `${capitalizeFirst(count(updates, 'update'))} ${verb(updates)} known to be exploited or due within ` +
        `${count(schedule.emergencyDays, 'day')}, so ${updates === 1 ? 'it' : 'they'} cannot wait for the regular ` +
        `windows: ${listNames(
          emergency.map((w) => waveWhen(w, true)),
          4
        )}, on ${listNames(machines)}. These ` +
        'machines may restart during working hours.'
    });
  }

  // End-of-life systems: those Microsoft (or another vendor) still sells paid extended updates for, and the rest.
  const eolAssets = new Map<string, AssetResult>();
  for (const gap of results.gaps) {
    if (gap.kind !== 'end-of-life') continue;
    const asset = assetById.get(gap.assetId);
    if (asset) eolAssets.set(asset.asset.id, asset);
  }
  const eol = [...eolAssets.values()].sort((a, b) => assetName(a, '').localeCompare(assetName(b, ''), 'en'));
  const esu = eol.filter((a) => a.support?.phase === 'esu' && !a.context.esuEnrolled);
  if (esu.length > 0) {
    const groups = new Map<string, AssetResult[]>();
    for (const a of esu) {
      const key = supportName(a);
      groups.set(key, [...(groups.get(key) ?? []), a]);
    }
    const lines = [...groups].map(([name, assets]) => {
      const until = assets[0]?.support?.eoes;
      return (
        `${name} on ${listNames(assets.map((a) => assetName(a, '')))}` +
        (until ? `, available until ${formatDate(until)}` : '')
      );
    });
    items.push({
      title: 'Decide whether to buy Extended Security Updates (ESU)',
      text:
        'ESU is a paid vendor subscription that keeps security fixes coming for a system past its end of life, ' +
        `while you plan its replacement: ${lines.join('; ')}. Without it, these machines get no more security fixes.`
    });
  }
  if (eol.length > 0) {
    const named = eol.map((a) => `${assetName(a, '')}, ${supportName(a)}`);
    items.push({
      title: 'Set a budget to replace or upgrade end-of-life systems',
      text:
        `${capitalizeFirst(count(eol.length, 'system'))} ${verb(eol.length)} past the vendor's end of life and will ` +
        `not get security fixes${esu.length > 0 ? ' once extended updates end' : ''}: ${listNames(named, 5, '; ')}. ` +
        'We can quote the hardware, licences and the work to move them.'
    });
  }

  const assumed = new Set<string>();
  const assumedHosts = new Set<string>();
  for (const gap of results.gaps) {
    if (gap.priority.assumed.length === 0) continue;
    gap.priority.assumed.forEach((a) => assumed.add(a));
    assumedHosts.add(assetName(assetById.get(gap.assetId), gap.hostname));
  }
  if (assumed.size > 0) {
    const words: Record<string, string> = {
      'internet-facing': 'reachable from the internet',
      'business-critical': 'business-critical',
      'regulated-data': 'holding regulated data'
    };
    const facts = [...assumed].sort().map((a) => words[a] ?? a);
    items.push({
      title: 'Confirm what we assumed',
      text:
        `For ${count(assumedHosts.size, 'machine')} we did not know whether ${assumedHosts.size === 1 ? 'it is' : 'they are'} ` +
        `${listNames(facts, 3).replace(/ and (?=[^,]*$)/, ' or ')}, so we assumed the more urgent answer. ` +
        'Telling us may give some updates more time.'
    });
  }

  const lapsed = results.gaps.filter((g) => g.exception && !g.exception.active);
  if (lapsed.length > 0) {
    items.push({
      title: 'Review the accepted risks that are past their review date',
      text:
        `${capitalizeFirst(count(lapsed.length, 'accepted risk'))} on ${listNames(hostsOf(lapsed.map((g) => g.assetId)))} ` +
        `${verb(lapsed.length, 'has', 'have')} passed ${lapsed.length === 1 ? 'its' : 'their'} review date and ${verb(lapsed.length, 'is', 'are')} in the plan again. ` +
        'Tell us whether to install the fix or to accept the risk again with a new date.'
    });
  }

  return {
    heading: 'What we need from you',
    intro: items.length > 0 ? 'Before the work can start, these decisions are yours:' : '',
    empty: items.length === 0 ? 'Nothing to decide now: there is no work to schedule.' : undefined,
    items
  };
}

export function textOfPlan(c: PlanContent): string[] {
  const t = c.timeline;
  return [
    c.heading,
    c.intro,
    c.empty ?? '',
    t.heading,
    t.caption,
    ...t.ticks.flatMap((tick) => [tick.label, tick.year]),
    ...t.legend.map((l) => l.label),
    ...t.rows.flatMap((r) => [r.number, r.label, r.when]),
    c.waves.heading,
    ...c.waves.columns,
    ...c.waves.rows.flat(2).map((s) => s.text),
    c.misses.heading,
    c.misses.intro,
    c.misses.empty ?? '',
    ...c.misses.columns,
    ...c.misses.rows.flat(2).map((s) => s.text),
    c.exceptions?.heading ?? '',
    c.exceptions?.intro ?? '',
    ...(c.exceptions?.columns ?? []),
    ...(c.exceptions?.rows.flat(2).map((s) => s.text) ?? []),
    c.decisions.heading,
    c.decisions.intro,
    c.decisions.empty ?? '',
    ...c.decisions.items.flatMap((d, i) => [`${i + 1}.`, d.title, d.text])
  ].filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing

interface Chart {
  x: number;
  width: number;
  start: number;
  end: number;
  dayWidth: number;
}

const ROW_HEIGHT = SPACE(7);
const BAR_HEIGHT = 10;
const LABEL_WIDTH = SPACE(34);

/** Mixes a colour towards white: what a light fill of the brand colour looks like. */
function tint(c: RGB, amount: number): RGB {
  const mix = (a: number): number => a + (1 - a) * amount;
  return rgb(mix(c.red), mix(c.green), mix(c.blue));
}

/**
 * A wave's bar. Each kind differs in shape as well as colour, so the chart reads printed grey: emergency solid
 * dark, pilot hollow, workstations a light fill, servers hatched.
 */
function drawBar(
  page: PDFPage,
  palette: Palette,
  kind: WaveKind,
  x: number,
  y: number,
  w: number,
  h: number
): void {
  const accent = palette.accent;
  switch (kind) {
    case 'emergency':
      page.drawRectangle({ x, y, width: w, height: h, color: palette.severity.critical });
      return;
    case 'pilot':
      page.drawRectangle({
        x,
        y,
        width: w,
        height: h,
        color: palette.white,
        borderColor: accent,
        borderWidth: 1
      });
      return;
    case 'workstations':
      page.drawRectangle({
        x,
        y,
        width: w,
        height: h,
        color: tint(accent, 0.55),
        borderColor: accent,
        borderWidth: 0.8
      });
      return;
    case 'servers': {
      page.drawRectangle({
        x,
        y,
        width: w,
        height: h,
        color: palette.white,
        borderColor: accent,
        borderWidth: 0.8
      });
      // Diagonal hatching clipped to the bar by hand (45° lines every 2.5 pt).
      const step = 2.5;
      for (let c = -h + step / 2; c < w; c += step) {
        const t0 = Math.max(0, -c);
        const t1 = Math.min(h, w - c);
        if (t1 <= t0) continue;
        page.drawLine({
          start: { x: x + c + t0, y: y + t0 },
          end: { x: x + c + t1, y: y + t1 },
          thickness: 0.6,
          color: accent
        });
      }
      return;
    }
  }
}

type MarkShape = 'met' | 'missed' | 'before' | 'after';

/** Due-date marks: a hollow diamond (met), a filled diamond (due before the wave), a triangle off the scale. */
function drawMark(page: PDFPage, palette: Palette, shape: MarkShape, x: number, y: number): void {
  const r = 3.6;
  const path =
    shape === 'after'
      ? `M ${-r} ${-r} L ${r} 0 L ${-r} ${r} Z`
      : shape === 'before'
        ? `M ${r} ${-r} L ${-r} 0 L ${r} ${r} Z`
        : `M 0 ${-r} L ${r} 0 L 0 ${r} L ${-r} 0 Z`;
  const filled = shape === 'missed' || shape === 'before';
  page.drawSvgPath(path, {
    x,
    y,
    color: filled ? palette.behind : palette.white,
    borderColor: filled ? palette.behind : palette.ink,
    borderWidth: 0.9
  });
}

const dayX = (chart: Chart, day: number): number => chart.x + (day - chart.start) * chart.dayWidth;

function drawLegend(ctx: RenderContext, legend: PlanContent['timeline']['legend']): void {
  const { flow, ts, palette } = ctx;
  const s = textStyle(TYPE.caption, palette.ink, false, 1.3);
  const lh = lineHeight(s) + SPACE(1);
  let x = flow.left;
  flow.ensure(lh);
  for (const item of legend) {
    const w = SPACE(4) + SPACE(1) + ts.width(item.label, s) + SPACE(4);
    if (x + w > flow.right && x > flow.left) {
      flow.advance(lh);
      flow.ensure(lh);
      x = flow.left;
    }
    const mid = flow.y - lh / 2;
    const page = flow.page;
    if (item.key === 'due-met') drawMark(page, palette, 'met', x + SPACE(2), mid);
    else if (item.key === 'due-missed') drawMark(page, palette, 'missed', x + SPACE(2), mid);
    else if (item.key === 'due-outside') drawMark(page, palette, 'after', x + SPACE(2), mid);
    else drawBar(page, palette, item.key, x, mid - 4, SPACE(4), 8);
    ts.draw(page, item.label, x + SPACE(5), mid - (s.size * 0.729) / 2, s);
    x += w;
  }
  flow.advance(lh);
}

/** The week scale over the chart: labels at Mondays (thinned when weeks are narrow), year under the first. */
function drawAxis(
  ctx: RenderContext,
  chart: Chart,
  ticks: readonly TimelineTick[],
  labelEvery: number
): void {
  const { flow, ts, palette } = ctx;
  const s = textStyle(TYPE.caption, palette.muted, false, 1.2);
  const y = textStyle(TYPE.caption, palette.muted, true, 1.2);
  const height = 2 * lineHeight(s) + SPACE(1);
  const page = flow.page;
  let shownYear = '';
  ticks.forEach((tick, i) => {
    if (i === ticks.length - 1 || i % labelEvery !== 0) return;
    const x = dayX(chart, dayNumber(tick.date) ?? chart.start);
    ts.draw(page, tick.label, x + 2, flow.y - baselineOffset(s), s);
    if (tick.year !== shownYear) {
      ts.draw(page, tick.year, x + 2, flow.y - lineHeight(s) - baselineOffset(y), y);
      shownYear = tick.year;
    }
  });
  const label = textStyle(TYPE.caption, palette.muted, true, 1.2);
  ts.draw(page, 'Wave', flow.left, flow.y - baselineOffset(label), label);
  flow.advance(height);
  page.drawLine({
    start: { x: flow.left, y: flow.y },
    end: { x: flow.right, y: flow.y },
    thickness: 0.8,
    color: palette.ink
  });
}

function drawTimeline(ctx: RenderContext, t: PlanContent['timeline']): void {
  const { flow, ts, palette } = ctx;
  const start = dayNumber(t.axisStart) ?? 0;
  const end = dayNumber(t.axisEnd) ?? start + 7;
  const x = flow.left + LABEL_WIDTH + SPACE(2);
  const width = flow.right - x - SPACE(2);
  const chart: Chart = { x, width, start, end, dayWidth: width / Math.max(1, end - start) };
  // Labels need about 34 pt; weeks narrower than that are labelled every 2nd, 4th … week.
  const weekWidth = chart.dayWidth * 7;
  const labelEvery = [1, 2, 4, 8, 13, 26, 52].find((k) => k * weekWidth >= 34) ?? 104;
  // Gridlines for every week while they are at least 3 pt apart, else only at labelled weeks.
  const gridEvery = weekWidth >= 3 ? 1 : labelEvery;

  const labelStyle = textStyle(TYPE.small, palette.ink, true, 1.2);
  const whenStyle = textStyle(TYPE.caption, palette.muted, false, 1.2);
  const axisHeight = 2 * lineHeight(whenStyle) + SPACE(1);

  flow.ensure(axisHeight + ROW_HEIGHT * Math.min(3, t.rows.length));
  drawAxis(ctx, chart, t.ticks, labelEvery);
  t.rows.forEach((row, i) => {
    if (flow.ensure(ROW_HEIGHT)) drawAxis(ctx, chart, t.ticks, labelEvery);
    const page = flow.page;
    const top = flow.y;
    const bottom = top - ROW_HEIGHT;
    const mid = top - ROW_HEIGHT / 2;
    if (i % 2 === 1) {
      page.drawRectangle({
        x: flow.left,
        y: bottom,
        width: flow.width,
        height: ROW_HEIGHT,
        color: palette.zebra
      });
    }
    t.ticks.forEach((tick, k) => {
      if (k % gridEvery !== 0) return;
      const tx = dayX(chart, dayNumber(tick.date) ?? start);
      page.drawLine({
        start: { x: tx, y: bottom },
        end: { x: tx, y: top },
        thickness: 0.4,
        color: palette.hairline
      });
    });
    const lh1 = lineHeight(labelStyle);
    const lh2 = lineHeight(whenStyle);
    const textTop = mid + (lh1 + lh2) / 2;
    ts.draw(
      page,
      ts.ellipsize(row.label, labelStyle, LABEL_WIDTH),
      flow.left,
      textTop - baselineOffset(labelStyle),
      labelStyle
    );
    ts.draw(
      page,
      ts.ellipsize(row.when, whenStyle, LABEL_WIDTH),
      flow.left,
      textTop - lh1 - baselineOffset(whenStyle),
      whenStyle
    );

    const s = dayNumber(row.startDate) ?? start;
    const e = dayNumber(row.endDate) ?? s;
    const bx = dayX(chart, s);
    const bw = Math.max(6, (e - s + 1) * chart.dayWidth);
    drawBar(
      page,
      palette,
      row.kind,
      Math.min(bx, chart.x + chart.width - bw),
      mid - BAR_HEIGHT / 2,
      bw,
      BAR_HEIGHT
    );

    for (const mark of row.dueMarks) {
      const d = dayNumber(mark.date);
      if (d === undefined) continue;
      // A due date marks the end of its day; off-scale dates sit on the edge as a triangle pointing outwards.
      if (d < start) drawMark(page, palette, 'before', chart.x - 1, mid);
      else if (d >= end) drawMark(page, palette, 'after', chart.x + chart.width + 1, mid);
      else drawMark(page, palette, mark.missed ? 'missed' : 'met', dayX(chart, d + 1), mid);
    }
    flow.advance(ROW_HEIGHT);
  });
  flow.page.drawLine({
    start: { x: flow.left, y: flow.y },
    end: { x: flow.right, y: flow.y },
    thickness: 0.4,
    color: palette.hairline
  });
}

function drawDecisions(ctx: RenderContext, d: PlanContent['decisions']): void {
  const { flow, ts, palette } = ctx;
  drawHeading(ctx, d.heading, 2, SPACE(12));
  if (d.empty) {
    drawParagraph(ctx, d.empty, textStyle(TYPE.body, palette.ink, false, 1.45));
    return;
  }
  drawParagraph(ctx, d.intro, textStyle(TYPE.body, palette.ink, false, 1.45));
  flow.advance(SPACE(2));
  const title = textStyle(TYPE.body, palette.ink, true, 1.35);
  const body = textStyle(TYPE.small, palette.ink, false, 1.45);
  const indent = SPACE(7);
  const width = Math.min(flow.width, Math.max(body.size * 38, flow.width * 0.8)) - indent;
  d.items.forEach((item, i) => {
    const titleLines = ts.wrap(`${i + 1}. ${item.title}`, title, width);
    const textLines = ts.wrap(item.text, body, width);
    const height = titleLines.length * lineHeight(title) + textLines.length * lineHeight(body);
    flow.ensure(Math.min(height, titleLines.length * lineHeight(title) + 2 * lineHeight(body)));
    // An empty box to tick on paper: the client's approval.
    flow.page.drawRectangle({
      x: flow.left + 1,
      y: flow.y - lineHeight(title) / 2 - 5,
      width: 10,
      height: 10,
      borderColor: palette.ink,
      borderWidth: 0.8
    });
    flow.advance(ts.drawLines(flow.page, titleLines, flow.left + indent, flow.y, title));
    for (const line of textLines) {
      flow.ensure(lineHeight(body));
      ts.draw(flow.page, line, flow.left + indent, flow.y - baselineOffset(body), body);
      flow.advance(lineHeight(body));
    }
    flow.advance(SPACE(3));
  });
}

export function drawPlan(ctx: RenderContext, c: PlanContent): void {
  const { flow, palette } = ctx;
  flow.newPage();
  drawHeading(ctx, c.heading, 1);
  const body = textStyle(TYPE.body, palette.ink, false, 1.45);
  const small = textStyle(TYPE.small, palette.muted, false, 1.4);

  if (c.empty) {
    drawParagraph(ctx, c.empty, body);
  } else {
    drawParagraph(ctx, c.intro, body);
    flow.advance(SPACE(5));
    drawHeading(ctx, c.timeline.heading, 2, SPACE(24));
    drawParagraph(ctx, c.timeline.caption, small);
    flow.advance(SPACE(2));
    drawLegend(ctx, c.timeline.legend);
    flow.advance(SPACE(2));
    drawTimeline(ctx, c.timeline);

    flow.advance(SPACE(8));
    drawHeading(ctx, c.waves.heading, 2, SPACE(16));
    const [n, wave, when, machines, updates, effort, check] = c.waves.columns;
    drawSpanTable(
      ctx,
      [
        { header: n ?? '', width: { fit: true, max: SPACE(8) }, align: 'right' },
        { header: wave ?? '', width: { flex: 1.1, min: SPACE(24) } },
        { header: when ?? '', width: { flex: 0.9, min: SPACE(22) } },
        { header: machines ?? '', width: { fit: true, max: SPACE(16) }, align: 'right' },
        { header: updates ?? '', width: { fit: true, max: SPACE(16) }, align: 'right' },
        { header: effort ?? '', width: { fit: true, max: SPACE(14) }, align: 'right' },
        { header: check ?? '', width: { flex: 1.4, min: SPACE(28) } }
      ],
      c.waves.rows
    );
  }

  flow.advance(SPACE(8));
  drawHeading(ctx, c.misses.heading, 2, SPACE(12));
  if (c.misses.empty) {
    drawParagraph(ctx, c.misses.empty, body);
  } else {
    drawParagraph(ctx, c.misses.intro, small);
    flow.advance(SPACE(2));
    const [host, due, planned, why, fix] = c.misses.columns;
    drawSpanTable(
      ctx,
      [
        { header: host ?? '', width: { flex: 1, min: SPACE(24) } },
        { header: due ?? '', width: { fit: true, max: SPACE(20) } },
        { header: planned ?? '', width: { fit: true, max: SPACE(20) } },
        { header: why ?? '', width: { flex: 1.2, min: SPACE(24) } },
        { header: fix ?? '', width: { flex: 1.2, min: SPACE(24) } }
      ],
      c.misses.rows
    );
  }

  if (c.exceptions) {
    flow.advance(SPACE(8));
    // Heading, intro and the table's first rows stay together.
    drawHeading(ctx, c.exceptions.heading, 2, SPACE(44));
    drawParagraph(ctx, c.exceptions.intro, small);
    flow.advance(SPACE(2));
    const [host, gap, priority, reason, by, until] = c.exceptions.columns;
    drawSpanTable(
      ctx,
      [
        { header: host ?? '', width: { fit: true, max: SPACE(34) } },
        { header: gap ?? '', width: { flex: 1.2, min: SPACE(26) } },
        { header: priority ?? '', width: { fit: true, max: SPACE(20) } },
        { header: reason ?? '', width: { flex: 1.6, min: SPACE(28) } },
        { header: by ?? '', width: { flex: 0.6, min: SPACE(16) } },
        { header: until ?? '', width: { fit: true, max: SPACE(24) } }
      ],
      c.exceptions.rows
    );
  }

  flow.advance(SPACE(8));
  drawDecisions(ctx, c.decisions);
}
