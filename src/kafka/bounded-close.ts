import type { Logger } from '../observability/logger.js';

/**
 * Waits for a close (a kafkajs disconnect, a server close) at most `ms`, never throwing. kafkajs's
 * disconnect can wait on a broker that stopped answering (a LeaveGroup, a pending request), and a
 * shutdown that waits forever is worse than one that lets the broker time the member out.
 */
export async function closeWithin(
  promise: Promise<unknown>,
  ms: number,
  logger: Logger,
  what: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn({ ms, what }, 'closing took too long; going on');
      resolve();
    }, ms);
  });
  try {
    await Promise.race([
      promise.then(
        () => undefined,
        (error: unknown) => logger.debug({ err: error, what }, 'closing failed; going on'),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
