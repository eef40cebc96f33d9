import { expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { appendFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNessus } from '../../bench/generate-nessus';
import { PatchfieldApp } from './pages/app';

/**
 * Kill tests: the tab is closed at a random moment while a scan is imported, and the next start must find a
 * consistent database: no rows of an import that is not done, a raw file for every file record, nothing stuck
 * "reading", and the interrupted file named, with "Read again" and "Discard".
 *
 * PATCHFIELD_KILL_RUNS runs (3 by default; `npm run soak` runs 100). Each run's moment comes from its seed,
 * printed; PATCHFIELD_KILL_SEED replays a run. PATCHFIELD_KILL_LOG, when set, receives JSON lines: what each run
 * found in the database, and whether its recovery screen passed.
 */
const RUNS = Number(process.env.PATCHFIELD_KILL_RUNS ?? 3);
const BASE_SEED = Number(process.env.PATCHFIELD_KILL_SEED ?? Math.floor(Date.now() % 1_000_000));
const HOSTS = 300;

/** mulberry32: a small seeded generator, so a run's kill moment can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function scanPath(): string {
  const dir = join(tmpdir(), 'pf-kill-import');
  const path = join(dir, `kill-scan-${HOSTS}.nessus`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    generateNessus({ path: `${path}.part`, hosts: HOSTS });
    // Renamed when whole, so a run cut short never leaves a truncated scan for the next one.
    renameSync(`${path}.part`, path);
  }
  return path;
}

interface DbState {
  files: { id: string; name: string; status: string; size?: number; assets?: number; codes: string[] }[];
  hostsByFile: Record<string, number>;
  rulesByFile: Record<string, number>;
  raw: Record<string, number>;
}

/** The database as IndexedDB holds it, read with plain IndexedDB (not the app's code), in one transaction. */
async function readDatabase(page: Page): Promise<DbState> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((done, fail) => {
      const request = indexedDB.open('patchfield');
      request.onsuccess = () => done(request.result);
      request.onerror = () => fail(new Error(String(request.error)));
    });
    try {
      const tx = db.transaction(['files', 'hosts', 'rules', 'rawFiles'], 'readonly');
      const all = <T>(store: string) =>
        new Promise<T[]>((done, fail) => {
          const request = tx.objectStore(store).getAll();
          request.onsuccess = () => done(request.result as T[]);
          request.onerror = () => fail(new Error(String(request.error)));
        });
      // Rows are counted per file from the fileId index alone: their (large) values are never read.
      const countByFile = (store: string) =>
        new Promise<Record<string, number>>((done, fail) => {
          const counts: Record<string, number> = {};
          const request = tx.objectStore(store).index('fileId').openKeyCursor();
          request.onsuccess = () => {
            const cursor = request.result;
            if (!cursor) return done(counts);
            const key = String(cursor.key);
            counts[key] = (counts[key] ?? 0) + 1;
            cursor.continue();
          };
          request.onerror = () => fail(new Error(String(request.error)));
        });
      type FileRow = {
        id: string;
        name: string;
        status: string;
        size?: number;
        counts?: { assets: number };
        problems?: { code: string }[];
      };
      const [files, hostsByFile, rulesByFile, raw] = await Promise.all([
        all<FileRow>('files'),
        countByFile('hosts'),
        countByFile('rules'),
        all<{ id: string; blob?: Blob }>('rawFiles')
      ]);
      return {
        files: files.map((f) => ({
          id: f.id,
          name: f.name,
          status: f.status,
          ...(f.size !== undefined ? { size: f.size } : {}),
          ...(f.counts ? { assets: f.counts.assets } : {}),
          codes: (f.problems ?? []).map((p) => p.code)
        })),
        hostsByFile,
        rulesByFile,
        raw: Object.fromEntries(raw.map((r) => [r.id, r.blob?.size ?? -1]))
      };
    } finally {
      db.close();
    }
  });
}

