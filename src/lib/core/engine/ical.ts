import type { RemediationWave } from '../model';
import { zonedToUtc } from './schedule';

/**
 * The remediation plan as an iCalendar file (RFC 5545) the technician or the client imports into their calendar:
 * one VEVENT per wave, times in UTC so that no VTIMEZONE block is needed and every calendar shows the window at the
 * site's local time. Same waves and options, same bytes.
 * @see https://www.rfc-editor.org/rfc/rfc5545
 */
export interface PlanIcsOptions {
  calendarName: string;
  /** Stable seed for the events' UIDs, e.g. the engagement id: a re-export updates the events instead of adding. */
  uid: string;
  /** The export's timestamp (ISO 8601), passed in so that the output is reproducible. */
  dtstamp: string;
}

const CRLF = '\r\n';

/** TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks. */
export function escapeIcsText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Folds a content line so that no line is longer than 75 octets of UTF-8 (RFC 5545 §3.1); continuation lines start
 * with one space, which counts in their 75. A character is never cut between its octets.
 */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0) ?? 0);
    if (octets + size > 75) {
      out.push(current);
      current = ' ';
      octets = 1;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join(CRLF);
}

/** UTC instant → "YYYYMMDDTHHMMSSZ". */
function icsUtc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function effortText(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

function describe(w: RemediationWave): string {
  const machines = w.assetIds.length === 1 ? '1 machine' : `${w.assetIds.length} machines`;
  const updates = w.gapIds.length === 1 ? '1 update' : `${w.gapIds.length} updates`;
  return [
    `${machines}, ${updates}, about ${effortText(w.effortMinutes)} of technician time.`,
    `Local time: ${w.start.replace('T', ' ')} to ${w.end.replace('T', ' ')} (${w.timeZone}).`,
    `After the wave: ${w.verification}`,
    `Verified by ${w.expectedCompletion}.`
  ].join('\n');
}

/**
 * The waves as an iCalendar text with CRLF line ends. DTSTART/DTEND are the wave's local start and end in its time
 * zone converted to UTC with Intl (daylight saving included). A wave whose times cannot be read is left out rather
 * than written wrong; an unknown time zone is read as UTC; an unreadable dtstamp is written as the Unix epoch.
 */
export function planToIcs(waves: RemediationWave[], opts: PlanIcsOptions): string {
  const stampMs = Date.parse(opts.dtstamp);
  const dtstamp = icsUtc(Number.isNaN(stampMs) ? 0 : stampMs);
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Patchfield//Remediation plan//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeIcsText(opts.calendarName)}`
  ];
  for (const w of waves) {
    const start = zonedToUtc(w.start, w.timeZone) ?? zonedToUtc(w.start, 'UTC');
    const end = zonedToUtc(w.end, w.timeZone) ?? zonedToUtc(w.end, 'UTC');
    if (start === undefined || end === undefined) continue;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeIcsText(`${w.id}.${opts.uid}@patchfield`)}`,
      `DTSTAMP:${dtstamp}`,
      `DTSTART:${icsUtc(start)}`,
      `DTEND:${icsUtc(end)}`,
      `SUMMARY:${escapeIcsText(w.name)}`,
      `DESCRIPTION:${escapeIcsText(describe(w))}`,
      `CATEGORIES:${escapeIcsText(w.kind === 'emergency' ? 'Emergency patching' : 'Patching')}`,
      'STATUS:CONFIRMED',
      'TRANSP:OPAQUE',
      'END:VEVENT'
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldIcsLine).join(CRLF) + CRLF;
}
