/**
 * What apt says it would upgrade on a Debian or Ubuntu machine: `apt list --upgradable`, `apt-get -s upgrade`
 * (the simulation's Inst/Conf/Remv lines) and the human `apt-get upgrade --dry-run` summary ("The following
 * packages will be upgraded:" followed by names only).
 *
 * Each package apt would install is one PendingUpdate (kind "package"), listed once even when the simulation names
 * it several times. An update is a security update when it comes from a security pocket or origin ("…-security",
 * "Debian-Security"). apt only knows what its last `apt update` fetched, which the messages say where it matters.
 * @see https://manpages.debian.org/apt-get.8 (-s: "Inst" and "Conf" lines), https://manpages.debian.org/apt.8
 */
import type { PendingUpdate, Problem } from '../model';
import type { FormatHandler } from './handler';
import {
  LineGroup,
  hostnameFromLine,
  machineHost,
  parseLineFormat,
  plural,
  quoteLine,
  streamLineFormat,
  unnamedHostProblem,
  type LineFormat,
  type LineFormatParser,
  type LineParseOutcome
} from './line-reader';

const STALE_NOTE =
  'apt only knows the updates its last `apt update` fetched: run `sudo apt update` before capturing the list.';

/** "focal-security", "Debian-Security:12/stable-security", "Ubuntu:22.04/jammy-security". */
const isSecurityOrigin = (origin: string): boolean => /security/i.test(origin);

/** Adds an update unless the same package, version and architecture is already listed. */
class UpdateList {
  readonly items: PendingUpdate[] = [];
  private readonly seen = new Map<string, PendingUpdate>();
  readonly repeated = new LineGroup();

  add(update: PendingUpdate, line: number): void {
    const key = `${update.name}\u0000${update.architecture ?? ''}\u0000${update.version ?? ''}`;
    const known = this.seen.get(key);
    if (known) {
      this.repeated.add(line, update.name);
      // A later line may say more (the installed version) than the first.
      known.currentVersion ??= update.currentVersion;
      if (update.security) known.security = true;
      return;
    }
    this.seen.set(key, update);
    this.items.push(update);
  }
}

// ---------------------------------------------------------------------------------------------------------
// apt list --upgradable

/** "openssl/jammy-updates,jammy-security 3.0.2-0ubuntu1.15 amd64 [upgradable from: 3.0.2-0ubuntu1.14]" */
const LIST_ROW = /^([a-z0-9][a-z0-9+.-]*)\/(\S+)\s+(\S+)\s+(\S+)(?:\s+\[([^\]]*)\])?\s*$/;

