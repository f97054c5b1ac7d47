import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processEnv } from '../src/config/env.js';
import { stackOptionsFrom } from '../src/config/stack-options.js';
import { kafkaProcess } from '../src/stack/kafka-node.js';
import { stackLayout, type StackLayout, type StackOptions } from '../src/stack/layout.js';
import { delay, runningPid, waitUntilExited } from '../src/stack/processes.js';
import { stackDown, stackUp } from '../src/stack/stack.js';
import { APICURIO_VERSION, KAFKA_VERSION } from '../src/stack/versions.js';

/**
 * The chaos suite's own local stack: scenarios kill the broker and restart the registry, so they
 * never run on the shared stack on the default ports. Its settings have names of their own
 * (CHAOS_*), so a KRETRY_STACK_* meant for the shared stack can never point the suite at it.
 */
export function chaosStackOptions(env = processEnv()): StackOptions {
  const port = (name: string, fallback: number): number => {
    const value = env[name];
    const parsed = value === undefined || value === '' ? fallback : Number(value);
    if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535)
      throw new Error(`${name}: "${value}" is not a port`);
    return parsed;
  };
  return {
    home: env['CHAOS_STACK_HOME'] ?? join(tmpdir(), 'kretry-chaos-stack'),
    host: '127.0.0.1',
    kafkaPort: port('CHAOS_KAFKA_PORT', 29092),
    controllerPort: port('CHAOS_CONTROLLER_PORT', 29093),
    registryPort: port('CHAOS_REGISTRY_PORT', 28081),
  };
}

export interface ChaosStack {
  readonly layout: StackLayout;
  readonly bootstrap: string;
  readonly registryUrl: string;
  /** kill -9 of the broker, by its pid file; resolves once the process is gone. */
  killBroker(): Promise<void>;
  /** Starts whatever of the stack is not running (the stack's own start code) and waits until ready. */
  bringUp(): Promise<void>;
  /** Stops the registry the way `kretry stack down` does (SIGTERM, then SIGKILL after a grace). */
  stopRegistry(): Promise<void>;
  /** Stops the whole chaos stack. */
  down(): Promise<void>;
}

/**
 * Copies the jar caches from the user's ordinary stack home when the chaos home lacks them, so the
 * first chaos run does not fetch from Maven Central again; without them `stackUp` fetches.
 */
async function seedJars(options: StackOptions, log: (line: string) => void): Promise<void> {
  const source = stackOptionsFrom(processEnv()).home;
  if (source === options.home) return;
  await mkdir(options.home, { recursive: true });
  for (const dir of [`kafka-${KAFKA_VERSION}`, `apicurio-registry-${APICURIO_VERSION}`]) {
    const from = join(source, dir);
    const to = join(options.home, dir);
    if (
      !existsSync(join(to, dir.startsWith('kafka') ? 'libs' : '', '.kretry-complete')) &&
      existsSync(from)
    ) {
      log(`copying ${from} to ${to}`);
      await cp(from, to, { recursive: true });
    }
  }
}

export async function startChaosStack(
  options: StackOptions,
  log: (line: string) => void,
): Promise<ChaosStack> {
  await seedJars(options, log);
  const layout = stackLayout(options);
  const up = await stackUp(options, log);
  const kafka = kafkaProcess(layout);
  return {
    layout,
    bootstrap: up.bootstrap,
    registryUrl: up.registryUrl,
    async killBroker() {
      const pid = runningPid(kafka);
      if (pid === undefined) throw new Error('chaos stack: the broker is not running');
      process.kill(pid, 'SIGKILL');
      while (runningPid(kafka) === pid) await delay(100);
      await waitUntilExited(pid, 10_000); // until its ports are free: see waitUntilExited
    },
    async bringUp() {
      await stackUp(options, log);
    },
    async stopRegistry() {
      await stackDown(options, { only: { kafka: false, registry: true } }, log);
    },
    async down() {
      await stackDown(options, {}, log);
    },
  };
}
