import type { RGB } from 'pdf-lib';
import type { EngagementResults, PatchGap, RemediationWave } from '../../model';
import type { Tone } from '../content';
import { capitalize, count, formatDate, percent } from '../format';
import { drawHeading, textStyle as style, toneColor, type RenderContext } from '../render';
import { lineHeight, type TextStyle } from '../text';
import { SPACE, TYPE } from '../theme';
import { clampRank, type PriorityRank } from './charts';
import { groupGaps, machinesPhrase } from './risks';

/**
 * The executive summary: one page a manager reads in a minute — the grade and what it means, five key numbers,
 * the three biggest risks in business words and what happens next. Unknown is never presented as good.
 */

export interface ExecutiveFigure {
  label: string;
  value: string;
  caption: string;
  tone: Tone;
}

export interface ExecutiveContent {
  heading: string;
  /** "Müller Dental · assessed 24 November 2026". */
  subtitle: string;
  grade: {
    /** "A" … "F", or "–" when there is nothing to grade. */
    letter: string;
    tone: Tone;
    /** "Score 72 out of 100". */
    score: string;
    meaning: string;
    /** One line on how the scale works. */
    scale: string;
  };
  figures: ExecutiveFigure[];
  risks: { heading: string; items: string[]; note?: string };
  next: { heading: string; paragraphs: string[] };
}

const GRADE_TONES: Record<string, Tone> = { A: 'good', B: 'good', C: 'medium', D: 'high', F: 'critical' };

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Wednesday 25 November 2026" from "2026-11-25" or "2026-11-25T08:00" (calendar arithmetic, no clock). */
function dayAndDate(iso: string): string {
  const [y = 1970, m = 1, d = 1] = iso.slice(0, 10).split('-').map(Number);
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] ?? '';
  return `${weekday} ${formatDate(iso.slice(0, 10))}`;
}

/** "A 90 or more · B 80–89 · … · F below 60". */
function scaleLine(scale: EngagementResults['score']['scale']): string {
  const sorted = [...scale].sort((a, b) => b.min - a.min);
  const parts = sorted.map((s, i) => {
    const above = sorted[i - 1];
    if (i === 0) return `${s.grade} ${s.min} or more`;
    if (s.min <= 0) return `${s.grade} below ${above?.min ?? 0}`;
    return `${s.grade} ${s.min}–${(above?.min ?? 101) - 1}`;
  });
  return (
    `How the grade works: every machine is scored on its missing updates and weaknesses, and the estate gets a score ` +
    `out of 100 (${parts.join(' · ')}). Machines that could not be checked never raise the score.`
  );
}

interface Candidate {
  rank: PriorityRank;
  due: string | null;
  machines: number;
  text: string;
}

function dueText(due: string | null): string {
  return due ? ` Due by ${formatDate(due, 'short')}.` : '';
}

function minRank(gaps: readonly PatchGap[]): PriorityRank {
  return gaps.reduce<PriorityRank>((r, g) => Math.min(r, clampRank(g.priority.rank)) as PriorityRank, 5);
}

function minDue(gaps: readonly PatchGap[]): string | null {
  return gaps.reduce<string | null>((d, g) => {
    const due = g.priority.dueDate;
    return due !== null && (d === null || due < d) ? due : d;
  }, null);
}

const distinct = (ids: readonly string[]): string[] => [...new Set(ids)];

/** A product name as a person says it: "Microsoft Windows 10 22H2" → "Windows 10 22H2". */
const plainProduct = (p: string): string => p.replace(/^Microsoft (?=Windows)/, '');

