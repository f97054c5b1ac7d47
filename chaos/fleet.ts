import { join } from 'node:path';
import { EngineProcess } from './engine-process.js';

export interface FleetCounts {
  /** Processes still running `graceMs` after SIGTERM (then killed). */
  stuckOnSigterm: number;
  /** Processes that ended with a non-zero code (after SIGTERM or by themselves), or by a signal we did not send. */
  nonZeroExit: number;
}

/**
 * N slots, each running one engine process at a time, like replicas under a supervisor: a process
 * that ends without being told to is counted and replaced, so a crash shows up in the figures
 * instead of silently stalling the scenario.
 */
export class Fleet {
  readonly counts: FleetCounts = { stuckOnSigterm: 0, nonZeroExit: 0 };
  readonly #slots: (EngineProcess | undefined)[];
  readonly #generation: number[];
  #stopping = false;

  constructor(
    size: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
    private readonly graceMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.#slots = Array.from({ length: size }, () => undefined);
    this.#generation = Array.from({ length: size }, () => 0);
  }

  get size(): number {
    return this.#slots.length;
  }

  process(slot: number): EngineProcess | undefined {
    return this.#slots[slot];
  }

  async start(slot: number): Promise<EngineProcess> {
    const generation = (this.#generation[slot] ?? 0) + 1;
    this.#generation[slot] = generation;
    const name = `engine-${slot}.${generation}`;
    const engine = await EngineProcess.spawn(name, this.env, join(this.logDir, `${name}.log`));
    this.#slots[slot] = engine;
    void engine.exited.then((exit) => {
      if (engine.expectedEnd === 'SIGKILL') return;
      if (engine.expectedEnd === 'SIGTERM') {
        if (exit.code !== 0 && exit.signal !== 'SIGKILL') {
          this.counts.nonZeroExit++;
          this.log(`${name} exited with code ${exit.code} (signal ${exit.signal}) after SIGTERM`);
        }
        return;
      }
      this.counts.nonZeroExit++;
      this.log(`${name} ended by itself (code ${exit.code}, signal ${exit.signal}); replacing it`);
      if (!this.#stopping && this.#slots[slot] === engine) void this.start(slot);
    });
    return engine;
  }

  async startAll(readyTimeoutMs: number): Promise<void> {
    const engines = await Promise.all(this.#slots.map((_, slot) => this.start(slot)));
    const ready = await Promise.all(engines.map((e) => e.waitReady(readyTimeoutMs)));
    ready.forEach((ok, i) => {
      if (!ok) this.log(`${engines[i]?.name} did not answer /readyz 200 within ${readyTimeoutMs} ms`);
    });
  }

  async kill9(slot: number): Promise<void> {
    await this.#slots[slot]?.kill9();
  }

  /** SIGTERM with the grace check; counts a stuck process. */
  async terminate(slot: number): Promise<void> {
    const engine = this.#slots[slot];
    if (engine === undefined) return;
    const { stuck } = await engine.terminate(this.graceMs);
    if (stuck) {
      this.counts.stuckOnSigterm++;
      this.log(`${engine.name} was still running ${this.graceMs} ms after SIGTERM; killed`);
    }
  }

  signal(slot: number, signal: NodeJS.Signals): void {
    this.#slots[slot]?.signal(signal);
  }

  /** The end of every scenario: SIGTERM to every process at once, each exit checked. */
  async terminateAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#slots.map((_, slot) => this.terminate(slot)));
  }
}
