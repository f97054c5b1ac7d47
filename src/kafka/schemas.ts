import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { KretryError } from '../errors.js';
import { packageRoot } from '../package-root.js';

/**
 * The schema files in `schemas/`, in dependency order: a file may name a type defined in a file
 * before it (e.g. ScheduledAttempt names kretry.v1.DeliveryRequest).
 */
export const SCHEMA_FILES = [
  'DeliveryRequest',
  'AttemptSummary',
  'ScheduledAttempt',
  'AttemptRecorded',
  'DeadLetter',
  'DeadLetterHandled',
  'EndpointHealth',
  'EndpointEvent',
  'EndpointConfig',
] as const;

export type SchemaName = (typeof SCHEMA_FILES)[number];

export interface LoadedSchema {
  readonly name: SchemaName;
  /** Self-contained: every named type inlined at its first use, as a registry needs it. */
  readonly json: Record<string, unknown>;
  readonly type: avro.Type;
}

/**
 * Timestamps stay epoch milliseconds (numbers) in code; registering the logical type keeps
 * `logicalType: timestamp-millis` in the schema kretry registers, which avsc drops otherwise.
 */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(value: unknown): unknown {
    return value;
  }
  override _toValue(value: unknown): unknown {
    return value;
  }
  /** Reads a writer's timestamp-millis or plain long (a schema registered by another client). */
  override _resolve(type: avro.Type): ((value: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? (value) => value : undefined;
  }
}

export const LOGICAL_TYPES = { 'timestamp-millis': TimestampMillis };

export function schemasDir(): string {
  return join(packageRoot(), 'schemas');
}

/** Parses the schema files from a folder (or from given texts, for compatibility checks). */
export function loadSchemas(
  readText: (name: SchemaName) => string = (name) => readFileSync(join(schemasDir(), `${name}.avsc`), 'utf8'),
  names: readonly SchemaName[] = SCHEMA_FILES,
): ReadonlyMap<SchemaName, LoadedSchema> {
  const registry: Record<string, avro.Type> = {};
  const loaded = new Map<SchemaName, LoadedSchema>();
  for (const name of names) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readText(name));
    } catch (error) {
      throw new KretryError(
        'KRETRY_SCHEMA',
        `schemas/${name}.avsc is not valid JSON: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(parsed as avro.Schema, { registry, logicalTypes: LOGICAL_TYPES });
    } catch (error) {
      throw new KretryError(
        'KRETRY_SCHEMA',
        `schemas/${name}.avsc is not a valid Avro schema: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const json = type.schema({ exportAttrs: true }) as Record<string, unknown>;
    loaded.set(name, { name, type, json: withEnumDefaults(json, registry) });
  }
  return loaded;
}

/**
 * Puts each enum's `default` back into an exported schema: avsc 5.7 reads it (EnumType keeps it and
 * resolves an unknown writer symbol to it, lib/types.js EnumType.prototype._update) but leaves it out
 * of `Type#schema()` (EnumType.prototype._deref writes only the symbols). Without it the registered
 * schema would not tell other readers what to read for a symbol they do not know.
 */
function withEnumDefaults(
  node: unknown,
  registry: Readonly<Record<string, avro.Type>>,
): Record<string, unknown> {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = visit(inner);
    if (copy['type'] === 'enum' && typeof copy['name'] === 'string') {
      const enumType = registry[copy['name']];
      const symbol =
        enumType instanceof avro.types.EnumType ? (enumType as { default?: unknown }).default : undefined;
      if (typeof symbol === 'string') copy['default'] = symbol;
    }
    return copy;
  };
  return visit(node) as Record<string, unknown>;
}

let defaults: ReadonlyMap<SchemaName, LoadedSchema> | undefined;

export function schema(name: SchemaName): LoadedSchema {
  defaults ??= loadSchemas();
  const found = defaults.get(name);
  if (found === undefined) throw new KretryError('KRETRY_INVARIANT', `schema ${name} was not loaded`);
  return found;
}
