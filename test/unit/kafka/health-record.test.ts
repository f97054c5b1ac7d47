import { describe, expect, it } from 'vitest';
import { foldAttempt, type EndpointHealth } from '../../../src/domain/health/endpoint-health.js';
import { fromHealthValue, toHealthValue } from '../../../src/kafka/health-record.js';
import { schema } from '../../../src/kafka/schemas.js';

describe('EndpointHealth records', () => {
  it('round-trip through the Avro schema without losing any of the fold state', () => {
    let health: EndpointHealth | undefined;
    for (let i = 0; i < 12; i++) {
      health = foldAttempt(health, {
        endpointId: 'ep',
        eventTime: 1_700_000_000_000 + i * 7_000,
        outcome: i % 3 === 0 ? 'success' : 'retryable',
        status: i % 3 === 0 ? 200 : 503,
        errorClass: i % 3 === 0 ? null : 'http_503',
        latencyMs: 30 * i,
        disablesEndpoint: false,
      });
    }
    const state = health as EndpointHealth;
    const type = schema('EndpointHealth').type;
    const decoded = type.fromBuffer(type.toBuffer(toHealthValue(state, 42))) as Parameters<
      typeof fromHealthValue
    >[0];
    expect(decoded.throughOffset).toBe(42);
    expect(fromHealthValue(decoded)).toEqual(state);
  });
});
