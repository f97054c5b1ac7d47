import { startAsyncRetry } from '../peers/kafkajs-async-retry.js';
import { producePaced } from './feed.js';
import { log, newRunId } from './phase.js';
import type { ReceiverProcess } from './receiver-process.js';
import { sampleRss } from './rss.js';
import { prepareJson, type HarnessContext } from './systems.js';

/** The library's own default `maxWaitTime` (kafkajs-async-retry 1.0.0, dist/index.js). */
export const LIBRARY_MAX_WAIT_MS = 3000;
const TWO_MINUTES_MS = 120_000;

export interface FindingResult {
  readonly tierMs: number;
  readonly maxWaitTimeMs: number;
  readonly watchedSeconds: number;
  readonly produced: number;
  readonly okIds: number;
  readonly lost: number;
  readonly requests: number;
  readonly failedFirstAttempts: number;
  readonly retriesSeen: number;
  /** Seconds from the peer's start to its consumer's crash, if it crashed. */
  readonly crashAtSeconds: number | undefined;
  readonly crashRestart: boolean | undefined;
  readonly crashError: string | undefined;
  /** Requests that reached the receiver after the crash. */
  readonly requestsAfterCrash: number;
  /** Answered-200 ids at 10-second marks. */
  readonly timeline: readonly { readonly t: number; readonly okIds: number; readonly requests: number }[];
}

/**
 * kafkajs-async-retry with one 2-minute tier and the library's default `maxWaitTime` (3 s, or
 * BENCH_COMPARE_FINDING_MAX_WAIT_MS: above 2.5 min the helper sleeps inside the handler instead), in
 * scenario B, offered 100 deliveries/s for half the watch: what happens to delivery when a retry
 * is due further away than `maxWaitTime`.
 */
export async function runFinding(
  ctx: HarnessContext,
  receiver: ReceiverProcess,
  watchSeconds: number,
  maxWaitTimeMs = LIBRARY_MAX_WAIT_MS,
): Promise<FindingResult> {
  const runId = newRunId('kafkajs-async-retry', 'B', 0);
  await receiver.reset('B');
  const input = await prepareJson(ctx, runId, receiver.url);
  const started = Date.now();
  const peer = await startAsyncRetry(
    {
      brokers: ctx.brokers,
      inputTopic: input.inputTopic,
      receiverUrl: receiver.url,
      scenario: 'B',
      concurrency: ctx.concurrency,
      partitions: ctx.partitions,
      runId,
      tiersMs: [TWO_MINUTES_MS],
    },
    maxWaitTimeMs,
  );
  const rss = sampleRss(peer.pid);
  const perSecond = 100;
  const produced = Math.round((watchSeconds / 2) * perSecond);
  const feeding = producePaced(input.producer, input.inputTopic, input.encode, produced, perSecond);
  const timeline: { t: number; okIds: number; requests: number }[] = [];
  let requestsAtCrash: number | undefined;
  while (Date.now() - started < watchSeconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const progress = await receiver.progress();
    const t = Math.round((Date.now() - started) / 1000);
    if (requestsAtCrash === undefined && peer.events.some((e) => e.event === 'crash'))
      requestsAtCrash = progress.requests;
    if (t % 10 === 0 || timeline.length === 0) {
      timeline.push({ t, okIds: progress.okIds, requests: progress.requests });
      log(`[finding] ${t} s: ${progress.okIds}/${produced} answered 200, ${progress.requests} requests`);
    }
  }
  await feeding;
  const stats = await receiver.stats();
  if (timeline.at(-1)?.t === Math.round((Date.now() - started) / 1000)) timeline.pop();
  timeline.push({
    t: Math.round((Date.now() - started) / 1000),
    okIds: stats.okIds,
    requests: stats.requests,
  });
  rss.stop();
  await peer.stop();
  await input.cleanup();

  const crash = peer.events.find((e) => e.event === 'crash');
  return {
    tierMs: TWO_MINUTES_MS,
    maxWaitTimeMs,
    watchedSeconds: watchSeconds,
    produced,
    okIds: stats.okIds,
    lost: produced - stats.okIds,
    requests: stats.requests,
    failedFirstAttempts: stats.failedAnswers,
    retriesSeen: stats.gaps.length,
    crashAtSeconds: crash === undefined ? undefined : (crash.at - started) / 1000,
    crashRestart: crash === undefined ? undefined : crash['restart'] === true,
    crashError: crash === undefined ? undefined : String(crash['error']),
    requestsAfterCrash: requestsAtCrash === undefined ? 0 : stats.requests - requestsAtCrash,
    timeline,
  };
}

/** The mechanism behind what the run shows, by which side of `maxWaitTime` the tier fell on. */
function why(f: FindingResult): string {
  if (f.maxWaitTimeMs <= f.tierMs * 0.75)
    return `Why: a retry record due further away than \`maxWaitTime\` makes the helper pause the partition and
throw \`WaitBeforeProcessing\`, a \`KafkaJSNonRetriableError\`; kafkajs's \`onCrash\`
(src/consumer/index.js) restarts the consumer only for retriable errors, so the whole consumer —
first attempts included — stops, and the paused partition's resume timer fires on a dead consumer.`;
  return `Why: with \`maxWaitTime\` above the tier, the helper never pauses: it sleeps inside the batch
handler until the retry is due (up to ${(f.tierMs * 1.25) / 1000} s here). With one broker, kafkajs 2.2.4 has one
fetcher, which awaits every batch of a fetch before fetching again (src/consumer/fetcher.js,
\`await workerQueue.push(...)\`), so the sleeping retry holds back the first attempts of every partition
until it is due; the sleep also outlasts the 30 s session timeout, since the handler cannot heartbeat.`;
}

export function findingMarkdown(date: string, f: FindingResult): string {
  const crashed =
    f.crashAtSeconds === undefined
      ? `The consumer did not crash within ${f.watchedSeconds} s.`
      : `The consumer crashed ${f.crashAtSeconds.toFixed(1)} s after start (kafkajs restart: ${String(f.crashRestart)}): ` +
        `\`${f.crashError}\`. ${f.requestsAfterCrash} requests reached the receiver after the crash was reported.`;
  return `# kafkajs-async-retry 1.0.0: a 2-minute tier with maxWaitTime ${f.maxWaitTimeMs} ms (${date})

Setup: one retry tier of ${f.tierMs / 1000} s (±25 % jitter), \`maxWaitTime\` ${f.maxWaitTimeMs} ms${
    f.maxWaitTimeMs === LIBRARY_MAX_WAIT_MS ? " (the library's default)" : ''
  }, scenario B (30 % of first attempts get 500), ${f.produced} deliveries offered at
100/s over the first half of a ${f.watchedSeconds} s watch.

${crashed}

After ${f.watchedSeconds} s: ${f.okIds} of ${f.produced} ids answered 200, **${f.lost} not delivered** (not answered 200 while watched),
${f.requests} requests, ${f.failedFirstAttempts} failed first attempts, ${f.retriesSeen} retries seen.

${why(f)}

| t (s) | ids answered 200 | requests |
| --- | --- | --- |
${f.timeline.map((p) => `| ${p.t} | ${p.okIds} | ${p.requests} |`).join('\n')}
`;
}
