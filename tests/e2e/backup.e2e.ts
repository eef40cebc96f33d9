import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp } from './pages/app';

const CLIENT = 'Praxis Backup';
const NOTE = 'The server room was locked; the NAS could not be checked.';
const CAPTION = 'Server cabinet, door unlocked';
const REMINDER = 'Never exported — export a backup';

/** What the technician sees of the engagement: machine names on the Import tab, gap titles on the Gaps tab. */
async function assetsAndGaps(app: PatchfieldApp, page: Page): Promise<{ assets: string[]; gaps: string[] }> {
  await app.openTab('Import');
  await expect(app.assetRow('PC-RECEPTION')).toBeVisible({ timeout: 60_000 });
  const assets = (await page.locator('strong.host').allTextContents()).map((t) => t.trim()).sort();
  await app.openTab('Gaps');
  await expect(page.locator('li.gap').first()).toBeVisible({ timeout: 60_000 });
  const gaps = (await page.locator('li.gap p.title').allTextContents()).map((t) => t.trim()).sort();
  return { assets, gaps };
}

function engagementItem(page: Page) {
  return page.locator('ul.list > li').filter({ hasText: CLIENT });
}

test('an exported engagement is restored on a wiped device with the same assets, gaps, note and photo', async ({
  page
}, testInfo) => {
  test.setTimeout(240_000);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement(CLIENT, '2026-11-24');
  await app.importFiles([
    join(FIXTURES, 'e2e', 'office.nessus'),
    join(FIXTURES, 'e2e', 'PC-RECEPTION-systeminfo.txt')
  ]);
  await app.addVisitNoteAndPhoto(NOTE, CAPTION);
  const before = await assetsAndGaps(app, page);
  expect(before.assets.length).toBeGreaterThan(0);
  expect(before.gaps.length).toBeGreaterThan(0);

  // Never exported: the reminder stands in the header and in the list.
  await expect(page.locator('header.title')).toContainText(REMINDER);
  await page.getByRole('link', { name: 'Engagements' }).click();
  await expect(engagementItem(page)).toContainText(REMINDER);
  await page.screenshot({ path: testInfo.outputPath('home-never-exported.png'), fullPage: true });
  await engagementItem(page).getByRole('link').click();

  const path = await app.exportEngagement();
  expect(path.endsWith('praxis-backup-2026-11-24.patchfield')).toBe(true);
  await expect(page.locator('header.title')).toContainText('Last exported');
  await expect(page.locator('header.title')).not.toContainText(REMINDER);
  await page.screenshot({ path: testInfo.outputPath('engagement-exported.png') });
  await page.getByRole('link', { name: 'Engagements' }).click();
  await expect(engagementItem(page)).toBeVisible();
  await expect(engagementItem(page)).not.toContainText(REMINDER);

  // A new or reset tablet: nothing on it, then the file.
  await app.wipeDatabase();
  await app.importBackup(path);
  await expect(page.getByRole('status').filter({ hasText: 'Imported:' })).toContainText(
    `${CLIENT} (2026-11-24) restored`
  );
  await expect(engagementItem(page)).not.toContainText(REMINDER);
  await page.getByRole('link', { name: `Open ${CLIENT}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: CLIENT })).toBeVisible();
  expect(await assetsAndGaps(app, page)).toEqual(before);
  await app.openTab('Report');
  await expect(page.getByLabel('Notes from the visit')).toHaveValue(NOTE);
  await expect(page.getByRole('img', { name: CAPTION })).toBeVisible();

  // The same file again: already here, so the technician chooses; "Keep both" adds a second one.
  await app.importBackup(path);
  const choice = page.getByRole('group', { name: 'Already on this device' });
  await expect(choice).toContainText(`${CLIENT} (2026-11-24) is already here`);
  await page.screenshot({ path: testInfo.outputPath('home-conflict.png'), fullPage: true });
  await app.expectNoSeriousA11yViolations('engagements page with the import conflict');
  await choice.getByRole('button', { name: 'Keep both' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Imported:' })).toContainText(
    'added as a second copy'
  );
  await expect(engagementItem(page)).toHaveCount(2);
  await expect(page.getByRole('link', { name: `Open ${CLIENT} (the copy)` })).toBeVisible();

  // A cut-off copy is refused with a message that says so; nothing changes.
  const bytes = readFileSync(path);
  mkdirSync(testInfo.outputPath(), { recursive: true });
  const cut = testInfo.outputPath('cut.patchfield');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  await app.importBackup(cut);
  await expect(page.getByRole('alert')).toContainText('cut.patchfield is incomplete: its end is missing');
  await expect(engagementItem(page)).toHaveCount(2);
  await page.screenshot({ path: testInfo.outputPath('home-refused.png'), fullPage: true });
});
