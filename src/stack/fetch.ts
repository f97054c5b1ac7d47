import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KretryError } from '../errors.js';
import type { StackLayout } from './layout.js';
import { requireTool, run } from './tools.js';
import { APICURIO_VERSION, DEPENDENCY_PLUGIN, KAFKA_VERSION } from './versions.js';

export type Report = (line: string) => void;

const COMPLETE_MARKER = '.kretry-complete';

function mavenArgs(layout: StackLayout): string[] {
  return ['-B', '-q', `-Dmaven.repo.local=${layout.mavenRepo}`];
}

/**
 * Fetches the broker's classpath into the cache, once. The classpath is the runtime dependencies
 * of `kafka_2.13` plus the log4j2 SLF4J binding at the log4j version Kafka itself resolves: the
 * release tarball ships that binding but the POM does not, and without it the broker logs nothing.
 */
export async function ensureKafkaJars(layout: StackLayout, report: Report): Promise<void> {
  if (existsSync(join(layout.kafkaLibs, COMPLETE_MARKER))) return;
  await requireTool('mvn');
  report(
    `Fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${layout.kafkaHome} (first run only)…`,
  );
  const staging = `${layout.kafkaHome}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(
    join(staging, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kretry.local</groupId><artifactId>kafka-classpath</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
  </dependencies>
</project>
`,
  );
  const libs = join(staging, 'libs');
  await run(
    'mvn',
    [
      ...mavenArgs(layout),
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    staging,
  );
  const log4jCore = (await readdir(libs))
    .map((name) => /^log4j-core-(.+)\.jar$/.exec(name)?.[1])
    .find(Boolean);
  if (log4jCore === undefined) {
    throw new KretryError(
      'KRETRY_STACK',
      `Kafka ${KAFKA_VERSION} resolved no log4j-core jar; cannot pick the SLF4J binding.`,
    );
  }
  await run(
    'mvn',
    [
      ...mavenArgs(layout),
      `${DEPENDENCY_PLUGIN}:copy`,
      `-Dartifact=org.apache.logging.log4j:log4j-slf4j-impl:${log4jCore}`,
      `-DoutputDirectory=${libs}`,
    ],
    staging,
  );
  await writeFile(join(libs, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
  await rm(layout.kafkaHome, { recursive: true, force: true });
  await rename(staging, layout.kafkaHome);
}

/** Fetches and unpacks Apicurio Registry's Quarkus assembly into the cache, once. */
export async function ensureRegistry(layout: StackLayout, report: Report): Promise<void> {
  if (existsSync(join(layout.registryHome, COMPLETE_MARKER))) return;
  await requireTool('mvn');
  await requireTool('tar');
  report(
    `Fetching Apicurio Registry ${APICURIO_VERSION} from Maven Central into ${layout.registryHome} (first run only)…`,
  );
  const staging = `${layout.registryHome}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await run(
    'mvn',
    [
      ...mavenArgs(layout),
      `${DEPENDENCY_PLUGIN}:copy`,
      `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`,
      `-DoutputDirectory=${staging}`,
    ],
    staging,
  );
  const archive = join(staging, `apicurio-registry-app-${APICURIO_VERSION}-all.tar.gz`);
  await run('tar', ['xzf', archive, '-C', staging]);
  await rm(archive);
  await writeFile(join(staging, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
  await rm(layout.registryHome, { recursive: true, force: true });
  await rename(staging, layout.registryHome);
}
