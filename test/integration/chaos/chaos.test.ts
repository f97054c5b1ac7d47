import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVARIANTS } from '../../../chaos/audit.js';
import { runScenario } from '../../../chaos/run-scenario.js';
import { SCENARIOS } from '../../../chaos/scenarios.js';
import { chaosStackOptions, startChaosStack, type ChaosStack } from '../../../chaos/stack.js';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * The shortened form of every chaos scenario (`npm run chaos -- --short`), on one stack of the
 * suite's own (never the shared one: the broker and registry scenarios kill and restart it).
 */
describe('chaos (shortened): real kretry processes under faults', () => {
  const options = chaosStackOptions();
  let stack: ChaosStack;

  beforeAll(async () => {
    stack = await startChaosStack(options, (line) => log(`[chaos stack] ${line}`));
  });

  afterAll(async () => {
    await stack?.down();
  });

  it.each(SCENARIOS.map((s) => [s.name, s] as const))(
    '%s: nothing lost, dead-lettered twice, scheduled twice, stuck on SIGTERM or exiting non-zero',
    async (_name, scenario) => {
      const summary = await runScenario(stack, scenario, {
        form: 'short',
        logRoot: join(options.home, 'logs'),
        log,
      });
      log(JSON.stringify(summary));
      const invariants = Object.fromEntries(INVARIANTS.map((name) => [name, summary[name]]));
      expect(invariants, JSON.stringify(summary)).toEqual({
        lost: 0,
        deadLetteredTwice: 0,
        scheduledTwice: 0,
        stuckOnSigterm: 0,
      });
      expect(summary.deliveries).toBe(scenario.deliveries.short);
      // SIGTERM ends every process with status 0: drained and committed, not cut off by the hard exit.
      expect(summary.nonZeroExit, 'processes that exited non-zero after SIGTERM').toBe(0);
      // Only the registry scenario asks; a registry that forgets breaks every older record.
      expect(summary.schemasForgotten ?? 0, 'subjects the registry forgot on restart').toBe(0);
    },
    300_000,
  );
});
