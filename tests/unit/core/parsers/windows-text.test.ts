import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideDateOrder,
  decodeWindowsExport,
  fileTimeToIso,
  isSecurityUpdateTitle,
  readCsv,
  readDashedTable,
  readFormatList,
  readPowerShellObjects,
  readSpacedTable,
  reportOtherLines,
  splitAtLineFeeds,
  splitLines,
  splitListLine,
  toIsoDate
} from '../../../../src/lib/core/parsers/windows-text';
import type { FileFormat, Problem } from '../../../../src/lib/core/model';
import { HANDLERS } from '../../../../src/lib/core/parsers/handlers';
import { detectFormat } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser } from '../../../../src/lib/core/parsers/registry';
import { fixture, readBytes } from '../../shared';

const utf16le = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[i * 2] = text.charCodeAt(i) & 0xff;
    out[i * 2 + 1] = text.charCodeAt(i) >> 8;
  }
  return out;
};
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('decodeWindowsExport', () => {
  it('reads an ASCII line glued in front of BOM-less UTF-16LE, keeping line numbers', () => {
    const bytes = concat(
      new TextEncoder().encode('Please wait while WMIC is being installed.'),
      utf16le('HotFixID   InstalledOn\r\nKB958644   3/21/2019\r\n')
    );
    const decoded = decodeWindowsExport(bytes);
    expect(decoded.encoding).toBe('utf-16le');
    expect(splitLines(decoded.text)[0]).toBe('HotFixID   InstalledOn');
    expect(splitLines(decoded.text)[1]).toBe('KB958644   3/21/2019');
    expect(decoded.issues).toHaveLength(1);
    expect(decoded.issues[0]).toMatchObject({ severity: 'warning', code: 'mixed-encoding', line: 1 });
    expect(decoded.issues[0]?.message).toContain('Please wait while WMIC is being installed.');
  });

  it('keeps the 8-bit lines as blank lines when the prefix ends in a line break', () => {
    const bytes = concat(new TextEncoder().encode('cat q\r\n'), utf16le('HotFixID\r\nKB5034441\r\n'));
    const lines = splitLines(decodeWindowsExport(bytes).text);
    expect(lines[0]).toBe('');
    expect(lines[1]).toBe('HotFixID');
    expect(lines[2]).toBe('KB5034441');
  });

  it('leaves plain UTF-16LE (with and without BOM) and UTF-8 to decodeText', () => {
    expect(decodeWindowsExport(concat(new Uint8Array([0xff, 0xfe]), utf16le('HotFixID\r\n'))).issues).toEqual(
      []
    );
    expect(decodeWindowsExport(utf16le('HotFixID  InstalledOn\r\n')).text).toBe('HotFixID  InstalledOn\r\n');
    expect(decodeWindowsExport(new TextEncoder().encode('Name : Git\r\n')).encoding).toBe('utf-8');
  });
});

describe('splitLines', () => {
  it('ends lines at CR LF, LF and wmic’s CR CR LF', () => {
    expect(splitLines('a\r\nb\nc\r\r\nd')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps only the last redraw of a line winget drew with carriage returns, and drops escape codes', () => {
    expect(splitLines('   - \r   \\ \r  ██▒▒  1 MB / 2 MB\r        \rName  Id\r\n')).toEqual([
      'Name  Id',
      ''
    ]);
    expect(splitLines('\x1b[2K\x1b[0GName\x07')).toEqual(['Name']);
  });

  it('cuts lines exactly where the former split(/\\r*\\n/) did', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('\r', '\n', 'a', ' ') }), (text) => {
        expect(splitAtLineFeeds(text)).toEqual(text.split(/\r*\n/));
      }),
      { numRuns: 2000 }
    );
  });

  it('fuzz case: an Nmap XML whose line ends became 48,000 carriage returns in a row is split in one pass', () => {
    // Found by tests/unit/fuzz: split(/\r*\n/) retries a run of "\r" from each of its characters when no "\n"
    // follows, which kept each Windows sniffer busy for up to 9 s on a damaged Nmap file. 400,000 take
    // milliseconds now; the former expression needs minutes and runs into the test timeout.
    const text = `<nmaprun>${'\r'.repeat(400_000)}<host/>\r\r\n</nmaprun>`;
    expect(splitAtLineFeeds(text)).toEqual([`<nmaprun>${'\r'.repeat(400_000)}<host/>`, '</nmaprun>']);
    expect(splitLines(text)).toEqual(['<host/>', '</nmaprun>']);
  });
});

