import type {
  AssetResult,
  CountsBySeverity,
  Engagement,
  EngagementResults,
  OsInfo,
  ResultTotals,
  WindowsPatchStatus
} from '../../../../src/lib/core/model';
import type { ReportInput } from '../../../../src/lib/core/report';
import { computeTotals, DEFAULT_ENGAGEMENT_SETTINGS, scoreEngagement } from '../../../../src/lib/core/engine';

/**
 * A dental practice as a technician would find it: Windows 10 and 11 clients behind on updates, a domain
 * controller and a laptop up to date, an imaging PC whose update level cannot be read, a NAS and a printer.
 * Builds, revisions, KBs and dates follow Microsoft's release history for March 2025.
 */

const NO_FINDINGS: CountsBySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

export function engagement(overrides: Partial<Engagement> = {}): Engagement {
  return {
    id: 'eng-2025-03-14-mueller',
    clientName: 'Zahnarztpraxis Müller',
    site: 'Hauptstraße 12, 79098 Freiburg im Breisgau',
    contact: 'Dr. Anna Müller',
    technician: 'Jonas Weber',
    visitDate: '2025-03-14',
    notes: '',
    createdAt: '2025-03-14T08:05:00.000Z',
    updatedAt: '2025-03-14T10:40:00.000Z',
    ...overrides
  };
}

interface AssetSpec {
  hostname: string;
  ip?: string;
  os: OsInfo;
  windows?: WindowsPatchStatus;
  findings?: Partial<CountsBySeverity>;
  role?: AssetResult['asset']['role'];
}

export function asset(spec: AssetSpec): AssetResult {
  const windows = spec.windows;
  return {
    asset: {
      id: `asset-${spec.hostname.toLowerCase()}`,
      hostname: spec.hostname,
      ips: spec.ip ? [spec.ip] : [],
      macs: [],
      os: spec.os,
      role: spec.role ?? (spec.os.productType === 'server' ? 'server' : 'workstation'),
      sources: [
        {
          fileId: 'file-sysinfo',
          fileName: 'systeminfo.csv',
          format: 'systeminfo-csv',
          hostKey: spec.hostname,
          anchor: `systeminfo-csv|${spec.hostname.toLowerCase()}`
        }
      ],
      installedUpdates: [],
      software: []
    },
    context: {},
    windows,
    gapCounts: { ...NO_FINDINGS },
    statusReason: windows?.explanation ?? "No source tells this machine's update level.",
    findingCounts: { ...NO_FINDINGS, ...spec.findings },
    status: windows?.status ?? 'not-applicable'
  };
}

const win10 = (revision: number | undefined, name = 'Microsoft Windows 10 Pro'): OsInfo => ({
  family: 'windows',
  name,
  version: '10.0.19045',
  build: 19045,
  ...(revision !== undefined ? { revision } : {}),
  productType: 'client'
});

export function behind(
  build: number,
  installedRevision: number,
  kb: string,
  revision: number,
  releaseDate: string,
  monthsBehind: number,
  productLine: string
): WindowsPatchStatus {
  return {
    build,
    productLine,
    installedRevision,
    revisionSource: 'reported',
    required: { kb, version: `10.0.${build}.${revision}`, revision, releaseDate, releaseType: 'B' },
    monthsBehind,
    status: 'behind',
    explanation: `Install ${kb}: the computer is ${monthsBehind} months behind.`
  };
}

export function upToDate(
  build: number,
  revision: number,
  kb: string,
  productLine: string
): WindowsPatchStatus {
  return {
    build,
    productLine,
    installedRevision: revision,
    revisionSource: 'reported',
    required: {
      kb,
      version: `10.0.${build}.${revision}`,
      revision,
      releaseDate: '2025-03-11',
      releaseType: 'B'
    },
    monthsBehind: 0,
    status: 'up-to-date',
    explanation: 'The newest cumulative update is installed.'
  };
}

export function unknown(build: number | undefined, explanation: string): WindowsPatchStatus {
  return {
    ...(build !== undefined ? { build } : {}),
    revisionSource: 'unknown',
    monthsBehind: null,
    status: 'unknown',
    explanation
  };
}

