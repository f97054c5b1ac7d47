/** The one JSON line a scenario prints. The first four counts after `deadLettered` are invariants. */
export interface ScenarioSummary {
  readonly scenario: string;
  readonly deliveries: number;
  readonly delivered: number;
  readonly deadLettered: number;
  /** Neither delivered nor dead-lettered by the deadline. */
  readonly lost: number;
  /** Deliveries with more than one dead letter. */
  readonly deadLetteredTwice: number;
  /** (deliveryId, attempt, tier step) keys that appear more than once on the tier topics. */
  readonly scheduledTwice: number;
  /** HTTP requests the receiver got minus attempts recorded (skipped ones excluded). */
  readonly extraHttpRequests: number;
  readonly stuckOnSigterm: number;
  readonly nonZeroExit: number;
  readonly durationMs: number;
  /** Faults injected (kills, freezes, restarts). */
  readonly faults: number;
  /** Deliveries with a success and a dead letter both. */
  readonly deliveredAndDeadLettered: number;
  /** Dead letters `invalid_record`: every record the suite writes is valid, so each is a false one. */
  readonly invalidRecordDeadLetters: number;
  /** False when a topic could not be read to its end before the audit's deadline. */
  readonly auditComplete: boolean;
  /** Subjects the registry no longer had under the same schema id after a restart (registry scenario). */
  readonly schemasForgotten?: number;
}

export const INVARIANTS = ['lost', 'deadLetteredTwice', 'scheduledTwice', 'stuckOnSigterm'] as const;

export interface AuditInput {
  readonly scenario: string;
  readonly deliveryIds: readonly string[];
  readonly attempts: readonly { deliveryId: string; attempt: number; outcome: string }[];
  /** One entry per dead letter: the delivery it names (undefined when it names none we can tell). */
  readonly deadLetters: readonly { deliveryId: string | undefined; reason: string }[];
  /**
   * `steps`: outcomes in the record's history (a skip, or a rate or concurrency deferral, repeats
   * attempt and tier); `legLeft`: for a leg of a long wait (a hop), the seconds of wait after it.
   */
  readonly scheduled: readonly {
    deliveryId: string;
    attempt: number;
    tierIndex: number;
    steps?: number;
    legLeft?: number | undefined;
  }[];
  readonly httpRequests: number;
  readonly stuckOnSigterm: number;
  readonly nonZeroExit: number;
  readonly durationMs: number;
  readonly faults: number;
  readonly auditComplete: boolean;
  readonly schemasForgotten?: number | undefined;
}

/** Counts keys seen more than once. */
/** What identifies one next step of one delivery on the tier topics. */
export function scheduledKey(s: AuditInput['scheduled'][number]): string {
  return `${s.deliveryId}#${s.attempt}#${s.tierIndex}#${s.steps ?? ''}#${s.legLeft ?? ''}`;
}

/**
 * Legs of one wait carried in hops share attempt, tier and history; what tells them apart is how
 * much wait is left after each, at least the smallest tier's floor apart. The same leg written
 * twice leaves the same wait, to within the moment it was decided.
 */
export function legLeft(s: {
  readonly dueAt: number;
  readonly notBefore?: number | null;
}): number | undefined {
  return s.notBefore == null ? undefined : Math.round((s.notBefore - s.dueAt) / 1000);
}

/** The keys that occur more than once. */
export function repeatedKeys(keys: Iterable<string>): string[] {
  const seen = new Map<string, number>();
  for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

function repeated(keys: Iterable<string>): number {
  const seen = new Map<string, number>();
  for (const key of keys) seen.set(key, (seen.get(key) ?? 0) + 1);
  let count = 0;
  for (const n of seen.values()) if (n > 1) count++;
  return count;
}

export function audit(input: AuditInput): ScenarioSummary {
  const ours = new Set(input.deliveryIds);
  const succeeded = new Set(
    input.attempts.filter((a) => a.outcome === 'success' && ours.has(a.deliveryId)).map((a) => a.deliveryId),
  );
  const deadIds = input.deadLetters
    .map((d) => d.deliveryId)
    .filter((id): id is string => id !== undefined && ours.has(id));
  const dead = new Set(deadIds);
  const httpAttempts = input.attempts.filter((a) => a.outcome !== 'skipped').length;
  return {
    scenario: input.scenario,
    deliveries: ours.size,
    delivered: succeeded.size,
    deadLettered: dead.size,
    lost: [...ours].filter((id) => !succeeded.has(id) && !dead.has(id)).length,
    deadLetteredTwice: repeated(deadIds),
    // An open circuit moves a delivery on with the same attempt number, to the next tier or, at
    // the last tier, to the same one again; each skip adds an outcome to the history, so the number
    // of outcomes belongs to the key: the invariant is one next step per outcome.
    scheduledTwice: repeated(input.scheduled.map(scheduledKey)),
    extraHttpRequests: input.httpRequests - httpAttempts,
    stuckOnSigterm: input.stuckOnSigterm,
    nonZeroExit: input.nonZeroExit,
    durationMs: input.durationMs,
    faults: input.faults,
    deliveredAndDeadLettered: [...dead].filter((id) => succeeded.has(id)).length,
    invalidRecordDeadLetters: input.deadLetters.filter((d) => d.reason === 'invalid_record').length,
    auditComplete: input.auditComplete,
    ...(input.schemasForgotten === undefined ? {} : { schemasForgotten: input.schemasForgotten }),
  };
}

export function violatesInvariants(summary: ScenarioSummary): boolean {
  return INVARIANTS.some((name) => summary[name] !== 0);
}
