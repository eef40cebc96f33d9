import { basename } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import type { FileFormat } from '../../../../src/lib/core/model';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import {
  LineReader,
  hostnameFromLine,
  machineHost,
  parseLineFormat,
  type LineFormat
} from '../../../../src/lib/core/parsers/line-reader';
import { hasShared, readBytes, sharedSamples } from '../../shared';

function readLines(bytes: Uint8Array, chunks: number[] = [bytes.length], legacy?: string[]) {
  const lines: [number, string][] = [];
  const reader = new LineReader((text, line) => lines.push([line, text]), legacy ? { legacy } : {});
  let at = 0;
  for (const size of chunks) {
    reader.write(bytes.subarray(at, at + size));
    at += size;
  }
  reader.write(bytes.subarray(at));
  reader.end();
  return { lines, reader };
}

function utf16(text: string, endian: 'le' | 'be', bom: boolean): Uint8Array {
  const out = new Uint8Array((bom ? 2 : 0) + text.length * 2);
  let o = 0;
  if (bom) {
    out[o++] = endian === 'le' ? 0xff : 0xfe;
    out[o++] = endian === 'le' ? 0xfe : 0xff;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[o++] = endian === 'le' ? c & 0xff : c >> 8;
    out[o++] = endian === 'le' ? c >> 8 : c & 0xff;
  }
  return out;
}

/** A trivial line format that keeps the lines, to see what the shared harness adds. */
const ECHO: LineFormat = {
  format: 'rpm-qa',
  what: 'test list',
  howTo: 'run the test command',
  create() {
    const seen: string[] = [];
    return {
      line: (text) => void seen.push(text),
      finish: () => ({ hosts: [machineHost({ software: seen.map((name) => ({ name })) })], issues: [] })
    };
  }
};

describe('LineReader', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, numbers them from 1 and keeps a last line without a break', () => {
    const { lines } = readLines(utf8('a\nb\r\nc\rd\n\ne'));
    expect(lines).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
      [5, ''],
      [6, 'e']
    ]);
  });

  it('does not split "\\r\\n" into two lines when a chunk ends between them', () => {
    const { lines } = readLines(utf8('one\r\ntwo\r\n'), [4]);
    expect(lines).toEqual([
      [1, 'one'],
      [2, 'two']
    ]);
  });

  it('gives the same lines however the bytes are cut into chunks (UTF-8, UTF-16LE, UTF-16BE)', () => {
    const text = 'Größe: 12\r\n東京 😀 ✓\nß\rlast';
    const encodings = [
      utf8(text),
      utf16(text, 'le', true),
      utf16(text, 'be', true),
      utf16(text, 'le', false)
    ];
    const expected = readLines(utf8(text)).lines;
    expect(expected.map(([, t]) => t)).toEqual(['Größe: 12', '東京 😀 ✓', 'ß', 'last']);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 40 }),
        (e, cuts) => {
          expect(readLines(encodings[e] as Uint8Array, cuts).lines).toEqual(expected);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('decodes legacy code pages the way decodeText does (windows-1251 and cp850)', () => {
    const cp1251 = new Uint8Array([
      0xc7, 0xe0, 0xe3, 0xf0, 0xf3, 0xe6, 0xe5, 0xed, 0xfb, 0x20, 0xec, 0xee, 0xe4, 0xf3, 0xeb, 0xe8, 0x0a
    ]);
    const a = readLines(cp1251, [3, 5], ['windows-1251', 'cp850']);
    expect(a.lines).toEqual([[1, 'Загружены модули']]);
    expect(a.reader.encoding).toBe('windows-1251');
    // "Größe" in cp850 (ö = 0x94, ß = 0xE1), split between the chunks.
    const cp850 = new Uint8Array([0x47, 0x72, 0x94, 0xe1, 0x65, 0x0a, 0x94, 0x0a]);
    const b = readLines(cp850, [2, 1, 1], ['cp850']);
    expect(b.lines).toEqual([
      [1, 'Größe'],
      [2, 'ö']
    ]);
    expect(b.reader.encoding).toBe('cp850');
  });

  it('decides the encoding on the first 64 KB and counts what later cannot be decoded', () => {
    const head = utf8(`${'x'.repeat(70000)}\n`);
    const bytes = new Uint8Array(head.length + 4);
    bytes.set(head);
    bytes.set([0x41, 0xff, 0x42, 0x0a], head.length);
    const { lines, reader } = readLines(bytes, [1000, 65000]);
    expect(reader.encoding).toBe('utf-8');
    expect(lines[1]).toEqual([2, 'A\ufffdB']);
    expect(reader.undecodable).toBe(1);
    const result = parseLineFormat(bytes, ECHO);
    expect(result.issues).toMatchObject([{ severity: 'warning', code: 'text-undecodable' }]);
  });

  it('cuts a line longer than the limit and reports it once', () => {
    const lines: string[] = [];
    const reader = new LineReader((t) => lines.push(t), { maxLineChars: 10 });
    reader.write(utf8('short\n'));
    reader.write(utf8('a'.repeat(8)));
    reader.write(utf8('b'.repeat(30)));
    reader.write(utf8('\nafter\n'));
    reader.end();
    expect(lines).toEqual(['short', 'aaaaaaaabb', 'after']);
    expect(reader.cutLines).toEqual([2]);
  });

  it('fuzz case: reads a 1.2 MB line that arrives 3 bytes at a time in one pass (it was searched again at every chunk)', () => {
    // Found by tests/unit/fuzz: random bytes with no line break, written in tiny chunks, kept dpkg-list busy for
    // minutes. Fixed, this takes well under a second; the old reader needs minutes and runs into the test timeout.
    const lines: string[] = [];
    const reader = new LineReader((t) => lines.push(t), { maxLineChars: 300_000 });
    reader.write(utf8('before\n'));
    const long = utf8('x'.repeat(1_200_000));
    for (let i = 0; i < long.length; i += 3) reader.write(long.subarray(i, i + 3));
    reader.write(utf8('\r'));
    reader.write(utf8('\nafter'));
    reader.end();
    expect(lines.map((l) => l.length)).toEqual([6, 300_000, 5]);
    expect(lines[1]).toBe('x'.repeat(300_000));
    expect(reader.cutLines).toEqual([2]);
  });
});

