import { readFileSync } from 'node:fs';
import { strFromU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeCatalogBundle, parseWindowsBuildsCsv, type KevPart } from '../../../src/lib/core';
import {
  listCatalogParts,
  loadCatalog,
  setAssetContext,
  setGapException,
  updateEngagement,
  updateEngagementSettings
} from '../../../src/lib/db';
import { testBundlePath } from '../catalog';
import { fixture, hasShared, readBytes } from '../shared';
import { hasTool, pdfPages, writePdf } from '../core/report/report-tools';
import { fileSource, freshEngine } from './helpers';

const kev: KevPart = {
  part: 'kev',
  source: 'known_exploited_vulnerabilities.json',
  snapshotDate: '2026-11-20',
  entries: []
};

function smallBundle(): Uint8Array {
  const builds = parseWindowsBuildsCsv(
    strFromU8(readBytes(fixture('catalog', 'windows-builds-small.csv'))),
    'windows-builds-small.csv'
  ).value;
  return encodeCatalogBundle([builds, kev], '2026-11-24T08:00:00.000Z');
}

const blobSource = (name: string, bytes: Uint8Array) => ({ name, blob: new Blob([new Uint8Array(bytes)]) });

async function engagement(
  api: ReturnType<typeof freshEngine>['api'],
  db: ReturnType<typeof freshEngine>['db']
) {
  await db.engagements.add({
    id: 'e1',
    clientName: 'Zahnarztpraxis Müller',
    site: '',
    contact: '',
    technician: '',
    visitDate: '2026-11-24',
    notes: '',
    createdAt: '2026-11-24T08:00:00Z',
    updatedAt: '2026-11-24T08:00:00Z'
  });
  await api.importFiles(
    'e1',
    [fileSource(fixture('e2e', 'office.nessus')), fileSource(fixture('e2e', 'PC-RECEPTION-systeminfo.txt'))],
    'job-1'
  );
}

describe('catalog in the database', () => {
  it('imports a bundle: every part stored in one go and listed with its metadata only', async () => {
    const { db, api } = freshEngine();
    const result = await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    expect(result.ok).toBe(true);
    expect(result.parts.map((p) => p.part).sort()).toEqual(['kev', 'windows-builds']);
    const listed = await listCatalogParts(db);
    expect(listed.map((p) => [p.part, p.records, p.fileName]).sort()).toEqual([
      ['kev', 0, 'catalog.bundle'],
      ['windows-builds', 13, 'catalog.bundle']
    ]);
    expect(listed.every((p) => !('data' in p))).toBe(true);
    const catalog = await loadCatalog(db);
    expect(catalog.windowsBuilds!.rows).toHaveLength(13);
    expect(catalog.kev).toEqual(kev);
  });

  it('a damaged bundle changes nothing: the previous catalog stays whole', async () => {
    const { db, api } = freshEngine();
    await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    const before = await listCatalogParts(db);
    const damaged = smallBundle().slice(0, 400);
    const result = await api.importCatalogFile(blobSource('catalog-new.bundle', damaged));
    expect(result.ok).toBe(false);
    expect(result.problems[0]!.severity).toBe('error');
    expect(await listCatalogParts(db)).toEqual(before);
  });

  it.skipIf(!hasShared)('loads the real bundle into the database and back', async () => {
    const { db, api } = freshEngine();
    const bytes = new Uint8Array(readFileSync(testBundlePath()));
    const result = await api.importCatalogFile(blobSource('catalog.bundle', bytes));
    expect(result.ok).toBe(true);
    expect(result.parts).toHaveLength(9);
    const stored = await listCatalogParts(db);
    const total = stored.reduce((n, p) => n + p.bytes, 0);
    expect(total).toBeLessThan(50e6);
    const catalog = await loadCatalog(db);
    expect(catalog.epss!.cves).toHaveLength(360142);
  });
});

describe('refresh catalog from the official sources', () => {
  const kevJson = JSON.stringify({
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2026.11.23',
    dateReleased: '2026-11-23T15:00:00.0000Z',
    count: 1,
    vulnerabilities: [
      {
        cveID: 'CVE-2021-44228',
        vendorProject: 'Apache',
        product: 'Log4j2',
        vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability',
        dateAdded: '2021-12-10',
        shortDescription: '',
        requiredAction: '',
        dueDate: '2021-12-24',
        knownRansomwareCampaignUse: 'Known',
        notes: '',
        cwes: []
      }
    ]
  });

  it('stores the parts that arrived, keeps the others as they were and says which failed and why', async () => {
    const urls: string[] = [];
    const fakeFetch = (input: string | URL | Request): Promise<Response> => {
      const url = String(input);
      urls.push(url);
      if (url.endsWith('known_exploited_vulnerabilities.json')) return Promise.resolve(new Response(kevJson));
      if (url.includes('epss')) return Promise.resolve(new Response('nope', { status: 503 }));
      return Promise.reject(new TypeError('Failed to fetch'));
    };
    const { db, api } = freshEngine(new Date('2026-11-24T09:00:00Z'), fakeFetch as typeof fetch);
    await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    const before = await db.catalogMeta.get('windows-builds');

    const result = await api.refreshCatalog('job-r');
    expect(result.parts.map((p) => p.part)).toEqual(['kev']);
    expect(result.failed.map((f) => f.part).sort()).toEqual(['eol', 'epss', 'osv', 'wesng']);
    expect(result.failed.find((f) => f.part === 'epss')!.message).toContain('503');
    expect(result.failed.find((f) => f.part === 'eol')!.message).toContain('previous data is kept');
    // Only the official URLs were asked.
    expect(urls).toContain(
      'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json'
    );
    expect(urls.every((u) => u.startsWith('https://'))).toBe(true);

    const kevMeta = (await db.catalogMeta.get('kev'))!;
    expect(kevMeta).toMatchObject({ records: 1, snapshotDate: '2026-11-23' });
    expect(await db.catalogMeta.get('windows-builds')).toEqual(before);
  });
});

