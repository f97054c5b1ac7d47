import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyToTree, program } from '../../../src/cli/program.js';
import { packageRoot } from '../../../src/package-root.js';
import { readmeCommands, simpleCommands, type ShellCommand } from './readme-shell.js';

/**
 * Every command the README shows must run as written on a fresh clone after `npm ci`. For each
 * `kretry` command (`npx kretry …`, `node dist/src/cli/main.js …`, or an npm script that runs the
 * CLI) this checks, without a broker:
 *
 * 1. commander accepts it: the subcommand exists, every option exists and takes the value given,
 *    choices and arity hold. It is parsed by the real command tree, stopped just before the action.
 *    (`--help` alone proves little: commander answers it with exit 0 before it looks at the rest,
 *    and for an unknown subcommand it prints the parent's help, also with exit 0.)
 * 2. the README's form of it, with `--help` appended, exits 0 and prints the help of that same
 *    command, from the CLI `npm run build` just built: `npx kretry` runs the package's bin (as npx
 *    does for a project's own bin; one real `npx kretry --help` proves that resolution),
 *    `node dist/…` and npm scripts run literally.
 *
 * Commands of other tools (curl, jq, export) are not run; `npm run <script>` must name a script.
 */

const root = packageRoot();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const BIN = manifest.bin['kretry'];
const BUILT_MAIN = 'dist/src/cli/main.js';
/** npm's own commands the README may show; any other `npm <word>` must be a script of package.json. */
const NPM_BUILTINS = new Set(['ci', 'install', 'i', 'link', 'pack', 'exec']);

/** How a README command reaches the CLI: the kretry arguments and how to run it as written. */
type Invocation =
  | { readonly kind: 'kretry'; readonly args: readonly string[]; readonly run: readonly string[] }
  | { readonly kind: 'npm-script'; readonly script: string }
  | { readonly kind: 'other' };

/** The kretry arguments of a command line that runs the CLI itself, if it does. */
function cliArgs(words: readonly string[]): string[] | undefined {
  const [tool, file = '', ...rest] = words;
  const known =
    (tool === 'npx' && file === 'kretry') ||
    ((tool === 'node' || tool === 'tsx') &&
      [BUILT_MAIN, BIN, 'src/cli/main.ts'].includes(file.replace(/^\.\//, '')));
  if (!known) return undefined;
  // After `--` an appended --help would be an operand, and the command would really run.
  if (rest.includes('--'))
    throw new Error(`a kretry command with \`--\` cannot be checked: ${words.join(' ')}`);
  return rest;
}

function invocation(words: readonly string[]): Invocation {
  const direct = cliArgs(words);
  if (direct !== undefined) {
    return words[0] === 'npx'
      ? { kind: 'kretry', args: direct, run: [process.execPath, BIN!, ...direct] }
      : { kind: 'kretry', args: direct, run: [...words] };
  }
  if (words.includes('kretry')) {
    // A bare `kretry` is not on PATH in a clone; `npx -y kretry` and the like are forms this
    // test does not know how to check. Either way the README must not show them untested.
    throw new Error(`an invocation of kretry this test does not know: ${words.join(' ')}`);
  }
  if (words[0] !== 'npm') return { kind: 'other' };
  const [, sub, name, ...rest] = words;
  if (sub === undefined || NPM_BUILTINS.has(sub)) return { kind: 'other' };
  const script = sub === 'run' || sub === 'run-script' ? name : sub;
  const extra = sub === 'run' || sub === 'run-script' ? rest : [name, ...rest].filter((w) => w !== undefined);
  if (script === undefined || manifest.scripts[script] === undefined) {
    throw new Error(`npm ${sub} ${script ?? ''}: package.json has no such script`);
  }
  const scriptCommands = simpleCommands(manifest.scripts[script]);
  const runsCli = scriptCommands.length === 1 ? cliArgs(scriptCommands[0]!) : undefined;
  if (runsCli === undefined) return { kind: 'npm-script', script };
  const passed = extra[0] === '--' ? extra.slice(1) : extra;
  if (passed.includes('--'))
    throw new Error(`a kretry command with \`--\` cannot be checked: ${words.join(' ')}`);
  // npm keeps the arguments after its own `--` for the script, so --help reaches kretry.
  const run = extra[0] === '--' ? [...words] : [...words, '--'];
  return { kind: 'kretry', args: [...runsCli, ...passed], run };
}

class ActionReached extends Error {
  constructor(readonly path: string) {
    super(`reached ${path}`);
  }
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent != null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Parses `args` with the real command tree; resolves to the command whose action would run. */
async function resolveWithCommander(args: readonly string[]): Promise<string> {
  const tree = program();
  let output = '';
  applyToTree(tree, (command) =>
    command.configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) }),
  );
  tree.hook('preAction', (_root, actionCommand) => {
    throw new ActionReached(pathOf(actionCommand));
  });
  try {
    await tree.parseAsync(['node', 'kretry', ...args]);
  } catch (error) {
    if (error instanceof ActionReached) return error.path;
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      return usagePath(output) ?? '';
    }
    throw new Error(`kretry ${args.join(' ')}: ${(error as Error).message}\n${output}`, { cause: error });
  }
  throw new Error(`kretry ${args.join(' ')}: ran no action and printed no help\n${output}`);
}

