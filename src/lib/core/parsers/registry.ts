import { hostObservationSchema, scannerRuleSchema } from '../model';
import type {
  FileFormat,
  HostObservation,
  ImportCounts,
  ObservationSink,
  Problem,
  StreamParser
} from '../model';
import { handlerFor } from './handlers';

/**
 * A parser for the detected format that takes the file in chunks. What it hands over is checked against the
 * model's zod schemas on the way out (STYLE.md habit 7): a record that does not fit is reported, never stored.
 */
export function createStreamParser(format: FileFormat, sink: ObservationSink): StreamParser {
  const handler = handlerFor(format);
  if (!handler) {
    const issues: Problem[] = [
      {
        severity: 'error',
        code: 'unsupported-format',
        message: `Patchfield cannot read the format "${format}" yet.`
      }
    ];
    return { write() {}, end() {}, issues, position: '' };
  }
  return withValidation((checked) => handler.create(checked), sink);
}

/** Any parser, with its output checked against the model on the way to the sink. */
export function withValidation(
  create: (sink: ObservationSink) => StreamParser,
  sink: ObservationSink
): StreamParser {
  const rejected: Problem[] = [];
  const inner = create(validatingSink(sink, rejected));
  return {
    write: (chunk) => inner.write(chunk),
    end: () => inner.end(),
    get issues() {
      return rejected.length > 0 ? [...inner.issues, ...rejected] : inner.issues;
    },
    get formatVersion() {
      return inner.formatVersion;
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
