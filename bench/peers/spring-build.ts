import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processEnv } from '../../src/config/env.js';
import { stackOptionsFrom } from '../../src/config/stack-options.js';
import { KretryError } from '../../src/errors.js';
import { requireTool } from '../../src/stack/tools.js';

/** The Maven project of the Spring Kafka @RetryableTopic peer, beside this file. */
export const SPRING_PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'spring-retryable');

const HEARTBEAT_MS = 10_000;
/** Maven colours its output even when piped. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** pom.xml and everything under src/: what decides the jar's content. */
async function projectSources(dir: string): Promise<string[]> {
  const walk = async (folder: string): Promise<string[]> => {
    const entries = await readdir(folder, { withFileTypes: true });
    const nested = await Promise.all(
      entries.map((e) =>
        e.isDirectory() ? walk(join(folder, e.name)) : Promise.resolve([join(folder, e.name)]),
      ),
    );
    return nested.flat();
  };
  const files = [join(dir, 'pom.xml'), ...(await walk(join(dir, 'src')))];
  // Sorted by a separator-independent relative path so the hash is the same on every machine.
  return files.sort((a, b) => portable(dir, a).localeCompare(portable(dir, b)));
}

const portable = (root: string, file: string): string => relative(root, file).split(sep).join('/');

/** A short content hash of the project's sources: a changed source names a new jar. */
export async function springSourcesHash(dir = SPRING_PROJECT_DIR): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await projectSources(dir)) {
    hash
      .update(portable(dir, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where built peer jars are kept between runs: beside the local stack's jars. */
export function benchPeersCacheDir(): string {
  return join(stackOptionsFrom(processEnv()).home, 'bench-peers');
}

/** Runs Maven, printing a heartbeat while it works (`-q` keeps it silent for minutes on a first run). */
function runMaven(dir: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('mvn', ['-q', '-B', '-Dstyle.color=never', 'package', '-DskipTests'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').replace(ANSI_COLOUR, '').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        log(`  mvn: ${line}`);
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const heartbeat = setInterval(() => {
      log(`  building the Spring peer with Maven... ${Math.round((Date.now() - started) / 1000)} s`);
    }, HEARTBEAT_MS);
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(new KretryError('KRETRY_STACK', `could not run mvn: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else reject(new KretryError('KRETRY_STACK', `mvn package failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}

/**
 * Returns the path of the peer's runnable jar, building it with Maven only when no jar for the
 * current sources is cached. The jar is copied under a temporary name and renamed into place, so
 * an interrupted build leaves no half jar behind and the next call builds again.
 */
export async function ensureSpringPeerJar(log: (line: string) => void = () => undefined): Promise<string> {
  const cacheDir = benchPeersCacheDir();
  const target = join(cacheDir, `spring-retryable-${await springSourcesHash()}.jar`);
  if (existsSync(target)) return target;
  await requireTool('java');
  await requireTool('mvn');
  log(`Building the Spring @RetryableTopic peer (first run only; Maven fetches Spring Boot into ~/.m2)...`);
  const started = Date.now();
  await runMaven(SPRING_PROJECT_DIR, log);
  await mkdir(cacheDir, { recursive: true });
  const staging = `${target}.${process.pid}.tmp`;
  try {
    await copyFile(join(SPRING_PROJECT_DIR, 'target', 'spring-retryable.jar'), staging);
    await rename(staging, target);
  } finally {
    await rm(staging, { force: true });
  }
  log(`Spring peer built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return target;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureSpringPeerJar((line) => void process.stderr.write(`${line}\n`)).then(
    (jar) => void process.stdout.write(`${jar}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
