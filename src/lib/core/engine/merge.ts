import type {
  Asset,
  AssetRole,
  AssetSource,
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
  /** When the file was imported: the newer file of the same format replaces an older one's data for a host. */
  importedAt?: string;
}

export interface MergedAsset {
  asset: Asset;
  /** The observations merged into this asset, in input order (superseded ones left out). */
  members: SourcedHost[];
  /** Observations of this machine replaced by a newer file of the same format. */
  superseded: SourcedHost[];
}

/**
 * What the technician decided by hand, kept per engagement and applied on every computation (so it survives
 * re-imports): pairs of observations that are the same machine, and observations that are a machine of their own.
 * Observations are named by their anchor (see observationAnchor).
 */
export interface IdentityDecisions {
  merges: [string, string][];
  splits: string[];
}

export const NO_DECISIONS: IdentityDecisions = { merges: [], splits: [] };

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
 * A stable name for one observation that survives re-importing the same (or an updated) file: its format and the
 * host key the file gives it. Files that describe one unnamed machine (key "local") are told apart by file name.
 */
export function observationAnchor(h: Pick<SourcedHost, 'format' | 'fileName' | 'host'>): string {
  const key = h.host.key.trim().toLowerCase();
  return key === 'local' ? `${h.format}|local|${h.fileName.toLowerCase()}` : `${h.format}|${key}`;
}

/** Identity facts of one observation, normalised. */
interface Identity {
  name?: string | undefined;
  fqdn?: string | undefined;
  ips: string[];
  macs: string[];
  hostIds: string[];
}

function identityOf(h: HostObservation): Identity {
  return {
    name: shortName(h),
    fqdn: normalizeFqdn(h.fqdn),
    ips: unique(h.ips.map(normalizeIp).filter((ip): ip is string => ip !== undefined)),
    macs: unique(h.macs.map(normalizeMac).filter((m): m is string => m !== undefined)),
    hostIds: unique((h.hostIds ?? []).map((id) => id.trim().toLowerCase()).filter(Boolean))
  };
}

/**
 * Merges observations of the same machine from several files into one asset. The rules, strongest first:
 * 1. the same scanner/agent host id ("qualys:123") → same machine; two different ids of the same tool → different;
 * 2. the same MAC address → same machine (a renamed PC keeps its MAC);
 * 3. the same FQDN → same machine;
 * 4. the same short host name → same machine, unless both sides have FQDNs in different domains;
 * 5. the same IP address → same machine only when the host names agree or one side has none
 *    (DHCP hands one address to several machines over time: same IP, different name → different assets).
 * Loopback, link-local and broadcast addresses never link. Images and applications scanned by SCA tools join only
 * by their own ids, never a machine by name (Trivy calls a Debian image "debian"). Decisions the technician made by hand come last and win.
 * Within one machine, a newer file of a format replaces an older file of the same format.
 */
