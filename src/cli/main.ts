#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isKretryError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { startCommand, topicsCommand } from './engine-commands.js';
import { stackCommand } from './stack-command.js';
import { sendCommand } from './send-command.js';
import { dlqCommand } from './dlq-command.js';
import { redriveCommand } from './redrive-command.js';
import { replayCommand } from './replay-command.js';
import { endpointsCommand } from './endpoints-command.js';
import { demoCommand } from './demo-command.js';

function program(): Command {
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
    .addCommand(demoCommand())
    .addCommand(stackCommand());
  applyToTree(root, (command) => command.exitOverride().showHelpAfterError());
  return root;
}

/** Commander settings are not inherited by commands built separately and added later. */
function applyToTree(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToTree(sub, apply);
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isKretryError(error)) {
      process.stderr.write(`kretry: ${error.message}\n`);
      return error.code === 'KRETRY_USAGE' || error.code === 'KRETRY_CONFIG' ? EXIT.usage : EXIT.failed;
    }
    process.stderr.write(
      `kretry: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv);
