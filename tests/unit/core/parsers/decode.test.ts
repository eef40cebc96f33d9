import { describe, expect, it } from 'vitest';
import { utf8 } from './parser-tools';
import { decodeText, sniffEncoding, textPlausibility } from '../../../../src/lib/core/parsers/decode';
import { hasShared, readBytes, sharedSamples } from '../../shared';

const hex = (h: string): Uint8Array => new Uint8Array(h.match(/../g)?.map((b) => parseInt(b, 16)) ?? []);

function utf16(text: string, endian: 'le' | 'be', bom: boolean): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  let o = 0;
  const put = (unit: number): void => {
    out[o++] = endian === 'le' ? unit & 0xff : unit >> 8;
    out[o++] = endian === 'le' ? unit >> 8 : unit & 0xff;
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < text.length; i++) put(text.charCodeAt(i));
  return out;
}

const SAMPLE =
  'Host Name:                 WS-01\r\nOS Version:                10.0.19045 N/A Build 19045\r\n';

// Legacy code page bytes, produced with Python's codecs (str.encode) from the text in each comment.
/** Shift_JIS: "ホスト名: PC01 / OS バージョン: 10.0.19045 N/A ビルド 19045 / ホットフィックス: 2 ホットフィックスがインストールされています。" */
const SHIFT_JIS =
  '837a8358836796bc3a2020202020202020202020504330310d0a4f5320836f815b8357838783933a20202020202031302e302e3139303435204e2f41208372838b83682031393034350d0a837a83628367837483428362834e83583a2020203220837a83628367837483428362834e835882aa8343839383588367815b838b82b382ea82c482a282dc82b781420d0a';
/** Big5: "主機名稱: PC01 / 作業系統版本: 10.0.19045 N/A 組建 19045 / 網路卡: 已安裝 1 NIC。" */
const BIG5 =
  'a544bef7a657bad93a2020202020202020202020504330310d0aa740b77ea874b2ceaaa9a5bb3a2020202020202031302e302e3139303435204e2f4120b2d5abd82031393034350d0abaf4b8f4a5643a20202020202020202020202020a477a677b8cb2031204e4943a1430d0a';
/** EUC-KR: "호스트 이름: PC01 / OS 버전: 10.0.19045 N/A 빌드 19045 / 네트워크 카드: 1 NIC이(가) 설치되어 있습니다." */
const EUC_KR =
  'c8a3bdbac6ae20c0ccb8a73a2020202020202020202020504330310d0a4f5320b9f6c0fc3a20202020202020202020202020202031302e302e3139303435204e2f4120baf4b5e52031393034350d0ab3d7c6aebff6c5a920c4abb5e53a20202020202020202031204e4943c0cc28b0a12920bcb3c4a1b5c7beee20c0d6bdc0b4cfb4d92e0d0a';
/** cp866 (Russian console): "Имя узла: BUH-02 / Полный объем физической памяти: 8 029 МБ" (0xFF no-break space). */
const CP866 =
  '88acef20e3a7aba03a20202020204255482d30320d0a8faeabadeba920aea1eaa5ac20e4a8a7a8e7a5e1aaaea920afa0acefe2a83a20202038ff303239208c810d0a';
/** cp850 (French console): "Nom de l'hôte: PC-ACCUEIL / Mémoire physique totale: 16 236 Mo / Périphérique d'amorçage: …" */
const CP850 =
  '4e6f6d206465206c27689374653a20202050432d4143435545494c0d0a4d826d6f69726520706879736971756520746f74616c653a2020203136ff323336204d6f0d0a508272697068827269717565206427616d6f72876167653a2020205c4465766963655c486172646469736b566f6c756d65310d0a';
/** windows-1252 (Excel "CSV" save): "Nom de l'hôte;Mémoire physique totale;Périphérique d'amorçage / PC-ACCUEIL;16 236 Mo;…" */
const WINDOWS_1252 =
  '4e6f6d206465206c2768f474653b4de96d6f69726520706879736971756520746f74616c653b50e972697068e97269717565206427616d6f72e76167650d0a50432d4143435545494c3b313620323336204d6f3b5c4465766963655c486172646469736b566f6c756d65310d0a';

