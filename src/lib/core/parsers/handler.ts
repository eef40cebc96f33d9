import type { FileFormat, ObservationSink, ParsedFile, ParseResult, Problem, StreamParser } from '../model';

/** What format detection looks at: the start of the file, never the whole of it. */
export interface SniffSample {
  /** The first bytes (up to SNIFF_BYTES), decoded (BOM, UTF-16, code pages) and cut at a line end. */
  text: string;
  /** The same first bytes, raw. */
  head: Uint8Array;
  /** Only a hint: technicians rename files, and iPads pass any name. */
  fileName: string;
  /** For a zip archive: the names of its entries (a format may be a whole archive, e.g. the Defender export). */
  zipEntries?: string[];
}

/**
 * One format Patchfield reads. Each format family exports its handlers; parsers/handlers.ts lists them all and
 * detection asks each one. Handlers never throw.
 */
export interface FormatHandler {
  format: FileFormat;
  /** scanner · discovery · sca · windows · linux · macos · collector · generic */
  family: 'scanner' | 'discovery' | 'sca' | 'windows' | 'linux' | 'macos' | 'collector' | 'generic';
  /** How a technician produces this export on the client's machine (README, the app's help). */
  howTo: string;
  /**
   * How sure the handler is that the sample is its format: 0 = not mine; the highest score wins (use 1–100:
   * ~90 for an unmistakable root element or header, ~50 for a likely layout, ~10 for a weak guess).
   * A Problem means "this is my kind of file, but a version I cannot read" (e.g. Nessus v1, SPDX 3.0): it is
   * reported when no other handler claims the file.
   */
  sniff(sample: SniffSample): number | Problem;
  /** A parser for one file of this format. */
  create(sink: ObservationSink): StreamParser;
}

/** Whole-file formats are small by nature; anything bigger is not what it claims to be. */
const BUFFERED_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Adapts a whole-bytes parser to the streaming interface, for small text formats (inventory lists, JSON reports
 * of modest size). Caps the size so that a wrong file cannot exhaust memory.
 */
export function bufferedParser(
  parse: (bytes: Uint8Array) => ParseResult<ParsedFile>,
  sink: ObservationSink,
  what: string,
  limitBytes = BUFFERED_LIMIT_BYTES
): StreamParser {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let tooLarge = false;
  const issues: Problem[] = [];
  let hosts = 0;
  let formatVersion: string | undefined;
  return {
    write(chunk: Uint8Array): void {
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
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
      formatVersion = result.value.formatVersion;
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
    get formatVersion() {
      return formatVersion;
    },
    get position() {
      return hosts > 0 ? `host ${hosts}` : `${Math.round(size / 1024)} KB read`;
    }
  };
}

/**
 * Collects problems so that many records skipped for the same reason become one problem with a count and the
 * first few lines, instead of thousands of lines in the import report.
 */
export class IssueCollector {
  private readonly byCode = new Map<string, Problem>();
  private readonly order: string[] = [];

  constructor(private readonly maxLines = 5) {}

  add(problem: Problem): void {
    const existing = this.byCode.get(problem.code);
    if (!existing) {
      const first: Problem = { ...problem, count: 1, ...(problem.line ? { lines: [problem.line] } : {}) };
      this.byCode.set(problem.code, first);
      this.order.push(problem.code);
      return;
    }
    existing.count = (existing.count ?? 1) + 1;
    if (problem.line && (existing.lines?.length ?? 0) < this.maxLines) {
      existing.lines = [...(existing.lines ?? []), problem.line];
    }
  }

  /** One problem per code, in first-seen order; `count` is left out when it is 1. */
  get problems(): Problem[] {
    return this.order.map((code) => {
      const p = this.byCode.get(code)!;
      if (p.count === 1) {
        const { count: _count, lines: _lines, ...single } = p;
        return single;
      }
      return p;
    });
  }
}

/** Wraps a whole-file parse into the ParseResult shape with every issue collected. */
export function emptyParsedFile(format: FileFormat): ParsedFile {
  return { format, hosts: [], rules: [] };
}
