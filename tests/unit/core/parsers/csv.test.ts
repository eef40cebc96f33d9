import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import {
  CsvTokenizer,
  DateOrderVote,
  ScoreVote,
  createCsvReader,
  createTextStreamDecoder,
  osFromName,
  parseExportDate,
  parseScore,
  readCsvRecords,
  sniffCsvDelimiter,
  sniffCsvHeader,
  tokenizeCsv,
  type CsvRecord,
  type CsvRow
} from '../../../../src/lib/core/parsers/csv';
import { fixture, readBytes } from '../../shared';

const own = (name: string): Uint8Array => readBytes(fixture('csv', name));

/** Splits bytes into pieces of the given sizes (cycled), as a file reader or network would. */
function chunks(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] as number);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

const plain = (rows: CsvRow[]): { line: number; endLine: number; cells: string[] }[] =>
  rows.map((r) => ({ line: r.line, endLine: r.endLine, cells: r.cells }));

describe('readCsvRecords on own fixtures', () => {
  it('reads an Excel semicolon export in windows-1252 (German locale) with quoted semicolons and quotes', () => {
    const { value, issues } = readCsvRecords(own('excel-de-semicolon-cp1252.csv'));
    expect(issues).toEqual([]);
    expect(value.encoding).toBe('windows-1252');
    expect(value.delimiter).toBe(';');
    expect(value.header?.names).toEqual([
      'Computer',
      'Benutzer',
      'Software',
      'Version',
      'Größe (MB)',
      'Installiert am'
    ]);
    expect(value.rows.map((r) => r.cells[0])).toEqual(['PC-BÜRO-01', 'PC-BÜRO-01', 'NB-KÜCHE']);
    expect(value.rows[1]?.cells[2]).toBe('7-Zip 23.01 (x64); "Ultra" Edition');
    expect(value.rows[2]?.cells[1]).toBe('Renée Faßbender');
    expect(value.rows.map((r) => r.line)).toEqual([2, 3, 4]);
  });

  it('reads a Russian Excel "ANSI" export as windows-1251', () => {
    const { value, issues } = readCsvRecords(own('excel-ru-ansi-cp1251.csv'));
    expect(issues).toEqual([]);
    expect(value.encoding).toBe('windows-1251');
    expect(value.header?.names).toEqual(['Имя компьютера', 'Программа', 'Версия', 'Издатель']);
    expect(value.rows[0]?.cells).toEqual([
      'БУХ-ПК-03',
      '1С:Предприятие 8.3 (8.3.24.1467)',
      '8.3.24.1467',
      'ООО "1С-Софт"'
    ]);
  });

  it('reads Excel "Unicode Text" (UTF-16LE with BOM, tab-delimited)', () => {
    const { value } = readCsvRecords(own('excel-unicode-text-utf16le.txt'));
    expect(value.encoding).toBe('utf-16le');
    expect(value.delimiter).toBe('\t');
    expect(value.header?.names).toEqual(['Device', 'OS', 'Last seen']);
    expect(value.rows.map((r) => r.cells[0])).toEqual(['WS-東京-01', 'WS-Zürich-02']);
  });

  it('finds the header after preamble lines and names blank and repeated columns uniquely', () => {
    const { value } = readCsvRecords(own('preamble-blank-headers-multiline.csv'), {
      isHeader: (h) => h.has('Host')
    });
    expect(value.preamble.map((r) => r.line)).toEqual([1, 2]);
    expect(value.preamble[0]?.cells).toEqual(['Patch Report', '13 May 2024 10:00AM GMT+0200']);
    expect(value.header?.line).toBe(4);
    expect(value.header?.raw).toEqual(['Host', 'Finding', '', 'Notes', 'Finding', '']);
    expect(value.header?.names).toEqual([
      'Host',
      'Finding',
      '(blank 1)',
      'Notes',
      'Finding (2)',
      '(blank 2)'
    ]);
    expect(value.header?.column('finding (2)')).toBe(4);
    expect(value.header?.column('missing', 'NOTES')).toBe(3);
  });

  it('numbers a record with line breaks in quoted cells by its first and last line', () => {
    const { value } = readCsvRecords(own('preamble-blank-headers-multiline.csv'), {
      isHeader: (h) => h.has('Host')
    });
    expect(plain(value.rows)).toEqual([
      {
        line: 5,
        endLine: 7,
        cells: ['srv-01', 'Missing KB5037765', 'x', 'line one\nline two, with comma\nline "three"', 'dup', '']
      },
      { line: 9, endLine: 9, cells: ['srv-02', 'Missing KB5037768', '', 'single', 'dup2', ''] },
      { line: 10, endLine: 10, cells: ['srv-03', 'Ragged', '', 'short'] },
      { line: 11, endLine: 11, cells: ['srv-04', 'Extra cells', '', 'n', 'd', '', 'surplus'] },
      { line: 13, endLine: 13, cells: ['srv-05', 'Last row', '', 'ends without newline', '', ''] }
    ]);
    expect(value.rows.map((r) => r.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips rows of delimiters only and groups ragged rows into one warning with their lines', () => {
    const { value, issues } = readCsvRecords(own('preamble-blank-headers-multiline.csv'), {
      isHeader: (h) => h.has('Host')
    });
    expect(value.blankRows).toBe(2);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: 'csv-ragged-row',
      severity: 'warning',
      count: 2,
      lines: [10, 11]
    });
    expect(issues[0]?.message).toContain('line 10');
  });

  it('reports a quote left open at the end of the file with the line it opened on', () => {
    const { value, issues } = readCsvRecords(own('unterminated-quote.csv'));
    expect(value.rows).toHaveLength(2);
    expect(value.rows[1]).toMatchObject({ line: 3, endLine: 4 });
    expect(value.rows[1]?.cells[2]).toBe('cut off here\r\nand the file ends');
    expect(issues.map((i) => [i.code, i.line])).toEqual([['csv-unterminated-quote', 3]]);
  });

  it('gives the same rows, lines and problems when every fixture is fed one byte at a time', () => {
    for (const name of [
      'excel-de-semicolon-cp1252.csv',
      'excel-ru-ansi-cp1251.csv',
      'excel-unicode-text-utf16le.txt',
      'preamble-blank-headers-multiline.csv',
      'unterminated-quote.csv'
    ]) {
      const bytes = own(name);
      const options = { isHeader: (h: { has(...n: string[]): boolean }) => !h.has('Patch Report') };
      const whole = readCsvRecords(bytes, options);
      const byByte = readCsvRecords(chunks(bytes, [1]), options);
      expect(plain(byByte.value.rows), name).toEqual(plain(whole.value.rows));
      expect(byByte.issues, name).toEqual(whole.issues);
      expect(byByte.value.encoding, name).toBe(whole.value.encoding);
    }
  });
});

