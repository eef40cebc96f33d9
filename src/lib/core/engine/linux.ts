import { MODULE_RELEASE } from '../catalog/osv';
import type { OsvEntry, OsvPart } from '../catalog/parts';
import type { PendingUpdate, Severity, Software } from '../model';
import { compareDpkg } from '../versions/dpkg';
import { compareRpm } from '../versions/rpm';

/**
 * Linux package gaps: a machine's installed packages (rpm -qa, dpkg) and pending updates (apt, yum, dnf) against the
 * OSV advisories of its distribution release (the `osv` catalog part). Pure: the catalog part is passed in.
 */

type Distro = { id: string; versionId?: string; idLike?: string[]; prettyName?: string };

/** What one package (one source package, one group of RPMs built together) needs. */
export interface LinuxPackageGap {
  /** The source package (Debian, Ubuntu; RPM when its source RPM is known), else the RPM group's shortest name. */
  package: string;
  /** The installed binary packages this gap updates. */
  binaries: string[];
  installed: string;
  /** The version that closes every advisory listed (the newest fixed version among them), or the version on offer. */
  fixed?: string;
  advisories: { id: string; cves: string[]; severity: string; published: string }[];
  cves: string[];
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  /** The earliest publication among the advisories: since then a fix was available and not installed. */
  published?: string;
  security: boolean;
  fromPendingList: boolean;
  evidence: string;
}

export interface LinuxPackageGapsInput {
  software: Software[];
  pending: PendingUpdate[];
  distro?: Distro;
  osv?: OsvPart;
}

export interface LinuxPackageGapsResult {
  ecosystem?: string;
  /** The catalog holds the complete advisory set of this release: no gap means up to date. */
  covered: boolean;
  gaps: LinuxPackageGap[];
  problems: string[];
}

/** Ubuntu LTS releases: April releases of even years (6.06 was the one exception). */
function isUbuntuLts(versionId: string, prettyName: string | undefined): boolean {
  if (prettyName && /\bLTS\b/.test(prettyName)) return true;
  if (versionId === '6.06') return true;
  const m = /^(\d\d)\.04$/.exec(versionId);
  return !!m && Number(m[1]) % 2 === 0;
}

const majorOf = (versionId: string | undefined): string | undefined =>
  /^(\d+)(?:\.\d+)*$/.exec(versionId ?? '')?.[1];

/**
 * The OSV ecosystem of a distribution release, spelled as OSV's records and osv-schema's ecosystems.json spell it:
 * "Ubuntu:22.04:LTS" (":LTS" only for LTS releases), "Debian:12", "AlmaLinux:9", "Rocky Linux:9", "Alpine:v3.19",
 * "SUSE:Linux Enterprise Server 15 SP6" and "openSUSE:Leap 15.5" (PRETTY_NAME without the vendor word).
 *
 * Red Hat Enterprise Linux gets a problem, not a guess: its OSV ecosystems are per repository and support stream
 * ("Red Hat:enterprise_linux:9::baseos", "…::appstream", "Red Hat:rhel_eus:9.4::baseos", "Red Hat:rhel_aus:8.6::appstream"),
 * and neither os-release nor a package list says which repository or stream a package came from. Distributions
 * OSV has no advisories for (CentOS, Oracle Linux, Amazon Linux, Fedora, Mint, Raspbian, …) get a problem too, even
 * when ID_LIKE names a covered one: their package versions are their own.
 */
