/**
 * A CPU profile of the dispatcher under load (issue 13, part 5): run with
 *   node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/profile-dispatcher.ts
 * and read the profile with `npx tsx bench/profile-summary.ts <file>`. The receiver runs in its
 * own process, as in bench:compare, so the profile holds the engine's work only.
 * BENCH_COUNT (100000).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEngine } from '../src/roles/engine.js';
import { benchSetting, deployment, log, produceRequests, until } from './support.js';

const COUNT = Number(benchSetting('BENCH_COUNT', '100000'));

if (process.argv.includes('--receiver')) {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
  setInterval(() => process.stderr.write(`received ${received}\n`), 5000).unref();
  process.on('message', () => process.send?.(received));
} else {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--receiver'],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  const received = (): Promise<number> =>
    new Promise((resolve) => {
      child.once('message', (n) => resolve(Number(n)));
      child.send('count');
    });
  const d = await deployment({ KRETRY_TIERS: '1s' });
  await produceRequests(d, COUNT, `http://127.0.0.1:${port}/hook`);
  const engine = await startEngine({ ...d.config, roles: ['dispatcher'], logAttempts: false }, d.logger, {
    defaultMetrics: false,
  });
  const started = Date.now();
  let last = 0;
  await until(() => {
    void received().then((n) => (last = n));
    return last >= COUNT;
  });
  const seconds = (Date.now() - started) / 1000;
  log(`${COUNT} deliveries in ${seconds.toFixed(1)} s: ${(COUNT / seconds).toFixed(0)}/s`);
  await engine.stop();
  await d.cleanup();
  child.kill();
}
