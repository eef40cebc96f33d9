// Renders static/icons/icon.svg to the PNG sizes the manifest and iOS need (run once; the PNGs are committed).
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';

const svg = readFileSync('static/icons/icon.svg', 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
const targets = [
  ['static/icons/icon-192.png', 192, 0],
  ['static/icons/icon-512.png', 512, 0],
  ['static/icons/apple-touch-icon.png', 180, 0],
  // Maskable: the safe zone is the inner 80 %, so the mark is drawn smaller on a full-bleed background.
  ['static/icons/icon-maskable-512.png', 512, 0.2]
];
for (const [path, size, pad] of targets) {
  const inner = Math.round(size * (1 - pad));
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${pad ? '#1f4e8c' : 'transparent'}">` +
      `<div style="width:${inner}px;height:${inner}px">${svg.replace('<svg ', '<svg width="100%" height="100%" ')}</div></body></html>`
  );
  await page.screenshot({ path, omitBackground: !pad });
}
await browser.close();
