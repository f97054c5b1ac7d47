import { describe, expect, it } from 'vitest';
import { readmeCommands, simpleCommands } from './readme-shell.js';

describe('reading shell commands out of a README', () => {
  it('splits a line into simple commands the way sh does', () => {
    expect(simpleCommands(`jq -c '.[]' events.json | npx kretry send --json > sent.jsonl   # bulk`)).toEqual([
      ['jq', '-c', '.[]', 'events.json'],
      ['npx', 'kretry', 'send', '--json'],
    ]);
    expect(simpleCommands('a x && b "y z" || c; d 2>&1 < in.txt')).toEqual([
      ['a', 'x'],
      ['b', 'y z'],
      ['c'],
      ['d'],
    ]);
    expect(simpleCommands(`npx kretry send -d '{"id":42}' -h "a\\"b" c\\ d`)).toEqual([
      ['npx', 'kretry', 'send', '-d', '{"id":42}', '-h', 'a"b', 'c d'],
    ]);
    expect(simpleCommands('PORT=1 HOME=/x npm run stack:up')).toEqual([['npm', 'run', 'stack:up']]);
    expect(simpleCommands('export A=1 B=2')).toEqual([['export', 'A=1', 'B=2']]);
    expect(simpleCommands('A=1')).toEqual([]);
    expect(simpleCommands('echo a#b # comment')).toEqual([['echo', 'a#b']]);
    expect(() => simpleCommands(`echo 'open`)).toThrow(/unterminated/);
  });

  it('reads sh fences with continuations, and runnable inline spans even when they wrap', () => {
    const markdown = [
      'Run `npm test`, then `kretry start [--roles r]` (a synopsis, not a command), `npx kretry`, `npx kretry …` or',
      '`A=1 npx kretry',
      'demo --help`.',
      '',
      '```sh',
      'npx kretry endpoints set acme \\',
      '  --max-attempts 8   # why',
      '```',
      '',
      '```ts',
      'npx kretry not-shell',
      '```',
    ].join('\n');
    expect(readmeCommands(markdown).map((c) => [c.where, c.words])).toEqual([
      ['README.md:1', ['npm', 'test']],
      ['README.md:2', ['npx', 'kretry', 'demo', '--help']],
      ['README.md:6', ['npx', 'kretry', 'endpoints', 'set', 'acme', '--max-attempts', '8']],
    ]);
  });
});
