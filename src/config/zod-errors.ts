import type { z } from 'zod';

/** One line per bad key: `  - KRETRY_TIERS: <what is wrong>`, so the user sees every mistake at once. */
export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
      return `  - ${path}: ${issue.message}`;
    })
    .join('\n');
}
