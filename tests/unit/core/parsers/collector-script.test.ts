import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeIp } from '../../../../src/lib/core/engine/merge';
import type { HostObservation } from '../../../../src/lib/core/model';
import { parseCollector } from '../../../../src/lib/core/parsers/collector';
import { fixture, REPO_DIR } from '../../shared';

/**
 * The collectors themselves. The shell collector runs here (Debian 12 in development and CI); its macOS and
 * RHEL branches run against fake tools (tests/fixtures/collector/sim-*) that print what the real tools print.
 * The PowerShell collector cannot run here: its output format is proven through the Windows fixture, and these
 * tests check what can be checked without PowerShell.
 */

const SCRIPT = join(REPO_DIR, 'static/collectors/patchfield-collect.sh');
const PS1 = join(REPO_DIR, 'static/collectors/patchfield-collect.ps1');
const FORMAT_MD = join(REPO_DIR, 'static/collectors/FORMAT.md');
const isLinux = process.platform === 'linux';
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const canSwitchUser = process.getuid?.() === 0 && has('setpriv');

/** Says why a test is skipped, once, in the test output. */
function skipReason(skipped: boolean, reason: string): boolean {
  if (skipped) console.warn(`[patchfield tests] skipped: ${reason}`);
  return skipped;
}

const work = mkdtempSync(join(tmpdir(), 'patchfield-collector-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runCollector(
  outName: string,
  options: { path?: string; args?: string[]; prefix?: string[] } = {}
): { code: number; stderr: string; host: HostObservation | undefined; text: string; problems: string[] } {
  const out = join(work, outName);
  // /bin/sh by its path: a simulated PATH holds no shell.
  const command = [...(options.prefix ?? []), '/bin/sh', SCRIPT, '-o', out, ...(options.args ?? [])];
  const r = spawnSync(command[0] as string, command.slice(1), {
    encoding: 'utf8',
    cwd: work,
    env: { ...process.env, ...(options.path ? { PATH: options.path } : {}) },
    timeout: 240_000
  });
  const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const parsed = parseCollector(new TextEncoder().encode(text));
  return {
    code: r.status ?? -1,
    stderr: r.stderr,
    host: parsed.value.hosts[0],
    text,
    problems: parsed.issues.map((p) => `${p.code}: ${p.message}`)
  };
}

/** Sections of collector output, as lines. */
function section(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`[${name}]`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^\[.+\]$/.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l !== '');
}

describe('patchfield-collect.sh', () => {
  it('is valid POSIX sh syntax', () => {
    expect(spawnSync('sh', ['-n', SCRIPT]).status).toBe(0);
  });

  it.skipIf(skipReason(!has('shellcheck'), 'shellcheck is not installed, the collector is not linted'))(
    'passes shellcheck as POSIX sh',
    () => {
      const r = spawnSync('shellcheck', ['-s', 'sh', SCRIPT], { encoding: 'utf8' });
      expect(r.stdout).toBe('');
      expect(r.status).toBe(0);
    }
  );

  it('refuses an unknown option with its usage and exit 2', () => {
    const r = spawnSync('sh', [SCRIPT, '--bogus'], { encoding: 'utf8', cwd: work });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown option: --bogus');
    expect(r.stderr).toContain('Usage: sh patchfield-collect.sh [-o FILE] [--no-updates]');
  });
});

