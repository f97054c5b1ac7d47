import { describe, expect, it } from 'vitest';
import { stackOptionsFrom } from '../../../src/config/stack-options.js';

describe('local stack options', () => {
  it('defaults to the standard ports and a cache under the home folder', () => {
    const options = stackOptionsFrom({ XDG_CACHE_HOME: '/c' });
    expect(options).toEqual({
      home: '/c/kretry',
      host: '127.0.0.1',
      kafkaPort: 9092,
      controllerPort: 9093,
      registryPort: 8081,
    });
  });

  it('names the key of an invalid value', () => {
    expect(() => stackOptionsFrom({ KRETRY_STACK_KAFKA_PORT: 'ninety' })).toThrow(/KRETRY_STACK_KAFKA_PORT/);
    expect(() => stackOptionsFrom({ KRETRY_STACK_REGISTRY_PORT: '70000' })).toThrow(
      /KRETRY_STACK_REGISTRY_PORT/,
    );
  });
});
