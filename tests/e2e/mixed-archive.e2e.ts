import { expect, test } from '@playwright/test';
import { zipSync } from 'fflate';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogPath, FIXTURES, PatchfieldApp } from './pages/app';

const bytes = (...parts: string[]): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, ...parts)));

test('imports a zip of mixed exports and shows one merged asset list, the same CVE from two scanners once', async ({
  page
}) => {
  // What a technician brings back from a visit: a scan, PC inventories, a Linux collector run, an image scan.
  const zip = join(mkdtempSync(join(tmpdir(), 'pf-mixed-')), 'praxis-visit.zip');
  writeFileSync(
    zip,
    zipSync({
      'scans/office.nessus': bytes('e2e', 'office.nessus'),
      'scans/office-openvas.csv': bytes('e2e', 'office-openvas.csv'),
      'windows/PC-RECEPTION-systeminfo.txt': bytes('e2e', 'PC-RECEPTION-systeminfo.txt'),
      'windows/srv-files-qfe.csv': bytes('e2e', 'srv-files-qfe.csv'),
      'linux/web01-collector.txt': bytes('collector', 'ubuntu2204-server.txt'),
      'images/alpine-trivy.json': bytes('trivy', 'alpine-image-list-all-pkgs.json')
    })
  );

  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.importCatalog(catalogPath());
  await app.createEngagement('Gemeinschaftspraxis Süd', '2026-11-24');
  await app.importFiles([zip]);

  const files = page.getByRole('list', { name: 'Imported files' });
  await expect(files.getByRole('listitem').filter({ hasText: 'Nessus scan' })).toHaveCount(1);
  for (const label of [
    'OpenVAS / Greenbone results (CSV)',
    'Windows systeminfo (text)',
    'Windows wmic qfe list',
    'Patchfield collector output',
    'Trivy report (JSON)'
  ]) {
    await expect(files.getByText(label)).toBeVisible();
  }

  // One asset per machine: PC-RECEPTION from three files, SRV-FILES from two.
  const assets = page.getByRole('table').filter({ hasText: 'What to install' });
  // A row is an asset's when its name cell says so (other rows mention it in their "same machine as" list).
  const assetRow = (name: string) =>
    assets
      .getByRole('row')
      .filter({ has: page.locator('strong.host', { hasText: new RegExp(`^${name}$`, 'i') }) });
  await expect(assetRow('PC-RECEPTION')).toHaveCount(1);
  await expect(assetRow('PC-RECEPTION')).toContainText('Seen in 3 files');
  await expect(assetRow('SRV-FILES')).toContainText('Seen in 2 files');
  await expect(assetRow('web01')).toHaveCount(1);
  await expect(assetRow('nas')).toHaveCount(1);
  await app.expectNoSeriousA11yViolations('engagement with a mixed archive');

  // The technician knows better: the qfe list came from another server with the same name. Split it off;
  // the decision is stored and still holds after a reload.
  const srv = assetRow('SRV-FILES');
  await srv.getByText('Seen in 2 files').click();
  await srv
    .getByRole('listitem')
    .filter({ hasText: 'srv-files-qfe.csv' })
    .getByRole('button', { name: /split off/ })
    .click();
  await expect(assetRow('SRV-FILES')).toHaveCount(2);
  await page.reload();
  await expect(assetRow('SRV-FILES')).toHaveCount(2);

  // The missing cumulative update reported by Nessus and by OpenVAS is one finding with both sources.
  await app.openTab('Findings');
  await page.getByRole('button', { name: /KB5087544: Windows 10/ }).click();
  const detail = page.getByRole('dialog');
  await expect(detail).toContainText('nessus rule 500001');
  await expect(detail).toContainText('openvas rule 1.3.6.1.4.1.25623.1.0.900001');
});
