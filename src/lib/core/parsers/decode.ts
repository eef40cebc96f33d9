/**
 * Turns the bytes of an exported text file into a string, whatever Windows wrote them in.
 *
 * Exports reach us as UTF-8, as UTF-16 (PowerShell and `cmd /u` redirection, with or without a BOM), or in a
 * legacy code page: console tools such as systeminfo, wmic and ipconfig write the console's OEM code page when
 * redirected to a file (cp437/cp850 in Western Europe and the US, cp866 in Russia, cp936/GBK in China, cp932
 * in Japan, cp949 in Korea, cp950/Big5 in Taiwan), and Notepad or Excel "ANSI" saves write windows-125x.
 *
 * WHATWG `TextDecoder` (Web Worker, Node, vitest) decodes everything here except the DOS OEM code pages
 * cp437 and cp850, which are small tables below.
 * @see https://encoding.spec.whatwg.org/
 */

export interface DecodedText {
  /** The decoded text without its BOM. Line endings are left as they were. */
  text: string;
  /** The encoding used, e.g. 'utf-8', 'utf-16le', 'gbk', 'cp850'. */
  encoding: string;
  /** True when the bytes began with a byte order mark. */
  bom: boolean;
}

export interface DecodeOptions {
  /**
   * Ranks the candidate decodings of a legacy (non-Unicode) file: the highest wins, ties go to the earlier
   * candidate. A parser that knows its format passes one (e.g. how many known labels the text contains).
   * Without it, {@link textPlausibility} decides.
   */
  score?: (text: string) => number;
  /** Legacy encodings to try, in order of preference. Defaults to {@link DEFAULT_LEGACY_ENCODINGS}. */
  legacy?: string[];
}

/**
 * Legacy encodings tried when a file is neither UTF-16 nor valid UTF-8. The multi-byte East Asian ones come
 * first because they fail loudly on text that is not theirs; the single-byte ones accept any bytes.
 * cp850 comes before windows-1252: console output redirected to a file (systeminfo, wmic) is OEM.
 */
export const DEFAULT_LEGACY_ENCODINGS: readonly string[] = [
  'gbk',
  'shift_jis',
  'big5',
  'euc-kr',
  'cp850',
  'windows-1252',
  'ibm866'
];

/**
 * Bytes 0x80–0xFF of the DOS code pages that WHATWG TextDecoder does not know.
 * cp850 "Multilingual Latin 1" (Western European consoles; 0xFF is a no-break space, which systeminfo uses as
 * its thousands separator) and cp437 (US consoles).
 */
const OEM_TABLES: Record<string, string> = {
  cp850:
    '\u00c7\u00fc\u00e9\u00e2\u00e4\u00e0\u00e5\u00e7\u00ea\u00eb\u00e8\u00ef\u00ee\u00ec\u00c4\u00c5' +
    '\u00c9\u00e6\u00c6\u00f4\u00f6\u00f2\u00fb\u00f9\u00ff\u00d6\u00dc\u00f8\u00a3\u00d8\u00d7\u0192' +
    '\u00e1\u00ed\u00f3\u00fa\u00f1\u00d1\u00aa\u00ba\u00bf\u00ae\u00ac\u00bd\u00bc\u00a1\u00ab\u00bb' +
    '\u2591\u2592\u2593\u2502\u2524\u00c1\u00c2\u00c0\u00a9\u2563\u2551\u2557\u255d\u00a2\u00a5\u2510' +
    '\u2514\u2534\u252c\u251c\u2500\u253c\u00e3\u00c3\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u00a4' +
    '\u00f0\u00d0\u00ca\u00cb\u00c8\u0131\u00cd\u00ce\u00cf\u2518\u250c\u2588\u2584\u00a6\u00cc\u2580' +
    '\u00d3\u00df\u00d4\u00d2\u00f5\u00d5\u00b5\u00fe\u00de\u00da\u00db\u00d9\u00fd\u00dd\u00af\u00b4' +
    '\u00ad\u00b1\u2017\u00be\u00b6\u00a7\u00f7\u00b8\u00b0\u00a8\u00b7\u00b9\u00b3\u00b2\u25a0\u00a0',
  cp437:
    '\u00c7\u00fc\u00e9\u00e2\u00e4\u00e0\u00e5\u00e7\u00ea\u00eb\u00e8\u00ef\u00ee\u00ec\u00c4\u00c5' +
    '\u00c9\u00e6\u00c6\u00f4\u00f6\u00f2\u00fb\u00f9\u00ff\u00d6\u00dc\u00a2\u00a3\u00a5\u20a7\u0192' +
    '\u00e1\u00ed\u00f3\u00fa\u00f1\u00d1\u00aa\u00ba\u00bf\u2310\u00ac\u00bd\u00bc\u00a1\u00ab\u00bb' +
    '\u2591\u2592\u2593\u2502\u2524\u2561\u2562\u2556\u2555\u2563\u2551\u2557\u255d\u255c\u255b\u2510' +
    '\u2514\u2534\u252c\u251c\u2500\u253c\u255e\u255f\u255a\u2554\u2569\u2566\u2560\u2550\u256c\u2567' +
    '\u2568\u2564\u2565\u2559\u2558\u2552\u2553\u256b\u256a\u2518\u250c\u2588\u2584\u258c\u2590\u2580' +
    '\u03b1\u00df\u0393\u03c0\u03a3\u03c3\u00b5\u03c4\u03a6\u0398\u03a9\u03b4\u221e\u03c6\u03b5\u2229' +
    '\u2261\u00b1\u2265\u2264\u2320\u2321\u00f7\u2248\u00b0\u2219\u00b7\u221a\u207f\u00b2\u25a0\u00a0'
};

