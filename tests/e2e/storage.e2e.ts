import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp } from './pages/app';

/**
 * The browser's storage figures, replaced in every page of the test: `usage` of `quota` bytes used, persistence
 * not granted until asked, and every request counted (window.__persistRequests).
 */
async function fakeStorage(page: Page, usage: number, quota: number): Promise<void> {
  await page.addInitScript(
    ({ usage, quota }) => {
      let granted = false;
      const counter = window as unknown as { __persistRequests: number };
      counter.__persistRequests = 0;
      const storage = navigator.storage;
      Object.defineProperties(storage, {
        estimate: { value: () => Promise.resolve({ usage, quota }) },
        persisted: { value: () => Promise.resolve(granted) },
        persist: {
          value: () => {
            counter.__persistRequests += 1;
            granted = true;
            return Promise.resolve(true);
          }
        }
      });
    },
    { usage, quota }
  );
}

const MB = 1024 * 1024;

test('storage nearly full: every screen warns, and Settings shows usage, quota and whether data is kept', async ({
  page
}, info) => {
  await fakeStorage(page, 860 * MB, 1000 * MB);
  const app = new PatchfieldApp(page);
  await app.open('/');
  const warning = page.getByRole('status').filter({ hasText: 'Storage nearly full' });
  await expect(warning).toContainText('860.0 MB of the 1000.0 MB this device allows (86%)');
  await page.screenshot({ path: info.outputPath('storage-warning.png') });

  await warning.getByRole('link', { name: 'Storage settings' }).click();
  const section = page.getByRole('region', { name: 'Storage on this device' });
  await expect(section.getByTestId('storage-usage')).toHaveText('860.0 MB of 1000.0 MB (86%)');
  await expect(section.getByRole('meter', { name: 'Storage used' })).toHaveAttribute('aria-valuenow', '86');
  await expect(section.getByTestId('storage-persisted')).toContainText('No — the browser may clear');
  await expect(section).toContainText('Nearly full');
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('storage-settings.png'), fullPage: true });
  await app.expectNoSeriousA11yViolations('settings with storage nearly full');

  await section.getByRole('button', { name: 'Ask to keep data' }).click();
  await expect(section.getByTestId('storage-persisted')).toContainText('Yes — the browser will not clear');
  await expect(section.getByRole('status')).toHaveText('The browser will keep Patchfield’s data.');

  await warning.getByRole('button', { name: 'Hide' }).click();
  await expect(warning).toHaveCount(0);
});

test('below 80 % of the quota there is no warning', async ({ page }) => {
  await fakeStorage(page, 790 * MB, 1000 * MB);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('storage-usage')).toHaveText('790.0 MB of 1000.0 MB (79%)');
  await expect(page.getByRole('status').filter({ hasText: 'Storage nearly full' })).toHaveCount(0);
});

test('persistent storage is asked for after the first finished import, not before', async ({ page }) => {
  await fakeStorage(page, 10 * MB, 1000 * MB);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Praxis Persist', '2026-11-24');
  const requests = () =>
    page.evaluate(() => (window as unknown as { __persistRequests: number }).__persistRequests);
  expect(await requests()).toBe(0);
  await app.importFiles([join(FIXTURES, 'e2e', 'office.nessus')]);
  await expect.poll(requests).toBe(1);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('storage-persisted')).toContainText('Yes — the browser will not clear');
});
