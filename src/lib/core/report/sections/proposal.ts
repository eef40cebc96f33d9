import { z } from 'zod';
import type { EngagementResults } from '../../model';
import type { Span } from '../content';
import { count } from '../format';
import type { RenderContext } from '../render';
import { lineHeight } from '../text';
import { SPACE, TYPE } from '../theme';
import { drawSpanTable } from './plan';
import { drawParagraph, drawHeading, textStyle } from '../render';

/**
 * "Our proposal": the MSP's service tiers with their price per endpoint per month, what this client's estate
 * would cost a month in each, why the offer fits the numbers found, and how to say yes. The technician switches
 * it off for reports that are not sales documents.
 */

export type ProposalTier = z.infer<typeof proposalTierSchema>;
export const proposalTierSchema = z.object({
  name: z.string().trim().min(1, 'give the tier a name'),
  pricePerEndpointMonth: z.number().finite().nonnegative('a price cannot be negative'),
  includes: z.array(z.string().trim().min(1))
});

export type ProposalSettings = z.infer<typeof proposalSettingsSchema>;
export const proposalSettingsSchema = z.object({
  /** Off for reports that are not sales documents. */
  enabled: z.boolean(),
  /** ISO 4217 code: "EUR", "USD", "GBP", "CHF" … */
  currency: z.string().regex(/^[A-Z]{3}$/, 'use a three-letter currency code such as EUR or USD'),
  tiers: z.array(proposalTierSchema).min(1, 'add at least one service tier').max(6),
  contact: z.object({
    name: z.string(),
    email: z.string().optional(),
    phone: z.string().optional()
  }),
  callToAction: z.string()
});

export const DEFAULT_PROPOSAL: ProposalSettings = {
  enabled: true,
  currency: 'EUR',
  tiers: [
    {
      name: 'Essentials',
      pricePerEndpointMonth: 4,
      includes: [
        'Monthly Windows and third-party application updates',
        'Urgent updates for known-exploited vulnerabilities',
        'Quarterly patch status report'
      ]
    },
    {
      name: 'Managed patching',
      pricePerEndpointMonth: 7.5,
      includes: [
        'Everything in Essentials',
        'Pilot ring first, then the rest in agreed maintenance windows',
        'Emergency patching within 3 days when a vulnerability is exploited',
        'Monthly report with your grade and its trend',
        'End-of-life tracking and upgrade planning'
      ]
    },
    {
      name: 'Complete',
      pricePerEndpointMonth: 12,
      includes: [
        'Everything in Managed patching',
        '24×7 monitoring and alert response',
        'Servers and network devices included',
        'Quarterly review with your management'
      ]
    }
  ],
  contact: { name: 'Your account manager' },
  callToAction:
    'Book a 30-minute call to go through this plan. Once you approve it, we start with the most urgent updates within a week.'
};

export interface ProposalContent {
  heading: string;
  intro: string;
  /** "Why it fits": one line from the client's own numbers. */
  fit: { label: string; text: string };
  columns: string[];
  /** One row per tier: name, what it includes, price per endpoint per month, estimated monthly total. */
  rows: Span[][][];
  note: string;
  action: { heading: string; text: string; contact: string[] };
}

const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Symbols written before the amount; other currencies are written as their code ("CHF 7.50"). */
const CURRENCY_SYMBOLS: Record<string, string> = { EUR: '€', USD: '$', GBP: '£' };

/**
 * An amount with two decimals, "," between thousands and the currency's symbol or code, the same in every
 * runtime (no Intl, no locale). Whole cents, so totals are exact.
 */
export function formatMoney(amount: number, currency: string): string {
  const cents = Math.round(amount * 100);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = thousands(Math.floor(abs / 100));
  const number = `${whole}.${String(abs % 100).padStart(2, '0')}`;
  const symbol = CURRENCY_SYMBOLS[currency];
  return symbol ? `${sign}${symbol}${number}` : `${sign}${currency} ${number}`;
}

/** Price × endpoints, in whole cents of the per-endpoint price so no floating-point drift reaches the total. */
export function monthlyTotal(pricePerEndpointMonth: number, endpoints: number): number {
  return (Math.round(pricePerEndpointMonth * 100) * endpoints) / 100;
}

function fitText(results: EngagementResults): string {
  const gaps = results.gaps.length;
  const t = results.totals;
  const parts: string[] = [];
  if (gaps > 0) parts.push(`${count(gaps, 'gap')} to close`);
  if (t.kevGaps > 0) parts.push(`${t.kevGaps} of them known to be exploited`);
  if (t.endOfLife > 0) parts.push(count(t.endOfLife, 'end-of-life system'));
  if (t.unknown > 0) parts.push(`${count(t.unknown, 'machine')} whose update level nobody can see today`);
  if (parts.length === 0) {
    return results.assets.length === 0
      ? 'No data was imported yet; the tiers below show our prices per endpoint.'
      : 'Your systems are up to date today; managed patching keeps them there every month.';
  }
  const last = parts.pop()!;
  const list = parts.length > 0 ? `${parts.join(', ')} and ${last}` : last;
  return `${list.charAt(0).toUpperCase()}${list.slice(1)} — work that comes back every month.`;
}

