import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp } from './pages/app';

test('maps the columns of an RMM patch report once; the next report with the same columns imports by itself', async ({
  page
}) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Mapping & Co', '2026-11-24');
  await app.importFiles([join(FIXTURES, 'generic-csv', 'rmm-patch-report.csv')]);
  const files = page.getByRole('list', { name: 'Imported files' });
  const item = files.getByRole('listitem').filter({ hasText: 'rmm-patch-report.csv' }).first();
  await expect(item).toContainText('Map columns');
  await item.getByRole('button', { name: 'Map columns' }).click();

  const dialog = page.getByRole('dialog', { name: /Map the columns of rmm-patch-report\.csv/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Computer name')).toHaveValue('Device Name');
  await expect(dialog.getByLabel('Update KB number')).toHaveValue('KB');
  await expect(dialog.getByRole('region', { name: 'First rows of the file' })).toContainText('PC-LAB-02');
  await app.expectNoSeriousA11yViolations('column mapping dialog');
  await dialog.getByLabel('Name of this layout').fill('RMM patch report');
  await dialog.getByRole('button', { name: 'Save and import' }).click();

  await expect(item).toContainText('2 computers', { timeout: 30_000 });
  await expect(item).toContainText('2 pending updates');

  await app.importFiles([join(FIXTURES, 'generic-csv', 'rmm-patch-report-2.csv')]);
  const second = files.getByRole('listitem').filter({ hasText: 'rmm-patch-report-2.csv' }).first();
  await expect(second).toContainText('1 computer');
  await expect(second).toContainText('Inventory or RMM CSV');
});