/** The biggest risks in business words: known exploited, end of life, missing Windows updates, then the rest. */
function riskSentences(results: EngagementResults): Candidate[] {
  const { gaps, assets } = results;
  const out: Candidate[] = [];
  const used = new Set<string>();

  const kev = gaps.filter((g) => g.kev);
  if (kev.length > 0) {
    const ids = distinct(kev.map((g) => g.assetId));
    const actions = groupGaps(kev).length;
    const ransomware = kev.some((g) => g.kev?.ransomware);
    const who = machinesPhrase(ids, assets);
    out.push({
      rank: minRank(kev),
      due: minDue(kev),
      machines: ids.length,
      text:
        `${capitalize(who)} can be taken over through ${actions === 1 ? 'a flaw' : 'flaws'} criminals already use ` +
        `(known exploited${ransomware ? ', used by ransomware' : ''}).${dueText(minDue(kev))}`
    });
    kev.forEach((g) => used.add(g.id));
  }

  const eol = gaps.filter((g) => g.kind === 'end-of-life' && !used.has(g.id));
  if (eol.length > 0) {
    const ids = distinct(eol.map((g) => g.assetId));
    const products = distinct(eol.map((g) => plainProduct(g.product)));
    const one = ids.length === 1;
    const what =
      products.length === 1
        ? `${products[0]}, which no longer gets security fixes`
        : products.every((p) => /windows/i.test(p))
          ? 'Windows versions that no longer get security fixes'
          : 'software that no longer gets security fixes';
    const esu = eol.some((g) => /ESU|Extended Security Updates/i.test(g.support ?? ''));
    out.push({
      rank: minRank(eol),
      due: minDue(eol),
      machines: ids.length,
      text:
        `${capitalize(machinesPhrase(ids, assets))} ${one ? 'runs' : 'run'} ${what}` +
        `${esu ? ' unless paid extended updates are bought' : ''}.${dueText(minDue(eol))}`
    });
    eol.forEach((g) => used.add(g.id));
  }

  const os = gaps.filter((g) => g.kind === 'os-update' && g.security && !used.has(g.id));
  if (os.length > 0) {
    const ids = distinct(os.map((g) => g.assetId));
    const months = assets
      .filter((a) => ids.includes(a.asset.id))
      .reduce<number | null>((m, a) => {
        const v = a.windows?.monthsBehind;
        return v === null || v === undefined ? m : Math.max(m ?? 0, v);
      }, null);
    out.push({
      rank: minRank(os),
      due: minDue(os),
      machines: ids.length,
      text:
        `${capitalize(machinesPhrase(ids, assets))} ${ids.length === 1 ? 'is' : 'are'} missing security updates` +
        (months && months > 0 ? `, the furthest by ${count(months, 'month')}` : '') +
        `.${dueText(minDue(os))}`
    });
    os.forEach((g) => used.add(g.id));
  }

  for (const group of groupGaps(gaps.filter((g) => !used.has(g.id) && g.kind !== 'os-update'))) {
    const g = group.gaps[0];
    if (!g) continue;
    const who = machinesPhrase(group.assetIds, assets);
    const rated = g.severity === 'info' ? '' : ` (rated ${g.severity})`;
    const text =
      group.kind === 'scanner-finding'
        ? `The scan found “${g.title}” on ${who}${rated}.`
        : group.kind === 'package-update'
          ? `${capitalize(who)} ${group.assetIds.length === 1 ? 'runs' : 'run'} ${group.product} with a security fix not yet installed.`
          : `${capitalize(who)} ${group.assetIds.length === 1 ? 'runs' : 'run'} an outdated version of ${plainProduct(group.product)}.`;
    out.push({
      rank: group.rank,
      due: group.dueDate,
      machines: group.assetIds.length,
      text: text + dueText(group.dueDate)
    });
  }

  const unknown = results.score.unknown;
  if (unknown > 0) {
    out.push({
      rank: 3,
      due: null,
      machines: unknown,
      text:
        `${capitalize(count(unknown, 'machine'))} could not be checked, so ${unknown === 1 ? 'its' : 'their'} risk is ` +
        'unknown; treat them as at risk until they are.'
    });
  }

  return out.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.due !== b.due) return a.due === null ? 1 : b.due === null ? -1 : a.due < b.due ? -1 : 1;
    if (a.machines !== b.machines) return b.machines - a.machines;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  });
}

const WAVE_WORDS: Record<RemediationWave['kind'], string> = {
  emergency: 'an emergency session out of the normal schedule for the most urgent fixes',
  pilot: 'a small pilot group, to make sure the updates cause no problems',
  workstations: 'the workstations in their maintenance window',
  servers: 'the servers in their maintenance window'
};