export function buildProposal(
  results: EngagementResults,
  proposal: ProposalSettings,
  mspName: string
): ProposalContent | undefined {
  if (!proposal.enabled) return undefined;
  const endpoints = results.assets.length;
  const endpointCount = `${thousands(endpoints)} ${endpoints === 1 ? 'endpoint' : 'endpoints'}`;
  const { currency } = proposal;
  const contact = proposal.contact;
  const contactLines = [
    contact.name.trim(),
    contact.email?.trim() ? `Email: ${contact.email.trim()}` : '',
    contact.phone?.trim() ? `Phone: ${contact.phone.trim()}` : ''
  ].filter((line) => line !== '');
  return {
    heading: 'Our proposal',
    intro:
      `${mspName} can take this work off your hands and keep your systems up to date every month. ` +
      `Each service tier is priced per endpoint (computer, server or device) per month; the totals are for the ` +
      `${endpointCount} in this assessment.`,
    fit: { label: 'Why it fits', text: fitText(results) },
    columns: [
      'Service tier',
      'What it includes',
      'Per endpoint per month',
      `Monthly total for ${endpointCount}`
    ],
    rows: proposal.tiers.map((tier) => [
      [{ text: tier.name, bold: true }],
      tier.includes.length > 0
        ? tier.includes.map((item) => ({ text: `• ${item}` }))
        : [{ text: '–', tone: 'muted' }],
      [{ text: formatMoney(tier.pricePerEndpointMonth, currency) }],
      [
        { text: formatMoney(monthlyTotal(tier.pricePerEndpointMonth, endpoints), currency), bold: true },
        {
          text: `${thousands(endpoints)} × ${formatMoney(tier.pricePerEndpointMonth, currency)}`,
          tone: 'muted',
          small: true
        }
      ]
    ]),
    note:
      `Estimates for the ${endpointCount} found in this assessment; the contract follows the number ` +
      'of endpoints under management. One-off work, such as replacing end-of-life systems, is quoted separately.',
    action: {
      heading: 'Next step',
      text: proposal.callToAction.trim(),
      contact: contactLines
    }
  };
}

export function textOfProposal(c: ProposalContent): string[] {
  return [
    c.heading,
    c.intro,
    c.fit.label,
    c.fit.text,
    ...c.columns,
    ...c.rows.flat(2).map((s) => s.text),
    c.note,
    c.action.heading,
    c.action.text,
    ...c.action.contact
  ].filter((s) => s !== '');
}

export function drawProposal(ctx: RenderContext, c: ProposalContent): void {
  const { flow, ts, palette } = ctx;
  flow.newPage();
  drawHeading(ctx, c.heading, 1);
  drawParagraph(ctx, c.intro, textStyle(TYPE.lead, palette.ink, false, 1.45));
  flow.advance(SPACE(5));

  // Why it fits: a label in the brand colour beside the client's numbers.
  const label = textStyle(TYPE.body, palette.accent, true, 1.4);
  const fit = textStyle(TYPE.body, palette.ink, false, 1.4);
  const labelWidth = SPACE(26);
  const fitLines = ts.wrap(c.fit.text, fit, flow.width - labelWidth);
  flow.ensure(fitLines.length * lineHeight(fit));
  ts.drawLines(
    flow.page,
    [ts.ellipsize(c.fit.label, label, labelWidth - SPACE(2))],
    flow.left,
    flow.y,
    label
  );
  flow.advance(ts.drawLines(flow.page, fitLines, flow.left + labelWidth, flow.y, fit));
  flow.advance(SPACE(5));

  const [tier, includes, price, total] = c.columns;
  drawSpanTable(
    ctx,
    [
      // Only one minimum: resolveColumnWidths can leave space unused when two flex columns fall below theirs.
      { header: tier ?? '', width: { flex: 0.7, min: SPACE(20) } },
      { header: includes ?? '', width: { flex: 1.6 } },
      { header: price ?? '', width: SPACE(21), align: 'right' },
      { header: total ?? '', width: SPACE(26), align: 'right' }
    ],
    c.rows
  );
  flow.advance(SPACE(2));
  drawParagraph(ctx, c.note, textStyle(TYPE.small, palette.muted, false, 1.4));
  flow.advance(SPACE(8));

  // The call to action in a tinted box with a brand-colour rule, like the cover's note.
  const pad = SPACE(4);
  const inner = flow.width - 2 * pad - 3;
  const head = textStyle(TYPE.lead, palette.accent, true, 1.3);
  const text = textStyle(TYPE.body, palette.ink, false, 1.45);
  const name = textStyle(TYPE.body, palette.ink, true, 1.45);
  const headLines = ts.wrap(c.action.heading, head, inner, 2);
  // Capped so the box always fits on one page.
  const textLines = c.action.text ? ts.wrap(c.action.text, text, inner, 12) : [];
  const contactLines = c.action.contact.slice(0, 4).map((line, i) => ({
    text: ts.ellipsize(line, i === 0 ? name : text, inner),
    style: i === 0 ? name : text
  }));
  const height =
    2 * pad +
    headLines.length * lineHeight(head) +
    SPACE(1) +
    textLines.length * lineHeight(text) +
    (contactLines.length > 0 ? SPACE(2) + contactLines.length * lineHeight(text) : 0);
  flow.ensure(height);
  const page = flow.page;
  const boxHeight = height;
  const bottom = flow.y - boxHeight;
  page.drawRectangle({
    x: flow.left,
    y: bottom,
    width: flow.width,
    height: boxHeight,
    color: palette.accentTint
  });
  page.drawRectangle({ x: flow.left, y: bottom, width: 3, height: boxHeight, color: palette.accent });
  let y = flow.y - pad;
  const x = flow.left + 3 + pad;
  y -= ts.drawLines(page, headLines, x, y, head);
  y -= SPACE(1);
  y -= ts.drawLines(page, textLines, x, y, text);
  if (contactLines.length > 0) {
    y -= SPACE(2);
    for (const line of contactLines) y -= ts.drawLines(page, [line.text], x, y, line.style);
  }
  flow.advance(boxHeight);
}
