import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The version in package.json (the CLI and the app ship together). */
export const version: string = (
  JSON.parse(readFileSync(require.resolve('../../package.json'), 'utf8')) as { version: string }
).version;
