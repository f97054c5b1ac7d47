import { Counter, Gauge, type Registry } from 'prom-client';
import { LANE_STATES, type LaneState } from '../domain/partition/lane-state.js';

interface LaneRecord {
  readonly role: string;
  readonly topic: string;
  readonly partition: number;
  state: LaneState;
  /** When the lane entered its current state. */
  since: number;
  /** Consecutive failed open attempts. */
  failures: number;
}

/** A lane counts as stuck reopening after this many failed opens in a row, or this long opening. */
const STUCK_FAILURES = 3;
const STUCK_OPENING_MS = 60_000;

/**
 * What every partition processor of a process reports about its lanes and consumers: the
 * `kretry_partition_state` gauge, the reopen counter, and the problems `/readyz` names. A
 * crashed consumer that kafkajs will not restart, or a lane stuck reopening, makes the process not
 * ready, so an orchestrator can see (and restart) a wedged worker instead of trusting a green probe.
 */
export class PartitionStatus {
  readonly #lanes = new Map<string, LaneRecord>();
  readonly #crashed = new Map<string, string>();
  readonly #state: Gauge<'role' | 'topic' | 'partition' | 'state'>;
  readonly #reopens: Counter<'role' | 'topic'>;

  constructor(
    registry: Registry,
    private readonly now: () => number,
  ) {
    this.#state = new Gauge({
      name: 'kretry_partition_state',
      help: 'Partition lanes of this process by state (1 = in that state)',
      labelNames: ['role', 'topic', 'partition', 'state'],
      registers: [registry],
    });
    this.#reopens = new Counter({
      name: 'kretry_partition_reopens_total',
      help: 'Lanes reopened after a producer or commit error (fence again, re-read offsets)',
      labelNames: ['role', 'topic'],
      registers: [registry],
    });
  }

  laneMoved(role: string, topic: string, partition: number, state: LaneState): void {
    const key = `${role}|${topic}|${partition}`;
    const record = this.#lanes.get(key) ?? { role, topic, partition, state, since: this.now(), failures: 0 };
    if (record.state !== state || !this.#lanes.has(key)) {
      record.state = state;
      record.since = this.now();
    }
    if (state === 'active' || state === 'paused') record.failures = 0;
    this.#lanes.set(key, record);
    for (const s of LANE_STATES) {
      this.#state.set({ role, topic, partition: String(partition), state: s }, s === state ? 1 : 0);
    }
    if (state === 'closed') this.#lanes.delete(key);
  }

  openFailed(role: string, topic: string, partition: number): void {
    const record = this.#lanes.get(`${role}|${topic}|${partition}`);
    if (record !== undefined) record.failures++;
  }

  reopened(role: string, topic: string): void {
    this.#reopens.inc({ role, topic });
  }

  consumerCrashed(role: string, topic: string, message: string): void {
    this.#crashed.set(`${role}|${topic}`, message);
  }

  consumerRunning(role: string, topic: string): void {
    this.#crashed.delete(`${role}|${topic}`);
  }

  /** Why this process is not ready, one line per problem; empty when it is. */
  problems(): string[] {
    const now = this.now();
    const problems: string[] = [];
    for (const [key, message] of this.#crashed) {
      const [role, topic] = key.split('|');
      problems.push(`${role}: consumer of ${topic} crashed and was not restarted (${message})`);
    }
    for (const lane of this.#lanes.values()) {
      if (lane.state !== 'opening') continue;
      if (lane.failures >= STUCK_FAILURES || now - lane.since > STUCK_OPENING_MS) {
        problems.push(
          `${lane.role}: ${lane.topic}[${lane.partition}] stuck reopening for ${Math.round(
            (now - lane.since) / 1000,
          )} s (${lane.failures} failed attempts)`,
        );
      }
    }
    return problems;
  }
}
