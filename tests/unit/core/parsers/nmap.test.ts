import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostObservation, ParsedFile, ParseResult } from '../../../../src/lib/core/model';
import { createNmapParser, nmapOsFamily, parseNmap } from '../../../../src/lib/core/parsers/nmap';
import { fixture, hasShared, readBytes, sharedSamples } from '../../shared';
import {
  codes,
  detect,
  expectValidModel,
  host,
  otherFoldersSamples,
  runStream,
  text,
  throughRegistry,
  toUtf16leWithBom,
  utf8
} from './xml-stream-helpers';

const own = (name: string): Uint8Array => readBytes(fixture('nmap', name));

function software(h: HostObservation): string[] {
  return h.software.map((s) => `${s.name}${s.version ? ` ${s.version}` : ''}`);
}

describe('Nmap XML on hand-written fixtures', () => {
  const scan = parseNmap(own('windows-lan-sV-O.xml'));

  it('lists the hosts that are up as assets, with no findings, and counts the down ones in one info line', () => {
    expect(scan.value.formatVersion).toBe('Nmap 7.94, XML 1.05');
    expect(scan.value.hosts.map((h) => h.key)).toEqual(['10.60.0.2', '10.60.0.5', '10.60.0.6']);
    expect(scan.value.hosts.every((h) => h.findings.length === 0)).toBe(true);
    expect(scan.value.rules).toEqual([]);
    expect(scan.issues[0]).toEqual({
      severity: 'info',
      code: 'nmap-hosts-down',
      message: '1 scanned address was down (no reply) and is not listed as assets.',
      count: 1
    });
    expect(expectValidModel(scan.value.hosts, scan.value.rules)).toEqual([]);
  });

  it('does not import the vulners script’s CVE guesses, and says so', () => {
    expect(codes(scan.issues)).toEqual(['nmap-hosts-down', 'nmap-vulners-not-imported']);
    expect(scan.issues[1]?.severity).toBe('info');
  });

  it('reads IPv4, IPv6 and MAC addresses, the PTR name as FQDN, and scan times', () => {
    expect(host(scan.value.hosts, '10.60.0.2')).toMatchObject({
      ips: ['10.60.0.2', 'fe80::215:5dff:fe0a:1402'],
      macs: ['00:15:5d:0a:14:02'],
      hostname: 'dc01',
      fqdn: 'dc01.fabrikam.local',
      scanStart: '2024-05-14T10:02:11Z',
      scanEnd: '2024-05-14T10:05:02Z'
    });
  });

  it('takes the most accurate OS match; a Windows match names the build, a range of versions does not', () => {
    expect(host(scan.value.hosts, '10.60.0.2').os).toEqual({
      family: 'windows',
      name: 'Microsoft Windows Server 2019',
      build: 17763,
      productType: 'server'
    });
    expect(host(scan.value.hosts, '10.60.0.5').os).toEqual({
      family: 'windows',
      name: 'Microsoft Windows 10 1607 - 11 21H2'
    });
    expect(host(scan.value.hosts, '10.60.0.6').os).toEqual({
      family: 'other',
      name: 'Brother HL-L2350DW printer'
    });
  });

  it('lists open ports’ products as service software, once per product and version, with the vendor of the application CPE', () => {
    const dc = host(scan.value.hosts, '10.60.0.2');
    expect(dc.software).toEqual([
      { name: 'Simple DNS Plus', ecosystem: 'service' },
      { name: 'Microsoft Windows Kerberos', ecosystem: 'service', vendor: 'microsoft' },
      { name: 'Microsoft Windows Active Directory LDAP', ecosystem: 'service' },
      { name: 'Microsoft HTTPAPI httpd', ecosystem: 'service', version: '2.0' }
    ]);
    // The closed 8080 port's Squid is not installed software as far as this scan can tell.
    expect(software(dc)).not.toContain('Squid http proxy 4.10');
    expect(software(host(scan.value.hosts, '10.60.0.5'))).toEqual([
      'Microsoft Windows RPC',
      'Microsoft Windows netbios-ssn'
    ]);
    expect(host(scan.value.hosts, '10.60.0.6').software).toEqual([
      { name: 'Debut embedded httpd', ecosystem: 'service', version: '1.20', vendor: 'neos' }
    ]);
  });

  it('hands each host over at its end tag, before the end of the file', () => {
    const bytes = own('windows-lan-sV-O.xml');
    const r = runStream(createNmapParser, bytes, [bytes.length - 200, 200]);
    expect(r.hostsBeforeEnd).toBe(3);
  });

  it('streams a 20,000-host scan: hosts reach the sink while the file is still being read', () => {
    const hostXml = (i: number): string =>
      `<host starttime="1715680931" endtime="1715681102"><status state="up" reason="arp-response"/>` +
      `<address addr="10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}" addrtype="ipv4"/><ports>` +
      `<port protocol="tcp" portid="22"><state state="open"/><service name="ssh" product="OpenSSH" version="8.${i % 10}"/></port>` +
      `</ports></host>\n`;
    const parts = [
      '<?xml version="1.0"?>\n<nmaprun scanner="nmap" version="7.94" xmloutputversion="1.05">\n'
    ];
    for (let i = 0; i < 20000; i++) parts.push(hostXml(i));
    parts.push('</nmaprun>\n');
    const bytes = utf8(parts.join(''));
    expect(bytes.length).toBeGreaterThan(4_000_000);
    let received = 0;
    const parser = createNmapParser({ host: () => received++, rule: () => {} });
    const half = Math.floor(bytes.length / 2);
    for (let offset = 0; offset < half; offset += 65536)
      parser.write(bytes.subarray(offset, Math.min(offset + 65536, half)));
    expect(received).toBeGreaterThan(9900);
    expect(received).toBeLessThan(10100);
    parser.write(bytes.subarray(half));
    parser.end();
    expect(received).toBe(20000);
    expect(parser.issues).toEqual([]);
  });

  it('reads the scan saved as UTF-16LE with a BOM, fed 3 bytes at a time', () => {
    const r = runStream(createNmapParser, toUtf16leWithBom(text(own('windows-lan-sV-O.xml'))), [3]);
    expect(r.hosts).toEqual(scan.value.hosts);
    expect(r.issues).toEqual(scan.issues);
  });

  it('names the line where a cut-off scan ends, keeping the hosts before it', () => {
    const r = parseNmap(own('truncated.xml'));
    expect(r.issues[0]).toMatchObject({ severity: 'error', code: 'xml-truncated', line: 54 });
    expect(r.value.hosts.map((h) => h.key)).toEqual(['10.60.0.2']);
  });

  it('warns when no host was up', () => {
    const r = parseNmap(own('all-hosts-down.xml'));
    expect(r.value.hosts).toEqual([]);
    expect(codes(r.issues)).toEqual(['nmap-hosts-down', 'nmap-no-hosts-up']);
    expect(r.issues[1]).toMatchObject({ severity: 'warning' });
    expect(r.issues[1]?.message).toContain('3 did not reply');
  });

  it('lists a host scanned twice under two keys, and names a host without address', () => {
    const xml =
      '<nmaprun version="7.94"><host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/></host>\n' +
      '<host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/></host>\n' +
      '<host><status state="up"/><hostnames><hostname name="lonely.example.org" type="user"/></hostnames></host></nmaprun>';
    const r = parseNmap(utf8(xml));
    expect(r.value.hosts.map((h) => h.key)).toEqual(['10.0.0.1', '10.0.0.1 (2)', 'lonely.example.org']);
    expect(codes(r.issues)).toEqual(['nmap-host-repeated', 'nmap-host-without-address']);
    expect(r.issues[0]).toMatchObject({ severity: 'info', line: 2 });
  });

  it('takes the family from the device type before the OS family, and from service hints without OS detection', () => {
    expect(
      nmapOsFamily({ accuracy: 94, type: 'WAP', vendor: 'Linksys', osfamily: 'Linux' }, 'Linksys WRT54GS')
    ).toBe('network');
    expect(
      nmapOsFamily({ accuracy: 94, type: 'general purpose', vendor: 'Linux', osfamily: 'Linux' }, 'x')
    ).toBe('linux');
    expect(
      nmapOsFamily({ accuracy: 90, type: 'general purpose', vendor: 'Apple', osfamily: 'Mac OS X' }, 'x')
    ).toBe('macos');
    expect(
      nmapOsFamily({ accuracy: 90, type: 'general purpose', vendor: 'OpenBSD', osfamily: 'OpenBSD' }, 'x')
    ).toBe('unix');
    const xml =
      '<nmaprun><host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><ports>' +
      '<port protocol="tcp" portid="23"><state state="open"/><service name="telnet" product="Cisco router telnetd" devicetype="router"/></port>' +
      '</ports></host></nmaprun>';
    expect(parseNmap(utf8(xml)).value.hosts[0]?.os).toEqual({ family: 'network' });
  });

  it('refuses a well-formed file of another kind and an empty file', () => {
    expect(parseNmap(utf8('<foo></foo>')).issues).toEqual([
      expect.objectContaining({ severity: 'error', code: 'nmap-wrong-root', line: 1 })
    ]);
    expect(codes(parseNmap(utf8('')).issues)).toEqual(['not-xml']);
  });
});

