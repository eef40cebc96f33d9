/**
 * Installed RPM packages (Red Hat, CentOS, Rocky, Alma, Oracle, Amazon Linux, Fedora, SUSE): `rpm -qa` (one
 * name-version-release.arch per line, or the fields of a `--qf` format on one line) and `rpm -qai` (one block of
 * "Key         : value" lines per package, ending with a multi-line Description).
 *
 * Each package → Software (ecosystem "rpm", version "[epoch:]version-release", sourcePackage the name of its
 * source RPM). The "gpg-pubkey" entries are the machine's trusted signing keys, not software: they are counted in
 * an info problem. Versions are read as strings; comparing them is core/versions' job.
 * @see https://rpm-software-management.github.io/rpm/manual/queryformat.html (tags and %{NEVRA})
 * @see https://rpm-software-management.github.io/rpm/man/rpm.8 (--info output)
 */
import type { Problem, Software } from '../model';
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

/** RPM architectures (rpmrc arch_canon and the ones distributions build for). */
export const RPM_ARCHITECTURES: ReadonlySet<string> = new Set([
  'x86_64',
  'x86_64_v2',
  'x86_64_v3',
  'noarch',
  'i386',
  'i486',
  'i586',
  'i686',
  'athlon',
  'aarch64',
  'armv7hl',
  'armv7hnl',
  'armv7l',
  'armv6hl',
  'armhfp',
  'ppc',
  'ppc64',
  'ppc64le',
  'ppc64p7',
  's390',
  's390x',
  'ia64',
  'alpha',
  'sparc',
  'sparc64',
  'sparcv9',
  'mips',
  'mipsel',
  'mips64el',
  'riscv64',
  'loongarch64',
  'src',
  'nosrc'
]);

export interface Nevra {
  name: string;
  /** Absent for no epoch (rpm prints "(none)"; an epoch of 0 is the same). */
  epoch?: string;
  version: string;
  release: string;
  arch?: string;
}

