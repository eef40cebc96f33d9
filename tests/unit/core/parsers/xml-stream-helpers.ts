/** Test helpers shared by the scanner XML readers' tests (OpenVAS, Qualys, Nexpose, Nmap). */
import { basename } from 'node:path';
import {
  hostObservationSchema,
  scannerRuleSchema,
  type FileFormat,
  type HostObservation,
  type ImportCounts,
  type ObservationSink,
  type Problem,
  type ScannerRule,
  type Severity,
  type StreamParser
} from '../../../../src/lib/core/model';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';
import { readBytes, sharedSamples } from '../../shared';

export interface StreamResult {
  hosts: HostObservation[];
  rules: ScannerRule[];
  issues: Problem[];
  formatVersion?: string | undefined;
  /** Hosts the sink had received after all bytes were written, before `end`. */
  hostsBeforeEnd: number;
}

/** Feeds bytes to a streaming parser in chunks of the given sizes (cycled), the way the importer does. */
export function runStream(
  create: (sink: ObservationSink) => StreamParser,
  bytes: Uint8Array,
  sizes: number[] = [1 << 20]
): StreamResult {
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = create({ host: (h) => hosts.push(h), rule: (r) => rules.push(r) });
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    parser.write(bytes.subarray(offset, offset + size));
    offset += size;
  }
  const hostsBeforeEnd = hosts.length;
  parser.end();
  return { hosts, rules, issues: [...parser.issues], formatVersion: parser.formatVersion, hostsBeforeEnd };
}

export interface RegistryResult {
  counts: ImportCounts;
  hosts: HostObservation[];
  rules: ScannerRule[];
  issues: Problem[];
}

/** Reads a file through createStreamParser (zod-validated output) and counts it with the registry's tally. */
export function throughRegistry(format: FileFormat, bytes: Uint8Array): RegistryResult {
  const tally = createTally();
  const hosts: HostObservation[] = [];
  const rules: ScannerRule[] = [];
  const parser = createStreamParser(format, {
    host(h) {
      tally.add(h);
      hosts.push(h);
    },
    rule: (r) => rules.push(r)
  });
  for (let offset = 0; offset < bytes.length; offset += 65536)
    parser.write(bytes.subarray(offset, offset + 65536));
  parser.end();
  return { counts: tally.counts, hosts, rules, issues: [...parser.issues] };
}

/** What detectFormat says about a file, from its first 64 KB and its name. */
export function detect(path: string): FileFormat | string {
  const head = readBytes(path).subarray(0, SNIFF_BYTES);
  const d = detectFormat(head, basename(path));
  return d.format ?? `problem:${d.problem.code}`;
}

export function detectBytes(bytes: Uint8Array, name: string): FileFormat | string {
  const d = detectFormat(bytes.subarray(0, SNIFF_BYTES), name);
  return d.format ?? `problem:${d.problem.code}`;
}

export function severityCounts(hosts: HostObservation[]): Partial<Record<Severity, number>> {
  const counts: Partial<Record<Severity, number>> = {};
  for (const h of hosts) for (const f of h.findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

export function findingCount(hosts: HostObservation[]): number {
  return hosts.reduce((n, h) => n + h.findings.length, 0);
}

export function codes(issues: readonly Problem[]): string[] {
  return issues.map((i) => i.code);
}

export function expectValidModel(hosts: HostObservation[], rules: ScannerRule[]): string[] {
  const errors: string[] = [];
  for (const h of hosts) {
    const r = hostObservationSchema.safeParse(h);
    if (!r.success) errors.push(`host ${h.key}: ${r.error.message}`);
  }
  for (const rule of rules) {
    const r = scannerRuleSchema.safeParse(rule);
    if (!r.success) errors.push(`rule ${rule.ruleId}: ${r.error.message}`);
  }
  return errors;
}

export function host(hosts: HostObservation[], key: string): HostObservation {
  const h = hosts.find((x) => x.key === key);
  if (!h) throw new Error(`no host ${key}; hosts: ${hosts.map((x) => x.key).join(', ')}`);
  return h;
}

export function rule(rules: ScannerRule[], id: string): ScannerRule {
  const r = rules.find((x) => x.ruleId === id);
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

/** Shared samples of other scanners' folders, which a reader must not claim. */
export function otherFoldersSamples(mine: string[]): string[] {
  const folders = [
    'nessus',
    'nessus-csv',
    'openvas',
    'qualys',
    'rapid7-nexpose',
    'nmap',
    'trivy',
    'cyclonedx',
    'grype'
  ];
  return folders.filter((f) => !mine.includes(f)).flatMap((f) => sharedSamples(f));
}

/** UTF-16LE with a BOM, the way Windows tools save "Unicode" text. */
export function toUtf16leWithBom(text: string): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 + i * 2] = c & 0xff;
    out[3 + i * 2] = c >> 8;
  }
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
