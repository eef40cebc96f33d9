import { hostObservationSchema, scannerRuleSchema } from '../model';
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

/**
 * A parser for the detected format that takes the file in chunks. What it hands over is checked against the
 * model's zod schemas on the way out (STYLE.md habit 7): a record that does not fit is reported, never stored.
 */
export function createStreamParser(format: FileFormat, sink: ObservationSink): StreamParser {
  const rejected: Problem[] = [];
  const checked = validatingSink(sink, rejected);
  const inner = ((): StreamParser => {
    switch (format) {
      case 'nessus-v2':
        return createNessusParser(checked);
      case 'systeminfo-text':
      case 'systeminfo-csv':
        return bufferedParser(parseSystemInfo, checked, 'systeminfo output');
    }
  })();
  return {
    write: (chunk) => inner.write(chunk),
    end: () => inner.end(),
    get issues() {
      return rejected.length > 0 ? [...inner.issues, ...rejected] : inner.issues;
    },
    get position() {
      return inner.position;
    }
  };
}

/** Passes on only records that match the model; the first few rejects are reported as errors. */
function validatingSink(sink: ObservationSink, rejected: Problem[]): ObservationSink {
  const reject = (
    what: string,
    key: string,
    error: { issues: { path: PropertyKey[]; message: string }[] }
  ) => {
    if (rejected.length >= 5) return;
    const first = error.issues[0];
    rejected.push({
      severity: 'error',
      code: 'invalid-record',
      message: `Patchfield could not make sense of ${what} ${key} in this file, so the import was stopped. Please send the file to your Patchfield contact.`,
      detail: first ? `${first.path.join('.')}: ${first.message}` : 'invalid'
    });
  };
  return {
    host(h) {
      const r = hostObservationSchema.safeParse(h);
      if (r.success) sink.host(h);
      else reject('host', h.key, r.error);
    },
    rule(rule) {
      const r = scannerRuleSchema.safeParse(rule);
      if (r.success) sink.rule(rule);
      else reject('rule', rule.ruleId, r.error);
    }
  };
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