describe('detection and the registry on Nmap fixtures', () => {
  it.each(['windows-lan-sV-O.xml', 'truncated.xml', 'all-hosts-down.xml'])(
    'detects %s as nmap-xml',
    (name) => {
      expect(detect(fixture('nmap', name))).toBe('nmap-xml');
    }
  );

  it('passes the zod schemas through createStreamParser and counts like the CLI', () => {
    const r = throughRegistry('nmap-xml', own('windows-lan-sV-O.xml'));
    expect(codes(r.issues)).toEqual(['nmap-hosts-down', 'nmap-vulners-not-imported']);
    expect(r.counts).toEqual({ assets: 3, findings: 0, installedUpdates: 0, software: 7, pendingUpdates: 0 });
  });
});

type Check = (r: ParseResult<ParsedFile>) => void;

/** What each shared Nmap sample holds, checked with xml.etree and grep beforehand. */
const EXPECTED: Record<string, { detected: string; check: Check }> = {
  'INVALID_dradis_not_nmap.xml': {
    detected: 'problem:unknown-format',
    check: (r) => {
      expect(r.value.hosts).toEqual([]);
      expect(r.issues).toEqual([expect.objectContaining({ severity: 'error', code: 'nmap-wrong-root' })]);
    }
  },
  'MALFORMED_nmap_project_zenmap_output_error.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(r.value.hosts).toEqual([]);
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({
        severity: 'error',
        code: 'xml-not-well-formed',
        line: 14,
        column: 54
      });
      expect(r.issues[0]?.message).toContain('line 14');
    }
  },
  'defectdojo_nmap_sV_vulners_allports.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(codes(r.issues)).toEqual(['nmap-vulners-not-imported']);
      expect(r.value.formatVersion).toBe('Nmap 7.91, XML 1.05');
      expect(r.value.hosts).toHaveLength(1);
      const h = host(r.value.hosts, '10.250.195.71');
      expect(h.hostname).toBe('ip-10-250-195-71');
      expect(h.fqdn).toBe('ip-10-250-195-71.eu-west-1.compute.internal');
      // 13 ports with a product: OpenSSH 7.4, Golang net/http server ×5, MySQL 5.7.32 ×7.
      expect(software(h)).toEqual(['OpenSSH 7.4', 'Golang net/http server', 'MySQL 5.7.32']);
      expect(h.findings).toEqual([]);
    }
  },
  'libnmap_fullscan_A_256hosts.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(r.value.hosts.map((h) => h.key)).toEqual(['192.168.1.1', '192.168.1.4']);
      expect(r.issues).toEqual([
        expect.objectContaining({ severity: 'info', code: 'nmap-hosts-down', count: 254 })
      ]);
      expect(software(host(r.value.hosts, '192.168.1.1'))).toEqual(['Sagem router telnetd']);
      expect(software(host(r.value.hosts, '192.168.1.4'))).toEqual([
        'OpenSSH 5.9p1 Debian 5ubuntu1',
        'Apache httpd 2.2.22'
      ]);
      expect(host(r.value.hosts, '192.168.1.1').os).toEqual({ family: 'network' });
      expect(host(r.value.hosts, '192.168.1.4').os).toEqual({ family: 'linux' });
    }
  },
  'libnmap_sV_O_scripts_localhost.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(r.issues).toEqual([]);
      expect(r.value.formatVersion).toBe('Nmap 5.51, XML 1.03');
      const h = host(r.value.hosts, '127.0.0.1');
      expect(h.hostname).toBe('localhost');
      expect(software(h)).toEqual([
        'OpenSSH 5.3',
        'Postfix smtpd',
        'Apache httpd 2.2.15',
        'CUPS 1.4',
        'MySQL 5.1.67'
      ]);
      // No osmatch; the first of two osclasses at 96% is a Netgear WAP.
      expect(h.os).toEqual({ family: 'network', name: 'Netgear embedded' });
    }
  },
  'nmap_project_ndiff_complex_sV_sC_O.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(r.issues).toEqual([]);
      expect(r.value.formatVersion).toBe('Nmap 4.90RC2, XML 1.03');
      expect(r.value.hosts).toEqual([
        {
          key: '64.13.134.52',
          ips: ['64.13.134.52'],
          macs: [],
          installedUpdates: [],
          software: [
            { name: 'OpenSSH', ecosystem: 'service', version: '4.3' },
            { name: 'ISC BIND', ecosystem: 'service', version: '9.3.4' },
            { name: 'Apache httpd', ecosystem: 'service', version: '2.2.2' }
          ],
          pendingUpdates: [],
          findings: [],
          hostname: 'scanme',
          fqdn: 'scanme.nmap.org',
          os: { family: 'linux', name: 'Linux 2.6.9 - 2.6.24' },
          scanStart: '2009-07-10T23:47:13Z',
          scanEnd: '2009-07-10T23:49:15Z'
        }
      ]);
    }
  },
  'nmap_project_zenmap_sample_8hosts_A.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(r.issues).toEqual([]);
      expect(r.value.formatVersion).toBe('Nmap 4.53, XML 1.01');
      expect(r.value.hosts.map((h) => [h.key, h.fqdn, h.software.length, h.os?.family, h.os?.name])).toEqual([
        ['66.35.250.168', 'freshmeat.net', 1, 'network', 'MicroTik RouterOS 2.9.46'],
        ['66.35.250.203', 'sourceforge.net', 1, 'linux', 'Linux 2.6.17 - 2.6.18'],
        ['64.13.134.48', undefined, 2, 'linux', 'Linux 2.6.17 - 2.6.21'],
        ['204.152.191.37', 'pub2.kernel.org', 4, 'linux', 'Linux 2.6.5 - 2.6.9'],
        ['199.185.137.3', 'cvs.openbsd.org', 4, 'network', 'Netcomm V300 VoIP gateway'],
        ['204.152.190.12', 'www.netbsd.org', 3, 'network', 'Apple AirPort Extreme WAP (runs NetBSD)'],
        ['72.14.207.99', 'eh-in-f99.google.com', 1, 'linux', undefined],
        ['72.14.253.83', 'po-in-f83.google.com', 1, 'linux', undefined]
      ]);
      expect(software(host(r.value.hosts, '204.152.190.12'))).toEqual([
        'OpenSSH 4.4',
        'Postfix smtpd',
        'Apache httpd 2.0.61'
      ]);
    }
  },
  'ullaakut_scan_invalid_services.xml': {
    detected: 'nmap-xml',
    check: (r) => {
      expect(r.issues).toEqual([]);
      expect(r.value.formatVersion).toBeUndefined();
      // No <status> at all: the hosts are taken as up. Port 80 of .169 is closed, so only its 443 counts.
      expect(r.value.hosts.map((h) => [h.key, software(h)])).toEqual([
        ['66.35.250.168', ['VALID']],
        ['66.35.250.169', ['INVALID']],
        ['66.35.250.170', ['INVALID']],
        ['66.35.250.171', ['INVALID']]
      ]);
    }
  }
};