describe('readDashedTable', () => {
  it('reads PowerShell Format-Table with a right-aligned Size column and values wider than their headers', () => {
    const lines = [
      'ComputerName Status     KB          Size Title',
      '------------ ------     --          ---- -----',
      'PC01         -D-----    KB5036892  657MB 2024-04 Cumulative Update for Windows 10',
      'PC01         -------                 4MB Intel - System - 10.1.19199.8340'
    ];
    const table = readDashedTable(lines, 0);
    expect(table.columns.map((c) => c.name)).toEqual(['ComputerName', 'Status', 'KB', 'Size', 'Title']);
    expect(table.rows[0]?.cells).toEqual([
      'PC01',
      '-D-----',
      'KB5036892',
      '657MB',
      '2024-04 Cumulative Update for Windows 10'
    ]);
    expect(table.rows[1]?.cells).toEqual(['PC01', '-------', '', '4MB', 'Intel - System - 10.1.19199.8340']);
    expect(table.rows[1]?.line).toBe(4);
  });

  it('cuts winget columns by display cells, so a CJK name does not shift the columns after it', () => {
    const lines = [
      'Name             Id                        Version    Source',
      '------------------------------------------------------------',
      'サクラエディタ   SakuraEditor.SakuraEditor 2.4.2.6048 winget',
      'Git              Git.Git                   2.43.0     winget'
    ];
    const table = readDashedTable(lines, 0);
    expect(table.rows[0]?.cells).toEqual([
      'サクラエディタ',
      'SakuraEditor.SakuraEditor',
      '2.4.2.6048',
      'winget'
    ]);
    expect(table.rows[1]?.cells).toEqual(['Git', 'Git.Git', '2.43.0', 'winget']);
  });

  it('stops at the first blank line after the rows', () => {
    const table = readDashedTable(['A    B', '-    -', 'x    y', '', '2 upgrades available.'], 0);
    expect(table.rows).toHaveLength(1);
    expect(table.end).toBe(3);
  });
});

describe('readSpacedTable', () => {
  it('places values that start where their header word starts', () => {
    const lines = [
      'HotFixID   InstalledBy          InstalledOn',
      'KB5034441  NT AUTHORITY\\SYSTEM  1/17/2024'
    ];
    expect(readSpacedTable(lines, 0).rows[0]?.cells).toEqual([
      'KB5034441',
      'NT AUTHORITY\\SYSTEM',
      '1/17/2024'
    ]);
  });

  it('places shifted values in order after the last one that lined up, and marks the row', () => {
    const lines = [
      'HotFixID   InstalledBy                               InstalledOn  Name',
      'KB2919355  TEST_dc\\Администратор  3/18/2014'
    ];
    const row = readSpacedTable(lines, 0).rows[0];
    expect(row?.cells).toEqual(['KB2919355', 'TEST_dc\\Администратор', '3/18/2014', '']);
    expect(row?.misaligned).toBe(true);
  });
});

describe('readFormatList', () => {
  it('reads records separated by blank lines, empty values and values wrapped onto indented lines', () => {
    const list = readFormatList([
      '',
      'Name         : Git',
      'Version      :',
      'PSPath       : Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows',
      '               NT\\CurrentVersion',
      '',
      'Name         : Vim 8.2 (x64)',
      'Version      : 8.2'
    ]);
    expect(list.records).toHaveLength(2);
    expect(list.records[0]?.fields.map((f) => [f.key, f.value, f.line])).toEqual([
      ['Name', 'Git', 2],
      ['Version', '', 3],
      [
        'PSPath',
        'Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion',
        4
      ]
    ]);
    expect(list.records[1]?.line).toBe(7);
  });

  it('sets "WARNING: …" lines apart (no blank before the colon) and reports them as one PowerShell message', () => {
    const list = readFormatList([
      'WARNING: MSG:UnableToDownload',
      '«https://go.microsoft.com/fwlink/?LinkID=627338&clcid=0x409» «»',
      '',
      'Name : Vim'
    ]);
    expect(list.records).toHaveLength(1);
    expect(list.other.map((o) => o.line)).toEqual([1, 2]);
    const problems: Problem[] = [];
    reportOtherLines(list.other, (p) => problems.push(p));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'info', code: 'powershell-message', line: 1 });
    expect(problems[0]?.detail).toContain('«https://go.microsoft.com');
  });

  it('splits "Name : value" lines exactly as the former /^(\\S[^:]*?)\\s+:/ did', () => {
    const former = /^(\S[^:]*?)\s+:(.*)$/s;
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(' ', '\t', ':', 'a', 'W', '\u00a0', '\r') }), (line) => {
        const m = former.exec(line);
        expect(splitListLine(line)).toEqual(m ? { key: m[1], after: m[2] } : undefined);
      }),
      { numRuns: 2000 }
    );
  });

  it('fuzz case: a line of 300,000 spaces without a colon is read, and sniffed, in one pass', () => {
    // Found by tests/unit/fuzz: /^(\S[^:]*?)\s+:/ backtracks over every blank for every length of the name, so
    // 37,000 spaces on one line kept each Windows sniffer busy for over a second (300,000 now take milliseconds;
    // the former expression needs minutes and runs into the test timeout).
    const line = `Name${' '.repeat(300_000)}x`;
    expect(splitListLine(line)).toBeUndefined();
    const list = readFormatList(['Name : Git', line]);
    expect(list.records.map((r) => r.fields.map((f) => f.value))).toEqual([['Git']]);
    expect(list.other.map((o) => o.line)).toEqual([2]);
    const text = `Name    : Git\n${line}\n`;
    const head = new TextEncoder().encode(text);
    for (const h of HANDLERS.filter((x) => x.family === 'windows'))
      h.sniff({ text, head, fileName: 'x.txt' });
  });
});

