import { getDb, getUiFlag, setUiFlag } from '$lib/db';
import { needsInstallHint, type InstallEnv } from './install-env';

const FLAG = 'install-hint-dismissed';

function browserEnv(): InstallEnv | null {
  if (typeof navigator === 'undefined' || typeof matchMedia === 'undefined') return null;
  return {
    userAgent: navigator.userAgent,
    maxTouchPoints: navigator.maxTouchPoints,
    standalone: (navigator as { standalone?: boolean }).standalone,
    displayModeStandalone: matchMedia('(display-mode: standalone)').matches
  };
}

/** The "Install Patchfield" banner: shown until the technician dismisses it once on this device. */
export class InstallHint {
  visible = $state(false);

  async check(env: InstallEnv | null = browserEnv()): Promise<void> {
    if (!env || !needsInstallHint(env)) return;
    this.visible = !(await getUiFlag(getDb(), FLAG));
  }

  async dismiss(): Promise<void> {
    this.visible = false;
    await setUiFlag(getDb(), FLAG, true);
  }
}
