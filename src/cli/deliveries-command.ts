import { Command } from 'commander';
import { DeliveryIndex } from '../api/delivery-index.js';
import { deliveryJson } from '../api/delivery-routes.js';
import type { DeliveryView } from '../domain/delivery-view.js';
import { KretryError } from '../errors.js';
import {
  EXIT_CODES_HELP,
  progress,
  withCommonOptions,
  withDeployment,
  writeJson,
  type CommonFlags,
} from './common.js';

export function deliveriesCommand(): Command {
  return new Command('deliveries')
    .description('Where deliveries are: pending, scheduled, delivered or dead, with every attempt.')
    .addCommand(showCommand());
}

function showCommand(): Command {
  return withCommonOptions(new Command('show'))
    .description(
      "Show one delivery: its state, where it waits or why it died, and every attempt. Reads the attempts log (the admin API's GET /deliveries/{id} answers from its index at once).",
    )
    .argument('<deliveryId>', 'the delivery id (webhook-id)')
    .option('--json', 'print the delivery as JSON')
    .addHelpText(
      'after',
      `${EXIT_CODES_HELP}\n\nExamples:\n  kretry deliveries show msg_2f1c…\n  kretry deliveries show msg_2f1c… --json | jq .attempts`,
    )
    .action(async (deliveryId: string, flags: CommonFlags & { json?: boolean }) => {
      await withDeployment(flags, async (d) => {
        progress(`reading ${d.topology.attempts} for ${deliveryId}…`);
        const index = new DeliveryIndex(
          d.kafka,
          d.admin,
          d.topology.attempts,
          d.codecs.attempts,
          1,
          d.logger,
          deliveryId,
        );
        try {
          await index.start();
        } finally {
          await index.stop();
        }
        const view = index.get(deliveryId);
        if (view === undefined) {
          throw new KretryError(
            'KRETRY_USAGE',
            `no attempt of ${deliveryId} in the retained attempts log (not sent, not dispatched yet, or older than its retention)`,
          );
        }
        if (flags.json === true) writeJson(deliveryJson(view));
        else process.stdout.write(formatDelivery(view));
      });
    });
}

function formatDelivery(view: DeliveryView): string {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const where =
    view.state === 'scheduled' && view.scheduled !== null
      ? `scheduled on ${view.scheduled.tier}, due ${iso(view.scheduled.dueAt)}`
      : view.state === 'dead' && view.dead !== null
        ? `dead (${view.dead.reason}) at ${iso(view.dead.at)}`
        : view.state;
  const lines = [`${view.deliveryId}  endpoint ${view.endpointId}  ${where}`];
  for (const a of view.attempts) {
    lines.push(
      `  #${a.attempt}  ${iso(a.at)}  ${a.tier.padEnd(10)} ${a.outcome.padEnd(9)} ${String(a.status ?? '-').padEnd(4)} ${(a.errorClass ?? '').padEnd(16)} ${a.latencyMs === null ? '' : `${a.latencyMs} ms`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
