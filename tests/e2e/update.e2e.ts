import { expect, test } from '@playwright/test';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { PatchfieldApp } from './pages/app';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf'
};

/** Serves build/ like `npm start`, except that the test can hand out a "next release" of the service worker. */
function serveBuild(swOverride: () => string | null): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const override = path === '/sw.js' ? swOverride() : null;
    if (override !== null) {
      res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-cache' });
      res.end(override);
      return;
    }
    let file = join('build', path);
    if (!existsSync(file) || statSync(file).isDirectory()) {
      file = existsSync(`${file}.html`)
        ? `${file}.html`
        : join('build', path === '/' ? 'index.html' : 'index.html');
      if (existsSync(join('build', path, 'index.html'))) file = join('build', path, 'index.html');
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache'
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    })
  );
}

test('offers "new version available — reload" when a new service worker is waiting, and reloads into it', async ({
  page
}) => {
  let nextRelease: string | null = null;
  const { server, url } = await serveBuild(() => nextRelease);
  try {
    const app = new PatchfieldApp(page);
    await app.open(`${url}/`);
    await app.waitForOfflineReady();
    await expect(page.getByText('A new version of Patchfield is available.')).toHaveCount(0);

    // A new release: the same service worker with one more byte, as a deploy changes it.
    nextRelease = `${readFileSync('build/sw.js', 'utf8')}\n// next release\n`;
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      await reg?.update();
    });
    const prompt = page.getByRole('alert').filter({ hasText: 'A new version of Patchfield is available.' });
    await expect(prompt).toBeVisible();
    await app.expectNoSeriousA11yViolations('update prompt');
    await prompt.getByRole('button', { name: 'Reload' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Engagements', exact: true })).toBeVisible();
    await expect(page.getByText('A new version of Patchfield is available.')).toHaveCount(0);
    await expect
      .poll(() =>
        page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)
      )
      .toBeNull();
  } finally {
    server.close();
  }
});