const OEM_ALIASES: Record<string, string> = {
  cp850: 'cp850',
  ibm850: 'cp850',
  cp437: 'cp437',
  ibm437: 'cp437'
};

/** How much of a file the UTF-16 check and the plausibility heuristic look at. */
const SAMPLE_BYTES = 8192;
const PLAUSIBILITY_CHARS = 65536;

/**
 * Decodes a whole file. BOMs (UTF-8, UTF-16LE, UTF-16BE) win; UTF-16 without a BOM is recognised by its NUL
 * bytes; valid UTF-8 is UTF-8; anything else is tried in each legacy encoding and the most plausible decoding
 * is kept. Never throws.
 */
export function decodeText(bytes: Uint8Array, options: DecodeOptions = {}): DecodedText {
  const bom = bomEncoding(bytes);
  if (bom) {
    return {
      text: decodeUnicode(bytes.subarray(bom.length), bom.encoding),
      encoding: bom.encoding,
      bom: true
    };
  }
  const utf16 = utf16WithoutBom(bytes);
  if (utf16) return { text: decodeUnicode(bytes, utf16), encoding: utf16, bom: false };

  const utf8 = tryDecode(bytes, 'utf-8');
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8', bom: false };

  const best = decodeLegacy(bytes, options.legacy ?? DEFAULT_LEGACY_ENCODINGS, options.score);
  if (best) return { ...best, bom: false };
  // No candidate could decode the bytes (only possible with a caller's list of multi-byte encodings).
  return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8', bom: false };
}

/**
 * A cheap guess of a file's encoding from its first bytes, for format detection. The head may end in the
 * middle of a character; that does not change the answer.
 */
export function sniffEncoding(head: Uint8Array): string {
  const bom = bomEncoding(head);
  if (bom) return bom.encoding;
  const utf16 = utf16WithoutBom(head);
  if (utf16) return utf16;
  const body = head.subarray(0, head.length - partialUtf8Tail(head));
  if (tryDecode(body, 'utf-8') !== undefined) return 'utf-8';
  return decodeLegacy(head, DEFAULT_LEGACY_ENCODINGS, textPlausibility, true)?.encoding ?? 'windows-1252';
}

function bomEncoding(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  const [a, b, c] = bytes;
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (a === 0xff && b === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (a === 0xfe && b === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/**
 * UTF-16 without a BOM: text that is mostly ASCII has a NUL in every other byte (odd positions for
 * little-endian, even for big-endian), which no 8-bit text has.
 */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, SAMPLE_BYTES) & ~1;
  if (n < 4) return undefined;
  let zerosEven = 0;
  let zerosOdd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) zerosEven += 1;
    if (bytes[i + 1] === 0) zerosOdd += 1;
  }
  const pairs = n / 2;
  if (zerosOdd >= pairs * 0.2 && zerosEven * 10 <= zerosOdd) return 'utf-16le';
  if (zerosEven >= pairs * 0.2 && zerosOdd * 10 <= zerosEven) return 'utf-16be';
  return undefined;
}

/** UTF-8 and UTF-16 never fail: a broken sequence becomes U+FFFD rather than losing the file. */
function decodeUnicode(bytes: Uint8Array, encoding: string): string {
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
}

/** Bytes of an incomplete UTF-8 sequence at the end of a head sample (0 when it ends cleanly). */
function partialUtf8Tail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return needed > back ? back : 0;
    }
  }
  return 0;
}

function tryDecode(bytes: Uint8Array, encoding: string): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

interface Candidate {
  text: string;
  encoding: string;
}