function nextSteps(results: EngagementResults): string[] {
  if (results.assets.length === 0) {
    return ['Import scanner or inventory exports for this engagement, then build the report again.'];
  }
  const unknown = results.score.unknown;
  const check =
    unknown > 0
      ? ` First, the ${count(unknown, 'machine')} that could not be read should be checked, so nothing is missed.`
      : '';
  if (results.gaps.length === 0) {
    return [
      'Nothing needs fixing now. Installing each month’s updates as they come out keeps it that way; we recommend ' +
        'checking again every month.' +
        check
    ];
  }
  const waves = [...results.waves].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const first = waves[0];
  if (!first) {
    return [
      `${capitalize(count(results.gaps.length, 'fix', 'fixes'))} ${results.gaps.length === 1 ? 'is' : 'are'} needed, ` +
        'but no maintenance windows were planned yet, so there is no schedule in this report.' +
        check
    ];
  }
  const sentences: string[] = [];
  sentences.push(
    `Work starts on ${dayAndDate(first.start)} with ${WAVE_WORDS[first.kind]}` +
      (first.kind === 'emergency' ? ` on ${machinesPhrase(first.assetIds, results.assets)}.` : '.')
  );
  const second = waves.find((w) => w.kind !== 'emergency' && w !== first);
  if (second) {
    sentences.push(
      `The regular work follows from ${dayAndDate(second.start)}` +
        (second.kind === 'pilot' ? ', starting with a small pilot group before everyone else.' : '.')
    );
  }
  const done = waves.reduce((max, w) => (w.expectedCompletion > max ? w.expectedCompletion : max), '');
  sentences.push(
    `If the plan is followed, every fix is installed and checked by ${formatDate(done)}, ` +
      `in ${count(waves.length, 'session')}.`
  );
  const paragraphs = [sentences.join(' ')];
  const misses = results.misses.length;
  if (misses > 0) {
    const fix = results.misses[0]?.fix;
    paragraphs.push(
      `${capitalize(count(misses, 'fix', 'fixes'))} cannot be done by ${misses === 1 ? 'its' : 'their'} due date in the ` +
        `current maintenance windows${fix ? `; to close that gap: ${fix}` : ''}. The remediation plan lists them.`
    );
  }
  if (check) paragraphs.push(check.trim());
  return paragraphs;
}

export function buildExecutive(results: EngagementResults, client: string): ExecutiveContent {
  const { score, assets } = results;
  const asOf = formatDate(results.asOf);
  const empty = assets.length === 0;
  const subtitle = client.trim() ? `${client.trim()} · assessed ${asOf}` : `Assessed ${asOf}`;
  const scale = scaleLine(score.scale);
  const meaning = score.scale.find((s) => s.grade === score.grade)?.meaning ?? '';

  const grade: ExecutiveContent['grade'] = empty
    ? {
        letter: '–',
        tone: 'unknown',
        score: 'No grade yet',
        meaning: 'No data has been imported for this engagement, so its machines cannot be graded.',
        scale
      }
    : {
        letter: score.grade,
        tone: GRADE_TONES[score.grade] ?? 'ink',
        score: `Score ${Math.round(score.score)} out of 100`,
        meaning,
        scale
      };

  const kevMissing = results.catalogMissing.includes('kev');
  const eolMissing = results.catalogMissing.includes('eol');
  const behind = assets.filter((a) => (a.windows?.monthsBehind ?? 0) > 0);
  const furthest = behind.reduce((m, a) => Math.max(m, a.windows?.monthsBehind ?? 0), 0);
  const known = score.denominator;
  const figures: ExecutiveFigure[] = empty
    ? []
    : [
        {
          label: 'Assets assessed',
          value: String(assets.length),
          caption: 'computers, servers and devices',
          tone: 'accent'
        },
        {
          label: 'Fully patched',
          value: known > 0 ? percent(score.fullyPatched, known) : 'unknown',
          caption:
            known > 0
              ? `of ${count(known, 'machine')} whose status is known; ${score.unknown} unknown`
              : `none of the ${count(assets.length, 'machine')} could be read`,
          tone: known === 0 ? 'unknown' : score.fullyPatched === known ? 'good' : 'behind'
        },
        {
          label: 'Systems behind',
          value: String(behind.length),
          caption:
            behind.length > 0
              ? `missing months of updates; the furthest by ${count(furthest, 'month')}`
              : score.unknown > 0
                ? `of the machines that could be read; ${score.unknown} unknown`
                : 'machines missing a month of updates or more',
          tone: behind.length > 0 ? 'behind' : score.unknown > 0 ? 'unknown' : 'good'
        },
        {
          label: 'Known exploited',
          value: kevMissing ? 'unknown' : String(score.kevGaps),
          caption: kevMissing
            ? 'the list of known attacks was not loaded'
            : `${score.kevGaps === 1 ? 'fix for a flaw' : 'fixes for flaws'} criminals already use`,
          tone: kevMissing ? 'unknown' : score.kevGaps > 0 ? 'critical' : 'good'
        },
        {
          label: 'End of life',
          value: eolMissing ? 'unknown' : String(score.endOfLife),
          caption: eolMissing
            ? 'support dates were not loaded'
            : `${score.endOfLife === 1 ? 'system no longer gets' : 'systems no longer get'} security fixes`,
          tone: eolMissing ? 'unknown' : score.endOfLife > 0 ? 'behind' : 'good'
        }
      ];

  let items: string[];
  let note: string | undefined;
  if (empty) {
    items = [];
    note = 'No data has been imported yet, so no risks can be named.';
  } else if (results.gaps.length === 0) {
    items = [];
    note =
      known > 0
        ? `No missing security updates were found on the ${count(known, 'machine')} whose status could be read.` +
          (score.unknown > 0
            ? ` ${capitalize(count(score.unknown, 'machine'))} could not be checked and ${score.unknown === 1 ? 'is' : 'are'} not counted as safe.`
            : '')
        : `The status of the ${count(assets.length, 'machine')} could not be read, so they cannot be called safe; treat them as at risk until checked.`;
  } else {
    items = riskSentences(results)
      .slice(0, 3)
      .map((c) => c.text);
    const accepted = results.totals.acceptedRisks;
    if (accepted > 0) {
      note =
        `You chose to accept ${count(accepted, 'risk')} for now; ${accepted === 1 ? 'it is' : 'they are'} still ` +
        'counted in the grade and listed with your reasons in the remediation plan.';
    }
  }

  return {
    heading: 'Executive summary',
    subtitle,
    grade,
    figures,
    risks: { heading: 'The biggest risks', items, ...(note ? { note } : {}) },
    next: { heading: 'What happens next', paragraphs: nextSteps(results) }
  };
}

