import type {
  Asset,
  AssetRole,
  FileFormat,
  HostObservation,
  InstalledUpdate,
  OsInfo,
  Software
} from '../model';
import { stableId } from './hash';

/** A host observation with the file it came from. */
export interface SourcedHost {
  fileId: string;
  fileName: string;
  format: FileFormat;
  host: HostObservation;
}

export interface MergedAsset {
  asset: Asset;
  /** The observations merged into this asset, in input order. */
  members: SourcedHost[];
}

/** Formats that state the host name as the machine knows it (preferred for the asset's display name). */
const NAME_AUTHORITY: Partial<Record<FileFormat, number>> = {
  'systeminfo-text': 3,
  'systeminfo-csv': 3,
  'windows-currentversion': 3,
  'patchfield-collector': 3,
  'nessus-v2': 2
};
const authority = (f: FileFormat): number => NAME_AUTHORITY[f] ?? 1;

/**
 * Merges observations of the same machine from several files into one asset.
 * Same short host name, FQDN or MAC address → same machine. Same IP address → same machine only when the
 * host names do not disagree (DHCP hands one address to several machines over time).
 */
export function mergeHosts(hosts: readonly SourcedHost[]): MergedAsset[] {
  const parent = hosts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  const strongOwner = new Map<string, number>();
  hosts.forEach((h, i) => {
    for (const token of strongTokens(h.host)) {
      const owner = strongOwner.get(token);
      if (owner === undefined) strongOwner.set(token, i);
      else union(owner, i);
    }
  });

  // IP links, only between groups whose names agree (or where one side has no name).
  const namesOf = (root: number): Set<string> => {
    const names = new Set<string>();
    hosts.forEach((h, i) => {
      if (find(i) === root) {
        const n = shortName(h.host);
        if (n) names.add(n);
      }
    });
    return names;
  };
  const ipOwner = new Map<string, number>();
  hosts.forEach((h, i) => {
    for (const ip of h.host.ips.filter(isLinkableIp)) {
      const owner = ipOwner.get(ip);
      if (owner === undefined) {
        ipOwner.set(ip, i);
        continue;
      }
      const a = namesOf(find(owner));
      const b = namesOf(find(i));
      const disagree = a.size > 0 && b.size > 0 && ![...a].some((n) => b.has(n));
      if (!disagree) union(owner, i);
    }
  });

  const groups = new Map<number, SourcedHost[]>();
  hosts.forEach((h, i) => {
    const root = find(i);
    const list = groups.get(root) ?? [];
    list.push(h);
    groups.set(root, list);
  });

  const merged = [...groups.values()].map((members) => ({ asset: buildAsset(members), members }));
  merged.sort(
    (a, b) => a.asset.hostname.localeCompare(b.asset.hostname, 'en') || a.asset.id.localeCompare(b.asset.id)
  );
  return merged;
}

function strongTokens(h: HostObservation): string[] {
  const tokens: string[] = [];
  const name = shortName(h);
  if (name) tokens.push(`name:${name}`);
  if (h.fqdn && h.fqdn.includes('.')) tokens.push(`fqdn:${h.fqdn.toLowerCase()}`);
  for (const mac of h.macs) {
    const m = mac.toLowerCase();
    if (!/^(00[:-]){5}00$/.test(m)) tokens.push(`mac:${m}`);
  }
  return tokens;
}

/** The machine's short name in lower case: NetBIOS-style name, or the first label of its FQDN. */
export function shortName(h: HostObservation): string | undefined {
  const raw = h.hostname ?? (h.fqdn && !isIp(h.fqdn) ? h.fqdn.split('.')[0] : undefined);
  const name = raw?.split('\\').pop()?.trim().toLowerCase();
  return name && !isIp(name) ? name : undefined;
}

function isIp(text: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) || (/^[0-9a-f:]+$/i.test(text) && text.includes(':'));
}

function isLinkableIp(ip: string): boolean {
  const v = ip.toLowerCase();
  return !(
    v.startsWith('127.') ||
    v === '0.0.0.0' ||
    v === '::1' ||
    v.startsWith('fe80:') ||
    v.startsWith('169.254.') ||
    v === '255.255.255.255'
  );
}