export function osvEcosystemFor(distro: Distro): { ecosystem: string } | { problem: string } {
  const id = distro.id.trim().toLowerCase();
  const versionId = distro.versionId?.trim() ?? '';
  const pretty = distro.prettyName?.trim();
  const noVersion = (name: string): { problem: string } => ({
    problem: `The ${name} release is not known (os-release has no usable VERSION_ID${versionId ? `: "${versionId}"` : ''}), so its advisories cannot be chosen. Import /etc/os-release from the machine.`
  });
  switch (id) {
    case 'ubuntu':
      if (!/^\d{1,2}\.\d\d$/.test(versionId)) return noVersion('Ubuntu');
      return { ecosystem: `Ubuntu:${versionId}${isUbuntuLts(versionId, pretty) ? ':LTS' : ''}` };
    case 'debian':
      if (!/^\d+$/.test(versionId)) {
        return {
          problem: `This Debian has no numbered release in os-release${versionId ? ` ("${versionId}")` : ''} (testing or unstable), and OSV keys Debian advisories by release number: the packages cannot be checked against advisories.`
        };
      }
      return { ecosystem: `Debian:${versionId}` };
    case 'almalinux': {
      const major = majorOf(versionId);
      return major ? { ecosystem: `AlmaLinux:${major}` } : noVersion('AlmaLinux');
    }
    case 'rocky': {
      const major = majorOf(versionId);
      return major ? { ecosystem: `Rocky Linux:${major}` } : noVersion('Rocky Linux');
    }
    case 'alpine': {
      const m = /^(\d+)\.(\d+)/.exec(versionId);
      return m ? { ecosystem: `Alpine:v${m[1]}.${m[2]}` } : noVersion('Alpine');
    }
    case 'sles':
    case 'sles_sap':
    case 'sled':
    case 'opensuse-leap':
    case 'opensuse-tumbleweed':
    case 'opensuse-slowroll':
    case 'opensuse-microos':
    case 'sle-micro': {
      const suse = !id.startsWith('opensuse');
      const vendor = suse ? /^SUSE\s+/ : /^openSUSE\s+/;
      if (!pretty || !vendor.test(pretty)) {
        return {
          problem: `OSV names ${suse ? 'SUSE' : 'openSUSE'} releases by the PRETTY_NAME of os-release${pretty ? `, and "${pretty}" does not have the expected form` : ', which this machine\u2019s data lacks'}. Import /etc/os-release from the machine.`
        };
      }
      return { ecosystem: `${suse ? 'SUSE' : 'openSUSE'}:${pretty.replace(vendor, '')}` };
    }
    case 'rhel':
      return {
        problem:
          'Red Hat Enterprise Linux advisories are published per repository and support stream (e.g. "Red Hat:enterprise_linux:9::baseos", "Red Hat:rhel_eus:9.4::appstream"), and the package list does not say which a package came from, so Patchfield does not pick one. Use `dnf updateinfo list --security` on the machine for its pending security updates.'
      };
    default: {
      const like = distro.idLike?.length ? ` (like ${distro.idLike.join(', ')})` : '';
      return {
        problem: `There is no OSV advisory data Patchfield can use for "${pretty ?? distro.id}"${like}: its packages are its own builds, so another distribution's advisories would be a guess. Use the machine's own pending-update list (apt, yum or dnf) instead.`
      };
    }
  }
}

type Packaging = 'deb' | 'rpm';

function packagingOf(ecosystem: string): Packaging | undefined {
  const base = ecosystem.slice(0, ecosystem.indexOf(':') < 0 ? ecosystem.length : ecosystem.indexOf(':'));
  if (base === 'Debian' || base === 'Ubuntu') return 'deb';
  if (['AlmaLinux', 'Rocky Linux', 'Red Hat', 'SUSE', 'openSUSE'].includes(base)) return 'rpm';
  return undefined;
}

const SEVERITY_RANK: Record<LinuxPackageGap['severity'], number> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
  info: 4
};

/** An advisory's own word → Patchfield severity: Critical, Important/High, Moderate/Medium, Low; missing → medium. */
export function osvSeverity(word: string): Severity {
  switch (word.trim().toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'important':
    case 'high':
      return 'high';
    case 'low':
    case 'negligible':
    case 'unimportant':
      return 'low';
    default:
      return 'medium';
  }
}

const EPOCH = /^\d+:/;

const releaseOf = (evr: string): string => {
  const dash = evr.lastIndexOf('-');
  return dash < 0 ? '' : evr.slice(dash + 1);
};

interface Installed {
  name: string;
  version: string;
  /** The gap this binary belongs to before RPM groups are merged: the source package, or the name itself. */
  key: string;
  knownSource: boolean;
}

