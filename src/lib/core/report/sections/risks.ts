import type { AssetResult, EngagementResults, PatchGap } from '../../model';
import { count, formatDate } from '../format';
import { drawHeading, textStyle as style, type RenderContext } from '../render';
import { lineHeight } from '../text';
import { SPACE, TYPE } from '../theme';
import { clampRank, drawPriorityMarker, paragraph, priorityColor, type PriorityRank } from './charts';

/**
 * "Top risks": the most urgent actions, each once however many machines need it. A risk is one gap, or the same
 * action (same kind, product and required version or title) across several machines.
 */

/** The same action on several machines: what the risk pages and the executive summary count. */
export interface GapGroup {
  key: string;
  kind: PatchGap['kind'];
  product: string;
  gaps: PatchGap[];
  /** Most urgent rank among the group's gaps. */
  rank: PriorityRank;
  /** Earliest due date, or null when none has a calendar deadline. */
  dueDate: string | null;
  /** Distinct assets, in order of first appearance. */
  assetIds: string[];
  hostnames: string[];
}

const keyOf = (g: PatchGap): string => `${g.kind}\u0000${g.product}\u0000${g.required ?? g.title}`;

/** Groups gaps by action and orders them: priority rank, then due date, then how many machines, then title. */
export function groupGaps(gaps: readonly PatchGap[]): GapGroup[] {
  const groups = new Map<string, GapGroup>();
  for (const gap of gaps) {
    const key = keyOf(gap);
    let group = groups.get(key);
    if (!group) {
      group = {
        key,
        kind: gap.kind,
        product: gap.product,
        gaps: [],
        rank: clampRank(gap.priority.rank),
        dueDate: gap.priority.dueDate,
        assetIds: [],
        hostnames: []
      };
      groups.set(key, group);
    }
    group.gaps.push(gap);
    group.rank = Math.min(group.rank, clampRank(gap.priority.rank)) as PriorityRank;
    const due = gap.priority.dueDate;
    if (due !== null && (group.dueDate === null || due < group.dueDate)) group.dueDate = due;
    if (!group.assetIds.includes(gap.assetId)) {
      group.assetIds.push(gap.assetId);
      group.hostnames.push(gap.hostname);
    }
  }
  return [...groups.values()].sort(compareGroups);
}

function compareGroups(a: GapGroup, b: GapGroup): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.dueDate !== b.dueDate) {
    if (a.dueDate === null) return 1;
    if (b.dueDate === null) return -1;
    return a.dueDate < b.dueDate ? -1 : 1;
  }
  if (a.assetIds.length !== b.assetIds.length) return b.assetIds.length - a.assetIds.length;
  const ta = a.gaps[0]?.title ?? '';
  const tb = b.gaps[0]?.title ?? '';
  return ta < tb ? -1 : ta > tb ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** "1 server", "3 computers", "3 machines" (servers and computers together). */
export function machinesPhrase(assetIds: readonly string[], assets: readonly AssetResult[]): string {
  const byId = new Map(assets.map((a) => [a.asset.id, a]));
  const roles = assetIds.map((id) => byId.get(id)?.asset.role ?? 'unknown');
  const n = assetIds.length;
  if (roles.every((r) => r === 'server')) return count(n, 'server');
  if (roles.every((r) => r === 'workstation')) return count(n, 'computer');
  return count(n, 'machine');
}

export interface RiskItem {
  rank: PriorityRank;
  /** "Emergency", "Critical" … as the policy names it. */
  priority: string;
  /** "Due 27 Nov 2026" or "At the next upgrade". */
  due: string;
  title: string;
  why: string[];
  affectedLabel: string;
  affected: string;
  fix: string;
  /** The client accepted this risk on some or all of the machines: who, why, until when. */
  decision?: string;
}

export interface RisksContent {
  heading: string;
  intro: string;
  labels: { why: string; affected: string; fix: string; decision: string };
  items: RiskItem[];
  /** Said instead of the list when there is nothing to show. */
  empty?: string;
  /** "12 more actions are listed in the remediation plan and the appendix." */
  more?: string;
}

/** Names shown before "and N more". */
const MAX_NAMES = 12;