export function sampleAssets(): AssetResult[] {
  return [
    asset({
      hostname: 'EMPFANG-PC',
      ip: '192.168.10.21',
      os: win10(4291),
      windows: behind(19045, 4291, 'KB5053606', 5608, '2025-03-11', 11, 'Windows 10 22H2'),
      findings: { critical: 2, high: 5, medium: 7, low: 1, info: 34 }
    }),
    asset({
      hostname: 'BEHANDLUNG-1',
      ip: '192.168.10.31',
      os: {
        family: 'windows',
        name: 'Microsoft Windows 11 Pro',
        version: '10.0.22631',
        build: 22631,
        revision: 4890,
        productType: 'client'
      },
      windows: behind(22631, 4890, 'KB5053602', 5039, '2025-03-11', 3, 'Windows 11 23H2'),
      findings: { high: 2, medium: 3, info: 28 }
    }),
    asset({
      hostname: 'SERVER-DC01',
      ip: '192.168.10.2',
      os: {
        family: 'windows',
        name: 'Microsoft Windows Server 2019 Standard',
        version: '10.0.17763',
        build: 17763,
        revision: 7009,
        productType: 'server'
      },
      windows: upToDate(17763, 7009, 'KB5053596', 'Windows Server 2019'),
      findings: { medium: 1, info: 41 }
    }),
    asset({
      hostname: 'ROENTGEN-BILDGEBUNG-ARBEITSPLATZ-02.praxis-mueller.local',
      ip: '192.168.10.40',
      os: win10(undefined, 'Microsoft Windows 10 Enterprise LTSC 2019'),
      windows: unknown(
        17763,
        'systeminfo lists no cumulative update, so the installed revision cannot be told.'
      ),
      findings: { critical: 1, info: 12 }
    }),
    asset({
      hostname: 'NAS-01',
      ip: '192.168.10.5',
      os: { family: 'linux', name: 'Synology DSM', version: '7.2.1' },
      findings: { medium: 2, low: 3, info: 15 },
      role: 'other'
    }),
    asset({
      hostname: 'LAPTOP-CHEFIN',
      ip: '192.168.10.50',
      os: {
        family: 'windows',
        name: 'Microsoft Windows 11 Pro',
        version: '10.0.26100',
        build: 26100,
        revision: 3476,
        productType: 'client'
      },
      windows: upToDate(26100, 3476, 'KB5053598', 'Windows 11 24H2'),
      findings: { low: 1, info: 20 }
    }),
    asset({
      hostname: 'DRUCKER-EMPFANG',
      ip: '192.168.10.60',
      os: { family: 'network', name: 'HP LaserJet Pro MFP M428fdw' },
      findings: { low: 1, info: 6 },
      role: 'network'
    })
  ];
}

/** Totals as the engine computes them. */
export function totalsOf(assets: readonly AssetResult[]): ResultTotals {
  return computeTotals(assets);
}

export function results(assets: AssetResult[] = sampleAssets()): EngagementResults {
  return {
    engagementId: 'eng-2025-03-14-mueller',
    asOf: '2025-03-14',
    catalog: [
      { part: 'windows-builds', source: 'Microsoft release health', snapshotDate: '2025-03-12', records: 412 }
    ],
    files: [
      { id: 'file-sysinfo', name: 'systeminfo.csv', format: 'systeminfo-csv', hosts: 5 },
      { id: 'file-nessus', name: 'praxis.nessus', format: 'nessus-v2', hosts: 7 }
    ],
    catalogMissing: [],
    freshness: [{ part: 'windows-builds', ageDays: 2, maxAgeDays: 35, stale: false }],
    settings: DEFAULT_ENGAGEMENT_SETTINGS,
    assets,
    gaps: [],
    waves: [],
    misses: [],
    score: scoreEngagement({
      assets: assets.map((a) => ({
        id: a.asset.id,
        status: a.status,
        monthsBehind: a.windows?.monthsBehind ?? null
      })),
      gaps: [],
      asOf: '2025-03-14'
    }),
    totals: totalsOf(assets),
    problems: []
  };
}

/** `count` assets cycling through the sample's kinds, with numbered host names. */
export function manyAssets(count: number): AssetResult[] {
  const kinds = sampleAssets();
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length] as AssetResult;
    const hostname = `${kind.asset.hostname.split('.')[0]}-${String(i + 1).padStart(4, '0')}`;
    return { ...kind, asset: { ...kind.asset, id: `asset-${i}`, hostname } };
  });
}

export function reportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    engagement: engagement(),
    results: results(),
    mspName: 'Brightline IT Services GmbH',
    generatedAt: '2025-03-14T16:30:00.000Z',
    pageSize: 'A4',
    ...overrides
  };
}
