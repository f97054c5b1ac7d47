import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireTool, run } from './tools.js';

/**
 * Prometheus's module version whose cmd/promtool checks `deploy/prometheus/alerts.yml`
 * (Prometheus 3.7.3; the Go module numbers releases v0.<minor><patch>). Pinned so the check means
 * the same on every machine.
 */
export const PROMETHEUS_MODULE_VERSION = 'v0.307.3';

/** Where the built promtool is kept between runs, under the stack's cache folder. */
export function promtoolPath(home: string): string {
  return join(home, `promtool-${PROMETHEUS_MODULE_VERSION}`, 'promtool');
}

/**
 * Returns the path of promtool, building it once with Go from the module proxy. Prometheus ships
 * no npm, Maven or PyPI package of it, and `go install …/cmd/promtool@version` is refused because
 * Prometheus's go.mod has `exclude` directives; building it as a dependency of a throwaway module
 * works. The binary is renamed into place only when complete, so an interrupted build leaves
 * nothing behind and the next call builds again.
 */
export async function ensurePromtool(
  home: string,
  log: (line: string) => void = () => undefined,
): Promise<string> {
  const target = promtoolPath(home);
  if (existsSync(target)) return target;
  await requireTool('go');
  await mkdir(join(home, `promtool-${PROMETHEUS_MODULE_VERSION}`), { recursive: true });
  const work = await mkdtemp(join(home, 'promtool-build-'));
  try {
    log(`Building promtool ${PROMETHEUS_MODULE_VERSION} with Go (first run only; a few minutes)...`);
    await writeFile(join(work, 'go.mod'), 'module kretry.local/promtool\n\ngo 1.24\n');
    const env = { ...process.env, GOFLAGS: '-mod=mod' };
    await run('go', ['get', `github.com/prometheus/prometheus@${PROMETHEUS_MODULE_VERSION}`], work, env);
    const built = join(work, 'promtool');
    await run('go', ['build', '-o', built, 'github.com/prometheus/prometheus/cmd/promtool'], work, env);
    await rename(built, target);
    log(`promtool is in ${target}`);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
