/**
 * Microsoft KB numbers: "KB" followed by 6 or 7 digits. Suffixes such as "-v2" or "_WM9" are not part of the
 * number; Q-numbers (Q123456) and entries like "File 1" are not KBs.
 */
const KB_PATTERN = /(?<![A-Za-z0-9])KB[ _-]?(\d{6,7})(?!\d)/i;
const KB_PATTERN_GLOBAL = /(?<![A-Za-z0-9])KB[ _-]?(\d{6,7})(?!\d)/gi;

/** "kb5039211-v2" → "KB5039211"; undefined when the text holds no KB number. */
export function normalizeKb(text: string): string | undefined {
  const m = KB_PATTERN.exec(text);
  return m ? `KB${m[1]}` : undefined;
}

/** Every KB number in a text, normalised, first-seen order, without repeats. */
export function findKbs(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(KB_PATTERN_GLOBAL)) seen.add(`KB${m[1]}`);
  return [...seen];
}

/** A bare number as Nessus writes it in xrefs ("MSKB:4093110") → "KB4093110". */
export function kbFromNumber(digits: string): string | undefined {
  const d = digits.trim();
  return /^\d{6,7}$/.test(d) ? `KB${d}` : undefined;
}
