import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';
import { killOnExit } from './lifetime.js';
import { SCENARIO_B_JITTER, SCENARIO_B_TIERS_MS, type Peer } from './peer.js';

/** The topic prefix of a kretry phase: the harness creates the deployment under it first. */
export function kretryPrefix(runId: string): string {
  return `${runId}.`;
}

/** KRETRY_TIERS for a list of delays in ms. */
export function kretryTiers(tiersMs: readonly number[]): string {
  return tiersMs.map((ms) => `${ms}ms`).join(',');
}

/**
 * kretry as an operator runs it: a `kretry start` child (as chaos/engine-process.ts starts it, but
 * keeping the pid, which the RSS sampler needs), configured by
 * KRETRY_* variables only. It reads Avro DeliveryRequests from `<runId>.ingest`, which the harness
 * fills (its `inputTopic` option names that topic). Roles `dispatcher,tiers`: what delivers and
 * retries; the projection and API have no counterpart in the peers. Per-attempt log lines are
 * off and the level is `warn`, as the peers log nothing per message either.
 */
export function createKretryPeer(schemaRegistryUrl: string): Peer {
  return {
    name: 'kretry',
    async start(o) {
      const env: Record<string, string> = {};
      // The harness's own KRETRY_* (e.g. the broker it was pointed at) must not leak into the engine.
      for (const [name, value] of Object.entries(process.env))
        if (!name.startsWith('KRETRY_') && value !== undefined) env[name] = value;
      Object.assign(env, {
        KRETRY_BROKERS: o.brokers,
        KRETRY_SCHEMA_REGISTRY_URL: schemaRegistryUrl,
        KRETRY_TOPIC_PREFIX: kretryPrefix(o.runId),
        KRETRY_PARTITIONS: String(o.partitions),
        KRETRY_CONCURRENCY: String(o.concurrency),
        KRETRY_TIERS: kretryTiers(o.tiersMs ?? SCENARIO_B_TIERS_MS),
        KRETRY_JITTER: String(SCENARIO_B_JITTER),
        KRETRY_ROLES: 'dispatcher,tiers',
        KRETRY_ALLOW_PRIVATE_TARGETS: 'true',
        KRETRY_LOG_LEVEL: 'warn',
        KRETRY_LOG_ATTEMPTS: 'false',
        KRETRY_SHUTDOWN_TIMEOUT: '10s',
      });
      const log = openSync(join(tmpdir(), `bench-compare-${o.runId}-kretry.log`), 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
        cwd: packageRoot(),
        env,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      killOnExit(child);
      await new Promise<void>((resolve, reject) => {
        child.once('error', reject);
        child.once('spawn', resolve);
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return {
        pid: child.pid ?? 0,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(timer);
        },
      };
    },
  };
}
