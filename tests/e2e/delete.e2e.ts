import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp, rawIndexedDb } from './pages/app';

const GONE = 'Praxis Dr. Abschied';
const KEPT = 'Kanzlei Weber';
const NOTE = 'Switch cupboard key is at the front desk';

test('deleting an engagement from its page removes its files, findings, notes and photos, and nothing of the other one', async ({
  page
}) => {
  test.setTimeout(120_000);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement(KEPT, '2026-11-23');
  await app.createEngagement(GONE, '2026-11-24');
  const goneId = new URL(page.url()).searchParams.get('id')!;
  await app.importFiles([join(FIXTURES, 'e2e', 'office.nessus')]);
  await expect(app.assetRow('srv-files')).toBeVisible({ timeout: 60_000 });
  await app.addVisitNoteAndPhoto(NOTE);

  const before = await rawIndexedDb(page);
  for (const s of [goneId, 'srv-files', NOTE, KEPT]) expect(before).toContain(s);

  // The dialog says what goes, warns that no backup exists, and Cancel keeps everything.
  await page.getByRole('button', { name: 'Delete engagement…' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${GONE}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('the notes and the photos');
  await expect(dialog).toContainText('It was never exported');
  await app.expectNoSeriousA11yViolations('delete engagement dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await rawIndexedDb(page)).toBe(before);

  await page.getByRole('button', { name: 'Delete engagement…' }).click();
  await dialog.getByRole('button', { name: `Delete ${GONE}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Engagements' })).toBeVisible();
  await expect(page.getByText(`${GONE} was deleted from this device.`)).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(KEPT) })).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(GONE) })).toHaveCount(0);

  // Nothing of it is left in any store of the raw IndexedDB; the other engagement is still there.
  const after = await rawIndexedDb(page);
  for (const s of [goneId, GONE, 'srv-files', 'pc-reception', NOTE, 'office.nessus', 'Nessus']) {
    expect(after.toLowerCase(), s).not.toContain(s.toLowerCase());
  }
  expect(after).toContain(KEPT);

  // Its address now says it is gone.
  await page.goto(`/engagement?id=${encodeURIComponent(goneId)}`);
  await expect(page.getByRole('heading', { name: 'Engagement not found' })).toBeVisible();
});
