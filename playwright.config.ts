import { defineConfig, devices } from '@playwright/test';

/** Debian's Chromium (Playwright's own browsers cannot be downloaded here); flags per TOOLCHAIN.md. */
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync'
  ]
};

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.e2e.ts',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    hasTouch: true,
    launchOptions: chromium,
    acceptDownloads: true,
    trace: 'retain-on-failure'
  },
  projects: [
    {
      name: 'tablet-landscape',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1180, height: 820 },
        hasTouch: true,
        launchOptions: chromium
      }
    },
    {
      name: 'tablet-portrait',
      // Portrait runs the tests about layout and the whole journey; the rest of the behaviour does not depend on
      // the orientation and runs once, in landscape, to keep the suite within CI's time.
      testMatch: /(journey|tablet|share-target)\.e2e\.ts$/,
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 820, height: 1180 },
        hasTouch: true,
        launchOptions: chromium
      }
    }
  ],
  webServer: {
    // Serves the built PWA exactly as `npm start` does.
    command: 'npx sirv build --single --host 127.0.0.1 --port 4173',
    url: 'http://127.0.0.1:4173',
    reuseExistingServer: !process.env.CI,
    timeout: 60_000
  }
});
