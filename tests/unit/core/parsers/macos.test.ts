import { describe, expect, it } from 'vitest';
import { utf8, codes, issue, check, onlyHost, viaRegistry, detect } from './parser-tools';
import { type FileFormat, type HostObservation } from '../../../../src/lib/core/model';

import {
  createSystemProfilerJsonParser,
  dateInOrder,
  decideDateOrder,
  parseSoftwareUpdate,
  parseSystemProfilerJson,
  parseSystemProfilerText,
  sniffSoftwareUpdate,
  sniffSystemProfilerJson
} from '../../../../src/lib/core/parsers/macos';

import { fixture, readBytes } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('macos', name));

/** The JSON stream parser with a chosen switch-over size, fed in chunks. */
function streamJson(bytes: Uint8Array, streamAbove: number, chunk = 65536) {
  const hosts: HostObservation[] = [];
  const parser = createSystemProfilerJsonParser(
    { host: (h) => hosts.push(h), rule: () => {} },
    { streamAbove }
  );
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  return { hosts, issues: parser.issues };
}

describe('softwareupdate -l', () => {
  it('reads the macOS 14 layout: title, version, restart and shut-down actions', () => {
    const result = check(parseSoftwareUpdate(own('softwareupdate-sonoma.txt')));
    const host = onlyHost(result);
    expect(host.os).toEqual({ family: 'macos' });
    expect(host.pendingUpdates).toEqual([
      { name: 'Command Line Tools for Xcode', kind: 'macos-update', version: '15.3', rebootRequired: false },
      { name: 'macOS Sonoma 14.4.1', kind: 'macos-update', version: '14.4.1', rebootRequired: true },
      { name: 'Safari', kind: 'macos-update', version: '17.4.1', rebootRequired: false },
      { name: 'BridgeOSUpdateCustomer', kind: 'macos-update', version: '8.4', rebootRequired: true }
    ]);
    // A point release does not say whether it fixes security issues: security stays unknown, never false.
    expect(host.pendingUpdates.every((u) => u.security === undefined)).toBe(true);
    expect(codes(result.issues)).toEqual(['host-name-unknown']);
  });

  it('marks a Rapid Security Response ("13.4.1 (c)") as a security update', () => {
    const host = onlyHost(check(parseSoftwareUpdate(own('softwareupdate-ventura-rsr.txt'))));
    expect(host.pendingUpdates).toEqual([
      {
        name: 'macOS Ventura 13.4.1 (c)',
        kind: 'macos-update',
        security: true,
        version: '13.4.1 (c)',
        rebootRequired: true
      }
    ]);
  });

  it('reads the older layout ("Title (version), size [recommended] [restart]") and Security Updates', () => {
    const host = onlyHost(check(parseSoftwareUpdate(own('softwareupdate-catalina-old-layout.txt'))));
    expect(host.pendingUpdates).toEqual([
      {
        name: 'Security Update 2021-005 Catalina',
        kind: 'macos-update',
        security: true,
        version: '10.15.7',
        rebootRequired: true
      },
      { name: 'Safari', kind: 'macos-update', version: '15.0', rebootRequired: false },
      { name: 'iTunes', kind: 'macos-update', version: '12.8.3', rebootRequired: false }
    ]);
  });

  it('says "up to date" for "No new software available." and takes the host name line', () => {
    const result = check(parseSoftwareUpdate(own('softwareupdate-none-with-hostname.txt')));
    const host = onlyHost(result);
    expect(host).toMatchObject({
      key: 'design-imac-02.studio.example',
      hostname: 'design-imac-02',
      pendingUpdates: []
    });
    expect(codes(result.issues)).toEqual(['macos-no-updates']);
  });

  it('recognises entries indented with spaces or tabs', () => {
    const entry = '* Label: Safari17.4-17.4\n\tTitle: Safari, Version: 17.4, Size: 1K, Recommended: YES,\n';
    expect(sniffSoftwareUpdate(entry)).toBe(90);
    expect(sniffSoftwareUpdate(`Software Update Tool\n\n  \t${entry}`)).toBe(90);
  });

  it('fuzz case: 64 KB of blank lines in front of an OpenVAS report are sniffed in one pass', () => {
    // Found by tests/unit/fuzz: /^\s*\* Label: …/m let \s* run over every following blank line from each line
    // start, so the 64 KB the sniffer reads kept it busy for 6 s. One pass takes a millisecond; the timeout below
    // is a hang bound like the fuzz suite's, far from either.
    const text = `\x19${'\n'.repeat(70_000)}<?xml version="1.0"?>\n<report id="1">\n`;
    expect(sniffSoftwareUpdate(text)).toBe(0);
  }, 2000);

  it('fuzz case: an entry with 300,000 blanks inside its label is read in one pass, the label kept whole', () => {
    // Found replaying the fuzz suite's long blank runs on softwareupdate output: the entry expression's lazy label
    // before \s*$ retried the blanks to the end of the line from each of them (40,000 took 4 s; a 1 MB line would
    // take most of an hour). The former expression needs minutes for 300,000 and runs into the test timeout.
    const label = `Safari${' '.repeat(300_000)}17.4`;
    const text = `Software Update found the following new or updated software:\n* Label: ${label}   \n`;
    const host = onlyHost(check(parseSoftwareUpdate(utf8(text))));
    expect(host.pendingUpdates).toHaveLength(1);
    expect(host.pendingUpdates[0]?.name === label).toBe(true);
  });

  it('rejects a file that is not softwareupdate output', () => {
    const result = check(parseSoftwareUpdate(utf8('Nothing to see here\n')));
    expect(result.value.hosts).toEqual([]);
    expect(issue(result.issues, 'not-softwareupdate')?.severity).toBe('error');
  });
});

