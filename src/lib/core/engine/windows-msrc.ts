import { windowsReleaseBuild } from '../versions/windows';
import type { MsrcPart, MsrcRow, WesngPart } from '../catalog/parts';
import type { OsInfo } from '../model';

/**
 * Windows lookups over the MSRC and wesng parts: which MSRC products an asset is, which CVEs its installed build
 * revision leaves open, what a KB is and what it supersedes, and which product a Microsoft scanner finding's
 * update belongs to.
 */

type Arch = 'x64' | 'x86' | 'arm64' | 'arm' | 'ia64' | 'hololens';

/** An MSRC operating-system product, taken apart from its name. */
interface OsProduct {
  id: string;
  name: string;
  /** The release line, lower case, without architecture, service pack or installation option: "windows 10 version 22h2". */
  line: string;
  /** Undefined when the name states none (e.g. "Windows Server 2019", x64 only). */
  arch: Arch | undefined;
  core: boolean;
}

/** Names of the operating systems themselves (not "X on Windows Server", not Windows apps such as Terminal). */
const OS_NAME = /^windows (?:vista|7|8\.1|rt 8\.1|10|11|server)\b/i;

/** MSRC release line by build number, per product type. */
const CLIENT_LINES: Record<number, string> = {
  6001: 'windows vista',
  6002: 'windows vista',
  6003: 'windows vista',
  7600: 'windows 7',
  7601: 'windows 7',
  9600: 'windows 8.1',
  10240: 'windows 10',
  10586: 'windows 10 version 1511',
  14393: 'windows 10 version 1607',
  15063: 'windows 10 version 1703',
  16299: 'windows 10 version 1709',
  17134: 'windows 10 version 1803',
  17763: 'windows 10 version 1809',
  18362: 'windows 10 version 1903',
  18363: 'windows 10 version 1909',
  19041: 'windows 10 version 2004',
  19042: 'windows 10 version 20h2',
  19043: 'windows 10 version 21h1',
  19044: 'windows 10 version 21h2',
  19045: 'windows 10 version 22h2',
  22000: 'windows 11 version 21h2',
  22621: 'windows 11 version 22h2',
  22631: 'windows 11 version 23h2',
  26100: 'windows 11 version 24h2',
  26200: 'windows 11 version 25h2',
  28000: 'windows 11 version 26h1'
};
const SERVER_LINES: Record<number, string> = {
  6001: 'windows server 2008',
  6002: 'windows server 2008',
  6003: 'windows server 2008',
  7600: 'windows server 2008 r2',
  7601: 'windows server 2008 r2',
  9200: 'windows server 2012',
  9600: 'windows server 2012 r2',
  14393: 'windows server 2016',
  16299: 'windows server, version 1709',
  17134: 'windows server, version 1803',
  17763: 'windows server 2019',
  18362: 'windows server, version 1903',
  18363: 'windows server, version 1909',
  19041: 'windows server, version 2004',
  19042: 'windows server, version 20h2',
  20348: 'windows server 2022',
  25398: 'windows server 2022, 23h2 edition',
  26100: 'windows server 2025'
};
/** Builds by name, for sources that give a name but no build (legacy inventories). */
const NAMED_BUILDS: [RegExp, number][] = [
  [/server 2025/i, 26100],
  [/server 2022/i, 20348],
  [/server 2019/i, 17763],
  [/server 2016/i, 14393],
  [/server 2012 r2/i, 9600],
  [/server 2012/i, 9200],
  [/server 2008 r2/i, 7601],
  [/server 2008/i, 6003],
  [/windows 8\.1/i, 9600],
  [/windows 7/i, 7601],
  [/windows vista/i, 6003]
];
function parseOsProduct(id: string, rawName: string): OsProduct | undefined {
  const name = rawName.replace(/\s+/g, ' ').trim();
  if (!OS_NAME.test(name)) return undefined;
  const core = /\(server core installation\)/i.test(name);
  let arch: Arch | undefined;
  if (/x64-based|x64 edition/i.test(name)) arch = 'x64';
  else if (/32-bit/i.test(name)) arch = 'x86';
  else if (/arm64/i.test(name)) arch = 'arm64';
  else if (/itanium/i.test(name)) arch = 'ia64';
  else if (/hololens/i.test(name)) arch = 'hololens';
  else if (/^windows rt\b/i.test(name)) arch = 'arm';
  else if (/^windows vista\b/i.test(name)) arch = 'x86';
  const line = name
    .replace(/\s*\(server core installation\)/i, '')
    .replace(/\s+service pack \d+/i, '')
    .replace(/\s+x64 edition/i, '')
    .replace(/\s+for\s+.*$/i, '')
    .trim()
    .toLowerCase();
  return { id, name: rawName, line, arch, core };
}

