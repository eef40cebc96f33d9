/**
 * The sales-ready report in the built app, in Chromium: a generated 50-host Nessus scan and one systeminfo file are
 * imported (the small Windows build table loaded), then the Report tab's "Build report" is tapped while a
 * PerformanceObserver records the main thread's long tasks (issue 5: the main thread should never block for more
 * than 50 ms while the worker builds the PDF).
 * Prints the build's seconds from the tap to "Ready", its pages, and the long tasks. Not a timed test.
 * Needs a build (npm run build) and Debian's Chromium; skips with a message otherwise.
 */
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateNessus } from './generate-nessus';

const PORT = 4190 + Math.floor(Math.random() * 500);
/** 50 hosts, the issue's office; `report-browser-bench <hosts>` tries another size. */
const HOSTS = Number(process.argv[2] ?? 50);
/** Issue 5's aim: no main-thread task longer than this while the report builds. */
const AIM_MS = 50;
const SCAN = join('bench', 'out', `nessus-${HOSTS}-hosts-synthetic.nessus`);
const SYSTEMINFO = join('tests', 'fixtures', 'e2e', 'PC-RECEPTION-systeminfo.txt');
const CATALOG = join('tests', 'fixtures', 'catalog', 'windows-builds-small.csv');

interface LongTask {
  start: number;
  duration: number;
}

async function main(): Promise<void> {
  if (!existsSync('build/index.html') || !existsSync('/usr/bin/chromium')) {
    console.log('report browser benchmark skipped: run `npm run build` first and install Debian chromium.');
    return;
  }
  if (!existsSync(SCAN)) {
    mkdirSync(join('bench', 'out'), { recursive: true });
    generateNessus({ path: SCAN, hosts: HOSTS });
  }
  // sirv itself, not through npx, so that killing it stops the server (a leftover server would serve an old build).
  const server = spawn(
    process.execPath,
    ['node_modules/.bin/sirv', 'build', '--single', '--host', '127.0.0.1', '--port', String(PORT)],
    { stdio: 'ignore' }
  );
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking']
    });
    const page = await browser.newPage({ viewport: { width: 1180, height: 820 } });
    await page.goto(`http://127.0.0.1:${PORT}/`);

    // The small Windows build table, so that the report has Windows update gaps as well as scan findings.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.locator('#catalog-input').setInputFiles(CATALOG);
    await page.getByText(/Loaded (one part|\d+ parts) from/).waitFor({ timeout: 60_000 });

    await page.getByRole('link', { name: 'Engagements' }).click();
    await page.getByRole('button', { name: 'New engagement' }).first().click();
    await page.getByLabel('Client name').fill('Benchmark Report GmbH');
    await page.getByLabel('Visit date').fill('2026-11-24');
    await page.getByRole('button', { name: 'Create engagement' }).click();
    await page.getByRole('tab', { name: 'Import' }).click();
    await page.locator('#file-input').setInputFiles([SCAN, SYSTEMINFO]);
    await page.getByRole('heading', { name: 'Last import' }).waitFor({ timeout: 600_000 });

    await page.getByRole('tab', { name: 'Report' }).click();
    const build = page.getByRole('button', { name: 'Build report' });
    await build.waitFor();
    // Let the tab switch settle, so that only the build's own tasks are counted.
    await page.waitForTimeout(500);
    await page.evaluate(() => {
      const w = window as unknown as { __longTasks: LongTask[]; __lateMs: number };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: false });
      // Long-task entries only exist above 50 ms; a 10 ms timer's lateness shows how near the aim shorter blocks come
      // (an upper bound: it also counts time the tab's process was not scheduled on a busy machine).
      w.__lateMs = 0;
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.__lateMs = Math.max(w.__lateMs, now - last - 10);
        last = now;
      }, 10);
    });
    // Timed in the page: the tap's event, and the mutation that shows "Ready" (Playwright's waits poll, up to
    // 500 ms apart, so timing them from Node would round the build up).
    await page.evaluate(() => {
      const w = window as unknown as { __tapAt: number; __readyAt: number };
      w.__tapAt = 0;
      w.__readyAt = 0;
      document.addEventListener('click', () => (w.__tapAt ||= performance.now()), { capture: true });
      new MutationObserver((_records, observer) => {
        const status = [...document.querySelectorAll('[role="status"]')];
        if (status.some((s) => s.textContent?.trim().startsWith('Ready:'))) {
          w.__readyAt = performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await build.click();
    const ready = page.getByRole('status').filter({ hasText: /^Ready:/ });
    await ready.waitFor({ timeout: 600_000 });
    const { tapAt, readyAt } = await page.evaluate(() => {
      const w = window as unknown as { __tapAt: number; __readyAt: number };
      return { tapAt: w.__tapAt, readyAt: w.__readyAt };
    });
    if (!tapAt || !readyAt)
      throw new Error('report browser benchmark: the page did not see the tap or "Ready".');
    const seconds = (readyAt - tapAt) / 1000;
    await page.getByRole('link', { name: 'Download PDF' }).waitFor();
    // Long-task entries are delivered after the task ends: give the observer a moment.
    await page.waitForTimeout(300);
    const tasks = await page.evaluate(() => (window as unknown as { __longTasks: LongTask[] }).__longTasks);
    const lateMs = await page.evaluate(() => (window as unknown as { __lateMs: number }).__lateMs);
    const status = (await ready.innerText()).replace(/\s+/g, ' ').trim();
    const pages = /\(([\d,]+) pages?\)/.exec(status)?.[1];
    const longest = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
    const over = tasks.filter((t) => t.duration > AIM_MS);
    console.log(
      `report build in Chromium (built app, worker), ${HOSTS} scanned hosts + 1 systeminfo: ${seconds.toFixed(2)} s from tap to "Ready"${pages ? `, ${pages} pages` : ''}`
    );
    console.log(
      `  main-thread long tasks while building: ${tasks.length}, longest ${Math.round(longest)} ms, over ${AIM_MS} ms: ${over.length}; aim ≤ ${AIM_MS} ms: ${longest <= AIM_MS ? 'met' : 'not met'} (a 10 ms timer ran at most ${Math.round(lateMs)} ms late)`
    );
    if (over.length > 0) {
      console.log(
        `  over ${AIM_MS} ms (ms after the tap: duration): ${over
          .map((t) => `${Math.round(t.start - tapAt)}: ${Math.round(t.duration)}`)
          .join(', ')}`
      );
    }
    console.log(`  ${status}`);
    await browser.close();
  } finally {
    server.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