function plainTitle(group: GapGroup): string {
  const g = group.gaps[0];
  if (!g) return group.product;
  const product = group.product.replace(/^Microsoft (?=Windows)/, '');
  switch (group.kind) {
    case 'os-update':
      return g.security ? `${product} is missing security updates` : `${product} has updates waiting`;
    case 'package-update':
      return g.security ? `${product} has a security fix waiting` : `${product} has an update waiting`;
    case 'end-of-life':
      return `${product} no longer gets security fixes`;
    case 'outdated-software':
      return `${product} is out of date`;
    case 'scanner-finding':
      return g.title;
  }
}

function percentText(p: number): string {
  const v = p * 100;
  return v >= 10 ? `${Math.round(v)}%` : v >= 1 ? `${v.toFixed(1).replace(/\.0$/, '')}%` : 'under 1%';
}

/** Why it matters, strongest first, in plain words with the term in brackets. */
function whyItMatters(group: GapGroup, assets: readonly AssetResult[]): string[] {
  const gaps = group.gaps;
  const why: string[] = [];
  const kev = gaps.find((g) => g.kev);
  if (kev?.kev) {
    const ransomware = gaps.some((g) => g.kev?.ransomware);
    why.push(
      'Criminals are already using this weakness in attacks' +
        (ransomware ? ', including ransomware' : '') +
        ` (on CISA’s Known Exploited Vulnerabilities list since ${formatDate(kev.kev.dateAdded, 'short')}).`
    );
  }
  const epss = gaps.reduce<PatchGap['epss']>(
    (best, g) => (g.epss && (!best || g.epss.score > best.score) ? g.epss : best),
    undefined
  );
  if (epss && epss.score >= 0.01) {
    why.push(
      `${percentText(epss.score)} chance of being exploited in the next 30 days (EPSS, for ${epss.cve}).`
    );
  }
  const cvss = gaps.reduce<PatchGap['cvss']>(
    (best, g) => (g.cvss && (!best || g.cvss.score > best.score) ? g.cvss : best),
    undefined
  );
  if (cvss) why.push(`Severity score ${cvss.score.toFixed(1)} of 10 (CVSS).`);
  const eol = gaps.find((g) => g.kind === 'end-of-life' && g.support);
  if (eol?.support) why.push(eol.support);
  else if (group.kind === 'end-of-life') why.push('The vendor no longer publishes security fixes for it.');

  const ids = new Set(group.assetIds);
  const facing = assets.filter((a) => ids.has(a.asset.id) && a.context.internetFacing === true).length;
  const assumedFacing = gaps.some((g) => g.priority.assumed.includes('internet-facing'));
  if (facing > 0)
    why.push(`${count(facing, 'affected machine is', 'affected machines are')} reachable from the internet.`);
  else if (assumedFacing)
    why.push(
      group.assetIds.length === 1
        ? 'Whether the machine can be reached from the internet was not recorded, so it is treated as if it can.'
        : 'Whether the machines can be reached from the internet was not recorded, so they are treated as if they can.'
    );

  const cves = new Set(gaps.flatMap((g) => g.cves));
  if (cves.size > 1)
    why.push(`Closes ${count(cves.size, 'known vulnerability', 'known vulnerabilities')} (CVEs).`);
  const overdue = gaps
    .map((g) => g.priority.overdueSince)
    .filter((d): d is string => d !== undefined)
    .sort()[0];
  if (overdue) why.push(`Overdue under the policy since ${formatDate(overdue, 'short')}.`);
  if (why.length === 0) why.push(gaps[0]?.priority.reason ?? '');
  return why.filter((w) => w !== '');
}

/** "You accepted this risk: “…” (Dr. Müller; review by 1 Mar 2027)." in the client's words, per machine if they differ. */
function decisionText(group: GapGroup): string | undefined {
  const accepted = group.gaps.filter((g) => g.exception?.active);
  if (accepted.length === 0) return undefined;
  const say = (g: PatchGap): string => {
    const e = g.exception!;
    const meta = [e.acceptedBy, e.until ? `review by ${formatDate(e.until, 'short')}` : '']
      .filter(Boolean)
      .join('; ');
    return `“${e.reason}”${meta ? ` (${meta})` : ''}`;
  };
  const reasons = new Set(accepted.map(say));
  const hosts = [...new Set(accepted.map((g) => g.hostname))];
  const allMachines = hosts.length === group.assetIds.length;
  const where = allMachines
    ? ''
    : ` on ${count(hosts.length, 'machine')} of ${group.assetIds.length} (${hosts.slice(0, MAX_NAMES).join(', ')})`;
  if (reasons.size === 1) return `You accepted this risk${where}: ${[...reasons][0]}.`;
  const each = accepted.slice(0, 3).map((g) => `${g.hostname}: ${say(g)}`);
  const more = accepted.length > 3 ? `; and ${accepted.length - 3} more in the remediation plan` : '';
  return `You accepted this risk${where}. ${each.join('; ')}${more}.`;
}