describe.skipIf(!hasShared)('Nmap XML on the shared samples', () => {
  const samples = sharedSamples('nmap');

  it('has expectations for every sample in the folder', () => {
    expect(samples.map((p) => basename(p)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(samples.map((p) => [basename(p), p]))('reads %s', (name, path) => {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`no expectations for ${name}`);
    const r = parseNmap(readBytes(path));
    expect(expectValidModel(r.value.hosts, r.value.rules)).toEqual([]);
    expected.check(r);
    expect(detect(path)).toBe(expected.detected);
    if (expected.detected === 'nmap-xml') {
      const reg = throughRegistry('nmap-xml', readBytes(path));
      expect(reg.issues).toEqual(r.issues);
      expect(reg.counts.assets).toBe(r.value.hosts.length);
      expect(reg.counts.findings).toBe(0);
      expect(reg.counts.software).toBe(r.value.hosts.reduce((n, h) => n + h.software.length, 0));
    }
  });

  it('counts software per sample: one entry per product and version per host', () => {
    const total = (name: string): number =>
      parseNmap(readBytes(samples.find((p) => basename(p) === name) as string)).value.hosts.reduce(
        (n, h) => n + h.software.length,
        0
      );
    expect(total('nmap_project_zenmap_sample_8hosts_A.xml')).toBe(17);
    expect(total('libnmap_fullscan_A_256hosts.xml')).toBe(3);
    expect(total('defectdojo_nmap_sV_vulners_allports.xml')).toBe(3);
  });

  it('does not claim other scanners’ samples', () => {
    for (const path of otherFoldersSamples(['nmap'])) {
      expect(detect(path), basename(path)).not.toBe('nmap-xml');
    }
  });
});
