import type { EolCycle, EolPart, EolProduct } from '../catalog/parts';
import type { OsInfo, Software, SupportVerdict } from '../model';

/**
 * Support phases from endoflife.date: is an operating system or a program still supported on a given day?
 * The matching rules are written for people in docs/eol-matching.md; this module follows them.
 *
 * A phase is decided from the cycle's dates: before `eoas` (end of active support) "supported"; after it and
 * before `eol` (end of security support) "security-only"; after `eol` and before `eoes` (paid extended support:
 * Windows ESU, Ubuntu ESM, RHEL ELS, SLES LTSS) "esu"; after everything "end-of-life". A date is reached on its own
 * day (support ends *on* the date). `true`/`false` in place of a date say the phase is over / not over.
 * No data is "unknown", never "supported".
 */

export type { SupportVerdict };

type Phase = SupportVerdict['phase'];

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

function productById(eol: EolPart, id: string): EolProduct | undefined {
  return eol.products.find((p) => p.id === id);
}

/** True when the phase that ends on `v` is over on `asOf`. */
function reached(v: string | boolean | undefined, asOf: string): boolean {
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  return asOf >= v;
}

function dateOf(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Names of the paid (or separate) extended support programmes, per product. */
const EXTENDED_SUPPORT: Record<string, string> = {
  windows: 'paid Extended Security Updates (ESU)',
  'windows-server': 'paid Extended Security Updates (ESU)',
  'windows-server-core': 'paid Extended Security Updates (ESU)',
  ubuntu: 'Expanded Security Maintenance (ESM, with Ubuntu Pro)',
  debian: 'Debian LTS (volunteer long-term support for a subset of packages)',
  rhel: 'Extended Life Cycle Support (ELS, a paid add-on)',
  'oracle-linux': 'Oracle Extended Support (paid)',
  sles: 'Long Term Service Pack Support (LTSS, paid)',
  mssqlserver: 'paid Extended Security Updates (ESU)',
  msexchange: 'paid Extended Security Updates (ESU)',
  'oracle-jdk': 'Oracle Extended Support (paid)',
  nodejs: 'commercial support (paid, third party)',
  openssl: 'OpenSSL premium support (paid)'
};

/**
 * Extended support that every machine gets without enrolling: Debian LTS is served from the regular security
 * archive, so the "esu" phase of Debian is not a gap.
 */
const EXTENDED_SUPPORT_AUTOMATIC = new Set(['debian']);

/** Product word(s) + cycle label, e.g. "Python 3.8", "Ubuntu 22.04 'Jammy Jellyfish'", "macOS 14 (Sonoma)". */
function displayName(product: EolProduct, cycle: EolCycle): string {
  const label = cycle.label ?? cycle.cycle;
  if (product.id === 'windows') return `Windows ${windowsLabel(label)}`;
  const words = product.title.split(/\s+/).filter((w) => w.length >= 4);
  if (words.some((w) => label.toLowerCase().includes(w.toLowerCase()))) return label;
  return `${product.title} ${label}`;
}

/** "11 24H2 (E)" → "11 24H2"; "10 1507 IOT" → "10 1507 IoT". */
function windowsLabel(label: string): string {
  return label
    .replace(/\s*\((E|W|LTS|LTSC)\)/gi, '')
    .replace(/\bIOT\b/g, 'IoT')
    .trim();
}

interface VerdictOptions {
  /** Name used in the sentence (e.g. "Windows 10 22H2 (Pro)"); defaults to the product and cycle label. */
  name?: string;
  /** Extra sentence appended to the text (e.g. that the edition was assumed). */
  note?: string;
  /** Windows ESU enrolment stated by the technician. */
  esuEnrolled?: boolean;
  /** Installed version, to compare with the cycle's latest release ("outdated"). */
  version?: string;
  /** Compare `version` with the cycle's latest (software, macOS); off for OS builds and distro packages. */
  checkLatest?: boolean;
  /** Distribution-maintained package: upstream end of life is not the end of security fixes. */
  distroPackage?: boolean;
  /** Programs: past eol is "end-of-life" even where paid extended support exists (the text names it). */
  extendedIsEol?: boolean;
}

function sentence(text: string, note: string | undefined): string {
  return note ? `${text} ${note}` : text;
}

/** The verdict for one cycle of one product on `asOf`. */
function verdictFor(
  product: EolProduct,
  cycle: EolCycle,
  asOf: string,
  opts: VerdictOptions = {}
): SupportVerdict {
  const name = opts.name ?? displayName(product, cycle);
  const eoas = dateOf(cycle.eoas);
  const eolDate = dateOf(cycle.eol);
  const eoes = dateOf(cycle.eoes);
  const base = {
    productId: product.id,
    product: product.title,
    cycle: cycle.cycle,
    cycleLabel: cycle.label ?? cycle.cycle,
    ...(eoas ? { eoas } : {}),
    ...(eolDate ? { eol: eolDate } : {}),
    ...(eoes ? { eoes } : {}),
    ...(cycle.latest ? { latest: cycle.latest } : {})
  };
  const make = (phase: Phase, gap: boolean, text: string): SupportVerdict => ({
    ...base,
    phase,
    gap,
    text: sentence(text, opts.note)
  });

  const since = eolDate ? ` since ${eolDate}` : '';
  if (reached(cycle.eol, asOf)) {
    if (opts.distroPackage) {
      return make(
        'security-only',
        false,
        `${name}: upstream support ended${eolDate ? ` on ${eolDate}` : ''}; security fixes now come only from the Linux distribution, for as long as its release is supported.`
      );
    }
    if (cycle.eoes !== undefined && !reached(cycle.eoes, asOf)) {
      const programme = EXTENDED_SUPPORT[product.id] ?? 'paid extended support';
      const until = eoes ? ` until ${eoes}` : '';
      if (opts.extendedIsEol) {
        return make(
          'end-of-life',
          true,
          `${name}: end of life${since}; ${programme} available${until}. Upgrade or replace.`
        );
      }
      if (EXTENDED_SUPPORT_AUTOMATIC.has(product.id)) {
        return make(
          'esu',
          false,
          `${name}: regular security support ended${eolDate ? ` on ${eolDate}` : ''}; ${programme} continues${until}.`
        );
      }
      if (opts.esuEnrolled) {
        return make(
          'esu',
          false,
          `${name}: end of life${since}; covered by ${programme}${until} (enrolment stated).`
        );
      }
      return make(
        'esu',
        true,
        `${name}: end of life${since}; ${programme} available${until}. Enrol or upgrade.`
      );
    }
    const extendedEnded = eoes ? `; extended support ended on ${eoes}` : '';
    return make(
      'end-of-life',
      true,
      `${name}: end of life${since}${extendedEnded}; no more security updates. Upgrade or replace.`
    );
  }

  if (opts.checkLatest && opts.version && cycle.latest && !opts.distroPackage) {
    const installed = versionNumbers(opts.version);
    const latest = versionNumbers(cycle.latest);
    if (installed.length > 0 && latest.length > 0 && compareNumbers(installed, latest) < 0) {
      return make(
        'outdated',
        true,
        `${name}: version ${opts.version} is installed, but ${cycle.latest} is the latest release of this supported cycle. Update.`
      );
    }
  }

  if (reached(cycle.eoas, asOf)) {
    const ended = eoas ? ` on ${eoas}` : '';
    const until = eolDate ? ` until ${eolDate}` : '';
    return make(
      'security-only',
      false,
      `${name}: active support ended${ended}; security updates only${until}.`
    );
  }
  if (eolDate) {
    const active =
      eoas && eoas !== eolDate
        ? `in active support until ${eoas}, security updates until ${eolDate}`
        : `supported until ${eolDate}`;
    return make('supported', false, `${name}: ${active}.`);
  }
  return make('supported', false, `${name}: supported (no end date announced).`);
}

function unknownVerdict(productId: string, product: string, why: string): SupportVerdict {
  return { productId, product, cycle: '', cycleLabel: '', phase: 'unknown', gap: false, text: why };
}

/** The leading dotted numbers of a version: "3.8.10" → [3,8,10]; "8u382-b05" → [8,0,382]; "1.1.1f" → [1,1,1]. */
export function versionNumbers(version: string): number[] {
  const v = version.trim().replace(/^v(?=\d)/i, '');
  const java = /^(?:1\.)?(\d+)(?:\.0)?[u_](\d+)/i.exec(v);
  if (java) return [Number(java[1]), 0, Number(java[2])];
  const m = /^\d+(?:\.\d+)*/.exec(v);
  if (!m) return [];
  return m[0].split('.').map(Number);
}

/** True when `version`'s leading numbers begin with all of `prefix`'s ("14.9" and "14"). */
function startsWithNumbers(version: string, prefix: string): boolean {
  const v = versionNumbers(version);
  const p = versionNumbers(prefix);
  return p.length > 0 && p.every((n, i) => v[i] === n);
}

function compareNumbers(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The cycle a version belongs to: cycles whose dotted numbers are a prefix of the version's, the longest one
 * winning ("2.12.4" → log4j "2.12", "2.17.1" → "2"). A cycle longer than the version matches when its extra
 * numbers are zeros ("15" → SLES "15.0"). Cycles that are not plain numbers ("10-22h2") never match here.
 */
export function cycleForVersion(product: EolProduct, version: string): EolCycle | undefined {
  const nums = versionNumbers(version);
  if (nums.length === 0) return undefined;
  let best: EolCycle | undefined;
  let bestLen = 0;
  for (const c of product.cycles) {
    if (!/^\d+(\.\d+)*$/.test(c.cycle)) continue;
    const cn = c.cycle.split('.').map(Number);
    let ok = true;
    for (let i = 0; i < cn.length; i++) {
      const v = nums[i];
      if (v === undefined ? cn[i] !== 0 : v !== cn[i]) {
        ok = false;
        break;
      }
    }
    const len = Math.min(cn.length, nums.length);
    if (ok && len > bestLen) {
      best = c;
      bestLen = len;
    }
  }
  return best;
}

/** The cycle that ends first (the more urgent one) among candidates. */
function earliestEnding(cycles: EolCycle[]): EolCycle | undefined {
  const endKey = (c: EolCycle): string => {
    const ends = [c.eol, c.eoes].map((v) =>
      v === true ? '0000-00-00' : v === false || v === undefined ? '9999-99-99' : v
    );
    return `${ends[0]}|${ends[1]}`;
  };
  return [...cycles].sort((a, b) => (endKey(a) < endKey(b) ? -1 : endKey(a) > endKey(b) ? 1 : 0))[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Windows

/** How a Windows edition is serviced: the (W)orkstation or (E)nterprise cycle, LTSC, or IoT LTSC. */
export type WindowsEditionKind = 'workstation' | 'enterprise' | 'ltsc' | 'iot-ltsc';

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** Whole words in Latin or Cyrillic text (JavaScript's \b only knows ASCII). */
function hasWord(text: string, words: string[]): boolean {
  return words.some((w) => new RegExp(`(?<![\\p{L}\\p{N}])${fold(w)}(?![\\p{L}\\p{N}])`, 'u').test(text));
}

/** Long-term servicing: "LTSC", "LTSB", "Корпоративная 2016 с долгосрочным обслуживанием", "长期服务". */
const LTSC_WORDS = ['ltsc', 'ltsb', 'long term servicing', 'долгосрочным обслуживанием'];
const LTSC_CJK = ['长期服务', '長期服務', '長期サービス'];
/**
 * Editions on the (W) cycle: Home, Pro, Pro for Workstations, Pro Education, and Windows 7/8 consumer editions,
 * as systeminfo and WMI print them in its display languages ("Professionnel", "Famille", "Профессиональная",
 * "Домашняя", "专业版", "家庭版", "專業版"). "Pro" decides before "Education": Pro Education is a (W) edition.
 */
const WORKSTATION_WORDS = [
  'pro',
  'professional',
  'professionnel',
  'professionnelle',
  'professionale',
  'profesional',
  'profissional',
  'professioneel',
  'home',
  'famille',
  'core',
  'single language',
  'ultimate',
  'starter',
  'home premium',
  'home basic',
  'профессиональная',
  'домашняя',
  'максимальная',
  'начальная'
];
const WORKSTATION_CJK = ['专业', '專業', '家庭', '家用', '旗舰', '旗艦', 'プロ', 'ホーム', '프로', '홈'];
/** Editions on the (E) cycle: Enterprise and Education ("Entreprise", "Éducation", "Корпоративная", "企业版", "教育版"). */
const ENTERPRISE_WORDS = [
  'enterprise',
  'entreprise',
  'education',
  'educacion',
  'educacao',
  'istruzione',
  'корпоративная',
  'для образовательных учреждений'
];
const ENTERPRISE_CJK = [
  '企业',
  '企業',
  '教育',
  'エンタープライズ',
  'エデュケーション',
  '엔터프라이즈',
  '교육'
];

/** The servicing kind of a Windows edition name, in any of systeminfo's display languages; undefined if unknown. */
export function windowsEditionKind(edition: string | undefined): WindowsEditionKind | undefined {
  if (!edition) return undefined;
  const t = fold(edition);
  const ltsc = hasWord(t, LTSC_WORDS) || LTSC_CJK.some((w) => t.includes(w));
  if (ltsc) return hasWord(t, ['iot']) ? 'iot-ltsc' : 'ltsc';
  if (hasWord(t, WORKSTATION_WORDS) || WORKSTATION_CJK.some((w) => t.includes(w))) return 'workstation';
  if (hasWord(t, ENTERPRISE_WORDS) || ENTERPRISE_CJK.some((w) => t.includes(w))) return 'enterprise';
  return undefined;
}

const KIND_WORDS: Record<WindowsEditionKind, string> = {
  workstation: 'Home/Pro',
  enterprise: 'Enterprise/Education',
  ltsc: 'Enterprise LTSC',
  'iot-ltsc': 'IoT Enterprise LTSC'
};

/** Windows version numbers from the OS record: "10.0.19045" or the build alone (older builds mapped to 6.x/5.x). */
function windowsVersion(os: OsInfo): { major: number; minor: number; build?: number } | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(os.version ?? '');
  if (m) {
    const build = m[3] !== undefined ? Number(m[3]) : os.build;
    return { major: Number(m[1]), minor: Number(m[2]), ...(build !== undefined ? { build } : {}) };
  }
  const b = os.build;
  if (b === undefined) return undefined;
  if (b >= 10240) return { major: 10, minor: 0, build: b };
  if (b === 9600) return { major: 6, minor: 3, build: b };
  if (b === 9200) return { major: 6, minor: 2, build: b };
  if (b === 7600 || b === 7601) return { major: 6, minor: 1, build: b };
  if (b >= 6000 && b <= 6003) return { major: 6, minor: 0, build: b };
  if (b === 3790) return { major: 5, minor: 2, build: b };
  if (b === 2600) return { major: 5, minor: 1, build: b };
  if (b === 2195) return { major: 5, minor: 0, build: b };
  return undefined;
}

/** Cycle id suffixes of the windows product: "-w", "-e", "-e-lts", "-iot-lts", "-iot", or none ("10-22h2"). */
function windowsSuffix(cycle: string): string {
  const m = /-(w|e|e-lts|iot-lts|iot)$/.exec(cycle);
  return m ? (m[1] as string) : '';
}

function pickWindowsClientCycle(
  candidates: EolCycle[],
  kind: WindowsEditionKind | undefined
): { cycle?: EolCycle; assumed: boolean } {
  if (candidates.length === 0) return { assumed: false };
  if (candidates.length === 1) return { cycle: candidates[0], assumed: false };
  const bySuffix = (...suffixes: string[]): EolCycle | undefined => {
    for (const s of suffixes) {
      const c = candidates.find((x) => windowsSuffix(x.cycle) === s);
      if (c) return c;
    }
    return undefined;
  };
  let chosen: EolCycle | undefined;
  if (kind === 'iot-ltsc') chosen = bySuffix('iot-lts', 'e-lts');
  else if (kind === 'ltsc') chosen = bySuffix('e-lts');
  else if (kind === 'enterprise') chosen = bySuffix('e', '');
  else if (kind === 'workstation') chosen = bySuffix('w', '');
  if (chosen) return { cycle: chosen, assumed: false };
  // The edition is unknown (or has no cycle of its own here): the cycle that ends first among the ordinary ones.
  const ordinary = candidates.filter((c) => !/lts|iot/.test(windowsSuffix(c.cycle)));
  return { cycle: earliestEnding(ordinary.length > 0 ? ordinary : candidates), assumed: true };
}

/** Windows Embedded editions by name (they are serviced on their own dates). */
const EMBEDDED_BY_NAME: [RegExp, string][] = [
  [/posready\s*7/i, 'posready-7'],
  [/embedded\s+standard\s+7/i, 'standard-7-sp1'],
  [/embedded\s+compact\s+2013/i, 'compact-2013'],
  [/embedded\s+compact\s+7/i, 'compact-7'],
  [/embedded\s+8\.1\s+industry/i, '8.1-industry'],
  [/embedded\s+8\.1\s+pro/i, '8.1-pro']
];

/** Client Windows before 10 by name, when no version is known. */
const CLIENT_BY_NAME: [RegExp, string][] = [
  [/windows\s+8\.1/i, '8.1'],
  [/windows\s+8(?![.\d])/i, '8'],
  [/windows\s+7/i, '7-sp1'],
  [/windows\s+vista/i, '6-sp2'],
  [/windows\s+xp/i, '5-sp3']
];

function editionShown(os: OsInfo): string | undefined {
  const e = os.edition?.trim();
  return e || undefined;
}

/**
 * The support phase of a Windows installation. The build picks the release (endoflife.date's `latest` is the
 * base build, "10.0.19045"), the displayVersion ("22H2") when the build is unknown; the edition picks the cycle:
 * Home/Pro/Pro for Workstations/Pro Education → (W), Enterprise/Education → (E), LTSC/LTSB → the LTSC cycle, IoT
 * Enterprise LTSC → the IoT cycle. An unknown edition takes the cycle that ends first and says so. Windows Server
 * is read from the windows-server product (LTSC by the year in its name, semi-annual releases by build), Windows
 * before 10 by version or name. After end of life, a cycle with ESU dates is "esu": a gap unless `esuEnrolled`.
 */
export function windowsSupport(os: OsInfo, eol: EolPart, asOf: string, esuEnrolled = false): SupportVerdict {
  const name = os.name ?? '';
  const isServer = os.productType === 'server' || /\bserver\b/i.test(name);
  const ver = windowsVersion(os);
  const edition = editionShown(os);
  const opts = { esuEnrolled };

  // Windows Embedded: its own product.
  const embedded = EMBEDDED_BY_NAME.find(([re]) => re.test(name));
  if (embedded) {
    const product = productById(eol, 'windows-embedded');
    const cycle = product?.cycles.find((c) => c.cycle === embedded[1]);
    if (product && cycle) return verdictFor(product, cycle, asOf, opts);
  }

  if (isServer) {
    const product = productById(eol, 'windows-server');
    if (!product)
      return unknownVerdict(
        'windows-server',
        'Microsoft Windows Server',
        'Windows Server: support status unknown; the catalog has no end-of-life data for Windows Server.'
      );
    let candidates: EolCycle[] = [];
    const year = /server\s+(\d{4})(\s*r2)?/i.exec(name);
    if (year) {
      const key = `${year[1]}${year[2] ? '-r2' : ''}`;
      candidates = product.cycles.filter(
        (c) =>
          (c.cycle === key || c.cycle.startsWith(`${key}-`)) && (year[2] || !c.cycle.startsWith(`${key}-r2`))
      );
      const sp = /(\d+)/.exec(os.servicePack ?? '');
      if (candidates.length > 1 && sp) {
        const withSp = candidates.filter((c) => c.cycle.endsWith(`-sp${sp[1]}`));
        if (withSp.length > 0) candidates = withSp;
      }
    }
    if (candidates.length === 0 && ver?.build !== undefined) {
      const latest = `${ver.major}.${ver.minor}.${ver.build}`;
      candidates = product.cycles.filter((c) => c.latest === latest);
      // A server name without a year ("Windows Server Datacenter") is a semi-annual (or annual) channel release.
      if (candidates.length > 1 && name && !year) {
        const channel = candidates.filter((c) => /-(sac|ac)$/.test(c.cycle));
        if (channel.length > 0) candidates = channel;
      }
    }
    if (candidates.length === 0) {
      return unknownVerdict(
        product.id,
        product.title,
        `${name || 'Windows Server'}: support status unknown; the version${ver?.build ? ` (build ${ver.build})` : ''} matches no Windows Server release in the catalog.`
      );
    }
    const cycle = candidates.length === 1 ? candidates[0]! : earliestEnding(candidates)!;
    const label = cycle.label ?? `Windows Server ${cycle.cycle}`;
    const note =
      candidates.length > 1
        ? 'Release not certain from the data given: assumed the one that ends first.'
        : undefined;
    return verdictFor(product, cycle, asOf, {
      ...opts,
      name: edition ? `${label} (${edition})` : label,
      ...(note ? { note } : {})
    });
  }

  const product = productById(eol, 'windows');
  if (!product)
    return unknownVerdict(
      'windows',
      'Microsoft Windows',
      `${name || 'Windows'}: support status unknown; the catalog has no end-of-life data for Windows.`
    );
  let candidates: EolCycle[] = [];
  if (ver && ver.major >= 10 && ver.build !== undefined) {
    candidates = product.cycles.filter((c) => c.latest === `10.0.${ver.build}`);
  } else if (ver && ver.major < 10) {
    // Windows before 10: one cycle per version whatever the edition (XP x64, 5.2, ended with XP).
    const mm = ver.major === 5 && ver.minor === 2 ? '5.1' : `${ver.major}.${ver.minor}`;
    candidates = product.cycles.filter((c) => c.latest?.startsWith(`${mm}.`));
  }
  if (candidates.length === 0 && os.displayVersion) {
    const gen =
      /windows\s+11/i.test(name) || (ver?.build ?? 0) >= 22000
        ? '11'
        : /windows\s+10/i.test(name)
          ? '10'
          : undefined;
    const dv = os.displayVersion.toLowerCase();
    if (gen)
      candidates = product.cycles.filter(
        (c) => c.cycle === `${gen}-${dv}` || c.cycle.startsWith(`${gen}-${dv}-`)
      );
  }
  if (candidates.length === 0 && !ver) {
    const byName = CLIENT_BY_NAME.find(([re]) => re.test(name));
    if (byName) candidates = product.cycles.filter((c) => c.cycle === byName[1]);
  }
  if (candidates.length === 0) {
    const what =
      ver?.build !== undefined ? ` (build ${ver.build})` : os.displayVersion ? ` (${os.displayVersion})` : '';
    return unknownVerdict(
      product.id,
      product.title,
      `${name || 'Windows'}: support status unknown; the version${what} matches no Windows release in the catalog.`
    );
  }
  const kind = windowsEditionKind(edition ?? name);
  const { cycle, assumed } = pickWindowsClientCycle(candidates, kind);
  const chosen = cycle ?? candidates[0]!;
  const label = `Windows ${windowsLabel(chosen.label ?? chosen.cycle)}`;
  const shown = edition ? `${label} (${edition})` : `${label} (edition unknown)`;
  const assumedKind = windowsSuffix(chosen.cycle) === 'e' ? KIND_WORDS.enterprise : KIND_WORDS.workstation;
  const note = assumed
    ? `Edition ${edition ? `"${edition}" not recognised` : 'not stated'}: assumed ${assumedKind}, whose support ends first.`
    : undefined;
  return verdictFor(product, chosen, asOf, { ...opts, name: shown, ...(note ? { note } : {}) });
}

// ---------------------------------------------------------------------------------------------------------------
// Linux and macOS

/** os-release ID → endoflife.date product. Derivatives (Mint, Pop!_OS) are not mapped: their dates differ. */
const DISTRO_PRODUCTS: Record<string, string> = {
  ubuntu: 'ubuntu',
  debian: 'debian',
  rhel: 'rhel',
  redhat: 'rhel',
  almalinux: 'almalinux',
  rocky: 'rocky-linux',
  centos: 'centos',
  'centos-stream': 'centos-stream',
  ol: 'oracle-linux',
  oracle: 'oracle-linux',
  sles: 'sles',
  sles_sap: 'sles',
  sled: 'sles',
  'opensuse-leap': 'opensuse',
  opensuse: 'opensuse'
};

/**
 * The support phase of a Linux distribution release from os-release (ID, VERSION_ID, PRETTY_NAME). The version
 * picks the cycle by its leading numbers (RHEL "9.3" → "9", SLES "15.5" → "15.5", "15" → "15.0"); CentOS Stream
 * is told from CentOS Linux by its name. Ubuntu ESM, RHEL ELS, Oracle Extended Support and SLES LTSS are paid: that
 * phase is "esu" and a gap; Debian LTS is free and automatic, so it is "esu" without a gap.
 */
export function linuxSupport(
  distro: { id: string; versionId?: string; prettyName?: string },
  eol: EolPart,
  asOf: string
): SupportVerdict {
  const id = distro.id.trim().toLowerCase();
  let productId = DISTRO_PRODUCTS[id];
  if (productId === 'centos' && /stream/i.test(distro.prettyName ?? '')) productId = 'centos-stream';
  const shown = distro.prettyName?.trim() || `${distro.id} ${distro.versionId ?? ''}`.trim();
  if (!productId) {
    return unknownVerdict(
      id,
      distro.prettyName ?? distro.id,
      `${shown}: support status unknown; the catalog has no end-of-life data for this distribution.`
    );
  }
  const product = productById(eol, productId);
  if (!product) {
    return unknownVerdict(
      productId,
      distro.prettyName ?? distro.id,
      `${shown}: support status unknown; the catalog has no end-of-life data for it.`
    );
  }
  const version = distro.versionId?.trim() || /\d+(?:\.\d+)*/.exec(distro.prettyName ?? '')?.[0];
  const cycle = version ? cycleForVersion(product, version) : undefined;
  if (!cycle) {
    return unknownVerdict(
      product.id,
      product.title,
      `${shown}: support status unknown; ${version ? `version ${version} matches no ${product.title} release in the catalog` : 'the release version is not stated'}.`
    );
  }
  return verdictFor(product, cycle, asOf);
}

/**
 * The support phase of a macOS installation: the version ("14.5", "10.15.7", or from the name) picks the cycle
 * (14, 10.15); a version below the cycle's latest release is "outdated" (Apple ships security fixes as point
 * releases). Apple announces no end dates: endoflife.date marks a release end of life when Apple stops updating it.
 */
export function macosSupport(os: OsInfo, eol: EolPart, asOf: string): SupportVerdict {
  const product = productById(eol, 'macos');
  const shown = os.name ?? 'macOS';
  if (!product)
    return unknownVerdict(
      'macos',
      'Apple macOS',
      `${shown}: support status unknown; the catalog has no end-of-life data for macOS.`
    );
  const version = os.version ?? /\b(1[0-9]|2[0-9])(?:\.\d+){0,2}\b/.exec(os.name ?? '')?.[0];
  const cycle = version ? cycleForVersion(product, version) : undefined;
  if (!version || !cycle) {
    return unknownVerdict(
      product.id,
      product.title,
      `${shown}: support status unknown; ${version ? `version ${version} matches no macOS release in the catalog` : 'the version is not stated'}.`
    );
  }
  return verdictFor(product, cycle, asOf, { version, checkLatest: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Software

/** A program name rule: the product, and how to read the version (from the name, else the program's version). */
interface NameRule {
  re: RegExp;
  product: string;
  /** Capture group holding a version in the name, preferred over the program's version field. */
  versionGroup?: number;
  /** Capture group holding a year that names the cycle (Office, Exchange). */
  yearGroup?: number;
  /** The program's version field is not the product version (Python's installer writes 3.8.10150.0). */
  nameVersionOnly?: boolean;
}

/**
 * Windows "Programs and Features" names (DisplayName), winget names and macOS application names. Anchored so that
 * companion entries (updaters, language packs, "Python 3.8.10 Standard Library", SQL Server tools) do not match.
 */
const NAME_RULES: NameRule[] = [
  { re: /^google chrome$/i, product: 'chrome' },
  {
    re: /^mozilla firefox(?: esr)?(?: \d[\d.]*)?(?: esr)?(?: \((?:x64|x86|arm64)(?: [a-z]{2}(?:-[a-z]{2,4})?)?\))?$/i,
    product: 'firefox'
  },
  { re: /^firefox$/i, product: 'firefox' },
  {
    re: /^python (\d+\.\d+\.\d+)(?:[a-z]+\d*)? ?(?:\((?:32|64)-bit\))?$/i,
    product: 'python',
    versionGroup: 1,
    nameVersionOnly: true
  },
  { re: /^node\.js$/i, product: 'nodejs' },
  { re: /^notepad\+\+(?: \((?:32|64)-bit(?: x64| x86| arm64)?\))?$/i, product: 'notepad-plus-plus' },
  {
    re: /^wireshark(?: (\d+\.\d+\.\d+))?(?: (?:32|64)-bit| \((?:32|64)-bit\)| x64| x86)?$/i,
    product: 'wireshark',
    versionGroup: 1
  },
  {
    re: /^veeam backup (?:&|and) replication(?: (?:server|console))?$/i,
    product: 'veeam-backup-and-replication'
  },
  {
    re: /^eclipse temurin (?:jdk|jre) with hotspot (\d+(?:\.\d+)*(?:u\d+)?)/i,
    product: 'eclipse-temurin',
    versionGroup: 1,
    nameVersionOnly: true
  },
  { re: /^powershell (\d+)(?:\.\d+)*-(?:x64|x86|arm64)$/i, product: 'powershell' },
  { re: /^powershell 7(?:\.\d+)*(?: \((?:x64|x86)\))?$/i, product: 'powershell' },
  {
    re: /^microsoft (?:\.net|asp\.net core|windows desktop) runtime - (\d+\.\d+\.\d+)/i,
    product: 'dotnet',
    versionGroup: 1
  },
  {
    re: /^microsoft \.net (?:core )?(?:sdk|host|runtime) (\d+\.\d+\.\d+)/i,
    product: 'dotnet',
    versionGroup: 1
  },
  { re: /^microsoft asp\.net core (\d+\.\d+\.\d+) - shared framework/i, product: 'dotnet', versionGroup: 1 },
  {
    re: /^microsoft sql server (\d{4}(?: r2)?)(?: \((?:32|64)-bit\))?$/i,
    product: 'mssqlserver',
    yearGroup: 1
  },
  { re: /^microsoft exchange server (\d{4})\b/i, product: 'msexchange', yearGroup: 1 },
  { re: /^microsoft 365 apps\b|^microsoft office 365\b|^microsoft 365 -/i, product: 'office' },
  {
    re: /^microsoft office (?!.*\b(?:proofing|language|mui|shared|component|click-to-run|tools|runtime|viewer|web components|converter|add-?in)\b)(?:[a-z&+ ]+ )?(2007|2010|2013|2016|2019|2021|2024)\b/i,
    product: 'office',
    yearGroup: 1
  },
  { re: /^apache tomcat (\d+(?:\.\d+)?)\b/i, product: 'tomcat', versionGroup: 1 },
  { re: /^postgresql (\d+(?:\.\d+)?)\s*$/i, product: 'postgresql', versionGroup: 1 },
  { re: /^mysql server (\d+\.\d+)$/i, product: 'mysql', versionGroup: 1 },
  {
    re: /^visual studio (?:community|professional|enterprise|build tools) (20\d\d)$/i,
    product: 'visual-studio'
  }
];

/** Linux package rules: binary package names whose version is the upstream product's (identifiers cover the rest). */
const PACKAGE_RULES: { re: RegExp; product: string; versionFromName?: boolean }[] = [
  { re: /^(?:openssl|openssl-libs|openssl\d+|libssl\d[\d.]*(?:t64)?)$/, product: 'openssl' },
  { re: /^nginx$/, product: 'nginx' },
  { re: /^(?:apache2|httpd)$/, product: 'apache-http-server' },
  { re: /^postgresql-(\d+(?:\.\d+)?)$|^postgresql(\d+)?-server$/, product: 'postgresql' },
  { re: /^mysql-server(?:-\d+\.\d+)?$|^mysql-community-server$/, product: 'mysql' },
  { re: /^php\d+(?:\.\d+)?(?:-common|-cli|-fpm)?$|^php(?:-common|-cli|-fpm)?$/, product: 'php' },
  { re: /^python(?:\d(?:\.\d+)?|\d{2,3})?$/, product: 'python' },
  { re: /^nodejs$/, product: 'nodejs' },
  { re: /^tomcat\d*$/, product: 'tomcat' },
  { re: /^openjdk-\d+-(?:jre|jdk)(?:-headless)?$/, product: 'eclipse-temurin' },
  { re: /^java-(?:1\.\d+\.\d+|\d+)-openjdk(?:-headless|-devel)?$/, product: 'red-hat-build-of-openjdk' },
  { re: /^linux-image-(\d+\.\d+)\.\d+/, product: 'linux-kernel', versionFromName: true },
  { re: /^kernel(?:-core)?$/, product: 'linux-kernel' }
];

const DISTRO_ECOSYSTEMS = new Set(['deb', 'rpm', 'apk']);

/** Upstream version of a distribution package: "1:3.0.2-0ubuntu1.10" → "3.0.2"; "1.0.2k-25.el7_9" → "1.0.2k". */
function upstreamVersion(version: string): string {
  return version
    .trim()
    .replace(/^\d+:/, '')
    .replace(/[-~+].*$/, '');
}

interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

function parsePurl(text: string): Purl | undefined {
  const m = /^pkg:([a-z0-9.+-]+)\/([^?#@]+)(?:@([^?#]+))?/i.exec(text.trim());
  if (!m) return undefined;
  const parts = (m[2] as string).split('/').map((p) => decodeURIComponent(p));
  const name = parts.pop();
  if (!name) return undefined;
  const purl: Purl = { type: (m[1] as string).toLowerCase(), name };
  if (parts.length > 0) purl.namespace = parts.join('/');
  if (m[3]) purl.version = decodeURIComponent(m[3]);
  return purl;
}

/** "cpe:2.3:a:python:python:3.8.10" or "cpe:/a:python:python:3.8.10" → part, vendor, product, version. */
function parseCpe(text: string): { key: string; version?: string } | undefined {
  const t = text.trim().toLowerCase();
  let fields: string[];
  if (t.startsWith('cpe:2.3:')) fields = t.slice(8).split(':');
  else if (t.startsWith('cpe:/')) fields = t.slice(5).split(':');
  else return undefined;
  if (fields.length < 3) return undefined;
  const [part, vendor, product, version] = fields;
  const v = version && version !== '*' && version !== '-' ? version : undefined;
  return { key: `${part}:${vendor}:${product}`, ...(v ? { version: v } : {}) };
}

function productByCpe(eol: EolPart, key: string): EolProduct | undefined {
  return eol.products.find((p) => p.identifiers.some((i) => parseCpe(i)?.key === key));
}

/** A product whose purl identifiers name this package: same type and name; same namespace when both give one. */
function productByPurl(eol: EolPart, purl: Purl): EolProduct | undefined {
  const name = purl.name.toLowerCase();
  return eol.products.find((p) =>
    p.identifiers.some((i) => {
      if (i.includes('?')) return false;
      const id = parsePurl(i);
      if (!id || id.type !== purl.type || id.name.toLowerCase() !== name) return false;
      if (DISTRO_ECOSYSTEMS.has(id.type)) return true;
      return !id.namespace || !purl.namespace || id.namespace.toLowerCase() === purl.namespace.toLowerCase();
    })
  );
}

/** SQL Server year → major version, for names without a version ("Microsoft SQL Server 2016 (64-bit)"). */
const SQL_SERVER_YEARS: Record<string, number[]> = {
  '2025': [17, 0],
  '2022': [16, 0],
  '2019': [15, 0],
  '2017': [14, 0],
  '2016': [13, 0],
  '2014': [12, 0],
  '2012': [11, 0],
  '2008 r2': [10, 50],
  '2008': [10, 0],
  '2005': [9, 0]
};

/**
 * SQL Server cycles are service packs ("13.0-sp2"): the version's build picks the first service pack whose
 * latest build is at or above it. Windows lists component versions as 13.2.5026.0 (the second number is the
 * service pack): major and build are what count. Without a build, the earliest-ending service pack is assumed.
 */
function sqlServerCycle(
  product: EolProduct,
  year: string | undefined,
  version: string | undefined
): { cycle?: EolCycle; assumed: boolean } {
  const nums = version ? versionNumbers(version) : [];
  let major: number[] | undefined =
    nums.length >= 1 ? [nums[0] as number, nums[0] === 10 && nums[1] === 50 ? 50 : 0] : undefined;
  if (year) {
    const fromYear = SQL_SERVER_YEARS[year.toLowerCase()];
    if (fromYear && (!major || major[0] !== fromYear[0])) major = fromYear;
  }
  if (!major) return { assumed: false };
  const cycles = product.cycles.filter((c) => {
    const m = /^(\d+)\.(\d+)/.exec(c.cycle);
    return m && Number(m[1]) === major[0] && Number(m[2]) === major[1];
  });
  if (cycles.length === 0) return { assumed: false };
  const build = nums.length >= 3 && nums[0] === major[0] ? nums[2] : undefined;
  if (build === undefined)
    return { cycle: cycles.length === 1 ? cycles[0] : earliestEnding(cycles), assumed: cycles.length > 1 };
  const sorted = cycles
    .map((c) => ({ c, b: versionNumbers(c.latest ?? '')[2] ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.b - b.b);
  const hit = sorted.find((x) => x.b >= build) ?? sorted[sorted.length - 1];
  return { cycle: hit?.c, assumed: false };
}

/** The program or package as one product, cycle key and version, or undefined when no rule matches. */
interface Match {
  product: EolProduct;
  version?: string;
  year?: string;
  distroPackage: boolean;
  /** "linux-image-5.15.0-91-generic": the cycle is in the name. */
  cycleHint?: string;
}

function matchSoftware(sw: Software, eol: EolPart): Match | undefined {
  const name = sw.name.trim().replace(/\s+/g, ' ');
  const ecosystem = sw.ecosystem?.toLowerCase();

  // 1. CPE, in the purl field or as the name.
  for (const text of [sw.purl, name]) {
    if (!text) continue;
    const cpe = parseCpe(text);
    if (!cpe) continue;
    const product = productByCpe(eol, cpe.key);
    if (product) {
      const version = sw.version ?? cpe.version;
      return { product, ...(version ? { version } : {}), distroPackage: false };
    }
  }

  // 2. purl, by the products' purl identifiers, then by the package rules for its type.
  const purl = sw.purl ? parsePurl(sw.purl) : /^pkg:/i.test(name) ? parsePurl(name) : undefined;
  const pkgEcosystem = purl?.type ?? ecosystem;
  const pkgName = purl?.name ?? name;
  const rawVersion = sw.version ?? purl?.version;
  const isDistro = pkgEcosystem !== undefined && DISTRO_ECOSYSTEMS.has(pkgEcosystem);
  if (purl) {
    const product = productByPurl(eol, purl);
    if (product) {
      const version = rawVersion ? (isDistro ? upstreamVersion(rawVersion) : rawVersion) : undefined;
      return { product, ...(version ? { version } : {}), distroPackage: isDistro };
    }
  }

  // 3. Distribution packages by name (dpkg, rpm, apk).
  if (isDistro) {
    const lower = pkgName.toLowerCase();
    const viaId = productByPurl(eol, { type: pkgEcosystem as string, name: lower });
    const rule = PACKAGE_RULES.find((r) => r.re.test(lower));
    const product = viaId ?? (rule ? productById(eol, rule.product) : undefined);
    if (!product) return undefined;
    const version = rawVersion ? upstreamVersion(rawVersion) : undefined;
    const hint = rule?.versionFromName ? rule.re.exec(lower)?.[1] : undefined;
    // A PHP build from the deb.sury.org archive is not the distribution's: upstream dates apply in full.
    const thirdParty = /sury|nginx\.org|pgdg/i.test(rawVersion ?? '');
    return {
      product,
      ...(version ? { version } : {}),
      distroPackage: !thirdParty,
      ...(hint ? { cycleHint: hint } : {})
    };
  }

  // 4. Program names (Windows, winget, macOS applications).
  for (const rule of NAME_RULES) {
    const m = rule.re.exec(name);
    if (!m) continue;
    const product = productById(eol, rule.product);
    if (!product) return undefined;
    const fromName = rule.versionGroup !== undefined ? m[rule.versionGroup] : undefined;
    // The version field is more precise when it agrees with the name ("PostgreSQL 14" at 14.9).
    const field = rule.nameVersionOnly ? undefined : sw.version;
    const agrees = fromName !== undefined && field !== undefined && startsWithNumbers(field, fromName);
    const version = agrees ? field : (fromName ?? field);
    const year = rule.yearGroup !== undefined ? m[rule.yearGroup] : undefined;
    return { product, ...(version ? { version } : {}), ...(year ? { year } : {}), distroPackage: false };
  }
  return undefined;
}

/** Office and Exchange cycles by year; "LTSC" in an Office name picks the LTSC cycle where the data has one. */
function cycleByYear(product: EolProduct, year: string, name: string): EolCycle | undefined {
  if (/\bltsc\b/i.test(name)) {
    const ltsc = product.cycles.find((c) => c.cycle === `${year}-ltsc`);
    if (ltsc) return ltsc;
  }
  return product.cycles.find((c) => c.cycle === year);
}

/**
 * The support phase of an installed program or package, or undefined when no product matches (never a guess).
 * Matching, in order: a CPE (in `purl` or as the name) or a purl against the products' identifiers; distribution
 * package names (openssl/libssl3, nginx, apache2/httpd, postgresql-14, mysql-server-8.0, php8.1, python3.x,
 * nodejs, tomcat9, openjdk-17-jre, linux-image-*); Windows program names ("Google Chrome", "Python 3.8.10
 * (64-bit)", "Microsoft SQL Server 2016 (64-bit)", "Microsoft Office Professional Plus 2016"…). The version picks
 * the cycle by its leading numbers, the longest cycle winning. Phases: past eol → "end-of-life"; past eoas →
 * "security-only"; below the cycle's latest release → "outdated"; else "supported". Distribution packages are
 * never "outdated" (distributions backport fixes without changing the upstream version) and an upstream end of
 * life is "security-only" for them: the distribution's own support is judged by {@link linuxSupport}.
 */
export function softwareSupport(sw: Software, eol: EolPart, asOf: string): SupportVerdict | undefined {
  const match = matchSoftware(sw, eol);
  if (!match) return undefined;
  const { product, version } = match;
  const shown = sw.name.trim();

  if (product.id === 'mssqlserver') {
    const { cycle, assumed } = sqlServerCycle(product, match.year, version);
    if (!cycle)
      return unknownVerdict(
        product.id,
        product.title,
        `${shown}: support status unknown; the version matches no SQL Server release in the catalog.`
      );
    return verdictFor(product, cycle, asOf, {
      extendedIsEol: true,
      ...(version ? { version } : {}),
      ...(assumed ? { note: 'Service pack not stated: assumed the one whose support ends first.' } : {})
    });
  }

  if (match.year) {
    const cycle = cycleByYear(product, match.year, shown);
    if (!cycle)
      return unknownVerdict(
        product.id,
        product.title,
        `${shown}: support status unknown; ${product.title} ${match.year} is not in the catalog.`
      );
    return verdictFor(product, cycle, asOf, { extendedIsEol: true });
  }
  if (product.id === 'office') {
    return unknownVerdict(
      product.id,
      product.title,
      `${shown}: serviced continuously by channel; endoflife.date lists no cycle for it. Check that the update channel is supported.`
    );
  }

  const key = match.cycleHint ?? version;
  const cycle = key ? cycleForVersion(product, key) : undefined;
  if (!cycle) {
    return unknownVerdict(
      product.id,
      product.title,
      `${shown}: support status unknown; ${version ? `version ${version} matches no ${product.title} release in the catalog` : 'the version is not stated'}.`
    );
  }
  const note =
    product.id === 'eclipse-temurin' && match.distroPackage
      ? 'Dates are those of the upstream OpenJDK update releases (as built by Eclipse Temurin).'
      : undefined;
  return verdictFor(product, cycle, asOf, {
    extendedIsEol: true,
    ...(version ? { version } : {}),
    checkLatest: true,
    distroPackage: match.distroPackage,
    ...(note ? { note } : {})
  });
}
