// The install dialog's screenshots (manifest.webmanifest "screenshots"): the built app in Debian's Chromium with the
// repository's own sample office (tests/fixtures/e2e) — one wide shot (tablet in landscape, 1280 × 800) and one
// narrow shot (portrait, 800 × 1280) — written to static/screenshots/. Run after `npm run build`:
//   node scripts/make-screenshots.js
// Re-run when the engagement page changes noticeably, then rebuild so that build/ carries the new files.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORT = 4900 + Math.floor(Math.random() * 90);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const OUT = join('static', 'screenshots');
const FIXTURES = join('tests', 'fixtures', 'e2e');

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${ORIGIN}/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the static server did not start on ${ORIGIN}`);
}

async function main() {
  if (!existsSync('build/index.html') || !existsSync(CHROMIUM)) {
    console.log(
      `screenshots skipped: run \`npm run build\` first and install Debian chromium (${CHROMIUM}).`
    );
    return;
  }
  const server = spawn(
    process.execPath,
    ['node_modules/.bin/sirv', 'build', '--single', '--host', '127.0.0.1', '--port', String(PORT)],
    { stdio: 'ignore' }
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking']
  });
  try {
    await waitForServer();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      colorScheme: 'light',
      hasTouch: true,
      // No "works offline now" notice in the picture.
      serviceWorkers: 'block'
    });
    const page = await context.newPage();
    await page.goto(`${ORIGIN}/settings`);
    await page
      .locator('#catalog-input')
      .setInputFiles(join('tests', 'fixtures', 'catalog', 'windows-builds-small.csv'));
    await page.getByText(/Loaded (one part|\d+ parts) from/).waitFor({ timeout: 60_000 });

    await page.goto(`${ORIGIN}/?new=1`);
    await page.getByLabel('Client name').fill('Zahnarztpraxis Müller');
    await page.getByLabel('Site').fill('Hauptstraße 5, Hamburg');
    await page.getByLabel('Technician').fill('Alex Tech');
    await page.getByLabel('Visit date').fill('2026-11-24');
    await page.getByRole('button', { name: 'Create engagement' }).click();
    await page.getByRole('heading', { level: 1, name: 'Zahnarztpraxis Müller' }).waitFor();
    await page
      .locator('#file-input')
      .setInputFiles([join(FIXTURES, 'office.nessus'), join(FIXTURES, 'PC-RECEPTION-systeminfo.txt')]);
    await page.getByRole('heading', { name: 'Last import' }).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Assets' }).waitFor({ timeout: 60_000 });
    mkdirSync(OUT, { recursive: true });

    const wide = join(OUT, 'engagement-wide.png');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: wide, animations: 'disabled', caret: 'hide' });

    await page.setViewportSize({ width: 800, height: 1280 });
    await page.getByRole('tab', { name: 'Gaps' }).click();
    await page.getByText(/\d+ gaps? — actions to take/).waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    const narrow = join(OUT, 'gaps-narrow.png');
    await page.screenshot({ path: narrow, animations: 'disabled', caret: 'hide' });
    for (const f of [wide, narrow]) console.log(`${f}: ${(statSync(f).size / 1024).toFixed(0)} KB`);
  } finally {
    await browser.close();
    server.kill();
  }
}

await main();
