import { describe, expect, it } from 'vitest';
import { needsInstallHint, type InstallEnv } from '../../../src/lib/state/install-env';

const IPAD_SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

function env(over: Partial<InstallEnv>): InstallEnv {
  return {
    userAgent: IPAD_SAFARI,
    maxTouchPoints: 5,
    standalone: false,
    displayModeStandalone: false,
    ...over
  };
}

describe('install hint', () => {
  it('shows on iPad Safari in a tab (iPadOS reports itself as a Mac with a touch screen)', () => {
    expect(needsInstallHint(env({}))).toBe(true);
  });

  it('shows on iPhone Safari in a tab', () => {
    expect(needsInstallHint(env({ userAgent: IPHONE_SAFARI }))).toBe(true);
  });

  it('stays hidden once Patchfield runs from the Home Screen', () => {
    expect(needsInstallHint(env({ standalone: true }))).toBe(false);
    expect(needsInstallHint(env({ displayModeStandalone: true }))).toBe(false);
  });

  it('stays hidden on a Mac, which has no touch screen', () => {
    expect(needsInstallHint(env({ maxTouchPoints: 0 }))).toBe(false);
  });

  it('stays hidden where the browser offers its own install prompt (navigator.standalone is undefined)', () => {
    expect(needsInstallHint(env({ userAgent: ANDROID_CHROME, standalone: undefined }))).toBe(false);
  });
});
