import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, PatchfieldApp, SHARED } from './pages/app';
import { compareWithReferenceRenders, pageWithHeading, qpdfCheck } from './pages/pdf';

const VISIT = '2026-09-01';
const FILES = [
  join(SHARED, 'samples', 'nessus', 'pytenable_example_win10_agent.nessus'),
  join(SHARED, 'samples', 'windows-systeminfo', 'wesng_win10_1809_CHINESE_gbk.txt'),
  join(SHARED, 'samples', 'windows-systeminfo', 'wesng_server2022.txt'),
  join(FIXTURES, 'e2e', 'PC-RECEPTION-systeminfo.txt')
];

test.skip(
  !existsSync(join(SHARED, 'catalog')),
  `${SHARED}/catalog is absent: the catalog bundle cannot be built`
);

/** The office's step, once for this file: build the catalog bundle with the CLI. */
let bundle = '';
test.beforeAll(() => {
  bundle = join(mkdtempSync(join(tmpdir(), 'patchfield-bundle-')), 'catalog.bundle');
  execFileSync(
    'node',
    [
      'bin/patchfield.js',
      'catalog',
      'build',
      '--from',
      join(SHARED, 'catalog'),
      '--out',
      bundle,
      '--built-at',
      '2026-11-24T00:00:00Z'
    ],
    { stdio: 'ignore' }
  );
});

test('the app reproduces the CLI results JSON exactly, and the plan can be adjusted on a tablet', async ({
  page
}) => {
  test.setTimeout(240_000);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.importCatalog(bundle);
  const parts = page.getByRole('table').filter({ hasText: 'Records' });
  await expect(parts.getByRole('row', { name: /Known exploited \(CISA KEV\)/ })).toContainText('1,404');
  await expect(parts.getByRole('row', { name: /Exploit likelihood \(EPSS\)/ })).toContainText('360,142');

  await app.createEngagement('Engine Check GmbH', VISIT);
  await app.importFiles(FILES);

  await app.openTab('Gaps');
  await expect(page.getByRole('heading', { name: /^Grade [A-F] · \d+\/100$/ })).toBeVisible({
    timeout: 60_000
  });
  await expect(page.getByText(/Reference data is out of date/)).toBeVisible();
  const office = page
    .locator('li.gap')
    .filter({ hasText: 'Install the missing Microsoft Office security updates' });
  await expect(office).toContainText('KEV');
  await expect(office).toContainText('Emergency');
  await app.expectNoSeriousA11yViolations('gaps tab');

  const cliJson = join(mkdtempSync(join(tmpdir(), 'patchfield-cli-')), 'results.json');
  execFileSync(
    'node',
    ['bin/patchfield.js', 'assess', ...FILES, '--catalog', bundle, '--as-of', VISIT, '--json', cliJson],
    {
      stdio: 'ignore'
    }
  );
  const appJson = await app.downloadExport('Results JSON');
  expect(appJson).toBe(readFileSync(cliJson, 'utf8'));

  const ics = await app.downloadExport('Calendar (.ics)');
  expect(ics).toContain('BEGIN:VEVENT');

  // Move a machine from the first wave to the last; the plan and its due-date check run again at once.
  await app.openTab('Plan');
  const waves = page.locator('li.wave');
  await expect(waves.first()).toBeVisible();
  const lastName = (await waves.last().locator('h3').textContent())!.trim();
  const lastId = (await waves.last().getAttribute('data-wave'))!;
  const move = waves.first().locator('select').first();
  const host = (await waves.first().locator('.host').first().textContent())!.trim();
  await move.selectOption({ label: lastName });
  await expect(page.locator(`li.wave[data-wave="${lastId}"] .host`, { hasText: host })).toBeVisible();
  // Each change says it was stored, once it is on disk.
  await expect(
    page.getByRole('status').filter({ hasText: `Saved: ${host} moved to ${lastName}.` })
  ).toBeVisible();
  await page.locator(`li.wave[data-wave="${lastId}"]`).getByLabel('Lock').check();
  await expect(page.locator(`li.wave[data-wave="${lastId}"]`).getByLabel('Lock')).toBeChecked();
  await expect(page.getByRole('status').filter({ hasText: `Saved: ${lastName} locked.` })).toBeVisible();
  const facing = page.getByLabel(`Internet-facing: ${host}`, { exact: true });
  await facing.selectOption('yes');
  await expect(
    page.getByRole('status').filter({ hasText: `Saved: Internet-facing for ${host}: yes.` })
  ).toBeVisible();
  await page.reload();
  await app.openTab('Plan');
  await expect(page.getByLabel(`Internet-facing: ${host}`, { exact: true })).toHaveValue('yes');
  await expect(page.locator(`li.wave[data-wave="${lastId}"]`).getByLabel('Lock')).toBeChecked();
  await app.expectNoSeriousA11yViolations('plan tab');
});