function aptListParser(): LineFormatParser {
  let hostname: string | undefined;
  let listing = false;
  let rows = 0;
  const updates = new UpdateList();
  const notUpgradable = new LineGroup();
  const unreadable = new LineGroup();

  return {
    line(text, line, nth) {
      const t = text.trim();
      if (t === '') return;
      if (/^Listing\.\.\./.test(t)) {
        listing = true;
        return;
      }
      // apt's own warning when its output is redirected.
      if (/^WARNING: apt does not have a stable CLI interface/.test(t)) return;
      const m = LIST_ROW.exec(t);
      if (!m) {
        const named = rows === 0 ? hostnameFromLine(t, nth === 1) : undefined;
        if (named) hostname ??= named;
        else unreadable.add(line, quoteLine(t));
        return;
      }
      rows += 1;
      const [, name = '', pockets = '', version = '', arch = '', bracket] = m;
      const from = /^upgradable from: (.+)$/.exec(bracket ?? '');
      if (!from) {
        // `apt list --installed` rows ("[installed,automatic]"): installed, not upgradable.
        notUpgradable.add(line, `${name} [${bracket ?? ''}]`);
        return;
      }
      const update: PendingUpdate = {
        name,
        version,
        currentVersion: (from[1] ?? '').trim(),
        architecture: arch,
        repository: pockets,
        security: pockets.split(',').some(isSecurityOrigin),
        kind: 'package'
      };
      updates.add(update, line);
    },
    finish(): LineParseOutcome {
      const issues: Problem[] = [];
      if (rows === 0 && !listing) {
        issues.push({
          severity: 'error',
          code: 'not-apt-list',
          message:
            'No "name/pocket version arch [upgradable from: …]" line was found, so this is not `apt list --upgradable` output. On the machine, run `apt list --upgradable > updates.txt` and import that file.',
          ...(unreadable.lines[0] !== undefined ? { line: unreadable.lines[0] } : {})
        });
        return { hosts: [], issues };
      }
      if (rows > 0 && updates.items.length === 0 && notUpgradable.count === rows) {
        issues.push({
          severity: 'warning',
          code: 'apt-list-not-upgradable',
          message: `This looks like \`apt list --installed\`: its ${plural(rows, 'package is', 'packages are')} installed, none is marked "upgradable from", so no pending update was read. Run \`apt list --upgradable\` on the machine and import that file.`,
          line: notUpgradable.lines[0]
        });
      } else {
        issues.push(
          ...notUpgradable.problem(
            'info',
            'apt-not-upgradable',
            (n, where) =>
              `${plural(n, 'listed package is', 'listed packages are')} not marked "upgradable from" (${where}) and ${n === 1 ? 'is' : 'are'} not counted as pending updates.`
          )
        );
      }
      if (updates.items.length === 0 && notUpgradable.count === 0) {
        issues.push({
          severity: 'info',
          code: 'apt-no-updates',
          message: `apt listed no upgradable package: the machine was up to date when the list was made. ${STALE_NOTE}`
        });
      }
      issues.push(
        ...repeatedProblem(updates),
        ...unreadable.problem('warning', 'apt-line-unreadable', lineMsg)
      );
      if (!hostname) issues.push(unnamedHostProblem('apt list'));
      return {
        hosts: [machineHost({ hostname, os: { family: 'linux' }, pendingUpdates: updates.items })],
        issues
      };
    }
  };
}

// ---------------------------------------------------------------------------------------------------------
// apt-get -s upgrade, apt-get upgrade --dry-run

/**
 * "Inst libssl3 [3.0.2-0ubuntu1.14] (3.0.2-0ubuntu1.15 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])"
 * The installed version in brackets is absent for a package apt would newly install.
 */
const INST =
  /^Inst\s+(\S+)(?:\s+\[([^\]]*)\])?(?:\s+\((\S+)((?:\s+[^[)]+?)?)\s*(?:\[([^\]]+)\])?\s*\))?(?:\s+\[[^\]]*\])?\s*$/;

/** The human summary blocks of `apt-get upgrade` (English). */
const BLOCKS: { pattern: RegExp; kind: 'upgrade' | 'new' | 'kept' | 'remove' | 'other' }[] = [
  { pattern: /^The following packages will be upgraded:/, kind: 'upgrade' },
  { pattern: /^The following NEW packages will be installed:/, kind: 'new' },
  { pattern: /^The following packages have been kept back:/, kind: 'kept' },
  { pattern: /^The following packages will be REMOVED:/, kind: 'remove' },
  { pattern: /^The following (?:packages|.*) (?:will be|were|have been) /, kind: 'other' },
  // "NOTE: This is only a simulation!" and its indented lines ("apt-get needs root privileges …").
  { pattern: /^NOTE: This is only a simulation!/, kind: 'other' }
];

const SUMMARY = /^(\d+) upgraded, (\d+) newly installed, (\d+) to remove and (\d+) not upgraded\./;

