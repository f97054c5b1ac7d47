#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isKretryError } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { program } from './program.js';

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

// `kretry … | head` closes the pipe before kretry is done writing: the reader has what it wanted,
// so that ends the command quietly instead of with an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(EXIT.ok);
});

process.exitCode = await main(process.argv);
