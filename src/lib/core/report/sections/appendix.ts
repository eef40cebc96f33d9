import type { AssetResult, EngagementResults, PatchGap, PatchStatus } from '../../model';
import type { Span, Tone } from '../content';
import { count, formatDate } from '../format';
import { textStyle as style, toneColor, type RenderContext } from '../render';
import { drawTable, resolveColumnWidths, type Cell, type TableColumn, type TableStyle } from '../table';
import { baselineOffset, lineHeight, type TextStyle, type Typesetter } from '../text';
import { SPACE, TYPE, type Palette } from '../theme';
import { drawPhotos, type PhotoRef } from './photos';

/**
 * The appendix for the client's IT person: one section per machine, most urgent first, with the facts that
 * identify it and a table of the actions to take on it (what to install, which CVEs it closes, by when).
 * Sections flow one after another; a machine's heading never sits alone at the bottom of a page.
 */

export interface AppendixAsset {
  assetId: string;
  /** The host name (or FQDN, IP, id when the data has no name). */
  heading: string;
  /** Short facts, each its own wrapped line: system and build, role and addresses, status, support phase. */
  facts: Span[];
  /** One row per gap: priority, action, KB or required version, CVEs, due date. Empty for a clean machine. */
  rows: Span[][][];
  /** Said instead of a table when the machine has no gaps; never claims "fine" when the data cannot tell. */
  noGaps: Span | undefined;
  /** Programs past end of life or outdated beyond the operating system's own verdict (in the facts). */
  endOfLife: { heading: string; items: string[] } | undefined;
  /** The technician's note on this machine, in full. */
  note: { heading: string; text: string } | undefined;
  /** Photos of this machine. */
  photos: PhotoRef[];
}

export interface AppendixContent {
  heading: string;
  intro: string;
  /** Said instead of any section when the engagement has no assets. */
  empty: string | undefined;
  columns: string[];
  assets: AppendixAsset[];
}

/** How many CVEs a row names before "and N more". */
const CVES_SHOWN = 2;
/** How many addresses the facts line names before "and N more". */
const IPS_SHOWN = 3;

const ROLE_LABELS: Record<AssetResult['asset']['role'], string> = {
  server: 'Server',
  workstation: 'Workstation',
  network: 'Network device',
  other: 'Other device',
  unknown: 'Role unknown'
};

const STATUS_LABELS: Record<PatchStatus, string> = {
  behind: 'Behind',
  unknown: 'Unknown',
  'not-applicable': 'Not assessed',
  'up-to-date': 'Up to date'
};

const STATUS_TONES: Record<PatchStatus, Tone> = {
  behind: 'behind',
  unknown: 'unknown',
  'not-applicable': 'muted',
  'up-to-date': 'good'
};

/** Machines without gaps: those the data cannot vouch for come before those that are up to date. */
const CLEAN_RANK: Record<PatchStatus, number> = {
  behind: 6,
  unknown: 7,
  'not-applicable': 8,
  'up-to-date': 9
};

/** Priority rank 1 (most urgent) .. 5 onto the report's colour ramp; the label always says it in words too. */
const RANK_TONES: Record<number, Tone> = { 1: 'critical', 2: 'high', 3: 'medium', 4: 'low', 5: 'info' };

function hostName(result: AssetResult): string {
  const { asset } = result;
  return asset.hostname || asset.fqdn || asset.ips[0] || asset.id;
}

function compareGaps(a: PatchGap, b: PatchGap): number {
  const rank = a.priority.rank - b.priority.rank;
  if (rank !== 0) return rank;
  // No deadline ("next upgrade") sorts after any date.
  const dueA = a.priority.dueDate ?? '9999';
  const dueB = b.priority.dueDate ?? '9999';
  if (dueA !== dueB) return dueA < dueB ? -1 : 1;
  if (a.title !== b.title) return a.title < b.title ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Most urgent first (best priority rank, then more gaps at it), then by host name. */
export function sortAppendixAssets(
  assets: readonly AssetResult[],
  gapsByAsset: ReadonlyMap<string, readonly PatchGap[]>
): AssetResult[] {
  const keyed = assets.map((result) => {
    const gaps = gapsByAsset.get(result.asset.id) ?? [];
    let rank = gaps.length > 0 ? 6 : CLEAN_RANK[result.status];
    let atRank = 0;
    for (const gap of gaps) {
      if (gap.priority.rank < rank) {
        rank = gap.priority.rank;
        atRank = 0;
      }
      if (gap.priority.rank === rank) atRank++;
    }
    return { result, rank, atRank, name: hostName(result).toLowerCase() };
  });
  keyed.sort(
    (a, b) =>
      a.rank - b.rank ||
      b.atRank - a.atRank ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.result.asset.id < b.result.asset.id ? -1 : a.result.asset.id > b.result.asset.id ? 1 : 0)
  );
  return keyed.map((k) => k.result);
}

