import { rgb, type PDFPage, type RGB } from 'pdf-lib';
import type { AssetResult, EngagementResults, PatchGap, Severity } from '../../model';
import { PRIORITY_LABELS } from '../../engine/priority';
import { count, formatDate, percent } from '../format';
import { drawHeading, textStyle as style, type RenderContext } from '../render';
import { baselineOffset, lineHeight, type TextStyle } from '../text';
import { SPACE, TYPE, type Palette } from '../theme';

/**
 * "The numbers at a glance": four small vector charts drawn with rectangles, lines and text (no images), each
 * labelled directly so nobody hunts for a legend, and each readable printed in grey (every bar carries its words).
 *
 * This module also holds the drawing helpers the other new sections share: the section heading, the priority ramp
 * (colour plus a shape per rank) and the asset groups (servers, workstations, other).
 */

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

/** A wrapped paragraph at the cursor, breaking pages between lines; at most `width` wide. */
export function paragraph(ctx: RenderContext, text: string, s: TextStyle, width = ctx.flow.width): void {
  const { flow, ts } = ctx;
  const lh = lineHeight(s);
  for (const line of ts.wrap(text, s, Math.min(width, flow.width))) {
    flow.ensure(lh);
    ts.draw(flow.page, line, flow.left, flow.y - baselineOffset(s), s);
    flow.advance(lh);
  }
}

export type PriorityRank = 1 | 2 | 3 | 4 | 5;

/** The priority ramp uses the severity colours: Emergency dark red … Low slate. */
const RANK_TONE: Record<PriorityRank, Severity> = {
  1: 'critical',
  2: 'high',
  3: 'medium',
  4: 'low',
  5: 'info'
};

export function rankTone(rank: number): Severity {
  return RANK_TONE[clampRank(rank)];
}

export function clampRank(rank: number): PriorityRank {
  return Math.min(5, Math.max(1, Math.round(rank))) as PriorityRank;
}

export function priorityColor(palette: Palette, rank: number): RGB {
  return palette.severity[rankTone(rank)];
}

/**
 * The shape of a priority, so it reads without colour: ▲ emergency, ◆ critical, ■ high, ● medium, ○ low.
 * (x, y) is the centre; `size` the shape's height.
 */
export function drawPriorityMarker(
  page: PDFPage,
  rank: number,
  x: number,
  y: number,
  size: number,
  color: RGB
): void {
  const r = size / 2;
  switch (clampRank(rank)) {
    case 1:
      // drawSvgPath's y axis points down from (x, y).
      page.drawSvgPath(`M ${-r * 1.1} ${r} L ${r * 1.1} ${r} L 0 ${-r} Z`, { x, y, color });
      break;
    case 2:
      page.drawSvgPath(`M 0 ${-r * 1.1} L ${r * 1.1} 0 L 0 ${r * 1.1} L ${-r * 1.1} 0 Z`, { x, y, color });
      break;
    case 3:
      page.drawRectangle({ x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7, color });
      break;
    case 4:
      page.drawCircle({ x, y, size: r, color });
      break;
    case 5:
      page.drawCircle({ x, y, size: r * 0.85, borderColor: color, borderWidth: 1.2 });
      break;
  }
}

export type AssetGroup = 'servers' | 'workstations' | 'other';
export const ASSET_GROUPS: readonly AssetGroup[] = ['servers', 'workstations', 'other'];
export const GROUP_LABELS: Record<AssetGroup, string> = {
  servers: 'Servers',
  workstations: 'Workstations',
  other: 'Other devices'
};
const GROUP_NOUNS: Record<AssetGroup, [string, string]> = {
  servers: ['server', 'servers'],
  workstations: ['workstation', 'workstations'],
  other: ['other device', 'other devices']
};

export function groupOf(asset: AssetResult): AssetGroup {
  const role = asset.asset.role;
  return role === 'server' ? 'servers' : role === 'workstation' ? 'workstations' : 'other';
}