describe('the line format harness', () => {
  it('reports a 0-byte file and a file of only a BOM or blank lines as empty, with how to capture it again', () => {
    for (const [bytes, words] of [
      [new Uint8Array(0), '0 bytes'],
      [new Uint8Array([0xef, 0xbb, 0xbf]), 'byte order mark'],
      [new Uint8Array([0xff, 0xfe]), 'byte order mark'],
      [utf8('\n  \r\n\t\n'), 'blank lines']
    ] as const) {
      const result = parseLineFormat(bytes, ECHO);
      expect(result.value.hosts).toEqual([]);
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]).toMatchObject({ severity: 'error', code: 'empty-file' });
      expect(result.issues[0]?.message).toContain(words);
      expect(result.issues[0]?.message).toContain('Run the test command');
    }
  });

  it('hands leading blank lines over to no parser, but keeps their numbers', () => {
    const seen: [string, number, number][] = [];
    const spec: LineFormat = {
      ...ECHO,
      create: () => ({
        line: (t, l, n) => void seen.push([t, l, n]),
        finish: () => ({ hosts: [], issues: [] })
      })
    };
    parseLineFormat(utf8('\n\nfirst\n\nsecond\n'), spec);
    expect(seen).toEqual([
      ['first', 3, 1],
      ['', 4, 1],
      ['second', 5, 2]
    ]);
  });
});

describe('one machine per inventory file', () => {
  it('reads host names written above a capture, and a bare `hostname` output only on the first line', () => {
    expect(hostnameFromLine('hostname: web01')).toBe('web01');
    expect(hostnameFromLine('Host name = web01.example.com')).toBe('web01.example.com');
    expect(hostnameFromLine('# host: db-02')).toBe('db-02');
    expect(hostnameFromLine('HOSTNAME=files01')).toBe('files01');
    expect(hostnameFromLine('Computer Name: MAC-07')).toBe('MAC-07');
    expect(hostnameFromLine('web01')).toBeUndefined();
    expect(hostnameFromLine('web01', true)).toBe('web01');
    expect(hostnameFromLine('sles-app01.corp.example', true)).toBe('sles-app01.corp.example');
    expect(hostnameFromLine('Listing...', true)).toBeUndefined();
    expect(hostnameFromLine('12345', true)).toBeUndefined();
    expect(hostnameFromLine('Software Update Tool', true)).toBeUndefined();
  });

  it('keys an unnamed machine "local" and a named one by its name, FQDN split into host and domain', () => {
    expect(machineHost({})).toEqual({
      key: 'local',
      ips: [],
      macs: [],
      kind: 'machine',
      installedUpdates: [],
      software: [],
      pendingUpdates: [],
      findings: []
    });
    expect(machineHost({ hostname: 'WEB01.Corp.Example' })).toMatchObject({
      key: 'web01.corp.example',
      hostname: 'WEB01',
      fqdn: 'web01.corp.example',
      domain: 'corp.example'
    });
    expect(machineHost({ hostname: '10.0.0.5' })).toMatchObject({ key: '10.0.0.5', hostname: '10.0.0.5' });
    expect(machineHost({ hostname: '10.0.0.5' }).fqdn).toBeUndefined();
  });
});

/** The formats of the Linux and macOS inventory readers. */
const INVENTORY_FORMATS: ReadonlySet<FileFormat> = new Set<FileFormat>([
  'dpkg-list',
  'dpkg-query',
  'dpkg-status',
  'apt-upgradable',
  'apt-get-simulate',
  'rpm-qa',
  'rpm-qai',
  'yum-check-update',
  'dnf-updateinfo',
  'os-release',
  'macos-softwareupdate',
  'macos-system-profiler',
  'macos-system-profiler-json'
]);

describe.skipIf(!hasShared)('the inventory readers leave other formats alone', () => {
  const folders = [
    'nessus',
    'nessus-csv',
    'openvas',
    'qualys',
    'nmap',
    'trivy',
    'grype',
    'osv-scanner',
    'cyclonedx',
    'spdx',
    'mdvm-defender',
    'rapid7-nexpose',
    'windows-systeminfo',
    'windows-qfe',
    'windows-installed-programs',
    'windows-missing-updates'
  ];
  const files = folders.flatMap((f) => sharedSamples(f));

  it('has samples of other formats to try', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it.each(files.map((p) => [basename(p), p]))('does not claim %s', (name, path) => {
    const detection = detectFormat(readBytes(path).subarray(0, SNIFF_BYTES), name);
    if (detection.format) expect(INVENTORY_FORMATS.has(detection.format)).toBe(false);
  });
});
