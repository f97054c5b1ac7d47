import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_NAMES } from '../../../src/config/schema.js';
import { packageRoot } from '../../../src/package-root.js';

/**
 * No Docker engine runs here, so docker-compose.yml is checked statically: against the Compose
 * Specification's JSON schema (vendored in test/fixtures), and for the wiring between its services
 * and the files it mounts. Whether the images pull, build and start is not checked (README, Docker).
 */
const root = packageRoot();
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

interface Service {
  profiles?: string[];
  build?: string | { context: string };
  image?: string;
  entrypoint?: string[];
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  env_file?: { path: string; required: boolean }[];
  ports?: string[];
  volumes?: string[];
  configs?: { source: string; target: string }[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
  configs?: Record<string, { environment?: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const service = (name: string): Service => {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const KNOWN_ENV = new Set<string>(Object.values(ENV_NAMES));

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const schema = JSON.parse(read('test/fixtures/compose-spec.json')) as Record<string, unknown>;
    // The schema names draft-07 by an https URL ajv does not know; its keywords are draft-07's.
    delete schema['$schema'];
    const valid = ajv.validate(schema, compose);
    expect(ajv.errors ?? [], ajv.errorsText(ajv.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check rejects what Compose would reject', () => {
    const ajv = new Ajv({ strict: false });
    const schema = JSON.parse(read('test/fixtures/compose-spec.json')) as Record<string, unknown>;
    delete schema['$schema'];
    const validate = ajv.compile(schema);
    expect(
      validate({
        services: { kretry: { image: 'kretry', depends_on: { kafka: { condition: 'when_ready' } } } },
      }),
    ).toBe(false);
    expect(validate({ services: { kretry: { imag: 'kretry' } } })).toBe(false);
    expect(validate({ services: { kretry: { image: 'kretry' } } })).toBe(true);
  });

  it('mounts and builds only files that exist in the repository', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
      }
      if (s.build !== undefined)
        expect(existsSync(join(root, 'Dockerfile')), `${name}: Dockerfile`).toBe(true);
    }
  });

  it('starts kretry only after the broker and registry are healthy and the topics exist', () => {
    const kretry = service('kretry');
    expect(kretry.depends_on).toMatchObject({
      kafka: { condition: 'service_healthy' },
      'schema-registry': { condition: 'service_healthy' },
      'kretry-topics': { condition: 'service_completed_successfully' },
    });
    expect(service('kretry-topics').depends_on).toMatchObject({
      kafka: { condition: 'service_healthy' },
      'schema-registry': { condition: 'service_healthy' },
    });
  });

  it('gives kretry the compose network addresses, an API on 0.0.0.0 and a token, with known keys only', () => {
    for (const name of ['kretry', 'kretry-topics']) {
      const env = service(name).environment ?? {};
      expect(env['KRETRY_BROKERS']).toBe('kafka:19092');
      expect(env['KRETRY_SCHEMA_REGISTRY_URL']).toBe('http://schema-registry:8080/apis/ccompat/v7');
      expect(Object.keys(env).filter((key) => !KNOWN_ENV.has(key))).toEqual([]);
      expect(service(name).env_file).toEqual([{ path: '.env', required: false }]);
    }
    const env = service('kretry').environment ?? {};
    expect(env['KRETRY_API_HOST']).toBe('0.0.0.0');
    expect(env['KRETRY_API_TOKEN']).toBe('${KRETRY_API_TOKEN:-}');
    expect(service('kretry').ports).toContain(
      `127.0.0.1:${env['KRETRY_API_PORT']}:${env['KRETRY_API_PORT']}`,
    );
  });

