/**
 * Engine benchmark: the reference catalog (bundle build from ../shared/catalog, bundle load, storing it in
 * IndexedDB and reading it back validated) and gap computation for 5,000 synthetic assets (~1.5 M installed items)
 * through the worker path (the engine API over IndexedDB, exactly what the Web Worker runs). Prints sizes, times
 * and throughput; not a timed test.
 *
 * BENCH_ENGINE_ASSETS changes the number of assets.
 */
import 'fake-indexeddb/auto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { seededRandom } from './generators';
import { catalogFolder } from '../src/cli/io';
import {
  buildCatalogFromFolder,
  decodeCatalogBundle,
  encodeCatalogBundle,
  type HostObservation,
  type ImportedFile
} from '../src/lib/core';
import { openDatabase, saveCatalogParts, loadCatalog } from '../src/lib/db';
import { createEngineApi } from '../src/lib/workers/engine.api';

const SHARED = process.env.PATCHFIELD_SHARED ?? join(process.cwd(), '../shared');
const ASSETS = Number(process.env.BENCH_ENGINE_ASSETS ?? 5000);

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  if (!existsSync(join(SHARED, 'catalog'))) {
    console.log(`engine bench: ${SHARED}/catalog is absent; skipped.`);
    return;
  }
  // 1. Catalog bundle: build, load, store, read back.
  let t = performance.now();
  const built = await buildCatalogFromFolder(catalogFolder(join(SHARED, 'catalog')));
  const buildMs = performance.now() - t;
  const bundle = encodeCatalogBundle(built.parts, new Date().toISOString());
  t = performance.now();
  const decoded = decodeCatalogBundle(bundle, 'catalog.bundle');
  const loadMs = performance.now() - t;
  const jsonBytes = decoded.value!.parts.reduce((n, p) => n + JSON.stringify(p).length, 0);
  console.log(
    `catalog build   ${built.parts.length} parts from ../shared/catalog in ${secs(buildMs)}; bundle ${mb(bundle.length)}`
  );
  for (const p of decoded.value!.manifest.parts) {
    console.log(`  ${p.part.padEnd(15)} ${String(p.records).padStart(8)} records`);
  }
  console.log(
    `catalog load    bundle decoded and validated in ${secs(loadMs)} (aim < 2 s); ${mb(jsonBytes)} as stored data (aim < 50 MB)`
  );

  const db = openDatabase(`patchfield-engine-bench-${Date.now()}`);
  t = performance.now();
  await saveCatalogParts(db, decoded.value!.parts, 'catalog.bundle', new Date().toISOString());
  const saveMs = performance.now() - t;
  t = performance.now();
  const catalog = await loadCatalog(db);
  const readMs = performance.now() - t;
  console.log(
    `catalog in IndexedDB  stored in ${secs(saveMs)}, read back and validated in ${secs(readMs)} (fake-indexeddb)`
  );

  // 2. 5,000 synthetic assets through the engine API, as the worker runs it.
  const rnd = seededRandom(42);
  const win = catalog.windowsBuilds!.rows.filter((r) => r.build === 19045 && r.kb);
  const alma = (catalog.osv?.entries ?? []).filter((e) => e[0] === 'AlmaLinux:9' && e[4]);
  const programs = [
    'Google Chrome',
    'Mozilla Firefox (x64 en-US)',
    'Notepad++ (64-bit x64)',
    '7-Zip 23.01',
    'Python 3.8.10 (64-bit)',
    'Microsoft Office Professional Plus 2016',
    'Adobe Acrobat Reader',
    'VLC media player',
    'Zoom',
    'Microsoft Teams'
  ];
  const file: ImportedFile = {
    id: 'bench-file',
    engagementId: 'bench',
    name: 'fleet.json',
    size: 0,
    sha256: '0'.repeat(64),
    importedAt: new Date().toISOString(),
    status: 'done',
    format: 'patchfield-collector',
    problems: []
  } as unknown as ImportedFile;
  let items = 0;
  const hostRows = [];
  for (let i = 0; i < ASSETS; i++) {
    const linux = i % 5 === 4;
    const server = i % 5 === 3;
    const name = `${linux ? 'alma' : server ? 'srv' : 'pc'}-${String(i).padStart(5, '0')}`;
    const host: HostObservation = {
      key: name,
      hostname: name,
      ips: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      macs: [],
      installedUpdates: [],
      software: [],
      pendingUpdates: [],
      findings: []
    };
    if (linux) {
      host.os = { family: 'linux', name: 'AlmaLinux 9.4', distro: { id: 'almalinux', versionId: '9.4' } };
      for (let k = 0; k < 300; k++) {
        const e = alma[Math.floor(rnd() * alma.length)]!;
        host.software.push({
          name: `${e[1]}${k % 7 === 0 ? '' : `-x${k}`}`,
          version: '0:1.0-1.el9',
          ecosystem: 'rpm'
        });
      }
    } else {
      const row = win[Math.floor(rnd() * win.length)]!;
      host.os = {
        family: 'windows',
        name: server ? 'Microsoft Windows Server 2022 Standard' : 'Microsoft Windows 10 Pro',
        build: server ? 20348 : 19045,
        ...(server ? {} : { revision: row.revision }),
        edition: server ? 'ServerStandard' : 'Professional',
        productType: server ? 'server' : 'client'
      };
      for (let k = 0; k < 40; k++)
        host.installedUpdates.push({ kb: `KB${5000000 + Math.floor(rnd() * 90000)}` });
      for (let k = 0; k < 260; k++) {
        const p = programs[k % programs.length]!;
        host.software.push({
          name: k < programs.length ? p : `${p} component ${k}`,
          version: `${1 + (k % 120)}.0.${k}`,
          ecosystem: 'windows-program'
        });
      }
    }
    items += host.software.length + host.installedUpdates.length;
    hostRows.push({ id: `bench-file:${i}`, fileId: 'bench-file', engagementId: 'bench', seq: i, host });
  }
  await db.engagements.add({
    id: 'bench',
    clientName: 'Benchmark GmbH',
    site: '',
    contact: '',
    technician: '',
    visitDate: '2026-09-01',
    notes: '',
    createdAt: '2026-09-01T00:00:00Z',
    updatedAt: '2026-09-01T00:00:00Z'
  });
  await db.files.add(file);
  for (let i = 0; i < hostRows.length; i += 500) await db.hosts.bulkAdd(hostRows.slice(i, i + 500));

  const api = createEngineApi({
    db: () => db,
    loadFonts: () => Promise.reject(new Error('no report in this bench')),
    loadCjkFont: () => Promise.reject(new Error('no report in this bench'))
  });
  t = performance.now();
  const results = await api.assess('bench');
  const assessMs = performance.now() - t;
  console.log(
    `gap computation ${results.assets.length} assets, ${(items / 1e6).toFixed(2)} M installed items → ${results.gaps.length} gaps, ${results.waves.length} waves in ${secs(assessMs)} through the engine API (${Math.round(items / (assessMs / 1000)).toLocaleString('en')} items/s, reading IndexedDB included)`
  );
}

await main();