describe('system_profiler SPApplicationsDataType (text)', () => {
  it('reads applications, the macOS version and the computer name, with dates day-first', () => {
    const result = check(parseSystemProfilerText(own('system-profiler-en-gb.txt')));
    const host = onlyHost(result);
    expect(host.hostname).toBe('Jane’s MacBook Air');
    expect(host.os).toEqual({ family: 'macos', name: 'macOS 14.4.1 (23E224)', version: '14.4.1' });
    expect(host.software).toHaveLength(8);
    expect(host.software[0]).toEqual({
      name: 'Safari',
      ecosystem: 'macos-app',
      version: '17.4.1',
      vendor: 'Apple',
      architecture: 'universal',
      installedOn: '2024-03-28'
    });
    expect(host.software.find((s) => s.name === 'zoom.us')).toEqual({
      name: 'zoom.us',
      ecosystem: 'macos-app',
      version: '5.17.11 (31580)',
      vendor: 'Zoom Video Communications, Inc.',
      architecture: 'x86_64',
      installedOn: '2024-02-05'
    });
    // Mac App Store apps are signed by Apple for the developer: no vendor is made up.
    expect(host.software.find((s) => s.name === 'Slack')).toMatchObject({
      architecture: 'arm64',
      version: '4.37.94'
    });
    expect(host.software.find((s) => s.name === 'Slack')?.vendor).toBeUndefined();
    // Two copies of Firefox in two places are two installations.
    expect(host.software.filter((s) => s.name === 'Firefox').map((s) => s.version)).toEqual([
      '115.9.1',
      '98.0.2'
    ]);
    expect(issue(result.issues, 'macos-app-no-version')?.message).toContain('Zoom Outlook Plugin');
    expect(codes(result.issues)).not.toContain('host-name-unknown');
  });

  it('decides the date order from the whole column (US month-first dates)', () => {
    const host = onlyHost(check(parseSystemProfilerText(own('system-profiler-en-us-apps-only.txt'))));
    expect(host.os).toEqual({ family: 'macos' });
    expect(host.software.map((s) => s.installedOn)).toEqual([
      '2024-03-28',
      '2024-03-13',
      '2024-04-02',
      '2024-02-05',
      '2024-03-09'
    ]);
  });

  it('keeps no date when no row shows whether day or month comes first', () => {
    const text = [
      'Applications:',
      '',
      '    Numbers:',
      '',
      '      Version: 13.2',
      '      Obtained from: Mac App Store',
      '      Last Modified: 03/04/2024, 10:00',
      '      Kind: Universal',
      '      Location: /Applications/Numbers.app',
      '',
      '    Pages:',
      '',
      '      Version: 13.2',
      '      Obtained from: Mac App Store',
      '      Last Modified: 05/06/2024, 11:00',
      '      Kind: Universal',
      '      Location: /Applications/Pages.app',
      ''
    ].join('\n');
    const result = check(parseSystemProfilerText(utf8(text)));
    expect(onlyHost(result).software.map((s) => s.installedOn)).toEqual([undefined, undefined]);
    expect(issue(result.issues, 'macos-date-order-unknown')?.severity).toBe('info');
    expect(decideDateOrder(['13/03/2024', '03/04/2024'])).toBe('dmy');
    expect(decideDateOrder(['3/28/24', '3/4/24'])).toBe('mdy');
    expect(decideDateOrder(['13/03/2024', '3/28/24'])).toBeUndefined();
    expect(dateInOrder('3/4/24, 9:14 AM', 'mdy')).toBe('2024-03-04');
    expect(dateInOrder('15.03.24, 08:12', 'dmy')).toBe('2024-03-15');
  });

  it('rejects text without an Applications section', () => {
    const result = check(
      parseSystemProfilerText(utf8('Hardware:\n\n    Hardware Overview:\n\n      Model Name: MacBook Air\n'))
    );
    expect(result.value.hosts).toEqual([]);
    expect(issue(result.issues, 'no-applications')?.severity).toBe('error');
  });
});

