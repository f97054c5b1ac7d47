import { join } from 'node:path';
import { APICURIO_VERSION, KAFKA_VERSION } from './versions.js';

export interface StackOptions {
  /** Cache and state folder; jars are kept here between runs. */
  readonly home: string;
  readonly kafkaPort: number;
  readonly controllerPort: number;
  readonly registryPort: number;
  readonly host: string;
}

/** Where every file of the local stack lives, derived from its options alone. */
export interface StackLayout {
  readonly options: StackOptions;
  readonly mavenRepo: string;
  readonly kafkaHome: string;
  readonly kafkaLibs: string;
  readonly registryHome: string;
  readonly registryJar: string;
  readonly runDir: string;
  readonly kafkaDataDir: string;
  readonly kafkaConfig: string;
  readonly kafkaLog4j: string;
  readonly kafkaLog: string;
  readonly kafkaPidFile: string;
  readonly registryLog: string;
  readonly registryPidFile: string;
  /** The registry's H2 database files: schemas and their ids survive restarts. */
  readonly registryDataDir: string;
  readonly bootstrap: string;
  readonly registryUrl: string;
}

export function stackLayout(options: StackOptions): StackLayout {
  const kafkaHome = join(options.home, `kafka-${KAFKA_VERSION}`);
  const registryHome = join(options.home, `apicurio-registry-${APICURIO_VERSION}`);
  const runDir = join(options.home, 'run');
  return {
    options,
    mavenRepo: join(options.home, 'm2'),
    kafkaHome,
    kafkaLibs: join(kafkaHome, 'libs'),
    registryHome,
    registryJar: join(registryHome, `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`),
    runDir,
    kafkaDataDir: join(runDir, 'kafka-data'),
    kafkaConfig: join(runDir, 'server.properties'),
    kafkaLog4j: join(runDir, 'log4j2.properties'),
    kafkaLog: join(runDir, 'kafka.log'),
    kafkaPidFile: join(runDir, 'kafka.pid'),
    registryLog: join(runDir, 'registry.log'),
    registryPidFile: join(runDir, 'registry.pid'),
    registryDataDir: join(runDir, 'registry-data'),
    bootstrap: `${options.host}:${options.kafkaPort}`,
    registryUrl: `http://${options.host}:${options.registryPort}/apis/ccompat/v7`,
  };
}
