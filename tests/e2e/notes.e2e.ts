import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp } from './pages/app';

const REASON = 'The X-ray software vendor certifies this update only in spring';

test('a risk the client accepts, a note on a machine and the visit notes are kept and printed in the report', async ({
  page
}) => {
  test.setTimeout(180_000);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Praxis Notes', '2026-11-24');
  await app.importFiles([
    join(FIXTURES, 'e2e', 'office.nessus'),
    join(FIXTURES, 'e2e', 'PC-RECEPTION-systeminfo.txt')
  ]);

  // Accept the risk of the first gap: a reason is required before anything is stored.
  await app.openTab('Gaps');
  const gap = page.locator('li.gap').first();
  await expect(gap).toBeVisible({ timeout: 60_000 });
  const gapTitle = (await gap.locator('p.title').textContent())!.trim();
  await gap.getByRole('button', { name: 'Accept risk…' }).click();
  await gap.getByRole('button', { name: 'Record exception' }).click();
  await expect(gap.getByRole('alert')).toContainText('Say why the client accepts this risk');
  await gap.getByLabel('Why the client accepts this risk').fill(REASON);
  await gap.getByLabel('Accepted by').fill('Dr. Anna Müller');
  await gap.getByLabel('Review by').fill('2027-03-01');
  await app.expectNoSeriousA11yViolations('gaps tab with the exception form open');
  await gap.getByRole('button', { name: 'Record exception' }).click();
  const accepted = page.locator('li.gap', { hasText: gapTitle }).locator('.exception');
  await expect(accepted).toContainText('Risk accepted by Dr. Anna Müller until 2027-03-01');
  await expect(accepted).toContainText(REASON);
  await page.getByLabel('Risk accepted or not').selectOption('accepted');
  await expect(page.locator('li.gap')).toHaveCount(1);

  // A note on the reception PC, on the Import tab under the machine.
  await app.openTab('Import');
  const row = app.assetRow('PC-RECEPTION');
  await row.getByText('Add a note').click();
  await row.getByLabel('Note on PC-RECEPTION').fill('Under the reception desk; restarts after 18:00 only.');
  await row.getByRole('button', { name: 'Save note' }).click();
  await expect(row.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(row.locator('.note-text')).toContainText('Under the reception desk');

  // The visit notes and a photo of the visit (downscaled and stored, with a caption), on the Report tab.
  await app.addVisitNoteAndPhoto(
    'The server room was locked; the NAS could not be checked.',
    'Server cabinet, door unlocked'
  );

  // Everything was stored before it was confirmed: a reload shows it all again.
  await page.reload();
  await app.openTab('Gaps');
  await expect(page.locator('li.gap', { hasText: gapTitle }).locator('.exception')).toContainText(REASON);
  await app.openTab('Report');
  await expect(page.getByLabel('Notes from the visit')).toHaveValue(
    'The server room was locked; the NAS could not be checked.'
  );

  const { text } = await app.downloadReportText();
  const flat = text.replace(/\s+/g, ' ');
  expect(flat).toContain('Risks you accepted');
  expect(flat).toContain('Dr. Anna Müller');
  expect(flat).toContain('Technician’s note');
  expect(flat).toContain('Under the reception desk; restarts after 18:00 only.');
  expect(flat).toContain('The server room was locked; the NAS could not be checked.');
  expect(flat).toContain('Photos from the visit');
  expect(flat).toContain('Server cabinet, door unlocked');

  // Withdrawing the exception puts the gap back into the plan.
  await app.openTab('Gaps');
  await page.getByLabel('Risk accepted or not').selectOption('');
  await page.locator('li.gap', { hasText: gapTitle }).getByRole('button', { name: 'Withdraw' }).click();
  await expect(
    page.locator('li.gap', { hasText: gapTitle }).getByRole('button', { name: 'Accept risk…' })
  ).toBeVisible();
});
