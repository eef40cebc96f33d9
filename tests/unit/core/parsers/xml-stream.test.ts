import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, it, vi } from 'vitest';
import {
  chooseXmlEncoding,
  createXmlReader,
  htmlToText,
  isIp,
  isoTimestamp,
  namesFrom,
  normalizeMac,
  osFamilyOf,
  osFromName,
  paragraphs,
  parseCvss,
  severityFromScore,
  xmlRoot,
  type XmlReaderSpec
} from '../../../../src/lib/core/parsers/xml-stream';
import { codes, toUtf16leWithBom, utf8 } from './xml-stream-helpers';

interface Seen {
  opened: string[];
  texts: Record<string, string[]>;
}

/** A reader over <root> that records opened paths and collects the text of <own> ('own') and <deep> ('deep'). */
function record(xml: Uint8Array, sizes: number[] = [1 << 20], extra: Partial<XmlReaderSpec> = {}) {
  const seen: Seen = { opened: [], texts: {} };
  const reader = createXmlReader({
    what: 'a test file',
    remedy: 'Make it again.',
    root: (el) =>
      el.name === 'root'
        ? undefined
        : { severity: 'error', code: 'test-wrong-root', message: `Top element <${el.name}>.`, line: el.line },
    open(el, ctx) {
      seen.opened.push(ctx.path.join('/'));
      if (el.name === 'own') ctx.collect('own');
      if (el.name === 'deep') ctx.collect('deep');
      if (el.name === 'skipme') ctx.skip();
      if (el.name === 'link') ctx.appendText(`<${el.attributes.href ?? ''}>`);
    },
    close(el, text) {
      if (text !== undefined) (seen.texts[el.name] ??= []).push(text);
    },
    ...extra
  });
  let offset = 0;
  for (let i = 0; offset < xml.length; i++) {
    const size = sizes[i % sizes.length] as number;
    reader.write(xml.subarray(offset, offset + size));
    offset += size;
  }
  reader.end();
  return { seen, issues: reader.issues, failed: reader.failed };
}

const SAMPLE =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<root>\n' +
  '  <own>Zürich &amp; <![CDATA[<b>raw</b>]]> 東京 😀<child>not mine</child> end</own>\n' +
  '  <deep><p>first</p><p>second <i>part</i></p>tail<link href="https://example.org/kb"/></deep>\n' +
  '  <skipme><own>hidden</own><deeper><x/></deeper></skipme>\n' +
  '  <after/>\n' +
  '</root>\n';

