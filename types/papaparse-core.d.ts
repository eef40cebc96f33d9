/**
 * The part of papaparse that src/lib/core uses, typed without Node. @types/papaparse starts with
 * `/// <reference types="node" />`, which would bring `process` and `Buffer` into the core compile and defeat
 * tsconfig.core.json's check that core is runtime-neutral. Only tsconfig.core.json maps "papaparse" here.
 */
declare module 'papaparse' {
  export interface ParseError {
    type: string;
    code: string;
    message: string;
    row?: number;
  }
  export interface ParseMeta {
    delimiter: string;
    linebreak: string;
    aborted: boolean;
    truncated: boolean;
    fields?: string[];
  }
  export interface ParseResult<T> {
    data: T[];
    errors: ParseError[];
    meta: ParseMeta;
  }
  export interface ParseConfig {
    delimiter?: string;
    newline?: string;
    quoteChar?: string;
    escapeChar?: string;
    header?: boolean;
    skipEmptyLines?: boolean | 'greedy';
    dynamicTyping?: boolean;
    preview?: number;
    comments?: boolean | string;
    delimitersToGuess?: string[];
  }
  export function parse<T>(input: string, config?: ParseConfig): ParseResult<T>;
  const Papa: { parse: typeof parse };
  export default Papa;
}