/** The asset's architecture as MSRC names it; x64 when the source says nothing. */
function assetArch(os: OsInfo): Arch {
  const a = (os.architecture ?? '').toLowerCase();
  if (/arm64|aarch64/.test(a)) return 'arm64';
  if (/\barm\b|armv7/.test(a)) return 'arm';
  if (/ia64|itanium/.test(a)) return 'ia64';
  if (/x86_64|amd64|x64|64/.test(a)) return 'x64';
  if (/x86|32|i[3-6]86/.test(a)) return 'x86';
  return 'x64';
}

function isServerCore(os: OsInfo): boolean {
  const text = `${os.name ?? ''} ${os.edition ?? ''}`;
  // "Server Core" in a name; EditionID values like ServerStandardCore, ServerDatacenterCore, ServerDatacenterACor.
  return /server core|core installation/i.test(text) || /\bserver\w*(?:core|acor)\b/i.test(os.edition ?? '');
}

function productTypeOf(os: OsInfo): 'client' | 'server' {
  if (os.productType) return os.productType;
  return /server/i.test(`${os.name ?? ''} ${os.edition ?? ''}`) ? 'server' : 'client';
}

function buildOf(os: OsInfo): number | undefined {
  if (os.build !== undefined) return os.build;
  const fromVersion = /^\d+\.\d+\.(\d+)/.exec(os.version ?? '');
  if (fromVersion) return Number(fromVersion[1]);
  const name = os.name ?? '';
  const family = /windows 11/i.test(name)
    ? 'windows 11'
    : /windows 10/i.test(name)
      ? 'windows 10'
      : undefined;
  const display = (os.displayVersion ?? '').toLowerCase();
  if (family && display) return windowsReleaseBuild(family === 'windows 11' ? '11' : '10', display);
  for (const [pattern, build] of NAMED_BUILDS) if (pattern.test(name)) return build;
  return undefined;
}

/** The release line an asset belongs to, e.g. "windows 10 version 22h2" or "windows server 2022". */
function lineOf(os: OsInfo, arch: Arch): string | undefined {
  const build = buildOf(os);
  if (build === undefined) return undefined;
  const type = productTypeOf(os);
  const line = (type === 'server' ? SERVER_LINES : CLIENT_LINES)[build];
  if (line === 'windows 8.1' && arch === 'arm') return 'windows rt 8.1';
  return line;
}

export interface OpenCve {
  cve: string;
  kb: string;
  fixedBuild: string;
  severity: string;
  exploited: boolean;
  month: string;
}

const SEVERITY_RANK: Record<string, number> = { critical: 4, important: 3, moderate: 2, low: 1 };

interface FixRow {
  row: MsrcRow;
  build: number;
  revision: number;
}