/** "[epoch:]version-release", as yum and dnf print it. */
export function evr(p: { epoch?: string | undefined; version: string; release: string }): string {
  return `${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
}

function cleanEpoch(epoch: string | undefined): string | undefined {
  if (!epoch || epoch === '(none)' || epoch === '0') return undefined;
  return /^\d+$/.test(epoch) ? epoch : undefined;
}

/**
 * Splits "openssl-libs-1:1.1.1k-9.el8_6.x86_64" (rpm's %{NEVRA}; also without the epoch or the arch) into its
 * parts. The architecture is only taken off when it is a known one, so "gpg-pubkey-f4a80eb5-53a7ff4b" keeps its
 * release.
 */
export function parseNevra(text: string): Nevra | undefined {
  let rest = text.trim();
  let arch: string | undefined;
  const dot = rest.lastIndexOf('.');
  if (dot > 0 && RPM_ARCHITECTURES.has(rest.slice(dot + 1))) {
    arch = rest.slice(dot + 1);
    rest = rest.slice(0, dot);
  }
  const r = rest.lastIndexOf('-');
  if (r <= 0) return undefined;
  const v = rest.lastIndexOf('-', r - 1);
  if (v <= 0) return undefined;
  const name = rest.slice(0, v);
  let version = rest.slice(v + 1, r);
  const release = rest.slice(r + 1);
  let epoch: string | undefined;
  const colon = version.indexOf(':');
  if (colon >= 0) {
    epoch = version.slice(0, colon);
    version = version.slice(colon + 1);
    if (!/^\d+$/.test(epoch)) return undefined;
  }
  if (!name || !version || !release || /\s/.test(text.trim())) return undefined;
  const e = cleanEpoch(epoch);
  return { name, version, release, ...(e ? { epoch: e } : {}), ...(arch ? { arch } : {}) };
}

/** "util-linux-2.23.2-61.el7.src.rpm" → "util-linux". */
export function sourceRpmName(text: string): string | undefined {
  const m = /^(.+)\.(?:no)?src\.rpm$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  return parseNevra(m[1])?.name;
}

const MONTHS: Record<string, string> = {
  jan: '01',
  feb: '02',
  mar: '03',
  apr: '04',
  may: '05',
  jun: '06',
  jul: '07',
  aug: '08',
  sep: '09',
  oct: '10',
  nov: '11',
  dec: '12'
};

/**
 * rpm's Install Date as the date it shows (the machine's local date): "Wed 16 Oct 2019 09:21:42 AM PDT" (rpm ≤ 4.14,
 * C locale), "Wed Oct 16 09:21:42 2019" (rpm 4.15+), ISO. Other locales' month names are not guessed.
 */
export function rpmDate(text: string): string | undefined {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?!\d)/.exec(t);
  if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
  const dmy = /^(?:[A-Za-z]{3},? )?(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b/.exec(t);
  if (dmy) {
    const month = MONTHS[(dmy[2] ?? '').toLowerCase()];
    if (month) return `${dmy[3]}-${month}-${(dmy[1] ?? '').padStart(2, '0')}`;
  }
  const mdy = /^(?:[A-Za-z]{3} )?([A-Za-z]{3}) +(\d{1,2}) [\d:]+(?: [A-Z]{2,5})? (\d{4})\b/.exec(t);
  if (mdy) {
    const month = MONTHS[(mdy[1] ?? '').toLowerCase()];
    if (month) return `${mdy[3]}-${month}-${(mdy[2] ?? '').padStart(2, '0')}`;
  }
  return undefined;
}

const GPG_PUBKEY = 'gpg-pubkey';

const gpgMessage = (n: number, where: string): string =>
  `${plural(n, '"gpg-pubkey" entry is', '"gpg-pubkey" entries are')} listed (${where}): these are the package signing keys the machine trusts, not software, and are not counted.`;

const lineMsg = (n: number, where: string): string =>
  `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}). If packages are missing, capture the list again on the machine and import the new file.`;

// ---------------------------------------------------------------------------------------------------------
// rpm -qai

/** A "Key         : value" line: the key padded to 12 characters, so Description text such as "Version: 4" is not one. */
function qaiField(text: string): { key: string; value: string } | undefined {
  if (text.length < 13 || text.charAt(12) !== ':') return undefined;
  const key = text.slice(0, 12);
  if (!/^[A-Z][A-Za-z ]*$/.test(key)) return undefined;
  return { key: key.trim(), value: text.slice(13).trim() };
}

interface QaiBlock {
  line: number;
  fields: Map<string, string>;
}

function rpmQaiParser(): LineFormatParser {
  let hostname: string | undefined;
  let block: QaiBlock | undefined;
  let inDescription = false;
  let blocks = 0;
  const software: Software[] = [];
  const keys = new LineGroup();
  const incomplete = new LineGroup();
  const unreadable = new LineGroup();
  let undated = 0;

  function close(): void {
    const b = block;
    block = undefined;
    inDescription = false;
    if (!b) return;
    blocks += 1;
    const name = b.fields.get('Name') ?? '';
    const version = b.fields.get('Version');
    const release = b.fields.get('Release');
    if (name === GPG_PUBKEY) {
      keys.add(b.line);
      return;
    }
    if (!version || !release) {
      incomplete.add(b.line, name);
      return;
    }
    const item: Software = {
      name,
      version: evr({ epoch: cleanEpoch(b.fields.get('Epoch')), version, release }),
      ecosystem: 'rpm'
    };
    const arch = b.fields.get('Architecture');
    if (arch && arch !== '(none)') item.architecture = arch;
    const vendor = b.fields.get('Vendor');
    if (vendor && vendor !== '(none)') item.vendor = vendor;
    const source = b.fields.get('Source RPM');
    const sourceName = source ? sourceRpmName(source) : undefined;
    if (sourceName) item.sourcePackage = sourceName;
    const installed = b.fields.get('Install Date');
    const date = installed ? rpmDate(installed) : undefined;
    if (date) item.installedOn = date;
    else if (installed) undated += 1;
    software.push(item);
  }

  return {
    line(text, line, nth) {
      const field = qaiField(text);
      if (field?.key === 'Name') {
        close();
        block = { line, fields: new Map([['Name', field.value]]) };
        return;
      }
      if (inDescription) return; // free text up to the next package's "Name        :" line
      if (!block) {
        const named = text.trim() === '' ? undefined : hostnameFromLine(text, nth === 1);
        if (named) hostname ??= named;
        else if (text.trim() !== '') unreadable.add(line, quoteLine(text));
        return;
      }
      if (!field) {
        if (text.trim() !== '') unreadable.add(line, quoteLine(text));
        return;
      }
      if (field.key === 'Description') {
        inDescription = true;
        return;
      }
      if (!block.fields.has(field.key)) block.fields.set(field.key, field.value);
    },
    finish(): LineParseOutcome {
      close();
      const issues: Problem[] = [];
      if (blocks === 0) {
        issues.push({
          severity: 'error',
          code: 'no-packages',
          message:
            'No "Name        : …" package block was found, so this is not `rpm -qai` output. On the machine, run `rpm -qai > packages.txt` and import that file.'
        });
        return { hosts: [], issues };
      }
      issues.push(
        ...incomplete.problem(
          'warning',
          'rpm-field-missing',
          (n, where) =>
            `${plural(n, 'package block has', 'package blocks have')} no Version or Release (${where}: ${incomplete.examples.join(', ')}) and ${n === 1 ? 'was' : 'were'} left out. Capture \`rpm -qai\` again on the machine; if it happens again, check the RPM database with \`rpm --rebuilddb\`.`
        ),
        ...keys.problem('info', 'rpm-gpg-pubkey', gpgMessage),
        ...unreadable.problem('warning', 'rpm-line-unreadable', lineMsg, unreadable.examples.join(' | '))
      );
      if (undated > 0) {
        issues.push({
          severity: 'info',
          code: 'rpm-date-unreadable',
          message: `The install date of ${plural(undated, 'package', 'packages')} is written in a form Patchfield does not read (probably a non-English locale), so no install date is kept. Capture the list with LC_ALL=C rpm -qai for dates.`
        });
      }
      if (software.length === 0) {
        issues.push({
          severity: 'warning',
          code: 'no-packages',
          message:
            'No installed package could be read from this rpm -qai output. Check that the command ran on the right machine.'
        });
      }
      if (!hostname) issues.push(unnamedHostProblem('rpm -qai output'));
      return { hosts: [machineHost({ hostname, os: { family: 'linux' }, software })], issues };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// rpm -qa

