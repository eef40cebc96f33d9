import AxeBuilder from '@axe-core/playwright';
import { expect, type Download, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve('tests/fixtures');
export const SHARED = resolve('..', 'shared');

/** The app as a technician uses it, one method per step of the journey. */
export class PatchfieldApp {
  constructor(readonly page: Page) {}

  async open(path = '/'): Promise<void> {
    await this.page.goto(path);
    await expect(this.page.getByRole('link', { name: 'Patchfield' })).toBeVisible();
  }

  /** Waits until the service worker is activated and controls the page, so the app works offline after this. */
  async waitForOfflineReady(): Promise<void> {
    await this.page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      const sw = reg.active;
      if (sw && sw.state !== 'activated') {
        await new Promise<void>((done) =>
          sw.addEventListener('statechange', () => sw.state === 'activated' && done())
        );
      }
    });
    if (!(await this.page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) {
      await this.page.reload();
      await expect
        .poll(() => this.page.evaluate(() => Boolean(navigator.serviceWorker.controller)))
        .toBe(true);
    }
  }

  async importCatalog(path: string): Promise<void> {
    await this.page.getByRole('link', { name: 'Settings' }).click();
    await expect(this.page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await this.page.locator('#catalog-input').setInputFiles(path);
    await expect(this.page.getByText(/Loaded (one part|\d+ parts) from/)).toBeVisible({ timeout: 60_000 });
  }

  /** Downloads one of the Plan tab's exports and returns its text. */
  async downloadExport(
    button: 'Calendar (.ics)' | 'Plan CSV' | 'Gaps CSV' | 'Results JSON'
  ): Promise<string> {
    await this.openTab('Plan');
    const [download]: [Download, void] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByRole('button', { name: button }).click()
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'patchfield-e2e-')), download.suggestedFilename());
    await download.saveAs(path);
    return readFileSync(path, 'utf8');
  }

  async createEngagement(client: string, visitDate: string): Promise<void> {
    await this.page.getByRole('link', { name: 'Engagements' }).click();
    await this.page.getByRole('button', { name: 'New engagement' }).first().click();
    await this.page.getByLabel('Client name').fill(client);
    await this.page.getByLabel('Site').fill('Hauptstraße 5, Hamburg');
    await this.page.getByLabel('Technician').fill('Alex Tech');
    await this.page.getByLabel('Visit date').fill(visitDate);
    await this.page.getByRole('button', { name: 'Create engagement' }).click();
    await expect(this.page.getByRole('heading', { level: 1, name: client })).toBeVisible();
  }

  async importFiles(paths: string[]): Promise<void> {
    await this.page.getByRole('tab', { name: 'Import' }).click();
    await this.page.locator('#file-input').setInputFiles(paths);
    await expect(this.page.getByRole('heading', { name: 'Last import' })).toBeVisible({ timeout: 60_000 });
  }

  /** An asset's row in the assets table, found by its name cell (other rows name it in "same machine as"). */
  assetRow(name: string) {
    const assets = this.page.getByRole('table').filter({ hasText: 'What to install' });
    return assets
      .getByRole('row')
      .filter({ has: this.page.locator('strong.host', { hasText: new RegExp(`^${name}$`, 'i') }) });
  }

  async openTab(name: 'Import' | 'Gaps' | 'Plan' | 'Findings' | 'Report'): Promise<void> {
    await this.page.getByRole('tab', { name }).click();
  }

  /**
   * On the Report tab: saves the visit notes, then adds a photo of the visit (the camera on a tablet; a picked
   * file here) with a caption when one is given, each confirmed once it is stored.
   */
  async addVisitNoteAndPhoto(note: string, caption?: string): Promise<void> {
    await this.openTab('Report');
    await this.page.getByLabel('Notes from the visit').fill(note);
    await this.page.getByRole('button', { name: 'Save note' }).click();
    await expect(this.page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    await this.page
      .getByLabel('Photos from the visit', { exact: true })
      .setInputFiles(join(FIXTURES, 'report', 'logo-transparent.png'));
    await expect(this.page.getByText('Photo saved.')).toBeVisible();
    if (caption === undefined) return;
    await this.page.getByPlaceholder('Caption (printed in the report)').fill(caption);
    await this.page.getByPlaceholder('Caption (printed in the report)').blur();
    await expect(this.page.getByRole('img', { name: caption })).toBeVisible();
  }

  /** Builds the PDF, downloads it and returns its text (pdftotext). */
  async downloadReportText(): Promise<{ text: string; path: string }> {
    await this.openTab('Report');
    await this.page.getByRole('button', { name: /Build report|Build again/ }).click();
    const link = this.page.getByRole('link', { name: 'Download PDF' });
    await expect(link).toBeVisible({ timeout: 60_000 });
    const [download]: [Download, void] = await Promise.all([
      this.page.waitForEvent('download'),
      link.click()
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'patchfield-e2e-'));
    const path = join(dir, download.suggestedFilename());
    await download.saveAs(path);
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    // qpdf --check exits non-zero on a structurally broken PDF.
    if (hasTool('qpdf')) execFileSync('qpdf', ['--check', path], { stdio: 'ignore' });
    return { text, path };
  }

  async expectNoSeriousA11yViolations(what: string): Promise<void> {
    const results = await new AxeBuilder({ page: this.page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map(
        (v) => `${what}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`
      )
    ).toEqual([]);
  }

  /** Taps "Export engagement" in the engagement's header and returns the downloaded file's path. */
  async exportEngagement(): Promise<string> {
    const [download]: [Download, void] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByRole('button', { name: 'Export engagement' }).click()
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'patchfield-e2e-')), download.suggestedFilename());
    await download.saveAs(path);
    return path;
  }

  /** Deletes the app's database, as a new or reset tablet has none, and reloads the engagements page. */
  async wipeDatabase(): Promise<void> {
    await this.open('/');
    await this.page.evaluate(
      () =>
        new Promise<void>((done, fail) => {
          // Dexie closes its connections (page and worker) when another one asks to delete the database.
          const request = indexedDB.deleteDatabase('patchfield');
          request.onsuccess = () => done();
          request.onerror = () => fail(new Error(String(request.error)));
        })
    );
    await this.page.reload();
    await expect(this.page.getByRole('heading', { name: 'No engagements yet' })).toBeVisible();
  }

  /** Chooses a .patchfield file under Backups on the engagements page. */
  async importBackup(path: string): Promise<void> {
    await this.page.getByRole('link', { name: 'Engagements' }).click();
    await this.page.locator('#backup-input').setInputFiles(path);
  }
}

