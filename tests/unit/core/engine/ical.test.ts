import { describe, expect, it } from 'vitest';
import type { RemediationWave } from '../../../../src/lib/core/model';
import { escapeIcsText, foldIcsLine, planToIcs } from '../../../../src/lib/core/engine/ical';

function wave(over: Partial<RemediationWave> = {}): RemediationWave {
  return {
    id: 'w02-pilot',
    kind: 'pilot',
    name: 'Pilot ring, Tue 2026-03-24 18:00',
    start: '2026-03-24T18:00',
    end: '2026-03-24T22:00',
    timeZone: 'Europe/Berlin',
    assetIds: ['a1', 'a2', 'a3'],
    gapIds: ['g1', 'g2', 'g3', 'g4'],
    effortMinutes: 135,
    verification:
      "Rescan or re-export the 3 machines and import the files into Patchfield; check the gaps are closed and note the change in the client's change log.",
    expectedCompletion: '2026-03-25',
    locked: false,
    ...over
  };
}

const opts = { calendarName: 'Müller GmbH, patch plan', uid: 'eng-42', dtstamp: '2026-03-16T09:30:00.000Z' };

/** Unfolds the content lines (RFC 5545 §3.1) and returns the value of each property. */
function properties(ics: string): string[] {
  return ics.replace(/\r\n /g, '').split('\r\n');
}

describe('planToIcs', () => {
  it('writes one VEVENT per wave with CRLF line ends and UTC times converted from Europe/Berlin across the summer-time change', () => {
    const ics = planToIcs(
      [
        wave(),
        wave({
          id: 'w03-workstations',
          kind: 'workstations',
          name: 'Workstations, Tue 2026-03-31 18:00',
          start: '2026-03-31T18:00',
          end: '2026-03-31T22:00'
        })
      ],
      opts
    );
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = properties(ics);
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(2);
    // CET (+01:00) before 29 March, CEST (+02:00) after.
    expect(lines).toContain('DTSTART:20260324T170000Z');
    expect(lines).toContain('DTEND:20260324T210000Z');
    expect(lines).toContain('DTSTART:20260331T160000Z');
    expect(lines).toContain('DTEND:20260331T200000Z');
    expect(lines).toContain('DTSTAMP:20260316T093000Z');
    expect(lines).toContain('UID:w02-pilot.eng-42@patchfield');
    expect(lines).toContain('X-WR-CALNAME:Müller GmbH\\, patch plan');
    const description = lines.find((l) => l.startsWith('DESCRIPTION:'));
    expect(description).toContain('3 machines\\, 4 updates\\, about 2 h 15 min of technician time.\\n');
    expect(description).toContain('After the wave: Rescan or re-export the 3 machines');
  });

  it('escapes commas, semicolons, backslashes and line breaks in text values', () => {
    expect(escapeIcsText('a,b;c\\d\ne\r\nf')).toBe('a\\,b\\;c\\\\d\\ne\\nf');
    const ics = planToIcs([wave({ name: 'Servers; C:\\temp, line\nbreak' })], opts);
    expect(properties(ics)).toContain('SUMMARY:Servers\\; C:\\\\temp\\, line\\nbreak');
  });

  it('folds lines at 75 octets without cutting a multi-byte character', () => {
    const long = `DESCRIPTION:${'é'.repeat(50)}${'x'.repeat(30)}🙂${'y'.repeat(80)}`;
    const folded = foldIcsLine(long);
    const encoder = new TextEncoder();
    for (const line of folded.split('\r\n')) expect(encoder.encode(line).length).toBeLessThanOrEqual(75);
    expect(
      folded
        .split('\r\n')
        .slice(1)
        .every((l) => l.startsWith(' '))
    ).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    expect(foldIcsLine('SHORT:line')).toBe('SHORT:line');
    const ics = planToIcs([wave({ name: 'Ä'.repeat(100) })], opts);
    for (const line of ics.split('\r\n')) expect(encoder.encode(line).length).toBeLessThanOrEqual(75);
  });

  it('gives the same text for the same plan and options', () => {
    const a = planToIcs([wave(), wave({ id: 'w01-emergency', kind: 'emergency' })], opts);
    const b = planToIcs([wave(), wave({ id: 'w01-emergency', kind: 'emergency' })], opts);
    expect(b).toBe(a);
    expect(properties(a)).toContain('CATEGORIES:Emergency patching');
  });

  it('leaves out a wave whose times cannot be read and reads an unknown time zone as UTC', () => {
    const ics = planToIcs([wave({ start: 'soon' }), wave({ id: 'w04-servers', timeZone: 'Nowhere/Else' })], {
      ...opts,
      dtstamp: 'now'
    });
    const lines = properties(ics);
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(lines).toContain('DTSTART:20260324T180000Z');
    expect(lines).toContain('DTSTAMP:19700101T000000Z');
  });
});
