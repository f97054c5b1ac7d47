/** A broken rule of the domain itself (an illegal state transition): a bug, never bad input. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}
