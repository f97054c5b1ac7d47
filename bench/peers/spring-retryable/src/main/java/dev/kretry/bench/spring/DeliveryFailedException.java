package dev.kretry.bench.spring;

/**
 * Thrown for a non-2xx answer or a transport error, so that @RetryableTopic forwards the record to
 * the next retry topic (or the DLT). A plain RuntimeException is retryable under the default
 * classification (only deserialization/conversion-type exceptions are fatal).
 */
public final class DeliveryFailedException extends RuntimeException {

	public DeliveryFailedException(String message, Throwable cause) {
		super(message, cause);
	}

	public DeliveryFailedException(String message) {
		super(message);
	}

	/**
	 * No stack trace: in scenario B 30 % of first attempts fail, and a stack walk per failure would be
	 * a cost kretry does not pay for its retryable outcomes (values, not exceptions).
	 */
	@Override
	public synchronized Throwable fillInStackTrace() {
		return this;
	}

}