  it('advertises a listener for containers (kafka:19092) besides the host one', () => {
    const env = service('kafka').environment ?? {};
    expect(env['KAFKA_LISTENERS']).toContain('DOCKER://0.0.0.0:19092');
    expect(env['KAFKA_ADVERTISED_LISTENERS']).toContain('DOCKER://kafka:19092');
    expect(env['KAFKA_ADVERTISED_LISTENERS']).toContain('PLAINTEXT://127.0.0.1:9092');
    expect(env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']).toContain('DOCKER:PLAINTEXT');
  });

  it('waits longer on stop than the default shutdown timeout (30 s)', () => {
    const grace = /^(\d+)s$/.exec(service('kretry').stop_grace_period ?? '')?.[1];
    expect(Number(grace)).toBeGreaterThan(30);
  });

  it('the topics service refuses a missing or short token, and otherwise runs `topics create`', () => {
    const entrypoint = service('kretry-topics').entrypoint ?? [];
    expect(entrypoint.slice(0, 2)).toEqual(['sh', '-c']);
    // Compose turns `$$` into `$` before the shell sees the script.
    const script = (entrypoint[2] ?? '').replaceAll('$$', '$');
    // A stand-in for the image's dist/src/cli/main.js that prints the arguments it was given.
    const dir = mkdtempSync(join(tmpdir(), 'kretry-compose-'));
    scratch.push(dir);
    const main = join(dir, 'dist', 'src', 'cli', 'main.js');
    mkdirSync(dirname(main), { recursive: true });
    writeFileSync(main, 'console.log(process.argv.slice(2).join(" "));\n');
    const run = (token: string) =>
      spawnSync('sh', ['-c', script], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env['PATH'], KRETRY_API_TOKEN: token },
      });
    const refused = run('');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('KRETRY_API_TOKEN');
    expect(run('too-short').status).toBe(2);
    const ran = run('a-token-of-20-chars!');
    expect(ran.status).toBe(0);
    expect(ran.stdout.trim()).toBe('topics create');
  });
});

describe('Prometheus and Grafana wiring', () => {
  interface PromConfig {
    rule_files?: string[];
    scrape_configs: {
      job_name: string;
      metrics_path: string;
      authorization: { type: string; credentials_file: string };
      static_configs: { targets: string[] }[];
    }[];
  }
  const prom = parse(read('deploy/prometheus/prometheus.yml')) as PromConfig;

  it('scrapes kretry /metrics with the API token from a file compose provides', () => {
    const job = prom.scrape_configs.find((j) => j.job_name === 'kretry');
    const port = service('kretry').environment?.['KRETRY_API_PORT'];
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.static_configs.flatMap((c) => c.targets)).toEqual([`kretry:${port}`]);
    expect(job?.authorization.type).toBe('Bearer');
    const mounted = service('prometheus').configs?.find(
      (c) => c.target === job?.authorization.credentials_file,
    );
    expect(mounted, 'the credentials file is a compose config').toBeDefined();
    expect(compose.configs?.[mounted?.source ?? '']?.environment).toBe('KRETRY_API_TOKEN');
    expect(service('prometheus').volumes).toContain(
      './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
  });

  it("loads kretry's alerting rules from the file compose mounts", () => {
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(service('prometheus').volumes).toContain(
      './deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
    );
  });

  it('provisions the Prometheus datasource and the kretry dashboard in Grafana', () => {
    const volumes = service('grafana').volumes ?? [];
    expect(volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string }[];
    };
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    const providers = parse(read('deploy/grafana/provisioning/dashboards/kretry.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    const path = providers.providers[0]?.options.path ?? '';
    expect(volumes).toContain(`./deploy/grafana/kretry-dashboard.json:${path}/kretry-dashboard.json:ro`);
  });

  it('the dashboard picks its datasource by type, as provisioning needs (no import-time inputs)', () => {
    const dashboard = JSON.parse(read('deploy/grafana/kretry-dashboard.json')) as {
      __inputs?: unknown;
      templating: { list: { name: string; type: string; query: string }[] };
      panels: { datasource: { uid: string }; targets: { datasource?: { uid: string } }[] }[];
    };
    expect(dashboard.__inputs).toBeUndefined();
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const uids = dashboard.panels.flatMap((p) => [
      p.datasource.uid,
      ...p.targets.map((t) => t.datasource?.uid),
    ]);
    expect(new Set(uids)).toEqual(new Set(['${datasource}']));
  });
});