function systemFact(result: AssetResult): string {
  const { os } = result.asset;
  const win = result.windows;
  const name = (os.name ?? win?.productLine ?? 'Operating system unknown').replace(
    /^Microsoft\s+(?=Windows)/i,
    ''
  );
  const build = os.build ?? win?.build;
  const revision = win?.installedRevision ?? os.revision;
  if (build !== undefined) {
    const inferred = win?.revisionSource === 'inferred' && revision !== undefined ? ' (inferred)' : '';
    return `${name} · build ${build}${revision !== undefined ? `.${revision}` : ''}${inferred}`;
  }
  return os.version ? `${name} · version ${os.version}` : name;
}

function addressFact(result: AssetResult): string {
  const { asset } = result;
  const parts = [ROLE_LABELS[asset.role]];
  if (asset.fqdn && asset.fqdn !== asset.hostname) parts.push(asset.fqdn);
  if (asset.ips.length > 0) {
    const shown = asset.ips.slice(0, IPS_SHOWN).join(', ');
    const more = asset.ips.length - IPS_SHOWN;
    parts.push(more > 0 ? `${shown} and ${more} more` : shown);
  } else {
    parts.push('no IP address in the data');
  }
  return parts.join(' · ');
}

function supportTone(phase: NonNullable<AssetResult['support']>['phase']): Tone {
  switch (phase) {
    case 'supported':
      return 'muted';
    case 'security-only':
      return 'ink';
    case 'unknown':
      return 'unknown';
    default:
      return 'behind';
  }
}

function facts(result: AssetResult, gapCount: number): Span[] {
  const out: Span[] = [{ text: `${systemFact(result)} · ${addressFact(result)}` }];
  const reason = result.statusReason.trim();
  const status = STATUS_LABELS[result.status];
  out.push({
    text: reason ? `Status: ${status} — ${reason}` : `Status: ${status}${gapCount > 0 ? '' : '.'}`,
    tone: STATUS_TONES[result.status]
  });
  if (result.support) {
    out.push({ text: `Support: ${result.support.text}`, tone: supportTone(result.support.phase) });
  }
  return out;
}

function priorityCell(gap: PatchGap): Span[] {
  const cell: Span[] = [
    { text: gap.priority.label, tone: RANK_TONES[gap.priority.rank] ?? 'ink', bold: true }
  ];
  if (gap.kev) {
    cell.push({
      text: gap.kev.ransomware ? 'Known exploited, used by ransomware' : 'Known exploited',
      small: true
    });
  }
  return cell;
}

function actionCell(gap: PatchGap): Span[] {
  // The priority's reason is left to the plan and risk sections: here a row stays two or three lines, so a
  // few thousand machines stay a few hundred pages.
  const cell: Span[] = [{ text: gap.title }];
  if (gap.rebootRequired) cell.push({ text: 'Restart needed', tone: 'muted', small: true });
  return cell;
}

function fixCell(gap: PatchGap): Span[] {
  if (gap.kb) {
    const cell: Span[] = [{ text: gap.kb, bold: true }];
    if (gap.required) cell.push({ text: gap.required, tone: 'muted', small: true });
    return cell;
  }
  if (gap.required) {
    const cell: Span[] = [{ text: gap.required }];
    if (gap.installed) cell.push({ text: `installed ${gap.installed}`, tone: 'muted', small: true });
    return cell;
  }
  return [{ text: '–', tone: 'muted' }];
}

function cveCell(gap: PatchGap): Span[] {
  if (gap.cves.length === 0) return [{ text: '–', tone: 'muted' }];
  // Known exploited CVEs first, then the one that gave the CVSS score, then the rest as listed.
  const listed = new Set(gap.cves);
  const shown = new Set<string>();
  const take = (cves: readonly string[]): void => {
    for (const cve of cves) {
      if (shown.size === CVES_SHOWN) return;
      if (listed.has(cve)) shown.add(cve);
    }
  };
  take(gap.kev?.cves ?? []);
  if (gap.cvss?.cve) take([gap.cvss.cve]);
  take(gap.cves);
  const cell: Span[] = [...shown].map((cve) => ({ text: cve }));
  const more = gap.cves.length - CVES_SHOWN;
  if (more > 0) cell.push({ text: `and ${more} more`, tone: 'muted', small: true });
  return cell;
}