describe('system_profiler -json', () => {
  it('reads applications and the software overview', () => {
    const result = check(parseSystemProfilerJson(own('system-profiler-apps.json')));
    const host = onlyHost(result);
    expect(host).toMatchObject({ key: 'janes-macbook-air', hostname: 'Janes-MacBook-Air' });
    expect(host.os).toEqual({ family: 'macos', name: 'macOS 14.4.1 (23E224)', version: '14.4.1' });
    expect(host.software).toEqual([
      {
        name: 'Safari',
        ecosystem: 'macos-app',
        version: '17.4.1',
        vendor: 'Apple',
        architecture: 'universal',
        installedOn: '2024-03-28'
      },
      {
        name: 'Microsoft Excel',
        ecosystem: 'macos-app',
        version: '16.83',
        vendor: 'Microsoft Corporation',
        architecture: 'universal',
        installedOn: '2024-03-13'
      },
      {
        name: 'Google Chrome',
        ecosystem: 'macos-app',
        version: '123.0.6312.87',
        vendor: 'Google LLC',
        architecture: 'universal',
        installedOn: '2024-04-02'
      },
      {
        name: 'TeamViewer',
        ecosystem: 'macos-app',
        version: '15.48.4',
        vendor: 'TeamViewer Germany GmbH',
        architecture: 'x86_64',
        installedOn: '2023-11-20'
      },
      {
        name: 'Keynote',
        ecosystem: 'macos-app',
        version: '13.2',
        architecture: 'arm64',
        installedOn: '2024-01-30'
      },
      {
        name: 'Legacy Scanner Utility',
        ecosystem: 'macos-app',
        architecture: 'x86_64',
        installedOn: '2019-06-03'
      }
    ]);
    expect(codes(result.issues)).toEqual(['macos-app-no-version']);
  });

  it('streams a large export record by record and gives the same result as parsing it whole', () => {
    const apps = Array.from({ length: 12000 }, (_, i) => ({
      _name: `App ${i} “Ünïcödé”`,
      arch_kind: i % 2 ? 'arch_arm_i64' : 'arch_i64',
      lastModified: `2024-0${(i % 9) + 1}-1${i % 10}T08:00:00Z`,
      obtained_from: 'identified_developer',
      path: `/Applications/App ${i}.app`,
      signed_by: [
        `Developer ID Application: Vendor ${i % 40}, Ltd. (ABCDE${String(i % 100000).padStart(5, '0')})`
      ],
      version: `1.${i}.0`
    }));
    const json = JSON.stringify(
      {
        SPSoftwareDataType: [
          { _name: 'os_overview', local_host_name: 'build-mac-07', os_version: 'macOS 13.6.5 (22G621)' }
        ],
        SPApplicationsDataType: apps
      },
      null,
      2
    );
    const bytes = utf8(json);
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024); // above the default switch-over: the handler streams it
    const whole = check(parseSystemProfilerJson(bytes));
    const streamed = streamJson(bytes, 1024, 7777);
    expect(streamed.issues).toEqual(whole.issues);
    expect(streamed.hosts).toEqual(whole.value.hosts);
    const run = viaRegistry('macos-system-profiler-json', bytes, 65536);
    expect(run.counts).toEqual({
      assets: 1,
      findings: 0,
      installedUpdates: 0,
      software: 12000,
      pendingUpdates: 0
    });
    expect(run.hosts[0]?.software[11999]).toEqual({
      name: 'App 11999 “Ünïcödé”',
      ecosystem: 'macos-app',
      version: '1.11999.0',
      vendor: 'Vendor 39, Ltd.',
      architecture: 'universal',
      installedOn: '2024-03-19'
    });
    expect(run.hosts[0]?.os).toEqual({ family: 'macos', name: 'macOS 13.6.5 (22G621)', version: '13.6.5' });
  });

  it.each([
    ['null', 'no-applications'],
    ['[]', 'no-applications'],
    ['{"SchemaVersion": 2, "Results": []}', 'no-applications'],
    ['{"SPApplicationsDataType": [ {"_name": "Safari", "version": "17.4', 'json-invalid']
  ])('reports %s as an error, whole or streamed', (text, code) => {
    const whole = check(parseSystemProfilerJson(utf8(text)));
    expect(whole.value.hosts).toEqual([]);
    expect(whole.issues).toMatchObject([{ severity: 'error', code }]);
    const streamed = streamJson(utf8(text), 0, 3);
    expect(streamed.hosts).toEqual([]);
    expect(streamed.issues).toMatchObject([{ severity: 'error', code }]);
  });

  it('warns about an empty application list, whole or streamed', () => {
    const text = '{ "SPApplicationsDataType" : [ ] }';
    expect(codes(parseSystemProfilerJson(utf8(text)).issues)).toEqual([
      'no-applications',
      'host-name-unknown'
    ]);
    expect(codes(streamJson(utf8(text), 0, 4).issues)).toEqual(['no-applications', 'host-name-unknown']);
  });

  it('tells the technician that system_profiler -xml is not read', () => {
    const plist =
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<array><dict><key>_dataType</key><string>SPApplicationsDataType</string></dict></array></plist>\n';
    expect(sniffSystemProfilerJson(plist)).toMatchObject({ code: 'system-profiler-xml' });
    const detection = detect(utf8(plist), 'apps.plist');
    expect(detection.format === null && detection.problem.code).toBe('system-profiler-xml');
  });
});