test('builds the sales-ready report offline: every section, bookmarks, contents and metadata', async ({
  page,
  context
}) => {
  test.setTimeout(240_000);
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.waitForOfflineReady();
  await app.importCatalog(bundle);
  await app.createEngagement('Zahnarztpraxis Müller', VISIT);
  await app.importFiles(FILES);
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Zahnarztpraxis Müller' })).toBeVisible();

  // How long the main thread is blocked while the worker builds the PDF (printed, not asserted).
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  const { text, path } = await app.downloadReportText();
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  console.log(
    `[report] main-thread long tasks while building: ${longTasks.length}, longest ${Math.round(Math.max(0, ...longTasks))} ms`
  );
  await context.setOffline(false);

  for (const heading of [
    'Contents',
    'Executive summary',
    'The numbers at a glance',
    'Top risks',
    'Remediation plan',
    'Our proposal',
    'Windows updates and scan findings',
    'Scope, methodology and data',
    'Appendix: machine by machine',
    'Glossary'
  ]) {
    expect(text, heading).toContain(heading);
  }
  expect(text).toContain('Zahnarztpraxis Müller');
  expect(text).toMatch(/Score \d+ out of 100/);
  expect(text).toContain('DESKTOP-0CQH3P2');

  const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
  expect(info).toMatch(/Title:\s+Patch assessment — Zahnarztpraxis Müller/);
  expect(info).toMatch(/Author:\s+/);
  const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
  expect(pages).toBeGreaterThan(8);
  const outline = execFileSync('pdftotext', ['-f', '2', '-l', '2', path, '-'], { encoding: 'utf8' });
  expect(outline).toContain('Glossary');
  const qpdf = JSON.parse(
    execFileSync('qpdf', ['--json', '--json-key=outlines', path], { encoding: 'utf8' })
  ) as {
    outlines: { title: string }[];
  };
  expect(qpdf.outlines.map((o) => o.title)).toEqual(
    expect.arrayContaining(['Executive summary', 'Top risks', 'Remediation plan', 'Glossary'])
  );

  // The file's structure: qpdf reads every object and decodes every stream without an error or a warning.
  const check = qpdfCheck(path);
  expect(check.status, check.output).toBe(0);
  expect(check.output).toContain('No syntax or stream encoding errors found');

  // How the cover and the executive summary look, against reviewed renders: the visit date and the catalog's
  // built-at are fixed above, and the PDF is the same in both tablet projects, so one reference serves both.
  const summaryPage = pageWithHeading(path, 'Executive summary', pages);
  expect(summaryPage).toBeGreaterThan(2);
  expect(
    compareWithReferenceRenders(
      path,
      [
        { name: 'cover', page: 1 },
        { name: 'executive-summary', page: summaryPage }
      ],
      join(FIXTURES, 'report', 'renders-e2e'),
      test.info().outputPath('render-diffs')
    )
  ).toEqual([]);
});
