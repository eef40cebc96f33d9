// Lighthouse 12.2.3 on the built app, the way a technician first opens it: Patchfield's main pages in Debian's
// Chromium (headless), Lighthouse's default mobile profile (simulated slow 4G and a 4× slower CPU, stricter than a
// tablet on Wi-Fi). Prints performance, accessibility and best-practices per page and whether issue 6's aims are
// met (performance ≥ 0.9, accessibility 1.0).
//
// build/ is served as the README's `npm start` serves it (sirv): the build writes every text file also brotli- and
// gzip-compressed (adapter-static's `precompress`), and sirv sends those to browsers that accept them.
//
// The home page and Settings are audited cold (storage cleared, no service worker). The engagement page is audited
// with data: Playwright first creates an engagement and imports tests/fixtures/e2e/office.nessus in the same Chromium
// profile (IndexedDB is per profile), and Lighthouse keeps that storage — so this page is measured as a technician
// reopens the installed app: the service worker already serves the shell from its cache.
//
// Usage: node scripts/lighthouse.js            (needs `npm run build` and /usr/bin/chromium; skips otherwise)
//        LIGHTHOUSE_JSON=dir node scripts/lighthouse.js   also writes each page's median report as JSON into dir
//        LIGHTHOUSE_RUNS=5 node scripts/lighthouse.js     audits each page five times (default three)
import { chromium } from '@playwright/test';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORT = 4700 + Math.floor(Math.random() * 200);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync'
];
const AIMS = { performance: 0.9, accessibility: 1 };
/** Audits per page; the median is printed. LIGHTHOUSE_RUNS=1 for a quick look. */
const RUNS = Math.max(1, Number(process.env.LIGHTHOUSE_RUNS ?? 3));
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

/** Waits until the static server answers. */
async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${ORIGIN}/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the static server did not start on ${ORIGIN}`);
}

/** Creates an engagement with the office scan in the profile at `userDataDir`; returns its page's path. */
async function prepareEngagement(userDataDir) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: FLAGS.filter((f) => f !== '--headless=new'),
    viewport: { width: 1180, height: 820 }
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${ORIGIN}/?new=1`);
    await page.getByLabel('Client name').fill('Lighthouse Dental Practice');
    await page.getByLabel('Visit date').fill('2026-11-24');
    await page.getByRole('button', { name: 'Create engagement' }).click();
    await page.getByRole('heading', { level: 1, name: 'Lighthouse Dental Practice' }).waitFor();
    await page.locator('#file-input').setInputFiles('tests/fixtures/e2e/office.nessus');
    await page.getByRole('heading', { name: 'Last import' }).waitFor({ timeout: 60_000 });
    const url = new URL(page.url());
    return `${url.pathname}${url.search}`;
  } finally {
    await context.close();
  }
}

async function audit(path, userDataDir, keepStorage) {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: FLAGS,
    userDataDir,
    logLevel: 'silent'
  });
  try {
    const result = await lighthouse(`${ORIGIN}${path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
      disableStorageReset: keepStorage
    });
    if (!result) throw new Error(`Lighthouse returned nothing for ${path}`);
    return result.lhr;
  } finally {
    await chrome.kill();
  }
}

/** What keeps a category below 1: the failing audits, by title. */
function failing(lhr, category) {
  return lhr.categories[category].auditRefs
    .filter((ref) => ref.weight > 0)
    .map((ref) => lhr.audits[ref.id])
    .filter((a) => a.score !== null && a.score < 1)
    .map((a) => `${a.id} (${a.displayValue ?? a.score})`);
}

async function main() {
  if (!existsSync('build/index.html') || !existsSync(CHROMIUM)) {
    console.log(`lighthouse skipped: run \`npm run build\` first and install Debian chromium (${CHROMIUM}).`);
    return 0;
  }
  const server = spawn(
    process.execPath,
    ['node_modules/.bin/sirv', 'build', '--single', '--host', '127.0.0.1', '--port', String(PORT)],
    { stdio: 'ignore' }
  );
  const profiles = [];
  const profile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchfield-lighthouse-'));
    profiles.push(dir);
    return dir;
  };
  let ok = true;
  try {
    await waitForServer();
    const withData = profile();
    const engagementPath = await prepareEngagement(withData);
    const pages = [
      { name: 'Engagements (/)', path: '/', dir: profile(), keep: false },
      { name: 'Settings', path: '/settings', dir: profile(), keep: false },
      { name: 'Engagement (office scan)', path: engagementPath, dir: withData, keep: true }
    ];
    console.log(
      `Lighthouse 12.2.3 · mobile profile (simulated slow 4G, 4× slower CPU) · build/ served by sirv as npm start does · median of ${RUNS} · ${CHROMIUM}`
    );
    for (const p of pages) {
      // Lighthouse's simulated throttling scales the CPU time it observes, so a busy machine lowers the score:
      // the run with the median performance score is shown (Lighthouse's own advice for variance).
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await audit(p.path, p.dir, p.keep));
      runs.sort((a, b) => (a.categories.performance.score ?? 0) - (b.categories.performance.score ?? 0));
      const lhr = runs[Math.floor(runs.length / 2)];
      const spread = runs.map((r) => (r.categories.performance.score ?? 0).toFixed(2)).join(', ');
      const score = (c) => lhr.categories[c].score ?? 0;
      const met = score('performance') >= AIMS.performance && score('accessibility') >= AIMS.accessibility;
      ok &&= met;
      console.log(
        `${p.name.padEnd(28)} performance ${score('performance').toFixed(2)}  accessibility ${score('accessibility').toFixed(2)}  best-practices ${score('best-practices').toFixed(2)}  ${met ? 'aim met' : 'aim NOT met'}`
      );
      console.log(
        `${''.padEnd(28)} runs ${spread} · FCP ${lhr.audits['first-contentful-paint'].displayValue} · LCP ${lhr.audits['largest-contentful-paint'].displayValue} · TBT ${lhr.audits['total-blocking-time'].displayValue} · CLS ${lhr.audits['cumulative-layout-shift'].displayValue}`
      );
      for (const c of CATEGORIES) {
        const f = failing(lhr, c);
        if (c !== 'performance' && f.length > 0) console.log(`${''.padEnd(28)} ${c} flags: ${f.join(', ')}`);
      }
      if (process.env.LIGHTHOUSE_JSON) {
        mkdirSync(process.env.LIGHTHOUSE_JSON, { recursive: true });
        const file = p.path === '/' ? 'home' : p.path.split('?')[0].replace(/\W+/g, '');
        writeFileSync(join(process.env.LIGHTHOUSE_JSON, `${file}.json`), JSON.stringify(lhr, null, 2));
      }
    }
    console.log(
      `issue 6's Lighthouse aims (performance ≥ ${AIMS.performance}, accessibility ${AIMS.accessibility}): ${ok ? 'met' : 'NOT met'}`
    );
  } finally {
    server.kill();
    for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  }
  // A benchmark prints; it does not fail the run when an aim is missed (tests never assert timings).
  return 0;
}

process.exitCode = await main();
