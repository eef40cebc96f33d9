import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp } from './pages/app';

test('a browser that cannot start the engine worker still imports a scan, with the engine bundle on the page', async ({
  page
}) => {
  // A locked-down profile: Web Workers refused.
  await page.addInitScript(() => {
    window.Worker = class {
      constructor() {
        throw new Error('Workers are switched off in this browser');
      }
    } as unknown as typeof Worker;
  });
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Praxis ohne Worker', '2026-11-24');
  await app.importFiles([join(FIXTURES, 'e2e', 'office.nessus')]);
  await expect(page.getByRole('list', { name: 'Imported files' })).toContainText('office.nessus');
  await app.openTab('Findings');
  await expect(page.getByText('5 findings', { exact: true })).toBeVisible();
  // The separately bundled engine (src/lib/workers/engine.fallback.ts) did the work on the page.
  expect(
    await page.evaluate(
      () => typeof (globalThis as { patchfieldEngineFallback?: unknown }).patchfieldEngineFallback
    )
  ).toBe('object');
});
