import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ENV_NAMES } from '../../../src/config/schema.js';
import { packageRoot } from '../../../src/package-root.js';

interface Entry {
  readonly name: string;
  readonly value: string;
  readonly comment: string | undefined;
}

/** `KEY=value` lines, each with the comment line right above it. */
function entries(text: string): Entry[] {
  const lines = text.split('\n');
  const result: Entry[] = [];
  lines.forEach((line, i) => {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m === null) return;
    const above = lines[i - 1] ?? '';
    result.push({
      name: m[1] ?? '',
      value: m[2] ?? '',
      comment: above.startsWith('# ') ? above.slice(2) : undefined,
    });
  });
  return result;
}

const text = readFileSync(join(packageRoot(), '.env.example'), 'utf8');
const listed = entries(text);

describe('.env.example', () => {
  it('holds exactly the KRETRY_* keys of the config schema, each once', () => {
    const names = listed.map((e) => e.name);
    expect([...names].sort()).toEqual(Object.values(ENV_NAMES).sort());
  });

  it('has no other assignment (commented out or not)', () => {
    const assignments = text.split('\n').filter((line) => /^#?\s*[A-Z][A-Z0-9_]*=/.test(line));
    expect(assignments.length).toBe(listed.length);
  });

  it('gives each key a one-line comment', () => {
    expect(
      listed.filter((e) => e.comment === undefined || e.comment.trim() === '').map((e) => e.name),
    ).toEqual([]);
  });

  it('shows the real defaults: loading it gives the same configuration as loading nothing', () => {
    const env = Object.fromEntries(listed.map((e) => [e.name, e.value]));
    expect(loadConfig({ env })).toEqual(loadConfig({ env: {} }));
  });

  it('that check would notice a wrong default', () => {
    const env = Object.fromEntries(listed.map((e) => [e.name, e.value]));
    expect(loadConfig({ env: { ...env, KRETRY_MAX_ATTEMPTS: '19' } })).not.toEqual(loadConfig({ env: {} }));
  });
});
