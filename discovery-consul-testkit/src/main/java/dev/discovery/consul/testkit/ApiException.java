package dev.discovery.consul.testkit;

/** An error answered to an HTTP client with a status and Consul's plain-text body. */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }
}