export function groupCount(group: AssetGroup, n: number): string {
  const [one, many] = GROUP_NOUNS[group];
  return count(n, one, many);
}

/** Mixes a colour with white: `amount` 0 keeps it, 1 gives white. */
export function tint(color: RGB, amount: number): RGB {
  const mix = (c: number): number => c + (1 - c) * amount;
  return rgb(mix(color.red), mix(color.green), mix(color.blue));
}

/** Vertical stripes inside a rectangle: a fill that still tells groups apart when printed grey. */
function drawStripes(page: PDFPage, x: number, y: number, width: number, height: number, color: RGB): void {
  page.drawRectangle({ x, y, width, height, borderColor: color, borderWidth: 0.6 });
  for (let sx = x + 1.5; sx < x + width - 0.5; sx += 3) {
    page.drawRectangle({ x: sx, y, width: Math.min(1, x + width - sx), height, color });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Content

export interface PriorityBar {
  rank: PriorityRank;
  label: string;
  count: number;
  value: string;
}

export interface AgeBar {
  group: AssetGroup;
  count: number;
  /** Direct label at the bar: "2 workstations". */
  value: string;
}

export interface AgeRow {
  bucket: string;
  label: string;
  bars: AgeBar[];
  /** Said when no asset is in this bucket. */
  none: string;
}

export interface ComplianceRow {
  group: AssetGroup;
  label: string;
  /** 0..1, or null when no asset's status is known. */
  fraction: number | null;
  value: string;
  detail: string;
}

export interface EolItem {
  label: string;
  /** YYYY-MM-DD: the date security fixes end (or ended). */
  date: string;
  /** YYYY-MM-DD: the end of paid extended updates, when within the axis. */
  extendedUntil?: string;
  past: boolean;
  note: string;
}

export interface ChartsContent {
  heading: string;
  intro: string;
  priority: { heading: string; caption: string; bars: PriorityBar[]; empty?: string };
  age: { heading: string; caption: string; rows: AgeRow[]; empty?: string };
  compliance: { heading: string; caption: string; rows: ComplianceRow[]; empty?: string };
  eol: {
    heading: string;
    caption: string;
    items: EolItem[];
    /** Axis: first and last day shown, the assessment date and the tick labels. */
    axis: {
      from: string;
      to: string;
      asOf: string;
      asOfLabel: string;
      ticks: { date: string; label: string }[];
    };
    empty?: string;
  };
}

const BUCKET_LABELS: Record<string, string> = {
  '0': 'Up to date',
  '1–2': '1–2 months',
  '3–5': '3–5 months',
  '6–11': '6–11 months',
  '12+': '12 months or more',
  unknown: 'Cannot tell'
};

/** The grade's months-behind buckets (engine/grade.ts), so the chart adds up to results.score.monthsBehind. */
export function monthsBucket(a: AssetResult): string {
  if (a.status === 'up-to-date') return '0';
  const m = a.windows?.monthsBehind;
  if (a.status !== 'behind' || m === null || m === undefined || !Number.isFinite(m)) return 'unknown';
  if (m < 1) return '0';
  if (m < 3) return '1–2';
  if (m < 6) return '3–5';
  if (m < 12) return '6–11';
  return '12+';
}

/** Adds whole calendar months to a YYYY-MM-DD date (clamped to the month's last day). */
export function addMonths(iso: string, months: number): string {
  const [y = 0, m = 1, d = 1] = iso.slice(0, 10).split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(iso: string): number {
  const [y = 1970, m = 1, d = 1] = iso.slice(0, 10).split('-').map(Number);
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

function monthYear(iso: string): string {
  return formatDate(iso, 'short').replace(/^\d+ /, '');
}

/** Priority labels per rank as the gaps name them ("Low" or "Next upgrade" for rank 5). */
function rankLabel(rank: PriorityRank, gaps: readonly PatchGap[]): string {
  const labels = [...new Set(gaps.filter((g) => g.priority.rank === rank).map((g) => g.priority.label))];
  return labels.length > 0 ? labels.sort().join(' / ') : PRIORITY_LABELS[rank];
}

export function buildCharts(results: EngagementResults): ChartsContent {
  const { assets, gaps } = results;
  const asOf = results.asOf.slice(0, 10);
  const noAssets = 'No assets were imported yet, so there is nothing to chart.';

  // (a) Gaps by priority.
  const ranks: PriorityRank[] = [1, 2, 3, 4, 5];
  const priorityBars = ranks.map((rank) => {
    const n = gaps.filter((g) => clampRank(g.priority.rank) === rank).length;
    return { rank, label: rankLabel(rank, gaps), count: n, value: String(n) };
  });
  const priority = {
    heading: 'Actions to take, by priority',
    caption:
      'Each action is one fix on one machine (one update can close many weaknesses). ' +
      'Priority follows the due-date policy of this assessment.',
    bars: priorityBars,
    ...(assets.length === 0
      ? { empty: noAssets }
      : gaps.length === 0
        ? { empty: 'No actions are needed: no missing security updates or other gaps were found.' }
        : {})
  };

  // (b) Patch age per group.
  const present = ASSET_GROUPS.filter((g) => assets.some((a) => groupOf(a) === g));
  const buckets = results.score.monthsBehind.map((b) => b.bucket);
  const ageRows: AgeRow[] = buckets.map((bucket) => ({
    bucket,
    label: BUCKET_LABELS[bucket] ?? bucket,
    bars: present.map((group) => {
      const n = assets.filter((a) => groupOf(a) === group && monthsBucket(a) === bucket).length;
      return { group, count: n, value: groupCount(group, n) };
    }),
    none: 'none'
  }));
  const age = {
    heading: 'How far behind on updates',
    caption:
      'Machines by how many months of updates they are missing. “Cannot tell” means the data could not show ' +
      'the update level: it is never counted as up to date.',
    rows: ageRows,
    ...(assets.length === 0 ? { empty: noAssets } : {})
  };

  // (c) Compliance by group.
  const complianceRows: ComplianceRow[] = present.map((group) => {
    const members = assets.filter((a) => groupOf(a) === group);
    const up = members.filter((a) => a.status === 'up-to-date').length;
    const known = members.filter((a) => a.status === 'up-to-date' || a.status === 'behind').length;
    const unknown = members.length - known;
    return {
      group,
      label: GROUP_LABELS[group],
      fraction: known > 0 ? up / known : null,
      value: known > 0 ? `${percent(up, known)} fully patched` : 'status unknown',
      detail:
        (known > 0
          ? `${up} of ${known} whose status is known`
          : `none of ${groupCount(group, members.length)} could be read`) +
        (unknown > 0 && known > 0 ? ` · ${unknown} unknown` : known > 0 ? ' · 0 unknown' : '')
    };
  });
  const compliance = {
    heading: 'Fully patched, by group',
    caption:
      'Share of machines with every known update installed, counted over the machines whose status could be read; ' +
      'the machines that could not be read are listed beside each bar.',
    rows: complianceRows,
    ...(assets.length === 0 ? { empty: noAssets } : {})
  };

  // (d) End-of-life timeline: support ended, or ends within 24 months of the assessment.
  const horizon = addMonths(asOf, 24);
  const byCycle = new Map<string, { label: string; date: string; eoes?: string; hosts: string[] }>();
  for (const a of assets) {
    const s = a.support;
    if (!s?.eol || s.eol > horizon) continue;
    const label = s.cycleLabel.toLowerCase().includes(s.product.replace(/^Microsoft /, '').toLowerCase())
      ? s.cycleLabel
      : `${s.product.replace(/^Microsoft /, '')} ${s.cycleLabel}`;
    const key = `${s.productId}\u0000${s.cycle}\u0000${s.eol}`;
    const entry = byCycle.get(key) ?? { label, date: s.eol, eoes: s.eoes, hosts: [] };
    entry.hosts.push(a.asset.hostname);
    byCycle.set(key, entry);
  }
  const items: EolItem[] = [...byCycle.values()]
    .sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.label < y.label ? -1 : 1))
    .map((e) => {
      const past = e.date <= asOf;
      const machines = count(e.hosts.length, 'machine');
      const extended = e.eoes && e.eoes > asOf ? e.eoes : undefined;
      return {
        label: `${e.label} · ${machines}`,
        date: e.date,
        ...(extended ? { extendedUntil: extended } : {}),
        past,
        note:
          (past ? `ended ${formatDate(e.date, 'short')}` : `ends ${formatDate(e.date, 'short')}`) +
          (extended ? `; paid extended updates to ${monthYear(extended)}` : '')
      };
    });
  const earliest = items.reduce((min, i) => (i.date < min ? i.date : min), asOf);
  // From a year before the assessment (or two months before the earliest end) to two years after it.
  const yearBefore = addMonths(asOf, -12);
  const from = `${(earliest < yearBefore ? addMonths(earliest, -2) : yearBefore).slice(0, 7)}-01`;
  const to = items.reduce((max, i) => {
    const end = i.extendedUntil ?? i.date;
    const padded = addMonths(end, 1);
    return padded > max ? padded : max;
  }, horizon);
  const ticks: { date: string; label: string }[] = [];
  const firstYear = Number(from.slice(0, 4)) + 1;
  const lastYear = Number(to.slice(0, 4));
  const stepYears = Math.max(1, Math.ceil((lastYear - firstYear + 1) / 7));
  for (let y = firstYear; y <= lastYear; y += stepYears) ticks.push({ date: `${y}-01-01`, label: String(y) });
  const eol = {
    heading: 'End-of-life timeline',
    caption:
      'Operating systems whose vendor support has ended or ends within 24 months of the assessment. After that ' +
      'date they get no more security fixes.',
    items,
    axis: { from, to, asOf, asOfLabel: `Assessment ${formatDate(asOf, 'short')}`, ticks },
    ...(assets.length === 0
      ? { empty: noAssets }
      : items.length === 0
        ? {
            empty: assets.some((a) => a.support?.eol)
              ? 'No operating system reaches the end of its support within the next 24 months.'
              : 'The support dates of these operating systems are not known, so no timeline can be drawn.'
          }
        : {})
  };

  return {
    heading: 'The numbers at a glance',
    intro:
      'Four views of the same results. Every bar is labelled with its number, so the charts read in black and white too.',
    priority,
    age,
    compliance,
    eol
  };
}

export function textOfCharts(c: ChartsContent): string[] {
  const out = [c.heading, c.intro];
  out.push(c.priority.heading, c.priority.caption, c.priority.empty ?? '');
  for (const b of c.priority.bars) out.push(b.label, b.value);
  out.push(c.age.heading, c.age.caption, c.age.empty ?? '');
  for (const r of c.age.rows) out.push(r.label, r.none, ...r.bars.map((b) => b.value));
  out.push(c.compliance.heading, c.compliance.caption, c.compliance.empty ?? '');
  for (const r of c.compliance.rows) out.push(r.label, r.value, r.detail);
  out.push(c.eol.heading, c.eol.caption, c.eol.empty ?? '', c.eol.axis.asOfLabel);
  out.push(...c.eol.axis.ticks.map((t) => t.label));
  for (const i of c.eol.items) out.push(i.label, i.note);
  return out.filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------------------------
// Drawing

const LABEL_WIDTH = SPACE(34);
const VALUE_ROOM = SPACE(36);

export function drawCharts(ctx: RenderContext, c: ChartsContent): void {
  const { flow, palette } = ctx;
  flow.newPage();
  drawHeading(ctx, c.heading, 1);
  paragraph(ctx, c.intro, style(TYPE.small, palette.muted, false, 1.4), proseWidth(ctx));

  chartBlock(ctx, c.priority.heading, c.priority.caption, c.priority.empty, 5 * SPACE(5), () =>
    drawPriorityBars(ctx, c.priority.bars)
  );
  chartBlock(ctx, c.age.heading, c.age.caption, c.age.empty, SPACE(12), () => drawAgeBars(ctx, c.age.rows));
  chartBlock(ctx, c.compliance.heading, c.compliance.caption, c.compliance.empty, SPACE(10), () =>
    drawCompliance(ctx, c.compliance.rows)
  );
  chartBlock(ctx, c.eol.heading, c.eol.caption, c.eol.empty, SPACE(20), () => drawEolTimeline(ctx, c.eol));
}

const proseWidth = (ctx: RenderContext): number => Math.min(ctx.flow.width, TYPE.small * 52);

function chartBlock(
  ctx: RenderContext,
  heading: string,
  caption: string,
  empty: string | undefined,
  keepWith: number,
  draw: () => void
): void {
  const { flow, palette } = ctx;
  flow.advance(SPACE(5));
  drawHeading(ctx, heading, 2, SPACE(8) + (empty ? 0 : keepWith));
  if (empty) {
    paragraph(ctx, empty, style(TYPE.body, palette.ink, false, 1.45), proseWidth(ctx) * 1.2);
    return;
  }
  paragraph(ctx, caption, style(TYPE.caption, palette.muted, false, 1.4), proseWidth(ctx) * 1.1);
  flow.advance(SPACE(2));
  draw();
}

function drawPriorityBars(ctx: RenderContext, bars: readonly PriorityBar[]): void {
  const { flow, ts, palette } = ctx;
  const label = style(TYPE.body, palette.ink, false);
  const value = style(TYPE.body, palette.ink, true);
  const barMax = Math.min(flow.width - LABEL_WIDTH - SPACE(12), SPACE(90));
  const max = Math.max(1, ...bars.map((b) => b.count));
  const rowHeight = SPACE(5);
  for (const bar of bars) {
    flow.ensure(rowHeight);
    const page = flow.page;
    const color = priorityColor(palette, bar.rank);
    const mid = flow.y - rowHeight / 2;
    const textY = mid - (TYPE.body * 0.729) / 2;
    drawPriorityMarker(page, bar.rank, flow.left + 4, mid, 7, color);
    ts.draw(page, ts.ellipsize(bar.label, label, LABEL_WIDTH - SPACE(5)), flow.left + SPACE(3), textY, label);
    const x = flow.left + LABEL_WIDTH;
    const length = bar.count > 0 ? Math.max(2, (bar.count / max) * barMax) : 0;
    if (length > 0) page.drawRectangle({ x, y: mid - 5, width: length, height: 10, color });
    else zeroTick(ctx, x, mid);
    ts.draw(page, bar.value, x + length + SPACE(2), textY, {
      ...value,
      color: bar.count > 0 ? color : palette.muted
    });
    flow.advance(rowHeight);
  }
}

function zeroTick(ctx: RenderContext, x: number, mid: number): void {
  ctx.flow.page.drawLine({
    start: { x, y: mid - 5 },
    end: { x, y: mid + 5 },
    thickness: 0.6,
    color: ctx.palette.hairline
  });
}

/** Group fills: solid accent, light accent, stripes; the text at each bar names the group too. */
function drawGroupBar(
  ctx: RenderContext,
  group: AssetGroup,
  x: number,
  y: number,
  width: number,
  height: number
): void {
  const page = ctx.flow.page;
  const accent = ctx.palette.accent;
  if (group === 'servers') page.drawRectangle({ x, y, width, height, color: accent });
  else if (group === 'workstations')
    page.drawRectangle({
      x,
      y,
      width,
      height,
      color: tint(accent, 0.55),
      borderColor: accent,
      borderWidth: 0.6
    });
  else drawStripes(page, x, y, width, height, accent);
}

function drawAgeBars(ctx: RenderContext, rows: readonly AgeRow[]): void {
  const { flow, ts, palette } = ctx;
  const label = style(TYPE.body, palette.ink, false);
  const value = style(TYPE.small, palette.ink, false);
  const barMax = Math.min(flow.width - LABEL_WIDTH - VALUE_ROOM, SPACE(80));
  const max = Math.max(1, ...rows.flatMap((r) => r.bars.map((b) => b.count)));
  const barHeight = 8;
  const barGap = 3;
  for (const row of rows) {
    const bars = row.bars.filter((b) => b.count > 0);
    const height =
      Math.max(1, bars.length) * (barHeight + barGap) - barGap + (bars.length > 0 ? SPACE(3) : SPACE(2));
    flow.ensure(height);
    const page = flow.page;
    const top = flow.y - SPACE(1);
    const labelColor = row.bucket === 'unknown' ? palette.unknown : palette.ink;
    ts.draw(page, ts.ellipsize(row.label, label, LABEL_WIDTH - SPACE(2)), flow.left, top - barHeight + 0.5, {
      ...label,
      color: labelColor
    });
    const x = flow.left + LABEL_WIDTH;
    if (bars.length === 0) {
      zeroTick(ctx, x, top - barHeight / 2);
      ts.draw(page, row.none, x + SPACE(2), top - barHeight + 1, { ...value, color: palette.muted });
    }
    bars.forEach((bar, i) => {
      const y = top - (i + 1) * barHeight - i * barGap;
      const length = Math.max(2, (bar.count / max) * barMax);
      drawGroupBar(ctx, bar.group, x, y, length, barHeight);
      ts.draw(page, bar.value, x + length + SPACE(2), y + 1, value);
    });
    // A hairline between buckets keeps each row's bars together.
    flow.advance(height);
    page.drawLine({
      start: { x: flow.left, y: flow.y + 1 },
      end: { x: flow.left + LABEL_WIDTH + barMax + VALUE_ROOM, y: flow.y + 1 },
      thickness: 0.3,
      color: palette.hairline
    });
  }
}

function drawCompliance(ctx: RenderContext, rows: readonly ComplianceRow[]): void {
  const { flow, ts, palette } = ctx;
  const label = style(TYPE.body, palette.ink, false);
  const value = style(TYPE.body, palette.ink, true);
  const detail = style(TYPE.caption, palette.muted, false);
  const trackWidth = Math.min(flow.width - LABEL_WIDTH - VALUE_ROOM * 1.4, SPACE(60));
  const rowHeight = SPACE(8);
  for (const row of rows) {
    flow.ensure(rowHeight);
    const page = flow.page;
    const mid = flow.y - rowHeight / 2;
    const textY = mid - (TYPE.body * 0.729) / 2;
    ts.draw(page, row.label, flow.left, textY, label);
    const x = flow.left + LABEL_WIDTH;
    // The track is the whole group (100 %); the filled part the share fully patched.
    page.drawRectangle({
      x,
      y: mid - 5,
      width: trackWidth,
      height: 10,
      color: palette.zebra,
      borderColor: palette.hairline,
      borderWidth: 0.6
    });
    if (row.fraction !== null && row.fraction > 0) {
      page.drawRectangle({
        x,
        y: mid - 5,
        width: Math.max(2, trackWidth * row.fraction),
        height: 10,
        color: palette.good
      });
    }
    const vx = x + trackWidth + SPACE(3);
    const room = flow.right - vx;
    ts.draw(page, ts.ellipsize(row.value, value, room), vx, mid + 1, {
      ...value,
      color: row.fraction === null ? palette.unknown : palette.ink
    });
    ts.draw(page, ts.ellipsize(row.detail, detail, room), vx, mid - TYPE.caption - 1, detail);
    flow.advance(rowHeight);
  }
}

function drawEolTimeline(ctx: RenderContext, eol: ChartsContent['eol']): void {
  const { flow, ts, palette } = ctx;
  const label = style(TYPE.small, palette.ink, false, 1.3);
  const note = style(TYPE.caption, palette.muted, false, 1.3);
  const tick = style(TYPE.caption, palette.muted, false);
  const labelWidth = LABEL_WIDTH + SPACE(6);
  const axisLeft = flow.left + labelWidth + SPACE(3);
  const axisRight = flow.right - SPACE(2);
  const span = Math.max(1, dayNumber(eol.axis.to) - dayNumber(eol.axis.from));
  const xOf = (iso: string): number =>
    axisLeft + ((dayNumber(iso) - dayNumber(eol.axis.from)) / span) * (axisRight - axisLeft);

  const rows = eol.items.map((item) => {
    const labelLines = ts.wrap(item.label, label, labelWidth, 2);
    const noteLines = ts.wrap(item.note, note, labelWidth, 2);
    const height =
      Math.max(SPACE(6), labelLines.length * lineHeight(label) + noteLines.length * lineHeight(note)) +
      SPACE(2);
    return { item, labelLines, noteLines, height };
  });
  const total = rows.reduce((s, r) => s + r.height, 0) + SPACE(8);
  // Keep the timeline on one page when it fits on one.
  if (total <= flow.bodyHeight) flow.ensure(total);

  const drawAxis = (top: number, bottom: number): void => {
    const page = flow.page;
    const ax = xOf(eol.axis.asOf);
    for (const t of eol.axis.ticks) {
      const x = xOf(t.date);
      if (x < axisLeft || x > axisRight) continue;
      page.drawLine({ start: { x, y: top }, end: { x, y: bottom }, thickness: 0.3, color: palette.hairline });
      ts.draw(page, t.label, x - SPACE(5), bottom - TYPE.caption - 2, tick, 'center', SPACE(10));
    }
    page.drawLine({
      start: { x: axisLeft, y: bottom },
      end: { x: axisRight, y: bottom },
      thickness: 0.6,
      color: palette.muted
    });
    // The assessment date: a dashed line in ink, named above the rows.
    page.drawLine({
      start: { x: ax, y: top + 2 },
      end: { x: ax, y: bottom },
      thickness: 0.8,
      color: palette.ink,
      dashArray: [2, 2]
    });
    const labelWidth = ts.width(eol.axis.asOfLabel, tick);
    const lx = Math.min(Math.max(ax - labelWidth / 2, axisLeft), axisRight - labelWidth);
    ts.draw(page, eol.axis.asOfLabel, lx, top + 5, { ...tick, color: palette.ink });
  };

  let pageTop = flow.y - SPACE(4);
  flow.advance(SPACE(4));
  for (const row of rows) {
    if (flow.ensure(row.height + SPACE(6))) {
      pageTop = flow.y - SPACE(4);
      flow.advance(SPACE(4));
    }
    const page = flow.page;
    const top = flow.y;
    let y = top - SPACE(1);
    y -= ts.drawLines(page, row.labelLines, flow.left, y, label);
    ts.drawLines(page, row.noteLines, flow.left, y, note);
    const mid = top - SPACE(1) - lineHeight(label) / 2;
    const x = xOf(row.item.date);
    const color = row.item.past ? palette.behind : palette.severity.medium;
    // Supported time before the end: a thin line from the axis start.
    page.drawLine({
      start: { x: axisLeft, y: mid },
      end: { x, y: mid },
      thickness: 1.2,
      color: palette.hairline
    });
    if (row.item.extendedUntil) {
      const ex = xOf(row.item.extendedUntil);
      page.drawRectangle({ x, y: mid - 2, width: Math.max(1, ex - x), height: 4, color: tint(color, 0.6) });
      page.drawLine({ start: { x: ex, y: mid - 4 }, end: { x: ex, y: mid + 4 }, thickness: 1, color });
    }
    // Ended: a filled diamond; ends later: a hollow circle.
    if (row.item.past) drawPriorityMarker(page, 2, x, mid, 8, color);
    else
      page.drawCircle({ x, y: mid, size: 3.5, borderColor: color, borderWidth: 1.4, color: palette.white });
    flow.advance(row.height);
  }
  drawAxis(pageTop, flow.y);
  flow.advance(SPACE(6));
}