describe('CSV tokenizer', () => {
  it('counts lines like an editor: CRLF, LF and a lone CR are each one line break', () => {
    const records = tokenizeCsv('a,b\r\nc,"x\r\ny"\nd,e\rf,g', ',');
    expect(records.map((r) => [r.line, r.endLine, r.cells])).toEqual([
      [1, 1, ['a', 'b']],
      [2, 3, ['c', 'x\r\ny']],
      [4, 4, ['d', 'e']],
      [5, 5, ['f', 'g']]
    ]);
  });

  it('keeps a CRLF split between two pieces as one line break', () => {
    const records: CsvRecord[] = [];
    const t = new CsvTokenizer(',', (r) => records.push(r));
    for (const piece of ['a,b\r', '\nc,d\r', '\n', '"e\r', '\nf",g\r\n']) t.push(piece);
    t.end();
    expect(records.map((r) => [r.line, r.endLine, r.cells])).toEqual([
      [1, 1, ['a', 'b']],
      [2, 2, ['c', 'd']],
      [3, 4, ['e\r\nf', 'g']]
    ]);
  });

  it('keeps text after a closing quote and quotes inside unquoted cells as written', () => {
    expect(tokenizeCsv('"abc"def,x"y"z,""\n', ',')[0]?.cells).toEqual(['abcdef', 'x"y"z', '']);
  });

  it('reads an empty last cell and a file without a final line break', () => {
    expect(tokenizeCsv('a,b,\nc,d,', ',').map((r) => r.cells)).toEqual([
      ['a', 'b', ''],
      ['c', 'd', '']
    ]);
  });

  it('stops at a quoted cell longer than the limit and says where it opened', () => {
    const bytes = utf8(`Host,Output\nsrv,"${'x'.repeat(5000)}`);
    const rows: CsvRow[] = [];
    const reader = createCsvReader({ maxCellChars: 1000 }, (r) => rows.push(r));
    for (const piece of chunks(bytes, [700])) reader.write(piece);
    reader.end();
    expect(rows).toEqual([]);
    expect(reader.issues.map((i) => [i.code, i.severity, i.line])).toEqual([
      ['csv-cell-too-large', 'error', 2]
    ]);
  });

  it('reads back any table written with RFC 4180 quoting, however the bytes are cut (property)', () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        '',
        '"',
        '""',
        ',',
        ';',
        '\n',
        '\r\n',
        'a,b',
        'q"x',
        'é',
        '東京',
        '😀',
        ' lead',
        'KB5034122'
      )
    );
    const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        table,
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        (rows, eol, sizes) => {
          const width = rows[0]?.length ?? 2;
          const fixed = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? 'v'));
          // A first column that is never blank, so that no row reads as a blank row.
          const data = fixed.map((r, i) => [`row${i}`, ...r]);
          const header = ['id', ...Array.from({ length: width }, (_, i) => `c${i}`)];
          const quote = (c: string): string =>
            /[",\r\n]/.test(c) || c.trim() !== c ? `"${c.replace(/"/g, '""')}"` : c;
          const text = [header, ...data].map((r) => r.map(quote).join(',')).join(eol) + eol;
          const result = readCsvRecords(chunks(utf8(text), sizes), { delimiter: ',' });
          expect(result.value.rows.map((r) => r.cells)).toEqual(data);
          // Each record starts on the line after the previous one ended.
          let next = 2;
          for (const r of result.value.rows) {
            expect(r.line).toBe(next);
            next = r.endLine + 1;
          }
        }
      ),
      { numRuns: 300 }
    );
  });
});

describe('delimiter and header sniffing', () => {
  it('tells comma, semicolon and tab apart, ignoring delimiters inside quoted cells', () => {
    expect(sniffCsvDelimiter('a,b,c\n1,"x;y;z;w",3\n')).toBe(',');
    expect(sniffCsvDelimiter('a;b;c\n1;"x,y,z,w";3\n2;4,5;6\n')).toBe(';');
    expect(sniffCsvDelimiter('a\tb\tc\n1\t"x,y"\t3\n')).toBe('\t');
    expect(sniffCsvDelimiter('just one column\nand another line\n')).toBe(',');
  });

  it('finds a header within the first lines only, and reads a head sample cut in the middle of a row', () => {
    const preamble = Array.from({ length: 4 }, (_, i) => `"Report line ${i}","x"`).join('\n');
    const text = `${preamble}\n"QID","IP","Title"\n"1","10.0.0.1","A"\n"2","10.0.0.2","cut in the mid`;
    const head = sniffCsvHeader(text, (h) => h.has('QID'));
    expect(head?.header.line).toBe(5);
    expect(head?.preamble).toHaveLength(4);
    expect(head?.rows.map((r) => r.cells[0])).toEqual(['1', '2']);
    expect(sniffCsvHeader(text, (h) => h.has('QID'), 2)).toBeUndefined();
  });
});

