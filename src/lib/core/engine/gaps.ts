import type { Catalog } from '../catalog';
import { createRiskIndex } from '../catalog/risk';
import type {
  AssetContext,
  EngagementSettings,
  FindingInstance,
  GapEvidence,
  GapKind,
  PatchGap,
  PendingUpdate,
  ScannerRule,
  Severity,
  Software,
  WindowsPatchStatus
} from '../model';
import { SEVERITIES } from '../model';
import { linuxSupport, macosSupport, softwareSupport, windowsSupport, type SupportVerdict } from './eol';
import { stableId } from './hash';
import { linuxPackageGaps, type LinuxPackageGap } from './linux';
import type { MergedAsset } from './merge';
import { prioritize } from './priority';
import { contextFor } from './settings';
import { assessWindows } from './windows';
import { classifyMicrosoftUpdate, createMsrcIndex, createWesngIndex } from './windows-msrc';

/**
 * Patch gaps: the actions an asset needs, each an update to install or a system to replace, with every scanner
 * result and advisory it closes folded in. Counts in results and the report are these actions, not scanner hits.
 *
 * Sources of gaps per asset:
 * - Windows: the required cumulative update (build table) with the CVEs MSRC says it fixes for this product,
 *   plus every Microsoft bulletin / missing-rollup finding that the same update closes (one "os-update" gap);
 *   other Microsoft products' updates one gap per product.
 * - Linux: one "package-update" gap per package (OSV advisories for the distribution, pending apt/yum/dnf lists,
 *   scanner advisory findings for the package).
 * - Support phases: an operating system past its end of life (and outside paid ESU) is an "end-of-life" gap;
 *   programs past end of life or behind the latest release of their supported cycle are "end-of-life" /
 *   "outdated-software" gaps.
 * - Other scanner findings with a fix: one "scanner-finding" gap per rule (the same CVE from two scanners once).
 */

export interface GapEngine {
  asOf: string;
  settings: EngagementSettings;
  catalog: Catalog;
  rules: ReadonlyMap<string, ScannerRule>;
  ruleKey: (fileId: string, ruleId: string) => string;
  risk: ReturnType<typeof createRiskIndex>;
  msrc?: ReturnType<typeof createMsrcIndex>;
  wesng?: ReturnType<typeof createWesngIndex>;
  /** Software verdicts are the same for the same name and version: asked once per run. */
  softwareCache: Map<string, SupportVerdict | undefined>;
  /** Machines on the same build and revision share their open CVEs and their risk summary. */
  cveCache: Map<string, { cves: string[]; severity: Severity | undefined }>;
  riskCache: Map<string, ReturnType<GapEngine['risk']['summarize']>>;
}

export function createGapEngine(
  catalog: Catalog,
  settings: EngagementSettings,
  asOf: string,
  rules: ReadonlyMap<string, ScannerRule> = new Map(),
  ruleKey: (fileId: string, ruleId: string) => string = (f, r) => `${f}\u0000${r}`
): GapEngine {
  return {
    asOf,
    settings,
    catalog,
    rules,
    ruleKey,
    risk: createRiskIndex(catalog),
    ...(catalog.msrc ? { msrc: createMsrcIndex(catalog.msrc) } : {}),
    ...(catalog.wesng ? { wesng: createWesngIndex(catalog.wesng) } : {}),
    softwareCache: new Map(),
    cveCache: new Map(),
    riskCache: new Map()
  };
}