interface Group {
  key: string;
  binaries: Set<string>;
  installed: string;
  fixed?: string;
  entries: Map<string, OsvEntry>;
  knownSource: boolean;
  pendingNotes: string[];
  pendingFixed?: string;
  pendingSecurity: boolean;
  pendingAdvisories: Set<string>;
}

const examples = (items: string[], max = 5): string =>
  `${items.slice(0, max).join(', ')}${items.length > max ? ', …' : ''}`;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The package gaps of one Linux machine.
 *
 * Matching rule, per packaging:
 * - Debian and Ubuntu: OSV records name the source package, so a binary is matched by Software.sourcePackage (or its
 *   own name when the list gave no source: `dpkg -l` does not) and its version compared with dpkg ordering. All
 *   binaries of one source package make one gap.
 * - AlmaLinux, Rocky Linux, Red Hat: the records name binary RPMs (AlmaLinux's pack lists "openssl-libs", "kernel-core",
 *   "krb5-libs"; it has no "krb5"), so a package is matched by its own name and, when the list gave its source RPM,
 *   by that too; versions compare as rpm's [epoch:]version-release (labelCompare). A module build is only compared with
 *   a module build and a base build with a base build: a fix in a module stream says nothing of the base package.
 *   RPMs from one source RPM make one gap: by Software.sourcePackage when known, otherwise (rpm -qa) binaries with the
 *   same installed version and the same advisories are one group, named by its shortest name ("openssl" for
 *   openssl and openssl-libs).
 * - SUSE and openSUSE: matched by binary name (the builder writes one entry per binary the record lists).
 *
 * A package is affected when installed ≥ introduced and installed < fixed. When several versions of one package are
 * installed (kernels kept for fallback) the newest is compared. One gap per package: the newest fixed version among
 * its advisories closes them all, and all their advisories and CVEs are listed. Advisories with no fixed version yet
 * are not gaps (nothing to install); they are counted in a problem. Names cut by `dpkg -l` are never compared.
 *
 * Pending updates (apt, yum, dnf lists) that no advisory explains become gaps too (fromPendingList): security as the
 * list says, severity low, or medium for security updates. A pending update for a package with an advisory gap adds
 * to its evidence. `covered` says the catalog holds the release's complete advisory set; advisories from single
 * records are still matched when it does not, but then the absence of a gap proves nothing.
 */
