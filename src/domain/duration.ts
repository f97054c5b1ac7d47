/**
 * Durations as users write them: `500ms`, `1s`, `2m`, `10h`, `3d`. Tiers, ages and timeouts use
 * these in configuration; the domain works in milliseconds.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** Milliseconds, or undefined when the text is not a positive duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const ms = amount * UNIT_MS[match[2] as Unit];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** The shortest exact spelling: 120000 → `2m`, 1500 → `1500ms`. Used for tier topic names. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