export function buildTopRisks(results: EngagementResults, limit = 10): RisksContent {
  const groups = groupGaps(results.gaps);
  const base = {
    heading: 'Top risks',
    intro:
      'The most urgent actions, each listed once with every machine that needs it. Ordered by priority, then ' +
      'due date, then how many machines are affected.',
    labels: { why: 'Why it matters', affected: 'Affected', fix: 'The fix', decision: 'Your decision' }
  };
  if (results.assets.length === 0) {
    return { ...base, items: [], empty: 'No assets were imported yet, so no risks can be listed.' };
  }
  if (groups.length === 0) {
    const known = results.score.denominator;
    const unknown = results.score.unknown;
    return {
      ...base,
      items: [],
      empty:
        known === 0
          ? `The status of the ${count(unknown, 'machine')} could not be read, so no risk can be ruled out; ` +
            'treat them as at risk until they are checked.'
          : `No missing security updates or other gaps were found on the ${count(known, 'machine')} whose status ` +
            'could be read.' +
            (unknown > 0
              ? ` ${count(unknown, 'machine')} could not be checked and ${unknown === 1 ? 'is' : 'are'} not counted as safe.`
              : '')
    };
  }
  const shown = groups.slice(0, Math.max(0, limit));
  const items = shown.map((group): RiskItem => {
    const first = group.gaps[0];
    const names = [...group.hostnames].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    const listed = names.slice(0, MAX_NAMES).join(', ');
    const rest = names.length - MAX_NAMES;
    const label =
      group.gaps.find((g) => clampRank(g.priority.rank) === group.rank)?.priority.label ??
      first?.priority.label ??
      '';
    return {
      rank: group.rank,
      priority: label,
      due: group.gaps.every((g) => g.exception?.active)
        ? 'Risk accepted'
        : group.dueDate
          ? `Due ${formatDate(group.dueDate, 'short')}`
          : 'At the next upgrade',
      title: plainTitle(group),
      why: whyItMatters(group, results.assets),
      affectedLabel: `${base.labels.affected} (${machinesPhrase(group.assetIds, results.assets)})`,
      affected: rest > 0 ? `${listed} and ${rest} more` : listed,
      fix: first?.title ?? '',
      ...(decisionText(group) ? { decision: decisionText(group)! } : {})
    };
  });
  const more = groups.length - shown.length;
  return {
    ...base,
    items,
    ...(more > 0
      ? {
          more: `${count(more, 'more action')} ${more === 1 ? 'is' : 'are'} listed in the remediation plan and the appendix.`
        }
      : {})
  };
}

export function textOfRisks(c: RisksContent): string[] {
  const out = [c.heading, c.intro, c.labels.why, c.labels.affected, c.labels.fix];
  if (c.empty) out.push(c.empty);
  if (c.more) out.push(c.more);
  for (const i of c.items) {
    out.push(i.priority, i.due, i.title, ...i.why, i.affectedLabel, i.affected, i.fix);
    if (i.decision) out.push(c.labels.decision, i.decision);
  }
  out.push('•', ...c.items.map((_, n) => `${n + 1}. `));
  return out;
}

const plain = (lines: string[]): { text: string; bullet: boolean }[] =>
  lines.map((text) => ({ text, bullet: false }));

