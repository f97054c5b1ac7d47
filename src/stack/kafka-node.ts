import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StackLayout } from './layout.js';
import type { ManagedProcess } from './processes.js';
import { run } from './tools.js';

export function kafkaProcess(layout: StackLayout): ManagedProcess {
  return {
    name: 'kafka',
    pidFile: layout.kafkaPidFile,
    marker: `-Dkretry.stack=${layout.options.home}/kafka`,
  };
}

/**
 * One combined broker+controller node. On a single node the internal topics must have replication
 * factor 1 (and the transaction log min ISR 1) or transactions never initialise. Fewer internal
 * partitions and no initial rebalance delay make group joins fast for tests; automatic topic
 * creation is off so a misspelt topic is an error instead of a silent new topic.
 */
export function serverProperties(layout: StackLayout): string {
  const { host, kafkaPort, controllerPort } = layout.options;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${kafkaPort},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${layout.kafkaDataDir}`,
    'num.partitions=3',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.check.interval.ms=60000',
    '',
  ].join('\n');
}

const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
`;

export async function writeKafkaConfig(layout: StackLayout): Promise<void> {
  await mkdir(layout.runDir, { recursive: true });
  await writeFile(layout.kafkaConfig, serverProperties(layout));
  await writeFile(layout.kafkaLog4j, LOG4J2);
}

function javaArgs(layout: StackLayout, heap: string): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${layout.kafkaLog4j}`,
    `-Dkretry.stack=${layout.options.home}/kafka`,
    '-cp',
    `${layout.kafkaLibs}/*`,
  ];
}

/** Kafka's random cluster id: 16 bytes in URL-safe base64, as `kafka-storage random-uuid` prints. */
function randomClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** Formats the KRaft storage once; a formatted log dir keeps its cluster id across restarts. */
export async function formatStorageIfNeeded(layout: StackLayout): Promise<boolean> {
  if (existsSync(join(layout.kafkaDataDir, 'meta.properties'))) return false;
  await run('java', [
    ...javaArgs(layout, '256m'),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    randomClusterId(),
    '-c',
    layout.kafkaConfig,
    '--standalone',
  ]);
  return true;
}

export function kafkaStartArgs(layout: StackLayout): string[] {
  return [...javaArgs(layout, '768m'), 'kafka.Kafka', layout.kafkaConfig];
}
