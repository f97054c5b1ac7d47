import type { StackLayout } from './layout.js';
import type { ManagedProcess } from './processes.js';

export function registryProcess(layout: StackLayout): ManagedProcess {
  return {
    name: 'registry',
    pidFile: layout.registryPidFile,
    marker: `-Dkretry.stack=${layout.options.home}/registry`,
  };
}

/**
 * Apicurio 3 keeps its schemas in SQL storage, by default an in-memory H2 database
 * (`apicurio.datasource.url=jdbc:h2:mem:…` in the runner jar's application.properties), so a
 * restarted registry came back empty and handed out the same ids to other schemas: records written
 * before the restart then decoded as the wrong type or not at all. The local stack points the same
 * storage at an H2 file under the stack's run folder instead. `WRITE_DELAY=0` makes H2 write each
 * commit at once: with H2's default 500 ms delay, a schema registered just before a `kill -9` was
 * gone after the restart (tried on 3.0.9). Kafka-backed storage (`kafkasql`) would also persist,
 * but it makes the registry depend on the broker it serves and start only after it.
 */
export function registryStartArgs(layout: StackLayout): string[] {
  return [
    '-Xms128m',
    '-Xmx512m',
    `-Dkretry.stack=${layout.options.home}/registry`,
    `-Dquarkus.http.host=${layout.options.host}`,
    `-Dquarkus.http.port=${layout.options.registryPort}`,
    `-Dapicurio.datasource.url=${registryDatasourceUrl(layout.registryDataDir)}`,
    '-jar',
    layout.registryJar,
  ];
}

export function registryHealthUrl(layout: StackLayout): string {
  return `http://${layout.options.host}:${layout.options.registryPort}/health/ready`;
}

/** The JDBC URL of the registry's file storage in `dir`. */
export function registryDatasourceUrl(dir: string): string {
  return `jdbc:h2:file:${dir}/registry;WRITE_DELAY=0`;
}
