package dev.kretry.bench.spring;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.retrytopic.RetryTopicConfigurationSupport;

/**
 * The retry-topic infrastructure (in place of @EnableKafkaRetryTopic, which allows no customizing).
 *
 * One setting differs from spring-kafka's default: the DeadLetterPublishingRecoverer does not
 * verify the destination partition. With verification on (the default), every forward to a retry
 * topic first calls consumer.partitionsFor(retryTopic) on the failing consumer thread
 * (DeadLetterPublishingRecoverer#checkPartition); that metadata request is queued on the broker
 * connection behind the consumer's own long-poll fetch, so it costs up to fetch.max.wait.ms
 * (500 ms) per failure, per thread. In our smoke run that cut first-attempt throughput in
 * scenario B about tenfold. The check guards against a retry topic with fewer partitions than
 * the input; here the app creates them with the same count, so it can never fire. Set
 * peer.verify-partition=true to measure Spring's out-of-the-box behaviour.
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
