/** What the hint needs to know about the browser, so that a test can describe an iPad. */
export interface InstallEnv {
  userAgent: string;
  maxTouchPoints: number;
  /** Safari on iPhone and iPad only: false in a tab, true when opened from the Home Screen. */
  standalone?: boolean;
  displayModeStandalone: boolean;
}

/**
 * Safari on iPad and iPhone has no install prompt: Patchfield is installed with Share › Add to Home Screen, which also
 * keeps its data from being cleared after seven days without a visit. True in the browser's tabs on those devices only
 * (iPadOS reports itself as a Mac, but a Mac has no touch screen).
 */
export function needsInstallHint(env: InstallEnv): boolean {
  if (env.standalone !== false || env.displayModeStandalone) return false;
  return (
    /iPad|iPhone|iPod/.test(env.userAgent) || (/Macintosh/.test(env.userAgent) && env.maxTouchPoints > 1)
  );
}
