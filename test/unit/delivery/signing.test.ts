import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../../src/delivery/signing.js';

/**
 * The test vector the Standard Webhooks reference libraries publish and test against (the same one
 * Svix's libraries use): secret, message id, timestamp and payload, and the signature every
 * conforming signer produces. Not computed by kretry.
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signature', () => {
  it('reproduces the published test vector exactly', () => {
    expect(signatureHeader([VECTOR.secret], VECTOR.id, VECTOR.timestamp, Buffer.from(VECTOR.payload))).toBe(
      VECTOR.signature,
    );
  });

  it('signs once per secret, space-separated, for rotation', () => {
    const header = signatureHeader(
      ['whsec_c2Vjb25k', VECTOR.secret],
      VECTOR.id,
      VECTOR.timestamp,
      Buffer.from(VECTOR.payload),
    );
    const parts = header.split(' ');
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(VECTOR.signature);
  });
});
