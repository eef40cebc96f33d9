/**
 * /etc/os-release (or /usr/lib/os-release): which Linux distribution and release a machine runs.
 *
 * The file is a list of KEY=value assignments in shell syntax: values unquoted, in "double" quotes (with \" \\ \$ \`
 * escapes) or in 'single' quotes; '#' comments and blank lines are allowed. It becomes the OS of one machine:
 * family "linux", name PRETTY_NAME (or NAME), version VERSION_ID, and the distribution (ID, VERSION_ID, codename from
 * VERSION_CODENAME or UBUNTU_CODENAME, PRETTY_NAME, ID_LIKE) that patch data is looked up by.
 *
 * What would make the distribution wrong is reported: no ID or no VERSION_ID, an ID Patchfield does not know, and
 * files whose fields contradict each other (NAME one distribution and PRETTY_NAME another, VERSION another release
 * than VERSION_ID).
 * @see https://www.freedesktop.org/software/systemd/man/latest/os-release.html
 */
import type { OsInfo, Problem } from '../model';
import type { FormatHandler } from './handler';
import {
  LineGroup,
  hostnameFromLine,
  machineHost,
  parseLineFormat,
  plural,
  quoteLine,
  sampleLines,
  streamLineFormat,
  unnamedHostProblem,
  type LineFormat,
  type LineFormatParser,
  type LineParseOutcome
} from './line-reader';

/**
 * Distribution IDs Patchfield knows, with the words their NAME or PRETTY_NAME use (to catch contradictory files).
 * IDs sharing words (sles and sled) are one distribution for that check.
 */
const KNOWN_DISTROS: Record<string, RegExp> = {
  ubuntu: /\bubuntu\b/i,
  debian: /\bdebian\b/i,
  raspbian: /\braspbian\b/i,
  devuan: /\bdevuan\b/i,
  linuxmint: /\bmint\b/i,
  pop: /\bpop!?_?os\b/i,
  elementary: /\belementary\b/i,
  zorin: /\bzorin\b/i,
  kali: /\bkali\b/i,
  parrot: /\bparrot\b/i,
  neon: /\bneon\b/i,
  mx: /\bmx\b/i,
  pureos: /\bpureos\b/i,
  trisquel: /\btrisquel\b/i,
  astra: /\bastra\b/i,
  deepin: /\bdeepin\b/i,
  uos: /\buos\b|uniontech/i,
  rhel: /\bred hat\b|\brhel\b/i,
  centos: /\bcentos\b/i,
  fedora: /\bfedora\b/i,
  rocky: /\brocky\b/i,
  almalinux: /\balma ?linux\b/i,
  ol: /\boracle\b/i,
  scientific: /\bscientific\b/i,
  amzn: /\bamazon\b/i,
  eurolinux: /\beurolinux\b/i,
  navylinux: /\bnavy\b/i,
  circle: /\bcircle\b/i,
  cloudlinux: /\bcloudlinux\b/i,
  virtuozzo: /\bvirtuozzo\b/i,
  miraclelinux: /\bmiracle\b/i,
  alinux: /\balibaba\b|\balinux\b/i,
  anolis: /\banolis\b/i,
  openeuler: /\bopeneuler\b/i,
  euleros: /\beuleros\b/i,
  kylin: /\bkylin\b/i,
  tencentos: /\btencent\b/i,
  opencloudos: /\bopencloudos\b/i,
  redos: /\bred ?os\b/i,
  altlinux: /\balt\b/i,
  mageia: /\bmageia\b/i,
  openmandriva: /\bopenmandriva\b/i,
  sles: /\bsles\b|\bsuse linux enterprise\b/i,
  sled: /\bsled\b|\bsuse linux enterprise\b/i,
  'sle-micro': /\bsuse linux enterprise micro\b|\bsle micro\b/i,
  opensuse: /\bopensuse\b/i,
  'opensuse-leap': /\bopensuse\b/i,
  'opensuse-tumbleweed': /\bopensuse\b/i,
  'opensuse-microos': /\bopensuse\b/i,
  alpine: /\balpine\b/i,
  arch: /\barch\b/i,
  archarm: /\barch\b/i,
  manjaro: /\bmanjaro\b/i,
  endeavouros: /\bendeavour/i,
  garuda: /\bgaruda\b/i,
  gentoo: /\bgentoo\b/i,
  void: /\bvoid\b/i,
  nixos: /\bnixos\b/i,
  slackware: /\bslackware\b/i,
  solus: /\bsolus\b/i,
  photon: /\bphoton\b/i,
  mariner: /\bmariner\b/i,
  azurelinux: /\bazure linux\b/i,
  'clear-linux-os': /\bclear linux\b/i,
  coreos: /\bcoreos\b/i,
  'fedora-coreos': /\bfedora coreos\b|\bfedora\b/i,
  rhcos: /\bred hat enterprise linux coreos\b|\bred hat\b/i,
  flatcar: /\bflatcar\b/i,
  bottlerocket: /\bbottlerocket\b/i,
  wolfi: /\bwolfi\b/i,
  chainguard: /\bchainguard\b/i,
  postmarketos: /\bpostmarketos\b/i,
  steamos: /\bsteamos\b/i,
  tails: /\btails\b/i,
  clearos: /\bclearos\b/i
};