/** Lookups over the MSRC part; build once per catalog and reuse for every asset. */
export function createMsrcIndex(msrc: MsrcPart): {
  productsFor(os: OsInfo): { ids: string[]; names: string[] };
  openCves(productIds: string[], build: number, installedRevision: number): OpenCve[];
} {
  const osProducts: OsProduct[] = [];
  for (const [id, name] of msrc.products) {
    const p = parseOsProduct(id, name);
    if (p) osProducts.push(p);
  }
  const fixes = new Map<string, FixRow[]>();
  for (const row of msrc.rows) {
    // "10.0.19045.6093" (or "6.3.9600.20337" on older Windows): the last two parts are build and revision.
    const m = /^\d+\.\d+\.(\d+)\.(\d+)$/.exec(row[3]);
    if (!m) continue;
    let list = fixes.get(row[1]);
    if (!list) {
      list = [];
      fixes.set(row[1], list);
    }
    list.push({ row, build: Number(m[1]), revision: Number(m[2]) });
  }

  return {
    productsFor(os: OsInfo) {
      const arch = assetArch(os);
      const line = lineOf(os, arch);
      if (!line) return { ids: [], names: [] };
      const candidates = osProducts.filter(
        (p) => p.line === line && (p.arch === undefined || p.arch === arch)
      );
      const core = isServerCore(os);
      let chosen = candidates.filter((p) => p.core === core);
      // A release MSRC lists under one installation option only (Server 2022 23H2 is Server Core only; Server 2008
      // R2 for Itanium has no core product) applies whichever option the asset runs.
      if (chosen.length === 0) chosen = candidates;
      return { ids: chosen.map((p) => p.id), names: chosen.map((p) => p.name) };
    },

    openCves(productIds: string[], build: number, installedRevision: number): OpenCve[] {
      const byCve = new Map<string, { best: FixRow; severity: string; exploited: boolean }>();
      for (const id of new Set(productIds)) {
        for (const fix of fixes.get(id) ?? []) {
          if (fix.build !== build || fix.revision <= installedRevision) continue;
          const cve = fix.row[0];
          const seen = byCve.get(cve);
          if (!seen) {
            byCve.set(cve, { best: fix, severity: fix.row[4], exploited: fix.row[5] });
            continue;
          }
          if (
            fix.revision > seen.best.revision ||
            (fix.revision === seen.best.revision && fix.row[6] > seen.best.row[6])
          ) {
            seen.best = fix;
          }
          if (
            (SEVERITY_RANK[fix.row[4].toLowerCase()] ?? 0) > (SEVERITY_RANK[seen.severity.toLowerCase()] ?? 0)
          ) {
            seen.severity = fix.row[4];
          }
          seen.exploited ||= fix.row[5];
        }
      }
      return [...byCve.values()]
        .map(({ best, severity, exploited }) => ({
          cve: best.row[0],
          kb: best.row[2],
          fixedBuild: best.row[3],
          severity,
          exploited,
          month: best.row[6]
        }))
        .sort((a, b) =>
          a.month !== b.month ? (a.month < b.month ? -1 : 1) : a.cve < b.cve ? -1 : a.cve > b.cve ? 1 : 0
        );
    }
  };
}

export interface WesngKbInfo {
  date: string;
  title: string;
  products: string[];
  supersedes: string[];
}

export interface WesngIndex {
  kb(kb: string): WesngKbInfo | undefined;
  /** Whether `newKb` replaces `oldKb`, directly or through a chain of supersedence; true when they are the same. */
  supersededBy(oldKb: string, newKb: string): boolean;
}

function normalizeKb(kb: string): string {
  const m = /^(?:KB)?\s*(\d{6,7})$/i.exec(kb.trim());
  return m ? `KB${m[1]}` : kb.trim().toUpperCase();
}

/** Lookups over the wesng part. */
export function createWesngIndex(wesng: WesngPart): WesngIndex {
  const byKb = new Map<string, WesngPart['kbs'][number]>();
  for (const entry of wesng.kbs) byKb.set(entry[0], entry);
  return {
    kb(kb: string) {
      const entry = byKb.get(normalizeKb(kb));
      if (!entry) return undefined;
      return {
        date: entry[1],
        title: entry[4],
        products: entry[3].map((i) => wesng.products[i] ?? '').filter(Boolean),
        supersedes: [...entry[2]]
      };
    },
    supersededBy(oldKb: string, newKb: string) {
      const target = normalizeKb(oldKb);
      const start = normalizeKb(newKb);
      if (target === start) return true;
      // Breadth-first over the Supersedes lists; the visited set guards against cycles in the data.
      const visited = new Set<string>([start]);
      const queue = [start];
      for (let i = 0; i < queue.length; i++) {
        for (const older of byKb.get(queue[i] as string)?.[2] ?? []) {
          if (older === target) return true;
          if (!visited.has(older)) {
            visited.add(older);
            queue.push(older);
          }
        }
      }
      return false;
    }
  };
}

