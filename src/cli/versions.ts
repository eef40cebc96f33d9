import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isVersionScheme, VERSION_SCHEMES, versionComparator } from '../lib/core';

export const VERSIONS_USAGE = `Usage: patchfield versions --scheme ${VERSION_SCHEMES.join('|')} < pairs.tsv
  Reads "a<TAB>b" lines on stdin and prints, for each, the sign of compare(a, b): -1 (a older),
  0 (same version) or 1 (a newer). Lines starting with # and blank lines are copied as they are, so the
  output has one line per input line. A line that is not two tab-separated versions gets an empty
  output line and a message on stderr; the exit status is then 2.
  Schemes: dpkg (Debian packages), rpm ([epoch:]version-release), semver (application versions),
  windows (builds such as 10.0.19045.4291).
`;

/** Output is written in blocks of about this many characters (one write per pair would be slow). */
const BLOCK_CHARS = 64 * 1024;

/**
 * `patchfield versions`: compares version pairs in bulk, in one process, with the same code the app uses.
 * Returns the exit status: 0 when every line was a pair, 2 on bad arguments or when some line was not.
 */
export async function versionsCommand(
  args: string[],
  stdin: NodeJS.ReadableStream,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream
): Promise<0 | 2> {
  let scheme: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { scheme: { type: 'string', short: 's' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true
    });
    if (values.help) {
      stdout.write(VERSIONS_USAGE);
      return 0;
    }
    if (positionals.length > 0) {
      stderr.write(`patchfield versions: unexpected argument "${positionals[0]}".\n\n${VERSIONS_USAGE}`);
      return 2;
    }
    scheme = values.scheme;
  } catch (e) {
    stderr.write(`patchfield versions: ${e instanceof Error ? e.message : String(e)}\n\n${VERSIONS_USAGE}`);
    return 2;
  }
  if (!scheme || !isVersionScheme(scheme)) {
    stderr.write(
      `patchfield versions: ${scheme ? `unknown scheme "${scheme}"` : '--scheme is required'}; use one of ${VERSION_SCHEMES.join(', ')}.\n\n${VERSIONS_USAGE}`
    );
    return 2;
  }
  const compare = versionComparator(scheme);

  let block = '';
  const flush = async (): Promise<void> => {
    if (block === '') return;
    const ok = stdout.write(block);
    block = '';
    if (!ok) await once(stdout, 'drain');
  };

  let lineNo = 0;
  let bad = 0;
  const lines = createInterface({ input: stdin, crlfDelay: Infinity });
  for await (const raw of lines) {
    lineNo += 1;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.trim() === '' || line.startsWith('#')) {
      block += `${line}\n`;
    } else {
      const fields = line.split('\t');
      if (fields.length === 2) {
        block += `${compare(fields[0] as string, fields[1] as string)}\n`;
      } else {
        bad += 1;
        block += '\n';
        const found = fields.length === 1 ? 'no tab' : `${fields.length - 1} tabs`;
        stderr.write(
          `patchfield versions: line ${lineNo}: expected two versions separated by one tab ("a<TAB>b"), found ${found}: ${JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line)}\n`
        );
      }
    }
    if (block.length >= BLOCK_CHARS) await flush();
  }
  await flush();
  if (bad > 0) {
    stderr.write(`patchfield versions: ${bad} of ${lineNo} lines were not "a<TAB>b" pairs.\n`);
    return 2;
  }
  return 0;
}
