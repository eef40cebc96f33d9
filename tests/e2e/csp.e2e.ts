import { expect, test, type Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { catalogOrigins } from '../../src/lib/core/catalog/official-sources.js';
import { ALLOWED_STYLE_ATTRIBUTES } from '../../svelte.config.js';
import { catalogPath, FIXTURES, hasTool, PatchfieldApp } from './pages/app';

/**
 * The client's data stays on the tablet: every page carries a strict Content-Security-Policy, nothing the app does
 * breaks it, and a whole visit (catalog, logo, import, findings, exports, report) sends no request anywhere but
 * the app's own origin.
 */

const ORIGIN = 'http://127.0.0.1:4173';
const LOGO = resolve('static', 'icons', 'icon-192.png');

type Policy = Map<string, string[]>;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

function parsePolicy(text: string): Policy {
  const policy: Policy = new Map();
  for (const part of text.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) policy.set(name.toLowerCase(), values);
  }
  return policy;
}

async function pagePolicy(page: Page): Promise<Policy> {
  const metas = page.locator('meta[http-equiv="content-security-policy"]');
  await expect(metas).toHaveCount(1);
  return parsePolicy((await metas.getAttribute('content')) ?? '');
}

/** Collects policy violations (reported by the page itself) and console errors from every page the test opens. */
async function watch(page: Page) {
  const violations: string[] = [];
  const errors: string[] = [];
  await page.exposeFunction('__patchfieldCspViolation', (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __patchfieldCspViolation: (v: string) => void })
        .__patchfieldCspViolation;
      void report(
        `${e.effectiveDirective} refused ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`
      );
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { violations, errors };
}

test.skip(!hasTool('pdftotext'), 'pdftotext (poppler-utils) is not installed: .ci/run installs it');

test('each page carries a strict policy: default self, no eval, scripts only from the app and SvelteKit’s hashed start-up script', async ({
  page,
  request
}) => {
  const app = new PatchfieldApp(page);
  await app.open('/');
  await app.createEngagement('Policy Check GmbH', '2026-11-24');
  const engagementPath = new URL(page.url()).pathname + new URL(page.url()).search;
  expect(engagementPath).toMatch(/^\/engagement\?id=/);

  for (const path of ['/', '/settings', engagementPath]) {
    await page.goto(path);
    const policy = await pagePolicy(page);
    expect(policy.get('default-src'), path).toEqual(["'self'"]);
    const all = [...policy.values()].flat();
    expect(all, path).not.toContain("'unsafe-eval'");
    expect(all, path).not.toContain("'unsafe-inline'");
    const scripts = policy.get('script-src') ?? [];
    expect(scripts, path).not.toContain("'unsafe-inline'");
    expect(scripts.filter((s) => s !== "'self'").every((s) => /^'sha256-[A-Za-z0-9+/=]+'$/.test(s))).toBe(
      true
    );
    expect(policy.get('style-src'), path).toEqual(["'self'"]);
    // Style attributes: only SvelteKit's own two, by their exact text.
    expect(policy.get('style-src-attr'), path).toEqual([
      "'unsafe-hashes'",
      ...ALLOWED_STYLE_ATTRIBUTES.map(sha256)
    ]);
    expect(policy.get('object-src'), path).toEqual(["'none'"]);
    expect(policy.get('img-src'), path).toEqual(["'self'", 'blob:', 'data:']);
    expect(policy.get('worker-src'), path).toEqual(["'self'"]);
    // Only the official catalog hosts (the list refresh.ts downloads from) besides the app itself.
    expect(policy.get('connect-src'), path).toEqual(["'self'", ...catalogOrigins()]);

    // The prerendered page's inline scripts are exactly the ones the policy allows by hash.
    const html = await (await request.get(`${ORIGIN}${path}`)).text();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline.length, path).toBeGreaterThan(0);
    for (const body of inline) {
      expect(scripts, `${path}: inline script allowed by its hash`).toContain(sha256(body));
    }
  }
});

test('the policy refuses an injected inline script, an inline event handler and eval, and says so', async ({
  page
}) => {
  const { violations } = await watch(page);
  // A script from the app's own origin (allowed by 'self') that tries eval, as a compromised dependency would.
  await page.route('**/csp-probe.js', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: "try { window.__evalRan = eval('1 + 1') === 2; } catch (e) { window.__evalError = e.name; }"
    })
  );
  const app = new PatchfieldApp(page);
  await app.open('/');
  await page.evaluate(
    () =>
      new Promise<void>((done) => {
        const inline = document.createElement('script');
        inline.textContent = 'window.__inlineRan = true';
        document.head.append(inline);
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.__handlerRan = true');
        img.src = '/csp-missing-image.png';
        document.body.append(img);
        const probe = document.createElement('script');
        probe.src = '/csp-probe.js';
        probe.onload = () => done();
        probe.onerror = () => done();
        document.head.append(probe);
      })
  );
  await expect.poll(() => violations.join('\n')).toContain('script-src-attr refused inline');
  const ran = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return { inline: w.__inlineRan, handler: w.__handlerRan, evalRan: w.__evalRan, evalError: w.__evalError };
  });
  expect(ran).toEqual({ inline: undefined, handler: undefined, evalRan: undefined, evalError: 'EvalError' });
  const seen = violations.join('\n');
  expect(seen).toContain('script-src-elem refused inline');
  expect(seen).toContain('script-src refused eval');
});

test('a whole visit — catalog, logo, import, findings, exports and the report — breaks no policy and talks to nobody but the app', async ({
  page,
  context
}) => {
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const { violations, errors } = await watch(page);
  const app = new PatchfieldApp(page);

  await app.open('/');
  await app.waitForOfflineReady();
  await app.importCatalog(catalogPath());

  // The logo preview is an <img src="blob:…">.
  await page.locator('#logo-input').setInputFiles(LOGO);
  const logo = page.locator('img.logo');
  await expect(logo).toHaveAttribute('src', /^blob:/);
  await expect
    .poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
    .toBe(true);
  await expect(page.getByText(/^Logo saved/)).toBeVisible();

  await app.createEngagement('Zahnarztpraxis Policy', '2026-11-24');
  await app.importFiles([join(FIXTURES, 'e2e', 'office.nessus')]);
  await app.openTab('Gaps');
  await expect(page.getByText(/\d+ gaps? — actions to take/)).toBeVisible();
  await app.openTab('Findings');
  await page.getByRole('button', { name: /KB5087544: Windows 10/ }).click();
  await expect(page.getByRole('dialog')).toContainText('CVE-2026-21001');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  // Downloads are blob: links; the report is built in the worker with the fonts from /fonts.
  expect(await app.downloadExport('Gaps CSV')).toContain('host,kind');
  const { text } = await app.downloadReportText();
  expect(text).toContain('Zahnarztpraxis Policy');

  // A fresh load of each page, now served by the service worker.
  for (const path of ['/', '/settings']) await app.open(path);

  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
  const elsewhere = requests.filter((u) => {
    const url = new URL(u);
    return !(url.protocol === 'blob:' || url.protocol === 'data:' || url.origin === ORIGIN);
  });
  expect(elsewhere).toEqual([]);
  expect(requests.length).toBeGreaterThan(10);
});
