package dev.kretry.bench.spring;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.retrytopic.RetryTopicConfigurationSupport;

/**
 * The retry-topic infrastructure (in place of @EnableKafkaRetryTopic, which allows no customizing).
 *
 * Two settings differ from spring-kafka's defaults, both documented options, because with the
 * defaults every failed attempt stalls its consumer thread for up to fetch.max.wait.ms; with both
 * at their defaults the smoke run's 2,000 first attempts (a third failing) took 39 s instead of
 * 7 s. They change how fast failures are handed on, not what is retried or when.
 *
 * 1. The DeadLetterPublishingRecoverer does not verify the destination partition. With verification on (the default), every forward to a retry
 * topic first calls consumer.partitionsFor(retryTopic) on the failing consumer thread
 * (DeadLetterPublishingRecoverer#checkPartition); that metadata request is queued on the broker
 * connection behind the consumer's own long-poll fetch, so it costs up to fetch.max.wait.ms
 * (500 ms) per failure, per thread. In our smoke run that cut first-attempt throughput in
 * scenario B about tenfold. The check guards against a retry topic with fewer partitions than
 * the input; here the app creates them with the same count, so it can never fire. Set
 * peer.verify-partition=true to measure Spring's out-of-the-box behaviour.
 *
 * 2. The error handler does not seek after an error (DefaultErrorHandler#setSeekAfterError). By
 * default, after a failed record is forwarded, the container seeks every partition to its first
 * unprocessed record and polls again; the records it already had are dropped, and the consumer's
 * prefetch already in flight (a long poll at the log end) must return before the new fetch goes
 * out. With seekAfterError=false the container keeps the rest of the batch in memory and hands it
 * to the listener after one paused poll (pollTimeoutWhilePaused, 100 ms at most). Set
 * peer.seek-after-error=true for Spring's default.
 */
@Configuration(proxyBeanMethods = false)
public class RetryTopicSettings extends RetryTopicConfigurationSupport {

	private final boolean verifyPartition;

	private final boolean seekAfterError;

	public RetryTopicSettings(@Value("${peer.verify-partition}") boolean verifyPartition,
			@Value("${peer.seek-after-error}") boolean seekAfterError) {
		this.verifyPartition = verifyPartition;
		this.seekAfterError = seekAfterError;
	}

	@Override
	protected void configureCustomizers(CustomizersConfigurer customizers) {
		customizers.customizeDeadLetterPublishingRecoverer(dlpr -> dlpr.setVerifyPartition(this.verifyPartition));
		customizers.customizeErrorHandler(handler -> handler.setSeekAfterError(this.seekAfterError));
	}

}
