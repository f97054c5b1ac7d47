import { deliveriesCommand } from './deliveries-command.js';
import { Command } from 'commander';
import { startCommand, topicsCommand } from './engine-commands.js';
import { stackCommand } from './stack-command.js';
import { sendCommand } from './send-command.js';
import { dlqCommand } from './dlq-command.js';
import { redriveCommand } from './redrive-command.js';
import { replayCommand } from './replay-command.js';
import { endpointsCommand } from './endpoints-command.js';
import { demoCommand } from './demo-command.js';

/**
 * The whole `kretry` command tree. Apart from main.ts (which runs it) so a test can parse the
 * README's commands with commander's own rules without running an action.
 */
export function program(): Command {
  const root = new Command('kretry')
    .description('Event-sourced webhook delivery and retry engine on Apache Kafka.')
    .enablePositionalOptions()
    .addCommand(startCommand())
    .addCommand(topicsCommand())
    .addCommand(sendCommand())
    .addCommand(dlqCommand())
    .addCommand(redriveCommand())
    .addCommand(replayCommand())
    .addCommand(endpointsCommand())
    .addCommand(deliveriesCommand())
    .addCommand(demoCommand())
    .addCommand(stackCommand());
  applyToTree(root, (command) => command.exitOverride().showHelpAfterError());
  return root;
}

/** Commander settings are not inherited by commands built separately and added later. */
export function applyToTree(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToTree(sub, apply);
}
