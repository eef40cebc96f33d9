import type { OsInfo } from '../model';

/**
 * Builds of Windows versions whose name alone fixes the build (no feature updates on top).
 * Windows 10 and 11 are absent on purpose: their name does not tell the build.
 */
const BUILD_BY_NAME: [RegExp, number][] = [
  [/windows server 2025/i, 26100],
  [/windows server 2022/i, 20348],
  [/windows server 2019/i, 17763],
  [/windows server 2016/i, 14393],
  [/windows server 2012 r2/i, 9600],
  [/windows server 2012/i, 9200],
  [/windows 8\.1/i, 9600],
  [/windows server 2008 r2.*service pack 1|windows 7.*service pack 1/i, 7601],
  [/windows server 2008 r2|windows 7/i, 7600],
  [/windows xp/i, 2600]
];

const VERSION_PATTERN = /\b(\d{1,2})\.(\d{1,2})\.(\d{4,5})(?:\.(\d{1,6}))?\b/;
const BUILD_WORD_PATTERN = /\bbuild\s+(\d{4,5})(?:\.(\d{1,6}))?\b/i;

/**
 * Reads what a source says about a Windows installation: a product name ("Microsoft Windows 10 Pro") and,
 * where given, a version string ("10.0.19045 N/A Build 19045", "10.0.19045.4291", "6.1.7601 Service Pack 1 Build 7601").
 * The revision (UBR) is only set when the text states it; it is never guessed.
 */
export function parseWindowsOs(name: string | undefined, version?: string): OsInfo {
  const cleanName = name?.replace(/\s+/g, ' ').trim() || undefined;
  const info: OsInfo = { family: 'windows' };
  if (cleanName) info.name = cleanName;

  for (const text of [version, cleanName]) {
    if (!text) continue;
    const v = VERSION_PATTERN.exec(text);
    if (v && info.build === undefined) {
      info.version = `${v[1]}.${v[2]}.${v[3]}`;
      info.build = Number(v[3]);
      if (v[4] !== undefined) info.revision = Number(v[4]);
    }
    const b = BUILD_WORD_PATTERN.exec(text);
    if (b && info.build === undefined) info.build = Number(b[1]);
    if (b && b[2] !== undefined && info.revision === undefined && Number(b[1]) === info.build) {
      info.revision = Number(b[2]);
    }
    const sp = /service pack (\d+)/i.exec(text);
    if (sp && !info.servicePack) info.servicePack = `Service Pack ${sp[1]}`;
  }
  if (info.build === undefined && cleanName) {
    for (const [pattern, build] of BUILD_BY_NAME) {
      if (pattern.test(cleanName)) {
        info.build = build;
        break;
      }
    }
  }
  if (cleanName) {
    info.productType = /server/i.test(cleanName) ? 'server' : 'client';
    const edition = windowsEdition(cleanName);
    if (edition) info.edition = edition;
  }
  return info;
}

/** "Microsoft Windows 11 Enterprise LTSC" → "Enterprise LTSC"; "Microsoft Windows Server 2022 Standard" → "Standard". */
export function windowsEdition(name: string): string | undefined {
  const rest = name
    .replace(/^microsoft\s+/i, '')
    .replace(/^windows\s+/i, '')
    .replace(/^(server\s+\d{4}(\s+r2)?|\d+(\.\d+)?|xp|vista|7|8)\s*/i, '')
    .replace(/\s*(service pack \d+|build \d+.*|\(.*\))\s*$/i, '')
    .replace(/[,®™]/g, '')
    .trim();
  return rest || undefined;
}

/** True when a free-text OS name is Windows. */
export function isWindowsName(name: string): boolean {
  return /\bwindows\b/i.test(name);
}

/**
 * Architecture from the "System Type" Windows reports (systeminfo, msinfo32), which is never translated:
 * "x64-based PC" → "x64", "X86-based PC" → "x86", "ARM64-based PC" → "ARM64". Undefined for anything else.
 */
export function windowsArchitecture(systemType: string | undefined): string | undefined {
  const m = /^\s*(x64|x86|amd64|arm64|arm|ia64|itanium)\s*-\s*based\s+pc\s*$/i.exec(systemType ?? '');
  if (!m) return undefined;
  const arch = (m[1] as string).toLowerCase();
  if (arch === 'amd64' || arch === 'x64') return 'x64';
  if (arch === 'x86') return 'x86';
  if (arch === 'arm64') return 'ARM64';
  if (arch === 'arm') return 'ARM';
  return 'IA64';
}
