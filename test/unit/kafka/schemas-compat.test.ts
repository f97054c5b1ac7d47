import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadSchemas, SCHEMA_FILES, schema, type SchemaName } from '../../../src/kafka/schemas.js';
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
