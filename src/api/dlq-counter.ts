import type { Admin, Kafka } from 'kafkajs';
import type { RecordedDeadLetterReason } from '../domain/route.js';
import type { Logger } from '../observability/logger.js';
import { readDlq } from '../operator/dlq-reader.js';
import type { DeadLetterValue } from '../kafka/records.js';
import type { ValueCodec } from '../kafka/value-codec.js';

/**
 * Dead letters on the dlq topic, counted by reason: read from the start of the retained log and
 * followed (`readDlq` with `follow`, which moves no one's offsets). Memory is one counter per
 * reason, whatever the size of the dlq.
 */
export class DlqCounter {
  readonly #byReason = new Map<RecordedDeadLetterReason | 'undecodable', number>();
  readonly #abort = new AbortController();
  #reading: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly codec: ValueCodec<DeadLetterValue>,
    private readonly logger: Logger,
  ) {}

  counts(): { readonly total: number; readonly byReason: Readonly<Record<string, number>> } {
    const byReason = Object.fromEntries([...this.#byReason].sort(([a], [b]) => a.localeCompare(b)));
    return { total: [...this.#byReason.values()].reduce((sum, n) => sum + n, 0), byReason };
  }

  /** Starts counting in the background; counts grow as the dlq is read. */
  start(): void {
    this.#reading = readDlq(this.kafka, this.admin, this.topic, this.codec, {
      follow: true,
      signal: this.#abort.signal,
      onEntry: (entry) => {
        const reason = entry.letter?.reason ?? 'undecodable';
        this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + 1);
      },
    }).catch((error: unknown) =>
      this.logger.error({ err: error, topic: this.topic }, 'dead-letter counts stopped'),
    );
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#reading;
  }
}
