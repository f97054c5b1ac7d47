import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../../../src/config/schema.js';
import { packageRoot } from '../../../src/package-root.js';

describe('the README configuration reference', () => {
  it('lists exactly the keys of the config schema, with their environment names', () => {
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-zA-Z0-9]+)` +\| `(KRETRY_[A-Z0-9_]+)` +\|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(Object.fromEntries(rows)).toEqual(ENV_NAMES);
  });
});
