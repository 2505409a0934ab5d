package dev.discovery.consul.internal;

/**
 * A response body that is not what Consul sends (malformed JSON, a missing or wrong-typed field, a negative
 * port, an empty address, too large). The whole answer is refused so that the cache keeps its last good one.
 */
public final class InvalidAnswerException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidAnswerException(String message) {
    super(message);
  }

  InvalidAnswerException(String message, Throwable cause) {
    super(message, cause);
  }
}
