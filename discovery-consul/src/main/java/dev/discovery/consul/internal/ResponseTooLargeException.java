package dev.discovery.consul.internal;

import java.io.IOException;

/**
 * A response body over the transport's cap: the answer is refused as unusable, not as a lost connection.
 * Internal: see the package documentation.
 */
public final class ResponseTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  ResponseTooLargeException(String message) {
    super(message);
  }
}