export function mergeHosts(
  hosts: readonly SourcedHost[],
  decisions: IdentityDecisions = NO_DECISIONS
): MergedAsset[] {
  const ids = hosts.map((h) => identityOf(h.host));
  const anchors = hosts.map((h) => observationAnchor(h));
  const split = new Set(decisions.splits);
  const parent = hosts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const members = (root: number): number[] => hosts.map((_, i) => i).filter((i) => find(i) === root);
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const collect = (root: number, pick: (id: Identity) => (string | undefined)[]): Set<string> =>
    new Set(members(root).flatMap((i) => pick(ids[i]!).filter((v): v is string => Boolean(v))));

  /** Would joining these two groups contradict what they say about themselves? */
  const conflicts = (ra: number, rb: number, via: 'hostId' | 'mac' | 'fqdn' | 'name' | 'ip'): boolean => {
    const toolIds = (root: number): Map<string, Set<string>> => {
      const byTool = new Map<string, Set<string>>();
      for (const id of collect(root, (x) => x.hostIds)) {
        const tool = id.split(':')[0]!;
        byTool.set(tool, (byTool.get(tool) ?? new Set()).add(id));
      }
      return byTool;
    };
    const ta = toolIds(ra);
    const tb = toolIds(rb);
    for (const [tool, set] of ta) {
      const other = tb.get(tool);
      if (other && ![...set].some((v) => other.has(v))) return true;
    }
    if (via === 'hostId' || via === 'mac' || via === 'fqdn') return false;
    if (via === 'name') {
      const fa = collect(ra, (x) => [x.fqdn]);
      const fb = collect(rb, (x) => [x.fqdn]);
      const domains = (set: Set<string>): Set<string> =>
        new Set([...set].map((f) => f.split('.').slice(1).join('.')));
      const da = domains(fa);
      const db = domains(fb);
      return da.size > 0 && db.size > 0 && ![...da].some((d) => db.has(d));
    }
    const na = collect(ra, (x) => [x.name]);
    const nb = collect(rb, (x) => [x.name]);
    return na.size > 0 && nb.size > 0 && ![...na].some((n) => nb.has(n));
  };

  const link = (
    via: 'hostId' | 'mac' | 'fqdn' | 'name' | 'ip',
    tokens: (id: Identity) => (string | undefined)[]
  ): void => {
    const owner = new Map<string, number>();
    hosts.forEach((h, i) => {
      if (split.has(anchors[i]!)) return;
      // A container image or an application is not a machine: only its own ids (e.g. the image digest) join it.
      if (via !== 'hostId' && h.host.kind && h.host.kind !== 'machine') return;
      for (const token of tokens(ids[i]!)) {
        if (!token) continue;
        const o = owner.get(token);
        if (o === undefined) owner.set(token, i);
        else if (find(o) !== find(i) && !conflicts(find(o), find(i), via)) union(o, i);
      }
    });
  };
  link('hostId', (x) => x.hostIds);
  link('mac', (x) => x.macs);
  link('fqdn', (x) => [x.fqdn]);
  link('name', (x) => [x.name]);
  link('ip', (x) => x.ips.filter(isLinkableIp));

  // Observations the technician split off stay together only with observations of the same anchor.
  const byAnchor = new Map<string, number>();
  hosts.forEach((_, i) => {
    const a = anchors[i]!;
    if (!split.has(a)) return;
    const o = byAnchor.get(a);
    if (o === undefined) byAnchor.set(a, i);
    else union(o, i);
  });
  for (const [a, b] of decisions.merges) {
    const ia = anchors.indexOf(a);
    const ib = anchors.indexOf(b);
    if (ia >= 0 && ib >= 0) union(ia, ib);
  }

  const groups = new Map<number, number[]>();
  hosts.forEach((_, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), i]);
  });

  const merged = [...groups.values()].map((indices) => {
    const { kept, superseded } = newestPerFormat(indices.map((i) => hosts[i]!));
    const asset = buildAsset(
      kept,
      indices.map((i) => ids[i]!),
      indices.map((i) => anchors[i]!)
    );
    if (superseded.length > 0) asset.superseded = superseded.map(sourceOf);
    return { asset, members: kept, superseded };
  });
  // Two machines that share an identity (two servers both called SRV-FILES, kept apart by a split or by
  // different host ids) still need different ids: the colliding ones take their observations' anchors into it.
  const seen = new Map<string, number>();
  for (const m of merged) seen.set(m.asset.id, (seen.get(m.asset.id) ?? 0) + 1);
  for (const m of merged) {
    if ((seen.get(m.asset.id) ?? 0) > 1) {
      const anchorsOf = [...m.asset.sources, ...(m.asset.superseded ?? [])].map((x) => x.anchor).sort();
      m.asset.id = stableId('a', `${m.asset.id}|${anchorsOf.join('|')}`);
    }
  }
  merged.sort(
    (a, b) => a.asset.hostname.localeCompare(b.asset.hostname, 'en') || a.asset.id.localeCompare(b.asset.id)
  );
  return merged;
}

function sourceOf(m: SourcedHost): AssetSource {
  return {
    fileId: m.fileId,
    fileName: m.fileName,
    format: m.format,
    hostKey: m.host.key,
    anchor: observationAnchor(m)
  };
}

