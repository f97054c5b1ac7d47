/**
 * Where one delivery stands, folded from its AttemptRecorded events in log order (they share a
 * partition: the key is the endpoint). Pure: the same log gives the same view, so the index is
 * rebuilt from `attempts` like endpoint health.
 */
export type DeliveryState = 'pending' | 'scheduled' | 'delivered' | 'dead';

export interface DeliveryAttemptView {
  readonly attempt: number;
  readonly at: number;
  readonly outcome: string;
  readonly tier: string;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
}

export interface DeliveryView {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly state: DeliveryState;
  readonly attempts: readonly DeliveryAttemptView[];
  readonly scheduled: { readonly tier: string; readonly dueAt: number } | null;
  readonly dead: { readonly reason: string; readonly at: number } | null;
  readonly updatedAt: number;
}

/** The part of an AttemptRecorded the fold reads. */
export interface DeliveryEvent {
  readonly deliveryId: string;
  readonly endpointId: string;
  readonly attempt: number;
  readonly eventTime: number;
  readonly outcome: string;
  readonly status: number | null;
  readonly errorClass: string | null;
  readonly latencyMs: number | null;
  /** The tier the attempt was made from: `ingest` for the first, else the tier topic's suffix. */
  readonly tier: string;
  readonly nextStep: string | null;
  readonly nextTier: string | null;
  readonly nextDueAt: number | null;
  readonly deadReason: string | null;
}

/** At most this many attempts are kept per delivery: the first ones and the latest ones. */
export const MAX_ATTEMPTS_SHOWN = 50;

export function foldDelivery(previous: DeliveryView | undefined, event: DeliveryEvent): DeliveryView {
  const attempt: DeliveryAttemptView = {
    attempt: event.attempt,
    at: event.eventTime,
    outcome: event.outcome,
    tier: event.tier,
    status: event.status,
    errorClass: event.errorClass,
    latencyMs: event.latencyMs,
  };
  const attempts = [...(previous?.attempts ?? []), attempt];
  // A delivery skipped for hours by an open circuit records a skip per tier step: keep the first
  // and the latest, so memory per delivery stays bounded.
  if (attempts.length > MAX_ATTEMPTS_SHOWN) attempts.splice(MAX_ATTEMPTS_SHOWN / 2, 1);
  const base = {
    deliveryId: event.deliveryId,
    endpointId: event.endpointId,
    attempts,
    updatedAt: Math.max(previous?.updatedAt ?? 0, event.eventTime),
  };
  switch (event.nextStep) {
    case 'delivered':
      return { ...base, state: 'delivered', scheduled: null, dead: null };
    case 'scheduled':
      return {
        ...base,
        state: 'scheduled',
        scheduled: { tier: event.nextTier ?? '', dueAt: event.nextDueAt ?? event.eventTime },
        dead: null,
      };
    case 'dead':
      return {
        ...base,
        state: 'dead',
        scheduled: null,
        dead: { reason: event.deadReason ?? 'unknown', at: event.eventTime },
      };
    default:
      // Written before kretry recorded the next step: a success is final, anything else unknown.
      return {
        ...base,
        state: event.outcome === 'success' ? 'delivered' : (previous?.state ?? 'pending'),
        scheduled: previous?.scheduled ?? null,
        dead: previous?.dead ?? null,
      };
  }
}
