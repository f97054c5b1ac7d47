package dev.kretry.bench.spring;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.BackOff;
import org.springframework.kafka.annotation.DltHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.RetryableTopic;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.retrytopic.DestinationTopicContainer;
import org.springframework.kafka.retrytopic.SameIntervalTopicReuseStrategy;
import org.springframework.kafka.retrytopic.TopicSuffixingStrategy;
import org.springframework.stereotype.Component;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One listener on the input topic; @RetryableTopic adds one retry topic (and one listener container)
 * per backoff step, and a DLT.
 *
 * Backoff: an ExponentialBackOff with delay 1 s, multiplier 2, jitter 250 ms and max delay 5 s,
 * which spring-core 7.0 (ExponentialBackOff#applyJitter) turns into retry delays drawn from
 * [1000, 1250), [1500, 2500) and [3000, 5000) ms: the jitter is multiplied with the delay, and the
 * result is clamped to no less than the base delay (so tier 1 cannot go below 1 s) and no more
 * than maxDelay (5 s, so that tier 3 keeps its full ±25 % band). But spring-kafka draws those
 * values ONCE, at startup (BackOffValuesGenerator#generateValues), and stores each as its retry
 * topic's fixed delay: every record in retry topic N then waits the same drawn delay. Per-record
 * jitter is not something @RetryableTopic offers. The drawn delays are printed at startup
 * (PEER_RETRY_DELAYS) so that a harness can measure lateness against them.
 *
 * Topic names use the index suffix (-retry-0, -retry-1, -retry-2, -dlt): with the default
 * delay-value suffix a jittered delay would name new topics on every start. One topic per retry
 * even when two delays are equal (MULTIPLE_TOPICS), so there are always attempts + 1 topics.
 */
@Component
public class DeliveryListener implements ConsumerSeekAware {

	static final String LISTENER_ID = "spring-peer";

	private static final Logger LOG = LoggerFactory.getLogger(DeliveryListener.class);

	private final WebhookSender sender;

	private final JsonMapper json = JsonMapper.builder().build();

	/** Looked up late: the retry-topic infrastructure is built after this bean. */
	private final ObjectProvider<DestinationTopicContainer> destinations;

	private final String inputTopic;

	private final int partitions;

	private final int attempts;

	/** Partitions of the input, retry and DLT topics held by some consumer of this process. */
	private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();

	private final AtomicBoolean readyReported = new AtomicBoolean();

	private final AtomicLong deadLettered = new AtomicLong();

	public DeliveryListener(WebhookSender sender, ObjectProvider<DestinationTopicContainer> destinations,
			@Value("${peer.input-topic}") String inputTopic, @Value("${peer.partitions}") int partitions,
			@Value("${peer.attempts}") int attempts) {
		this.sender = sender;
		this.destinations = destinations;
		this.inputTopic = inputTopic;
		this.partitions = partitions;
		this.attempts = attempts;
	}

	@RetryableTopic(attempts = "${peer.attempts}",
			backOff = @BackOff(delayString = "${peer.backoff.delay-ms}",
					multiplierString = "${peer.backoff.multiplier}", maxDelayString = "${peer.backoff.max-delay-ms}",
					jitterString = "${peer.backoff.jitter-ms}"),
			numPartitions = "${peer.partitions}", replicationFactor = "1", autoCreateTopics = "true",
			topicSuffixingStrategy = TopicSuffixingStrategy.SUFFIX_WITH_INDEX_VALUE,
			sameIntervalTopicReuseStrategy = SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS)
	@KafkaListener(id = LISTENER_ID, idIsGroup = false, groupId = "${peer.group-id}",
			topics = "${peer.input-topic}", concurrency = "${peer.concurrency}")
	public void deliver(ConsumerRecord<String, String> record) {
		JsonNode delivery = this.json.readTree(record.value());
		this.sender.post(delivery.get("deliveryId").asString(), delivery.get("url").asString(),
				delivery.get("body").asString());
	}

	@DltHandler
	public void deadLettered(ConsumerRecord<String, String> record) {
		long n = this.deadLettered.incrementAndGet();
		if (n == 1 || n % 1000 == 0) {
			LOG.info("PEER_DEAD_LETTERED total={} last_key={}", n, record.key());
		}
	}

	/**
	 * Called by every consumer thread of every container (main, retries, DLT) with its share of
	 * the partitions. When all of them are held, print one line the harness waits for.
	 */
	@Override
	public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
		this.assigned.addAll(assignments.keySet());
		// input + (attempts - 1) retry topics + DLT, each with the same partition count
		int expected = this.partitions * (this.attempts + 1);
		if (this.assigned.size() >= expected && this.readyReported.compareAndSet(false, true)) {
			LOG.info("PEER_RETRY_DELAYS {}", retryDelays());
			LOG.info("PEER_READY partitions_assigned={} topic={}", this.assigned.size(), this.inputTopic);
		}
	}

	@Override
	public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
		this.assigned.removeAll(partitions);
	}

	private String retryDelays() {
		StringJoiner out = new StringJoiner(" ");
		for (int i = 0; i < this.attempts - 1; i++) {
			String topic = this.inputTopic + "-retry-" + i;
			out.add(topic + "=" + this.destinations.getObject().getDestinationTopicByName(LISTENER_ID, topic).getDestinationDelay());
		}
		return out.toString();
	}

}