const EPOCH_TOKEN = /^(?:\d+|\(none\))$/;

/** One line of `rpm -qa`, default or with a `--qf` of NAME, EPOCH, VERSION, RELEASE, ARCH (and SOURCERPM). */
export function parseRpmQaLine(text: string): (Nevra & { sourcePackage?: string }) | undefined {
  const tokens = text.trim().split(/\s+/);
  const source = tokens.find((t) => /\.(?:no)?src\.rpm$/.test(t));
  const extra = source ? sourceRpmName(source) : undefined;
  const withSource = <T extends Nevra>(n: T | undefined): (Nevra & { sourcePackage?: string }) | undefined =>
    n ? { ...n, ...(extra ? { sourcePackage: extra } : {}) } : undefined;
  const [a = '', b = '', c = '', d = '', e = ''] = tokens;
  if (tokens.length === 1 || (tokens.length === 2 && source)) {
    // rpm -qa always prints the architecture, except for gpg-pubkey entries; without one, ask for a real
    // version-release so that a host name such as "db-server-01" is not taken for a package.
    const p = parseNevra(a);
    const plausible =
      p && (p.arch || p.name === GPG_PUBKEY || (/^\d/.test(p.version) && /\d/.test(p.release)));
    return plausible ? withSource(p) : undefined;
  }
  // NAME EPOCH VERSION RELEASE ARCH …
  if (tokens.length >= 5 && EPOCH_TOKEN.test(b) && (RPM_ARCHITECTURES.has(e) || e === '(none)')) {
    const epoch = cleanEpoch(b);
    return withSource({
      name: a,
      version: c,
      release: d,
      ...(epoch ? { epoch } : {}),
      ...(e !== '(none)' ? { arch: e } : {})
    });
  }
  // NAME VERSION RELEASE ARCH
  if (tokens.length >= 4 && RPM_ARCHITECTURES.has(d) && !c.includes(':')) {
    return withSource({ name: a, version: b, release: c, arch: d });
  }
  // NAME [EPOCH:]VERSION-RELEASE ARCH, or NAME [EPOCH:]VERSION-RELEASE
  if (tokens.length >= 2 && b.includes('-') && (tokens.length === 2 || RPM_ARCHITECTURES.has(c) || source)) {
    const p = parseNevra(`${a}-${b}`);
    if (p && p.name === a) return withSource({ ...p, ...(RPM_ARCHITECTURES.has(c) ? { arch: c } : {}) });
  }
  // The full NEVRA followed by other fields.
  const first = parseNevra(a);
  return first?.arch ? withSource(first) : undefined;
}

