import { describe, expect, it } from 'vitest';
import { resolveSecrets } from '../../../src/delivery/secret-refs.js';
import type { Logger } from '../../../src/observability/logger.js';

describe('signing secret references', () => {
  it('keeps literal secrets, reads env: references, and skips an unset one with one warning naming only the variable', () => {
    const warnings: unknown[] = [];
    const logger = { warn: (fields: unknown) => warnings.push(fields) } as unknown as Logger;
    const env = { HOOK_SECRET: 'whsec_ZnJvbS1lbnY=' };
    const configured = ['whsec_bGl0ZXJhbA==', 'env:HOOK_SECRET', 'env:MISSING_SECRET'];
    expect(resolveSecrets(configured, 'ep', logger, env)).toEqual([
      'whsec_bGl0ZXJhbA==',
      'whsec_ZnJvbS1lbnY=',
    ]);
    expect(resolveSecrets(configured, 'ep', logger, env)).toHaveLength(2);
    expect(warnings).toEqual([{ endpointId: 'ep', variable: 'MISSING_SECRET' }]);
  });
});
