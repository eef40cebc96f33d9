/**
 * The same import in the built app, in Chromium: the page hands the file to the worker, which hashes it, stores the
 * raw Blob, parses and writes IndexedDB. Prints seconds and MB/s from "files chosen" to "import done".
 * Needs a build (npm run build) and Debian's Chromium; skips with a message otherwise.
 */
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateNessus, syntheticHostBlock } from './generate-nessus';

const PORT = 4190 + Math.floor(Math.random() * 500);
const args = process.argv.slice(2);
const bigMb = args[0] === '--generate-mb' ? Number(args[1]) : 0;
const file = bigMb ? join('bench', 'out', `nessus-${bigMb}mb-synthetic.nessus`) : args[0];

/** Largest resident memory of any Chromium renderer process right now (the tab and its worker live in one). */
function rendererRssMB(): number {
  let max = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) max = Math.max(max, Number(rss[1]) / 1024);
    } catch {
      // the process ended while we looked
    }
  }
  return max;
}

async function main(): Promise<void> {
  if (bigMb && file && !existsSync(file)) {
    const block = syntheticHostBlock();
    generateNessus({ path: file, hosts: Math.ceil((bigMb * 1024 * 1024) / block.length) });
  }
  if (!file || !existsSync(file)) throw new Error('usage: browser-bench <file.nessus> | --generate-mb <n>');
  if (!existsSync('build/index.html') || !existsSync('/usr/bin/chromium')) {
    console.log('browser benchmark skipped: run `npm run build` first and install Debian chromium.');
    return;
  }
  // sirv itself, not through npx, so that killing it stops the server (a leftover server would serve an old build).
  const server = spawn(
    process.execPath,
    ['node_modules/.bin/sirv', 'build', '--single', '--host', '127.0.0.1', '--port', String(PORT)],
    {
      stdio: 'ignore'
    }
  );
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking']
    });
    const page = await browser.newPage({ viewport: { width: 1180, height: 820 } });
    await page.goto(`http://127.0.0.1:${PORT}/`);
    await page.getByRole('button', { name: 'New engagement' }).first().click();
    await page.getByLabel('Client name').fill('Benchmark');
    await page.getByRole('button', { name: 'Create engagement' }).click();
    await page.getByRole('tab', { name: 'Import' }).waitFor();
    let longestTask = 0;
    await page.evaluate(() => {
      (window as unknown as { __longest: number }).__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const w = window as unknown as { __longest: number };
          w.__longest = Math.max(w.__longest, e.duration);
        }
      }).observe({ type: 'longtask', buffered: false });
    });
    const baseline = rendererRssMB();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rendererRssMB())), 100);
    const t0 = Date.now();
    await page.locator('#file-input').setInputFiles(file);
    await page.getByRole('heading', { name: 'Last import' }).waitFor({ timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    longestTask = await page.evaluate(() => (window as unknown as { __longest: number }).__longest);
    const outcome = await page.locator('.outcomes').innerText();
    const mb = statSync(file).size / 1024 / 1024;
    console.log(
      `full import in Chromium (built app, worker + IndexedDB), ${mb.toFixed(0)} MB: ${seconds.toFixed(2)} s  ${(mb / seconds).toFixed(1)} MB/s; longest main-thread task ${Math.round(longestTask)} ms; tab memory ${baseline.toFixed(0)} MB before, ${peak.toFixed(0)} MB at peak`
    );
    console.log(`  ${outcome.replace(/\s+/g, ' ').trim()}`);
    await browser.close();
  } finally {
    server.kill();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
