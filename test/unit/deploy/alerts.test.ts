import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../../../src/config/env.js';
import { stackOptionsFrom } from '../../../src/config/stack-options.js';
import { packageRoot } from '../../../src/package-root.js';
import { ensurePromtool, promtoolPath } from '../../../src/stack/promtool.js';

const home = stackOptionsFrom(processEnv()).home;
const rulesFile = join(packageRoot(), 'deploy', 'prometheus', 'alerts.yml');
const rules = readFileSync(rulesFile, 'utf8');
// promtool is built with Go on the first run; without Go (and no cached build) this cannot run.
const canCheck = existsSync(promtoolPath(home)) || spawnSync('go', ['version']).status === 0;

function promtool(path: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(path, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Every metric name kretry registers, read from its source (prom-client `name:` fields). */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/name: '(kretry_[a-z_]+)'/g))
          names.add(m[1] ?? '');
    }
  };
  walk(join(packageRoot(), 'src'));
  return names;
}

describe('deploy/prometheus/alerts.yml', () => {
  it('names only metrics kretry registers', () => {
    const known = registeredMetrics();
    const used = new Set([...rules.matchAll(/\b(kretry_[a-z_]+)/g)].map((m) => m[1] ?? ''));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(known, name).toContain(name.replace(/_(bucket|sum|count)$/, ''));
  });

  describe.skipIf(!canCheck)('promtool', () => {
    let path = '';
    beforeAll(async () => {
      path = await ensurePromtool(home);
    }, 20 * 60_000);

    it('passes `promtool check rules`', () => {
      const result = promtool(path, ['check', 'rules', rulesFile]);
      expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(result.status).toBe(0);
    });

    it('is a real check: a broken expression fails it', () => {
      const broken = join(mkdtempSync(join(tmpdir(), 'kretry-alerts-')), 'alerts.yml');
      writeFileSync(broken, rules.replace('> 10000', '> > 10000'));
      const result = promtool(path, ['check', 'rules', broken]);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(/KretryConsumerLagHigh|parse error/);
    });

    it('fires each alert on the series it is written for (`promtool test rules`)', () => {
      const tests = join(packageRoot(), 'deploy', 'prometheus', 'alerts.test.yml');
      const output = execFileSync(path, ['test', 'rules', tests], {
        encoding: 'utf8',
        cwd: join(packageRoot(), 'deploy', 'prometheus'),
      });
      expect(output).toMatch(/SUCCESS/);
    });
  });
});
