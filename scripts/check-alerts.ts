/**
 * `npm run alerts:check`: checks deploy/prometheus/alerts.yml with `promtool check rules`, building
 * promtool once into the stack's cache folder (KRETRY_STACK_HOME, default ~/.cache/kretry).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { processEnv } from '../src/config/env.js';
import { stackOptionsFrom } from '../src/config/stack-options.js';
import { packageRoot } from '../src/package-root.js';
import { ensurePromtool } from '../src/stack/promtool.js';

const promtool = await ensurePromtool(stackOptionsFrom(processEnv()).home, (line) => console.error(line));
const rules = join(packageRoot(), 'deploy', 'prometheus', 'alerts.yml');
try {
  process.stdout.write(execFileSync(promtool, ['check', 'rules', rules], { encoding: 'utf8' }));
} catch (error) {
  const failure = error as { stdout?: string; stderr?: string };
  process.stderr.write(`${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  process.exitCode = 1;
}
