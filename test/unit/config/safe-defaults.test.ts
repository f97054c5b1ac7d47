import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { isLoopbackHost } from '../../../src/config/schema.js';

describe('safe defaults', () => {
  it('refuses an admin API on a non-loopback address without a token, naming both keys', () => {
    expect(() => loadConfig({ env: { KRETRY_API_HOST: '0.0.0.0' } })).toThrow(
      /KRETRY_API_HOST.*0\.0\.0\.0 is not a loopback address, so KRETRY_API_TOKEN must be set/,
    );
    expect(() => loadConfig({ env: { KRETRY_API_HOST: '10.1.2.3' } })).toThrow(/KRETRY_API_TOKEN/);
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
      loadConfig({ env: { KRETRY_ALLOWED_TARGET_CIDRS: '10.0.0.0/8,fd00::/8' } }).allowedTargetCidrs,
    ).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });
});
