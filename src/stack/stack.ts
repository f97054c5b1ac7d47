import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { KretryError } from '../errors.js';
import { ensureKafkaJars, ensureRegistry, type Report } from './fetch.js';
import { formatStorageIfNeeded, kafkaProcess, kafkaStartArgs, writeKafkaConfig } from './kafka-node.js';
import { stackLayout, type StackLayout, type StackOptions } from './layout.js';
import {
  delay,
  portIsFree,
  runningPid,
  startDetached,
  stopProcess,
  type ManagedProcess,
} from './processes.js';
import { brokerAnswers, registryAnswers, warmCoordinators } from './readiness.js';
import { registryHealthUrl, registryProcess, registryStartArgs } from './registry-node.js';
import { requireTool } from './tools.js';
import { APICURIO_VERSION, KAFKA_VERSION } from './versions.js';

export interface StackEndpoints {
  readonly bootstrap: string;
  readonly registryUrl: string;
}

export interface StackUpResult extends StackEndpoints {
  /** Which processes this call started (false: an already running one was reused). */
  readonly started: { readonly kafka: boolean; readonly registry: boolean };
}

const READY_TIMEOUT_MS = 180_000;

/**
 * Starts the local broker and registry unless they already run; returns once both answer.
 * Idempotent: a running stack is reused, so a second call costs a metadata request.
 */
export async function stackUp(
  options: StackOptions,
  report: Report = () => undefined,
): Promise<StackUpResult> {
  const layout = stackLayout(options);
  await mkdir(layout.runDir, { recursive: true });
  const kafka = kafkaProcess(layout);
  const registry = registryProcess(layout);
  const needsStart = runningPid(kafka) === undefined || runningPid(registry) === undefined;
  if (needsStart) {
    await requireTool('java');
    await Promise.all([ensureKafkaJars(layout, report), ensureRegistry(layout, report)]);
  }

  let startedKafka = false;
  if (runningPid(kafka) === undefined) {
    await assertPortsFree(layout, [options.kafkaPort, options.controllerPort], 'Kafka');
    await writeKafkaConfig(layout);
    if (await formatStorageIfNeeded(layout)) report(`Formatted KRaft storage in ${layout.kafkaDataDir}.`);
    report(`Starting Apache Kafka ${KAFKA_VERSION} on ${layout.bootstrap} (log: ${layout.kafkaLog})…`);
    await startDetached(kafka, {
      command: 'java',
      args: kafkaStartArgs(layout),
      cwd: layout.runDir,
      logFile: layout.kafkaLog,
    });
    startedKafka = true;
  }
  let startedRegistry = false;
  if (runningPid(registry) === undefined) {
    await assertPortsFree(layout, [options.registryPort], 'the schema registry');
    report(
      `Starting Apicurio Registry ${APICURIO_VERSION} on ${layout.registryUrl} (log: ${layout.registryLog})…`,
    );
    await startDetached(registry, {
      command: 'java',
      args: registryStartArgs(layout),
      cwd: layout.registryHome,
      logFile: layout.registryLog,
    });
    startedRegistry = true;
  }

  await Promise.all([
    waitUntil(
      kafka,
      layout.kafkaLog,
      async () => (await brokerAnswers(layout.bootstrap)) && (await warmCoordinators(layout.bootstrap)),
    ),
    waitUntil(registry, layout.registryLog, () => registryAnswers(registryHealthUrl(layout))),
  ]);
  report(`Kafka bootstrap: ${layout.bootstrap}`);
  report(`Schema registry: ${layout.registryUrl}`);
  return {
    bootstrap: layout.bootstrap,
    registryUrl: layout.registryUrl,
    started: { kafka: startedKafka, registry: startedRegistry },
  };
}

export interface StackDownOptions {
  /** Also delete the broker's data (topics, offsets) and the registry's schemas; the jar cache is kept. */
  readonly purge?: boolean;
  readonly only?: { readonly kafka: boolean; readonly registry: boolean };
}

/** Stops the processes recorded in the pid files, and only those. */
export async function stackDown(
  options: StackOptions,
  down: StackDownOptions = {},
  report: Report = () => undefined,
): Promise<void> {
  const layout = stackLayout(options);
  const only = down.only ?? { kafka: true, registry: true };
  if (only.registry) {
    const stopped = await stopProcess(registryProcess(layout), 20_000);
    report(stopped ? 'Stopped the schema registry.' : 'The schema registry was not running.');
  }
  if (only.kafka) {
    const stopped = await stopProcess(kafkaProcess(layout), 60_000);
    report(stopped ? 'Stopped Kafka.' : 'Kafka was not running.');
  }
  if (down.purge === true) {
    // Both or neither: records in a kept broker name schema ids a fresh registry would reuse.
    await rm(layout.kafkaDataDir, { recursive: true, force: true });
    await rm(layout.registryDataDir, { recursive: true, force: true });
    report(`Deleted broker data in ${layout.kafkaDataDir} and registry data in ${layout.registryDataDir}.`);
  }
}

export interface ComponentStatus {
  readonly name: string;
  readonly pid: number | undefined;
  readonly answering: boolean;
  readonly address: string;
  readonly log: string;
}

export async function stackStatus(options: StackOptions): Promise<readonly ComponentStatus[]> {
  const layout = stackLayout(options);
  const [kafkaAnswers, registryAnswering] = await Promise.all([
    brokerAnswers(layout.bootstrap),
    registryAnswers(registryHealthUrl(layout)),
  ]);
  return [
    {
      name: `kafka ${KAFKA_VERSION}`,
      pid: runningPid(kafkaProcess(layout)),
      answering: kafkaAnswers,
      address: layout.bootstrap,
      log: layout.kafkaLog,
    },
    {
      name: `apicurio-registry ${APICURIO_VERSION}`,
      pid: runningPid(registryProcess(layout)),
      answering: registryAnswering,
      address: layout.registryUrl,
      log: layout.registryLog,
    },
  ];
}

async function assertPortsFree(layout: StackLayout, ports: readonly number[], what: string): Promise<void> {
  for (const port of ports) {
    if (!(await portIsFree(layout.options.host, port))) {
      throw new KretryError(
        'KRETRY_STACK',
        `Cannot start ${what}: ${layout.options.host}:${port} is already in use by a process this stack did not start. ` +
          'Stop that process, or choose other ports with KRETRY_STACK_KAFKA_PORT / KRETRY_STACK_CONTROLLER_PORT / KRETRY_STACK_REGISTRY_PORT.',
        { context: { port } },
      );
    }
  }
}

async function waitUntil(
  process_: ManagedProcess,
  logFile: string,
  answers: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await answers()) return;
    if (runningPid(process_) === undefined) {
      throw new KretryError(
        'KRETRY_STACK',
        `${process_.name} exited during start-up. Last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new KretryError(
        'KRETRY_STACK',
        `${process_.name} did not become ready within ${READY_TIMEOUT_MS / 1000}s. Last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    await delay(500);
  }
}

function tail(file: string): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
}
