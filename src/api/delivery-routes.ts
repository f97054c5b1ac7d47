import { z } from 'zod';
import type { Accepted } from '../domain/dedupe-memory.js';
import type { DeliveryView } from '../domain/delivery-view.js';
import type { DeliveryIndex } from './delivery-index.js';
import { ApiError, parse, type Route } from './http.js';
import { endpointIdParam } from './requests.js';

const iso = (ms: number): string => new Date(ms).toISOString();

const deliveriesQuery = z
  .object({
    state: z.enum(['scheduled', 'delivered', 'dead']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** The last deliveryId of the previous page. */
    after: z.string().max(256).optional(),
  })
  .strict();

export function deliveryJson(view: DeliveryView): Record<string, unknown> {
  return {
    deliveryId: view.deliveryId,
    endpointId: view.endpointId,
    state: view.state,
    scheduled:
      view.scheduled === null ? null : { tier: view.scheduled.tier, dueAt: iso(view.scheduled.dueAt) },
    dead: view.dead === null ? null : { reason: view.dead.reason, at: iso(view.dead.at) },
    attempts: view.attempts.map((a) => ({ ...a, at: iso(a.at) })),
    updatedAt: iso(view.updatedAt),
  };
}

/**
 * `GET /deliveries/{deliveryId}` and `GET /endpoints/{id}/deliveries` (role api), from the
 * delivery index (delivery-index.ts), with pending deliveries from the ids the dispatcher accepted.
 */
export function deliveryRoutes(
  index: DeliveryIndex,
  accepted: (deliveryId: string) => Accepted | undefined,
): Route[] {
  return [
    {
      method: 'GET',
      path: '/deliveries/{deliveryId}',
      auth: true,
      handler: ({ params }) => {
        const id = parse(endpointIdParam, params['deliveryId'], 'delivery id');
        const view = index.get(id);
        if (view !== undefined) return { status: 200, body: deliveryJson(view) };
        const acceptance = accepted(id);
        if (acceptance !== undefined) {
          return {
            status: 200,
            body: { deliveryId: id, state: 'pending', acceptedAt: iso(acceptance.at), attempts: [] },
          };
        }
        throw new ApiError(
          404,
          `no delivery ${JSON.stringify(id)}${index.ready ? '' : ' yet (the index is still reading attempts)'}: the index keeps the ${index.maxDeliveries} most recently updated deliveries of the retained attempts log, and shows a new one once the dispatcher has committed it`,
        );
      },
    },
    {
      method: 'GET',
      path: '/endpoints/{id}/deliveries',
      auth: true,
      handler: ({ params, query }) => {
        const id = parse(endpointIdParam, params['id'], 'endpoint id');
        const { state, limit, after } = parse(deliveriesQuery, query, 'query');
        const all = index.ofEndpoint(id, state);
        const start = after === undefined ? 0 : all.findIndex((v) => v.deliveryId === after) + 1;
        const page = all.slice(start, start + limit);
        const next = start + limit < all.length ? (page.at(-1)?.deliveryId ?? null) : null;
        return { status: 200, body: { items: page.map(deliveryJson), next } };
      },
    },
  ];
}
