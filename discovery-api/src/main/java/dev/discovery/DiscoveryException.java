package dev.discovery;

/**
 * The root of the library's exceptions: every one names the service and the backend, and says what to do.
 */
public class DiscoveryException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String service;
  private final String backend;

  /** An exception about {@code service} as asked of {@code backend}. */
  public DiscoveryException(String service, String backend, String message, Throwable cause) {
    super(message, cause);
    this.service = service;
    this.backend = backend;
  }

  /** The service the failed operation was about, or {@code null} when it concerned none. */
  public String service() {
    return service;
  }

  /** A description of the backend (for example {@code consul-http http://127.0.0.1:8500}). */
  public String backend() {
    return backend;
  }
}
