import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import {
  LOGICAL_TYPES,
  loadSchemas,
  SCHEMA_FILES,
  schema,
  type SchemaName,
} from '../../../src/kafka/schemas.js';
import { packageRoot } from '../../../src/package-root.js';

function git(args: string[]): string {
  return execFileSync('git', args, {
    cwd: packageRoot(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/**
 * The schemas as they were before the latest change to schemas/: the committed state when the
 * working tree changes them, otherwise the state before the last commit that changed them.
 */
function previousRevision(): string | undefined {
  const workingTreeChanged = (() => {
    try {
      git(['diff', '--quiet', 'HEAD', '--', 'schemas/']);
      return false;
    } catch {
      return true;
    }
  })();
  if (workingTreeChanged) return 'HEAD';
  const lastChange = git(['log', '-n', '1', '--format=%H', '--', 'schemas/']).trim();
  return lastChange === '' ? undefined : `${lastChange}^`;
}

function schemasAt(revision: string): ReadonlyMap<SchemaName, ReturnType<typeof schema>> {
  const present = SCHEMA_FILES.filter((name) => {
    try {
      git(['cat-file', '-e', `${revision}:schemas/${name}.avsc`]);
      return true;
    } catch {
      return false;
    }
  });
  return loadSchemas((name) => git(['show', `${revision}:schemas/${name}.avsc`]), present);
}

describe('schemas/', () => {
  it('parses every schema, self-contained', () => {
    for (const name of SCHEMA_FILES) {
      expect(schema(name).json['name']).toBe(`kretry.v1.${name}`);
    }
  });

  it('stays backward compatible with its previous committed version (new readers read old records)', () => {
    let revision: string | undefined;
    try {
      revision = previousRevision();
    } catch {
      revision = undefined; // not a git checkout (e.g. an npm tarball): nothing earlier to compare with
    }
    const previous: ReadonlyMap<SchemaName, ReturnType<typeof schema>> = revision === undefined
      ? new Map()
      : schemasAt(revision);
    for (const [name, old] of previous) {
      const current = schema(name);
      expect(
        () => current.type.createResolver(old.type),
        `${name} can no longer read its previous version`,
      ).not.toThrow();
    }
  });
});

/** The DeadLetter schema with its reason enum's symbols replaced, as another version would write it. */
function deadLetterWithReasons(symbols: readonly string[]): avro.Type {
  const json = JSON.parse(JSON.stringify(schema('DeadLetter').json)) as {
    fields: { name: string; type: unknown }[];
  };
  const reason = json.fields.find((f) => f.name === 'reason');
  if (reason === undefined) throw new Error('DeadLetter has no reason field');
  reason.type = { type: 'enum', name: 'kretry.v1.DeadLetterReason', symbols };
  return avro.Type.forSchema(json as avro.Schema, { logicalTypes: LOGICAL_TYPES });
}

const letter = (reason: string) => ({
  request: null,
  reason,
  lastStatus: 500,
  lastError: 'http_500',
  lastResponseBody: null,
  firstAttemptAt: 1_700_000_000_000,
  deadAt: 1_700_000_060_000,
  attempts: [],
  rawValue: null,
  source: null,
});

describe('DeadLetter reason', () => {
  const reader = schema('DeadLetter').type;

  it('reads a letter written before the split into max_attempts and max_age as exhausted', () => {
    const before = deadLetterWithReasons([
      'permanent_failure',
      'exhausted',
      'endpoint_disabled',
      'target_forbidden',
      'invalid_record',
    ]);
    const bytes = before.toBuffer(letter('exhausted'));
    expect(reader.fromBuffer(bytes, reader.createResolver(before))).toMatchObject({ reason: 'exhausted' });
  });

  it('reads a reason a newer writer added as its default, unknown', () => {
    const symbols = (
      reader.schema() as { fields: { name: string; type: { symbols: string[] } }[] }
    ).fields.find((f) => f.name === 'reason')?.type.symbols;
    const newer = deadLetterWithReasons([...(symbols ?? []), 'a_reason_from_the_future']);
    const bytes = newer.toBuffer(letter('a_reason_from_the_future'));
    expect(reader.fromBuffer(bytes, reader.createResolver(newer))).toMatchObject({ reason: 'unknown' });
  });

  it('keeps the default in the schema kretry registers (avsc leaves it out of Type#schema)', () => {
    const json = JSON.stringify(schema('DeadLetter').json);
    expect(json).toContain('"default":"unknown"');
    // The registered text, parsed again by another reader, resolves an unknown symbol the same way.
    const reparsed = avro.Type.forSchema(schema('DeadLetter').json as avro.Schema, {
      logicalTypes: LOGICAL_TYPES,
    });
    const newer = deadLetterWithReasons(['a_reason_from_the_future']);
    const bytes = newer.toBuffer(letter('a_reason_from_the_future'));
    expect(reparsed.fromBuffer(bytes, reparsed.createResolver(newer))).toMatchObject({ reason: 'unknown' });
  });
});
