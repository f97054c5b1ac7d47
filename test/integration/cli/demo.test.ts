import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { brokers, registryUrl, testKafka } from '../harness/context.js';

describe('kretry demo (npm run demo), shortened', () => {
  it('runs to completion: every delivery delivered or dead-lettered, then prints where to look next', async () => {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (!name.startsWith('KRETRY_') && value !== undefined) env[name] = value;
    }
    Object.assign(env, {
      KRETRY_BROKERS: brokers().join(','),
      KRETRY_SCHEMA_REGISTRY_URL: registryUrl(),
      KRETRY_LOG_LEVEL: 'error',
    });
    const result = await runCli(['demo', '--deliveries', '40', '--flaky-for', '3', '--timeout', '120'], env, {
      timeoutMs: 150_000,
    });
    const prefix = /export KRETRY_TOPIC_PREFIX=(\S+)/.exec(result.stdout)?.[1];
    try {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Settled in \d+ s/);
      // The last table: each endpoint with its 10 deliveries accounted for.
      const last = result.stdout.slice(result.stdout.lastIndexOf('┌'));
      expect(last).toMatch(/demo-healthy\s*│\s*10\s*│\s*10\s*│\s*0\s*│\s*0\s*│/);
      expect(last).toMatch(/demo-flaky\s*│\s*10\s*│\s*10\s*│\s*0\s*│\s*0\s*│/);
      expect(last).toMatch(/demo-slow\s*│\s*10\s*│\s*10\s*│\s*0\s*│\s*0\s*│/);
      expect(last).toMatch(/demo-gone\s*│\s*10\s*│\s*0\s*│\s*0\s*│\s*10\s*│.*disabled/);
      expect(result.stdout).toContain('npx kretry dlq stats');
    } finally {
      if (prefix !== undefined) {
        const admin = testKafka().admin();
        await admin.connect();
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
        await admin.deleteTopics({ topics }).catch(() => undefined);
        await admin.disconnect();
      }
    }
  });
});
