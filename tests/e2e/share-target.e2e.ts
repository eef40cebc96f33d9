import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp } from './pages/app';

const NESSUS = join(FIXTURES, 'e2e', 'office.nessus');
const SYSTEMINFO = join(FIXTURES, 'e2e', 'PC-RECEPTION-systeminfo.txt');

/**
 * What Android's share sheet (or desktop Chromium's) does with the manifest's share_target: a navigation that POSTs
 * multipart/form-data to /share-target, answered by Patchfield's service worker (static/share-target-sw.js).
 */
async function shareFiles(page: Page, paths: string[]): Promise<void> {
  const files = paths.map((p) => ({ name: p.split('/').pop()!, text: readFileSync(p, 'utf8') }));
  await Promise.all([
    page.waitForURL(/\/\?shared=1$/),
    page.evaluate((shared) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.enctype = 'multipart/form-data';
      form.action = '/share-target';
      const title = document.createElement('input');
      title.name = 'title';
      title.value = 'Shared from the file manager';
      const input = document.createElement('input');
      input.type = 'file';
      input.name = 'files';
      input.multiple = true;
      const transfer = new DataTransfer();
      for (const f of shared)
        transfer.items.add(new File([f.text], f.name, { type: 'application/octet-stream' }));
      input.files = transfer.files;
      form.append(title, input);
      document.body.append(form);
      form.submit();
    }, files)
  ]);
}

test('a .nessus file shared from another app is imported into the engagement the technician picks', async ({
  page
}) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Praxis Sharing', '2026-11-24');
  await app.createEngagement('Kanzlei Elsewhere', '2026-11-25');
  // The share target lives in the service worker: without it the POST would reach the static server.
  await app.waitForOfflineReady();

  await shareFiles(page, [NESSUS]);
  const inbox = page.getByRole('region', { name: /One file received — import into which engagement\?/ });
  await expect(inbox).toBeVisible();
  await expect(inbox).toContainText('office.nessus');
  await app.expectNoSeriousA11yViolations('files received');

  await inbox.getByRole('button', { name: /Praxis Sharing/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Praxis Sharing' })).toBeVisible({
    timeout: 60_000
  });
  await expect(
    page.getByRole('status').filter({ hasText: 'One file imported into Praxis Sharing.' })
  ).toBeVisible();
  const files = page.getByRole('list', { name: 'Imported files' });
  await expect(files.getByText('office.nessus')).toBeVisible();
  await expect(files).toContainText('Imported');
  // The scan's machines are there, as after any import.
  await app.openTab('Findings');
  await expect(page.getByText('5 findings', { exact: true })).toBeVisible();

  // The inbox is empty again; the other engagement got nothing.
  await app.open('/');
  await expect(page.getByRole('region', { name: /received/ })).toHaveCount(0);
  await page.getByRole('link', { name: /Kanzlei Elsewhere/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Kanzlei Elsewhere' })).toBeVisible();
  await expect(page.getByText('No files yet.', { exact: false })).toBeVisible();
});

test('files shared before any engagement exists start a new engagement and are imported into it', async ({
  page
}) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.waitForOfflineReady();

  await shareFiles(page, [NESSUS, SYSTEMINFO]);
  const inbox = page.getByRole('region', { name: /2 files received/ });
  await expect(inbox).toContainText('office.nessus, PC-RECEPTION-systeminfo.txt');
  await inbox.getByRole('button', { name: 'New engagement for these files' }).click();
  await page.getByLabel('Client name').fill('Neue Praxis');
  await page.getByRole('button', { name: 'Create engagement' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Neue Praxis' })).toBeVisible({ timeout: 60_000 });
  const files = page.getByRole('list', { name: 'Imported files' });
  await expect(files.getByText('office.nessus')).toBeVisible();
  await expect(files.getByText('PC-RECEPTION-systeminfo.txt')).toBeVisible();
  await expect(
    page.getByRole('status').filter({ hasText: '2 files imported into Neue Praxis.' })
  ).toBeVisible();
});

test('shared files can be discarded without importing them', async ({ page }) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.waitForOfflineReady();
  await shareFiles(page, [SYSTEMINFO]);
  const inbox = page.getByRole('region', { name: /One file received/ });
  await inbox.getByRole('button', { name: 'Discard' }).click();
  await expect(inbox).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Engagements' })).toBeVisible();
  await expect(page.getByRole('region', { name: /received/ })).toHaveCount(0);
});
