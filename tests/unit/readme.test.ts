import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/lib/core';
import { REPO_DIR } from './shared';

describe('README', () => {
  const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');

  it('lists every format Patchfield reads, by its stable name, with how to produce it', () => {
    for (const format of [...new Set(HANDLERS.map((h) => h.format)), 'generic-csv']) {
      expect(readme, format).toMatch(new RegExp(`\\|\\s*\`${format}\`\\s*\\|[^\\n]+\\|[^\\n]{20,}\\|`));
    }
  });

  it('names the two commands a newcomer runs', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