/** What would be lost or half-written: one line per problem, empty when the database is consistent. */
function damage(state: DbState): string[] {
  const lost: string[] = [];
  const ids = new Set(state.files.map((f) => f.id));
  for (const f of state.files) {
    const hosts = state.hostsByFile[f.id] ?? 0;
    const rules = state.rulesByFile[f.id] ?? 0;
    if (f.status === 'parsing' || f.status === 'stored') lost.push(`${f.name} is stuck "${f.status}"`);
    if (!(f.id in state.raw)) lost.push(`${f.name} has no raw file`);
    else if (f.size !== undefined && state.raw[f.id] !== f.size)
      lost.push(`${f.name}'s raw file has ${state.raw[f.id]} bytes, not ${f.size}`);
    if (f.status !== 'done' && (hosts > 0 || rules > 0))
      lost.push(`${f.name} is "${f.status}" but ${hosts} host and ${rules} rule rows remain`);
    if (f.status === 'done' && hosts !== f.assets)
      lost.push(`${f.name} is done with ${f.assets} computers but ${hosts} host rows`);
  }
  for (const [by, what] of [
    [state.hostsByFile, 'host'],
    [state.rulesByFile, 'rule']
  ] as const) {
    for (const [fileId, n] of Object.entries(by)) {
      if (!ids.has(fileId)) lost.push(`${n} ${what} rows of a file that has no record (${fileId})`);
    }
  }
  for (const id of Object.keys(state.raw)) {
    if (!ids.has(id)) lost.push(`a raw file without its record (${id})`);
  }
  return lost;
}

/** How long an import of the scan takes on this machine, measured once: kill moments are spread over it. */
let importMs: number | undefined;

async function measureImport(browser: Browser, info: TestInfo): Promise<number> {
  if (importMs !== undefined) return importMs;
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL!,
    viewport: info.project.use.viewport ?? null
  });
  const page = await context.newPage();
  const app = new PatchfieldApp(page);
  await app.open('/');
  // Two imports, timed: the first one also warms the browser's caches, as the runs' first import in a fresh tab
  // does only in part, so a run's import takes about their mean.
  const times: number[] = [];
  for (const client of ['Calibration A', 'Calibration B']) {
    await app.createEngagement(client, '2026-11-24');
    const start = Date.now();
    await page.locator('#file-input').setInputFiles(scanPath());
    await expect(page.locator('li.file', { hasText: `${HOSTS} computers` })).toBeVisible({
      timeout: 120_000
    });
    times.push(Date.now() - start);
  }
  importMs = Math.round((times[0]! + times[1]!) / 2);
  await context.close();
  console.log(
    `[kill-import] an import of ${HOSTS} computers takes about ${(importMs / 1000).toFixed(1)} s here (${times.map((t) => (t / 1000).toFixed(1)).join(' s and ')} s)`
  );
  return importMs;
}

function record(entry: object): void {
  const log = process.env.PATCHFIELD_KILL_LOG;
  if (log) appendFileSync(log, `${JSON.stringify(entry)}\n`);
}