export function drawTopRisks(ctx: RenderContext, c: RisksContent): void {
  const { flow, ts, palette } = ctx;
  flow.newPage();
  drawHeading(ctx, c.heading, 1);
  if (c.empty) {
    paragraph(ctx, c.empty, style(TYPE.body, palette.ink, false, 1.45), Math.min(flow.width, TYPE.body * 60));
    return;
  }
  paragraph(
    ctx,
    c.intro,
    style(TYPE.small, palette.muted, false, 1.4),
    Math.min(flow.width, TYPE.small * 52)
  );
  flow.advance(SPACE(3));

  const sideWidth = SPACE(28);
  const gutter = SPACE(4);
  const mainX = flow.left + sideWidth + gutter;
  const mainWidth = flow.right - mainX;
  const priorityStyle = style(TYPE.small, palette.ink, true, 1.3);
  const dueStyle = style(TYPE.caption, palette.muted, false, 1.35);
  const titleStyle = style(TYPE.lead, palette.ink, true, 1.3);
  const labelStyle = style(TYPE.caption, palette.muted, true, 1.35);
  const bodyStyle = style(TYPE.small, palette.ink, false, 1.4);
  const fixStyle = style(TYPE.small, palette.ink, true, 1.4);

  c.items.forEach((item, index) => {
    const color = priorityColor(palette, item.rank);
    const side = ts.wrap(item.priority, priorityStyle, sideWidth - SPACE(4), 2);
    const due = ts.wrap(item.due, dueStyle, sideWidth, 2);
    const title = ts.wrap(`${index + 1}. ${item.title}`, titleStyle, mainWidth, 3);
    const bulletIndent = SPACE(3);
    /** Lines of a block; a line starting a bullet point carries its bullet separately (hanging indent). */
    const blocks: { label: string[]; lines: { text: string; bullet: boolean }[]; style: typeof bodyStyle }[] =
      [
        {
          label: [c.labels.why],
          lines: item.why.flatMap((w) =>
            ts.wrap(w, bodyStyle, mainWidth - bulletIndent, 4).map((text, i) => ({ text, bullet: i === 0 }))
          ),
          style: bodyStyle
        },
        {
          label: ts.wrap(item.affectedLabel, labelStyle, mainWidth),
          lines: plain(ts.wrap(item.affected, bodyStyle, mainWidth, 6)),
          style: bodyStyle
        },
        { label: [c.labels.fix], lines: plain(ts.wrap(item.fix, fixStyle, mainWidth, 4)), style: fixStyle },
        ...(item.decision
          ? [
              {
                label: [c.labels.decision],
                lines: plain(ts.wrap(item.decision, bodyStyle, mainWidth, 6)),
                style: bodyStyle
              }
            ]
          : [])
      ];
    const mainHeight =
      title.length * lineHeight(titleStyle) +
      SPACE(1) +
      blocks.reduce(
        (sum, b) =>
          sum + b.label.length * lineHeight(labelStyle) + b.lines.length * lineHeight(b.style) + SPACE(1.5),
        0
      );
    const sideHeight = side.length * lineHeight(priorityStyle) + due.length * lineHeight(dueStyle);
    const height = Math.max(mainHeight, sideHeight) + SPACE(5);
    flow.ensure(height);
    const page = flow.page;
    const top = flow.y - SPACE(2);

    // Left: the priority's colour rule, shape and label, and the due date.
    page.drawRectangle({
      x: flow.left,
      y: flow.y - height + SPACE(3),
      width: 2.5,
      height: height - SPACE(3),
      color
    });
    drawPriorityMarker(
      page,
      item.rank,
      flow.left + SPACE(3) + 4,
      top - lineHeight(priorityStyle) / 2,
      7,
      color
    );
    let sy = top;
    sy -= ts.drawLines(page, side, flow.left + SPACE(6), sy, { ...priorityStyle, color });
    ts.drawLines(page, due, flow.left + SPACE(3), sy, dueStyle);

    // Right: what it is, why it matters, who is affected, the fix.
    let y = top;
    y -= ts.drawLines(page, title, mainX, y, titleStyle);
    y -= SPACE(1);
    for (const b of blocks) {
      y -= ts.drawLines(page, b.label, mainX, y, labelStyle);
      for (const line of b.lines) {
        const indent = b.lines.some((l) => l.bullet) ? bulletIndent : 0;
        if (line.bullet) ts.drawLines(page, ['•'], mainX, y, { ...b.style, color: palette.muted });
        y -= ts.drawLines(page, [line.text], mainX + indent, y, b.style);
      }
      y -= SPACE(1.5);
    }
    flow.advance(height);
    if (index < c.items.length - 1) {
      page.drawLine({
        start: { x: flow.left, y: flow.y + SPACE(1) },
        end: { x: flow.right, y: flow.y + SPACE(1) },
        thickness: 0.4,
        color: palette.hairline
      });
    }
  });
  if (c.more) {
    flow.advance(SPACE(2));
    paragraph(ctx, c.more, style(TYPE.small, palette.muted, false, 1.4), flow.width);
  }
}