describe.skipIf(skipReason(!isLinux, 'not Linux, the shell collector is not run'))(
  'patchfield-collect.sh on this Linux machine',
  () => {
    let run: ReturnType<typeof runCollector>;
    beforeAll(() => {
      run = runCollector('this-machine.txt');
    }, 300_000);

    it('writes a complete output that imports without problems', () => {
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('patchfield-collect: wrote');
      expect(run.text.startsWith('# patchfield-collector 1\n')).toBe(true);
      expect(run.text.endsWith('[end]\n')).toBe(true);
      expect(run.host).toBeDefined();
      // A stale apt list is a fact of this machine, not a fault of the collector.
      expect(run.problems.filter((p) => !p.startsWith('collector-package-lists-stale'))).toEqual([]);
    });

    it('names the machine as `hostname` does', () => {
      expect(run.host?.hostname).toBe(hostname().split('.')[0]);
    });

    it('reads the OS from /etc/os-release', () => {
      const osRelease = readFileSync(
        existsSync('/etc/os-release') ? '/etc/os-release' : '/usr/lib/os-release',
        'utf8'
      );
      const field = (k: string) => new RegExp(`^${k}=["']?([^"'\\n]*)`, 'm').exec(osRelease)?.[1];
      expect(run.host?.os).toMatchObject({
        family: 'linux',
        distro: { id: field('ID'), ...(field('VERSION_ID') ? { versionId: field('VERSION_ID') } : {}) }
      });
    });

    it.skipIf(
      skipReason(isLinux && !has('dpkg-query'), 'no dpkg-query, the dpkg package count is not checked')
    )('lists exactly the dpkg packages in state ii', () => {
      const states = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\n'], { encoding: 'utf8' });
      const installed = states.split('\n').filter((l) => l.startsWith('ii')).length;
      expect(installed).toBeGreaterThan(0);
      expect(run.host?.software.filter((s) => s.ecosystem === 'deb')).toHaveLength(installed);
      const dpkg = execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${Version}\n', 'dpkg'], {
        encoding: 'utf8'
      });
      const [, dpkgVersion] = dpkg.trim().split('\t');
      expect(run.host?.software).toContainEqual(
        expect.objectContaining({ name: 'dpkg', version: dpkgVersion })
      );
    });

    it.skipIf(skipReason(isLinux && !has('apt'), 'no apt, the pending update count is not checked'))(
      'lists the updates apt offers',
      () => {
        const listed = spawnSync('apt', ['list', '--upgradable'], {
          encoding: 'utf8',
          env: { ...process.env, LC_ALL: 'C' }
        });
        const upgradable = listed.stdout.split('\n').filter((l) => l.includes('[upgradable from: ')).length;
        expect(run.host?.pendingUpdates).toHaveLength(upgradable);
        expect(
          run.host?.pendingUpdates.every((p) => p.kind === 'package' && p.version && p.currentVersion)
        ).toBe(true);
      }
    );

    it('lists the machine’s non-loopback addresses', () => {
      const mine = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a !== undefined && !a.internal)
        .map((a) => normalizeIp(a!.address)!);
      const ips = run.host?.ips ?? [];
      expect(ips.length).toBeGreaterThan(0);
      for (const ip of ips) expect(mine).toContain(ip);
      for (const ip of mine.filter((a) => a.includes('.'))) expect(ips).toContain(ip);
    });

    it.skipIf(
      skipReason(isLinux && !canSwitchUser, 'not root or no setpriv, the collector is not run as nobody')
    )('needs no root: as user nobody it lists the same packages', () => {
      const nobody = join(work, 'as-nobody');
      mkdirSync(nobody, { recursive: true });
      chmodSync(work, 0o711);
      chmodSync(nobody, 0o777);
      const r = runCollector('as-nobody/out.txt', {
        prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
      });
      expect(r.code).toBe(0);
      expect(section(r.text, 'collector')).toContain('elevated=no');
      expect(r.host?.software).toHaveLength(run.host?.software.length ?? -1);
      expect(r.host?.pendingUpdates).toHaveLength(run.host?.pendingUpdates.length ?? -1);
    });
  }
);

