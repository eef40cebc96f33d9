import { textStyle as style, type RenderContext } from '../render';
import { baselineOffset, lineHeight } from '../text';
import { SPACE, TYPE } from '../theme';

/**
 * The glossary at the end of the report: every term and acronym the report uses, explained once in one or two
 * plain sentences for a reader who is not in IT.
 */

export interface GlossaryTerm {
  term: string;
  definition: string;
}

export const GLOSSARY: readonly GlossaryTerm[] = [
  {
    term: 'KB (knowledge-base number)',
    definition:
      'The number Microsoft gives each update, such as KB5066791. Installing the update named by its KB number closes the gaps it fixes.'
  },
  {
    term: 'CVE',
    definition:
      'Common Vulnerabilities and Exposures: the public catalogue of known security weaknesses. Each weakness has one identifier, such as CVE-2025-29824.'
  },
  {
    term: 'CVSS',
    definition:
      'Common Vulnerability Scoring System: a score from 0 to 10 for how severe a weakness is if it is used against you. It says nothing about whether anyone is actually using it.'
  },
  {
    term: 'EPSS',
    definition:
      'Exploit Prediction Scoring System: the estimated chance, from 0 to 100 %, that a weakness will be used in attacks within the next 30 days.'
  },
  {
    term: 'KEV (known exploited)',
    definition:
      'The US cybersecurity agency CISA’s list of Known Exploited Vulnerabilities: weaknesses that attackers are already using. These come first in the plan.'
  },
  {
    term: 'Cumulative update',
    definition:
      'Microsoft’s monthly update that contains all earlier fixes for a Windows version. Installing the latest one brings a computer fully up to date.'
  },
  {
    term: 'Servicing stack update',
    definition:
      'An update to the part of Windows that installs updates. Some cumulative updates need it first, so the plan installs it before them.'
  },
  {
    term: 'Maintenance window',
    definition:
      'An agreed time, such as Tuesday evenings, when computers may be updated and restarted without disturbing work.'
  },
  {
    term: 'Ring, pilot ring',
    definition:
      'A group of computers updated together. A small pilot ring of representative machines goes first, so a faulty update is caught before it reaches everyone.'
  },
  {
    term: 'End of life',
    definition:
      'The date after which the vendor no longer fixes security weaknesses in a product. Software past end of life stays vulnerable whatever is installed.'
  },
  {
    term: 'ESU (Extended Security Updates)',
    definition:
      'A paid Microsoft programme that keeps security fixes coming for a limited time after end of life, to bridge the move to a supported version.'
  },
  {
    term: 'SSVC',
    definition:
      'Stakeholder-Specific Vulnerability Categorization: a decision method used by CISA that weighs whether a weakness is exploited, can be automated, how much control it gives and how exposed the system is.'
  },
  {
    term: 'Due date, overdue',
    definition:
      'The date by which a fix should be installed under the agreed policy, counted from this assessment. Overdue means the time the policy allows since the fix came out has already run out.'
  }
];

export interface GlossaryContent {
  heading: string;
  intro: string;
  terms: readonly GlossaryTerm[];
}

export function buildGlossary(): GlossaryContent {
  return {
    heading: 'Glossary',
    intro: 'The terms and abbreviations used in this report, in plain words.',
    terms: GLOSSARY
  };
}

export function textOfGlossary(content: GlossaryContent): string[] {
  return [content.heading, content.intro, ...content.terms.flatMap((t) => [t.term, t.definition])];
}

/** Draws the glossary from a new page: each term in bold beside its definition, kept together. */
export function drawGlossary(ctx: RenderContext, content: GlossaryContent): void {
  const { flow, ts, palette } = ctx;
  flow.newPage();

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
  for (const line of ts.wrap(content.intro, intro, flow.width)) {
    flow.ensure(lineHeight(intro));
    ts.draw(flow.page, line, flow.left, flow.y - baselineOffset(intro), intro);
    flow.advance(lineHeight(intro));
  }
  flow.advance(SPACE(4));

  const termStyle = style(TYPE.body, palette.ink, true, 1.4);
  const textStyle = style(TYPE.body, palette.ink, false, 1.4);
  const termWidth = SPACE(34);
  // Definitions keep to a readable measure (at most about 70 characters), and the whole list to one page.
  const textWidth = Math.min(flow.width - termWidth, TYPE.body * 40);
  for (const item of content.terms) {
    const termLines = ts.wrap(item.term, termStyle, termWidth - SPACE(4));
    const textLines = ts.wrap(item.definition, textStyle, textWidth);
    const height = Math.max(termLines.length, textLines.length) * lineHeight(textStyle);
    flow.ensure(height);
    ts.drawLines(flow.page, termLines, flow.left, flow.y, termStyle);
    ts.drawLines(flow.page, textLines, flow.left + termWidth, flow.y, textStyle);
    flow.advance(height + SPACE(2));
  }
}