function aptGetParser(): LineFormatParser {
  let hostname: string | undefined;
  let instLines = 0;
  let block: 'upgrade' | 'new' | 'kept' | 'remove' | 'other' | undefined;
  let summary: { upgraded: number; installed: number; line: number } | undefined;
  let named = 0;
  /** From Inst lines (versions, origins) and from the human lists (names only); Inst lines win when both exist. */
  const updates = new UpdateList();
  const names = new UpdateList();
  const kept: string[] = [];
  const removed = new LineGroup();
  const unreadable = new LineGroup();

  return {
    line(text, line, nth) {
      if (text.trim() === '') {
        block = undefined;
        return;
      }
      if (block && /^\s/.test(text)) {
        for (const name of text.trim().split(/\s+/)) {
          if (block === 'upgrade' || block === 'new') {
            named += 1;
            names.add({ name, kind: 'package' }, line);
          } else if (block === 'kept') kept.push(name);
        }
        return;
      }
      block = undefined;
      const t = text.trim();
      if (t.startsWith('Inst ')) {
        const m = INST.exec(t);
        if (!m) {
          unreadable.add(line, quoteLine(t));
          return;
        }
        instLines += 1;
        const [, rawName = '', current, candidate, originText, arch] = m;
        const name = rawName.replace(/:[a-z0-9-]+$/, '');
        const origins = (originText ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== '');
        const update: PendingUpdate = { name, kind: 'package' };
        if (candidate) update.version = candidate;
        if (current) update.currentVersion = current;
        if (arch) update.architecture = arch;
        if (origins.length > 0) {
          update.repository = origins.join(', ');
          update.security = origins.some(isSecurityOrigin);
        }
        updates.add(update, line);
        return;
      }
      if (/^Remv\s/.test(t)) {
        removed.add(line, t.split(/\s+/)[1]);
        return;
      }
      if (/^(?:Conf|Purg)\s/.test(t)) return;
      const b = BLOCKS.find((x) => x.pattern.test(t));
      if (b) {
        block = b.kind;
        return;
      }
      const s = SUMMARY.exec(t);
      if (s) {
        summary = { upgraded: Number(s[1]), installed: Number(s[2]), line };
        return;
      }
      // apt-get's progress lines and notes.
      if (
        /^(?:Reading package lists|Building dependency tree|Reading state information|Calculating upgrade|NOTE: This is only a simulation|apt-get needs root|Need to get|After this operation|WARNING:|E: |W: |N: |\d+ (?:standard )?(?:LTS )?security updates?)/.test(
          t
        )
      )
        return;
      const host = instLines === 0 && named === 0 ? hostnameFromLine(t, nth === 1) : undefined;
      if (host) hostname ??= host;
      else unreadable.add(line, quoteLine(t));
    },
    finish(): LineParseOutcome {
      const issues: Problem[] = [];
      const chosen = instLines > 0 ? updates : names;
      if (instLines === 0 && named === 0 && !summary) {
        issues.push({
          severity: 'error',
          code: 'not-apt-get-simulation',
          message:
            'No "Inst …" line and no "The following packages will be upgraded:" list was found, so this is not `apt-get -s upgrade` output. On the machine, run `sudo apt update && apt-get -s upgrade > upgrade-simulation.txt` and import that file.'
        });
        return { hosts: [], issues };
      }
      if (summary && summary.upgraded + summary.installed !== chosen.items.length) {
        issues.push({
          severity: 'warning',
          code: 'apt-count-mismatch',
          message: `apt says ${summary.upgraded} upgraded and ${summary.installed} newly installed (line ${summary.line}), but ${plural(chosen.items.length, 'package was', 'packages were')} read. Some may be missing or the output may be cut: capture \`apt-get -s upgrade\` again on the machine and import the whole output.`,
          line: summary.line
        });
      }
      if (instLines === 0 && named > 0) {
        issues.push({
          severity: 'info',
          code: 'apt-names-only',
          message:
            'This apt-get output names the packages but not their versions or origins, so security updates cannot be told apart. For versions and security origins, run `apt-get -s upgrade` on the machine and import that output.'
        });
      }
      if (chosen.items.length === 0) {
        issues.push({
          severity: 'info',
          code: 'apt-no-updates',
          message: `apt would upgrade no package: the machine was up to date when the output was made. ${STALE_NOTE}`
        });
      }
      if (kept.length > 0) {
        issues.push({
          severity: 'info',
          code: 'apt-kept-back',
          message: `${plural(kept.length, 'package was', 'packages were')} kept back (${kept.slice(0, 8).join(', ')}${kept.length > 8 ? ', …' : ''}): newer versions exist but need new dependencies; \`apt-get upgrade\` will not install them. They are not counted as pending updates; plan a \`full-upgrade\`.`
        });
      }
      issues.push(
        ...repeatedProblem(chosen),
        ...removed.problem(
          'info',
          'apt-would-remove',
          (n, where) =>
            `The simulation would remove ${plural(n, 'package', 'packages')} (${where}: ${removed.examples.join(', ')}); removals are not pending updates.`
        ),
        ...unreadable.problem('warning', 'apt-line-unreadable', lineMsg, unreadable.examples.join(' | '))
      );
      if (!hostname) issues.push(unnamedHostProblem('apt-get output'));
      return {
        hosts: [machineHost({ hostname, os: { family: 'linux' }, pendingUpdates: chosen.items })],
        issues
      };
    }
  };
}