describe.skipIf(!isLinux)('patchfield-collect.sh on simulated systems', () => {
  /** Real base tools only (no dpkg, apt, ip): the fake tools of a fixture folder come first in PATH. */
  const tools = join(work, 'tools');
  beforeAll(() => {
    mkdirSync(tools, { recursive: true });
    for (const t of [
      'awk',
      'sed',
      'grep',
      'tr',
      'head',
      'wc',
      'sort',
      'cat',
      'date',
      'mktemp',
      'rm',
      'ls',
      'dirname'
    ]) {
      const real = execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim();
      symlinkSync(real, join(tools, t));
    }
  });

  it('writes the macOS fixture from macOS tools (sw_vers, system_profiler -xml, softwareupdate, networksetup)', () => {
    const r = runCollector('macos.txt', { path: `${fixture('collector', 'sim-macos')}:${tools}` });
    expect(r.code).toBe(0);
    const expected = readFileSync(fixture('collector', 'macos-sonoma.txt'), 'utf8');
    const withoutTime = (t: string) => t.replace(/^collected_at=.*$/m, 'collected_at=');
    expect(withoutTime(r.text)).toBe(withoutTime(expected));
  });

  it('lists rpm packages and dnf updates with the security flag from updateinfo (Rocky 9 tools)', () => {
    const r = runCollector('rhel.txt', { path: `${fixture('collector', 'sim-rhel')}:${tools}` });
    expect(r.code).toBe(0);
    const host = r.host!;
    expect(host).toMatchObject({ hostname: 'app02', fqdn: 'app02.corp.example.com', ips: ['10.1.20.31'] });
    // gpg-pubkey is a signing key, not a package; the source RPM loses its version.
    expect(host.software.map((s) => s.name)).toEqual([
      'kernel',
      'kernel',
      'openssl',
      'openssl-libs',
      'python3-pip-wheel',
      'NetworkManager-config-server',
      'bash'
    ]);
    expect(host.software[3]).toEqual({
      name: 'openssl-libs',
      version: '1:3.0.7-25.el9_3',
      vendor: 'Rocky Enterprise Software Foundation',
      architecture: 'x86_64',
      sourcePackage: 'openssl',
      ecosystem: 'rpm',
      installedOn: '2024-03-14'
    });
    expect(
      host.pendingUpdates.map((p) => [p.name, p.version, p.currentVersion, p.repository, p.security])
    ).toEqual([
      ['kernel', '5.14.0-427.16.1.el9_4', '5.14.0-362.24.1.el9_3', 'baseos', true],
      ['openssl', '1:3.0.7-27.el9', '1:3.0.7-25.el9_3', 'baseos', true],
      ['openssl-libs', '1:3.0.7-27.el9', '1:3.0.7-25.el9_3', 'baseos', true],
      ['python3-pip-wheel', '21.2.3-8.el9', '21.2.3-7.el9', 'appstream', false],
      // check-update wrapped this long name onto two lines; "Obsoleting Packages" is not an update list.
      ['NetworkManager-config-server', '1:1.46.0-8.el9_4', '1:1.44.0-4.el9_3', 'baseos', false]
    ]);
    expect(section(r.text, 'errors')).toEqual([]);
  });

  it('leaves the pending updates out with --no-updates', () => {
    const r = runCollector('rhel-no-updates.txt', {
      path: `${fixture('collector', 'sim-rhel')}:${tools}`,
      args: ['--no-updates']
    });
    expect(r.host?.pendingUpdates).toEqual([]);
    expect(r.host?.software).toHaveLength(7);
  });
});

describe('patchfield-collect.ps1 (cannot run here: checked as text)', () => {
  const script = readFileSync(PS1, 'utf8');

  it('is plain ASCII, which Windows PowerShell 5.1 reads correctly without a BOM', () => {
    expect(
      [...script].filter((c) => c.charCodeAt(0) > 0x7e || (c.charCodeAt(0) < 0x20 && !'\r\n\t'.includes(c)))
    ).toEqual([]);
  });

  it('writes the format 1 header, every section the parser reads, and [end], in FORMAT.md’s order', () => {
    expect(script).toContain("$lines.Add('# patchfield-collector 1')");
    expect(script).toContain(
      "foreach ($section in @('collector', 'host', 'ips', 'macs', 'os', 'hotfixes', 'software', 'pending'))"
    );
    expect(script).toContain("$lines.Add('[errors]')");
    expect(script).toContain("$lines.Add('[end]')");
    const documented = [...readFileSync(FORMAT_MD, 'utf8').matchAll(/^### `\[([a-z-]+)\]`/gm)].map(
      (m) => m[1]
    );
    expect(documented).toEqual([
      'collector',
      'host',
      'ips',
      'os',
      'os-release',
      'hotfixes',
      'software',
      'pending',
      'errors',
      'end'
    ]);
  });

  it('uses the same collector version as the shell collector and only reads (no install, no download)', () => {
    const psVersion = /\$CollectorVersion = '([\d.]+)'/.exec(script)?.[1];
    const shVersion = /^COLLECTOR_VERSION=([\d.]+)$/m.exec(readFileSync(SCRIPT, 'utf8'))?.[1];
    expect(psVersion).toBe('1.0.0');
    expect(shVersion).toBe(psVersion);
    expect(script).not.toMatch(/CreateUpdateDownloader|CreateUpdateInstaller|\.Download\(|\.Install\(/);
    expect(script).toContain("$searcher.Search('IsInstalled=0 and IsHidden=0')");
  });

  it('balances its braces and parentheses outside strings and comments', () => {
    const code = script
      .replace(/<#[\s\S]*?#>/g, '')
      .replace(/'[^'\r\n]*'/g, "''")
      .replace(/"[^"\r\n]*"/g, '""')
      .replace(/#.*$/gm, '');
    const count = (c: string) => code.split(c).length - 1;
    expect(count('{')).toBe(count('}'));
    expect(count('(')).toBe(count(')'));
    expect(count('[')).toBe(count(']'));
  });
});