describe('readCsv', () => {
  it('skips the #TYPE line and blank lines before the header, and numbers rows by the line they start on', () => {
    const csv = readCsv(
      '\r\n#TYPE Selected.System.Management.ManagementObject\r\n"Source","HotFixID","Note"\r\n"PC1","KB1","a\r\nb"\r\n"PC1","KB2",""\r\n'
    );
    expect(csv?.typeName).toBe('Selected.System.Management.ManagementObject');
    expect(csv?.header).toEqual(['Source', 'HotFixID', 'Note']);
    expect(csv?.headerLine).toBe(3);
    expect(csv?.rows.map((r) => [r.line, r.cells])).toEqual([
      [4, ['PC1', 'KB1', 'a\nb']],
      [6, ['PC1', 'KB2', '']]
    ]);
  });

  it('reads the semicolons of Export-Csv -UseCulture and doubled quotes', () => {
    const csv = readCsv('"Name";"Publisher"\n"Büro ""Plus""";"Müller; GmbH"\n');
    expect(csv?.delimiter).toBe(';');
    expect(csv?.rows[0]?.cells).toEqual(['Büro "Plus"', 'Müller; GmbH']);
  });
});

describe('readPowerShellObjects', () => {
  const accepts = (names: string[]): boolean => names.includes('hotfixid');

  it('finds the same objects in Export-Csv, Format-Table and Format-List', () => {
    const csv = readPowerShellObjects('"Source","HotFixID"\n"PC1","KB5034441"\n', accepts);
    const table = readPowerShellObjects('\nSource HotFixID\n------ --------\nPC1    KB5034441\n', accepts);
    const list = readPowerShellObjects('\nSource   : PC1\nHotFixID : KB5034441\n', accepts);
    for (const [read, layout] of [
      [csv, 'csv'],
      [table, 'table'],
      [list, 'list']
    ] as const) {
      expect(read?.layout).toBe(layout);
      expect(read?.objects[0]?.fields.get('hotfixid')).toBe('KB5034441');
      expect(read?.objects[0]?.fields.get('source')).toBe('PC1');
    }
  });

  it('answers undefined when no layout has the expected properties', () => {
    expect(readPowerShellObjects('Name : Git\n', accepts)).toBeUndefined();
  });
});

