import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { EndpointHealthValue } from '../kafka/health-record.js';
import type { EndpointConfigValue } from '../kafka/records.js';
import type { EndpointCommands } from '../operator/endpoint-commands.js';
import { packageRoot } from '../package-root.js';
import { apiDocsRoutes } from './api-docs.js';
import { ApiError, parse, type Route } from './http.js';
import type { z } from 'zod';
import { layerRules, type RetryRules } from '../domain/retry-rules.js';
import { DEFAULT_RULES_KEY } from '../kafka/topology.js';
import type { IngestRoutes } from './ingest-routes.js';
import {
  configBody,
  endpointIdParam,
  listQuery,
  resolveBody,
  retryRulesBody,
  toConfigChange,
} from './requests.js';
import { endpointDetail, endpointSummary, rulesView, stateOf } from './views.js';

export interface Table<V> {
  get(key: string): V | undefined;
  keys(): IterableIterator<string>;
  readonly ready: boolean;
}

export interface AdminApiDeps {
  readonly health: Table<EndpointHealthValue>;
  readonly configs: Table<EndpointConfigValue>;
  readonly commands: EndpointCommands;
  readonly stats: () => Promise<unknown>;
  readonly registry: Registry;
  readonly engineTiersMs: readonly number[];
  /** `POST /deliveries` and `POST /deliveries:batch` (ingest-routes.ts). */
  readonly ingest?: IngestRoutes;
  /** `GET /deliveries/{deliveryId}`, `GET /endpoints/{id}/deliveries` (delivery-routes.ts). */
  readonly deliveries?: readonly Route[];
  /** The retry rules of the engine's configuration: the layer `PUT /policy` overrides. */
  readonly engineRules: RetryRules;
  /** Why the engine is not ready (a crashed consumer, a lane stuck reopening); empty when it is. */
  readonly engineProblems: () => string[];
  /** Marks dead letters handled (operator/redrive.ts, `resolve`). */
  readonly resolveDeadLetters: (
    request: z.output<typeof resolveBody>,
  ) => Promise<{ resolved: number; alreadyHandled: number; matched: number }>;
}

export function openApiPath(): string {
  return join(packageRoot(), 'openapi', 'openapi.json');
}

/** Every route the admin API serves; openapi/openapi.json documents exactly these (a test checks). */
export function adminRoutes(deps: AdminApiDeps): readonly Route[] {
  const { health, commands } = deps;
  // Read-your-writes: a command's answer and the next GET show it before the table reads it back.
  const config = (id: string): EndpointConfigValue | undefined => commands.current(id);
  const idOf = (params: Readonly<Record<string, string>>): string =>
    parse(endpointIdParam, params['id'], 'endpoint id');
  const detail = (id: string) => ({ status: 200, body: endpointDetail(id, health.get(id), config(id)) });
  const putConfig = configBody(deps.engineTiersMs);
  let openapi: string | undefined;

  const policyView = () => {
    const runtime = config(DEFAULT_RULES_KEY)?.retryRules ?? null;
    const effective = layerRules(deps.engineRules, runtime);
    return {
      status: 200,
      body: {
        configured: rulesView({ ...deps.engineRules }),
        runtime: rulesView(runtime),
        effective: rulesView(effective),
      },
    };
  };

  return [
    ...(deps.ingest?.routes() ?? []),
    ...(deps.deliveries ?? []),
    {
      method: 'GET',
      path: '/policy',
      auth: true,
      handler: () => policyView(),
    },
    {
      method: 'PUT',
      path: '/policy',
      auth: true,
      handler: async ({ body }) => {
        const rules = parse(retryRulesBody, await body(), 'body');
        await commands.putConfig(DEFAULT_RULES_KEY, { retryRules: rules });
        return policyView();
      },
    },
    {
      method: 'GET',
      path: '/endpoints',
      auth: true,
      handler: ({ query }) => {
        const { state, limit, after } = parse(listQuery, query, 'query');
        const ids = [...new Set([...health.keys(), ...deps.configs.keys(), ...commands.writtenIds()])]
          .filter((id) => id !== DEFAULT_RULES_KEY)
          .sort();
        const items: Record<string, unknown>[] = [];
        let next: string | null = null;
        for (const id of ids) {
          if (after !== undefined && id <= after) continue;
          if (state !== undefined && stateOf(health.get(id), config(id)) !== state) continue;
          if (items.length === limit) {
            next = items.at(-1)?.['id'] as string;
            break;
          }
          items.push(endpointSummary(id, health.get(id), config(id)));
        }
        return { status: 200, body: { items, next } };
      },
    },
    {
      method: 'GET',
      path: '/endpoints/{id}',
      auth: true,
      handler: ({ params }) => {
        const id = idOf(params);
        if (health.get(id) === undefined && config(id) === undefined) {
          throw new ApiError(404, `endpoint ${JSON.stringify(id)} has no attempts and no configuration`);
        }
        return detail(id);
      },
    },
    {
      method: 'PUT',
      path: '/endpoints/{id}/config',
      auth: true,
      handler: async ({ params, body }) => {
        const id = idOf(params);
        const change = parse(putConfig, await body(), 'body');
        await commands.putConfig(id, toConfigChange(change));
        return detail(id);
      },
    },
    {
      method: 'POST',
      path: '/endpoints/{id}/enable',
      auth: true,
      handler: async ({ params }) => {
        const id = idOf(params);
        await commands.enable(id);
        return detail(id);
      },
    },
    {
      method: 'POST',
      path: '/endpoints/{id}/disable',
      auth: true,
      handler: async ({ params }) => {
        const id = idOf(params);
        await commands.disable(id);
        return detail(id);
      },
    },
    {
      method: 'POST',
      path: '/endpoints/{id}/circuit/reset',
      auth: true,
      handler: async ({ params }) => {
        const id = idOf(params);
        await commands.resetCircuit(id);
        return detail(id);
      },
    },
    {
      method: 'POST',
      path: '/dlq/resolve',
      auth: true,
      handler: async ({ body }) => {
        const request = parse(resolveBody, await body(), 'body');
        return { status: 200, body: await deps.resolveDeadLetters(request) };
      },
    },
    {
      method: 'GET',
      path: '/stats',
      auth: true,
      handler: async () => ({ status: 200, body: await deps.stats() }),
    },
    {
      method: 'GET',
      path: '/metrics',
      auth: true,
      handler: async () => ({
        status: 200,
        body: await deps.registry.metrics(),
        contentType: deps.registry.contentType,
      }),
    },
    {
      method: 'GET',
      path: '/healthz',
      auth: false,
      handler: () => ({ status: 200, body: { status: 'ok' } }),
    },
    {
      method: 'GET',
      path: '/readyz',
      auth: false,
      handler: () => {
        const problems = deps.engineProblems();
        const checks = {
          engine: problems.length === 0,
          endpointState: health.ready,
          endpoints: deps.configs.ready,
        };
        const ready = Object.values(checks).every(Boolean);
        return {
          status: ready ? 200 : 503,
          body: { status: ready ? 'ready' : 'not_ready', checks, problems },
        };
      },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      auth: false,
      handler: () => {
        openapi ??= readFileSync(openApiPath(), 'utf8');
        return { status: 200, body: openapi, contentType: 'application/json; charset=utf-8' };
      },
    },
    ...apiDocsRoutes(),
  ];
}