function dueCell(gap: PatchGap): Span[] {
  const { dueDate, overdueSince } = gap.priority;
  if (gap.exception?.active) {
    // The client's decision replaces the deadline; the reason is in the plan's "Risks you accepted".
    const cell: Span[] = [{ text: 'Risk accepted', tone: 'accent', bold: true }];
    if (gap.exception.until) {
      cell.push(
        { text: 'review by', tone: 'muted', small: true },
        { text: formatDate(gap.exception.until, 'short'), tone: 'muted', small: true }
      );
    }
    return cell;
  }
  const cell: Span[] = [
    dueDate === null
      ? { text: 'At next upgrade', tone: 'muted' }
      : { text: formatDate(dueDate, 'short'), bold: gap.priority.rank <= 2 }
  ];
  if (overdueSince) {
    // Two spans, so the date never breaks across lines in a narrow column.
    cell.push(
      { text: 'overdue since', tone: 'behind', small: true },
      { text: formatDate(overdueSince, 'short'), tone: 'behind', small: true }
    );
  }
  if (gap.exception) cell.push({ text: 'accepted risk, review passed', tone: 'behind', small: true });
  return cell;
}

function gapRow(gap: PatchGap): Span[][] {
  return [priorityCell(gap), actionCell(gap), fixCell(gap), cveCell(gap), dueCell(gap)];
}

function noGapsLine(result: AssetResult): Span {
  switch (result.status) {
    case 'up-to-date':
      return { text: '✓ No gaps found: every update the data checks for is installed.', tone: 'good' };
    case 'not-applicable':
      return {
        text: 'No gaps found. This kind of device is not assessed for updates, so this says nothing about its state.',
        tone: 'muted'
      };
    default:
      // Unknown (or behind without a listed action) is never shown as good.
      return {
        text: 'No gaps found, but the data cannot tell whether this machine is up to date: check it.',
        tone: 'unknown'
      };
  }
}

function endOfLife(result: AssetResult, gaps: readonly PatchGap[]): AppendixAsset['endOfLife'] {
  const osText = result.support?.text;
  const items = gaps
    .filter((gap) => gap.kind === 'end-of-life' || gap.kind === 'outdated-software')
    .filter((gap) => gap.support === undefined || gap.support !== osText)
    .map((gap) => {
      if (gap.support) return `${gap.product}: ${gap.support}`;
      const versions =
        gap.installed && gap.required
          ? `${gap.installed} installed, ${gap.required} current`
          : gap.installed
            ? `${gap.installed} installed`
            : 'outdated';
      return `${gap.product}: ${versions}`;
    });
  const unique = [...new Set(items)];
  return unique.length > 0 ? { heading: 'End-of-life and outdated software', items: unique } : undefined;
}

export function buildAppendix(
  results: EngagementResults,
  photosOf: (assetId: string) => PhotoRef[] = () => []
): AppendixContent {
  const gapsByAsset = new Map<string, PatchGap[]>();
  for (const gap of results.gaps) {
    const list = gapsByAsset.get(gap.assetId);
    if (list) list.push(gap);
    else gapsByAsset.set(gap.assetId, [gap]);
  }
  const assets = sortAppendixAssets(results.assets, gapsByAsset).map((result): AppendixAsset => {
    const gaps = [...(gapsByAsset.get(result.asset.id) ?? [])].sort(compareGaps);
    return {
      assetId: result.asset.id,
      heading: hostName(result),
      facts: facts(result, gaps.length),
      rows: gaps.map(gapRow),
      noGaps: gaps.length === 0 ? noGapsLine(result) : undefined,
      endOfLife: endOfLife(result, gaps),
      note: result.context.note ? { heading: 'Technician’s note', text: result.context.note } : undefined,
      photos: photosOf(result.asset.id)
    };
  });
  const withGaps = assets.filter((a) => a.rows.length > 0).length;
  return {
    heading: 'Appendix: machine by machine',
    intro:
      `For the IT person who will do the work: each of the ${count(assets.length, 'machine')} in this ` +
      `assessment, ${withGaps > 0 ? 'the most urgent first, ' : ''}with what identifies it and every ` +
      'action to take on it. One action can close many scanner findings; “KB or version” is what to install, ' +
      'and the due date comes from the engagement’s policy.',
    empty:
      assets.length === 0 ? 'No machines were imported, so there is nothing to list here yet.' : undefined,
    columns: ['Priority', 'Action', 'KB or version', 'CVEs', 'Due'],
    assets
  };
}