describe('decideDateOrder', () => {
  it('decides the date order from the whole column: one day above 12 makes every date day-first', () => {
    const decision = decideDateOrder(['3/7/2019', '9/1/2024', '17/1/2024']);
    expect(decision).toEqual({ order: 'dmy', ambiguous: false, conflicting: false });
    expect(toIsoDate('9/1/2024', decision.order)).toBe('2024-01-09');
  });

  it('reads a column month-first when a second part is above 12', () => {
    expect(decideDateOrder(['1/9/2024 12:00:00 AM', '1/17/2024 12:00:00 AM']).order).toBe('mdy');
  });

  it('calls a slash column ambiguous when no value tells, unless a fallback is given', () => {
    expect(decideDateOrder(['09/01/2024 00:00:00', '10/04/2024 00:00:00'])).toEqual({
      ambiguous: true,
      conflicting: false
    });
    expect(decideDateOrder(['3/7/2019'], 'mdy').order).toBe('mdy');
  });

  it('reads dotted dates day-first (no Windows locale writes month.day.year) and year-first ones as ISO order', () => {
    expect(decideDateOrder(['09.01.2024 00:00:00', '10.04.2024 00:00:00']).order).toBe('dmy');
    expect(decideDateOrder(['2024/01/09 0:00:00', '2024-04-10']).order).toBe('ymd');
    expect(toIsoDate('2024. 04. 10.', 'ymd')).toBe('2024-04-10');
    expect(toIsoDate('7. 3. 2019', 'dmy')).toBe('2019-03-07');
  });

  it('flags a column that mixes day-first and month-first dates', () => {
    expect(decideDateOrder(['13/02/2024', '2/13/2024'])).toEqual({ ambiguous: false, conflicting: true });
  });

  it('never returns an order under which a date of the column that is valid one way becomes invalid', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            a: fc.integer({ min: 1, max: 31 }),
            b: fc.integer({ min: 1, max: 31 }),
            y: fc.integer({ min: 1990, max: 2030 })
          }),
          { minLength: 1, maxLength: 8 }
        ),
        (parts) => {
          const values = parts.map((p) => `${p.a}/${p.b}/${p.y}`);
          const decision = decideDateOrder(values);
          if (!decision.order) return;
          for (const v of values) {
            const readable = toIsoDate(v, 'mdy') !== undefined || toIsoDate(v, 'dmy') !== undefined;
            if (readable) expect(toIsoDate(v, decision.order), `${values.join(', ')}`).toBeDefined();
          }
        }
      )
    );
  });
});

describe('toIsoDate', () => {
  it('reads yyyyMMdd, ISO timestamps, JSON /Date(ms)/ and hexadecimal FILETIME', () => {
    expect(toIsoDate('20240110', undefined)).toBe('2024-01-10');
    expect(toIsoDate('2024-01-10T00:00:00', undefined)).toBe('2024-01-10');
    expect(toIsoDate('/Date(1704844800000)/', undefined)).toBe('2024-01-10');
    expect(toIsoDate('01c95c6a8f3c7b00', undefined)).toBe('2008-12-12');
    expect(fileTimeToIso('0000000000000000')).toBeUndefined();
  });

  it('rejects dates that do not exist', () => {
    expect(toIsoDate('31/4/2024', 'dmy')).toBeUndefined();
    expect(toIsoDate('2/30/2024', 'mdy')).toBeUndefined();
    expect(toIsoDate('3/7/2019', undefined)).toBeUndefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('mdy', 'dmy', 'ymd', undefined), (text, order) => {
        const iso = toIsoDate(text, order as 'mdy' | 'dmy' | 'ymd' | undefined);
        if (iso !== undefined) expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      })
    );
  });
});

describe('isSecurityUpdateTitle', () => {
  it('recognises security updates in several languages but not antivirus definitions', () => {
    expect(isSecurityUpdateTitle('2024-01 Security Update for Windows 10 Version 22H2 (KB5034441)')).toBe(
      true
    );
    expect(isSecurityUpdateTitle('2019-02 Security Monthly Quality Rollup for Windows 7 (KB4486563)')).toBe(
      true
    );
    expect(isSecurityUpdateTitle('Sicherheitsupdate für Windows 10 (KB5034441)')).toBe(true);
    expect(isSecurityUpdateTitle('x64 ベース システム用 セキュリティ更新プログラム (KB5034441)')).toBe(true);
    expect(isSecurityUpdateTitle('Definition Update for Microsoft Security Essentials - KB2310138')).toBe(
      false
    );
    expect(
      isSecurityUpdateTitle('Security Intelligence Update for Microsoft Defender Antivirus - KB2267602')
    ).toBe(false);
    expect(isSecurityUpdateTitle('2024-04 Cumulative Update for Windows 10 Version 22H2 (KB5036892)')).toBe(
      false
    );
  });
});

