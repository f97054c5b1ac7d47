import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { StackOptions } from '../stack/layout.js';
import { formatZodIssues } from './zod-errors.js';
import { KretryError } from '../errors.js';

const port = z.coerce.number().int().min(1).max(65_535);

/** The local stack's own settings; separate from the engine's because they describe a dev tool. */
export const stackEnvSchema = z.object({
  /** @defaultValue `~/.cache/kretry` (or `$XDG_CACHE_HOME/kretry`) */
  KRETRY_STACK_HOME: z.string().min(1).optional(),
  /** @defaultValue 9092 */
  KRETRY_STACK_KAFKA_PORT: port.default(9092),
  /** @defaultValue 9093 */
  KRETRY_STACK_CONTROLLER_PORT: port.default(9093),
  /** @defaultValue 8081 */
  KRETRY_STACK_REGISTRY_PORT: port.default(8081),
});

export function stackOptionsFrom(env: Readonly<Record<string, string | undefined>>): StackOptions {
  const parsed = stackEnvSchema.safeParse({
    KRETRY_STACK_HOME: env['KRETRY_STACK_HOME'],
    KRETRY_STACK_KAFKA_PORT: env['KRETRY_STACK_KAFKA_PORT'],
    KRETRY_STACK_CONTROLLER_PORT: env['KRETRY_STACK_CONTROLLER_PORT'],
    KRETRY_STACK_REGISTRY_PORT: env['KRETRY_STACK_REGISTRY_PORT'],
  });
  if (!parsed.success) {
    throw new KretryError(
      'KRETRY_CONFIG',
      `Invalid local stack configuration:\n${formatZodIssues(parsed.error)}`,
    );
  }
  const cacheRoot = env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return {
    home: parsed.data.KRETRY_STACK_HOME ?? join(cacheRoot, 'kretry'),
    host: '127.0.0.1',
    kafkaPort: parsed.data.KRETRY_STACK_KAFKA_PORT,
    controllerPort: parsed.data.KRETRY_STACK_CONTROLLER_PORT,
    registryPort: parsed.data.KRETRY_STACK_REGISTRY_PORT,
  };
}
