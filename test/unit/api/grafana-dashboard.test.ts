import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/package-root.js';

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

const METRICS = [
  'kretry_attempts_total',
  'kretry_deliveries_total',
  'kretry_dead_letters_total',
  'kretry_attempt_duration_seconds',
  'kretry_schedule_lateness_seconds',
  'kretry_consumer_lag',
  'kretry_endpoints',
  'kretry_endpoint_failure_rate',
];

describe('deploy/grafana/kretry-dashboard.json', () => {
  const dashboard = JSON.parse(
    readFileSync(join(packageRoot(), 'deploy', 'grafana', 'kretry-dashboard.json'), 'utf8'),
  ) as Dashboard;

  it('queries only metrics kretry exports', () => {
    const used = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/kretry_[a-z_]+/g)].map((m) => m[0])),
    );
    const known = (name: string): boolean => METRICS.some((m) => name === m || name === `${m}_bucket`);
    expect(used.filter((name) => !known(name))).toEqual([]);
  });

  it('has the panels the issue asks for', () => {
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const want of [
      'success rate',
      'tier',
      'lateness',
      'dead letters by reason',
      'top failing endpoints',
    ]) {
      expect(titles).toContain(want);
    }
  });
});
