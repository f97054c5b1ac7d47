import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { adminRoutes, openApiPath } from '../../../src/api/routes.js';
import type { EndpointCommands } from '../../../src/operator/endpoint-commands.js';
import { DEFAULT_RETRY_RULES } from '../../../src/domain/retry-rules.js';
import type { Kafka } from 'kafkajs';
import { IngestRoutes } from '../../../src/api/ingest-routes.js';
import { deliveryRoutes } from '../../../src/api/delivery-routes.js';
import type { DeliveryIndex } from '../../../src/api/delivery-index.js';
import type { Codecs } from '../../../src/kafka/codecs.js';
import type { Topology } from '../../../src/kafka/topology.js';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
}

const doc = JSON.parse(readFileSync(openApiPath(), 'utf8')) as OpenApiDoc;
const emptyTable = { get: () => undefined, keys: () => [][Symbol.iterator](), ready: true };
const routes = adminRoutes({
  health: emptyTable,
  configs: emptyTable,
  commands: {} as EndpointCommands,
  stats: () => Promise.resolve({}),
  registry: new Registry(),
  engineTiersMs: [1000],
  engineRules: DEFAULT_RETRY_RULES,
  // routes() never touches the broker: a client that is never connected is enough here.
  ingest: new IngestRoutes({
    kafka: {} as Kafka,
    topology: {} as Topology,
    codecs: {} as Pick<Codecs, 'ingest'>,
    maxBodyBytes: 1_000_000,
    now: () => 0,
  }),
  deliveries: deliveryRoutes({} as DeliveryIndex, () => undefined),
  engineProblems: () => [],
  resolveDeadLetters: () => Promise.resolve({ resolved: 0, alreadyHandled: 0, matched: 0 }),
});

describe('openapi/openapi.json', () => {
  it('is OpenAPI 3.1', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('documents exactly the routes the admin API serves', () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const served = routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(served);
  });

  it('marks as public exactly the routes served without a token', () => {
    for (const route of routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      const isPublic = Array.isArray(op?.security) && op.security.length === 0;
      expect({ route: `${route.method} ${route.path}`, isPublic }).toEqual({
        route: `${route.method} ${route.path}`,
        isPublic: !route.auth,
      });
      if (route.auth) expect(Object.keys(op?.responses ?? {})).toContain('401');
    }
  });
});