describe('streaming', () => {
  it('hands rows over while the file is still arriving, and reads 150,000 rows in chunks', () => {
    const header = 'Plugin ID,Host,Name,Plugin Output\r\n';
    const row = (i: number): string =>
      `${10000 + (i % 500)},10.0.${(i >> 8) & 255}.${i & 255},"Plugin, number ${i}","line 1\r\nline 2 ""quoted"""\r\n`;
    const parts = [header];
    for (let i = 0; i < 150_000; i++) parts.push(row(i));
    const bytes = utf8(parts.join(''));
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    let count = 0;
    let lastLine = 0;
    const reader = createCsvReader({}, (r) => {
      count += 1;
      lastLine = r.line;
    });
    let seenBeforeEnd = 0;
    for (const piece of chunks(bytes, [65536, 12345, 1])) {
      reader.write(piece);
      seenBeforeEnd = count;
    }
    expect(seenBeforeEnd).toBeGreaterThan(149_000);
    reader.end();
    expect(count).toBe(150_000);
    expect(lastLine).toBe(2 + 2 * 149_999);
    expect(reader.issues).toEqual([]);
  });

  it('switches to a code page when bytes that are not UTF-8 come after a plain-ASCII start', () => {
    const ascii = `Host,Owner\n${'srv,admin\n'.repeat(8000)}`;
    const tail = new Uint8Array([...utf8('srv-9,'), 0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x0a]); // "Müller" in cp1252
    const bytes = new Uint8Array([...utf8(ascii), ...tail]);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    const { value, issues } = readCsvRecords(chunks(bytes, [4096]));
    expect(issues).toEqual([]);
    expect(value.encoding).toBe('windows-1252');
    expect(value.rows.at(-1)?.cells).toEqual(['srv-9', 'Müller']);
  });

  it('warns once when a file that starts as UTF-8 has invalid bytes later', () => {
    const start = `Host,Owner\nsrv-1,Jürgen\n${'srv,admin\n'.repeat(8000)}`;
    const bytes = new Uint8Array([...utf8(start), ...utf8('srv-9,M'), 0xfc, ...utf8('ller\n')]);
    const { value, issues } = readCsvRecords(chunks(bytes, [4096]));
    expect(value.encoding).toBe('utf-8');
    expect(value.rows.at(-1)?.cells).toEqual(['srv-9', 'M\ufffdller']);
    expect(issues.map((i) => i.code)).toEqual(['invalid-utf8']);
  });

  it('decodes UTF-8 characters and UTF-16 pairs split across chunks', () => {
    const text = 'Name\n東京😀é\n';
    for (const bytes of [
      utf8(text),
      new Uint8Array([
        0xff,
        0xfe,
        ...new Uint8Array(
          new Uint16Array(
            [...text].flatMap((c) =>
              c.length === 2 ? [c.charCodeAt(0), c.charCodeAt(1)] : [c.charCodeAt(0)]
            )
          ).buffer
        )
      ])
    ]) {
      const decoder = createTextStreamDecoder();
      let out = '';
      for (const piece of chunks(bytes, [1, 2, 3])) out += decoder.write(piece);
      out += decoder.end();
      expect(out).toBe(text);
    }
  });

  it('finds no header in an empty file or one that is only a BOM', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([0xef, 0xbb, 0xbf]), utf8('\n\n')]) {
      const { value } = readCsvRecords(bytes);
      expect(value.header).toBeUndefined();
      expect(value.rows).toEqual([]);
    }
  });
});