export function textOfAppendix(content: AppendixContent): string[] {
  const out = [content.heading, content.intro, ...content.columns];
  if (content.empty) out.push(content.empty);
  for (const asset of content.assets) {
    out.push(asset.heading, ...asset.facts.map((f) => f.text));
    for (const row of asset.rows) for (const cell of row) for (const span of cell) out.push(span.text);
    if (asset.noGaps) out.push(asset.noGaps.text);
    if (asset.endOfLife) out.push(asset.endOfLife.heading, ...asset.endOfLife.items);
    if (asset.note) out.push(asset.note.heading, asset.note.text);
    out.push(...asset.photos.map((p) => p.caption));
  }
  return out;
}

function tableStyle(palette: Palette): TableStyle {
  return {
    body: style(TYPE.small, palette.ink, false, 1.3),
    header: style(TYPE.caption, palette.ink, true, 1.25),
    paddingX: SPACE(1),
    paddingY: SPACE(1),
    zebra: palette.zebra,
    rule: palette.hairline,
    headerRule: palette.ink
  };
}

function toCell(palette: Palette, cell: readonly Span[]): Cell {
  return cell.map((span) => ({
    text: span.text,
    color: toneColor(palette, span.tone),
    weight: span.bold ? 'bold' : 'regular',
    size: span.small ? TYPE.caption : undefined
  }));
}

/** Height of a table row as drawTable lays it out (wrapped spans stacked per cell, padded). */
function rowHeight(
  ts: Typesetter,
  cells: readonly Cell[],
  inner: readonly number[],
  s: TableStyle,
  base: TextStyle
): number {
  let height = 0;
  cells.forEach((cell, c) => {
    let h = 0;
    for (const span of cell) {
      const spanStyle: TextStyle = {
        ...base,
        weight: span.weight ?? base.weight,
        size: span.size ?? base.size
      };
      h += ts.wrap(span.text, spanStyle, inner[c] ?? 0).length * lineHeight(spanStyle);
    }
    height = Math.max(height, h);
  });
  return height + 2 * s.paddingY;
}

/**
 * Draws the appendix from a new page. `onAsset` is called after each machine's section with its index, for
 * progress on engagements with thousands of machines.
 */
