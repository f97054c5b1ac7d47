import { processEnv } from '../config/env.js';
import { KretryError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { stackOptionsFrom } from '../config/stack-options.js';
import type { ConnectedConfig } from '../roles/engine.js';
import { stackUp } from '../stack/stack.js';

/**
 * The embedded default: with no broker configured, kretry runs on the local stack, starting it if
 * needed. With a broker configured, a registry must be configured too.
 */
export async function connectedConfig(
  config: Config,
  progress: (line: string) => void,
): Promise<ConnectedConfig & { embedded: boolean }> {
  if (config.brokers !== undefined) {
    if (config.schemaRegistryUrl === undefined) {
      throw new KretryError(
        'KRETRY_CONFIG',
        'Invalid configuration:\n  - schemaRegistryUrl (KRETRY_SCHEMA_REGISTRY_URL): required when brokers (KRETRY_BROKERS) is set',
      );
    }
    return {
      ...config,
      brokers: config.brokers,
      schemaRegistryUrl: config.schemaRegistryUrl,
      embedded: false,
    };
  }
  progress('No KRETRY_BROKERS configured: using the local stack (starting it if needed).');
  const stack = await stackUp(stackOptionsFrom(processEnv()), progress);
  return {
    ...config,
    brokers: [stack.bootstrap],
    schemaRegistryUrl: config.schemaRegistryUrl ?? stack.registryUrl,
    embedded: true,
  };
}
