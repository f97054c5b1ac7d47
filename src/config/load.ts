import { readFileSync } from 'node:fs';
import { rulesProblem } from '../domain/retry-rules.js';
import { KretryError } from '../errors.js';
import { apiExposureProblem, configSchema, ENV_NAMES, resolveRoles, type Config } from './schema.js';

export interface ConfigSources {
  /** The process environment; only `KRETRY_*` names are read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A JSON file of keys as in the schema (camelCase); `KRETRY_CONFIG_FILE` names one too. */
  readonly file?: string | undefined;
  /** Command-line flags, already named as schema keys. */
  readonly flags?: Readonly<Record<string, unknown>>;
  /**
   * True for commands that run no role (dlq, endpoints, replay, topics): they skip the check that
   * refuses an admin API on a non-loopback address without a token, as they serve none.
   */
  readonly servesNothing?: boolean;
}

/** Environment names read by other parts (the local stack, the test harness), not the engine. */
const OTHER_KRETRY_NAMES = /^KRETRY_(STACK_.*|CONFIG_FILE)$/;

const KEY_BY_ENV = new Map<string, string>(Object.entries(ENV_NAMES).map(([key, env]) => [env, key]));

/**
 * Loads the one configuration: defaults < config file < environment < flags. Every bad or unknown
 * key is reported at once, named as the user wrote it (env name or file key), with what is allowed.
 */
export function loadConfig(sources: ConfigSources): Config {
  const problems: string[] = [];
  const fromEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(sources.env)) {
    if (!name.startsWith('KRETRY_') || value === undefined || OTHER_KRETRY_NAMES.test(name)) continue;
    const key = KEY_BY_ENV.get(name);
    if (key === undefined)
      problems.push(`  - ${name}: unknown setting; known: ${[...KEY_BY_ENV.keys()].join(', ')}`);
    else if (value !== '') fromEnv[key] = value;
  }

  const filePath = sources.file ?? sources.env['KRETRY_CONFIG_FILE'];
  const fromFile = filePath === undefined ? {} : readConfigFile(filePath);
  const merged = { ...fromFile, ...fromEnv, ...definedOnly(sources.flags ?? {}) };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push(`  - ${key}${origin(filePath)}: unknown setting`);
        continue;
      }
      const key = String(issue.path[0] ?? '(root)');
      const name = key in ENV_NAMES ? `${key} (${ENV_NAMES[key as keyof typeof ENV_NAMES]})` : key;
      problems.push(`  - ${name}: ${issue.message}`);
    }
  }
  const config = parsed.success ? { ...parsed.data, roles: resolveRoles(parsed.data) } : undefined;
  const exposure =
    config !== undefined && sources.servesNothing !== true ? apiExposureProblem(config) : undefined;
  if (exposure !== undefined) problems.push(`  - apiHost (${ENV_NAMES.apiHost}): ${exposure}`);
  const rules = config === undefined ? undefined : rulesProblem(config.retryOn, config.permanentOn);
  if (rules !== undefined)
    problems.push(`  - retryOn (${ENV_NAMES.retryOn}), permanentOn (${ENV_NAMES.permanentOn}): ${rules}`);
  if (config?.roles.includes('notifier') === true && config.notifyUrl === undefined)
    problems.push(`  - notifyUrl (${ENV_NAMES.notifyUrl}): role notifier needs somewhere to notify; set it`);
  if (problems.length > 0 || config === undefined) {
    throw new KretryError('KRETRY_CONFIG', `Invalid configuration:\n${problems.join('\n')}`);
  }
  return config;
}

function origin(filePath: string | undefined): string {
  return filePath === undefined ? '' : ` (in ${filePath})`;
}

function definedOnly(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KretryError(
      'KRETRY_CONFIG',
      `Cannot read the config file ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('the top level must be an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new KretryError(
      'KRETRY_CONFIG',
      `The config file ${path} is not a JSON object: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
