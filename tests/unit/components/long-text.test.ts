import { describe, expect, it } from 'vitest';
import {
  capForDisplay,
  clipLine,
  DISPLAY_CAP,
  LINE_CAP,
  revealDirectionControls
} from '../../../src/lib/components/long-text';

describe('display capping of imported text', () => {
  it('shows text up to the cap whole', () => {
    const text = 'x'.repeat(DISPLAY_CAP);
    expect(capForDisplay(text)).toEqual({ shown: text, capped: false, total: DISPLAY_CAP });
  });

  it('cuts a 100 KB plugin output at 2,000 characters and says how long the whole text is', () => {
    const text = `BEGIN ${'y'.repeat(100_000)} END`;
    const capped = capForDisplay(text);
    expect(capped.capped).toBe(true);
    expect(capped.shown).toHaveLength(DISPLAY_CAP);
    expect(text.startsWith(capped.shown)).toBe(true);
    expect(capped.shown).not.toContain('END');
    expect(capped.total).toBe(text.length);
  });

  it('never cuts a character in half and counts characters, not UTF-16 units', () => {
    const text = `${'a'.repeat(9)}😀${'b'.repeat(10)}`; // the emoji sits on units 9 and 10
    const capped = capForDisplay(text, 10);
    expect(capped.shown).toBe('a'.repeat(9));
    expect(capped.total).toBe(20);
    expect(clipLine(text, 10)).toBe(`${'a'.repeat(9)}…`);
  });

  it('clips one list line with an ellipsis and leaves short lines alone', () => {
    expect(clipLine('PC-RECEPTION')).toBe('PC-RECEPTION');
    const long = '<img src=x onerror=alert(1)>'.repeat(50);
    const line = clipLine(long);
    expect(line).toHaveLength(LINE_CAP + 1);
    expect(line.endsWith('…')).toBe(true);
    expect(long.startsWith(line.slice(0, -1))).toBe(true);
  });

  it('names direction overrides and isolates instead of obeying them, and leaves Arabic and Hebrew as they are', () => {
    expect(revealDirectionControls('PC-\u202Efdp.exe')).toBe('PC-⟨RLO⟩fdp.exe');
    expect(revealDirectionControls('a\u2066b\u2069\u200Fc')).toBe('a⟨LRI⟩b⟨PDI⟩⟨RLM⟩c');
    expect(revealDirectionControls('عيادة الأسنان · מרפאה')).toBe('عيادة الأسنان · מרפאה');
    expect(clipLine('PC-\u202Efdp.exe')).toBe('PC-⟨RLO⟩fdp.exe');
  });
});