describe('createXmlReader', () => {
  it('hands an element its own text and CDATA, without its children’s text', () => {
    const { seen, issues } = record(utf8(SAMPLE));
    expect(issues).toEqual([]);
    expect(seen.texts.own).toEqual(['Zürich & <b>raw</b> 東京 😀 end']);
  });

  it('gathers all text inside a deep element, a line break at each child element and link targets added', () => {
    const { seen } = record(utf8(SAMPLE));
    expect(paragraphs(seen.texts.deep?.[0])).toBe('first\nsecond\npart\ntail\n<https://example.org/kb>');
  });

  it('skips a subtree: no events for its descendants, the parser goes on after it', () => {
    const { seen } = record(utf8(SAMPLE));
    expect(seen.opened).toContain('root/skipme');
    expect(seen.opened.filter((p) => p.startsWith('root/skipme/'))).toEqual([]);
    expect(seen.opened).toContain('root/after');
    expect(seen.texts.own).toHaveLength(1);
  });

  it('gives the same events whatever the chunk sizes, even one byte at a time inside multi-byte characters', () => {
    const whole = record(utf8(SAMPLE));
    expect(record(utf8(SAMPLE), [1]).seen).toEqual(whole.seen);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        expect(record(utf8(SAMPLE), sizes).seen).toEqual(whole.seen);
      }),
      { numRuns: 60 }
    );
  });

  it('reads UTF-16LE with a BOM and a declared ISO-8859-1 file', () => {
    const whole = record(utf8(SAMPLE)).seen;
    expect(record(toUtf16leWithBom(SAMPLE), [7]).seen).toEqual(whole);
    const latin1 = new Uint8Array([
      ...utf8('<?xml version="1.0" encoding="ISO-8859-1"?>\n<root><own>Z'),
      0xfc,
      ...utf8('rich</own></root>')
    ]);
    expect(record(latin1).seen.texts.own).toEqual(['Zürich']);
  });

  it('never expands DTD entities: billion laughs and an external (XXE) entity stay as written, with warnings', () => {
    const xml =
      '<?xml version="1.0"?>\n<!DOCTYPE root [\n <!ENTITY a "aaaaaaaaaa">\n <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n' +
      ' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n' +
      '<root>\n<own>&c;</own>\n<own>&xxe;</own>\n</root>\n';
    const { seen, issues, failed } = record(utf8(xml));
    expect(failed).toBe(false);
    expect(seen.texts.own).toEqual(['&c;', '&xxe;']);
    expect(codes(issues)).toEqual(['dtd-entities-ignored', 'xml-undefined-entity']);
    const undefinedEntity = issues[1];
    expect(undefinedEntity?.severity).toBe('warning');
    expect(undefinedEntity?.count).toBe(2);
    expect(undefinedEntity?.lines).toEqual([9, 10]);
  });

  it('groups repeated non-fatal problems into one with a count and the first five lines', () => {
    const lines = Array.from({ length: 12 }, () => '<own>&nope;</own>').join('\n');
    const { issues } = record(utf8(`<root>\n${lines}\n</root>`));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'xml-undefined-entity', count: 12, lines: [2, 3, 4, 5, 6] });
  });

  it('stops with the line and column when the XML is not well-formed', () => {
    const { issues, failed } = record(utf8('<root>\n<own>a</own>\n<own attr="x\u0005y">b</own>\n</root>'));
    expect(failed).toBe(true);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'xml-not-well-formed', line: 3 });
    expect(issues[0]?.message).toMatch(/line 3, column \d+/);
    expect(issues[0]?.message).toContain('Make it again.');
  });

  it.each([
    ['random bytes (not XML from the first character)', `'${'\u0000<![CDATA['.repeat(30_000)}`, 'not-xml'],
    [
      'a report with "]]>" repeated in its text',
      `<root>\n<own>${']]>'.repeat(60_000)}</own></root>`,
      'xml-not-well-formed'
    ]
  ])(
    'fuzz case: %s stops at the first error; the rest of the chunk is not parsed error by error',
    (_name, text, code) => {
      // Found by tests/unit/fuzz: saxes went on through the rest of the chunk and built an Error for every bad
      // character after the reader had stopped (20 s for 300 KB of garbage written in one chunk).
      const fail = vi.spyOn(SaxesParser.prototype, 'fail');
      try {
        const { issues, failed } = record(utf8(text));
        expect(failed).toBe(true);
        expect(issues).toHaveLength(1);
        expect(issues[0]).toMatchObject({ severity: 'error', code, line: code === 'not-xml' ? 1 : 2 });
        expect(fail).toHaveBeenCalledTimes(1);
      } finally {
        fail.mockRestore();
      }
    }
  );

  it('refuses elements nested more than 256 levels deep, naming the line', () => {
    const { issues, failed, seen } = record(utf8(`<root>\n<deep>\n${'<p>'.repeat(100_000)}`));
    expect(failed).toBe(true);
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'xml-too-deep', line: 3 })]);
    expect(issues[0]?.message).toContain('Make it again.');
    expect(seen.opened).toHaveLength(256);
  });

  it('says the file is cut off, and where, when it ends inside an element', () => {
    const { issues } = record(utf8('<root>\n<own>a</own>\n<deep><p>b'));
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'xml-truncated', line: 3 });
    expect(issues[0]?.message).toContain('<p>');
  });

  it('reports a well-formed file of another kind through the root check', () => {
    const { issues, seen } = record(utf8('<foo></foo>'));
    expect(issues).toEqual([
      { severity: 'error', code: 'test-wrong-root', message: 'Top element <foo>.', line: 1 }
    ]);
    expect(seen.opened).toEqual([]);
  });

  it.each([
    ['an empty file', ''],
    ['a file that is only a BOM', '\uFEFF'],
    ['blank lines', '\n\n  \n'],
    ['plain text', 'Host Name: PC01\n']
  ])('says %s is not XML', (_name, content) => {
    const { issues, failed } = record(utf8(content));
    expect(failed).toBe(true);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'not-xml' });
    expect(issues[0]?.message).toContain('a test file');
  });
});

describe('xmlRoot', () => {
  it('finds the root after the declaration, a stylesheet, comments and a DOCTYPE with an internal subset', () => {
    const head =
      '\uFEFF<?xml version="1.0"?>\n<?xml-stylesheet href="nmap.xsl"?>\n<!-- comment -->\n' +
      '<!DOCTYPE SCAN SYSTEM "https://qualysguard.qualys.com/scan-1.dtd" [ <!ENTITY x "y"> ]>\n<SCAN value="scan/1">';
    expect(xmlRoot(head)).toEqual({
      name: 'SCAN',
      tag: '<SCAN value="scan/1">',
      doctype: '<!DOCTYPE SCAN SYSTEM "https://qualysguard.qualys.com/scan-1.dtd" [ <!ENTITY x "y"> ]>'
    });
  });

  it('returns undefined for text that does not start like XML', () => {
    expect(xmlRoot('Host Name: PC01')).toBeUndefined();
    expect(xmlRoot('')).toBeUndefined();
    expect(xmlRoot('{"a": 1}')).toBeUndefined();
  });
});

