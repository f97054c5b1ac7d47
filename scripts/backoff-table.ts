/**
 * `npm run docs:backoff-table`: prints the README's table of backoff strategies on the default
 * tiers, from the code that places them (src/domain/delivery/schedule-table.ts). A unit test checks
 * the README holds exactly this table.
 */
import { scheduleTableMarkdown } from '../src/domain/delivery/schedule-table.js';

if (process.argv.includes('--help')) {
  process.stdout.write('npm run docs:backoff-table: the README table of backoff strategies, as markdown\n');
} else {
  process.stdout.write(`${scheduleTableMarkdown()}\n`);
}
