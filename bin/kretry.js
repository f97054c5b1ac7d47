#!/usr/bin/env node
// The `kretry` command: `npx kretry` in a clone, or the command of an installed package. It runs
// the compiled CLI in dist/, which `npm ci` / `npm install` build through the `prepare` script.
// It lives outside dist/ on purpose: npx links a project's own bin into its cache once per
// checkout and never links it again, so a bin pointing into a dist/ not yet built would stay
// "kretry: not found" even after the build. This file always exists, so the link always works.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'kretry: the CLI is not built yet: run `npm run build` (`npm ci` and `npm install` build it too)\n',
  );
  process.exit(2);
}
await import(main.href);
