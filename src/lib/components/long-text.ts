/**
 * Imported files are hostile until proven otherwise: a scanner's output, a host name or a rule title can be
 * 100 KB long. Screens show the first part of such text (with a control that shows the rest) so one field
 * cannot freeze the tablet; what is stored is never cut.
 */

/** Characters of one field shown before "Show all". */
export const DISPLAY_CAP = 2000;

/** Characters of one field in a single-line row (a list row ends in an ellipsis; the detail shows the rest). */
export const LINE_CAP = 300;

export interface CappedText {
  /** The part to show. */
  shown: string;
  /** Whether `shown` is shorter than the text. */
  capped: boolean;
  /** Length of the whole text, in characters (code points). */
  total: number;
}

/** Where to cut so a surrogate pair (an emoji, a CJK extension character) is never split in two. */
function cutAt(text: string, max: number): number {
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/** Counts code points without building an array of a 100 KB string. */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

/** The first `max` UTF-16 units of `text` (never half a character), and whether anything was left out. */
export function capForDisplay(text: string, max = DISPLAY_CAP): CappedText {
  if (text.length <= max) return { shown: text, capped: false, total: codePoints(text) };
  return { shown: text.slice(0, cutAt(text, max)), capped: true, total: codePoints(text) };
}

/** One line of a list: the text cut at `max` with an ellipsis when longer. */
export function clipLine(text: string, max = LINE_CAP): string {
  const line = text.length <= max ? text : `${text.slice(0, cutAt(text, max))}…`;
  return revealDirectionControls(line);
}

/**
 * Invisible direction controls (embeddings, overrides, isolates, marks) shown as visible tags, so a host named
 * "PC-" + RIGHT-TO-LEFT OVERRIDE + "fdp.exe" reads as "PC-⟨RLO⟩fdp.exe" rather than pretending to be
 * "PC-exe.pdf". Arabic and Hebrew text itself is untouched: only the control characters are named.
 */
const DIRECTION_CONTROLS: Record<string, string> = {
  '\u202a': 'LRE',
  '\u202b': 'RLE',
  '\u202c': 'PDF',
  '\u202d': 'LRO',
  '\u202e': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI',
  '\u200e': 'LRM',
  '\u200f': 'RLM',
  '\u061c': 'ALM'
};
const DIRECTION_PATTERN = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

export function revealDirectionControls(text: string): string {
  return text.replace(DIRECTION_PATTERN, (c) => `⟨${DIRECTION_CONTROLS[c]}⟩`);
}
