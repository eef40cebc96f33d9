/** The service worker's lifecycle as state: "new version available — reload", and whether the app works offline. */
export class PwaState {
  needRefresh = $state(false);
  offlineReady = $state(false);
  private update: ((reload?: boolean) => Promise<void>) | null = null;

  async register(): Promise<void> {
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
    const { registerSW } = await import('virtual:pwa-register');
    this.update = registerSW({
      immediate: true,
      onNeedRefresh: () => {
        this.needRefresh = true;
      },
      onOfflineReady: () => {
        this.offlineReady = true;
      }
    });
  }

  async reload(): Promise<void> {
    await this.update?.(true);
  }

  dismiss(): void {
    this.needRefresh = false;
  }
}
