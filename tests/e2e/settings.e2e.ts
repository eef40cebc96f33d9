import { expect, test } from '@playwright/test';
import { PatchfieldApp } from './pages/app';

test('the MSP edits its service tiers for the report once, and they are kept', async ({ page }) => {
  const app = new PatchfieldApp(page);
  await app.open('/settings');
  // The form shows the stored settings once they are read.
  await expect(page.getByLabel('Company name (shown on reports)')).toHaveValue('Your MSP');
  await page.getByLabel('Tier 2 name').fill('Managed patching Plus');
  await page.getByLabel('Price per endpoint and month').nth(1).fill('8.5');
  await page
    .getByLabel('What tier 2 includes (one item per line)')
    .fill('Managed patching with rings\nMonthly report\nQuarterly review');
  await page.getByLabel('Contact email').fill('sales@brightline.example');
  // The MSP's details form (other sections of the page have their own Save).
  await page
    .locator('form')
    .filter({ has: page.getByLabel('Company name (shown on reports)') })
    .getByRole('button', { name: 'Save' })
    .click();
  await expect(page.getByText('Saved.')).toBeVisible();

  await page.reload();
  await expect(page.getByLabel('Company name (shown on reports)')).toHaveValue('Your MSP');
  await expect(page.getByLabel('Tier 2 name')).toHaveValue('Managed patching Plus');
  await expect(page.getByLabel('Price per endpoint and month').nth(1)).toHaveValue('8.5');
  await expect(page.getByLabel('What tier 2 includes (one item per line)')).toHaveValue(
    'Managed patching with rings\nMonthly report\nQuarterly review'
  );

  // A wrong currency is refused with the field named, and nothing is stored.
  await page.getByLabel('Currency (three-letter code)').fill('eu');
  await expect(page.getByLabel('Currency (three-letter code)')).toHaveValue('eu');
  await page
    .locator('form')
    .filter({ has: page.getByLabel('Company name (shown on reports)') })
    .getByRole('button', { name: 'Save' })
    .click();
  await expect(page.getByRole('alert')).toContainText('currency');
  await page.reload();
  await expect(page.getByLabel('Currency (three-letter code)')).toHaveValue('EUR');
  await app.expectNoSeriousA11yViolations('settings');
});
