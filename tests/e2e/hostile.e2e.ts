import { expect, test, type Download, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { FIXTURES, hasTool, PatchfieldApp } from './pages/app';

/**
 * Imported files are hostile: host names, rule titles and scanner output carrying HTML, script and SVG payloads,
 * spreadsheet formulas, bidi overrides and a 100 KB output. The technician sees them as text, the client's
 * spreadsheet gets them as text, the PDF prints them as text, and nothing in them runs.
 */

const NESSUS = join(FIXTURES, 'hostile', 'hostile.nessus');
const CSV = join(FIXTURES, 'hostile', 'hostile-rmm-patch-report.csv');

const HTML_HOSTS = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', '<svg/onload=alert(1)>'];
const FORMULA_HOSTS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", '-2+3', '@SUM(1,1)'];
const CSV_HTML_HOST = '<img src=x onerror=alert("csv")>';
const BIDI_HOST = 'PC-\u202Efdp.exe';
const SCRIPT_TITLE = '<script>alert("plugin")</script> Remote Code Execution';
const FORMULA_TITLE = '=HYPERLINK("http://x","nessus")';
const FORMULA_START = /^[=+\-@\t\r]/;

/** The 100 KB plugin output exactly as the file holds it (XML entities decoded). */
function bigOutput(): string {
  const xml = readFileSync(NESSUS, 'utf8');
  const raw = /<plugin_output>(HOSTILE-OUTPUT-BEGIN[\s\S]*?)<\/plugin_output>/.exec(xml)![1]!;
  return raw
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Elements a payload would have created if it had been parsed as HTML instead of shown as text. */
async function expectNothingInjected(page: Page, where: string): Promise<void> {
  const injected = await page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return [
      ...all
        .filter((el) => [...el.attributes].some((a) => a.name.toLowerCase().startsWith('on')))
        .map((el) => `handler attribute on <${el.localName}>`),
      ...[...document.querySelectorAll('img[src="x"], iframe, b, a[href^="javascript:"]')].map(
        (el) => `<${el.localName}> element`
      ),
      ...[...document.querySelectorAll('svg')]
        .filter((el) => el.outerHTML.includes('alert'))
        .map(() => '<svg> from data'),
      ...[...document.querySelectorAll('script')]
        .filter((el) => (el.textContent ?? '').includes('alert'))
        .map(() => '<script> from data')
    ];
  });
  expect(injected, where).toEqual([]);
}

async function download(page: Page, button: string): Promise<string> {
  const [file]: [Download, void] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button, exact: true }).click()
  ]);
  const path = join(mkdtempSync(join(tmpdir(), 'patchfield-hostile-')), file.suggestedFilename());
  await file.saveAs(path);
  return readFileSync(path, 'utf8');
}

function csvCells(text: string): string[] {
  const parsed = Papa.parse<string[]>(text.trimEnd(), { newline: '\r\n' });
  expect(parsed.errors).toEqual([]);
  return parsed.data.flat();
}

test.skip(!hasTool('pdftotext'), 'pdftotext (poppler-utils) is not installed: .ci/run installs it');

