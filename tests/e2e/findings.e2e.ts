import { expect, test } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNessus } from '../../bench/generate-nessus';
import { PatchfieldApp } from './pages/app';

test('the findings list stays small in the page with 10,000 findings and scrolls to the last one', async ({
  page
}) => {
  const path = join(mkdtempSync(join(tmpdir(), 'pf-10k-')), 'big-scan.nessus');
  const { items } = generateNessus({ path, hosts: 170 }); // 60 ReportItems per host
  expect(items).toBe(10_200);

  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Large Scan KG', '2026-11-24');
  await app.importFiles([path]);
  await app.openTab('Findings');
  await expect(page.getByText('10,200 findings', { exact: true })).toBeVisible();

  const list = page.getByRole('list', { name: /^Findings/ });
  const rendered = await list.getByRole('listitem').count();
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(80); // virtualised: only the rows in view exist

  // Jump to the end: the last rows are fetched from the worker and drawn, still without rendering the rest.
  await list.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
  await expect(list.locator('[aria-posinset="10200"]')).toContainText(/BENCH-PC-/);
  expect(await list.getByRole('listitem').count()).toBeLessThan(80);

  // Filters run in the worker too.
  await page
    .getByRole('button', { name: /Critical/ })
    .first()
    .click();
  await expect(page.getByText(/^2,040 findings/)).toBeVisible();
});
