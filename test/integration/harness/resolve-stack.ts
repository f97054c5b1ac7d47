import { existsSync } from 'node:fs';
import { processEnv } from '../../../src/config/env.js';
import { stackOptionsFrom } from '../../../src/config/stack-options.js';
import { stackDown, stackUp } from '../../../src/stack/stack.js';
import { anyFreePort } from '../../../src/stack/processes.js';

export type StackSource = 'environment' | 'testcontainers' | 'local';

export interface ResolvedStack {
  readonly source: StackSource;
  readonly brokers: string;
  readonly registryUrl: string;
  /** Stops what this test run started, and nothing else. */
  readonly teardown: () => Promise<void>;
}

const log = (line: string): void => {
  process.stderr.write(`[kretry test stack] ${line}\n`);
};

/**
 * Where the integration tests find a real broker and registry, in order:
 * 1. KRETRY_BROKERS / KRETRY_SCHEMA_REGISTRY_URL, when set;
 * 2. Testcontainers, when a Docker engine answers;
 * 3. the project's local stack (Kafka and Apicurio from Maven Central jars), started if needed.
 */
export async function resolveStack(): Promise<ResolvedStack> {
  const env = processEnv();
  const brokers = env['KRETRY_BROKERS'];
  if (brokers !== undefined && brokers !== '') {
    const registryUrl = env['KRETRY_SCHEMA_REGISTRY_URL'];
    if (registryUrl === undefined || registryUrl === '') {
      throw new Error(
        'KRETRY_BROKERS is set but KRETRY_SCHEMA_REGISTRY_URL is not: the integration tests need both.',
      );
    }
    log(`using KRETRY_BROKERS=${brokers} and KRETRY_SCHEMA_REGISTRY_URL=${registryUrl}`);
    return { source: 'environment', brokers, registryUrl, teardown: () => Promise.resolve() };
  }
  if (await dockerEngineAnswers()) return startWithTestcontainers();
  return startLocalStack(env['KRETRY_STACK_KEEP'] === 'true');
}

async function dockerEngineAnswers(): Promise<boolean> {
  const env = processEnv();
  const socketHints = [
    env['DOCKER_HOST'],
    '/var/run/docker.sock',
    `${env['HOME'] ?? ''}/.docker/run/docker.sock`,
  ];
  if (
    !socketHints.some(
      (hint) => hint !== undefined && hint !== '' && (hint.includes('://') || existsSync(hint)),
    )
  ) {
    return false;
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startLocalStack(keep: boolean): Promise<ResolvedStack> {
  const options = stackOptionsFrom(processEnv());
  // Reusing a running stack takes a moment and has nothing to report. Starting one takes up to
  // minutes (the first run downloads about 300 MB), so its progress shows once it is that slow,
  // and whenever it starts something or fails.
  const held: string[] = [];
  let live = false;
  const slow = setTimeout(() => {
    live = true;
    held.splice(0).forEach(log);
  }, 2_000);
  const progress = (line: string): void => {
    if (live) log(line);
    else held.push(line);
  };
  const result = await stackUp(options, progress)
    .catch((error: unknown) => {
      held.splice(0).forEach(log);
      throw error;
    })
    .finally(() => clearTimeout(slow));
  const startedAny = result.started.kafka || result.started.registry;
  if (startedAny) {
    held.splice(0).forEach(log);
    log('started the local stack for this run');
  }
  return {
    source: 'local',
    brokers: result.bootstrap,
    registryUrl: result.registryUrl,
    teardown: async () => {
      if (!startedAny || keep) return;
      await stackDown(options, { only: result.started }, log);
    },
  };
}

/** The same images as docker-compose.yml. Untested on the Docker-less CI machine. */
async function startWithTestcontainers(): Promise<ResolvedStack> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // The broker advertises the address clients use, so it listens on the same port inside and out.
  const port = await anyFreePort();
  log(`starting apache/kafka and apicurio-registry with Testcontainers (broker on localhost:${port})`);
  const kafka = await new GenericContainer('apache/kafka:4.1.1')
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://0.0.0.0:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer('apicurio/apicurio-registry:3.0.9')
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/health/ready', 8080))
    .start();
  return {
    source: 'testcontainers',
    brokers: `localhost:${port}`,
    registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
    teardown: async () => {
      await registry.stop();
      await kafka.stop();
    },
  };
}
