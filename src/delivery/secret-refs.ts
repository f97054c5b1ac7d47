import type { Logger } from '../observability/logger.js';

const warned = new Set<string>();

/**
 * An endpoint's signing secrets as configured on the endpoints topic: literal `whsec_…` values or
 * `env:NAME` references to this process's environment (so the topic need not hold the secret).
 * An unresolvable reference is skipped with one warning naming the variable, never the value.
 */
export function resolveSecrets(
  configured: readonly string[],
  endpointId: string,
  logger: Logger,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const resolved: string[] = [];
  for (const entry of configured) {
    if (!entry.startsWith('env:')) {
      resolved.push(entry);
      continue;
    }
    const name = entry.slice('env:'.length);
    const value = env[name];
    if (value !== undefined && value !== '') {
      resolved.push(value);
    } else if (!warned.has(`${endpointId}/${name}`)) {
      warned.add(`${endpointId}/${name}`);
      logger.warn(
        { endpointId, variable: name },
        'signing secret reference is not set in this environment; skipped',
      );
    }
  }
  return resolved;
}