export interface AssetAssessment {
  gaps: PatchGap[];
  windows?: WindowsPatchStatus;
  /** The operating system's support phase. */
  support?: SupportVerdict;
  /** Linux: the OSV ecosystem and whether the catalog covers it. */
  linux?: { ecosystem?: string; covered: boolean; problems: string[] };
  context: AssetContext;
  /** Informational scanner results: kept, not gaps. */
  informational: number;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

function worst(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}

/** MSRC and distribution severity words, and CVSS bands. */
export function severityFromWord(word: string | undefined): Severity | undefined {
  const w = (word ?? '').toLowerCase();
  if (w === 'critical') return 'critical';
  if (w === 'important' || w === 'high') return 'high';
  if (w === 'moderate' || w === 'medium') return 'medium';
  if (w === 'low') return 'low';
  return undefined;
}

function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** A gap as its source describes it, before the catalog's risk data and the policy are applied. */
interface DraftGap {
  kind: GapKind;
  product: string;
  /** Identity within the asset: one gap per kind and key. */
  key: string;
  title: string;
  installed?: string;
  required?: string;
  kb?: string;
  fixReleased?: string;
  severity: Severity;
  cves: Set<string>;
  scannerScore?: { score: number; vector?: string };
  rebootRequired: boolean | null;
  security: boolean;
  folded: number;
  evidence: GapEvidence[];
  support?: string;
}

function draft(init: Omit<DraftGap, 'cves' | 'folded' | 'evidence'> & { cves?: Iterable<string> }): DraftGap {
  return { ...init, cves: new Set(init.cves ?? []), folded: 0, evidence: [] };
}

const MAX_EVIDENCE = 50;

function addEvidence(g: DraftGap, e: GapEvidence): void {
  if (g.evidence.length >= MAX_EVIDENCE) return;
  if (g.evidence.some((x) => x.fileId === e.fileId && x.record === e.record)) return;
  g.evidence.push(e);
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

const LINUX_ADVISORY_FAMILY =
  /(Ubuntu|Debian|Red Hat|CentOS|Alma ?Linux|Rocky|Oracle Linux|SuSE|SUSE|Fedora|Amazon Linux|Alpine|Scientific Linux).*(Local Security Checks)/i;

/** "Installed package : openssl_1.1.1f-1ubuntu2.16" / "Remote package installed : openssl-1.0.2k-19.el7" lines. */
function packagesInOutput(output: string | undefined): { name: string; installed: string; fixed?: string }[] {
  if (!output) return [];
  const out: { name: string; installed: string; fixed?: string }[] = [];
  const re =
    /(?:Installed package|Remote package installed)\s*:\s*(\S+)\s*\n\s*(?:Fixed package|Should be)\s*:\s*(\S+)/gi;
  for (let m = re.exec(output); m; m = re.exec(output)) {
    const installed = m[1]!;
    const fixed = m[2]!;
    // dpkg style name_version; rpm style name-version-release.
    const deb = /^([^_]+)_(.+)$/.exec(installed);
    if (deb) {
      out.push({ name: deb[1]!, installed: deb[2]!, fixed: /^[^_]+_(.+)$/.exec(fixed)?.[1] ?? fixed });
      continue;
    }
    const rpm = /^(.+)-([^-]+-[^-]+)$/.exec(installed);
    if (rpm)
      out.push({ name: rpm[1]!, installed: rpm[2]!, fixed: /^.+-([^-]+-[^-]+)$/.exec(fixed)?.[1] ?? fixed });
  }
  return out;
}

function productKey(product: string): string {
  return `product:${product.toLowerCase()}`;
}

/**
 * The program a version-check finding names: the words before a version comparison, e.g. "Adobe Flash Player" in
 * "Adobe Flash Player <= 28.0.0.137 Use-after-free" or "Docker for Windows stable" in "Docker for Windows stable <
 * 18.06.0". Undefined for titles that name no version range.
 */
export function programInTitle(title: string): string | undefined {
  const m = /^([A-Za-z][\w .+#&()-]*?)\s*(?:<=?|>=?)\s*\d/.exec(title);
  const name = m?.[1]?.trim();
  return name && name.length >= 3 ? name : undefined;
}

/** Whether a scanner result is a gap at all: informational, not affected and already fixed ones are not. */
function isActionable(f: FindingInstance): boolean {
  return f.severity !== 'info' && f.state !== 'not_affected' && f.state !== 'fixed';
}

/** Assesses one merged asset: its gaps (with risk and priority), Windows status and support phase. */
export function assessAssetGaps(m: MergedAsset, engine: GapEngine): AssetAssessment {
  const { asOf, catalog, settings } = engine;
  const asset = m.asset;
  const context = contextFor(settings, asset.id, asset.hostname);
  const drafts = new Map<string, DraftGap>();
  const gapFor = (init: Parameters<typeof draft>[0]): DraftGap => {
    const id = `${init.kind}|${init.key}`;
    let g = drafts.get(id);
    if (!g) {
      g = draft(init);
      drafts.set(id, g);
    }
    return g;
  };
  const fileName = new Map(m.members.map((x) => [x.fileId, x.fileName]));
  const ev = (fileId: string, record: string): GapEvidence => ({
    fileId,
    fileName: fileName.get(fileId) ?? fileId,
    record
  });
  const osSource = m.members.find((x) => x.host.os?.name)?.fileId ?? m.members[0]?.fileId ?? '';
  const osRecord = `OS: ${asset.os.name ?? asset.os.family}${asset.os.build ? ` build ${asset.os.build}${asset.os.revision !== undefined ? `.${asset.os.revision}` : ''}` : ''}`;

  let support: SupportVerdict | undefined;
  let windows: WindowsPatchStatus | undefined;
  let linux: AssetAssessment['linux'];

  // ---- Support phase of the operating system ----
  if (catalog.eol) {
    if (asset.os.family === 'windows')
      support = windowsSupport(asset.os, catalog.eol, asOf, context.esuEnrolled);
    else if (asset.os.family === 'linux' && asset.os.distro)
      support = linuxSupport(asset.os.distro, catalog.eol, asOf);
    else if (asset.os.family === 'macos') support = macosSupport(asset.os, catalog.eol, asOf);
  }
  if (support?.gap) {
    const g = gapFor({
      kind: 'end-of-life',
      key: support.productId,
      product: support.cycleLabel ? `${support.product} ${support.cycleLabel}` : support.product,
      title:
        support.phase === 'esu'
          ? `Enrol in Extended Security Updates or upgrade ${support.product} ${support.cycleLabel}`
          : `Upgrade or replace ${support.product} ${support.cycleLabel} (end of life)`,
      ...(support.latest ? { installed: support.cycle } : {}),
      severity: 'high',
      rebootRequired: true,
      security: true,
      ...(support.eol ? { fixReleased: support.eol } : {}),
      support: support.text
    });
    addEvidence(g, ev(osSource, osRecord));
  }

  // ---- Windows cumulative update ----
  const scannerRollups: { fileId: string; f: FindingInstance; rule?: ScannerRule }[] = [];
  if (asset.os.family === 'windows') {
    // Past end of life and not enrolled in ESU: ESU-only updates are not required (the EOL gap says what to do).
    const esuCap =
      support &&
      (support.phase === 'esu' || support.phase === 'end-of-life') &&
      !context.esuEnrolled &&
      support.eol
        ? support.eol
        : undefined;
    windows = assessWindows(asset, catalog.windowsBuilds, esuCap && esuCap < asOf ? esuCap : asOf);
  }

  // ---- Scanner findings ----
  let informational = 0;
  for (const member of m.members) {
    for (const f of member.host.findings) {
      if (f.severity === 'info') informational += 1;
      if (!isActionable(f)) continue;
      const rule = engine.rules.get(engine.ruleKey(member.fileId, f.ruleId));
      const title = rule?.name ?? `Rule ${f.ruleId}`;
      const kbs = [...new Set([...(rule?.kbs ?? []), ...(f.kbs ?? [])])];
      const cves = rule?.cves ?? [];
      const scannerScore = rule?.cvss3 ?? rule?.cvss2;
      const record = `${rule?.scanner ?? member.format} ${f.ruleId}: ${title}${f.port ? ` (port ${f.port})` : ''}`;

      // Microsoft updates: Windows rollups into the one OS gap, other products one gap each.
      const microsoft =
        asset.os.family === 'windows' &&
        (/Microsoft Bulletins/i.test(rule?.family ?? '') ||
          (kbs.length > 0 && /\b(KB\d{6,7}|Security Update|Cumulative Update|Microsoft)\b/i.test(title)));
      if (microsoft) {
        const cls = classifyMicrosoftUpdate(title, kbs, engine.wesng);
        if (cls.windowsRollup) {
          scannerRollups.push({ fileId: member.fileId, f, ...(rule ? { rule } : {}) });
          continue;
        }
        const g = gapFor({
          kind: 'scanner-finding',
          key: productKey(cls.product),
          product: cls.product,
          title: `Install the missing ${cls.product} security updates`,
          severity: f.severity,
          rebootRequired: null,
          security: true,
          ...(rule?.patchPublishedOn ? { fixReleased: rule.patchPublishedOn.slice(0, 10) } : {})
        });
        foldFinding(g, f, cves, kbs, scannerScore, rule, ev(member.fileId, record));
        continue;
      }

      // Linux advisories and SCA package findings: one gap per package.
      const pkgs = f.package
        ? [
            {
              name: f.package.name,
              installed: f.package.version ?? '',
              ...(f.fixedVersion ? { fixed: f.fixedVersion } : {})
            }
          ]
        : LINUX_ADVISORY_FAMILY.test(rule?.family ?? '')
          ? packagesInOutput(f.output)
          : [];
      if (pkgs.length > 0) {
        for (const p of pkgs) {
          const g = gapFor({
            kind: 'package-update',
            key: `pkg:${p.name}`,
            product: p.name,
            title: p.fixed ? `Upgrade ${p.name} to ${p.fixed} or later` : `Update ${p.name}`,
            ...(p.installed ? { installed: p.installed } : {}),
            ...(p.fixed ? { required: p.fixed } : {}),
            severity: f.severity,
            rebootRequired: null,
            security: true
          });
          if (p.fixed && (!g.required || g.required < p.fixed)) {
            g.required = p.fixed;
            g.title = `Upgrade ${p.name} to ${p.fixed} or later`;
          }
          foldFinding(g, f, cves, kbs, scannerScore, rule, ev(member.fileId, record));
        }
        continue;
      }

      // A vulnerable version of a named program ("Adobe Flash Player <= 28.0.0.137 …"): one gap per program,
      // joined with the same program's Microsoft-shipped updates.
      const program = programInTitle(title);
      if (program) {
        const g = gapFor({
          kind: 'scanner-finding',
          key: productKey(program),
          product: program,
          title: `Update ${program} to a fixed version`,
          severity: f.severity,
          rebootRequired: null,
          security: true
        });
        foldFinding(g, f, cves, kbs, scannerScore, rule, ev(member.fileId, record));
        continue;
      }

      // Anything else with a fix: one gap per rule; the same CVE seen by two scanners joins the existing gap.
      const byCve =
        cves.length > 0
          ? [...drafts.values()].find(
              (d) =>
                d.key.startsWith('rule:') &&
                cves.some((c) => d.cves.has(c)) &&
                !d.evidence.some((e) => e.fileId === member.fileId)
            )
          : undefined;
      const g =
        byCve ??
        gapFor({
          kind: 'scanner-finding',
          key: `rule:${rule?.scanner ?? member.format}:${f.ruleId}`,
          product: rule?.family ?? rule?.scanner ?? 'Finding',
          title: title,
          severity: f.severity,
          rebootRequired: null,
          security: true,
          ...(rule?.patchPublishedOn ? { fixReleased: rule.patchPublishedOn.slice(0, 10) } : {})
        });
      foldFinding(g, f, cves, kbs, scannerScore, rule, ev(member.fileId, record));
    }
  }

  // ---- The Windows OS-update gap ----
  if (windows && (windows.status === 'behind' || scannerRollups.length > 0)) {
    const req = windows.required;
    const line = windows.productLine ?? asset.os.name ?? 'Windows';
    const g = gapFor({
      kind: 'os-update',
      key: 'windows',
      product: line,
      title: req
        ? `Install ${req.kb}, the ${req.releaseDate.slice(0, 7)} cumulative update for ${line}`
        : `Install the latest cumulative update for ${line}`,
      ...(windows.installedRevision !== undefined && windows.build !== undefined
        ? { installed: `10.0.${windows.build}.${windows.installedRevision}` }
        : {}),
      ...(req ? { required: req.version, kb: req.kb, fixReleased: req.releaseDate } : {}),
      severity: 'high',
      rebootRequired: true,
      security: true
    });
    if (windows.status === 'behind') addEvidence(g, ev(osSource, osRecord));
    // CVEs this update fixes on this product, from MSRC (only those released up to the as-of date).
    if (
      engine.msrc &&
      windows.build !== undefined &&
      windows.installedRevision !== undefined &&
      windows.status === 'behind'
    ) {
      const products = engine.msrc.productsFor(asset.os);
      const requiredRevision = windows.required?.revision ?? Number.POSITIVE_INFINITY;
      const cacheKey = `${products.ids.join(',')}|${windows.build}|${windows.installedRevision}|${requiredRevision}`;
      let open = engine.cveCache.get(cacheKey);
      if (!open) {
        let severity: Severity | undefined;
        const cves: string[] = [];
        for (const c of engine.msrc.openCves(products.ids, windows.build, windows.installedRevision)) {
          // Only what this update closes: fixes released later (e.g. ESU-only ones) are not part of this action.
          const fixedRevision = Number(c.fixedBuild.split('.')[3]);
          if (c.month > asOf || !(fixedRevision <= requiredRevision)) continue;
          cves.push(c.cve);
          const s = severityFromWord(c.severity);
          if (s) severity = severity ? worst(severity, s) : s;
        }
        open = { cves, severity };
        engine.cveCache.set(cacheKey, open);
      }
      for (const c of open.cves) g.cves.add(c);
      if (open.severity) g.severity = worst(g.severity, open.severity);
    }
    for (const { fileId, f, rule } of scannerRollups) {
      const title = rule?.name ?? `Rule ${f.ruleId}`;
      foldFinding(
        g,
        f,
        rule?.cves ?? [],
        [...(rule?.kbs ?? []), ...(f.kbs ?? [])],
        rule?.cvss3 ?? rule?.cvss2,
        rule,
        ev(fileId, `${rule?.scanner ?? 'scanner'} ${f.ruleId}: ${title}`)
      );
    }
  }

  // ---- Pending updates the machine itself lists ----
  const pending: { fileId: string; u: PendingUpdate }[] = [];
  for (const member of m.members)
    for (const u of member.host.pendingUpdates) pending.push({ fileId: member.fileId, u });

  if (asset.os.family === 'linux' || (asset.os.family !== 'windows' && asset.os.distro)) {
    const software: Software[] = asset.software;
    const result = linuxPackageGaps({
      software,
      pending: pending.map((p) => p.u),
      ...(asset.os.distro ? { distro: asset.os.distro } : {}),
      ...(catalog.osv ? { osv: catalog.osv } : {})
    });
    linux = {
      ...(result.ecosystem ? { ecosystem: result.ecosystem } : {}),
      covered: result.covered,
      problems: result.problems
    };
    const pkgSource =
      m.members.find((x) => x.host.software.length > 0 || x.host.pendingUpdates.length > 0)?.fileId ??
      osSource;
    for (const lg of result.gaps) addLinuxGap(lg, gapFor, ev(pkgSource, lg.evidence));
  } else {
    for (const { fileId, u } of pending) {
      if (u.kind === 'windows-update' || (asset.os.family === 'windows' && u.kb)) {
        const cls = classifyMicrosoftUpdate(u.name, u.kb ? [u.kb] : [], engine.wesng);
        if (cls.windowsRollup && windows) {
          const g = gapFor({
            kind: 'os-update',
            key: 'windows',
            product: windows.productLine ?? asset.os.name ?? 'Windows',
            title: `Install the pending Windows updates`,
            severity: 'high',
            rebootRequired: true,
            security: true
          });
          g.folded += 1;
          addEvidence(g, ev(fileId, `pending update: ${u.name}`));
          continue;
        }
        const g = gapFor({
          kind: 'package-update',
          key: productKey(cls.product),
          product: cls.product,
          title: `Install the pending ${cls.product} updates`,
          severity: u.security === false ? 'low' : 'medium',
          rebootRequired: u.rebootRequired ?? null,
          security: u.security !== false
        });
        g.folded += 1;
        if (u.kb) g.kb ??= u.kb;
        addEvidence(g, ev(fileId, `pending update: ${u.name}`));
        continue;
      }
      const isOs = u.kind === 'macos-update' && /macOS|OS X/i.test(u.name);
      const g = gapFor({
        kind: isOs ? 'os-update' : 'package-update',
        key: isOs ? 'macos' : `pkg:${u.name}`,
        product: isOs ? (asset.os.name ?? 'macOS') : u.name,
        title: u.version ? `Install ${u.name} ${u.version}` : `Install ${u.name}`,
        ...(u.currentVersion ? { installed: u.currentVersion } : {}),
        ...(u.version ? { required: u.version } : {}),
        severity: u.security ? 'medium' : 'low',
        rebootRequired: u.rebootRequired ?? null,
        security: u.security === true
      });
      g.folded += 1;
      addEvidence(g, ev(fileId, `pending update: ${u.name}${u.version ? ` ${u.version}` : ''}`));
    }
  }

  // ---- Programs past end of life or behind their cycle's latest release ----
  // Packages of a Linux distribution follow the distribution's support (backported fixes), not upstream's cycles.
  if (catalog.eol) {
    for (const member of m.members) {
      for (const sw of member.host.software) {
        if (sw.ecosystem === 'deb' || sw.ecosystem === 'rpm' || sw.ecosystem === 'apk') continue;
        if (sw.truncated || !sw.version) continue;
        const cacheKey = `${sw.name}\u0000${sw.version}\u0000${sw.purl ?? ''}`;
        let verdict = engine.softwareCache.get(cacheKey);
        if (!engine.softwareCache.has(cacheKey)) {
          verdict = softwareSupport(sw, catalog.eol, asOf);
          engine.softwareCache.set(cacheKey, verdict);
        }
        if (!verdict?.gap) continue;
        const eol = verdict.phase === 'end-of-life';
        const g = gapFor({
          kind: eol ? 'end-of-life' : 'outdated-software',
          key: `sw:${verdict.productId}:${verdict.cycle}`,
          product: verdict.product,
          title: eol
            ? `Upgrade or remove ${verdict.product} ${verdict.cycleLabel} (end of life)`
            : `Update ${verdict.product} to ${verdict.latest ?? 'the latest release'}`,
          installed: sw.version,
          ...(verdict.latest ? { required: verdict.latest } : {}),
          severity: eol ? 'high' : 'low',
          rebootRequired: false,
          security: eol,
          ...(eol && verdict.eol ? { fixReleased: verdict.eol } : {}),
          support: verdict.text
        });
        addEvidence(g, ev(member.fileId, `program ${sw.name} ${sw.version}`));
      }
    }
  }

  const gaps = [...drafts.values()].map((d) => finishGap(d, asset.id, asset.hostname, engine, context));
  gaps.sort(compareGaps);
  return {
    gaps,
    ...(windows ? { windows } : {}),
    ...(support ? { support } : {}),
    ...(linux ? { linux } : {}),
    context,
    informational
  };
}

function foldFinding(
  g: DraftGap,
  f: FindingInstance,
  cves: readonly string[],
  kbs: readonly string[],
  scannerScore: { baseScore: number; vector?: string | undefined } | undefined,
  rule: ScannerRule | undefined,
  evidence: GapEvidence
): void {
  g.folded += 1;
  g.severity = worst(g.severity, f.severity);
  for (const c of cves) g.cves.add(c);
  if (!g.kb && kbs.length > 0) g.kb = [...kbs].sort().pop();
  if (scannerScore && (!g.scannerScore || scannerScore.baseScore > g.scannerScore.score)) {
    g.scannerScore = {
      score: scannerScore.baseScore,
      ...(scannerScore.vector ? { vector: scannerScore.vector } : {})
    };
  }
  const released = rule?.patchPublishedOn?.slice(0, 10);
  if (released && /^\d{4}-\d{2}-\d{2}$/.test(released)) g.fixReleased = earliest(g.fixReleased, released);
  addEvidence(g, evidence);
}

function addLinuxGap(
  lg: LinuxPackageGap,
  gapFor: (init: Parameters<typeof draft>[0]) => DraftGap,
  evidence: GapEvidence
): void {
  const g = gapFor({
    kind: 'package-update',
    key: `pkg:${lg.package}`,
    product: lg.package,
    title: lg.fixed ? `Upgrade ${lg.package} to ${lg.fixed} or later` : `Update ${lg.package}`,
    installed: lg.installed,
    ...(lg.fixed ? { required: lg.fixed } : {}),
    severity: lg.severity,
    rebootRequired: /^(linux|kernel|glibc|systemd)/.test(lg.package) ? true : null,
    security: lg.security,
    ...(lg.published ? { fixReleased: lg.published } : {})
  });
  if (lg.fixed) {
    g.required = lg.fixed;
    g.title = `Upgrade ${lg.package} to ${lg.fixed} or later`;
  }
  g.severity = worst(g.severity, lg.severity);
  g.security ||= lg.security;
  for (const c of lg.cves) g.cves.add(c);
  g.folded += Math.max(1, lg.advisories.length);
  addEvidence(g, evidence);
}

function finishGap(
  d: DraftGap,
  assetId: string,
  hostname: string,
  engine: GapEngine,
  context: AssetContext
): PatchGap {
  const cves = [...d.cves].sort();
  const riskKey = `${cves.join(' ')}|${d.scannerScore?.score ?? ''}|${d.scannerScore?.vector ?? ''}`;
  let risk = engine.riskCache.get(riskKey);
  if (!risk) {
    risk = engine.risk.summarize(cves, d.scannerScore);
    engine.riskCache.set(riskKey, risk);
  }
  let severity = d.severity;
  if (risk.cvss) severity = worst(severity, severityFromScore(risk.cvss.score));
  if (risk.kev) severity = worst(severity, 'high');
  const base: Omit<PatchGap, 'priority'> = {
    id: stableId('g', `${assetId}|${d.kind}|${d.key}`),
    assetId,
    hostname,
    kind: d.kind,
    product: d.product,
    title: d.title,
    ...(d.installed ? { installed: d.installed } : {}),
    ...(d.required ? { required: d.required } : {}),
    ...(d.kb ? { kb: d.kb } : {}),
    ...(d.fixReleased ? { fixReleased: d.fixReleased } : {}),
    severity,
    cves,
    ...(risk.cvss ? { cvss: risk.cvss } : {}),
    ...(risk.epss ? { epss: risk.epss } : {}),
    ...(risk.kev ? { kev: risk.kev } : {}),
    ...(risk.ssvc ? { ssvc: risk.ssvc } : {}),
    rebootRequired: d.rebootRequired,
    security: d.security,
    folded: d.folded,
    evidence: d.evidence,
    ...(d.support ? { support: d.support } : {})
  };
  return { ...base, priority: prioritize(base, context, engine.settings, engine.asOf) };
}

/** Most urgent first: due date, then rank, then severity, host and title. */
export function compareGaps(a: PatchGap, b: PatchGap): number {
  const da = a.priority.dueDate ?? '9999-12-31';
  const db = b.priority.dueDate ?? '9999-12-31';
  return (
    a.priority.rank - b.priority.rank ||
    (da < db ? -1 : da > db ? 1 : 0) ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    a.hostname.localeCompare(b.hostname, 'en') ||
    a.title.localeCompare(b.title, 'en') ||
    a.id.localeCompare(b.id)
  );
}

export function countGapsBySeverity(gaps: readonly PatchGap[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const g of gaps) out[g.severity] += 1;
  return out;
}