function repeatedProblem(updates: UpdateList): Problem[] {
  return updates.repeated.problem(
    'info',
    'apt-listed-twice',
    (n, where) =>
      `${plural(n, 'line names', 'lines name')} a package update already listed (${where}: ${updates.repeated.examples.join(', ')}); each update is counted once.`
  );
}

const lineMsg = (n: number, where: string): string =>
  `${plural(n, 'line was', 'lines were')} not understood and skipped (${where}). If updates are missing, capture the output again on the machine with LANG=C (English messages) and import the new file.`;

// ---------------------------------------------------------------------------------------------------------
// Formats, detection, handlers

export const APT_UPGRADABLE: LineFormat = {
  format: 'apt-upgradable',
  what: 'apt list --upgradable output',
  howTo: 'run `apt list --upgradable > updates.txt` on the machine',
  create: aptListParser
};

export const APT_GET_SIMULATE: LineFormat = {
  format: 'apt-get-simulate',
  what: 'apt-get -s upgrade output',
  howTo: 'run `apt-get -s upgrade > upgrade-simulation.txt` on the machine',
  create: aptGetParser
};

export const parseAptUpgradable = (bytes: Uint8Array) => parseLineFormat(bytes, APT_UPGRADABLE);
export const parseAptGetSimulate = (bytes: Uint8Array) => parseLineFormat(bytes, APT_GET_SIMULATE);

export function sniffAptUpgradable(text: string): number {
  const sample = text.slice(0, 65536);
  const rows =
    sample.match(/^[a-z0-9][a-z0-9+.-]*\/\S+ \S+ \S+ \[upgradable from: [^\]]+\]\s*$/gm)?.length ?? 0;
  const listing = /^Listing\.\.\.(?: Done)?\s*$/m.test(sample);
  if (rows > 0) return listing ? 95 : 85;
  if (listing) {
    // "Listing... Done" and nothing else: everything up to date. `apt list --installed` rows are not ours.
    const other = sample.match(/^[a-z0-9][a-z0-9+.-]*\/\S+ \S+ \S+/gm)?.length ?? 0;
    return other === 0 ? 70 : 40;
  }
  return 0;
}

export function sniffAptGetSimulate(text: string): number {
  const sample = text.slice(0, 65536);
  if (/^Inst \S+ (?:\[[^\]]*\] )?\(\S+ /m.test(sample)) return 90;
  if (/^The following packages will be upgraded:\s*$/m.test(sample)) return 85;
  if (/^\d+ upgraded, \d+ newly installed, \d+ to remove and \d+ not upgraded\.\s*$/m.test(sample)) return 70;
  return 0;
}

export const aptHandlers: FormatHandler[] = [
  {
    format: 'apt-upgradable',
    family: 'linux',
    howTo:
      'On the Debian/Ubuntu machine: sudo apt update && apt list --upgradable > "$(hostname)-upgradable.txt"',
    sniff: ({ text }) => sniffAptUpgradable(text),
    create: (sink) => streamLineFormat(sink, APT_UPGRADABLE)
  },
  {
    format: 'apt-get-simulate',
    family: 'linux',
    howTo:
      'On the Debian/Ubuntu machine: sudo apt update && apt-get -s upgrade > "$(hostname)-apt-simulate.txt"',
    sniff: ({ text }) => sniffAptGetSimulate(text),
    create: (sink) => streamLineFormat(sink, APT_GET_SIMULATE)
  }
];