describe('dates and scores in exports', () => {
  it('decides the date order from the whole file, not from one value', () => {
    const vote = new DateOrderVote();
    for (const d of ['05/06/2021', '07/08/2021 10:00', '23/11/2009']) vote.add(d);
    expect(vote.order('mdy')).toBe('dmy');
    expect(parseExportDate('05/06/2021', vote.order('mdy'))).toBe('2021-06-05');

    const us = new DateOrderVote();
    for (const d of ['05/06/2021', '05/13/2021 07:08:28']) us.add(d);
    expect(us.order('dmy')).toBe('mdy');
    expect(parseExportDate('05/06/2021', 'mdy')).toBe('2021-05-06');

    const none = new DateOrderVote();
    none.add('05/06/2021');
    expect(none.order('mdy')).toBe('mdy');
    expect(none.ambiguous).toBe(1);

    const mixed = new DateOrderVote();
    for (const d of ['13/05/2021', '05/13/2021']) mixed.add(d);
    expect(mixed.order('mdy')).toBeUndefined();
    expect(parseExportDate('05/06/2021', undefined)).toBeUndefined();
    expect(parseExportDate('13/05/2021', undefined)).toBe('2021-05-13');
  });

  it('reads the date layouts scanners write', () => {
    expect(parseExportDate('Jan 5, 2021 10:24:08 MST', 'mdy')).toBe('2021-01-05T10:24:08');
    expect(parseExportDate('Feb 03, 2026 07:00 AM', 'mdy')).toBe('2026-02-03T07:00');
    expect(parseExportDate('Dec 01, 2022 12:00 PM', 'mdy')).toBe('2022-12-01T12:00');
    expect(parseExportDate('Dec 01, 2022 12:30 AM', 'mdy')).toBe('2022-12-01T00:30');
    expect(parseExportDate('22/09/2022 13:01', 'dmy')).toBe('2022-09-22T13:01');
    expect(parseExportDate('13.05.2024', 'mdy')).toBe('2024-05-13');
    expect(parseExportDate('2023-06-08T01:58:56.166Z', 'mdy')).toBe('2023-06-08T01:58:56.166Z');
    expect(parseExportDate('2024-05-10 09:00:01', 'mdy')).toBe('2024-05-10T09:00:01');
    expect(parseExportDate('N/A', 'mdy')).toBeUndefined();
    expect(parseExportDate('31/02/2024', 'dmy')).toBeUndefined();
  });

  it('reads CVSS scores as tenths only when the whole file lost its decimal points', () => {
    const lost = new ScoreVote();
    for (const s of ['50', '75', '9', '100']) lost.add(s);
    expect(lost.lostDecimalPoint).toBe(true);
    expect(parseScore('75', true)).toBe(7.5);
    expect(parseScore('100', true)).toBe(10);

    const fine = new ScoreVote();
    for (const s of ['5', '6.4', '10']) fine.add(s);
    expect(fine.lostDecimalPoint).toBe(false);
    expect(parseScore('5', false)).toBe(5);
    expect(parseScore('8,8', false)).toBe(8.8);
    expect(parseScore('11', false)).toBeUndefined();
  });
});

