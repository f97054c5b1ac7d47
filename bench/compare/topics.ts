import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * `admin.createTopics` with `waitForLeaders`, tried again on a retriable error: on a busy broker
 * the metadata poll kafkajs runs after creating a topic can answer UNKNOWN_TOPIC_OR_PARTITION
 * before the new partitions are hosted, and kafkajs throws that instead of polling on
 * (admin/index.js, retryOnLeaderNotAvailable). A second call finds the topics existing and waits
 * for their leaders again.
 */
export async function createTopicsRetrying(
  admin: Admin,
  topics: ITopicConfig[],
  attempts = 5,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics, waitForLeaders: true });
      return;
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}