describe('decodeText: Unicode', () => {
  it('keeps UTF-8 text and strips its BOM', () => {
    const d = decodeText(
      new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('Hostname: OLI7-PC\r\nDomäne: WORKGROUP\r\n')])
    );
    expect(d).toEqual({ text: 'Hostname: OLI7-PC\r\nDomäne: WORKGROUP\r\n', encoding: 'utf-8', bom: true });
  });

  it('reads UTF-16LE with BOM', () => {
    expect(decodeText(utf16(SAMPLE, 'le', true))).toEqual({ text: SAMPLE, encoding: 'utf-16le', bom: true });
  });

  it('reads UTF-16BE with BOM', () => {
    expect(decodeText(utf16(SAMPLE, 'be', true))).toEqual({ text: SAMPLE, encoding: 'utf-16be', bom: true });
  });

  it('recognises UTF-16LE and UTF-16BE without BOM by their NUL bytes', () => {
    expect(decodeText(utf16(SAMPLE, 'le', false))).toEqual({
      text: SAMPLE,
      encoding: 'utf-16le',
      bom: false
    });
    expect(decodeText(utf16(SAMPLE, 'be', false))).toEqual({
      text: SAMPLE,
      encoding: 'utf-16be',
      bom: false
    });
  });

  it('treats valid UTF-8 without BOM as UTF-8, and leaves line endings alone', () => {
    const d = decodeText(utf8('主机名:  PC\r\nDomäne:  WORKGROUP\n'));
    expect(d).toEqual({ text: '主机名:  PC\r\nDomäne:  WORKGROUP\n', encoding: 'utf-8', bom: false });
  });

  it('decodes an empty file to empty UTF-8 text', () => {
    expect(decodeText(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8', bom: false });
  });

  it('reads a UTF-16LE file that is only a BOM and a line break', () => {
    expect(decodeText(new Uint8Array([0xff, 0xfe, 0x0d, 0x00, 0x0a, 0x00]))).toEqual({
      text: '\r\n',
      encoding: 'utf-16le',
      bom: true
    });
  });
});

describe('decodeText: legacy code pages', () => {
  it('decodes Shift_JIS Japanese', () => {
    const d = decodeText(hex(SHIFT_JIS));
    expect(d.encoding).toBe('shift_jis');
    expect(d.text).toContain('OS バージョン:      10.0.19045 N/A ビルド 19045');
  });

  it('decodes Big5 Traditional Chinese', () => {
    const d = decodeText(hex(BIG5));
    expect(d.encoding).toBe('big5');
    expect(d.text.startsWith('主機名稱:')).toBe(true);
  });

  it('decodes EUC-KR Korean', () => {
    const d = decodeText(hex(EUC_KR));
    expect(d.encoding).toBe('euc-kr');
    expect(d.text.startsWith('호스트 이름:')).toBe(true);
  });

  it('decodes a Russian console file as IBM866, no-break space included', () => {
    const d = decodeText(hex(CP866));
    expect(d.encoding).toBe('ibm866');
    expect(d.text).toContain('Полный объем физической памяти:   8\u00a0029 МБ');
  });

  it('decodes a French console file as cp850, which TextDecoder does not know', () => {
    const d = decodeText(hex(CP850));
    expect(d.encoding).toBe('cp850');
    expect(d.text).toContain("Nom de l'hôte:");
    expect(d.text).toContain('16\u00a0236 Mo');
    expect(d.text).toContain("Périphérique d'amorçage:");
  });

  it('decodes a French "ANSI" save as windows-1252, not cp850', () => {
    const d = decodeText(hex(WINDOWS_1252));
    expect(d.encoding).toBe('windows-1252');
    expect(d.text.startsWith("Nom de l'hôte;Mémoire physique totale;Périphérique d'amorçage")).toBe(true);
  });

  it('decodes cp437 when the caller asks for it', () => {
    const d = decodeText(new Uint8Array([0x61, 0xe0, 0x62, 0xff]), { legacy: ['cp437'] });
    expect(d).toEqual({ text: 'a\u03b1b\u00a0', encoding: 'cp437', bom: false });
  });

  it("uses the caller's score to choose between legacy decodings", () => {
    const bytes = hex(CP850);
    const preferRussian = (text: string): number => (/[А-Яа-я]/.test(text) ? 1 : 0);
    expect(decodeText(bytes, { score: preferRussian }).encoding).toBe('ibm866');
    expect(decodeText(bytes, { score: () => 0 }).encoding).toBe('gbk'); // ties go to the first candidate that decodes
  });

  it('drops legacy candidates the runtime does not know or that reject the bytes', () => {
    const d = decodeText(new Uint8Array([0x33, 0x32, 0xff, 0x35]), {
      legacy: ['x-no-such-code-page', 'shift_jis', 'windows-1252']
    });
    expect(d).toEqual({ text: '32\u00ff5', encoding: 'windows-1252', bom: false });
  });

  it('scores a wrong decoding lower than the right one', () => {
    expect(textPlausibility('Nom de l\u2019hôte')).toBeGreaterThan(
      textPlausibility('Nom de l\u2019h\u00b6te')
    );
    expect(textPlausibility('32\u00a0503 MB')).toBeGreaterThan(textPlausibility('32\u00ff503 MB'));
    expect(textPlausibility('Имя узла')).toBeGreaterThan(
      textPlausibility('\u00c8\u00ec\u00ff \u00f3\u00e7\u00eb\u00e0')
    );
    expect(textPlausibility('主机名')).toBeGreaterThan(textPlausibility('寮샙츰'));
  });
});

