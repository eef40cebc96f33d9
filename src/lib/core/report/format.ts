/** Words and numbers as the report writes them. English, and the same in every runtime (no Intl). */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** "2025-03-14" or "2025-03-14T09:30:00Z" → "14 March 2025"; anything else is returned as given. */
export function formatDate(iso: string, style: 'long' | 'short' = 'long'): string {
  const m = ISO_DATE.exec(iso);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !month) return iso;
  const name = style === 'short' ? month.slice(0, 3) : month;
  return `${Number(m[3])} ${name} ${m[1]}`;
}

/** The YYYY-MM-DD part of an ISO date or timestamp. */
export function isoDay(iso: string): string {
  return ISO_DATE.exec(iso)?.[0] ?? iso;
}

/** "1 computer", "3 computers". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "is" / "are" for a count. */
export function verb(n: number, singular = 'is', plural = 'are'): string {
  return n === 1 ? singular : plural;
}

/** Whole per cent, never rounding a part up to 100 or down to 0. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  const exact = (part / whole) * 100;
  let rounded = Math.round(exact);
  if (rounded === 100 && part < whole) rounded = 99;
  if (rounded === 0 && part > 0) rounded = 1;
  return `${rounded}%`;
}

/** Upper-cases the first letter of a sentence. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
