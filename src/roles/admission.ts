import type { Delivery } from '../domain/delivery/delivery.js';
import { resolvePolicy } from '../domain/delivery/decide.js';
import { carriedWaitMs } from '../domain/delivery/placement.js';
import type { Admit } from '../kafka/partition-processor.js';
import type { StepContext } from './delivery-step.js';
import type { Input } from './inputs.js';

const START: Admit = { kind: 'start' };

/**
 * Admission of a due delivery (PartitionWork.admit): its endpoint's rate limit and adaptive
 * concurrency. Not shaped: records that dead-letter as invalid, a hop (its wait is not over), and
 * deliveries the gate does not let through normally (an open circuit's skips and its one probe).
 */
export function admitDue(step: StepContext, input: Input<Delivery>, ticket: unknown): Admit {
  if (step.flows === undefined || input.kind !== 'valid') return START;
  const delivery = input.value;
  if (delivery.notBefore !== null && delivery.notBefore > step.now()) return START;
  const endpointId = delivery.request.endpointId;
  const view = step.views.view(endpointId);
  const open = view.gate === undefined || (view.gate.circuit === 'closed' && !view.gate.disabled);
  // Back from a rate-limited deferral: its token was reserved when it was deferred.
  const last = delivery.history.at(-1);
  const returning = last?.outcome === 'skipped' && last.errorClass === 'rate_limited';
  // A deferred delivery's token is reserved for when the tiers can bring it back.
  const resolved = view.rateLimit === null ? undefined : resolvePolicy(delivery, view, step.views.engine());
  const carry =
    resolved !== undefined && 'policy' in resolved
      ? (waitMs: number) => carriedWaitMs(resolved.policy, waitMs)
      : undefined;
  return step.flows.admit(
    endpointId,
    view.rateLimit,
    open,
    ticket ?? (returning ? { hasToken: true } : undefined),
    carry,
  );
}

/** Calls `wake` when `endpointId` next has room (PartitionWork.whenFree). */
export function whenFree(step: StepContext): ((key: string, wake: () => void) => void) | undefined {
  const flows = step.flows;
  return flows === undefined ? undefined : (key, wake) => flows.whenFree(key, wake);
}
