import { z } from 'zod';

/**
 * Something a parser, a catalog loader or the engine wants the technician to know.
 * `message` is for people: what was wrong and what to do about it. `detail` is for us.
 * The file a problem belongs to is known by whoever stores it (the ImportedFile record, the CLI).
 */
export type Problem = z.infer<typeof problemSchema>;
export const problemSchema = z.object({
  severity: z.enum(['error', 'warning', 'info']),
  /** Stable machine code, e.g. "xml-not-well-formed", "kb-count-mismatch". */
  code: z.string().min(1),
  message: z.string().min(1),
  /** 1-based line (text and XML) or row (CSV) where the problem was found. */
  line: z.number().int().positive().optional(),
  column: z.number().int().positive().optional(),
  detail: z.string().optional(),
  /** When one problem stands for many records (e.g. rows skipped for the same reason): how many. */
  count: z.number().int().positive().optional(),
  /** The first few lines or rows it happened on. */
  lines: z.array(z.number().int().positive()).optional()
});

export type ProblemSeverity = Problem['severity'];

/** What every parser returns: it never throws on bad input. */
export interface ParseResult<T> {
  value: T;
  issues: Problem[];
}
