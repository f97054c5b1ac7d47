import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { KretryError } from '../../../src/errors.js';

/** The error loadConfig throws for these sources; fails the test if it throws none. */
function configError(sources: Parameters<typeof loadConfig>[0]): KretryError {
  try {
    loadConfig(sources);
  } catch (error) {
    if (error instanceof KretryError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(sources)}`);
}
import { isLoopbackHost } from '../../../src/config/schema.js';

describe('safe defaults', () => {
  it('refuses an admin API on a non-loopback address without a token, naming both keys', () => {
    expect(() => loadConfig({ env: { KRETRY_API_HOST: '0.0.0.0' } })).toThrow(
      /KRETRY_API_HOST.*0\.0\.0\.0 is not a loopback address, so KRETRY_API_TOKEN must be set/,
    );
    expect(() => loadConfig({ env: { KRETRY_API_HOST: '10.1.2.3' } })).toThrow(/KRETRY_API_TOKEN/);
  });

  it('reports it as a typed config error, also when the token is empty or the host comes from a file', () => {
    const empty = configError({ env: { KRETRY_API_HOST: '0.0.0.0', KRETRY_API_TOKEN: '' } });
    expect(empty.code).toBe('KRETRY_CONFIG');
    expect(empty.message).toMatch(/KRETRY_API_HOST/);
    expect(empty.message).toMatch(/KRETRY_API_TOKEN/);

    const file = join(mkdtempSync(join(tmpdir(), 'kretry-safe-')), 'kretry.json');
    writeFileSync(file, JSON.stringify({ apiHost: '::' }));
    const fromFile = configError({ env: {}, file });
    expect(fromFile.code).toBe('KRETRY_CONFIG');
    expect(fromFile.message).toMatch(
      /apiHost \(KRETRY_API_HOST\): :: is not a loopback address.*KRETRY_API_TOKEN/,
    );
  });

  it('allows it with a token, on loopback, or when the process runs no api role', () => {
    expect(
      loadConfig({ env: { KRETRY_API_HOST: '0.0.0.0', KRETRY_API_TOKEN: 'a-token-of-16-chars!' } }).apiHost,
    ).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]'])
      expect(loadConfig({ env: { KRETRY_API_HOST: host } }).apiHost).toBe(host);
    expect(loadConfig({ env: { KRETRY_API_HOST: '0.0.0.0', KRETRY_ROLES: 'dispatcher' } }).roles).toEqual([
      'dispatcher',
    ]);
  });

  it('lets a command that serves nothing (dlq, endpoints, topics) load that configuration', () => {
    const sources = { env: { KRETRY_API_HOST: '0.0.0.0' }, servesNothing: true };
    expect(loadConfig(sources).apiHost).toBe('0.0.0.0');
    // Every other key is still checked for it.
    expect(() => loadConfig({ ...sources, env: { ...sources.env, KRETRY_TIERS: 'soon' } })).toThrow(
      /KRETRY_TIERS/,
    );
  });

  it('knows loopback from the rest', () => {
    expect(['127.0.0.1', 'LOCALHOST', '::1'].map(isLoopbackHost)).toEqual([true, true, true]);
    expect(
      ['0.0.0.0', '128.0.0.1', 'example.com', '::', '127.0.0.1.example.com'].map(isLoopbackHost),
    ).toEqual([false, false, false, false, false]);
  });

  it('names KRETRY_ALLOWED_TARGET_CIDRS for a malformed CIDR instead of failing later', () => {
    for (const bad of ['999.0.0.0/99', '10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'nonsense']) {
      expect(() => loadConfig({ env: { KRETRY_ALLOWED_TARGET_CIDRS: bad } }), bad).toThrow(
        /KRETRY_ALLOWED_TARGET_CIDRS/,
      );
    }
    expect(
      loadConfig({ env: { KRETRY_ALLOWED_TARGET_CIDRS: '10.0.0.0/8,fd00::/8,::ffff:10.0.0.0/104' } })
        .allowedTargetCidrs,
    ).toEqual(['10.0.0.0/8', 'fd00::/8', '::ffff:10.0.0.0/104']);
  });

  it('lists each bad CIDR once, by value, among the good ones', () => {
    const error = configError({
      env: { KRETRY_ALLOWED_TARGET_CIDRS: '10.0.0.0/8, 999.0.0.0/99 ,fd00::/129' },
    });
    expect(error.code).toBe('KRETRY_CONFIG');
    expect(error.message.split('\n').slice(1)).toEqual([
      '  - allowedTargetCidrs (KRETRY_ALLOWED_TARGET_CIDRS): "999.0.0.0/99": 999.0.0.0 is not an IPv4 or IPv6 address',
      '  - allowedTargetCidrs (KRETRY_ALLOWED_TARGET_CIDRS): "fd00::/129": prefix /129 is longer than an IPv6 address (0–128)',
    ]);
  });
});
