/**
 * The contract every system under `npm run bench:compare` implements: kretry, the fair ceiling,
 * kafkajs-async-retry and Spring `@RetryableTopic`. The harness creates `inputTopic`, fills it,
 * starts the peer, waits at the receiver, then stops the peer; the peer owns nothing but its
 * own process(es) and the Kafka groups/topics it derives from `runId`.
 */

/** Scenario A: every request answered 200. Scenario B: the first attempt of 30 % of ids gets 500. */
export type Scenario = 'A' | 'B';

export interface PeerStartOptions {
  /** Comma-separated bootstrap servers, e.g. `127.0.0.1:9092`. */
  readonly brokers: string;
  /** Topic of {@link InputRecord}s (JSON), already created with `partitions` partitions and filled. */
  readonly inputTopic: string;
  /** The bench receiver; each record's `url` equals it, but peers may use either. */
  readonly receiverUrl: string;
  readonly scenario: Scenario;
  /** Concurrent HTTP requests in flight per process (kretry's KRETRY_CONCURRENCY). @defaultValue 32 */
  readonly concurrency: number;
  /** Partitions of `inputTopic`; retry topics a peer creates should use the same count. */
  readonly partitions: number;
  /** Unique per run: prefix for the peer's consumer groups and any retry/DLT topics it creates. */
  readonly runId: string;
  /**
   * Retry tiers in ms for scenario B. Absent means {@link SCENARIO_B_TIERS_MS}; only the
   * kafkajs-async-retry `--finding` mode passes something else.
   */
  readonly tiersMs?: readonly number[];
}

export interface RunningPeer {
  /** The pid whose VmRSS the harness samples every second (the JVM, the Node child, …). */
  readonly pid: number;
  /** Stops the process(es) and waits for them to exit; must not throw if they already exited. */
  stop(): Promise<void>;
}

export interface Peer {
  readonly name: string;
  /**
   * Starts the system in a process of its own and resolves once it runs (it need not have
   * joined its group yet: rates are measured at the receiver from first to last request).
   */
  start(o: PeerStartOptions): Promise<RunningPeer>;
}

/**
 * One record on `inputTopic`: key = endpointId (UTF-8), value = JSON of this shape. `body` is
 * the exact request body to POST (`{"id":"<deliveryId>"}`), with `content-type: application/json`;
 * the receiver identifies the delivery by the body's `id`.
 */
export interface InputRecord {
  readonly deliveryId: string;
  readonly url: string;
  readonly body: string;
}

/** Scenario B's retry schedule: 1 s, 2 s, 4 s, each delay drawn in ±25 % around the tier. */
export const SCENARIO_B_TIERS_MS: readonly number[] = [1000, 2000, 4000];
export const SCENARIO_B_JITTER = 0.25;
/** Share of ids whose first attempt gets 500 in scenario B (chosen by a hash of the id). */
export const SCENARIO_B_FAILING_SHARE = 0.3;
/** HTTP concurrency every system runs at unless BENCH_COMPARE_CONCURRENCY says otherwise. */
export const DEFAULT_CONCURRENCY = 32;
