import { expect } from 'vitest';
import {
  parsedFileSchema,
  type FileFormat,
  type HostObservation,
  type ParseResult,
  type ParsedFile,
  type Problem
} from '../../../../src/lib/core/model';
import { detectFormat, SNIFF_BYTES } from '../../../../src/lib/core/parsers/detect';
import { createStreamParser, createTally } from '../../../../src/lib/core/parsers/registry';

/** Helpers the parser tests share. */

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const codes = (issues: readonly Problem[]): string[] => issues.map((i) => i.code);
export const issue = (issues: readonly Problem[], code: string): Problem | undefined =>
  issues.find((i) => i.code === code);

/** The parser's output passes the model's schema. */
export function check(result: ParseResult<ParsedFile>): ParseResult<ParsedFile> {
  parsedFileSchema.parse(result.value);
  return result;
}

export function onlyHost(result: ParseResult<ParsedFile>): HostObservation {
  expect(result.value.hosts).toHaveLength(1);
  return result.value.hosts[0] as HostObservation;
}

/** Through the registry, as the app imports: chunks, schema validation of every host, the shared tally. */
export function viaRegistry(format: FileFormat, bytes: Uint8Array, chunk = 4096) {
  const hosts: HostObservation[] = [];
  const parser = createStreamParser(format, { host: (h) => hosts.push(h), rule: () => {} });
  for (let i = 0; i < bytes.length; i += chunk) parser.write(bytes.subarray(i, i + chunk));
  parser.end();
  const tally = createTally();
  for (const h of hosts) tally.add(h);
  return { hosts, issues: parser.issues, counts: tally.counts };
}

export const detect = (bytes: Uint8Array, name: string) => detectFormat(bytes.subarray(0, SNIFF_BYTES), name);
