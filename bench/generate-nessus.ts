import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Writes a multi-host .nessus v2 file by repeating host blocks (taken from a real scan, or a synthetic one) with
 * fresh names and addresses. Written piece by piece: the generator never builds the whole file as one string.
 */
export interface GenerateOptions {
  path: string;
  hosts: number;
  /** ReportHost blocks to cycle through (each a full `<ReportHost ...>...</ReportHost>`). */
  templates?: string[];
}

export function syntheticHostBlock(itemsPerHost = 60): string {
  const items: string[] = [];
  for (let i = 0; i < itemsPerHost; i++) {
    const sev = i % 5;
    items.push(
      `<ReportItem port="${445 + (i % 3)}" svc_name="cifs" protocol="tcp" severity="${sev}" pluginID="${100000 + i}" pluginName="Synthetic check ${i} — Ümlaut ✓" pluginFamily="Windows : Microsoft Bulletins">` +
        `<cve>CVE-2026-${String(10000 + i)}</cve><cvss3_base_score>${(sev * 2.4).toFixed(1)}</cvss3_base_score>` +
        `<description>Description of check ${i}. ${'Lorem ipsum dolor sit amet. '.repeat(8)}</description>` +
        `<solution>Apply the update.</solution><synopsis>Synopsis ${i}</synopsis><risk_factor>Medium</risk_factor>` +
        `<xref>MSKB:50${String(10000 + i).padStart(5, '0')}</xref>` +
        `<plugin_output>Remote version : 10.0.19045.4529\nShould be : 10.0.19045.7291\n${'evidence line\n'.repeat(20)}</plugin_output></ReportItem>`
    );
  }
  return (
    `<ReportHost name="HOSTIP"><HostProperties><tag name="host-ip">HOSTIP</tag><tag name="netbios-name">HOSTNAME</tag>` +
    `<tag name="operating-system">Microsoft Windows 10 Pro</tag></HostProperties>${items.join('\n')}</ReportHost>`
  );
}

/** Host blocks of a real .nessus file (read whole: the samples are small). */
export function hostBlocksOf(xml: string): string[] {
  return [...xml.matchAll(/<ReportHost\b[\s\S]*?<\/ReportHost>/g)].map((m) => m[0]);
}

export function generateNessus(options: GenerateOptions): { bytes: number; items: number } {
  const templates =
    options.templates && options.templates.length > 0 ? options.templates : [syntheticHostBlock()];
  const fd = openSync(options.path, 'w');
  let bytes = 0;
  let items = 0;
  const write = (s: string): void => {
    bytes += writeSync(fd, s);
  };
  try {
    write('<?xml version="1.0" ?>\n<NessusClientData_v2>\n<Report name="Generated benchmark scan">\n');
    for (let i = 0; i < options.hosts; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const name = `BENCH-PC-${String(i).padStart(5, '0')}`;
      const block = templates[i % templates.length]!.replace(
        /<ReportHost name="[^"]*"/,
        `<ReportHost name="${ip}"`
      )
        .replace(/HOSTIP/g, ip)
        .replace(/HOSTNAME/g, name)
        .replace(/(<tag name="host-ip">)[^<]*/, `$1${ip}`)
        .replace(/(<tag name="netbios-name">)[^<]*/, `$1${name}`)
        .replace(/(<tag name="host-fqdn">)[^<]*/, `$1${name.toLowerCase()}.bench.local`);
      items += (block.match(/<ReportItem\b/g) ?? []).length;
      write(block);
      write('\n');
    }
    write('</Report>\n</NessusClientData_v2>\n');
  } finally {
    closeSync(fd);
  }
  return { bytes, items };
}
