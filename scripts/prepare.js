// npm runs `prepare` after `npm ci` and `npm install` in a clone, and when npx links a clone into
// its cache to run the project's own bin. It builds dist/ (`npm run build`) when the compiler is
// installed. Without the dev dependencies (`npm ci --omit=dev`, or `npx kretry` in a clone before
// its first `npm ci`) there is nothing to build with: it says so and succeeds. Failing there would
// fail the install, and npx would keep a half-made cache entry that breaks `npx kretry` in that
// clone for good; bin/kretry.js says instead that the CLI is not built yet.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import process from 'node:process';

try {
  createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('kretry: the dev dependencies are not installed, so dist/ is not built\n');
  process.exit(0);
}
const npm = process.env['npm_execpath'];
const build =
  npm === undefined
    ? spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
    : spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' });
process.exit(build.status ?? 1);
