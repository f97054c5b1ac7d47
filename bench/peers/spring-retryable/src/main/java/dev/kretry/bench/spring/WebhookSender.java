package dev.kretry.bench.spring;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.springframework.stereotype.Component;

/**
 * POSTs a delivery's body with the JDK's java.net.http.HttpClient. Chosen over Spring's RestClient
 * because it needs no extra dependency (no spring-web), has a connection pool with keep-alive, and
 * RestClient would only wrap a client like this one. HTTP/1.1 is forced: with the JDK default
 * (HTTP/2) a plain http:// request carries an h2c Upgrade header, which neither kretry (undici)
 * nor the bare-kafkajs ceiling send.
 */
@Component
public class WebhookSender {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(TIMEOUT)
		.build();

	/** Blocks the calling consumer thread until the answer; throws unless it is 2xx. */
	public void post(String deliveryId, String url, String body) {
		HttpRequest request = HttpRequest.newBuilder(URI.create(url))
			.timeout(TIMEOUT)
			.header("content-type", "application/json")
			.header("webhook-id", deliveryId)
			.POST(HttpRequest.BodyPublishers.ofString(body))
			.build();
		int status;
		try {
			status = this.client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DeliveryFailedException("interrupted while delivering " + deliveryId, ex);
		}
		catch (IOException ex) {
			throw new DeliveryFailedException("transport error delivering " + deliveryId + ": " + ex, ex);
		}
		if (status < 200 || status > 299) {
			throw new DeliveryFailedException("HTTP " + status + " for " + deliveryId);
		}
	}

}
