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
 * Apicurio's default storage is an in-memory H2 database, so a restarted registry is empty; kretry
 * registers its schemas at start, so nothing depends on the registry surviving.
 */
export function registryStartArgs(layout: StackLayout): string[] {
  return [
    '-Xms128m',
    '-Xmx512m',
    `-Dkretry.stack=${layout.options.home}/registry`,
    `-Dquarkus.http.host=${layout.options.host}`,
    `-Dquarkus.http.port=${layout.options.registryPort}`,
    '-jar',
    layout.registryJar,
  ];
}

export function registryHealthUrl(layout: StackLayout): string {
  return `http://${layout.options.host}:${layout.options.registryPort}/health/ready`;
}
