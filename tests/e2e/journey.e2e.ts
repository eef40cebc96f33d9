import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { catalogPath, FIXTURES, hasTool, PatchfieldApp } from './pages/app';

const NESSUS = join(FIXTURES, 'e2e', 'office.nessus');
const SYSTEMINFO = join(FIXTURES, 'e2e', 'PC-RECEPTION-systeminfo.txt');
const VISIT = '2026-11-24';

test.skip(!hasTool('pdftotext'), 'pdftotext (poppler-utils) is not installed: .ci/run installs it');

async function assessmentJourney(app: PatchfieldApp, client: string): Promise<void> {
  const { page } = app;
  await app.createEngagement(client, VISIT);
  await app.expectNoSeriousA11yViolations('engagement page, empty');
  await app.importFiles([NESSUS, SYSTEMINFO]);

  // Both files read; the same PC from Nessus and systeminfo is one asset.
  const files = page.getByRole('list', { name: 'Imported files' });
  await expect(files.getByText('office.nessus')).toBeVisible();
  await expect(files.getByText('PC-RECEPTION-systeminfo.txt')).toBeVisible();
  const assets = page.getByRole('table').filter({ hasText: 'What to install' });
  await expect(assets.getByRole('row')).toHaveCount(3); // header + 2 assets
  const reception = app.assetRow('PC-RECEPTION');
  await expect(reception).toContainText('KB5087544');
  await expect(reception).toContainText('23 months behind');
  await expect(reception).toContainText('Behind');
  await expect(
    page.getByRole('list', { name: 'Key numbers' }).or(page.getByLabel('Key numbers'))
  ).toContainText('Assets');
  await app.expectNoSeriousA11yViolations('engagement page, import tab');

  await app.openTab('Findings');
  await expect(page.getByText('5 findings', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: /KB5087544: Windows 10/ }).click();
  await expect(page.getByRole('dialog')).toContainText('CVE-2026-21001');
  await app.expectNoSeriousA11yViolations('findings detail');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  await app.expectNoSeriousA11yViolations('findings tab');

  const { text } = await app.downloadReportText();
  expect(text).toContain(client);
  expect(text).toContain('PC-RECEPTION');
  expect(text).toContain('SRV-FILES');
  expect(text).toContain('KB5087544');
  await app.expectNoSeriousA11yViolations('report tab');
}

test('a technician imports a Nessus scan and systeminfo, sees the gaps and downloads the PDF — online, then offline', async ({
  page,
  context
}) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.expectNoSeriousA11yViolations('engagements, empty');
  await app.waitForOfflineReady();

  await app.importCatalog(catalogPath());
  await app.expectNoSeriousA11yViolations('settings');
  await assessmentJourney(app, 'Zahnarztpraxis Müller');

  // No network at all from here on: the service worker serves the app, IndexedDB holds the data.
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Zahnarztpraxis Müller' })).toBeVisible();
  await assessmentJourney(app, 'Praxis Offline Ελληνικά');
  await page.goto('/');
  await expect(page.getByRole('link', { name: /Praxis Offline/ })).toBeVisible();
  await app.expectNoSeriousA11yViolations('engagements, two engagements');
  await context.setOffline(false);
});

test('the app and the CLI count the same things in the same file', async ({ page }) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Counting GmbH', VISIT);
  await app.importFiles([NESSUS, SYSTEMINFO]);
  for (const file of [NESSUS, SYSTEMINFO]) {
    const cli = JSON.parse(
      execFileSync('node', ['bin/patchfield.js', 'inspect', file, '--json'], { encoding: 'utf8' })
    ) as { file: string; counts: { assets: number; findings: number; installedUpdates: number } };
    const item = page
      .getByRole('list', { name: 'Imported files' })
      .getByRole('listitem')
      .filter({ hasText: cli.file })
      .first();
    const c = cli.counts;
    await expect(item).toContainText(
      `${c.assets} computer${c.assets === 1 ? '' : 's'} · ${c.findings} finding${c.findings === 1 ? '' : 's'} · ${c.installedUpdates} installed update${c.installedUpdates === 1 ? '' : 's'}`
    );
  }
});

test('an unknown file is refused with the list of supported formats, and nothing else is lost', async ({
  page
}) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Refusal AG', VISIT);
  await app.importFiles([NESSUS]);
  await app.importFiles([join(FIXTURES, 'e2e', 'not-an-export.txt')]);
  const files = page.getByRole('list', { name: 'Imported files' });
  await expect(files.getByRole('listitem').filter({ hasText: 'not-an-export.txt' }).first()).toContainText(
    'Patchfield reads: Nessus scan (.nessus v2)'
  );
  await expect(files.getByRole('listitem').filter({ hasText: 'office.nessus' }).first()).toContainText(
    '2 computers'
  );
  // Importing the same bytes again is recognised.
  await app.importFiles([NESSUS]);
  await expect(page.getByRole('status').filter({ hasText: 'already imported' })).toBeVisible();
});