/**
 * Every record of every object store of the app's database, read in the page with the plain IndexedDB API (not
 * Dexie, so not through the encryption), serialised to text with ArrayBuffers, typed arrays and Blobs decoded.
 */
export async function rawIndexedDb(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('patchfield');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const text = (b: BufferSource) => new TextDecoder().decode(b);
    const serialise = async (v: unknown): Promise<string> => {
      if (v instanceof Blob) return text(await v.arrayBuffer());
      if (v instanceof ArrayBuffer) return text(v);
      if (ArrayBuffer.isView(v))
        return text(new Uint8Array(v.buffer as ArrayBuffer, v.byteOffset, v.byteLength));
      if (Array.isArray(v)) return (await Promise.all(v.map(serialise))).join(',');
      if (v && typeof v === 'object') {
        const parts = await Promise.all(
          Object.entries(v).map(async ([k, x]) => `${k}=${await serialise(x)}`)
        );
        return `{${parts.join(',')}}`;
      }
      return String(v);
    };
    const out: string[] = [];
    for (const store of Array.from(db.objectStoreNames)) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => resolve(r.result as unknown[]);
        r.onerror = () => reject(r.error);
      });
      for (const row of rows) out.push(`${store}: ${await serialise(row)}`);
    }
    db.close();
    return out.join('\n');
  });
}

export function catalogPath(): string {
  const shared = join(SHARED, 'catalog', 'windows-builds', 'windows_build_revision_kb_merged.csv');
  return existsSync(shared) ? shared : join(FIXTURES, 'catalog', 'windows-builds-small.csv');
}

export function hasTool(tool: string): boolean {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
