/** How one attempt ended, as recorded: the AttemptOutcome enum of the schemas. */
export type AttemptOutcome = 'success' | 'retryable' | 'permanent' | 'skipped';
