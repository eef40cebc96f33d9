import { describe, expect, it } from 'vitest';
import { keepFocusedFieldVisible, type ViewportWindow } from '../../../src/lib/state/viewport';

/** A tablet 1180 px tall whose on-screen keyboard can open, with one focused field at `top`. */
function tablet(top: number, tag = 'input') {
  const listeners = new Map<string, () => void>();
  const scrolled: ScrollIntoViewOptions[] = [];
  const field = {
    matches: (selector: string) => selector.split(',').some((s) => s.trim().startsWith(tag)),
    getBoundingClientRect: () => ({ top, bottom: top + 44 }),
    scrollIntoView: (o: ScrollIntoViewOptions) => scrolled.push(o)
  };
  const vv = {
    height: 1180,
    offsetTop: 0,
    addEventListener: (type: string, fn: () => void) => listeners.set(`vv:${type}`, fn),
    removeEventListener: (type: string) => listeners.delete(`vv:${type}`)
  };
  const win: ViewportWindow = {
    innerHeight: 1180,
    visualViewport: vv,
    document: {
      activeElement: field,
      addEventListener: (type: string, fn: () => void) => listeners.set(`doc:${type}`, fn),
      removeEventListener: (type: string) => listeners.delete(`doc:${type}`)
    },
    setTimeout: (fn: () => void) => fn()
  };
  const keyboard = (height: number) => {
    vv.height = 1180 - height;
    listeners.get('vv:resize')?.();
  };
  return { win, keyboard, scrolled, listeners };
}

describe('on-screen keyboard', () => {
  it('scrolls the focused field into view when the keyboard would cover it', () => {
    const t = tablet(900);
    keepFocusedFieldVisible(t.win);
    t.keyboard(420);
    expect(t.scrolled).toEqual([{ block: 'center', inline: 'nearest' }]);
  });

  it('leaves the page alone when the field stays visible above the keyboard', () => {
    const t = tablet(300);
    keepFocusedFieldVisible(t.win);
    t.keyboard(420);
    expect(t.scrolled).toEqual([]);
  });

  it('leaves the page alone without a keyboard (a small toolbar is not one)', () => {
    const t = tablet(1150);
    keepFocusedFieldVisible(t.win);
    t.keyboard(60);
    expect(t.scrolled).toEqual([]);
  });

  it('moves a field focused while the keyboard is already open', () => {
    const t = tablet(1000, 'textarea');
    keepFocusedFieldVisible(t.win);
    t.keyboard(420);
    t.scrolled.length = 0;
    t.listeners.get('doc:focusin')?.();
    expect(t.scrolled.length).toBeGreaterThan(0);
  });

  it('ignores buttons and checkboxes, which bring up no keyboard', () => {
    const t = tablet(900, 'button');
    keepFocusedFieldVisible(t.win);
    t.keyboard(420);
    expect(t.scrolled).toEqual([]);
  });

  it('stops listening when asked', () => {
    const t = tablet(900);
    const stop = keepFocusedFieldVisible(t.win);
    stop();
    expect([...t.listeners.keys()]).toEqual([]);
  });
});
