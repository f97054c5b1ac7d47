import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.tiers).toEqual([120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000]);
    expect(config.maxAttempts).toBe(20);
    expect(config.maxAge).toBe(36_000_000);
    expect(config.jitter).toBe(0.25);
    expect(config.topicPrefix).toBe('kretry.');
    expect(config.allowPrivateTargets).toBe(false);
    expect(config.brokers).toBeUndefined();
    expect(config.roles).toEqual(['dispatcher', 'tiers', 'projection', 'api']);
  });

  it('layers defaults < file < env < flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kretry-config-'));
    const file = join(dir, 'kretry.json');
    writeFileSync(file, JSON.stringify({ maxAttempts: 5, tiers: ['1s', '2s'], topicPrefix: 'file.' }));
    const config = loadConfig({
      env: { KRETRY_MAX_ATTEMPTS: '7', KRETRY_BROKERS: 'a:1,b:2' },
      file,
      flags: { topicPrefix: 'flag.' },
    });
    expect(config.maxAttempts).toBe(7);
    expect(config.tiers).toEqual([1000, 2000]);
    expect(config.topicPrefix).toBe('flag.');
    expect(config.brokers).toEqual(['a:1', 'b:2']);
  });

  it('names every bad key with its environment name and what is allowed', () => {
    let message = '';
    try {
      loadConfig({
        env: {
          KRETRY_TIERS: '2m,1m',
          KRETRY_MAX_AGE: 'forever',
          KRETRY_ROLES: 'dispatcher,cook',
          KRETRY_NOPE: 'x',
        },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('tiers (KRETRY_TIERS): must be strictly increasing');
    expect(message).toContain('maxAge (KRETRY_MAX_AGE): "forever" is not a duration');
    expect(message).toMatch(/roles \(KRETRY_ROLES\): must be among dispatcher, tiers, projection/);
    expect(message).toContain('KRETRY_NOPE: unknown setting');
  });

  it('rejects an unknown key in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kretry-config-'));
    const file = join(dir, 'kretry.json');
    writeFileSync(file, JSON.stringify({ maxAtempts: 5 }));
    expect(() => loadConfig({ env: {}, file })).toThrow(/maxAtempts \(in .*kretry\.json\): unknown setting/);
  });

  it('reads signing secrets from JSON in the environment', () => {
    const config = loadConfig({
      env: { KRETRY_ENDPOINT_SECRETS: '{"ep1":"whsec_a","ep2":["whsec_b","whsec_c"]}' },
    });
    expect(config.endpointSecrets).toEqual({ ep1: ['whsec_a'], ep2: ['whsec_b', 'whsec_c'] });
    expect(() => loadConfig({ env: { KRETRY_ENDPOINT_SECRETS: 'nope' } })).toThrow(/KRETRY_ENDPOINT_SECRETS/);
  });
});