describe('macOS formats through detection and the registry', () => {
  const fixtures: [string, FileFormat, { software: number; pendingUpdates: number }][] = [
    ['softwareupdate-sonoma.txt', 'macos-softwareupdate', { software: 0, pendingUpdates: 4 }],
    ['softwareupdate-ventura-rsr.txt', 'macos-softwareupdate', { software: 0, pendingUpdates: 1 }],
    ['softwareupdate-catalina-old-layout.txt', 'macos-softwareupdate', { software: 0, pendingUpdates: 3 }],
    ['softwareupdate-none-with-hostname.txt', 'macos-softwareupdate', { software: 0, pendingUpdates: 0 }],
    ['system-profiler-en-gb.txt', 'macos-system-profiler', { software: 8, pendingUpdates: 0 }],
    ['system-profiler-en-us-apps-only.txt', 'macos-system-profiler', { software: 5, pendingUpdates: 0 }],
    ['system-profiler-apps.json', 'macos-system-profiler-json', { software: 6, pendingUpdates: 0 }]
  ];

  it.each(fixtures)('detects %s as %s', (name, format, counts) => {
    const bytes = own(name);
    expect(detect(bytes, name)).toEqual({ format });
    const run = viaRegistry(format, bytes, 9);
    expect(codes(run.issues)).not.toContain('invalid-record');
    expect(run.counts).toMatchObject({ assets: 1, ...counts });
  });
});