/** Rolling releases have no VERSION_ID by design. */
const ROLLING: ReadonlySet<string> = new Set([
  'arch',
  'archarm',
  'manjaro',
  'endeavouros',
  'garuda',
  'gentoo',
  'void',
  'opensuse-tumbleweed',
  'opensuse-microos',
  'wolfi',
  'chainguard'
]);

/** Keys the os-release specification defines (to recognise the file). */
const SPEC_KEYS: ReadonlySet<string> = new Set([
  'NAME',
  'ID',
  'ID_LIKE',
  'PRETTY_NAME',
  'CPE_NAME',
  'VARIANT',
  'VARIANT_ID',
  'VERSION',
  'VERSION_ID',
  'VERSION_CODENAME',
  'BUILD_ID',
  'IMAGE_ID',
  'IMAGE_VERSION',
  'HOME_URL',
  'DOCUMENTATION_URL',
  'SUPPORT_URL',
  'BUG_REPORT_URL',
  'PRIVACY_POLICY_URL',
  'SUPPORT_END',
  'LOGO',
  'ANSI_COLOR',
  'PLATFORM_ID',
  'UBUNTU_CODENAME',
  'DEFAULT_HOSTNAME'
]);

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * The value of one assignment as the shell would see it: quotes removed, escapes in double quotes resolved.
 * Undefined when the quoting is broken (an unclosed quote).
 */