export function linuxPackageGaps(input: LinuxPackageGapsInput): LinuxPackageGapsResult {
  const problems: string[] = [];
  let ecosystem: string | undefined;
  if (!input.distro) {
    problems.push(
      'The Linux distribution and release are not known (no /etc/os-release for this machine), so its packages cannot be checked against advisories. Import `cat /etc/os-release` from the machine.'
    );
  } else {
    const mapped = osvEcosystemFor(input.distro);
    if ('problem' in mapped) problems.push(mapped.problem);
    else ecosystem = mapped.ecosystem;
  }
  const packaging = ecosystem ? packagingOf(ecosystem) : undefined;
  const covered = !!ecosystem && !!packaging && !!input.osv?.ecosystems.includes(ecosystem);
  if (ecosystem && !packaging) {
    problems.push(
      `Patchfield cannot yet order ${ecosystem.split(':')[0] ?? ecosystem} package versions, so the packages were not checked against advisories. The pending-update list is used where one was imported.`
    );
  } else if (ecosystem && !input.osv) {
    problems.push(
      `The catalog has no OSV advisories, so the packages of this ${ecosystem} machine were not checked: its Linux patch status is unknown. Import the OSV data for ${ecosystem} into the catalog.`
    );
  } else if (ecosystem && !covered) {
    problems.push(
      `The catalog has no complete OSV advisory set for ${ecosystem}, so the absence of package gaps proves nothing: its Linux patch status is unknown. Import ${ecosystem.split(':')[0] ?? ecosystem}/all.zip from https://osv-vulnerabilities.storage.googleapis.com/ into the catalog.`
    );
  }
  const compare = packaging === 'rpm' ? compareRpm : compareDpkg;
  const distroId = input.distro?.id.toLowerCase() ?? '';
  const kind =
    packaging ?? (/^(?:debian|ubuntu)$/.test(distroId) ? 'deb' : distroId === 'alpine' ? 'apk' : 'rpm');

  // Installed packages of the distribution's packaging, newest version per name.
  const installed = new Map<string, Installed>();
  const truncated: string[] = [];
  const noSource: string[] = [];
  for (const s of input.software) {
    if (s.ecosystem !== kind) continue;
    if (s.truncated) {
      truncated.push(s.name);
      continue;
    }
    if (!s.version) continue;
    const knownSource = !!s.sourcePackage;
    if (kind === 'deb' && !knownSource) noSource.push(s.name);
    const item: Installed = { name: s.name, version: s.version, key: s.sourcePackage ?? s.name, knownSource };
    const had = installed.get(s.name);
    if (!had || compare(s.version, had.version) > 0) installed.set(s.name, item);
  }
  if (truncated.length > 0) {
    problems.push(
      `${plural(truncated.length, 'package name or version was', 'package names or versions were')} cut by \`dpkg -l\` at 80 columns (${examples(truncated)}) and ${truncated.length === 1 ? 'was' : 'were'} not compared with advisories. Capture the list with \`dpkg-query -W -f='\${binary:Package}\\t\${Version}\\t\${source:Package}\\n'\` and import it.`
    );
  }
  if (covered && noSource.length > 0) {
    problems.push(
      `${plural(noSource.length, 'package was', 'packages were')} listed without the source package advisories are keyed by (${examples(noSource)}); each was matched by its own name, so binaries named unlike their source (libssl3 from openssl) are missed. Capture the list with \`dpkg-query -W -f='\${binary:Package}\\t\${Version}\\t\${source:Package}\\n'\` and import it.`
    );
  }

  // Advisory entries of this release, by package name.
  const byPackage =
    ecosystem && packaging && input.osv
      ? entriesByPackage(input.osv, ecosystem)
      : new Map<string, OsvEntry[]>();

  // `rpm -qa` prints no epoch (and the parsers drop epoch 0): such a version is compared with the epoch of the
  // advisory's version, as an epoch rarely changes within a release. Versions that state an epoch keep it.
  const epochless = new Set<string>();
  const withEpochOf = (version: string, other: string, name: string): string => {
    if (packaging !== 'rpm' || EPOCH.test(version)) return version;
    const epoch = EPOCH.exec(other)?.[0];
    if (!epoch || epoch === '0:') return version;
    epochless.add(name);
    return `${epoch}${version}`;
  };
  const affects = (name: string, version: string, e: OsvEntry): boolean => {
    const [, , , introduced, fixed] = e;
    if (
      packaging === 'rpm' &&
      fixed &&
      MODULE_RELEASE.test(releaseOf(fixed)) !== MODULE_RELEASE.test(releaseOf(version))
    )
      return false;
    if (
      introduced !== '0' &&
      introduced !== '' &&
      compare(withEpochOf(version, introduced, name), introduced) < 0
    )
      return false;
    return fixed === '' || compare(withEpochOf(version, fixed, name), fixed) < 0;
  };

  // Per binary: the advisories that affect it; unfixed ones are only counted.
  const groups = new Map<string, Group>();
  const unfixed = new Map<string, Set<string>>();
  for (const pkg of installed.values()) {
    const names = packaging === 'rpm' && pkg.knownSource ? [pkg.name, pkg.key] : [pkg.key];
    const hits = new Map<string, OsvEntry>();
    for (const n of new Set(names)) {
      for (const e of byPackage.get(n) ?? []) {
        if (!affects(pkg.name, pkg.version, e)) continue;
        if (e[4] === '') {
          const set = unfixed.get(e[2]) ?? new Set<string>();
          set.add(pkg.key);
          unfixed.set(e[2], set);
          continue;
        }
        const had = hits.get(e[2]);
        if (!had || compare(e[4], had[4]) > 0) hits.set(e[2], e);
      }
    }
    if (hits.size === 0) continue;
    const key =
      packaging === 'rpm' && !pkg.knownSource
        ? `${pkg.version}\u0000${[...hits.keys()].sort().join(' ')}`
        : `${pkg.key}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        key: pkg.key,
        binaries: new Set(),
        installed: pkg.version,
        entries: new Map(),
        knownSource: pkg.knownSource,
        pendingNotes: [],
        pendingSecurity: false,
        pendingAdvisories: new Set()
      };
      groups.set(key, g);
    }
    g.binaries.add(pkg.name);
    if (compare(pkg.version, g.installed) < 0) g.installed = pkg.version;
    for (const [id, e] of hits) {
      const had = g.entries.get(id);
      if (!had || compare(e[4], had[4]) > 0) g.entries.set(id, e);
    }
  }
  for (const g of groups.values()) {
    if (packaging === 'rpm' && !g.knownSource) {
      g.key = [...g.binaries].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0] ?? g.key;
    }
    for (const e of g.entries.values()) if (!g.fixed || compare(e[4], g.fixed) > 0) g.fixed = e[4];
  }
  if (epochless.size > 0) {
    const names = [...epochless].sort();
    problems.push(
      `${plural(names.length, 'package was', 'packages were')} listed without the epoch that advisories give ${names.length === 1 ? 'its' : 'their'} versions (${examples(names)}; \`rpm -qa\` prints none) and ${names.length === 1 ? 'was' : 'were'} compared as if ${names.length === 1 ? 'it had' : 'they had'} the advisory's epoch. For exact versions capture \`rpm -qa --qf '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM}\\n'\`.`
    );
  }
  if (unfixed.size > 0) {
    const pkgs = new Set([...unfixed.values()].flatMap((s) => [...s]));
    problems.push(
      `${plural(unfixed.size, 'advisory affects', 'advisories affect')} ${plural(pkgs.size, 'installed package')} (${examples([...pkgs].sort())}) with no fixed version published yet: there is nothing to install, so ${unfixed.size === 1 ? 'it is' : 'they are'} not counted as gaps.`
    );
  }

  // Pending updates: evidence for advisory gaps, or gaps of their own.
  const gapOfBinary = new Map<string, Group>();
  for (const g of groups.values()) for (const b of g.binaries) gapOfBinary.set(b, g);
  const pendingGroups = new Map<string, Group>();
  const softwareKnown = installed.size > 0 || truncated.length > 0;
  for (const p of input.pending) {
    if (p.kind && p.kind !== 'package') continue;
    const inst = installed.get(p.name);
    const current = p.currentVersion ?? inst?.version;
    // apt-get -s lists new dependencies it would install: not updates of anything installed.
    if (!current && softwareKnown && !truncated.includes(p.name)) continue;
    const offered = p.version ? ` ${p.version}` : '';
    const from = p.repository ? ` from ${p.repository}` : '';
    const note = `pending update ${p.name}${offered}${from}${p.security ? ' (security)' : ''}`;
    const advisoryGap = gapOfBinary.get(p.name) ?? (inst ? groupByKey(groups, inst.key) : undefined);
    if (advisoryGap) {
      if (!advisoryGap.pendingNotes.includes(note)) advisoryGap.pendingNotes.push(note);
      continue;
    }
    const key = inst?.key ?? p.name;
    let g = pendingGroups.get(key);
    if (!g) {
      g = {
        key,
        binaries: new Set(),
        installed: current ?? '',
        entries: new Map(),
        knownSource: true,
        pendingNotes: [],
        pendingSecurity: false,
        pendingAdvisories: new Set()
      };
      pendingGroups.set(key, g);
    }
    g.binaries.add(p.name);
    if (current && (g.installed === '' || compare(current, g.installed) < 0)) g.installed = current;
    if (p.version && (!g.pendingFixed || compare(p.version, g.pendingFixed) > 0)) g.pendingFixed = p.version;
    if (p.security) g.pendingSecurity = true;
    if (p.repository && /^[A-Za-z]+-\d{4}[:-]\d+/.test(p.repository)) g.pendingAdvisories.add(p.repository);
    if (!g.pendingNotes.includes(note)) g.pendingNotes.push(note);
  }

  const source = ecosystem ? ` (${ecosystem} OSV)` : '';
  const gaps: LinuxPackageGap[] = [];
  for (const g of groups.values()) {
    const advisories = [...g.entries.values()]
      .map((e) => ({ id: e[2], cves: e[5], severity: e[6], published: e[7] }))
      .sort((a, b) =>
        a.published !== b.published ? (a.published < b.published ? -1 : 1) : a.id < b.id ? -1 : 1
      );
    const severity = advisories
      .map((a) => osvSeverity(a.severity))
      .reduce<Severity>((best, s) => (SEVERITY_RANK[s] < SEVERITY_RANK[best] ? s : best), 'low');
    const published = advisories.map((a) => a.published).filter((d) => d !== '')[0];
    const binaries = [...g.binaries].sort();
    const ids = advisories.map((a) => a.id);
    const evidence = [
      `${binaries.map((b) => `${b} ${installed.get(b)?.version ?? g.installed}`).join(', ')} installed; ${examples(ids, 8)}${source}: ${g.fixed ?? ''} closes ${ids.length === 1 ? 'it' : `all ${ids.length}`}`,
      ...g.pendingNotes
    ].join('; ');
    gaps.push({
      package: g.key,
      binaries,
      installed: g.installed,
      ...(g.fixed ? { fixed: g.fixed } : {}),
      advisories,
      cves: [...new Set(advisories.flatMap((a) => a.cves))].sort(),
      severity,
      ...(published ? { published } : {}),
      security: true,
      fromPendingList: false,
      evidence
    });
  }
  for (const g of pendingGroups.values()) {
    gaps.push({
      package: g.key,
      binaries: [...g.binaries].sort(),
      installed: g.installed,
      ...(g.pendingFixed ? { fixed: g.pendingFixed } : {}),
      advisories: [...g.pendingAdvisories].sort().map((id) => ({
        id,
        cves: /^CVE-\d{4}-\d{4,}$/.test(id) ? [id] : [],
        severity: '',
        published: ''
      })),
      cves: [...g.pendingAdvisories].filter((id) => /^CVE-\d{4}-\d{4,}$/.test(id)).sort(),
      severity: g.pendingSecurity ? 'medium' : 'low',
      security: g.pendingSecurity,
      fromPendingList: true,
      evidence: `${g.pendingNotes.join('; ')}${g.installed ? `; installed ${g.installed}` : ''}`
    });
  }
  gaps.sort((a, b) =>
    SEVERITY_RANK[a.severity] !== SEVERITY_RANK[b.severity]
      ? SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
      : a.package < b.package
        ? -1
        : a.package > b.package
          ? 1
          : 0
  );
  return { ...(ecosystem ? { ecosystem } : {}), covered, gaps, problems };
}

/** Entries by ecosystem and package, built once per part: a fleet of machines shares one catalog. */
const INDEXES = new WeakMap<OsvPart, Map<string, Map<string, OsvEntry[]>>>();

function entriesByPackage(part: OsvPart, ecosystem: string): Map<string, OsvEntry[]> {
  let index = INDEXES.get(part);
  if (!index) {
    index = new Map();
    for (const e of part.entries) {
      let byName = index.get(e[0]);
      if (!byName) {
        byName = new Map();
        index.set(e[0], byName);
      }
      const list = byName.get(e[1]);
      if (list) list.push(e);
      else byName.set(e[1], [e]);
    }
    INDEXES.set(part, index);
  }
  return index.get(ecosystem) ?? new Map<string, OsvEntry[]>();
}

function groupByKey(groups: Map<string, Group>, key: string): Group | undefined {
  for (const g of groups.values()) if (g.knownSource && g.key === key) return g;
  return undefined;
}