function decodeLegacy(
  bytes: Uint8Array,
  names: readonly string[],
  score: (text: string) => number = textPlausibility,
  cutTail = false
): Candidate | undefined {
  let best: Candidate | undefined;
  let bestScore = -Infinity;
  for (const name of names) {
    // A head sample may end in the first byte of a double-byte character: try again without it.
    const candidate =
      decodeWith(bytes, name) ??
      (cutTail && (bytes[bytes.length - 1] ?? 0) >= 0x80
        ? decodeWith(bytes.subarray(0, bytes.length - 1), name)
        : undefined);
    if (!candidate) continue;
    const s = score(candidate.text);
    if (s > bestScore) {
      best = candidate;
      bestScore = s;
    }
  }
  return best;
}

/** One legacy decoding, or undefined when the encoding is unknown or the bytes are invalid in it. */
function decodeWith(bytes: Uint8Array, name: string): Candidate | undefined {
  const oem = OEM_ALIASES[name.toLowerCase()];
  if (oem) return { text: decodeOem(bytes, OEM_TABLES[oem] ?? ''), encoding: oem };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(name, { fatal: true, ignoreBOM: true });
  } catch {
    return undefined; // not an encoding this runtime knows
  }
  try {
    return { text: decoder.decode(bytes), encoding: decoder.encoding };
  } catch {
    return undefined; // bytes that are invalid in this encoding
  }
}

function decodeOem(bytes: Uint8Array, table: string): string {
  const parts: string[] = [];
  let run = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    run += byte < 0x80 ? String.fromCharCode(byte) : (table[byte - 0x80] ?? '\ufffd');
    if (run.length >= 8192) {
      parts.push(run);
      run = '';
    }
  }
  parts.push(run);
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------
// Plausibility: how much a decoded text looks like something a person or Windows wrote.

type CharClass =
  | 'ascii-letter'
  | 'digit'
  | 'space'
  | 'ascii'
  | 'latin'
  | 'cyrillic'
  | 'greek'
  | 'han'
  | 'hangul'
  | 'kana'
  | 'halfwidth-kana'
  | 'cjk-punct'
  | 'nbsp'
  | 'box'
  | 'bad'
  | 'symbol'
  | 'other-letter';

/**
 * Very frequent Chinese characters (simplified and traditional) and the words of Windows tools' output.
 * A right CJK decoding hits them often; a wrong one produces random, mostly rare characters.
 */
const COMMON_HAN = new Set(
  Array.from(
    '的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家' +
      '种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心本前开但因只从想实日者意无力与长把机十民' +
      '第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向头文体相见被利什二等产或新己制身果加月话合回' +
      '特代内信表化给位次度门任常先通原东声提立及比员解水名真论处各入几口认条平系气题活更别打变四总何电数安少报才结' +
      '反受目量再感建务做接必场件计管期直资区保至形便空决展科司五基书非则界达光放强即像难且权思完设式色路记品告类求' +
      '据程边该交规万取格望术领共确传观今切让识候带导改收根造言联持组每车极服快办议往元证近失转令准布始存未单具字备' +
      '连调深算质集百需价级整况请技际约示复息线似断满支视消越器容照须增写称功包片查轻易早除装广显标图念引历首局专费' +
      '号另周较注语仅考选列响推参希构房半节投案维划致足态护验营够章跟底站例防供效续施型料终答紧项故按围客采举低友' +
      '值网属限速状率普创假错承印试益若继送急适波初源置环排获模充负停层略范句异演简判静退既积余检差协角占配征修降' +
      '审压执副追登货互付换核暗介序升监域减编测败缺移短固席秘均销探录附输招脱补旧端' +
      // Traditional forms of the above where they differ.
      '這個們來為國說時會對於過發後裡種經麼學現當沒動還進樣實點業關長開問間見產話麼給員解論處認條係氣題總電數報結' +
      '務場計資區決書則達強難權設記類據邊該規萬領確傳觀讓識帶導運聯組車極辦議證轉單備調質級請際約線斷滿視消須寫稱' +
      '雙項舉網屬狀創錯試繼適環獲層異簡靜檢協壓執貨換監減編測敗缺錄輸補舊' +
      // systeminfo, wmic and Windows Update words.
      '系統统安裝装程序名稱称版本服務务器網络絡路檔档案文件時间間日期類类型可用記憶体體內内存存目錄录地址啟启動动管理' +
      '用户戶設设定置更新修補补丁域登錄录伺處处理器卡物理虛虚擬拟最值中已檢检測测到機机監监控將将顯显示所需功能'
  )
);

const COMMON_LATIN = new Set(Array.from('àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœšžłńśźżąęčřěůőű'));

function classify(cp: number): CharClass {
  if (cp < 0x80) {
    if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) return 'ascii-letter';
    if (cp >= 0x30 && cp <= 0x39) return 'digit';
    if (cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d || cp === 0x0c) return 'space';
    if (cp < 0x20 || cp === 0x7f) return 'bad';
    return 'ascii';
  }
  if (cp < 0xa0 || cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xd800 && cp <= 0xdfff))
    return 'bad';
  if (cp === 0xa0) return 'nbsp';
  if ((cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) || (cp >= 0x1e00 && cp <= 0x1eff))
    return 'latin';
  if (cp >= 0x400 && cp <= 0x52f) return 'cyrillic';
  if (cp >= 0x370 && cp <= 0x3ff) return 'greek';
  if ((cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff)) {
    return 'han';
  }
  if (cp >= 0xac00 && cp <= 0xd7a3) return 'hangul';
  if (cp >= 0x3040 && cp <= 0x30ff) return 'kana';
  if (cp >= 0xff61 && cp <= 0xff9f) return 'halfwidth-kana';
  if ((cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xff01 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffef)) {
    return 'cjk-punct';
  }
  if (cp >= 0x2500 && cp <= 0x259f) return 'box';
  if (/\p{L}/u.test(String.fromCodePoint(cp))) return 'other-letter';
  return 'symbol';
}

const SCRIPTS = new Set<CharClass>(['latin', 'cyrillic', 'greek', 'han', 'hangul', 'kana', 'halfwidth-kana']);
const isLetter = (c: CharClass | undefined): boolean =>
  c === 'ascii-letter' || c === 'latin' || c === 'cyrillic' || c === 'greek';

/**
 * A generic score of how plausible a decoded text is (higher is better), used to choose between legacy code
 * pages. It rewards what genuine text has: accented letters inside words, Cyrillic next to Cyrillic, common
 * Chinese characters, kana, Hangul syllables, a no-break space between digits (OEM thousands separator). It
 * penalises what wrong decodings produce: replacement and private-use characters, control codes, box drawing,
 * isolated accented letters, uppercase letters inside lowercase words, scripts mixed inside a word, CJK
 * characters wedged between Latin letters, half-width katakana. ASCII scores nothing either way.
 */
export function textPlausibility(text: string): number {
  const cps: number[] = [];
  for (const ch of text) {
    cps.push(ch.codePointAt(0) ?? 0);
    if (cps.length >= PLAUSIBILITY_CHARS) break;
  }
  const classes = cps.map(classify);
  let score = 0;
  for (let i = 0; i < cps.length; i++) {
    const c = classes[i] as CharClass;
    if (c === 'ascii-letter' || c === 'digit' || c === 'space' || c === 'ascii') continue;
    const prev = classes[i - 1];
    const next = classes[i + 1];
    const ch = String.fromCodePoint(cps[i] ?? 0);
    switch (c) {
      case 'bad':
        score -= 10;
        break;
      case 'box':
        score -= 2;
        break;
      case 'nbsp':
        score += prev === 'digit' || next === 'digit' || prev === 'space' || next === 'space' ? 1 : 0;
        break;
      case 'latin': {
        if (!isLetter(prev) && !isLetter(next)) {
          score -= 1; // "32ÿ503": an accented letter alone among digits or spaces
          break;
        }
        const lower = ch.toLowerCase();
        const before = i > 0 ? String.fromCodePoint(cps[i - 1] ?? 0x20) : ' ';
        // "SystÞme": an uppercase letter right after a lowercase one is what a wrong code page produces.
        const upperInLower = ch !== lower && isLetter(prev) && before !== before.toUpperCase();
        // "óçëà": real words carry an accent here and there, not in every letter.
        const allAccented = prev === 'latin' && next === 'latin';
        score += upperInLower || allAccented ? -1 : COMMON_LATIN.has(lower) ? 1 : 0.25;
        break;
      }
      case 'cyrillic':
      case 'greek': {
        const weight = c === 'cyrillic' ? 1 : 0.5;
        if (prev === c || next === c) score += weight;
        if (prev === 'ascii-letter' || prev === 'latin' || next === 'ascii-letter' || next === 'latin')
          score -= 1;
        break;
      }
      case 'han':
        score += COMMON_HAN.has(ch) ? 2 : 0.5;
        if (prev === 'ascii-letter' && next === 'ascii-letter') score -= 2;
        break;
      case 'hangul':
        score += 1;
        break;
      case 'kana':
        score += 1.5;
        break;
      case 'halfwidth-kana':
        score -= 1;
        break;
      case 'cjk-punct':
        score += 0.5;
        break;
      case 'symbol':
        if (isLetter(prev) && isLetter(next)) score -= 0.5; // "Dom„ne": punctuation inside a word
        break;
      case 'other-letter':
        break;
    }
    // Two different scripts touching inside a word (Han beside kana is ordinary Japanese).
    if (prev !== undefined && prev !== c && SCRIPTS.has(prev) && SCRIPTS.has(c)) {
      const japanese = (prev === 'han' && c === 'kana') || (prev === 'kana' && c === 'han');
      if (!japanese) score -= 1;
    }
  }
  return score;
}