export function unquoteOsReleaseValue(raw: string): string | undefined {
  const v = raw.trim();
  if (v.startsWith('"')) {
    let out = '';
    for (let i = 1; i < v.length; i++) {
      const c = v.charAt(i);
      if (c === '\\' && i + 1 < v.length && '"\\$`'.includes(v.charAt(i + 1))) {
        out += v.charAt(i + 1);
        i += 1;
      } else if (c === '"') {
        return endsCleanly(v.slice(i + 1)) ? out : undefined;
      } else out += c;
    }
    return undefined;
  }
  if (v.startsWith("'")) {
    const end = v.indexOf("'", 1);
    return end > 0 && endsCleanly(v.slice(end + 1)) ? v.slice(1, end) : undefined;
  }
  return v.replace(/\s+#.*$/, '');
}

/** Nothing after a closing quote but blanks or a shell comment. */
const endsCleanly = (rest: string): boolean => rest.trim() === '' || /^\s+#/.test(rest);

const major = (v: string | undefined): string | undefined => /^\d+/.exec(v ?? '')?.[0];

function distrosNamed(text: string | undefined): Set<string> {
  const found = new Set<string>();
  if (!text) return found;
  for (const [id, pattern] of Object.entries(KNOWN_DISTROS)) if (pattern.test(text)) found.add(id);
  return found;
}

const overlaps = (a: Set<string>, b: Set<string>): boolean => [...a].some((x) => b.has(x));

export interface OsReleaseReading {
  fields: Map<string, string>;
  os?: OsInfo;
  issues: Problem[];
}

/** Turns the fields of an os-release into the machine's OS, with the problems that make it doubtful. */
export function osFromOsRelease(fields: ReadonlyMap<string, string>): { os?: OsInfo; issues: Problem[] } {
  const issues: Problem[] = [];
  const get = (k: string): string | undefined => {
    const v = fields.get(k)?.trim();
    return v ? v : undefined;
  };
  const id = get('ID')?.toLowerCase();
  const versionId = get('VERSION_ID');
  const name = get('NAME');
  const pretty = get('PRETTY_NAME');
  const version = get('VERSION');
  const idLike = get('ID_LIKE')
    ?.toLowerCase()
    .split(/\s+/)
    .filter((x) => x !== '');
  if (!id && !name && !pretty && !versionId) {
    issues.push({
      severity: 'error',
      code: 'not-os-release',
      message:
        "This file has none of os-release's ID, NAME, PRETTY_NAME or VERSION_ID fields, so it does not say which Linux distribution the machine runs. Copy /etc/os-release from the machine (`cat /etc/os-release > os-release.txt`) and import that file."
    });
    return { issues };
  }
  if (!id) {
    issues.push({
      severity: 'warning',
      code: 'os-release-id-missing',
      message: `This os-release has no ID field${name ? ` (NAME is "${name}"${idLike ? `, ID_LIKE "${idLike.join(' ')}"` : ''})` : ''}, so the distribution is unknown and its packages cannot be checked against a distribution's advisories. Copy /etc/os-release from the machine again; if it really lacks ID, note the distribution by hand.`
    });
  } else if (!KNOWN_DISTROS[id]) {
    issues.push({
      severity: 'warning',
      code: 'os-release-unknown-id',
      message: `The distribution ID "${id}"${name ? ` (NAME "${name}")` : ''} is not one Patchfield knows${idLike ? `; ID_LIKE says it derives from ${idLike.join(', ')}, but its packages are not assumed to follow that distribution's advisories` : ''}. Check the machine's distribution and assess its packages by hand.`
    });
  }
  if (!versionId) {
    const rolling = id !== undefined && ROLLING.has(id);
    issues.push({
      severity: rolling ? 'info' : 'warning',
      code: 'os-release-version-missing',
      message: rolling
        ? `${pretty ?? name ?? id} is a rolling release without VERSION_ID: its packages are compared with the current repository state only.`
        : `This os-release has no VERSION_ID${version ? ` (VERSION is "${version}")` : ''}, so the release (e.g. 22.04, 12, 9.4) is unknown and end-of-life and advisories cannot be matched. Copy /etc/os-release from the machine again, or note the release by hand.`
    });
  }
  // Contradictions: a file edited by hand or a distribution rebuilt from another one.
  const contradictions: string[] = [];
  const byName = distrosNamed(name);
  const byPretty = distrosNamed(pretty);
  if (byName.size > 0 && byPretty.size > 0 && !overlaps(byName, byPretty)) {
    contradictions.push(`NAME is "${name}" but PRETTY_NAME is "${pretty}"`);
  }
  if (id && KNOWN_DISTROS[id] && (byName.size > 0 || byPretty.size > 0)) {
    const named = new Set([...byName, ...byPretty]);
    const idWords = KNOWN_DISTROS[id];
    if (!named.has(id) && !(name && idWords.test(name)) && !(pretty && idWords.test(pretty))) {
      contradictions.push(`ID is "${id}" but the names say "${name ?? pretty}"`);
    }
  }
  const versionMajor = major(version);
  const idMajor = major(versionId);
  if (versionMajor && idMajor && versionMajor !== idMajor) {
    contradictions.push(`VERSION is "${version}" but VERSION_ID is "${versionId}"`);
  }
  if (contradictions.length > 0) {
    issues.push({
      severity: 'warning',
      code: 'os-release-inconsistent',
      message: `This os-release contradicts itself: ${contradictions.join('; ')}. Patchfield uses ID "${id ?? '?'}" and VERSION_ID "${versionId ?? '?'}"; check on the machine which distribution and release it really runs (e.g. \`cat /etc/redhat-release\` or \`lsb_release -a\`) and correct the asset if needed.`
    });
  }
  let codename = get('VERSION_CODENAME') ?? get('UBUNTU_CODENAME');
  // Debian before 9 has no VERSION_CODENAME, only VERSION="8 (jessie)".
  if (!codename && id === 'debian' && version) codename = /\(([a-z]+)\)/.exec(version)?.[1];
  const os: OsInfo = { family: 'linux' };
  const shown = pretty ?? name;
  if (shown) os.name = shown;
  if (versionId) os.version = versionId;
  if (id) {
    os.distro = {
      id,
      ...(versionId ? { versionId } : {}),
      ...(codename ? { codename: codename.toLowerCase() } : {}),
      ...(pretty ? { prettyName: pretty } : {}),
      ...(idLike && idLike.length > 0 ? { idLike } : {})
    };
  }
  return { os, issues };
}

function osReleaseParser(): LineFormatParser {
  let hostname: string | undefined;
  const fields = new Map<string, string>();
  const badLines = new LineGroup();
  const repeated = new LineGroup();

  return {
    line(text, line, nth) {
      const t = text.trim();
      if (t === '' || t.startsWith('#')) return;
      const m = ASSIGNMENT.exec(t);
      if (!m || (!SPEC_KEYS.has(m[1] ?? '') && /^host/i.test(m[1] ?? ''))) {
        // A collector may put "hostname: web01" (or HOSTNAME=web01) above the file's content.
        const named = hostnameFromLine(t, nth === 1);
        if (named) {
          hostname ??= named;
          return;
        }
      }
      if (!m) {
        badLines.add(line, quoteLine(t));
        return;
      }
      const key = m[1] ?? '';
      const value = unquoteOsReleaseValue(m[2] ?? '');
      if (value === undefined) {
        badLines.add(line, quoteLine(t));
        return;
      }
      if (fields.has(key)) repeated.add(line, key);
      fields.set(key, value); // the shell keeps the last assignment
    },
    finish(): LineParseOutcome {
      const { os, issues } = osFromOsRelease(fields);
      issues.push(
        ...badLines.problem(
          'warning',
          'os-release-line-unreadable',
          (n, where) =>
            `${plural(n, 'line is', 'lines are')} not a KEY=value assignment with valid quoting (${where}: ${badLines.examples.join(' | ')}) and ${n === 1 ? 'was' : 'were'} skipped. Copy /etc/os-release from the machine again.`
        ),
        ...repeated.problem(
          'info',
          'os-release-key-repeated',
          (n, where) =>
            `${plural(n, 'key is', 'keys are')} assigned twice (${where}: ${repeated.examples.join(', ')}); the last value is used, as the shell does.`
        )
      );
      if (!os) return { hosts: [], issues };
      if (!hostname) issues.push(unnamedHostProblem('os-release'));
      return { hosts: [machineHost({ hostname, os })], issues };
    }
  };
}

export const OS_RELEASE: LineFormat = {
  format: 'os-release',
  what: 'os-release file',
  howTo: 'run `cat /etc/os-release > os-release.txt` on the machine',
  create: osReleaseParser
};

export const parseOsRelease = (bytes: Uint8Array) => parseLineFormat(bytes, OS_RELEASE);

export function sniffOsRelease(text: string): number | Problem {
  const lines = sampleLines(text.slice(0, 65536)).filter((l) => !l.trim().startsWith('#'));
  if (lines.length === 0) return 0;
  const keys = new Set<string>();
  let assignments = 0;
  for (const l of lines) {
    const m = ASSIGNMENT.exec(l.trim());
    if (!m) continue;
    assignments += 1;
    if (SPEC_KEYS.has(m[1] ?? '')) keys.add(m[1] ?? '');
  }
  if (assignments < lines.length * 0.9) return 0;
  if (keys.size === 0 && /^DISTRIB_ID=/m.test(text)) {
    return {
      severity: 'error',
      code: 'lsb-release-not-os-release',
      message:
        'This is /etc/lsb-release (DISTRIB_ID=…), which names the distribution but not in the form Patchfield reads. Copy /etc/os-release from the same machine (`cat /etc/os-release > os-release.txt`) and import that file.'
    };
  }
  const core = ['ID', 'PRETTY_NAME', 'VERSION_ID'].filter((k) => keys.has(k)).length;
  if (core >= 1 && keys.size >= 2) return 85;
  if (keys.has('NAME') && keys.size >= 2) return 70;
  return 0;
}

export const osReleaseHandlers: FormatHandler[] = [
  {
    format: 'os-release',
    family: 'linux',
    howTo:
      'On the Linux machine: { echo "hostname: $(hostname)"; cat /etc/os-release; } > "$(hostname)-os-release.txt"',
    sniff: ({ text }) => sniffOsRelease(text),
    create: (sink) => streamLineFormat(sink, OS_RELEASE)
  }
];