/** Of several files of one format about the same machine, the newest (by import time, then input order) counts. */
function newestPerFormat(list: SourcedHost[]): { kept: SourcedHost[]; superseded: SourcedHost[] } {
  const newestFile = new Map<FileFormat, { fileId: string; at: string; order: number }>();
  list.forEach((m, order) => {
    const at = m.importedAt ?? '';
    const cur = newestFile.get(m.format);
    if (!cur || at > cur.at || (at === cur.at && order > cur.order))
      newestFile.set(m.format, { fileId: m.fileId, at, order });
  });
  const kept = list.filter((m) => newestFile.get(m.format)!.fileId === m.fileId);
  return { kept, superseded: list.filter((m) => !kept.includes(m)) };
}

/** The machine's short name in lower case: NetBIOS-style name, or the first label of its FQDN. */
export function shortName(h: HostObservation): string | undefined {
  const raw = h.hostname ?? (h.fqdn && !isIp(h.fqdn) ? h.fqdn : undefined);
  const base = raw?.split('\\').pop()?.trim().toLowerCase();
  if (!base || isIp(base)) return undefined;
  return base.split('.')[0] || undefined;
}

export function normalizeFqdn(fqdn: string | undefined): string | undefined {
  const f = fqdn?.trim().toLowerCase().replace(/\.$/, '');
  return f && f.includes('.') && !isIp(f) ? f : undefined;
}

/** "010.000.000.005" → "10.0.0.5"; IPv6 in its RFC 5952 form ("2001:DB8:0:0::1" → "2001:db8::1"). */
export function normalizeIp(ip: string): string | undefined {
  const v = ip
    .trim()
    .toLowerCase()
    .replace(/%.*$/, '')
    .replace(/^\[|\]$/g, '');
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? parts.join('.') : undefined;
  }
  if (!v.includes(':') || !/^[0-9a-f:.]+$/.test(v)) return undefined;
  const [head = '', tail] = v.split('::');
  if (v.split('::').length > 2) return undefined;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  if (t.length > 0 && t[t.length - 1]!.includes('.')) return v; // IPv4-mapped: keep as written
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array<string>(Math.max(0, fill)).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const words = groups.map((g) => g.replace(/^0+(?=.)/, ''));
  // Compress the longest run (≥ 2) of zero groups, the first one on a tie.
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return words.join(':');
  return `${words.slice(0, best.start).join(':')}::${words.slice(best.start + best.len).join(':')}`;
}

/** Any common spelling of a MAC ("00-1A-2B-3C-4D-5E", "001a.2b3c.4d5e", "001A2B3C4D5E") → "00:1a:2b:3c:4d:5e". */
export function normalizeMac(mac: string): string | undefined {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || /^0+$/.test(hex) || /^f+$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
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

function buildAsset(members: SourcedHost[], identities: Identity[], anchors: string[]): Asset {
  const byAuthority = [...members].sort((a, b) => authority(b.format) - authority(a.format));
  const named = byAuthority.find((m) => m.host.hostname) ?? byAuthority.find((m) => m.host.fqdn);
  const fqdn = members.map((m) => normalizeFqdn(m.host.fqdn)).find((f) => f !== undefined);
  const ips = sortIps(unique(identities.flatMap((i) => i.ips)));
  const macs = unique(identities.flatMap((i) => i.macs)).sort();
  const unnamed = members[0]!;
  const hostname =
    named?.host.hostname?.split('\\').pop()?.trim() ||
    (fqdn ? fqdn.split('.')[0] : undefined) ||
    ips[0] ||
    // A file about one unnamed machine (an os-release, a package list): named after the file.
    unnamed.fileName.replace(/\.[^.]+$/, '');

  const os = mergeOs(members.map((m) => m.host.os).filter((o): o is OsInfo => o !== undefined));
  const installedUpdates = mergeUpdates(members.flatMap((m) => m.host.installedUpdates));
  const software = mergeSoftware(members.flatMap((m) => m.host.software));
  const identity =
    identities.flatMap((i) => i.hostIds).sort()[0] ??
    identities.map((i) => i.name).find((n) => n !== undefined) ??
    macs[0] ??
    ips[0] ??
    [...anchors].sort()[0]!;

  return {
    id: stableId('a', identity),
    hostname,
    ...(fqdn ? { fqdn } : {}),
    ips,
    macs,
    os,
    role: roleOf(os),
    sources: members.map(sourceOf),
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