test('hostile names, titles and outputs show as text on screen, in the CSVs and in the PDF, and none of them runs', async ({
  page
}) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Hostile Input GmbH', '2026-11-24');
  await app.importFiles([NESSUS, CSV]);

  // The RMM CSV's first rows are previewed as text in the column mapping.
  const files = page.getByRole('list', { name: 'Imported files' });
  // The file's own item, not the item of its problem list that names it.
  const csvItem = files.locator(':scope > li').filter({ hasText: 'hostile-rmm-patch-report.csv' });
  await csvItem.getByRole('button', { name: 'Map columns' }).click();
  const mapping = page.getByRole('dialog', { name: /Map the columns/ });
  const preview = mapping.getByRole('region', { name: 'First rows of the file' });
  for (const payload of [...FORMULA_HOSTS, CSV_HTML_HOST, '<script>alert("csv")</script>']) {
    await expect(preview).toContainText(payload);
  }
  await expectNothingInjected(page, 'column mapping preview');
  await mapping.getByLabel('Name of this layout').fill('Hostile RMM');
  await mapping.getByRole('button', { name: 'Save and import' }).click();
  await expect(csvItem).toContainText('5 computers', { timeout: 30_000 });

  // Assets: every name exactly as the files wrote it.
  const hosts = page.locator('strong.host');
  await expect(hosts).toHaveCount(9);
  const names = await hosts.allTextContents();
  for (const name of [...HTML_HOSTS, ...FORMULA_HOSTS, CSV_HTML_HOST]) {
    expect(names, name).toContain(name);
  }
  // A direction override is named, not obeyed: the name cannot pose as "PC-exe.pdf".
  expect(names).toContain('PC-⟨RLO⟩fdp.exe');
  expect(names.some((n) => n.includes(BIDI_HOST))).toBe(false);
  await expectNothingInjected(page, 'assets');
  await page.screenshot({ path: test.info().outputPath('assets.png'), fullPage: true });

  // Gaps list.
  await app.openTab('Gaps');
  const gaps = page.locator('ol.gaps');
  for (const name of [...FORMULA_HOSTS, CSV_HTML_HOST, HTML_HOSTS[0]!])
    await expect(gaps).toContainText(name);
  await expect(gaps).toContainText(SCRIPT_TITLE);
  await expectNothingInjected(page, 'gaps');
  await gaps.screenshot({ path: test.info().outputPath('gaps.png') });

  // Findings list and details.
  await app.openTab('Findings');
  const list = page.getByRole('list', { name: /^Findings/ });
  await expect(list).toContainText(SCRIPT_TITLE);
  await expect(list).toContainText(FORMULA_TITLE);
  await expect(list).toContainText(HTML_HOSTS[1]!);
  await list.getByRole('button', { name: SCRIPT_TITLE }).click();
  let detail = page.getByRole('dialog');
  await expect(detail.getByRole('heading', { level: 2 })).toHaveText(SCRIPT_TITLE);
  await expect(detail).toContainText('<a href="javascript:alert(5)">Apply the update</a>');
  await expect(detail.locator('pre')).toHaveText('<img src=x onerror=alert(2)><svg/onload=alert(3)></svg>');
  await expect(detail).toContainText(HTML_HOSTS[0]!);
  await expectNothingInjected(page, 'finding detail');
  await detail.getByRole('button', { name: 'Close' }).click();

  // The 100 KB output: the first 2,000 characters, then "Show all"; the database keeps every character.
  const full = bigOutput();
  expect(full.length).toBeGreaterThan(100_000);
  await list.getByRole('button', { name: /Huge plugin output/ }).click();
  detail = page.getByRole('dialog');
  const pre = detail.locator('pre');
  await expect(pre).toContainText('HOSTILE-OUTPUT-BEGIN <img src=x onerror=alert("big")>');
  expect((await pre.textContent())!.length).toBeLessThanOrEqual(2001);
  await expect(pre).not.toContainText('HOSTILE-OUTPUT-END');
  const showAll = detail.getByRole('button', {
    name: `Show all (${full.length.toLocaleString('en-US')} characters)`
  });
  await showAll.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('finding-detail-capped.png') });
  await showAll.click();
  await expect(pre).toContainText('HOSTILE-OUTPUT-END');
  expect(await pre.textContent()).toBe(full);
  await page.screenshot({ path: test.info().outputPath('finding-detail-show-all.png') });
  await detail.getByRole('button', { name: 'Close' }).click();
  const stored = await page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('patchfield');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('hosts').objectStore('hosts').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => {
            const records = all.result as { host: { findings: { output?: string }[] } }[];
            resolve(records.flatMap((r) => r.host.findings.map((f) => f.output ?? '')));
            open.result.close();
          };
        };
      })
  );
  expect(stored.filter((o) => o === full)).toHaveLength(1);

  // The CSVs a spreadsheet opens: payloads kept, formulas defused.
  const gapsCsv = csvCells(await app.downloadExport('Gaps CSV'));
  const planCsv = csvCells(await app.downloadExport('Plan CSV'));
  const findingsCsv = csvCells(await download(page, 'Findings CSV'));
  for (const [name, cells] of Object.entries({ gaps: gapsCsv, plan: planCsv, findings: findingsCsv })) {
    expect(
      cells.filter((c) => FORMULA_START.test(c)),
      `${name} CSV`
    ).toEqual([]);
  }
  for (const payload of FORMULA_HOSTS) {
    expect(gapsCsv, payload).toContain(`'${payload}`);
    expect(planCsv, payload).toContain(`'${payload}`);
  }
  expect(findingsCsv).toContain(`'${FORMULA_TITLE}`);
  expect(findingsCsv).toContain(SCRIPT_TITLE);
  expect(gapsCsv).toContain(CSV_HTML_HOST);

  // The report prints the payloads as text.
  const { text } = await app.downloadReportText();
  for (const payload of [...HTML_HOSTS, CSV_HTML_HOST, ...FORMULA_HOSTS, SCRIPT_TITLE]) {
    expect(text, payload).toContain(payload);
  }
  await expectNothingInjected(page, 'report tab');
  expect(dialogs).toEqual([]);
});
