import type { FormatHandler } from './handler';
import { windowsRegistryHandlers } from './windows-registry';
import { wmicQfeHandlers } from './wmic-qfe';
import { getHotFixHandlers } from './get-hotfix';
import { windowsUpdateHandlers } from './windows-update';
import { getPackageHandlers } from './get-package';
import { psWindowsUpdateHandlers } from './pswindowsupdate';
import { wingetHandlers } from './winget';
import { windowsProgramsHandlers } from './windows-programs';
import { trivyHandlers } from './trivy';
import { grypeHandlers } from './grype';
import { osvScannerHandlers } from './osv-scanner';
import { cyclonedxHandlers } from './cyclonedx';
import { spdxHandlers } from './spdx';
import { dpkgHandlers } from './dpkg';
import { aptHandlers } from './apt';
import { rpmHandlers } from './rpm';
import { yumHandlers } from './yum';
import { osReleaseHandlers } from './os-release';
import { macosHandlers } from './macos';
import { collectorHandlers } from './collector';
import { createNessusParser, sniffNessus } from './nessus';
import { bufferedParser } from './handler';
import { parseSystemInfo, sniffSystemInfo } from './systeminfo';
import { openvasXmlHandlers } from './openvas-xml';
import { qualysXmlHandlers } from './qualys-xml';
import { nexposeHandlers } from './nexpose';
import { nmapHandlers } from './nmap';
import { tenableCsvHandlers } from './tenable-csv';
import { openvasCsvHandlers } from './openvas-csv';
import { qualysCsvHandlers } from './qualys-csv';
import { mdvmHandlers } from './mdvm';

/** Nessus .nessus v2: an unmistakable root element; v1 and other roots are recognised to say what to do. */
const nessusHandlers: FormatHandler[] = [
  {
    format: 'nessus-v2',
    family: 'scanner',
    howTo: 'In Nessus or Tenable.io: open the scan → Export → Nessus (.nessus).',
    sniff({ text, fileName }) {
      const kind = sniffNessus(text);
      if (kind === 'nessus-v2') return 95;
      if (kind === 'nessus-v1') {
        return {
          severity: 'error',
          code: 'nessus-v1',
          message: `${fileName} is a Nessus v1 (legacy) report. Patchfield reads .nessus v2: in Nessus, export the scan again in "Nessus" (.nessus) format.`
        };
      }
      if (kind === 'nessus-wrongroot') {
        return {
          severity: 'error',
          code: 'nessus-wrong-root',
          message: `${fileName} looks like Nessus XML but is not a .nessus v2 report (its root element is not NessusClientData_v2). Export the scan again from Nessus in "Nessus" (.nessus) format.`
        };
      }
      return 0;
    },
    create: (sink) => createNessusParser(sink)
  }
];

const systeminfoHandlers: FormatHandler[] = [
  {
    format: 'systeminfo-text',
    family: 'windows',
    howTo: 'On each Windows PC: systeminfo > %COMPUTERNAME%-systeminfo.txt',
    sniff: ({ text }) => (sniffSystemInfo(text) === 'systeminfo-text' ? 80 : 0),
    create: (sink) => bufferedParser(parseSystemInfo, sink, 'systeminfo output')
  },
  {
    format: 'systeminfo-csv',
    family: 'windows',
    howTo: 'On each Windows PC: systeminfo /fo csv > %COMPUTERNAME%-systeminfo.csv',
    sniff: ({ text }) => (sniffSystemInfo(text) === 'systeminfo-csv' ? 85 : 0),
    create: (sink) => bufferedParser(parseSystemInfo, sink, 'systeminfo output')
  }
];

/**
 * Every format Patchfield reads. A format family adds its handlers here (one import and one spread per family).
 */
export const HANDLERS: FormatHandler[] = [
  ...nessusHandlers,
  ...systeminfoHandlers,
  ...openvasXmlHandlers,
  ...qualysXmlHandlers,
  ...nexposeHandlers,
  ...nmapHandlers,
  ...tenableCsvHandlers,
  ...openvasCsvHandlers,
  ...qualysCsvHandlers,
  ...mdvmHandlers,
  ...collectorHandlers,
  ...dpkgHandlers,
  ...aptHandlers,
  ...rpmHandlers,
  ...yumHandlers,
  ...osReleaseHandlers,
  ...macosHandlers,
  ...trivyHandlers,
  ...grypeHandlers,
  ...osvScannerHandlers,
  ...cyclonedxHandlers,
  ...spdxHandlers,
  ...windowsRegistryHandlers,
  ...wmicQfeHandlers,
  ...getHotFixHandlers,
  ...windowsUpdateHandlers,
  ...getPackageHandlers,
  ...psWindowsUpdateHandlers,
  ...wingetHandlers,
  ...windowsProgramsHandlers
  // (format families are added above this line)
];

export function handlerFor(format: string): FormatHandler | undefined {
  return HANDLERS.find((h) => h.format === format);
}
