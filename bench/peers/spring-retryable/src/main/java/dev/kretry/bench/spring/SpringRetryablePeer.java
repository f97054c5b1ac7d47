package dev.kretry.bench.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Benchmark peer for kretry: the canonical Spring Kafka non-blocking retry (@RetryableTopic).
 * What it does is in {@link DeliveryListener}, how it retries in {@link RetryTopicSettings}; settings come from application.properties,
 * overridable by environment variables (PEER_INPUT_TOPIC, ...) or arguments (--peer.input-topic=...).
 */
@SpringBootApplication
public class SpringRetryablePeer {

	public static void main(String[] args) {
		SpringApplication.run(SpringRetryablePeer.class, args);
	}

	/**
	 * The retry containers pause a partition until its head record is due and resume it from a
	 * task on this scheduler (ContainerPartitionPausingBackOffManager); spring-kafka requires one
	 * and Boot only provides it with @EnableScheduling. Resuming is a tiny task: two threads.
	 */
	@Bean
	TaskScheduler taskScheduler() {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(2);
		scheduler.setThreadNamePrefix("peer-resume-");
		return scheduler;
	}

}
