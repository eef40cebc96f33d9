/**
 * Report benchmark: the whole assessment PDF for 50 and 2,000 assets (engine results of a small office, copied
 * with new names), its time, pages and size, beside the floor of a bare pdf-lib drawing of as many table pages with
 * the same subset Unicode font. Not a timed test.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb } from 'pdf-lib';
import {
  buildReport,
  computeResults,
  DEFAULT_PROPOSAL,
  parseNessus,
  parseSystemInfo,
  parseWindowsBuildsCsv,
  type AssetResult,
  type EngagementResults,
  type PatchGap,
  type SourcedHost
} from '../src/lib/core';

const require = createRequire(import.meta.url);
const font = (spec: string) => new Uint8Array(readFileSync(require.resolve(spec)));
const fonts = {
  regular: font('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: font('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  loadCjk: () => Promise.resolve(font('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'))
};

function officeResults(): EngagementResults {
  const dir = join(process.cwd(), 'tests/fixtures');
  const nessusPath = join(dir, 'e2e/office.nessus');
  const sysPath = join(dir, 'e2e/PC-RECEPTION-systeminfo.txt');
  const nessus = parseNessus(new Uint8Array(readFileSync(nessusPath))).value;
  const sys = parseSystemInfo(new Uint8Array(readFileSync(sysPath))).value;
  const hosts: SourcedHost[] = [
    ...nessus.hosts.map((host) => ({
      fileId: 'f1',
      fileName: basename(nessusPath),
      format: nessus.format,
      host
    })),
    ...sys.hosts.map((host) => ({ fileId: 'f2', fileName: basename(sysPath), format: sys.format, host }))
  ];
  return computeResults({
    engagementId: 'bench',
    asOf: '2026-11-24',
    files: [
      { id: 'f1', name: basename(nessusPath), format: nessus.format },
      { id: 'f2', name: basename(sysPath), format: sys.format }
    ],
    hosts,
    catalog: {
      windowsBuilds: parseWindowsBuildsCsv(
        readFileSync(join(dir, 'catalog/windows-builds-small.csv'), 'utf8'),
        'windows-builds-small.csv'
      ).value
    },
    rules: new Map(nessus.rules.map((r) => [`f1\u0000${r.ruleId}`, r])),
    ruleKey: (f, r) => `${f}\u0000${r}`
  });
}

/** The office's machines copied to `count`, each copy with its own id, name and gaps. */
function scaled(base: EngagementResults, count: number): EngagementResults {
  const assets: AssetResult[] = [];
  const gaps: PatchGap[] = [];
  for (let i = 0; i < count; i++) {
    const a = base.assets[i % base.assets.length]!;
    const id = `${a.asset.id}-${i}`;
    const hostname = `${a.asset.hostname}-${String(i).padStart(4, '0')}`;
    assets.push({ ...a, asset: { ...a.asset, id, hostname } });
    for (const g of base.gaps.filter((x) => x.assetId === a.asset.id)) {
      gaps.push({ ...g, id: `${g.id}-${i}`, assetId: id, hostname });
    }
  }
  return { ...base, assets, gaps };
}

async function bareFloor(pages: number): Promise<number> {
  const t = performance.now();
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const f = await doc.embedFont(fonts.regular, { subset: true });
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([595, 842]);
    for (let row = 0; row < 40; row++) {
      page.drawText(`PC-${p}-${row} · Windows 10 Pro 19045 · KB5066791 · due 2026-12-09`, {
        x: 50,
        y: 800 - row * 19,
        size: 9,
        font: f,
        color: rgb(0.1, 0.1, 0.1)
      });
    }
  }
  await doc.save();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const base = officeResults();
  const engagement = {
    id: 'bench',
    clientName: 'Zahnarztpraxis Müller',
    site: 'Hauptstraße 12, Hamburg',
    contact: '',
    technician: 'Jonas Weber',
    visitDate: '2026-11-24',
    notes: '',
    createdAt: '2026-11-24T08:00:00Z',
    updatedAt: '2026-11-24T08:00:00Z'
  };
  for (const count of [50, 2000]) {
    const results = scaled(base, count);
    const t = performance.now();
    const out = await buildReport(
      {
        engagement,
        results,
        mspName: 'Brightline IT Services GmbH',
        generatedAt: '2026-11-24T10:00:00.000Z',
        pageSize: 'A4',
        proposal: DEFAULT_PROPOSAL
      },
      fonts
    );
    const ms = performance.now() - t;
    const floor = await bareFloor(out.pageCount);
    console.log(
      `report ${String(count).padStart(5)} assets: ${out.pageCount} pages, ${(out.bytes.length / 1e6).toFixed(2)} MB in ${(ms / 1000).toFixed(2)} s ` +
        `(aim ${count <= 50 ? '< 2 s, < 1.5 MB' : '< 10 s'}); bare pdf-lib floor for ${out.pageCount} text pages ${(floor / 1000).toFixed(2)} s (${(ms / floor).toFixed(2)}×)`
    );
  }
}

await main();