describe('sniffEncoding', () => {
  it('guesses from BOMs and NUL bytes', () => {
    expect(sniffEncoding(utf16(SAMPLE, 'le', true))).toBe('utf-16le');
    expect(sniffEncoding(utf16(SAMPLE, 'be', false))).toBe('utf-16be');
    expect(sniffEncoding(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('utf-8');
  });

  it('answers UTF-8 for a head cut in the middle of a UTF-8 character', () => {
    const bytes = utf8('Domäne:   WORKGROUP\r\nStartgerät:');
    const cut = bytes.indexOf(0xc3, 15); // first byte of the "ä" in "Startgerät"
    expect(sniffEncoding(bytes.subarray(0, cut + 1))).toBe('utf-8');
  });

  it('answers the legacy code page for a head cut in the middle of a double-byte character', () => {
    const bytes = hex(BIG5);
    expect(sniffEncoding(bytes.subarray(0, 1))).not.toBe('big5'); // one byte tells nothing
    expect(sniffEncoding(bytes.subarray(0, 41))).toBe('big5');
  });
});

describe.skipIf(!hasShared)('decodeText on shared systeminfo samples', () => {
  const sample = (name: string): Uint8Array => {
    const path = sharedSamples('windows-systeminfo').find((p) => p.endsWith(name));
    if (!path) throw new Error(`shared sample ${name} is missing`);
    return readBytes(path);
  };

  it('decodes the Chinese systeminfo from GBK', () => {
    const d = decodeText(sample('wesng_win10_1809_CHINESE_gbk.txt'));
    expect(d.encoding).toBe('gbk');
    expect(d.text).toContain('主机名:           DESKTOP-0CQH3P2');
    expect(d.text).toContain('修补程序:         安装了 1 个修补程序。');
  });

  it('decodes the 1809 systeminfo as OEM cp850, 0xFF being the no-break space thousands separator', () => {
    const d = decodeText(sample('wesng_win10_1809_pro_20190307.txt'));
    expect(d.encoding).toBe('cp850');
    expect(d.text).toContain('Total Physical Memory:     32\u00a0503 MB');
  });

  it('reads the German sample as UTF-8', () => {
    const d = decodeText(sample('wesng_win7sp1_GERMAN_utf8.txt'));
    expect(d.encoding).toBe('utf-8');
    expect(d.text).toContain('Virtueller Arbeitsspeicher: Maximale Größe:');
  });

  it('sniffs the encoding of every sample from its first kilobyte', () => {
    const guesses = Object.fromEntries(
      sharedSamples('windows-systeminfo').map((p) => [
        p.split(/[\\/]/).pop(),
        sniffEncoding(readBytes(p).subarray(0, 1001))
      ])
    );
    expect(guesses['wesng_win10_1809_CHINESE_gbk.txt']).toBe('gbk');
    expect(guesses['wesng_win7sp1_GERMAN_utf8.txt']).toBe('utf-8');
    expect(guesses['wesng_server2022.txt']).toBe('utf-8'); // ASCII is UTF-8
  });
});
