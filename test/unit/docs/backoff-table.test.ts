import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scheduleTableMarkdown } from '../../../src/domain/delivery/schedule-table.js';

/** A markdown table's cells, row by row: the same table however it is padded (prettier aligns it). */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((row) =>
      row
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim().replace(/^:?-+:?$/, '---')),
    );
}

describe('the README table of backoff strategies', () => {
  it('is exactly what the code that places delays generates (npm run docs:backoff-table)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const match = /<!-- backoff-table:start -->\n([\s\S]*?)\n<!-- backoff-table:end -->/.exec(readme);
    expect(cells(match?.[1] ?? '')).toEqual(cells(scheduleTableMarkdown()));
  });
});