describe('chooseXmlEncoding', () => {
  it('honours BOMs, UTF-16 without BOM and the declared encoding; warns about an unknown one', () => {
    expect(chooseXmlEncoding(new Uint8Array([0xff, 0xfe, 0x3c, 0x00])).encoding).toBe('utf-16le');
    expect(chooseXmlEncoding(new Uint8Array([0x3c, 0x00, 0x3f, 0x00])).encoding).toBe('utf-16le');
    expect(chooseXmlEncoding(new Uint8Array([0x00, 0x3c, 0x00, 0x3f])).encoding).toBe('utf-16be');
    expect(chooseXmlEncoding(utf8('<?xml version="1.0" encoding="windows-1252"?><a/>')).encoding).toBe(
      'windows-1252'
    );
    const unknown = chooseXmlEncoding(utf8('<?xml version="1.0" encoding="x-klingon"?><a/>'));
    expect(unknown.encoding).toBe('utf-8');
    expect(unknown.warning?.code).toBe('unknown-encoding');
  });
});

describe('shared helpers of the scanner readers', () => {
  it('bands scores like CVSS: 0 info, below 4 low, below 7 medium, below 9 high, 9 and above critical', () => {
    expect([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10, -1].map(severityFromScore)).toEqual([
      'info',
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
      'info'
    ]);
  });

  it('reads CVSS scores with their vector in the layouts scanners write', () => {
    expect(parseCvss('9.3 (AV:N/AC:M/Au:N/C:C/I:C/A:C)')).toEqual({
      baseScore: 9.3,
      vector: 'AV:N/AC:M/Au:N/C:C/I:C/A:C',
      v3: false
    });
    expect(parseCvss('7.5', '(AV:N/AC:L/Au:N/C:P/I:P/A:P)')?.vector).toBe('AV:N/AC:L/Au:N/C:P/I:P/A:P');
    expect(parseCvss('9.8', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')?.v3).toBe(true);
    expect(parseCvss('11')).toBeUndefined();
    expect(parseCvss('')).toBeUndefined();
  });

  it('normalises MAC addresses written with colons, dashes or none', () => {
    expect(normalizeMac('E4CE8F490D7C')).toBe('e4:ce:8f:49:0d:7c');
    expect(normalizeMac('00-0C-29-AA-BB-CC')).toBe('00:0c:29:aa:bb:cc');
    expect(normalizeMac('not a mac')).toBeUndefined();
  });

  it('tells addresses from names, and splits a DNS name into host name and FQDN', () => {
    expect(isIp('10.0.0.1')).toBe(true);
    expect(isIp('fe80::215:5dff:fe0a:1402')).toBe(true);
    expect(isIp('192.168.1.1001')).toBe(false);
    expect(namesFrom('srv01.contoso.local.')).toEqual({ hostname: 'srv01', fqdn: 'srv01.contoso.local' });
    expect(namesFrom('SRV01')).toEqual({ hostname: 'SRV01' });
    expect(namesFrom('10.0.0.1')).toEqual({});
  });

  it('reads scanner timestamps: ISO, Nexpose compact and epoch seconds', () => {
    expect(isoTimestamp('2019-07-31T21:57:48Z')).toBe('2019-07-31T21:57:48Z');
    expect(isoTimestamp('20131127T050242739')).toBe('2013-11-27T05:02:42');
    expect(isoTimestamp('1247269633')).toBe('2009-07-10T23:47:13Z');
    expect(isoTimestamp('yesterday')).toBeUndefined();
  });

  it('turns Qualys HTML fragments into plain text', () => {
    expect(
      htmlToText(
        'See <A HREF="https://x" TARGET="_blank">KB2696547</A>.<P>Patch:<BR>&quot;MS17-010&quot; &amp; more'
      )
    ).toBe('See KB2696547.\nPatch:\n"MS17-010" & more');
  });

  it('tells OS families from names and device types, without guessing a Windows build from several candidates', () => {
    expect(osFamilyOf('Linux 2.6.9 - 2.6.24')).toBe('linux');
    expect(osFamilyOf('Linux', 'WAP')).toBe('network');
    expect(osFamilyOf('Apple Mac OS X 10.8.0')).toBe('macos');
    expect(osFamilyOf('OpenBSD 4.3')).toBe('unix');
    expect(osFamilyOf('MikroTik RouterOS 6.48')).toBe('network');
    expect(osFamilyOf('LaserJet', 'Printer')).toBe('other');
    expect(osFamilyOf('something')).toBeUndefined();
    expect(osFromName('Microsoft Windows Server 2008 R2 SP1')).toEqual({
      family: 'windows',
      name: 'Microsoft Windows Server 2008 R2 SP1',
      build: 7601,
      servicePack: 'Service Pack 1',
      productType: 'server'
    });
    expect(osFromName('Microsoft Windows 7 or Windows Server 2008 R2')).toEqual({
      family: 'windows',
      name: 'Microsoft Windows 7 or Windows Server 2008 R2'
    });
  });
});