/** Products that Microsoft ships updates for apart from the Windows cumulative updates, by title or product name. */
const PRODUCT_RULES: [RegExp, string][] = [
  [/flash player/i, 'Adobe Flash Player'],
  [/internet explorer|\bIE ?(?:9|10|11)\b/i, 'Internet Explorer'],
  [/microsoft edge|\bedge\b.*\b(?:chromium|edgehtml)\b/i, 'Microsoft Edge'],
  [/asp\.net core|\.net core|\.net (?:[5-9]|1\d)(?:\.\d+)?\b/i, 'Microsoft .NET'],
  [/\.net framework|\.net\b/i, 'Microsoft .NET Framework'],
  [/sql server/i, 'Microsoft SQL Server'],
  [/exchange server|microsoft exchange/i, 'Microsoft Exchange Server'],
  [/sharepoint/i, 'Microsoft SharePoint Server'],
  [/visual studio code|\bvs code\b/i, 'Microsoft Visual Studio Code'],
  [/visual studio/i, 'Microsoft Visual Studio'],
  [/\bteams\b/i, 'Microsoft Teams'],
  [/silverlight/i, 'Microsoft Silverlight'],
  [/malware protection engine|windows defender|microsoft defender/i, 'Microsoft Defender'],
  [/dynamics (?:365|crm|nav|ax)/i, 'Microsoft Dynamics'],
  [
    /\boffice\b|\bexcel\b|\bword\b|\boutlook\b|powerpoint|onenote|microsoft access|microsoft publisher|\bvisio\b|microsoft project|skype for business|\blync\b|infopath|office web apps|office online server|\bmicrosoft 365 apps\b/i,
    'Microsoft Office'
  ]
];

/** A Windows update that the monthly cumulative update (or rollup, security-only, servicing stack update) covers. */
const WINDOWS_ROLLUP =
  /cumulative update|cumulative security update for windows|monthly rollup|quality rollup|security[- ]only|servicing stack|security updates? for (?:microsoft )?windows|windows (?:7|8\.1|10|11|rt|server|vista)\b.*\b(?:security )?update\b/i;

interface Classified {
  product: string;
  windowsRollup: boolean;
}

function classifyText(text: string): Classified | undefined {
  for (const [pattern, product] of PRODUCT_RULES) {
    if (pattern.test(text)) return { product, windowsRollup: false };
  }
  if (/\bwindows\b/i.test(text)) return { product: 'Windows', windowsRollup: WINDOWS_ROLLUP.test(text) };
  return undefined;
}

/** A wesng product name: a Windows release itself means a Windows update; "X on Windows ..." means X. */
function classifyProductName(name: string): Classified | undefined {
  if (OS_NAME.test(name.trim())) return { product: 'Windows', windowsRollup: true };
  return classifyText(name);
}

/**
 * Which action a Microsoft bulletin or missing-update finding belongs to: the Windows cumulative update
 * (`windowsRollup`, product "Windows") or another product's update, named the same way every time. The title
 * decides; when it names no product, the wesng products and titles of the finding's KBs vote.
 */
export function classifyMicrosoftUpdate(
  title: string,
  kbs: string[],
  wesng?: WesngIndex
): { product: string; windowsRollup: boolean } {
  const fromTitle = classifyText(title);
  if (fromTitle) return fromTitle;
  if (wesng) {
    const votes = new Map<string, { count: number; result: Classified }>();
    for (const kb of kbs) {
      const info = wesng.kb(kb);
      if (!info) continue;
      const named = info.products.map(classifyProductName).filter((c): c is Classified => c !== undefined);
      // A KB for a Windows release is a Windows update, even where it also lists IE or Edge on that release.
      const result = named.find((c) => c.product === 'Windows') ?? named[0] ?? classifyText(info.title);
      if (!result) continue;
      const key = `${result.product}\u0001${result.windowsRollup}`;
      const vote = votes.get(key);
      if (vote) vote.count += 1;
      else votes.set(key, { count: 1, result });
    }
    let best: { count: number; result: Classified } | undefined;
    for (const vote of votes.values()) if (!best || vote.count > best.count) best = vote;
    if (best) return best.result;
  }
  return { product: 'Windows', windowsRollup: false };
}
