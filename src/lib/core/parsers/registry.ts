import type {
  FileFormat,
  HostObservation,
  ImportCounts,
  ObservationSink,
  ParsedFile,
  ParseResult,
  Problem,
  StreamParser
} from '../model';
import { createNessusParser } from './nessus';
import { parseSystemInfo } from './systeminfo';

/** Whole-file formats are small by nature; anything bigger is not what it claims to be. */
const BUFFERED_LIMIT_BYTES = 64 * 1024 * 1024;

/** A parser for the detected format that takes the file in chunks. */
export function createStreamParser(format: FileFormat, sink: ObservationSink): StreamParser {
  switch (format) {
    case 'nessus-v2':
      return createNessusParser(sink);
    case 'systeminfo-text':
    case 'systeminfo-csv':
      return bufferedParser(parseSystemInfo, sink, 'systeminfo output');
  }
}

/** Adapts a whole-bytes parser to the streaming interface (for small text formats). */
function bufferedParser(
  parse: (bytes: Uint8Array) => ParseResult<ParsedFile>,
  sink: ObservationSink,
  what: string
): StreamParser {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  const issues: Problem[] = [];
  let hosts = 0;
  return {
    write(chunk: Uint8Array): void {
      size += chunk.length;
      if (size > BUFFERED_LIMIT_BYTES) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk.slice());
    },
    end(): void {
      if (tooLarge) {
        issues.push({
          severity: 'error',
          code: 'file-too-large',
          message: `The file is ${Math.round(size / 1048576)} MB, far larger than any ${what}. Check that you picked the right file.`
        });
        return;
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const c of chunks) {
        bytes.set(c, offset);
        offset += c.length;
      }
      chunks.length = 0;
      const result = parse(bytes);
      issues.push(...result.issues);
      for (const r of result.value.rules) sink.rule(r);
      for (const h of result.value.hosts) {
        hosts += 1;
        sink.host(h);
      }
    },
    get issues() {
      return issues;
    },
    get position() {
      return hosts > 0 ? `host ${hosts}` : `${Math.round(size / 1024)} KB read`;
    }
  };
}

/**
 * Counts what a file holds, the same way in the app and the CLI.
 * installedUpdates counts distinct KB numbers per host, summed over hosts.
 */
export function createTally(): { add(host: HostObservation): void; readonly counts: ImportCounts } {
  const counts: ImportCounts = {
    assets: 0,
    findings: 0,
    installedUpdates: 0,
    software: 0,
    pendingUpdates: 0
  };
  return {
    add(host: HostObservation): void {
      counts.assets += 1;
      counts.findings += host.findings.length;
      counts.installedUpdates += new Set(host.installedUpdates.map((u) => u.kb)).size;
      counts.software += host.software.length;
      counts.pendingUpdates += host.pendingUpdates.length;
    },
    get counts() {
      return counts;
    }
  };
}