describe('engagement settings and the plan', () => {
  it('the policy and asset context change the due dates, and invalid settings are refused with the field named', async () => {
    const { db, api } = freshEngine();
    await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    await engagement(api, db);
    const first = await api.assess('e1');
    expect(first.settings.policy).toBe('severity-bands');
    const pc = first.assets.find((a) => a.asset.os.family === 'windows')!;
    expect(first.gaps.length).toBeGreaterThan(0);

    expect(await updateEngagementSettings(db, 'e1', (s) => ({ ...s, policy: 'pci-dss' }))).toEqual([]);
    await setAssetContext(db, 'e1', pc.asset.id, { internetFacing: true, businessCritical: true });
    const second = await api.assess('e1');
    expect(second.settings.policy).toBe('pci-dss');
    expect(second.assets.find((a) => a.asset.id === pc.asset.id)!.context).toEqual({
      internetFacing: true,
      businessCritical: true
    });
    expect(second.gaps.every((g) => g.priority.policy.length > 0)).toBe(true);

    const bad = await updateEngagementSettings(db, 'e1', (s) => ({
      ...s,
      bands: { ...s.bands, critical: -3 }
    }));
    expect(bad[0]!.message).toContain('bands.critical');
    expect((await api.assess('e1')).settings.bands.critical).toBe(15);
  });

  it('moving a machine to another wave and locking a wave hold when the plan is computed again', async () => {
    const { db, api } = freshEngine();
    await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    await engagement(api, db);
    const plan = await api.assess('e1');
    expect(plan.waves.length).toBeGreaterThan(0);
    const target = plan.waves.at(-1)!;
    const machine = plan.waves[0]!.assetIds[0]!;
    await updateEngagementSettings(db, 'e1', (s) => ({
      ...s,
      adjustments: { moves: { [machine]: target.id }, locked: [] }
    }));
    const moved = await api.assess('e1');
    expect(moved.waves.find((w) => w.id === target.id)?.assetIds ?? []).toContain(machine);
  });

  it('exports the plan as iCalendar and CSV and the results as JSON', async () => {
    const { db, api } = freshEngine();
    await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    await engagement(api, db);
    const ics = await api.exportResults('e1', 'ics');
    expect(ics.fileName).toMatch(/\.ics$/);
    expect(ics.text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(ics.text).toContain('BEGIN:VEVENT');
    const findings = await api.exportResults('e1', 'findings-csv');
    expect(findings.text.split('\r\n')[0]).toBe(
      'host,severity,title,scanner,rule,port,cves,kbs,cvss3,package,fixed_version,state,solution,sources'
    );
    expect(findings.text).toContain('CVE-2026-21001');
    const csv = await api.exportResults('e1', 'gaps-csv');
    expect(csv.text.split('\r\n')[0]).toContain('host,kind,product,action');
    const json = await api.exportResults('e1', 'json');
    const parsed = JSON.parse(json.text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining(['asOf', 'catalog', 'assets', 'gaps', 'waves', 'misses'])
    );
    expect(parsed.engagementId).toBeUndefined();
  });

  it('an accepted risk, a machine note and the visit notes are stored, reach the report and can be withdrawn', async () => {
    const { db, api } = freshEngine();
    await api.importCatalogFile(blobSource('catalog.bundle', smallBundle()));
    await engagement(api, db);
    const plan = await api.assess('e1');
    const gap = plan.gaps.find((g) => plan.waves.some((w) => w.gapIds.includes(g.id)))!;

    const refused = await setGapException(db, 'e1', gap.id, { reason: '' });
    expect(refused[0]!.message).toContain('reason');
    expect((await db.engagementSettings.get('e1'))?.settings.exceptions).toBeUndefined();

    expect(
      await setGapException(db, 'e1', gap.id, { reason: 'Vendor support ends in March', until: '2027-03-01' })
    ).toEqual([]);
    await setAssetContext(db, 'e1', gap.assetId, { note: 'Owner allows restarts after 18:00 only' });
    await updateEngagement(db, 'e1', { notes: 'Server room was locked.' });
    const accepted = await api.assess('e1');
    expect(accepted.gaps.find((g) => g.id === gap.id)?.exception?.active).toBe(true);
    expect(accepted.waves.some((w) => w.gapIds.includes(gap.id))).toBe(false);
    expect(accepted.assets.find((a) => a.asset.id === gap.assetId)?.context.note).toBe(
      'Owner allows restarts after 18:00 only'
    );

    const report = await api.buildReport('e1', { generatedAt: '2026-11-24T10:00:00.000Z' });
    expect(report.pageCount).toBeGreaterThan(5);
    if (hasTool('pdftotext')) {
      const text = pdfPages(writePdf(report.bytes, 'db-notes'), '-raw').join('\n').replace(/\s+/g, ' ');
      expect(text).toContain('Owner allows restarts after 18:00 only');
      expect(text).toContain('Server room was locked.');
      expect(text).toContain('Vendor support ends in March');
      // systeminfo states no scan date: the report gives the day it was imported.
      expect(text).toContain('24 Nov 2026 imported');
    }

    expect(await setGapException(db, 'e1', gap.id, undefined)).toEqual([]);
    expect((await db.engagementSettings.get('e1'))?.settings.exceptions).toBeUndefined();
    const withdrawn = await api.assess('e1');
    expect(withdrawn.gaps.find((g) => g.id === gap.id)?.exception).toBeUndefined();
    expect(withdrawn.waves.some((w) => w.gapIds.includes(gap.id))).toBe(true);
  });
});