function rpmQaParser(): LineFormatParser {
  let hostname: string | undefined;
  let rows = 0;
  const software: Software[] = [];
  const keys = new LineGroup();
  const unreadable = new LineGroup();

  return {
    line(text, line, nth) {
      const t = text.trim();
      if (t === '') return;
      const p = parseRpmQaLine(t);
      if (!p) {
        const named = rows === 0 ? hostnameFromLine(t, nth === 1) : undefined;
        if (named) hostname ??= named;
        else unreadable.add(line, quoteLine(t));
        return;
      }
      rows += 1;
      if (p.name === GPG_PUBKEY) {
        keys.add(line);
        return;
      }
      const item: Software = { name: p.name, version: evr(p), ecosystem: 'rpm' };
      if (p.arch) item.architecture = p.arch;
      if (p.sourcePackage) item.sourcePackage = p.sourcePackage;
      software.push(item);
    },
    finish(): LineParseOutcome {
      const issues: Problem[] = [];
      if (rows === 0) {
        issues.push({
          severity: 'error',
          code: 'no-packages',
          message:
            'No "name-version-release.arch" line was found, so this is not `rpm -qa` output. On the machine, run `rpm -qa > packages.txt` and import that file.',
          ...(unreadable.lines[0] !== undefined ? { line: unreadable.lines[0] } : {})
        });
        return { hosts: [], issues };
      }
      issues.push(
        ...keys.problem('info', 'rpm-gpg-pubkey', gpgMessage),
        ...unreadable.problem('warning', 'rpm-line-unreadable', lineMsg, unreadable.examples.join(' | '))
      );
      if (!hostname) issues.push(unnamedHostProblem('rpm -qa output'));
      return { hosts: [machineHost({ hostname, os: { family: 'linux' }, software })], issues };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// Formats, detection, handlers

export const RPM_QA: LineFormat = {
  format: 'rpm-qa',
  what: 'rpm -qa output',
  howTo: 'run `rpm -qa > packages.txt` on the machine',
  create: rpmQaParser
};

export const RPM_QAI: LineFormat = {
  format: 'rpm-qai',
  what: 'rpm -qai output',
  howTo: 'run `rpm -qai > packages.txt` on the machine',
  create: rpmQaiParser
};

export const parseRpmQa = (bytes: Uint8Array) => parseLineFormat(bytes, RPM_QA);
export const parseRpmQai = (bytes: Uint8Array) => parseLineFormat(bytes, RPM_QAI);

export function sniffRpmQai(text: string): number {
  const sample = text.slice(0, 65536);
  return /^Name {8}: \S/m.test(sample) && /^Version {5}: \S/m.test(sample) && /^Release {5}: \S/m.test(sample)
    ? 95
    : 0;
}

export function sniffRpmQa(text: string): number {
  const lines = sampleLines(text.slice(0, 65536));
  if (lines.length < 3) return 0;
  let good = 0;
  let strong = 0;
  for (const l of lines) {
    const p = parseRpmQaLine(l);
    if (!p) continue;
    good += 1;
    if (p.arch || p.name === GPG_PUBKEY || /\.(?:el\d|fc\d\d|amzn\d|mga\d)/.test(p.release)) strong += 1;
  }
  if (good < 3 || good < lines.length * 0.8 || strong < good * 0.8) return 0;
  return 75;
}

export const rpmHandlers: FormatHandler[] = [
  {
    format: 'rpm-qa',
    family: 'linux',
    howTo: 'On the Red Hat/CentOS/Rocky/SUSE machine: rpm -qa > "$(hostname)-rpm.txt"',
    sniff: ({ text }) => sniffRpmQa(text),
    create: (sink) => streamLineFormat(sink, RPM_QA)
  },
  {
    format: 'rpm-qai',
    family: 'linux',
    howTo: 'On the Red Hat/CentOS/Rocky/SUSE machine: LC_ALL=C rpm -qai > "$(hostname)-rpm-qai.txt"',
    sniff: ({ text }) => sniffRpmQai(text),
    create: (sink) => streamLineFormat(sink, RPM_QAI)
  }
];
