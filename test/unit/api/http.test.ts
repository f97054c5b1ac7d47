import { describe, expect, it } from 'vitest';
import { ApiError, bearerMatches, matchPath, parse } from '../../../src/api/http.js';
import { configBody, listQuery } from '../../../src/api/requests.js';

describe('admin API request handling', () => {
  it('matches path templates and percent-decodes parameters', () => {
    expect(matchPath('/endpoints/{id}', '/endpoints/a%2Fb')).toEqual({ id: 'a/b' });
    expect(matchPath('/endpoints/{id}', '/endpoints/')).toBeUndefined();
    expect(matchPath('/endpoints/{id}/enable', '/endpoints/x/disable')).toBeUndefined();
    expect(() => matchPath('/endpoints/{id}', '/endpoints/%E0%A4%A')).toThrow(ApiError);
  });

  it('accepts only the configured bearer token', () => {
    const token = 'a-long-enough-token';
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(undefined, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
  });

  it('validates a configuration body against the engine tiers, naming each field', () => {
    const schema = configBody([60_000, 120_000]);
    expect(parse(schema, { policy: { maxAttempts: 5, maxAge: '2h', tiers: ['1m'] } }, 'body')).toEqual({
      policy: { maxAttempts: 5, maxAge: 7_200_000, tiers: [60_000] },
    });
    const bad = (body: unknown): string => {
      try {
        parse(schema, body, 'body');
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError);
        expect((error as ApiError).status).toBe(400);
        return (error as ApiError).message;
      }
    };
    expect(bad({ policy: { maxAttempts: 51 } })).toMatch(/policy\.maxAttempts/);
    expect(bad({ policy: { maxAge: '73h' } })).toMatch(/policy\.maxAge: must be at most 72h/);
    expect(bad({ policy: { tiers: ['3m'] } })).toMatch(
      /policy\.tiers: each tier must be one of the engine's tiers: 1m, 2m/,
    );
    expect(bad({ secrets: ['hunter2'] })).toMatch(/secrets\.0: must be a whsec_/);
    expect(bad({ colour: 'blue' })).toMatch(/colour/);
    expect(bad({ secrets: ['whsec_aGVsbG8=', 'env:HOOK_SECRET'] })).toBe('accepted');
  });

  it('bounds list paging', () => {
    expect(parse(listQuery, {}, 'query')).toEqual({ limit: 100 });
    expect(() => parse(listQuery, { limit: '0' }, 'query')).toThrow(/limit/);
    expect(() => parse(listQuery, { state: 'sleepy' }, 'query')).toThrow(/state/);
  });
});