export function drawAppendix(
  ctx: RenderContext,
  content: AppendixContent,
  onAsset?: (index: number) => void
): void {
  const { flow, ts, palette } = ctx;
  flow.newPage();

  // Section heading, as the report's other level-1 headings.
  const h1 = style(TYPE.heading, palette.accent, true, 1.25);
  flow.advance(ts.drawLines(flow.page, ts.wrap(content.heading, h1, flow.width), flow.left, flow.y, h1));
  flow.advance(SPACE(1));
  flow.page.drawLine({
    start: { x: flow.left, y: flow.y },
    end: { x: flow.right, y: flow.y },
    thickness: 0.6,
    color: palette.hairline
  });
  flow.advance(SPACE(3));

  const intro = style(TYPE.small, palette.muted, false, 1.45);
  const introWidth = Math.min(flow.width, Math.max(intro.size * 38, flow.width * 0.8));
  const prose = content.empty ?? content.intro;
  const proseStyle = content.empty ? style(TYPE.body, palette.ink, false, 1.45) : intro;
  for (const line of ts.wrap(prose, proseStyle, introWidth)) {
    flow.ensure(lineHeight(proseStyle));
    ts.draw(flow.page, line, flow.left, flow.y - baselineOffset(proseStyle), proseStyle);
    flow.advance(lineHeight(proseStyle));
  }
  if (content.empty) return;
  flow.advance(SPACE(4));

  const tStyle = tableStyle(palette);
  const baseColumns: TableColumn[] = [
    { header: content.columns[0] ?? '', width: { fit: true, max: SPACE(20) } },
    { header: content.columns[1] ?? '', width: { flex: 1, min: SPACE(36) } },
    { header: content.columns[2] ?? '', width: { fit: true, max: SPACE(22) } },
    { header: content.columns[3] ?? '', width: { fit: true, max: SPACE(24) } },
    { header: content.columns[4] ?? '', width: { fit: true, max: SPACE(21) } }
  ];
  // One set of widths for the whole appendix, fitted to every row, so the columns line up from machine to
  // machine (widths are cached per string, so this is one pass of look-ups).
  const cellsByAsset = content.assets.map((asset) =>
    asset.rows.map((row) => row.map((cell) => toCell(palette, cell)))
  );
  const widths = resolveColumnWidths(ts, baseColumns, cellsByAsset.flat(), tStyle, flow.width);
  const columns: TableColumn[] = baseColumns.map((column, c) => ({ ...column, width: widths[c] ?? 0 }));
  const inner = widths.map((w) => Math.max(1, w - 2 * tStyle.paddingX));
  const headerHeight = rowHeight(
    ts,
    columns.map((column) => [{ text: column.header }]),
    inner,
    tStyle,
    tStyle.header
  );

  const hostStyle = style(TYPE.lead, palette.ink, true, 1.3);
  const factStyle = style(TYPE.small, palette.ink, false, 1.35);
  const eolHeading = style(TYPE.small, palette.ink, true, 1.4);
  const eolItem = style(TYPE.small, palette.ink, false, 1.4);
  const bullet = SPACE(3);

  content.assets.forEach((asset, index) => {
    const hostLines = ts.wrap(asset.heading, hostStyle, flow.width);
    const factLines = asset.facts.map((fact) => ({
      lines: ts.wrap(fact.text, factStyle, flow.width),
      color: toneColor(palette, fact.tone)
    }));
    const cells = cellsByAsset[index] ?? [];
    const headBlock =
      hostLines.length * lineHeight(hostStyle) +
      SPACE(1) +
      factLines.reduce((sum, f) => sum + f.lines.length * lineHeight(factStyle), 0) +
      SPACE(2);
    const first = cells[0];
    const noGapLines = asset.noGaps ? ts.wrap(asset.noGaps.text, factStyle, flow.width) : [];
    const keep = first
      ? headerHeight + rowHeight(ts, first, inner, tStyle, tStyle.body)
      : noGapLines.length * lineHeight(factStyle);

    // Air between machines and a short accent bar over each name, so a new machine is easy to spot when
    // leafing through; the table above has already closed with its own rule.
    const gapAbove = index === 0 || flow.atTop ? 0 : SPACE(6);
    const bar = SPACE(2);
    if (!flow.ensure(gapAbove + bar + headBlock + keep)) flow.advance(gapAbove);
    flow.page.drawRectangle({
      x: flow.left,
      y: flow.y - 2,
      width: SPACE(8),
      height: 2,
      color: palette.accent
    });
    flow.advance(bar);

    const page = flow.page;
    flow.advance(ts.drawLines(page, hostLines, flow.left, flow.y, hostStyle));
    flow.advance(SPACE(1));
    for (const fact of factLines) {
      flow.advance(ts.drawLines(page, fact.lines, flow.left, flow.y, { ...factStyle, color: fact.color }));
    }
    flow.advance(SPACE(2));

    if (first) {
      drawTable(flow, ts, { columns, rows: cells, style: tStyle });
    } else if (asset.noGaps) {
      const color = toneColor(palette, asset.noGaps.tone);
      flow.advance(ts.drawLines(page, noGapLines, flow.left, flow.y, { ...factStyle, color }));
    }

    if (asset.endOfLife) {
      flow.advance(SPACE(2));
      const headingHeight = lineHeight(eolHeading);
      const items = asset.endOfLife.items.map((item) => ts.wrap(item, eolItem, flow.width - bullet));
      flow.ensure(headingHeight + (items[0]?.length ?? 0) * lineHeight(eolItem));
      flow.advance(ts.drawLines(flow.page, [asset.endOfLife.heading], flow.left, flow.y, eolHeading));
      for (const lines of items) {
        const height = lines.length * lineHeight(eolItem);
        flow.ensure(height);
        ts.drawLines(flow.page, ['•'], flow.left, flow.y, { ...eolItem, color: palette.behind });
        flow.advance(ts.drawLines(flow.page, lines, flow.left + bullet, flow.y, eolItem));
      }
    }
    if (asset.note) {
      // In full, line by line, so a long note flows over pages; paragraphs as the technician typed them.
      flow.advance(SPACE(2));
      const lines = asset.note.text
        .split(/\n+/)
        .flatMap((paragraph) => ts.wrap(paragraph.trim(), eolItem, Math.min(flow.width, eolItem.size * 75)));
      flow.ensure(lineHeight(eolHeading) + (lines.length > 0 ? lineHeight(eolItem) : 0));
      flow.advance(ts.drawLines(flow.page, [asset.note.heading], flow.left, flow.y, eolHeading));
      for (const line of lines) {
        flow.ensure(lineHeight(eolItem));
        flow.advance(ts.drawLines(flow.page, [line], flow.left, flow.y, eolItem));
      }
    }
    if (asset.photos.length > 0) {
      flow.advance(SPACE(3));
      drawPhotos(ctx, asset.photos, ctx.photos ?? new Map());
    }
    onAsset?.(index);
  });
}
