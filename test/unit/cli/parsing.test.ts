import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../src/cli/common.js';
import { parseReplayDuration, targetFrom } from '../../../src/cli/replay-command.js';
import { KretryError } from '../../../src/errors.js';

describe('CLI argument parsing', () => {
  it('reads replay durations in ISO 8601 (as kafka-consumer-groups does) and kretry style', () => {
    expect(parseReplayDuration('PT1H')).toBe(3_600_000);
    expect(parseReplayDuration('P1DT2H30M')).toBe(86_400_000 + 2 * 3_600_000 + 30 * 60_000);
    expect(parseReplayDuration('PT1.5S')).toBe(1_500);
    expect(parseReplayDuration('90m')).toBe(90 * 60_000);
    expect(parseReplayDuration('P')).toBeUndefined();
    expect(parseReplayDuration('PT')).toBeUndefined();
    expect(parseReplayDuration('an hour')).toBeUndefined();
  });

  it('wants exactly one replay target', () => {
    expect(targetFrom({ group: 'g', toEarliest: true })).toEqual({ kind: 'earliest' });
    expect(targetFrom({ group: 'g', toOffset: '12' })).toEqual({ kind: 'offset', offset: 12 });
    expect(() => targetFrom({ group: 'g' })).toThrow(/exactly one/);
    expect(() => targetFrom({ group: 'g', toEarliest: true, toLatest: true })).toThrow(
      /got --to-earliest, --to-latest/,
    );
    expect(() => targetFrom({ group: 'g', toOffset: '-1' })).toThrow(KretryError);
    expect(() => targetFrom({ group: 'g', toDatetime: 'yesterday' })).toThrow(/not a date-time/);
  });

  it('reads --since/--until as a date-time or a duration ago', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    expect(parseTime('2h', '--since', now)).toBe(now - 2 * 3_600_000);
    expect(parseTime('2026-11-24T08:00:00Z', '--since', now)).toBe(Date.parse('2026-11-24T08:00:00Z'));
    expect(() => parseTime('soon', '--until', now)).toThrow(/--until "soon"/);
  });
});
