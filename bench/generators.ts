import Papa from 'papaparse';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Large benchmark inputs built from real samples: the sample's records repeated with fresh host names and
 * addresses until the file reaches the size asked for. Written piece by piece, never as one string.
 */

function writer(path: string): { write(s: string): void; close(): number } {
  const fd = openSync(path, 'w');
  let bytes = 0;
  return {
    write(s: string) {
      bytes += writeSync(fd, s);
    },
    close() {
      closeSync(fd);
      return bytes;
    }
  };
}

const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Qualys ASSET_DATA_REPORT: HOST blocks repeated inside HOST_LIST; the glossary once at the end. */
export function generateQualysXml(
  samplePath: string,
  path: string,
  targetBytes: number
): { bytes: number; hosts: number } {
  const xml = readFileSync(samplePath, 'utf8');
  const start = xml.indexOf('<HOST_LIST>') + '<HOST_LIST>'.length;
  const end = xml.indexOf('</HOST_LIST>');
  const hosts = [...xml.slice(start, end).matchAll(/<HOST>[\s\S]*?<\/HOST>/g)].map((m) => m[0]);
  const out = writer(path);
  out.write(xml.slice(0, start));
  let written = start;
  let n = 0;
  while (written < targetBytes) {
    const block = hosts[n % hosts.length]!.replace(/(<IP\b[^>]*>)[^<]*(<\/IP>)/, `$1${ip(n)}$2`)
      .replace(/(<DNS>(?:<!\[CDATA\[)?)[^\]<]*/, `$1bench-${n}.corp.local`)
      .replace(/(<NETBIOS>(?:<!\[CDATA\[)?)[^\]<]*/, `$1BENCH-${n}`);
    out.write('\n    ');
    out.write(block);
    written += block.length + 5;
    n += 1;
  }
  out.write(xml.slice(end));
  return { bytes: out.close(), hosts: n };
}

/** Tenable CSV: the sample's rows repeated with fresh addresses and names. */
export function generateTenableCsv(
  samplePath: string,
  path: string,
  targetBytes: number
): { bytes: number; rows: number } {
  const parsed = Papa.parse<string[]>(readFileSync(samplePath, 'utf8'), { skipEmptyLines: true });
  const [header, ...rows] = parsed.data;
  const ipCols = header!.flatMap((h, i) => (/^(IP Address|Host)$/i.test(h) ? [i] : []));
  const dnsCols = header!.flatMap((h, i) => (/^(DNS Name|FQDN)$/i.test(h) ? [i] : []));
  const nameCols = header!.flatMap((h, i) => (/^(NetBIOS Name|NetBios)$/i.test(h) ? [i] : []));
  const out = writer(path);
  out.write(Papa.unparse([header!]) + '\r\n');
  let written = 0;
  let n = 0;
  while (written < targetBytes) {
    const batch = rows.map((r) => {
      const row = [...r];
      // About 16 rows per host, as scans of real networks have.
      for (const c of ipCols) row[c] = ip(n >> 4);
      for (const c of dnsCols) row[c] = `bench-${n >> 4}.corp.local`;
      for (const c of nameCols) row[c] = `BENCH-${n >> 4}`;
      n += 1;
      return row;
    });
    const text = Papa.unparse(batch) + '\r\n';
    out.write(text);
    written += text.length;
  }
  return { bytes: out.close(), rows: n };
}

/** /var/lib/dpkg/status: the sample's stanzas repeated with renamed packages. */
export function generateDpkgStatus(
  samplePath: string,
  path: string,
  targetBytes: number
): { bytes: number; packages: number } {
  const stanzas = readFileSync(samplePath, 'utf8')
    .split(/\n\s*\n/)
    .filter((s) => /^Package:/m.test(s));
  const out = writer(path);
  let written = 0;
  let n = 0;
  while (written < targetBytes) {
    const stanza = stanzas[n % stanzas.length]!.replace(
      /^Package: (.+)$/m,
      `Package: $1-bench${Math.floor(n / stanzas.length)}`
    );
    out.write(stanza.trim() + '\n\n');
    written += stanza.length + 2;
    n += 1;
  }
  return { bytes: out.close(), packages: n };
}

/** A small deterministic generator (mulberry32), so every run generates the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
