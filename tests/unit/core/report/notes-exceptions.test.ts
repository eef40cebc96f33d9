import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/lib/core/report';
import { buildTopRisks } from '../../../../src/lib/core/report/sections/risks';
import { hasTool, pdfPages, reportFonts, writePdf } from './report-tools';
import { engagement } from './sample-results';
import { officeResults } from './section-harness';

const AS_OF = '2026-11-24';
const REASON = 'The X-ray software vendor certifies this update only in spring';
const LONG_NOTE = Array.from(
  { length: 40 },
  (_, i) => `Line ${i + 1} of a long note on the reception PC: the cable under the desk is loose.`
).join('\n');

/** The office with one risk accepted, one exception lapsed, notes on a machine and on the visit. */
async function reportWithDecisions() {
  const plain = officeResults(AS_OF, {}, false);
  const planned = new Set(plain.waves.flatMap((w) => w.gapIds));
  const [accepted, lapsed] = plain.gaps.filter((g) => planned.has(g.id));
  const noted = plain.assets.find((a) => a.asset.id === accepted!.assetId)!.asset;
  const results = officeResults(
    AS_OF,
    {
      exceptions: {
        [accepted!.id]: { reason: REASON, acceptedBy: 'Dr. Anna Müller', until: '2027-03-01' },
        [lapsed!.id]: { reason: 'Replacement ordered', until: '2026-10-31' }
      },
      assets: { [noted.id]: { note: LONG_NOTE } }
    },
    false
  );
  const out = await buildReport(
    {
      engagement: engagement({
        visitDate: AS_OF,
        notes: 'The server room was locked; the NAS could not be checked.\n\nTwo PCs were switched off.'
      }),
      results,
      mspName: 'Brightline IT Services GmbH',
      generatedAt: '2026-11-24T10:00:00.000Z',
      pageSize: 'A4',
      importedAt: { f1: '2026-11-24T09:12:00.000Z', f2: '2026-11-24T09:15:00.000Z' }
    },
    reportFonts()
  );
  return { out, results, accepted: accepted!, lapsed: lapsed!, noted };
}

describe.skipIf(!hasTool('pdftotext'))('technician notes and accepted risks in the report', () => {
  it('every decision and note appears where it applies: risks, plan, appendix and scope', async () => {
    const { out, results, accepted, noted } = await reportWithDecisions();
    expect(out.missingGlyphs).toEqual([]);
    const path = writePdf(out.bytes, 'notes-exceptions');
    const pages = pdfPages(path, '-raw');
    const squeeze = (s: string) => s.replace(/\s+/g, ' ');
    const all = squeeze(pages.join('\n'));

    // Executive summary: the accepted risk is named as a choice that still counts.
    const exec = squeeze(pages.find((p) => p.includes('The biggest risks'))!);
    expect(exec).toContain('You chose to accept 1 risk for now');

    // The plan: the table of accepted risks with the client's reason, who and until when; the lapsed one asks for
    // a decision.
    const start = all.indexOf('Risks you accepted');
    const plan = all.slice(start, all.indexOf('Scope, methodology and data', start));
    expect(plan).toContain('Risks you accepted');
    expect(plan).toContain(REASON);
    expect(plan).toContain('Dr. Anna Müller');
    expect(plan).toContain('1 Mar 2027');
    expect(plan).toContain('(passed)');
    expect(plan).toContain('Review the accepted risks that are past their review date');
    // The accepted gap is in no wave; the plan's table counts one update fewer than the gaps.
    expect(results.waves.some((w) => w.gapIds.includes(accepted.id))).toBe(false);

    // Appendix: "Risk accepted" in place of the due date, and the whole machine note, every line of it.
    expect(all).toContain('Risk accepted');
    expect(all).toContain('review by');
    expect(all).toContain('Technician’s note');
    expect(all).toContain('Line 1 of a long note');
    expect(all).toContain('Line 40 of a long note');
    expect(all).toContain(noted.hostname);

    // Scope: the visit notes, paragraph by paragraph, and each file's date.
    const scope = squeeze(pages.filter((p) => p.includes('Files imported')).join('\n'));
    expect(scope).toContain('Notes from the visit');
    expect(scope).toContain('The server room was locked; the NAS could not be checked.');
    expect(scope).toContain('Two PCs were switched off.');
    expect(scope).toMatch(/\d{1,2} \w{3} \d{4}( – \d{1,2} \w{3} \d{4})? scanned/);
    expect(scope).toContain('24 Nov 2026 imported');
  });

  it('top risks say what the client decided for the risk they accepted', async () => {
    const { out, results, accepted } = await reportWithDecisions();
    // The accepted gap is the most urgent planned one, so its risk is among the top ten.
    const item = buildTopRisks(results).items.find((i) => i.fix === accepted.title);
    expect(item?.decision).toMatch(/^You accepted this risk( on 1 machine of \d+ \([^)]+\))?: “/);
    expect(item?.decision).toContain('Dr. Anna Müller; review by 1 Mar 2027');
    const risks = pdfPages(writePdf(out.bytes, 'notes-exceptions-risks'))
      .filter((p) => p.includes('Why it matters'))
      .join('\n')
      .replace(/\s+/g, ' ');
    expect(risks).toContain('Your decision');
    expect(risks).toContain('You accepted this risk');
  });
});
