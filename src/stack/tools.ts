import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KretryError } from '../errors.js';

const execFileAsync = promisify(execFile);

const INSTALL_HINT: Record<string, string> = {
  java: 'Install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17), or run the stack with Docker: docker compose up -d --wait.',
  mvn: 'Install Apache Maven (Debian/Ubuntu: apt-get install maven; macOS: brew install maven); it fetches the Kafka and registry jars from Maven Central on the first run only.',
  tar: 'Install tar (Debian/Ubuntu: apt-get install tar).',
  go: 'Install Go 1.24+ (https://go.dev/dl/); it builds promtool from the Go module proxy on the first run only.',
};

/** Fails with one message that names what to install when a command the stack needs is missing. */
export async function requireTool(name: 'java' | 'mvn' | 'tar' | 'go'): Promise<void> {
  const versionFlag = name === 'java' ? '-version' : name === 'go' ? 'version' : '--version';
  try {
    await execFileAsync(name, [versionFlag], { timeout: 60_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KretryError(
        'KRETRY_STACK',
        `${name === 'go' ? 'Checking the alerting rules' : 'The local stack'} needs \`${name}\`, which is not on PATH. ${INSTALL_HINT[name]}`,
        {
          cause: error,
        },
      );
    }
    throw new KretryError('KRETRY_STACK', `\`${name} ${versionFlag}\` failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Runs a command to completion; on failure the error carries the tail of its output. */
export async function run(
  command: string,
  args: readonly string[],
  cwd?: string,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, [...args], {
      cwd,
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    const output = `${failure.stdout ?? ''}\n${failure.stderr ?? ''}`
      .trim()
      .split('\n')
      .slice(-25)
      .join('\n');
    throw new KretryError('KRETRY_STACK', `\`${command} ${args.join(' ')}\` failed:\n${output}`, {
      cause: error,
    });
  }
}
