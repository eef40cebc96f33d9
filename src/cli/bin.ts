import { main } from './main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // An unexpected failure still gets a plain message, not a stack trace (set PATCHFIELD_DEBUG=1 for one).
    process.stderr.write(`patchfield: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.PATCHFIELD_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
);
