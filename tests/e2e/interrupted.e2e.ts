import { expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNessus } from '../../bench/generate-nessus';
import { PatchfieldApp } from './pages/app';

test('closing the app mid-import keeps no half-written rows: the next start says so and the file can be read again', async ({
  context
}) => {
  const path = join(mkdtempSync(join(tmpdir(), 'pf-interrupt-')), 'long-scan.nessus');
  generateNessus({ path, hosts: 900 }); // about 40 MB: long enough to close the tab while it is read

  const first = await context.newPage();
  const app = new PatchfieldApp(first);
  await app.open('/');
  await app.createEngagement('Interrupted GmbH', '2026-11-24');
  const engagementUrl = first.url();
  await first.locator('#file-input').setInputFiles(path);
  await expect(first.getByRole('status').filter({ hasText: /Reading long-scan\.nessus/ })).toBeVisible({
    timeout: 30_000
  });
  await first.close(); // the tab is killed mid-import: its worker and its Web Lock go with it

  const second = await context.newPage();
  await second.goto(engagementUrl);
  await expect(
    second.getByRole('status').filter({ hasText: 'interrupted when the app closed' })
  ).toBeVisible();
  const item = second
    .getByRole('list', { name: 'Imported files' })
    .getByRole('listitem')
    .filter({ hasText: 'long-scan.nessus' })
    .first();
  await expect(item).toContainText('Not imported');
  await expect(item).toContainText('Nothing from it was kept');
  await expect(second.getByRole('table').filter({ hasText: 'What to install' })).toHaveCount(0);

  await item.getByRole('button', { name: 'Read again' }).click();
  await expect(item).toContainText('900 computers', { timeout: 60_000 });
});