for (let run = 0; run < RUNS; run++) {
  const seed = BASE_SEED + run;
  // The seed stays out of the title: without PATCHFIELD_KILL_SEED it differs between Playwright's processes.
  test(`a tab killed at a random moment of an import leaves a consistent database (run ${run + 1} of ${RUNS})`, async ({
    browser,
    context
  }, info) => {
    test.setTimeout(240_000);
    const random = seeded(seed);
    const total = await measureImport(browser, info);
    // From the tap to a little after the import ends: before the file is stored, mid-read, and after.
    const fraction = random() * 1.1;
    const delay = Math.round(fraction * total);
    const discard = random() < 0.5;

    const first = await context.newPage();
    const app = new PatchfieldApp(first);
    await app.open('/');
    await app.createEngagement(`Kill run ${seed}`, '2026-11-24');
    const engagementUrl = first.url();
    await first.locator('#file-input').setInputFiles(scanPath());
    await first.waitForTimeout(delay);
    const line = await first
      .locator('.progress .label')
      .textContent({ timeout: 50 })
      .catch(() => null);
    // The tab goes with its worker and its Web Lock, mid-transaction or not.
    await first.close();
    console.log(
      `[kill-import] seed ${seed}: tab closed ${delay} ms after the file was picked (${Math.round(fraction * 100)}% of an import)${line ? `, at “${line.trim()}”` : ''}`
    );

    const second = await context.newPage();
    await second.goto(engagementUrl);
    await expect(second.getByRole('heading', { level: 1, name: `Kill run ${seed}` })).toBeVisible();
    // The start-up purge runs in the worker: wait until nothing is left mid-import, or report what stayed.
    let state = await readDatabase(second);
    await expect
      .poll(
        async () => {
          state = await readDatabase(second);
          return state.files.filter((f) => f.status === 'parsing' || f.status === 'stored').length;
        },
        { timeout: 20_000 }
      )
      .toBe(0)
      .catch(() => undefined);
    const lost = damage(state);
    const file = state.files[0];
    const outcome = !file
      ? 'nothing stored yet'
      : file.status === 'done'
        ? 'import finished'
        : file.codes.includes('import-interrupted')
          ? 'interrupted'
          : file.status;
    record({ phase: 'data', seed, delay, fraction, outcome, lost });
    console.log(
      `[kill-import] seed ${seed}: ${outcome}; ${lost.length === 0 ? 'nothing lost' : lost.join('; ')}`
    );
    expect(lost, `seed ${seed}: what the kill left behind`).toEqual([]);
    expect(state.files.length).toBeLessThanOrEqual(1);

    const item = second
      .getByRole('list', { name: 'Imported files' })
      .locator('li.file', { hasText: 'kill-scan' });
    if (outcome === 'interrupted') {
      console.log(`[kill-import] seed ${seed}: then ${discard ? 'Discard' : 'Read again'}`);
      // The app names the file it could not finish, and offers to read it again or discard it.
      const notice = second.getByRole('status').filter({ hasText: 'interrupted when the app closed' });
      await expect(notice).toContainText(file!.name);
      await expect(notice.getByRole('link', { name: `Kill run ${seed}` })).toBeVisible();
      await expect(item).toContainText('Nothing from it was kept');
      await expect(item.getByRole('button', { name: 'Read again' })).toBeVisible();
      if (discard) {
        await item.getByRole('button', { name: 'Discard' }).click();
        await second.screenshot({ path: info.outputPath('interrupted-discard.png'), fullPage: true });
        await item.getByRole('button', { name: 'Discard file' }).click();
        await expect(item).toHaveCount(0);
        await expect.poll(async () => (await readDatabase(second)).files.length).toBe(0);
        expect((await readDatabase(second)).raw).toEqual({});
      } else {
        await item.getByRole('button', { name: 'Read again' }).click();
        await expect(item).toContainText(`${HOSTS} computers`, { timeout: 120_000 });
        expect(damage(await readDatabase(second))).toEqual([]);
      }
    } else if (outcome === 'import finished') {
      await expect(item).toContainText(`${HOSTS} computers`);
    } else {
      await expect(item).toHaveCount(0);
    }
    record({ phase: 'done', seed });
  });
}

test('a note saved just before the tab is killed is there after reopening', async ({ context }) => {
  const first = await context.newPage();
  const app = new PatchfieldApp(first);
  await app.open('/');
  await app.createEngagement('Praxis Kill Note', '2026-11-24');
  const engagementUrl = first.url();
  await first.locator('#file-input').setInputFiles(join('tests', 'fixtures', 'e2e', 'office.nessus'));
  await expect(first.getByRole('heading', { name: 'Last import' })).toBeVisible({ timeout: 60_000 });
  await app.openTab('Report');
  const note = 'Back door code 4711; the NAS is in the cellar.';
  await first.getByLabel('Notes from the visit').fill(note);
  await first.getByRole('button', { name: 'Save note' }).click();
  await expect(first.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  // Closed the moment "Saved." shows: the note was on disk before the page said so.
  await first.close();

  const second = await context.newPage();
  await second.goto(engagementUrl);
  await second.getByRole('tab', { name: 'Report' }).click();
  await expect(second.getByLabel('Notes from the visit')).toHaveValue(note);
});