describe('operating system names in scanner exports', () => {
  it('reads Qualys Windows names with bitness and release, and the build of a Windows 10 release', () => {
    expect(osFromName('Windows Server 2016 Datacenter 64 bit Edition Version 1607')).toEqual({
      family: 'windows',
      name: 'Windows Server 2016 Datacenter 64 bit Edition Version 1607',
      build: 14393,
      productType: 'server',
      edition: 'Datacenter',
      architecture: 'x64',
      displayVersion: '1607'
    });
    expect(osFromName('Windows 10 Enterprise 64 bit Edition Version 22H2')).toMatchObject({
      build: 19045,
      version: '10.0.19045',
      edition: 'Enterprise',
      productType: 'client'
    });
  });

  it('names the Linux distribution and its version when the scanner does', () => {
    expect(osFromName('Linux Kernel 4.14.313-235.533.amzn2.x86_64 on Amazon Linux 2')?.distro).toEqual({
      id: 'amzn',
      versionId: '2'
    });
    expect(osFromName('Ubuntu 22.04')?.distro).toEqual({ id: 'ubuntu', versionId: '22.04' });
    expect(osFromName('Linux 2.x')).toEqual({ family: 'linux', name: 'Linux 2.x' });
    expect(osFromName('')).toBeUndefined();
  });
});