describe('detection of the Windows inventory fixtures', () => {
  const expected: Record<string, FileFormat> = {
    'windows-registry/reg-query-win11-23h2.txt': 'windows-currentversion',
    'windows-registry/reg-query-with-computername.txt': 'windows-currentversion',
    'windows-registry/reg-export-server2022.reg': 'windows-currentversion',
    'windows-registry/get-itemproperty-list-win10.txt': 'windows-currentversion',
    'windows-registry/get-itemproperty-invoke-2pcs.json': 'windows-currentversion',
    'windows-registry/get-itemproperty-win7.csv': 'windows-currentversion',
    'wmic-qfe/qfe-format-csv-2-nodes.csv': 'wmic-qfe',
    'wmic-qfe/qfe-list-full-xp-filetime.txt': 'wmic-qfe',
    'wmic-qfe/qfe-brief-day-first-dates.txt': 'wmic-qfe',
    'wmic-qfe/qfe-get-two-columns.txt': 'wmic-qfe',
    'get-hotfix/hotfix-select-with-type-line.csv': 'get-hotfix',
    'get-hotfix/hotfix-de-usedculture.csv': 'get-hotfix',
    'get-hotfix/hotfix-table-2-servers.txt': 'get-hotfix',
    'get-hotfix/hotfix-table-ambiguous-dates.txt': 'get-hotfix',
    'get-hotfix/hotfix-two-locales-joined.csv': 'get-hotfix',
    'windows-update/history-dated.csv': 'windows-update-history',
    'windows-update/get-wuhistory-table.txt': 'windows-update-history',
    'windows-update/missing-updates-utf16-no-bom.txt': 'windows-missing-updates',
    'get-package/get-package-table.txt': 'get-package',
    'get-package/get-package-invoke.csv': 'get-package',
    'pswindowsupdate/get-windowsupdate-table.txt': 'pswindowsupdate',
    'pswindowsupdate/get-wulist-cut-computername.txt': 'pswindowsupdate',
    'pswindowsupdate/get-windowsupdate.csv': 'pswindowsupdate',
    'winget/winget-list-utf8-progress.txt': 'winget-list',
    'winget/winget-upgrade-ps51-mojibake.txt': 'winget-upgrade',
    'winget/winget-upgrade-nothing.txt': 'winget-upgrade',
    'windows-programs/uninstall-keys-with-type-line.csv': 'windows-installed-programs',
    'windows-programs/uninstall-keys-invoke-2pcs.json': 'windows-installed-programs',
    'windows-programs/uninstall-keys-usedculture-ansi.csv': 'windows-installed-programs',
    'windows-programs/uninstall-keys-list.txt': 'windows-installed-programs'
  };

  for (const [path, format] of Object.entries(expected)) {
    it(`detects ${path} as ${format}`, () => {
      const [area, name] = path.split('/') as [string, string];
      expect(detectFormat(readBytes(fixture(area, name)), name).format).toBe(format);
    });
  }

  it('answers a registry export of another key with a problem that names the key', () => {
    const detection = detectFormat(
      readBytes(fixture('windows-registry', 'not-currentversion-uninstall-key.reg')),
      'not-currentversion-uninstall-key.reg'
    );
    expect(detection.format).toBeNull();
    expect(detection.problem).toMatchObject({ severity: 'error', code: 'not-currentversion' });
    expect(detection.problem?.message).toContain('Uninstall\\7-Zip');
  });
});

describe('robustness of the Windows inventory parsers', () => {
  const formats: FileFormat[] = [
    'windows-currentversion',
    'wmic-qfe',
    'get-hotfix',
    'windows-update-history',
    'windows-missing-updates',
    'get-package',
    'pswindowsupdate',
    'winget-list',
    'winget-upgrade',
    'windows-installed-programs'
  ];
  // Pieces of the layouts these parsers read, shuffled into arbitrary text.
  const piece = fc.constantFrom(
    'HotFixID',
    'InstalledOn',
    'Name',
    'ProviderName',
    'DisplayName',
    'CurrentBuild',
    'UBR',
    ' : ',
    '"',
    ',',
    ';',
    '  ',
    '----',
    '\r\n',
    '\n',
    '\r',
    'KB5034441',
    '3/7/2019',
    '…',
    '[',
    '{"DisplayName":',
    '#TYPE x',
    'REG_DWORD    0x10c3',
    'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'
  );

  it('never throws and hands over only records that fit the model, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .array(fc.oneof(piece, fc.string({ maxLength: 5 })), { maxLength: 60 })
            .map((parts) => new TextEncoder().encode(parts.join('')))
        ),
        fc.constantFrom(...formats),
        (bytes, format) => {
          const hosts: unknown[] = [];
          const parser = createStreamParser(format, { host: (h) => hosts.push(h), rule: () => {} });
          parser.write(bytes);
          parser.end();
          expect(parser.issues.filter((i) => i.code === 'invalid-record')).toEqual([]);
        }
      ),
      { numRuns: 400 }
    );
  });
});