export function textOfExecutive(c: ExecutiveContent): string[] {
  return [
    c.heading,
    c.subtitle,
    c.grade.letter,
    c.grade.score,
    c.grade.meaning,
    c.grade.scale,
    ...c.figures.flatMap((f) => [f.label, f.value, f.caption]),
    c.risks.heading,
    ...c.risks.items,
    ...(c.risks.items.map((_, i) => `${i + 1}`) as string[]),
    ...(c.risks.note ? [c.risks.note] : []),
    c.next.heading,
    ...c.next.paragraphs
  ];
}

/** Draws the summary on one new page; every block is capped so it never runs onto a second page. */
export function drawExecutive(ctx: RenderContext, c: ExecutiveContent): void {
  const { flow, ts, palette } = ctx;
  const page = flow.newPage();
  drawHeading(ctx, c.heading, 1);
  const left = flow.left;
  const width = flow.width;
  const room = (): number => flow.y - flow.bottom;
  /** Lines that still fit above the footer band, keeping `reserve` points for what follows. */
  const fit = (lines: string[], s: TextStyle, reserve = 0): string[] => {
    const max = Math.max(0, Math.floor((room() - reserve) / lineHeight(s)));
    if (lines.length <= max) return lines;
    const kept = lines.slice(0, max);
    const last = kept.length - 1;
    if (last >= 0) kept[last] = ts.ellipsize(`${kept[last] ?? ''}…`, s, width);
    return kept;
  };

  const sub = style(TYPE.body, palette.muted, false, 1.3);
  flow.advance(ts.drawLines(page, ts.wrap(c.subtitle, sub, width, 2), left, flow.y, sub));
  flow.advance(SPACE(5));

  // The grade: a large letter in a framed square, its score and meaning beside it, the scale below.
  const box = SPACE(20);
  const gradeColor: RGB = toneColor(palette, c.grade.tone);
  const textX = left + box + SPACE(5);
  const textWidth = Math.min(width - box - SPACE(5), TYPE.body * 48);
  const scoreStyle = style(TYPE.lead, palette.ink, true, 1.3);
  const meaningStyle = style(TYPE.body, palette.ink, false, 1.4);
  const scaleStyle = style(TYPE.caption, palette.muted, false, 1.4);
  const scoreLines = ts.wrap(c.grade.score, scoreStyle, textWidth, 2);
  const meaningLines = ts.wrap(c.grade.meaning, meaningStyle, textWidth, 3);
  const scaleLines = ts.wrap(c.grade.scale, scaleStyle, textWidth, 3);
  const besideHeight =
    scoreLines.length * lineHeight(scoreStyle) +
    SPACE(1) +
    meaningLines.length * lineHeight(meaningStyle) +
    SPACE(2) +
    scaleLines.length * lineHeight(scaleStyle);
  const gradeTop = flow.y;
  page.drawRectangle({
    x: left,
    y: gradeTop - box,
    width: box,
    height: box,
    color: palette.white,
    borderColor: gradeColor,
    borderWidth: 2
  });
  page.drawRectangle({ x: left, y: gradeTop - box, width: box, height: 5, color: gradeColor });
  const letterStyle = style(52, gradeColor, true, 1);
  ts.draw(
    page,
    c.grade.letter,
    left,
    gradeTop - box / 2 - (52 * 0.729) / 2 + 2.5,
    letterStyle,
    'center',
    box
  );
  let y = gradeTop;
  y -= ts.drawLines(page, scoreLines, textX, y, scoreStyle);
  y -= SPACE(1);
  y -= ts.drawLines(page, meaningLines, textX, y, meaningStyle);
  y -= SPACE(2);
  ts.drawLines(page, scaleLines, textX, y, scaleStyle);
  flow.advance(Math.max(box, besideHeight) + SPACE(7));

  // Key numbers: three tiles a row, each with a rule in its tone, label, number and caption.
  if (c.figures.length > 0) {
    const columns = 3;
    const gap = SPACE(4);
    const tileWidth = (width - gap * (columns - 1)) / columns;
    const label = style(TYPE.small, palette.muted, true, 1.3);
    const value = style(TYPE.title, palette.ink, true, 1.15);
    const caption = style(TYPE.caption, palette.muted, false, 1.35);
    for (let start = 0; start < c.figures.length; start += columns) {
      const row = c.figures.slice(start, start + columns).map((f) => ({
        f,
        label: ts.wrap(f.label, label, tileWidth, 2),
        caption: ts.wrap(f.caption, caption, tileWidth, 3)
      }));
      const height =
        SPACE(2) +
        Math.max(...row.map((t) => t.label.length)) * lineHeight(label) +
        lineHeight(value) +
        Math.max(...row.map((t) => t.caption.length)) * lineHeight(caption) +
        SPACE(4);
      row.forEach((tile, i) => {
        const x = left + i * (tileWidth + gap);
        const color = toneColor(palette, tile.f.tone);
        page.drawRectangle({ x, y: flow.y - 2, width: tileWidth, height: 2, color });
        let ty = flow.y - SPACE(2);
        ty -= ts.drawLines(page, tile.label, x, ty, label);
        ty -= ts.drawLines(page, [ts.ellipsize(tile.f.value, value, tileWidth)], x, ty, {
          ...value,
          color: tile.f.tone === 'accent' ? palette.ink : color
        });
        ts.drawLines(page, tile.caption, x, ty, caption);
      });
      flow.advance(height);
    }
    flow.advance(SPACE(3));
  }

  // The biggest risks, numbered; or the clean-bill sentence.
  const h2 = style(TYPE.lead, palette.ink, true, 1.3);
  const body = style(TYPE.body, palette.ink, false, 1.45);
  const proseWidth = Math.min(width, TYPE.body * 62);
  const nextReserve =
    lineHeight(h2) + SPACE(2) + Math.min(6, c.next.paragraphs.length * 3) * lineHeight(body) + SPACE(4);
  flow.advance(ts.drawLines(page, [c.risks.heading], left, flow.y, h2));
  flow.advance(SPACE(2));
  const indent = SPACE(6);
  c.risks.items.forEach((item, i) => {
    const lines = fit(ts.wrap(item, body, proseWidth - indent, 4), body, nextReserve);
    if (lines.length === 0) return;
    const num = style(TYPE.body, palette.accent, true, 1.45);
    ts.drawLines(page, [`${i + 1}`], left, flow.y, num);
    flow.advance(ts.drawLines(page, lines, left + indent, flow.y, body));
    flow.advance(SPACE(2));
  });
  if (c.risks.note) {
    const lines = fit(ts.wrap(c.risks.note, body, proseWidth, 4), body, nextReserve);
    flow.advance(ts.drawLines(page, lines, left, flow.y, body));
    flow.advance(SPACE(2));
  }

  // What happens next.
  flow.advance(SPACE(4));
  if (room() < lineHeight(h2) + lineHeight(body)) return;
  page.drawRectangle({ x: left, y: flow.y - 2, width: SPACE(12), height: 2, color: palette.accent });
  flow.advance(SPACE(3));
  flow.advance(ts.drawLines(page, [c.next.heading], left, flow.y, h2));
  flow.advance(SPACE(2));
  c.next.paragraphs.forEach((p, i) => {
    if (i > 0) flow.advance(SPACE(2));
    const lines = fit(ts.wrap(p, body, proseWidth), body);
    flow.advance(ts.drawLines(page, lines, left, flow.y, body));
  });
}
