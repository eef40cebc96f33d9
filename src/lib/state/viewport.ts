/**
 * Keeps the field being typed in visible above the on-screen keyboard. iPadOS does not resize the page when its
 * keyboard opens; it shrinks the visual viewport and sometimes leaves the focused field underneath the keyboard (or
 * under the sticky header after it scrolls). When the visual viewport is clearly shorter than the window, the focused
 * field is scrolled to the middle of what is still visible.
 */

/** The parts of window this needs, so that a test can hand in a stand-in. */
export interface ViewportWindow {
  innerHeight: number;
  visualViewport: {
    height: number;
    offsetTop: number;
    addEventListener(type: 'resize' | 'scroll', fn: () => void): void;
    removeEventListener(type: 'resize' | 'scroll', fn: () => void): void;
  } | null;
  document: {
    activeElement: unknown;
    addEventListener(type: 'focusin', fn: () => void): void;
    removeEventListener(type: 'focusin', fn: () => void): void;
  };
  setTimeout(fn: () => void, ms: number): unknown;
}

interface Field {
  matches(selector: string): boolean;
  getBoundingClientRect(): { top: number; bottom: number };
  scrollIntoView(options: ScrollIntoViewOptions): void;
}

const TYPING =
  'input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]):not([type=file]):not([type=color]), textarea, select, [contenteditable="true"]';
/** A keyboard takes at least this share of the screen; smaller changes are toolbars appearing. */
const KEYBOARD_SHARE = 0.15;
/** Room kept above and below the field, in CSS pixels (the sticky header is about 60 px). */
const MARGIN = 72;

function isField(el: unknown): el is Field {
  return (
    typeof el === 'object' &&
    el !== null &&
    typeof (el as Partial<Field>).matches === 'function' &&
    typeof (el as Partial<Field>).scrollIntoView === 'function' &&
    (el as Field).matches(TYPING)
  );
}

/** Starts watching; returns the function that stops it. */
export function keepFocusedFieldVisible(win: ViewportWindow): () => void {
  const vv = win.visualViewport;
  if (!vv) return () => undefined;

  const reveal = (): void => {
    const el = win.document.activeElement;
    if (!isField(el)) return;
    if (vv.height > win.innerHeight * (1 - KEYBOARD_SHARE)) return;
    const box = el.getBoundingClientRect();
    const top = vv.offsetTop + Math.min(MARGIN, vv.height / 4);
    const bottom = vv.offsetTop + vv.height - Math.min(MARGIN / 3, vv.height / 8);
    if (box.top >= top && box.bottom <= bottom) return;
    el.scrollIntoView({ block: 'center', inline: 'nearest' });
  };
  // Focus moves before the keyboard finishes opening: look again once it has.
  const onFocus = (): void => {
    reveal();
    win.setTimeout(reveal, 350);
  };

  vv.addEventListener('resize', reveal);
  win.document.addEventListener('focusin', onFocus);
  return () => {
    vv.removeEventListener('resize', reveal);
    win.document.removeEventListener('focusin', onFocus);
  };
}
