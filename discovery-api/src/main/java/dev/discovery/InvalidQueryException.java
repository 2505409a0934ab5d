package dev.discovery;

/** The registry rejected the query itself (a malformed filter, an unknown datacenter, a refused token...). */
public class InvalidQueryException extends DiscoveryException {
  private static final long serialVersionUID = 1L;

  /** {@code backend} refused the query about {@code service}; {@code message} says why and what to fix. */
  public InvalidQueryException(String service, String backend, String message, Throwable cause) {
    super(service, backend, message, cause);
  }
}
