/**
 * The one place that reads the process environment (STYLE.md: only config loading reads
 * `process.env`); everything else receives the values it needs.
 */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}