/** `Usage: kretry dlq tail [options]` → `dlq tail`. */
function usagePath(help: string): string | undefined {
  const usage = /^Usage: kretry((?: [a-z][\w-]*)*)/m.exec(help);
  return usage?.[1]?.trim();
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Nothing a mistaken run could reach: no broker, no registry, and a stack home of its own. */
function sandboxEnv(stackHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KRETRY_')) env[name] = value;
  return {
    ...env,
    KRETRY_BROKERS: '127.0.0.1:1',
    KRETRY_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1',
    KRETRY_STACK_HOME: stackHome,
    KRETRY_STACK_KAFKA_PORT: '1',
    KRETRY_STACK_CONTROLLER_PORT: '2',
    KRETRY_STACK_REGISTRY_PORT: '3',
  };
}

function run(argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    const child = spawn(command!, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** At most `limit` children at once: two cores are shared with a broker and other test files. */
function limited(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    while (active >= limit) await new Promise<void>((wake) => queue.push(wake));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const commands: readonly ShellCommand[] = readmeCommands(readFileSync(join(root, 'README.md'), 'utf8'));
const classified = commands.map((command) => {
  try {
    return { command, invocation: invocation(command.words) };
  } catch (error) {
    return { command, invocation: error as Error };
  }
});
const kretryCommands = classified.filter(
  (c): c is { command: ShellCommand; invocation: Extract<Invocation, { kind: 'kretry' }> } =>
    !(c.invocation instanceof Error) && c.invocation.kind === 'kretry',
);

describe('the README commands', () => {
  let stackHome: string;
  const helpRuns = new Map<string, Promise<Ran>>();
  const slot = limited(3);
  const withHelp = (argv: readonly string[]): Promise<Ran> => {
    const full = [...argv, '--help'];
    const key = JSON.stringify(full);
    let ran = helpRuns.get(key);
    if (ran === undefined) {
      ran = slot(() => run(full, sandboxEnv(stackHome)));
      helpRuns.set(key, ran);
    }
    return ran;
  };

  beforeAll(async () => {
    stackHome = mkdtempSync(join(tmpdir(), 'kretry-readme-'));
    // The CLI under test is the one the README's build command makes from this source, not
    // whatever dist/ an earlier build left behind.
    const build = await run(['npm', 'run', 'build'], process.env, 120_000);
    expect(build.code, `npm run build failed:\n${build.stdout}${build.stderr}`).toBe(0);
  }, 150_000);

  afterAll(() => rmSync(stackHome, { recursive: true, force: true }));

  it(`shows ${kretryCommands.length} kretry commands (of ${commands.length}), only in forms this test can check`, () => {
    expect(kretryCommands.length).toBeGreaterThan(20);
    const unknown = classified.flatMap(({ command, invocation: i }) =>
      i instanceof Error ? [`${command.where}: ${i.message}`] : [],
    );
    expect(unknown).toEqual([]);
  });

  // Each command is one test, named by where the README shows it; they run side by side, at most
  // three children at a time.
  it.concurrent.for(
    kretryCommands.map((c) => ({ name: `${c.command.where} ${c.command.text}`, cli: c.invocation })),
  )(
    '$name: commander accepts it; with --help it exits 0 with that command’s help',
    { timeout: 120_000 },
    async ({ cli }, { expect }) => {
      const path = await resolveWithCommander(cli.args);
      const ran = await withHelp(cli.run);
      expect(ran.code, `${cli.run.join(' ')} --help\n${ran.stdout}${ran.stderr}`).toBe(0);
      expect(usagePath(ran.stdout)).toBe(path);
    },
  );

  it('`npx kretry` resolves to the project’s own CLI in a clone', async () => {
    // npx runs a project's own bin through its cache (npm ≥ 10: libnpmexec's hasPkgBin), so this
    // is the one place the test goes through npm itself.
    const ran = await slot(() => run(['npx', 'kretry', '--help'], sandboxEnv(stackHome)));
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^Usage: kretry \[options\] \[command\]/m);
  }, 120_000);

  it('the built CLI finds its runtime files (schemas/) from dist/', async () => {
    const script = [
      `const { packageRoot } = await import('./dist/src/package-root.js');`,
      `const { loadSchemas, SCHEMA_FILES } = await import('./dist/src/kafka/schemas.js');`,
      `process.stdout.write(JSON.stringify({ root: packageRoot(), loaded: [...loadSchemas().keys()], all: SCHEMA_FILES }));`,
    ].join('\n');
    const ran = await slot(() => run([process.execPath, '--input-type=module', '-e', script], process.env));
    expect(ran.code, ran.stderr).toBe(0);
    const {
      root: builtRoot,
      loaded,
      all,
    } = JSON.parse(ran.stdout) as {
      root: string;
      loaded: string[];
      all: string[];
    };
    expect(builtRoot).toBe(root);
    expect(loaded).toEqual(all);
  }, 60_000);
});