function buildAsset(members: SourcedHost[]): Asset {
  const byAuthority = [...members].sort((a, b) => authority(b.format) - authority(a.format));
  const named = byAuthority.find((m) => m.host.hostname) ?? byAuthority.find((m) => m.host.fqdn);
  const fqdn = members.map((m) => m.host.fqdn).find((f) => f && f.includes('.') && !isIp(f));
  const ips = sortIps(unique(members.flatMap((m) => m.host.ips)));
  const macs = unique(members.flatMap((m) => m.host.macs.map((x) => x.toLowerCase()))).sort();
  const hostname =
    named?.host.hostname?.split('\\').pop()?.trim() ||
    (fqdn ? fqdn.split('.')[0] : undefined) ||
    ips[0] ||
    members[0]!.host.key;

  const os = mergeOs(members.map((m) => m.host.os).filter((o): o is OsInfo => o !== undefined));
  const installedUpdates = mergeUpdates(members.flatMap((m) => m.host.installedUpdates));
  const software = mergeSoftware(members.flatMap((m) => m.host.software));
  const identity =
    shortName(members.find((m) => shortName(m.host))?.host ?? members[0]!.host) ??
    ips[0] ??
    members[0]!.host.key;

  return {
    id: stableId('a', identity),
    hostname,
    ...(fqdn ? { fqdn } : {}),
    ips,
    macs,
    os,
    role: roleOf(os),
    sources: members.map((m) => ({
      fileId: m.fileId,
      fileName: m.fileName,
      format: m.format,
      hostKey: m.host.key
    })),
    installedUpdates,
    software
  };
}

/** The most informative OS facts across sources; a revision only from a source that stated it for the same build. */
function mergeOs(list: OsInfo[]): OsInfo {
  const known = list.filter((o) => o.family !== 'unknown');
  if (known.length === 0) return { family: 'unknown' };
  const score = (o: OsInfo): number =>
    (o.build !== undefined ? 4 : 0) + (o.revision !== undefined ? 2 : 0) + (o.edition ? 1 : 0);
  const best = [...known].sort((a, b) => score(b) - score(a))[0]!;
  const merged: OsInfo = { ...best };
  for (const o of known) {
    if (merged.build === undefined && o.build !== undefined) merged.build = o.build;
    if (o.build === merged.build && o.revision !== undefined) {
      merged.revision = Math.max(merged.revision ?? 0, o.revision);
    }
    if (!merged.productType && o.productType) merged.productType = o.productType;
    if (!merged.name && o.name) merged.name = o.name;
    if (!merged.version && o.version) merged.version = o.version;
    if (!merged.edition && o.edition) merged.edition = o.edition;
  }
  return merged;
}

function mergeUpdates(list: InstalledUpdate[]): InstalledUpdate[] {
  const byKb = new Map<string, InstalledUpdate>();
  for (const u of list) {
    const prev = byKb.get(u.kb);
    if (!prev) byKb.set(u.kb, { ...u });
    else {
      if (!prev.installedOn && u.installedOn) prev.installedOn = u.installedOn;
      if (!prev.description && u.description) prev.description = u.description;
    }
  }
  return [...byKb.values()].sort((a, b) => a.kb.localeCompare(b.kb));
}

function mergeSoftware(list: Software[]): Software[] {
  const seen = new Map<string, Software>();
  for (const s of list) {
    const key = `${s.name.toLowerCase()}|${s.version ?? ''}`;
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

function roleOf(os: OsInfo): AssetRole {
  if (os.productType === 'server') return 'server';
  if (os.productType === 'client') return 'workstation';
  if (os.family === 'network') return 'network';
  return 'unknown';
}

function unique<T>(list: T[]): T[] {
  return [...new Set(list)];
}

function sortIps(ips: string[]): string[] {
  const v4 = ips.filter((ip) => !ip.includes(':'));
  const v6 = ips.filter((ip) => ip.includes(':'));
  const key = (ip: string): string =>
    ip
      .split('.')
      .map((p) => p.padStart(3, '0'))
      .join('.');
  return [...v4.sort((a, b) => key(a).localeCompare(key(b))), ...v6.sort()];
}
